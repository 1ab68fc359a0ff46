//! `motcua diag type --method simple|telex|vni`: the on-screen keyboard's
//! typing engine ([`crate::domain::vietnamese_input`]) on the command line,
//! as `diag parse-id` is for the scanner. One key sequence per line on
//! standard input, the text it types (NFC) per line on standard output.
//!
//! A line that names an unknown simple-mode key gets an empty output line
//! (so the output stays line for line with the input), a message on
//! standard error in Vietnamese and English, and the exit code 2.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use unicode_normalization::UnicodeNormalization;

use crate::domain::vietnamese_input::{type_sequence, Action, KeyboardMode, Tone};

/// `motcua diag type`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = keys_help())]
pub struct TypeArgs {
    /// simple (the kiosk's default: letters as typed, Vietnamese letters and
    /// tones as [keys]), telex or vni.
    #[arg(long, value_name = "METHOD", default_value = "simple", value_parser = parse_mode)]
    pub method: KeyboardMode,
}

fn parse_mode(s: &str) -> Result<KeyboardMode, String> {
    s.parse()
}

/// What `--help` says about the simple mode's keys: every name of
/// [`Action::TOKENS`].
pub fn keys_help() -> String {
    let keys: Vec<String> = Action::TOKENS
        .iter()
        .map(|(name, action)| {
            let meaning = match action {
                Action::Tone(Tone::Acute) => "sắc".to_owned(),
                Action::Tone(Tone::Grave) => "huyền".to_owned(),
                Action::Tone(Tone::Hook) => "hỏi".to_owned(),
                Action::Tone(Tone::Tilde) => "ngã".to_owned(),
                Action::Tone(Tone::Dot) => "nặng".to_owned(),
                Action::Tone(Tone::None) => "no tone (takes it off)".to_owned(),
                Action::Letter { key, .. } => key.letter().to_string(),
            };
            format!("  {:<8} {meaning}", format!("[{name}]"))
        })
        .collect();
    format!(
        "In simple mode, letters are typed as they are and these keys are written in brackets:\n{}\n\
         A letter key shapes the last matching letter of the word (or types its letter); \
         upper-case names ([A^], [DD], …) type upper-case letters. A tone key lands where \
         Telex puts it; pressed again it comes off.\n\n\
         Examples:\n  echo 'tru[u+]o[huyen]ng' | motcua diag type\n  \
         echo 'truwowngf' | motcua diag type --method telex\n  \
         echo 'tru7o7ng2' | motcua diag type --method vni\n\
         each prints: trường",
        keys.join("\n")
    )
}

/// `motcua diag type`: standard input to standard output.
pub fn run(args: &TypeArgs) -> anyhow::Result<ExitCode> {
    type_lines(
        io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
        args.method,
    )
}

/// Types each line of `input` into an empty field and writes the text.
pub fn type_lines(
    input: impl BufRead,
    out: &mut impl Write,
    err: &mut impl Write,
    mode: KeyboardMode,
) -> anyhow::Result<ExitCode> {
    let mut bad_lines = 0;
    for (n, line) in input.lines().enumerate() {
        let line = line.context("reading standard input (UTF-8 expected)")?;
        // Keys may come decomposed (NFD) from another program.
        let keys: String = line.trim_end_matches('\r').nfc().collect();
        match type_sequence(&keys, mode) {
            Ok(text) => writeln!(out, "{}", text.nfc().collect::<String>())?,
            Err(e) => {
                bad_lines += 1;
                writeln!(out)?;
                writeln!(err, "dòng {0}: {1} — line {0}: {e}", n + 1, e.message_vi())?;
            }
        }
    }
    out.flush()?;
    if bad_lines > 0 {
        writeln!(
            err,
            "Các phím: motcua diag type --help — keys: motcua diag type --help"
        )?;
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(input: &str, mode: KeyboardMode) -> (String, String, ExitCode) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = type_lines(input.as_bytes(), &mut out, &mut err, mode).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            code,
        )
    }

    #[test]
    fn one_line_out_per_line_in() {
        let (out, err, code) = typed(
            "tru[u+]o[huyen]ng\r\n\n[DD]a[a(]k[sac]\n",
            KeyboardMode::Simple,
        );
        assert_eq!(out, "trường\n\nĐắk\n");
        assert_eq!(err, "");
        assert_eq!(code, ExitCode::SUCCESS);
    }

    #[test]
    fn an_unknown_key_keeps_the_lines_aligned_and_says_why() {
        let (out, err, code) = typed("a[acute]\nb[sac]\n", KeyboardMode::Simple);
        assert_eq!(out, "\nb\n");
        assert!(err.contains("dòng 1: không có phím [acute]"), "{err}");
        assert!(err.contains("line 1: unknown key [acute]"), "{err}");
        assert_eq!(code, ExitCode::from(2));
    }

    #[test]
    fn decomposed_keys_are_read_as_precomposed() {
        let nfd: String = "tôifs".nfd().collect();
        let (out, _, _) = typed(&nfd, KeyboardMode::Telex);
        assert_eq!(out, "tối\n");
    }

    #[test]
    fn the_help_names_every_key() {
        let help = keys_help();
        for (name, _) in Action::TOKENS {
            assert!(help.contains(&format!("[{name}]")), "{name}");
        }
    }
}
