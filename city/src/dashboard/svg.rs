//! Small charts drawn on the server as inline SVG: one bar per day, the
//! last day (today, still moving) drawn darker; days without a figure
//! leave a gap. No script, no external file: the page prints and works
//! offline.

use super::esc;

/// A bar chart of `values` (oldest first), `label` read by screen readers,
/// `format` writes a value for the bars' titles and the last figure.
pub fn bars(
    label: &str,
    days: &[chrono::NaiveDate],
    values: &[Option<f64>],
    format: impl Fn(f64) -> String,
) -> String {
    const W: f64 = 300.0;
    const H: f64 = 60.0;
    let max = values
        .iter()
        .flatten()
        .copied()
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let n = values.len().max(1) as f64;
    let step = W / n;
    let mut out = format!(
        "<svg viewBox=\"0 0 {W} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        H + 14.0,
        esc(label)
    );
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let h = (v / max * H).max(1.0);
        let x = i as f64 * step + 1.0;
        let fill = if i + 1 == values.len() {
            "#1a3d6d"
        } else {
            "#7f9cc4"
        };
        let day = days.get(i).map(|d| d.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{fill}\">\
             <title>{day}: {}</title></rect>",
            H - h,
            (step - 2.0).max(1.0),
            esc(&format(*v))
        ));
    }
    let last = values
        .last()
        .copied()
        .flatten()
        .map(&format)
        .unwrap_or_else(|| "—".to_owned());
    out.push_str(&format!(
        "<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text>\
         <text x=\"{W}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text></svg>",
        H + 12.0,
        days.first().map(|d| d.to_string()).unwrap_or_default(),
        H + 12.0,
        esc(&last)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_known_day_and_the_last_figure_written() {
        let d0 = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let days: Vec<_> = (0..3).map(|i| d0 + chrono::Duration::days(i)).collect();
        let svg = bars("x", &days, &[Some(2.0), None, Some(4.0)], |v| {
            format!("{v}")
        });
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("height=\"60.0\""), "{svg}");
        assert!(svg.ends_with(">4</text></svg>"), "{svg}");
    }
}
