//! Other projects' MRZ test suites, run on motcua's TD1 parser: cheminfo/mrz,
//! Arg0s1080/mrz, PassportEye and the worked example of ICAO 9303 part 11
//! appendix D. Their vectors are vendored in `tests/vectors/mrz/<suite>/`
//! with their source and licence; a vector motcua deliberately does not
//! follow (a passport format, OCR autocorrection, country-code checks)
//! carries its reason in the file and is counted as skipped. Each test
//! prints `suite: N passed, N failed, N skipped`; `docs/CONFORMANCE.md`
//! records the figures.

use std::path::Path;

use chrono::NaiveDate;
use motcua_drivers::scanner::identity::CheckDigitFailure;
use motcua_drivers::scanner::{mrz, DocumentAssembler, IdError, IdentityDocument};
use serde::Deserialize;

/// The century windows depend on the day: the vectors are read as on this
/// one, so the figures do not move with the calendar.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

#[derive(Deserialize)]
struct Suite {
    suite: String,
    documents: Vec<Document>,
    #[serde(default)]
    check_digits: Vec<CheckDigit>,
    #[serde(default)]
    mrz_information: Vec<MrzInformation>,
}

/// One MRZ and what the peer expects of it. Only the fields given are
/// compared; dates as the MRZ writes them (`YYMMDD`) unless ISO.
#[derive(Deserialize)]
struct Document {
    test: String,
    #[serde(default)]
    lines: Vec<String>,
    valid: Option<bool>,
    skip: Option<String>,
    document_number: Option<String>,
    birth: Option<String>,
    expiry: Option<String>,
    date_of_birth: Option<NaiveDate>,
    expires_on: Option<NaiveDate>,
    sex: Option<String>,
    name: Option<String>,
    nationality: Option<String>,
    wrong_check_digits: Option<Vec<String>>,
    mrz_information: Option<String>,
}

#[derive(Deserialize)]
struct CheckDigit {
    test: String,
    data: Option<String>,
    digit: Option<String>,
    valid: Option<bool>,
    /// The digit of `data` equals the digit of this.
    same_as: Option<String>,
    skip: Option<String>,
}

#[derive(Deserialize)]
struct MrzInformation {
    test: String,
    document_number: String,
    birth: String,
    expiry: String,
    information: String,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: Vec<String>,
    failed: Vec<String>,
}

impl Tally {
    fn check(&mut self, test: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed += 1;
        } else {
            self.failed.push(format!("{test}: {}", problems.join("; ")));
        }
    }
}

fn load(name: &str) -> Suite {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/mrz")
        .join(name)
        .join("vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Three lines go to the TD1 parser; anything else is fed line by line to
/// the scanner's assembler, as a scanner would send it.
fn read(lines: &[String]) -> Result<IdentityDocument, IdError> {
    if let [a, b, c] = lines {
        return mrz::parse_on([a, b, c], today());
    }
    let mut assembler = DocumentAssembler::new();
    let mut results: Vec<_> = lines.iter().filter_map(|l| assembler.push(l)).collect();
    results.extend(assembler.finish().map(Err));
    match results.len() {
        0 => Err(IdError::Empty),
        1 => results.remove(0),
        _ => Err(results
            .into_iter()
            .find_map(Result::err)
            .unwrap_or(IdError::NotRecognised)),
    }
}

/// The MRZ information of basic access control: document number (at least
/// 9 characters), date of birth and date of expiry, each with its check
/// digit.
fn mrz_information(document_number: &str, birth: &str, expiry: &str) -> String {
    let number = format!("{document_number:<<9}");
    [number.as_str(), birth, expiry]
        .iter()
        .map(|f| format!("{f}{}", mrz::check_digit(f)))
        .collect()
}

fn compare(problems: &mut Vec<String>, what: &str, want: &Option<String>, got: Option<String>) {
    if let Some(want) = want {
        if got.as_deref() != Some(want.as_str()) {
            problems.push(format!("{what}: expected {want:?}, got {got:?}"));
        }
    }
}

fn check_document(d: &Document) -> Vec<String> {
    let mut problems = Vec::new();
    match (d.valid, read(&d.lines)) {
        (Some(true), Ok(doc)) => {
            let yymmdd = |date: NaiveDate| date.format("%y%m%d").to_string();
            compare(
                &mut problems,
                "document number",
                &d.document_number,
                doc.document_number.clone(),
            );
            compare(
                &mut problems,
                "birth",
                &d.birth,
                Some(yymmdd(doc.date_of_birth)),
            );
            compare(
                &mut problems,
                "expiry",
                &d.expiry,
                doc.expires_on.map(yymmdd),
            );
            let iso = |date: &Option<NaiveDate>| date.map(|x| x.to_string());
            compare(
                &mut problems,
                "date of birth",
                &iso(&d.date_of_birth),
                Some(doc.date_of_birth.to_string()),
            );
            compare(
                &mut problems,
                "expires on",
                &iso(&d.expires_on),
                doc.expires_on.map(|x| x.to_string()),
            );
            let sex = serde_json::to_value(doc.sex).unwrap();
            compare(
                &mut problems,
                "sex",
                &d.sex,
                sex.as_str().map(str::to_owned),
            );
            compare(&mut problems, "name", &d.name, Some(doc.full_name.clone()));
            compare(
                &mut problems,
                "nationality",
                &d.nationality,
                doc.nationality.clone(),
            );
            let info = doc
                .document_number
                .as_deref()
                .zip(doc.expires_on)
                .map(|(n, e)| mrz_information(n, &yymmdd(doc.date_of_birth), &yymmdd(e)));
            compare(&mut problems, "MRZ information", &d.mrz_information, info);
        }
        (Some(true), Err(err)) => problems.push(format!("refused: {err}")),
        (Some(false), Ok(doc)) => problems.push(format!("accepted: {doc:?}")),
        (Some(false), Err(err)) => {
            if let Some(fields) = &d.wrong_check_digits {
                let found: Vec<String> = match &err {
                    IdError::CheckDigits(failures) => failures
                        .iter()
                        .map(|f: &CheckDigitFailure| {
                            serde_json::to_value(f.field)
                                .unwrap()
                                .as_str()
                                .unwrap()
                                .to_owned()
                        })
                        .collect(),
                    other => vec![format!("not a check digit error: {other}")],
                };
                if &found != fields {
                    problems.push(format!(
                        "wrong check digits: expected {fields:?}, got {found:?}"
                    ));
                }
            }
        }
        (None, _) => problems.push("the vector says neither valid nor skip".into()),
    }
    problems
}

fn check_digit_problems(c: &CheckDigit) -> Vec<String> {
    let Some(data) = &c.data else {
        return vec!["no data".into()];
    };
    let got = mrz::check_digit(data);
    match (&c.same_as, &c.digit, c.valid) {
        (Some(other), _, _) if got == mrz::check_digit(other) => vec![],
        (Some(other), _, _) => vec![format!(
            "{data} gives {got}, {other} gives {}",
            mrz::check_digit(other)
        )],
        (None, Some(digit), Some(valid)) if (got.to_string() == *digit) == valid => vec![],
        (None, digit, valid) => vec![format!(
            "{data} gives {got}; expected {digit:?} to be valid: {valid:?}"
        )],
    }
}

fn run(name: &str) -> Tally {
    let suite = load(name);
    let mut tally = Tally::default();
    for d in &suite.documents {
        match &d.skip {
            Some(reason) => tally.skipped.push(format!("{}: {reason}", d.test)),
            None => tally.check(&d.test, check_document(d)),
        }
    }
    for c in &suite.check_digits {
        match &c.skip {
            Some(reason) => tally.skipped.push(format!("{}: {reason}", c.test)),
            None => tally.check(&c.test, check_digit_problems(c)),
        }
    }
    for m in &suite.mrz_information {
        let got = mrz_information(&m.document_number, &m.birth, &m.expiry);
        let problems = if got == m.information {
            vec![]
        } else {
            vec![format!("expected {}, got {got}", m.information)]
        };
        tally.check(&m.test, problems);
    }
    println!(
        "{}: {} passed, {} failed, {} skipped",
        suite.suite,
        tally.passed,
        tally.failed.len(),
        tally.skipped.len()
    );
    for s in &tally.skipped {
        println!("  skipped {s}");
    }
    assert!(
        tally.failed.is_empty(),
        "{}:\n{}",
        suite.suite,
        tally.failed.join("\n")
    );
    assert!(tally.passed > 0, "{}: nothing ran", suite.suite);
    tally
}

#[test]
fn cheminfo_mrz() {
    run("cheminfo-mrz");
}

#[test]
fn arg0s1080_mrz() {
    run("arg0s1080-mrz");
}

#[test]
fn passporteye() {
    run("passporteye");
}

#[test]
fn icao_9303_part_11_appendix_d() {
    let tally = run("icao-9303-p11");
    // The vector the issue names: …9507122… expired in 1995.
    assert!(tally.passed >= 9, "{}", tally.passed);
}
