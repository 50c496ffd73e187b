//! `lint --expect FILE.csv`: the record set `dkimctl records --csv` wrote
//! (`Type,Name,Value` rows, absolute names) must be in the linted files
//! with the same values. A missing record is reported at its CSV row; a
//! different value at the record in the zone file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{LintFinding, key_name, rdata_span, txt_strings};
use crate::diagnosis::checks::zone_line;
use crate::diagnosis::finding::{Code, Finding};
use crate::zone::text::RecordData;
use crate::zone::{RData, Span, ZoneRecord};

/// One record the CSV says must be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// `CNAME` or `TXT`.
    pub record_type: ExpectedType,
    /// The owner, lowercase, without the trailing dot.
    pub name: String,
    /// The CNAME target (lowercase, no trailing dot) or the TXT text.
    pub value: String,
    /// The CSV row.
    pub span: Span,
    /// The row's line as written, for quoting.
    pub quote: String,
}

/// The record types a record set CSV holds.
pub type ExpectedType = crate::records::RecordType;

/// The rows of an `--expect` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expectations {
    /// In file order.
    pub records: Vec<Expected>,
}

/// Why an `--expect` file cannot be used.
pub type ExpectError = crate::records::csv::CsvError;

impl Expectations {
    /// Reads a record set CSV file (see [`crate::records::csv`]).
    pub fn read(path: &Path) -> Result<Expectations, ExpectError> {
        let text = crate::records::csv::read_text(path)?;
        Expectations::parse(&text, path)
    }

    /// Parses record set CSV text read from `path` (which names it in spans).
    pub fn parse(text: &[u8], path: &Path) -> Result<Expectations, ExpectError> {
        let rows = crate::records::csv::parse_csv(text, path)?;
        let mut quotes = super::lines_at(text, &rows.iter().map(|row| row.line).collect());
        let file: Arc<Path> = Arc::from(path);
        let records = rows
            .into_iter()
            .map(|row| Expected {
                record_type: row.record_type,
                name: row.name,
                value: row.value,
                span: Span {
                    file: file.clone(),
                    line: row.line,
                    column: 1,
                },
                quote: quotes.remove(&row.line).unwrap_or_default(),
            })
            .collect();
        Ok(Expectations { records })
    }
}

/// Whether a TXT name holds a domain-verification token.
fn is_verification(expected: &Expected) -> bool {
    expected.name.starts_with("_amazonses.") || expected.value.starts_with("amazonses:")
}

/// Two key records hold the same key: the same text apart from spaces, or
/// the same `k=` and `p=`.
fn same_key(published: &str, expected: &str) -> bool {
    let squeeze = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
    if squeeze(published) == squeeze(expected) {
        return true;
    }
    let tags = |t: &str| -> Option<(String, String)> {
        let list = crate::dkim::tag_list::TagList::parse(t.as_bytes()).ok()?;
        let p = squeeze(list.get("p")?);
        let k = list
            .get("k")
            .map_or("rsa".to_string(), |k| k.trim().to_ascii_lowercase());
        Some((k, p))
    };
    tags(published).is_some_and(|a| tags(expected) == Some(a))
}

/// Checks every expected record against `found`: the records at the
/// expected names, from every linted file.
pub(super) fn check(expect: &Expectations, found: &[ZoneRecord]) -> Vec<LintFinding> {
    let mut found_at: HashMap<String, Vec<&ZoneRecord>> = HashMap::new();
    for record in found {
        let owner = key_name(&record.owner.resolved).into_owned();
        found_at.entry(owner).or_default().push(record);
    }
    let found = found_at;
    let mut findings = Vec::new();
    for expected in &expect.records {
        let at = found.get(&expected.name).map_or(&[][..], Vec::as_slice);
        let (finding, span, width) = match expected.record_type {
            ExpectedType::Cname => match check_cname(expected, at) {
                Some(found) => found,
                None => continue,
            },
            ExpectedType::Txt => match check_txt(expected, at) {
                Some(found) => found,
                None => continue,
            },
        };
        let mut found = LintFinding::at(finding, span, width);
        if *span == expected.span {
            found.quote = Some(expected.quote.clone());
        }
        findings.push(found);
    }
    findings
}

type Located<'a> = (Finding, &'a Span, usize);

fn what_is_there(at: &[&ZoneRecord]) -> String {
    if at.is_empty() {
        return "nothing is there".into();
    }
    let types: Vec<String> = at
        .iter()
        .map(|r| format!("{} (line {})", r.record_type, r.span.line))
        .collect();
    format!("it holds {}", types.join(", "))
}

fn check_cname<'a>(expected: &'a Expected, at: &[&'a ZoneRecord]) -> Option<Located<'a>> {
    let name = &expected.name;
    let fix = zone_line(name, RecordData::Cname(&expected.value));
    // Each CNAME's target as written, and as compared.
    let targets: Vec<(&crate::zone::Name, String)> = at
        .iter()
        .filter_map(|r| match &r.rdata {
            RData::Cname { target } => Some((target, key_name(&target.resolved).into_owned())),
            _ => None,
        })
        .collect();
    if targets.iter().any(|(_, t)| *t == expected.value) {
        return None;
    }
    if let Some((written, target)) = targets.first() {
        let finding = Finding::new(
            Code::CnameTargetMismatch,
            name,
            format!(
                "the CNAME points to {target}; the record set (row {}) says {}",
                expected.span.line, expected.value
            ),
        )
        .with_fix(fix);
        return Some((finding, &written.span, written.written.chars().count()));
    }
    let finding = Finding::new(
        Code::RecordMissing,
        name,
        format!(
            "the record set expects {name} CNAME {}; {}",
            expected.value,
            what_is_there(at)
        ),
    )
    .with_fix(fix);
    Some((finding, &expected.span, 1))
}

fn check_txt<'a>(expected: &'a Expected, at: &[&'a ZoneRecord]) -> Option<Located<'a>> {
    let name = &expected.name;
    let txts: Vec<(&ZoneRecord, String)> = at
        .iter()
        .filter_map(|r| txt_strings(r).map(|s| (*r, crate::dns::join_txt(&s))))
        .collect();
    let verification = is_verification(expected);
    let key = name.contains("._domainkey.") || name.starts_with("_domainkey.");
    let matches = |text: &str| {
        if key {
            same_key(text, &expected.value)
        } else {
            text.trim() == expected.value.trim()
        }
    };
    if txts.iter().any(|(_, t)| matches(t)) {
        return None;
    }
    let fix = zone_line(name, RecordData::Txt(&expected.value));
    let row = expected.span.line;
    // At the apex the verification TXT sits among SPF and others: only an
    // `amazonses:` one can be the wrong token.
    let apex_form = expected.value.starts_with("amazonses:");
    let differing = txts
        .iter()
        .find(|(_, t)| !apex_form || t.starts_with("amazonses:"));
    match (verification, key, differing) {
        (true, _, Some((record, text))) => {
            let finding = Finding::new(
                Code::VerificationMissing,
                name,
                format!(
                    "the verification TXT holds `{text}`; the record set (row {row}) says `{}`",
                    expected.value
                ),
            )
            .with_fix(fix);
            Some((finding, rdata_span(record), 1))
        }
        (true, _, _) => {
            let finding = Finding::new(
                Code::VerificationMissing,
                name,
                format!(
                    "the record set (row {row}) expects the verification TXT `{}` at {name}; {}",
                    expected.value,
                    what_is_there(at)
                ),
            )
            .with_fix(fix);
            Some((finding, &expected.span, 1))
        }
        (false, true, Some((record, _))) => {
            let finding = Finding::new(
                Code::KeyMismatch,
                name,
                format!(
                    "the key record differs from the one the record set (row {row}) says to publish"
                ),
            )
            .with_fix(fix);
            Some((finding, rdata_span(record), 1))
        }
        _ => {
            let finding = Finding::new(
                Code::RecordMissing,
                name,
                format!(
                    "the record set (row {row}) expects a TXT record at {name}; {}",
                    what_is_there(at)
                ),
            )
            .with_fix(fix);
            Some((finding, &expected.span, 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_lines() {
        let ok = Expectations::parse(
            b"Type,Name,Value\nCNAME,A._domainkey.example.com.,a.dkim.amazonses.com.\n\nTXT,_amazonses.example.com,tok\n",
            Path::new("set.csv"),
        )
        .unwrap();
        assert_eq!(ok.records.len(), 2);
        assert_eq!(ok.records[0].name, "a._domainkey.example.com");
        assert_eq!(ok.records[0].value, "a.dkim.amazonses.com");
        assert_eq!(ok.records[1].span.line, 4);
        assert_eq!(&*ok.records[1].span.file, Path::new("set.csv"));
    }

    #[test]
    fn keys_compare_by_key_not_spacing() {
        assert!(same_key("v=DKIM1;k=rsa;p=AB CD", "v=DKIM1; k=rsa; p=ABCD"));
        assert!(same_key("k=rsa; v=DKIM1; p=ABCD", "v=DKIM1; p=ABCD"));
        assert!(!same_key("v=DKIM1; p=ABCE", "v=DKIM1; p=ABCD"));
        assert!(!same_key("v=DKIM1; k=ed25519; p=ABCD", "v=DKIM1; p=ABCD"));
    }
}
