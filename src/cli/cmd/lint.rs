//! `dkimctl lint FILE...`: DKIM checks on zone files (RFC 1035 master files
//! or Route 53 JSON), offline, for CI.
//!
//! # Formats
//! - `human`: findings grouped by file, each with its line quoted and a
//!   caret under the token, the fix beneath; a summary line.
//! - `json`: `{"files": [{"file","origin","origin_source","records"}],
//!   "findings": [{"code","severity","subject","message","fix","file","line","column"}],
//!   "summary": {"errors","warnings","infos","files","records"}}`.
//! - `github`: one workflow command per finding
//!   (`::error file=F,line=L,col=C,endColumn=E,title=dkimctl CODE::MESSAGE`).
//! - `sarif`: SARIF 2.1.0, one run, a rule per finding code.

use crate::cli::{
    exit::{Exit, Outcome},
    term,
};
use clap::{Args, ValueEnum};
use dkimctl::diagnosis::finding::Severity;
use dkimctl::diagnosis::lint::{Expectations, LintFinding, LintReport, Linter};
use dkimctl::zone::{OriginSource, ZoneError, ZoneOptions};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Flags of `dkimctl lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Zone files: RFC 1035 master files, or Route 53 record sets as JSON.
    #[arg(value_name = "ZONEFILE", required = true)]
    files: Vec<PathBuf>,
    /// The origin of relative names, instead of `$ORIGIN` or the file name.
    #[arg(long, value_name = "DOMAIN")]
    origin: Option<String>,
    /// A record set written by `dkimctl records --csv`: every row must be in the files.
    #[arg(long, value_name = "FILE.csv")]
    expect: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    strict: bool,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Grouped by file, with the line quoted.
    Human,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
}

impl LintArgs {
    /// The output format, `--json` included.
    fn format(&self) -> Format {
        match self.json {
            true => Format::Json,
            false => self.format,
        }
    }

    /// Reads, lints and prints.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let expect = self.expect.as_deref().map(Expectations::read).transpose()?;
        let options = ZoneOptions {
            origin: self.origin.clone(),
            ..ZoneOptions::default()
        };
        let mut linter = Linter::new(expect.as_ref());
        let failures: Vec<ZoneError> = self
            .files
            .iter()
            .filter_map(|path| linter.read(path, &options).err())
            .collect();
        if !failures.is_empty() {
            return report_unreadable(out, self.format(), &failures);
        }
        let report = linter.finish();
        match self.format() {
            Format::Human => human(
                &mut crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour()),
                &report,
            )?,
            Format::Json => json_document(out, &report)?,
            Format::Github => github(
                &mut crate::cli::printable::Printable::new(&mut *out, false),
                &report,
            )?,
            Format::Sarif => sarif(out, &report)?,
        }
        let findings: Vec<_> = report.findings.iter().map(|f| f.finding.clone()).collect();
        Ok(Exit::decide(Outcome::of_findings(&findings), self.strict))
    }
}

/// Files that cannot be read or parsed: one `error:` line each on stderr
/// (an annotation too with `--format github`), exit 2.
fn report_unreadable(
    out: &mut dyn Write,
    format: Format,
    failures: &[ZoneError],
) -> anyhow::Result<Exit> {
    for failure in failures {
        crate::cli::print_error(failure);
        if format == Format::Github {
            match failure.span() {
                Some(span) => writeln!(
                    out,
                    "::error file={},line={},col={},title=dkimctl zone syntax::{}",
                    property(&span.file.display().to_string()),
                    span.line,
                    span.column,
                    data(&failure.kind().map(ToString::to_string).unwrap_or_default())
                )?,
                None => writeln!(out, "::error title=dkimctl::{}", data(&failure.to_string()))?,
            }
        }
    }
    Ok(Exit::Usage)
}

fn origin_note(origin: &Option<String>, source: OriginSource) -> String {
    let from = match source {
        OriginSource::Option => "from --origin",
        OriginSource::Directive => "from $ORIGIN",
        OriginSource::FileName => "from the file name",
        OriginSource::Soa => "from the SOA record set",
        OriginSource::None => "",
    };
    match origin {
        Some(origin) if !from.is_empty() => format!("origin {origin} {from}"),
        Some(origin) => format!("origin {origin}"),
        None => "no origin: absolute names only".into(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The human report: a heading per file, then each finding with its line.
fn human(out: &mut dyn Write, report: &LintReport) -> anyhow::Result<()> {
    let colour = term::colour();
    let mut by_file: BTreeMap<String, Vec<&LintFinding>> = BTreeMap::new();
    for f in &report.findings {
        by_file
            .entry(f.span.file.display().to_string())
            .or_default()
            .push(f);
    }
    let mut groups: Vec<(String, Vec<&LintFinding>)> = Vec::new();
    for file in &report.files {
        let found = by_file.remove(&file.file).unwrap_or_default();
        let heading = format!(
            "{} ({}, {})",
            file.file,
            origin_note(&file.origin, file.origin_source),
            plural(file.records, "record")
        );
        groups.push((heading, found));
    }
    // Findings in $INCLUDEd files and in the --expect file.
    groups.extend(by_file);
    for (i, (heading, found)) in groups.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if found.is_empty() {
            writeln!(out, "{heading}: no findings")?;
            continue;
        }
        writeln!(out, "{heading}")?;
        for f in found {
            finding(out, f, f.quote.as_deref(), colour)?;
        }
    }
    let records: usize = report.files.iter().map(|f| f.records).sum();
    writeln!(
        out,
        "\n{}, {} in {} ({})",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.files.len(), "file"),
        plural(records, "record")
    )?;
    Ok(())
}

/// At most this many characters of a quoted line are shown.
const QUOTE_WIDTH: usize = 100;

/// One finding: severity and code, the quoted line with a caret, the
/// message and the fix.
fn finding(
    out: &mut dyn Write,
    f: &LintFinding,
    line: Option<&str>,
    colour: bool,
) -> anyhow::Result<()> {
    let painted = crate::cli::render::severity_word(f.finding.severity, colour);
    writeln!(
        out,
        "  {painted}[{}] {} {}",
        f.finding.code.as_str(),
        f.span,
        f.finding.subject
    )?;
    if let Some(line) = line {
        let (shown, caret_at) = window(line, f.span.column as usize);
        let number = f.span.line.to_string();
        let width = f.width.min(QUOTE_WIDTH.saturating_sub(caret_at)).max(1);
        writeln!(out, "    {number} | {shown}")?;
        writeln!(
            out,
            "    {} | {}{}",
            " ".repeat(number.len()),
            " ".repeat(caret_at),
            "^".repeat(width)
        )?;
    }
    writeln!(out, "    {}", f.finding.message)?;
    if let Some(fix) = &f.finding.fix {
        writeln!(out, "    fix: {fix}")?;
    }
    Ok(())
}

/// The part of a line to quote around 1-based `column` (tabs shown as
/// spaces, long lines cut with `…`), and the caret's offset in it.
fn window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = if at > QUOTE_WIDTH / 2 {
        at - QUOTE_WIDTH / 4
    } else {
        0
    };
    let end = (start + QUOTE_WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut caret_at = at - start;
    if start > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret_at)
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: usize,
    records: usize,
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a LintReport,
    summary: Summary,
}

fn json_document(out: &mut dyn Write, report: &LintReport) -> anyhow::Result<()> {
    let document = Document {
        report,
        summary: Summary {
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            infos: report.count(Severity::Info),
            files: report.files.len(),
            records: report.files.iter().map(|f| f.records).sum(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A finding as the text of an annotation: subject and message, the fix
/// on a line of its own.
fn annotation_text(f: &LintFinding) -> String {
    let mut text = format!("{}: {}", f.finding.subject, f.finding.message);
    if let Some(fix) = &f.finding.fix {
        text.push_str(&format!("\nfix: {fix}"));
    }
    text
}

fn github(out: &mut dyn Write, report: &LintReport) -> anyhow::Result<()> {
    for f in &report.findings {
        let level = match f.finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let message = annotation_text(f);
        writeln!(
            out,
            "::{level} file={},line={},col={},endColumn={},title={}::{}",
            property(&f.span.file.display().to_string()),
            f.span.line,
            f.span.column,
            f.span.column as usize + f.width,
            property(&format!("dkimctl {}", f.finding.code.as_str())),
            data(&message)
        )?;
    }
    Ok(())
}

/// A path as a SARIF artifact URI: relative paths stay relative (to the
/// repository root in code scanning), absolute ones become `file://`.
fn artifact_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    let uri = uri.strip_prefix("./").map(str::to_string).unwrap_or(uri);
    if path.is_absolute() {
        format!("file://{uri}")
    } else {
        uri
    }
}

fn sarif(out: &mut dyn Write, report: &LintReport) -> anyhow::Result<()> {
    let mut rules: Vec<serde_json::Value> = Vec::new();
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut results = Vec::new();
    for f in &report.findings {
        let code = f.finding.code;
        let index = *rule_index.entry(code.as_str()).or_insert_with(|| {
            rules.push(json!({
                "id": code.as_str(),
                "shortDescription": { "text": code.description() },
            }));
            rules.len() - 1
        });
        let level = match f.finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        let text = annotation_text(f);
        results.push(json!({
            "ruleId": code.as_str(),
            "ruleIndex": index,
            "level": level,
            "message": { "text": text },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": artifact_uri(&f.span.file) },
                    "region": {
                        "startLine": f.span.line,
                        "startColumn": f.span.column,
                        "endColumn": f.span.column as usize + f.width,
                    }
                }
            }],
            "properties": { "subject": f.finding.subject, "fix": f.finding.fix },
        }));
    }
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "dkimctl",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(data("50% a\nb\r"), "50%25 a%0Ab%0D");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn long_lines_are_windowed_around_the_column() {
        assert_eq!(window("a\tb", 3), ("a b".to_string(), 2));
        let long = "x".repeat(300);
        let (shown, caret) = window(&long, 200);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), QUOTE_WIDTH + 2);
        assert_eq!(caret, QUOTE_WIDTH / 4 + 1);
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(
            artifact_uri(Path::new("./zones/a b.zone")),
            "zones/a%20b.zone"
        );
        assert_eq!(artifact_uri(Path::new("/tmp/x.zone")), "file:///tmp/x.zone");
    }
}
