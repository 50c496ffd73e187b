//! Renderers shared by the commands that report findings.

use crate::cli::term;
use dkimctl::diagnosis::finding::{Finding, Severity};
use std::io::Write;

/// The findings as a table (severity, code, subject and message with the
/// fix beneath), or "No findings." when there are none.
pub fn findings_table(out: &mut dyn Write, findings: &[Finding]) -> anyhow::Result<()> {
    if findings.is_empty() {
        writeln!(out, "No findings.")?;
        return Ok(());
    }
    let colour = term::colour();
    let mut table = term::table();
    table.set_header(vec!["severity", "code", "finding"]);
    for f in findings {
        let mut severity = comfy_table::Cell::new(f.severity.as_str());
        if colour {
            severity = severity.fg(match f.severity {
                Severity::Error => comfy_table::Color::Red,
                Severity::Warning => comfy_table::Color::Yellow,
                Severity::Info => comfy_table::Color::Blue,
            });
        }
        let mut text = format!("{}: {}", f.subject, f.message);
        if let Some(fix) = &f.fix {
            text.push_str(&format!("\nfix: {fix}"));
        }
        table.add_row(vec![
            severity,
            comfy_table::Cell::new(f.code.as_str()),
            comfy_table::Cell::new(text),
        ]);
    }
    writeln!(out, "{table}")?;
    Ok(())
}
