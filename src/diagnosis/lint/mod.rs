//! `lint`: the diagnosis catalogue over zone files, offline.
//!
//! `diagnose` asks DNS what is published; `lint` reads what is about to be
//! published, from master files or Route 53 JSON ([`crate::zone`]), and
//! judges it with the same [`crate::diagnosis::checks`]. What only a file can show is
//! judged here too: a relative name that got the origin twice, a CNAME
//! beside other data, a TXT string over 255 bytes. Every finding carries the
//! file, line and column of the token to change.
//!
//! [`expect`] adds `--expect FILE.csv`: the record set `dkimctl records
//! --csv` wrote must be in the files, with the same values.

pub mod expect;
mod zone_lint;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::diagnosis::checks::{self, Answer, Misplacement, RecordSnapshot};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dkim::selector::{SelectorRules, selector_finding};
use crate::dns::name::is_within as within;
use crate::zone::{
    self, OriginSource, RData, RecordType, Span, Zone, ZoneError, ZoneOptions, ZoneRecord,
};
pub use expect::{ExpectError, Expectations, Expected};
use zone_lint::*;

/// One finding and the place in a file it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// What is wrong and how to fix it.
    #[serde(flatten)]
    pub finding: Finding,
    /// The token to change: file, line, column.
    #[serde(flatten)]
    pub span: Span,
    /// How many characters the token spans (at least 1), for a caret line.
    #[serde(skip)]
    pub width: usize,
    /// The line it points at, as written, for quoting; `None` when that
    /// line could not be kept.
    #[serde(skip)]
    pub quote: Option<String>,
}

impl LintFinding {
    fn at(finding: Finding, span: &Span, width: usize) -> LintFinding {
        LintFinding {
            finding,
            span: span.clone(),
            width: width.max(1),
            quote: None,
        }
    }
}

/// What `lint` read from one input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintedFile {
    /// The file as given.
    pub file: String,
    /// The origin used, with trailing dot, if any.
    pub origin: Option<String>,
    /// Where the origin came from.
    pub origin_source: OriginSource,
    /// How many records the file (and its includes) holds.
    pub records: usize,
}

/// The outcome of linting a set of files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// Each input file, in the order given.
    pub files: Vec<LintedFile>,
    /// Every finding, ordered by file, line and column.
    pub findings: Vec<LintFinding>,
}

impl LintReport {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.finding.severity == severity)
            .count()
    }
}

/// Lints files one after another, keeping only what the checks need: a
/// master file is read record by record (`zone::parse_bytes_each`), so a
/// zone of a million records is never held whole.
pub struct Linter<'e> {
    expect: Option<&'e Expectations>,
    /// The names `--expect` asks about.
    wanted: HashSet<String>,
    files: Vec<LintedFile>,
    findings: Vec<LintFinding>,
    /// Records at `wanted` names, from every file.
    expected_found: Vec<ZoneRecord>,
    /// The lines findings (and records `--expect` judges) point at, kept
    /// while their file's bytes are in hand: an input is never read twice,
    /// so a pipe or FIFO works and nothing can change between the reads.
    quotes: HashMap<(Arc<Path>, u32), String>,
}

impl<'e> Linter<'e> {
    /// A linter; with `expect`, every expected record must be in one of
    /// the files.
    pub fn new(expect: Option<&'e Expectations>) -> Linter<'e> {
        let wanted = expect
            .map(|e| e.records.iter().map(|r| r.name.clone()).collect())
            .unwrap_or_default();
        Linter {
            expect,
            wanted,
            files: Vec::new(),
            findings: Vec::new(),
            expected_found: Vec::new(),
            quotes: HashMap::new(),
        }
    }

    /// Reads and lints one input: Route 53 JSON when it looks like JSON,
    /// else a master file (with its `$INCLUDE`s).
    pub fn read(&mut self, path: &Path, options: &ZoneOptions) -> Result<(), ZoneError> {
        let bytes = zone::read_file(path)?;
        let mut pass = ZoneLint::new(None, &self.wanted);
        let (origin, origin_source) =
            zone::parse_each(&bytes, path, options, &mut |origin, record| {
                pass.observe(origin, record)
            })?;
        let done = pass.finish();
        self.keep_quotes(&done, Some((path, &bytes)));
        self.file_done(path, origin, origin_source, done);
        Ok(())
    }

    /// Lints a zone already in memory.
    pub fn add(&mut self, path: &Path, zone: &Zone) {
        self.add_records(
            path,
            zone.origin.clone(),
            zone.origin_source,
            zone.records.clone(),
        );
    }

    fn add_records(
        &mut self,
        path: &Path,
        origin: Option<String>,
        origin_source: OriginSource,
        records: Vec<ZoneRecord>,
    ) {
        let mut pass = ZoneLint::new(origin.as_deref(), &self.wanted);
        for record in records {
            pass.observe(origin.as_deref(), record);
        }
        let done = pass.finish();
        self.keep_quotes(&done, None);
        self.file_done(path, origin, origin_source, done);
    }

    /// Keeps the lines `done`'s findings and expected records point at:
    /// from `in_hand` (the file just read) where they are in it, else from
    /// their own file (an `$INCLUDE`), read again only when it is a regular
    /// file.
    fn keep_quotes(&mut self, done: &FileDone, in_hand: Option<(&Path, &[u8])>) {
        let mut wanted: BTreeMap<&Arc<Path>, BTreeSet<u32>> = BTreeMap::new();
        let judged = done.expected_found.iter();
        let spans = done.findings.iter().map(|f| &f.span);
        for span in spans.chain(judged.flat_map(|r| std::iter::once(&r.span).chain(&r.rdata_spans)))
        {
            wanted.entry(&span.file).or_default().insert(span.line);
        }
        for (file, numbers) in wanted {
            let lines = match in_hand {
                Some((path, bytes)) if **file == *path => lines_at(bytes, &numbers),
                _ => match read_regular(file) {
                    Some(bytes) => lines_at(&bytes, &numbers),
                    None => continue,
                },
            };
            for (number, text) in lines {
                self.quotes.insert((file.clone(), number), text);
            }
        }
    }

    fn file_done(
        &mut self,
        path: &Path,
        origin: Option<String>,
        origin_source: OriginSource,
        done: FileDone,
    ) {
        self.findings.extend(done.findings);
        self.expected_found.extend(done.expected_found);
        self.files.push(LintedFile {
            file: path.display().to_string(),
            origin,
            origin_source,
            records: done.records,
        });
    }

    /// The report: `--expect` judged over all files, findings in order.
    pub fn finish(self) -> LintReport {
        let mut findings = self.findings;
        if let Some(expect) = self.expect {
            findings.extend(expect::check(expect, &self.expected_found));
        }
        for f in &mut findings {
            let place = (f.span.file.clone(), f.span.line);
            f.quote = f.quote.take().or_else(|| self.quotes.get(&place).cloned());
        }
        // One mistake seen by two checks (a CNAME target that is wrong by
        // the token heuristic and by --expect) is one finding: same place,
        // same fix.
        let mut seen = HashSet::new();
        findings.retain(|f| {
            f.finding.fix.is_none() || seen.insert((f.span.clone(), f.finding.fix.clone()))
        });
        findings.sort_by(|a, b| order(a).cmp(&order(b)));
        LintReport {
            files: self.files,
            findings,
        }
    }
}

/// How findings are ordered: file, line, column, code.
fn order(f: &LintFinding) -> (&Path, u32, u32, &'static str) {
    (
        &f.span.file,
        f.span.line,
        f.span.column,
        f.finding.code.as_str(),
    )
}

/// Lints parsed zones, each named by the file it was read from; with
/// `expect`, also checks that every expected record is in one of them.
pub fn lint(zones: &[(&Path, &Zone)], expect: Option<&Expectations>) -> LintReport {
    let mut linter = Linter::new(expect);
    for (path, zone) in zones {
        linter.add(path, zone);
    }
    linter.finish()
}

/// The text of lines `numbers` (1-based) of `bytes`, in one pass.
pub(crate) fn lines_at(bytes: &[u8], numbers: &BTreeSet<u32>) -> HashMap<u32, String> {
    let Some(&last) = numbers.last() else {
        return HashMap::new();
    };
    let mut lines = HashMap::new();
    for (line, number) in bytes.split(|&b| b == b'\n').zip(1..=last) {
        if numbers.contains(&number) {
            let text = String::from_utf8_lossy(line);
            lines.insert(number, text.trim_end_matches('\r').to_string());
        }
    }
    lines
}

/// A file's bytes when it is a regular file within the zone limit: a
/// FIFO or device named by an `$INCLUDE` is never opened a second time.
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None; // opening a FIFO would wait for a writer
    }
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    crate::input::read_from(file, &path.display().to_string(), crate::input::ZONE).ok()
}

/// A name for lookups: lowercase, no trailing dot.
pub(crate) fn key_name(name: &str) -> Cow<'_, str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The character-strings of a TXT record, as bytes.
pub(crate) fn txt_strings(record: &ZoneRecord) -> Option<Vec<Vec<u8>>> {
    match &record.rdata {
        RData::Txt { strings } => Some(strings.iter().map(|s| s.bytes.clone()).collect()),
        _ => None,
    }
}

/// Where a record's data starts: its first rdata token, else the record.
pub(crate) fn rdata_span(record: &ZoneRecord) -> &Span {
    record.rdata_spans.first().unwrap_or(&record.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading a file record by record and linting it whole in memory give
    /// the same report.
    #[test]
    fn streaming_and_in_memory_agree() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lint/mistakes");
        let mut compared = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures/lint/mistakes exists") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_none_or(|e| e != "zone") {
                continue;
            }
            let options = ZoneOptions::default();
            let mut streamed = Linter::new(None);
            streamed.read(&path, &options).expect("fixture parses");
            let streamed = streamed.finish();
            let zone = zone::read_zone(&path, &options).expect("fixture parses");
            let whole = lint(&[(&path, &zone)], None);
            assert_eq!(streamed, whole, "{}", path.display());
            assert!(!whole.findings.is_empty(), "{}", path.display());
            compared += 1;
        }
        assert!(compared >= 5, "only {compared} fixtures compared");
    }

    #[test]
    fn name_shapes() {
        use NameShape::*;
        for (name, shape) in [
            (
                "s1._domainkey.example.com",
                KeyName {
                    selector: "s1",
                    domain: "example.com",
                },
            ),
            (
                "a.b._domainkey.example.com",
                KeyName {
                    selector: "a.b",
                    domain: "example.com",
                },
            ),
            (
                "_domainkey.example.com",
                KeyName {
                    selector: "",
                    domain: "example.com",
                },
            ),
            (
                "s1.domainkey.example.com",
                NoUnderscore {
                    selector: "s1",
                    domain: "example.com",
                },
            ),
            (
                "s1-domainkey.example.com",
                NoUnderscore {
                    selector: "s1",
                    domain: "example.com",
                },
            ),
            (
                "s1_domainkey.example.com",
                NoUnderscore {
                    selector: "s1",
                    domain: "example.com",
                },
            ),
            ("domainkey.example.com", Other),
            ("www.example.com", Other),
        ] {
            assert_eq!(NameShape::of(name), shape, "{name}");
        }
    }
}
