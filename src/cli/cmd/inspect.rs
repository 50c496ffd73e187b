//! `dkimctl inspect`: every DKIM-Signature of a message explained, tag by
//! tag, with the verdict, alignment, provider signatures, what earlier
//! verifiers said, and what changed when it fails.
//!
//! # JSON format
//! One document: `{"file", "from", "from_problem", "signatures": [{"field_index",
//! "verdict", "tags": [{"tag","value","meaning"}], "signed_fields": [{"name",
//! "listed","present","state"}], "alignment", "provider", "body_change",
//! "header_change"}], "reported_results": [...], "findings": [{"code",
//! "severity","subject","message","fix"}], "summary"}`.

use crate::cli::{
    args::KeySourceArgs,
    exit::{Exit, Outcome},
    term,
};
use anyhow::Context;
use clap::Args;
use dkimctl::diagnosis::inspect::{InspectReport, SignatureReport, inspect_reader};
use dkimctl::dkim::verify::VerifyOptions;
use serde::Serialize;
use std::io::{Seek, Write};
use std::path::PathBuf;

/// Flags of `dkimctl inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The message (`-` for standard input).
    #[arg(value_name = "FILE")]
    input: PathBuf,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// Print one JSON document instead of tables.
    #[arg(long, conflicts_with = "show_canonical")]
    json: bool,
    /// Print the canonicalized header block and body exactly as hashed, per signature.
    #[arg(long)]
    show_canonical: bool,
    /// Inspect as of this Unix time.
    #[arg(long, hide = true)]
    now: Option<u64>,
}

#[derive(Serialize)]
struct Document<'a> {
    file: String,
    #[serde(flatten)]
    report: &'a InspectReport,
}

impl InspectArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let name = dkimctl::input::display_name(&self.input);
        let mut message = crate::cli::fsio::open_rewindable(&self.input)?;
        let source = self.keys.build()?;
        let options = VerifyOptions::strict(crate::cli::now(self.now));
        let report =
            inspect_reader(&mut message, source.as_ref(), options).with_context(|| name.clone())?;
        if self.show_canonical {
            // The canonical forms are printed whole: the message is read whole.
            message.rewind()?;
            let raw = dkimctl::input::read_from(message, &name, crate::cli::fsio::MESSAGE)?;
            render_canonical(out, &raw, &report)?;
        } else if self.json {
            let text = serde_json::to_string_pretty(&Document {
                file: self.input.display().to_string(),
                report: &report,
            })?;
            writeln!(out, "{text}")?;
        } else {
            render(
                &mut crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour()),
                &report,
            )?;
        }
        // design.md's one rule: a failed signature or an error finding
        // (no aligned signature passes, two From fields) exits 1.
        let outcome =
            Outcome::of_summary(report.summary).and(Outcome::of_findings(&report.findings));
        Ok(Exit::decide(outcome, false))
    }
}

fn render_canonical(out: &mut dyn Write, raw: &[u8], report: &InspectReport) -> anyhow::Result<()> {
    for sig in &report.signatures {
        let Some(forms) = dkimctl::diagnosis::inspect::canonical_forms(raw, sig.field_index)?
        else {
            writeln!(
                out,
                "== DKIM-Signature #{}: unusable, nothing is hashed",
                sig.field_index + 1
            )?;
            continue;
        };
        writeln!(
            out,
            "== DKIM-Signature #{}: canonicalized header fields (input of b=)",
            sig.field_index + 1
        )?;
        out.write_all(&forms.header)?;
        writeln!(out)?;
        writeln!(
            out,
            "== DKIM-Signature #{}: canonicalized body (input of bh=), {} bytes",
            sig.field_index + 1,
            forms.body.len()
        )?;
        out.write_all(&forms.body)?;
        writeln!(out, "== end")?;
    }
    Ok(())
}

fn render(out: &mut dyn Write, report: &InspectReport) -> anyhow::Result<()> {
    match (&report.from, &report.from_problem) {
        (Some(from), _) => writeln!(
            out,
            "From: {} (domain {}, organizational domain {})",
            from.address, from.domain, from.organizational_domain
        )?,
        (None, Some(problem)) => writeln!(out, "From: cannot be determined ({problem})")?,
        (None, None) => {}
    }
    for sig in &report.signatures {
        writeln!(out)?;
        render_signature(out, sig)?;
    }
    if !report.reported_results.is_empty() {
        writeln!(out)?;
        writeln!(out, "Earlier verifiers (Authentication-Results):")?;
        for c in &report.reported_results {
            let r = &c.reported;
            let ours = match (c.matches_field_index, c.our_result) {
                (Some(i), Some(result)) => format!("dkimctl: #{} {}", i + 1, result.as_str()),
                _ => "no matching signature".to_string(),
            };
            let flag = if c.disagrees { "  <- disagrees" } else { "" };
            writeln!(
                out,
                "  {} ({}{}): dkim={} d={} s={}; {ours}{flag}",
                r.authserv_id,
                r.field,
                r.arc_instance
                    .map(|i| format!(" i={i}"))
                    .unwrap_or_default(),
                r.result,
                r.domain.as_deref().unwrap_or("?"),
                r.selector.as_deref().unwrap_or("?"),
            )?;
        }
    }
    writeln!(out)?;
    crate::cli::render::findings_table(out, &report.findings)?;
    Ok(())
}

/// The longest line of an h= list in the tags table.
const H_LINE_MAX: usize = 32;

/// A colon-separated list (h=) on lines of at most `max` characters, each
/// broken after a colon, as a signer may fold it (RFC 6376 allows folding
/// whitespace around the colons), so the table need not widen for it.
fn fold_at_colons(list: &str, max: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for field in list.split_inclusive(':') {
        if !line.is_empty() && line.len() + field.len() > max {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(field);
    }
    lines.push(line);
    lines.join("\n")
}

fn render_signature(out: &mut dyn Write, sig: &SignatureReport) -> anyhow::Result<()> {
    let v = &sig.verdict;
    let mut headline = format!(
        "DKIM-Signature #{}: {}",
        sig.field_index + 1,
        v.result.as_str()
    );
    headline.push_str(&crate::cli::render::reason_suffix(v.reason.as_ref()));
    writeln!(out, "{headline}")?;
    let mut tags = term::table();
    tags.set_header(vec!["tag", "value", "meaning"]);
    for t in &sig.tags {
        let value = match t.tag.as_str() {
            "h" => fold_at_colons(&t.value, H_LINE_MAX),
            _ => t.value.clone(),
        };
        tags.add_row(vec![format!("{}=", t.tag), value, t.meaning.clone()]);
    }
    term::write_table(out, &tags)?;
    if !sig.signed_fields.is_empty() {
        let fields: Vec<String> = sig
            .signed_fields
            .iter()
            .map(|f| {
                let state = match f.state {
                    dkimctl::diagnosis::inspect::FieldState::Present => String::new(),
                    dkimctl::diagnosis::inspect::FieldState::Oversigned => " (oversigned)".into(),
                    dkimctl::diagnosis::inspect::FieldState::Absent => " (absent)".into(),
                    dkimctl::diagnosis::inspect::FieldState::PartlySigned => {
                        format!(" ({} of {} instances signed)", f.listed, f.present)
                    }
                };
                format!("{}{state}", f.name)
            })
            .collect();
        writeln!(out, "Signed fields: {}", fields.join(", "))?;
    }
    if let Some(alignment) = sig.alignment {
        let text = match alignment {
            dkimctl::diagnosis::align::Alignment::Strict => "strict (d= is the From domain)",
            dkimctl::diagnosis::align::Alignment::Relaxed => {
                "relaxed (same organizational domain as From)"
            }
            dkimctl::diagnosis::align::Alignment::None => {
                "none (d= is unrelated to the From domain)"
            }
        };
        writeln!(out, "Alignment with From: {text}")?;
    }
    if let Some(provider) = &sig.provider {
        writeln!(out, "Provider: {} ({})", provider.name, provider.domain)?;
    }
    if let Some(change) = &sig.body_change {
        writeln!(out, "Body: {}", change.sentence())?;
    }
    if let Some(change) = &sig.header_change {
        writeln!(out, "Header: {}", change.sentence())?;
    }
    Ok(())
}
