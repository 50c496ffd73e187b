//! Renderers shared by the commands that report: the findings (as a table
//! with the fix in the row, or with the fixes listed below it) and the
//! reason part of a verdict line.

use crate::cli::term;
use dkimctl::diagnosis::finding::{Finding, Severity};
use dkimctl::dkim::verify::Reason;
use std::io::Write;

/// The findings as a table (severity, code, subject and message with the
/// fix beneath), or "No findings." when there are none.
pub fn findings_table(out: &mut dyn Write, findings: &[Finding]) -> anyhow::Result<()> {
    if findings.is_empty() {
        return no_findings(out);
    }
    let colour = term::colour();
    let mut table = term::table();
    table.set_header(vec!["severity", "code", "finding"]);
    for f in findings {
        let mut text = format!("{}: {}", f.subject, f.message);
        if let Some(fix) = &f.fix {
            text.push_str(&format!("\nfix: {fix}"));
        }
        table.add_row(vec![
            severity_cell(f.severity, colour),
            comfy_table::Cell::new(f.code.as_str()),
            comfy_table::Cell::new(text),
        ]);
    }
    term::write_table(out, &table)?;
    Ok(())
}

/// The findings as a table (severity, code, name, what is wrong, and a
/// `[n]` pointer to the fix), the fixes below it unwrapped so the literal
/// records can be copied, or "No findings." when there are none.
pub fn findings_table_fixes_below(out: &mut dyn Write, findings: &[Finding]) -> anyhow::Result<()> {
    if findings.is_empty() {
        return no_findings(out);
    }
    let colour = term::colour();
    let mut table = term::table();
    table.set_header(vec!["severity", "code", "name", "what is wrong", "fix"]);
    let mut fixes = Vec::new();
    for f in findings {
        table.add_row(vec![
            severity_cell(f.severity, colour),
            comfy_table::Cell::new(f.code.as_str()),
            comfy_table::Cell::new(&f.subject),
            comfy_table::Cell::new(&f.message),
            comfy_table::Cell::new(match &f.fix {
                Some(fix) => {
                    fixes.push(fix.as_str());
                    format!("[{}]", fixes.len())
                }
                None => String::new(),
            }),
        ]);
    }
    term::write_table(out, &table)?;
    for (i, fix) in fixes.iter().enumerate() {
        writeln!(out, "[{}] {fix}", i + 1)?;
    }
    Ok(())
}

/// What an empty findings table prints instead.
fn no_findings(out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "No findings.")?;
    Ok(())
}

/// The colour of a severity, as a table colour and as its ANSI SGR code:
/// errors red, warnings yellow, info blue.
fn severity_colour(severity: Severity) -> (comfy_table::Color, u8) {
    match severity {
        Severity::Error => (comfy_table::Color::Red, 31),
        Severity::Warning => (comfy_table::Color::Yellow, 33),
        Severity::Info => (comfy_table::Color::Blue, 34),
    }
}

/// A severity word for a table, in its colour when `colour`.
fn severity_cell(severity: Severity, colour: bool) -> comfy_table::Cell {
    let cell = comfy_table::Cell::new(severity.as_str());
    if !colour {
        return cell;
    }
    cell.fg(severity_colour(severity).0)
}

/// A severity word for a line of text, in its colour when `colour`.
pub fn severity_word(severity: Severity, colour: bool) -> String {
    let word = severity.as_str();
    if !colour {
        return word.to_string();
    }
    format!("\x1b[{}m{word}\x1b[0m", severity_colour(severity).1)
}

/// The end of a verdict line: ` [code] sentence` for a verdict with a
/// reason (anything but a pass), nothing otherwise.
pub fn reason_suffix(reason: Option<&Reason>) -> String {
    match reason {
        Some(reason) => format!(" [{}] {}", reason.code().as_str(), reason.describe()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dkimctl::diagnosis::finding::Code;

    fn rendered(
        render: fn(&mut dyn Write, &[Finding]) -> anyhow::Result<()>,
        findings: &[Finding],
    ) -> String {
        let mut out = Vec::new();
        render(&mut out, findings).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn no_findings_is_one_line_in_both_tables() {
        assert_eq!(rendered(findings_table, &[]), "No findings.\n");
        assert_eq!(rendered(findings_table_fixes_below, &[]), "No findings.\n");
    }

    #[test]
    fn severity_words_are_coloured_only_when_asked() {
        assert_eq!(severity_word(Severity::Warning, false), "warning");
        assert_eq!(severity_word(Severity::Error, true), "\x1b[31merror\x1b[0m");
        assert_eq!(severity_word(Severity::Info, true), "\x1b[34minfo\x1b[0m");
    }

    #[test]
    fn fixes_below_are_numbered_in_order() {
        let findings = [
            Finding::new(Code::KeyTesting, "a", "m").with_fix("first"),
            Finding::new(Code::KeyWeak, "b", "m"),
            Finding::new(Code::KeyRevoked, "c", "m").with_fix("second"),
        ];
        let text = rendered(findings_table_fixes_below, &findings);
        assert!(text.ends_with("\n[1] first\n[2] second\n"), "{text}");
    }
}
