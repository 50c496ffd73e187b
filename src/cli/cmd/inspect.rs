//! `dkimctl inspect`: every DKIM-Signature of a message explained, tag by
//! tag, with the verdict, alignment, provider signatures, what earlier
//! verifiers said, and what changed when it fails.
//!
//! # JSON format
//! For one file, one document: `{"file", "from", "from_problem", "signatures": [{"field_index", "number", "line",
//! "verdict", "tags": [{"tag","value","meaning"}], "signed_fields": [{"name",
//! "listed","present","state"}], "alignment", "provider", "body_change",
//! "header_change"}], "reported_results": [...], "findings": [{"code",
//! "severity","subject","message","fix"}], "summary"}`. For several files
//! or a directory: `{"messages": [that document...]}`; a file that cannot
//! be read is `{"file", "error"}` there, after its `error:` line.

use crate::cli::{
    args::KeySourceArgs,
    exit::{Exit, Outcome},
    fsio,
    printable::Printable,
    term,
};
use anyhow::Context;
use clap::Args;
use dkimctl::arc::validate::Check;
use dkimctl::diagnosis::arc_path::ChainReport;
use dkimctl::diagnosis::inspect::{InspectReport, SignatureReport, inspect_reader};
use dkimctl::dkim::verify::VerifyOptions;
use serde::Serialize;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

/// Flags of `dkimctl inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Messages: files, a directory (its files), or `-` for standard input.
    #[arg(value_name = "FILE", required = true)]
    inputs: Vec<PathBuf>,
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

/// One file of several, in JSON: its document, or why it could not be read.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Inspected(Document<'a>),
    Unreadable { file: String, error: String },
}

#[derive(Serialize)]
struct Documents<'a> {
    messages: Vec<Entry<'a>>,
}

impl InspectArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let fsio::Expanded {
            files: inputs,
            several,
        } = fsio::expand_inputs(&self.inputs)?;
        let source = self.keys.build()?;
        let options = VerifyOptions::strict(crate::cli::now(self.now));
        let mut reports = Vec::new();
        let mut outcome = Outcome::default();
        let mut unreadable = false;
        for (i, input) in inputs.iter().enumerate() {
            let file = input.display().to_string();
            if several && !self.json {
                if i > 0 {
                    writeln!(out)?;
                }
                let mut shown = Printable::new(&mut *out, false);
                writeln!(shown, "== {}", dkimctl::input::display_name(input))?;
            }
            // An unreadable file gets its error line; the others go on,
            // and the run ends with exit 2.
            match self.inspect_one(out, input, source.as_ref(), options) {
                Ok(report) => {
                    outcome = outcome
                        .and(Outcome::of_summary(report.summary))
                        .and(Outcome::of_findings(&report.findings));
                    reports.push((file, Ok(report)));
                }
                Err(err) => {
                    crate::cli::print_error(format_args!("{err:#}"));
                    unreadable = true;
                    reports.push((file, Err(format!("{err:#}"))));
                }
            }
        }
        if self.json {
            let documents = reports.iter().map(|(file, report)| match report {
                Ok(report) => Entry::Inspected(Document {
                    file: file.clone(),
                    report,
                }),
                Err(error) => Entry::Unreadable {
                    file: file.clone(),
                    error: error.clone(),
                },
            });
            let text = match several {
                true => serde_json::to_string_pretty(&Documents {
                    messages: documents.collect(),
                })?,
                false => match documents.into_iter().next() {
                    Some(Entry::Inspected(document)) => serde_json::to_string_pretty(&document)?,
                    _ => return Ok(Exit::Usage),
                },
            };
            writeln!(out, "{text}")?;
        }
        if unreadable {
            return Ok(Exit::Usage);
        }
        // design.md's one rule: a failed signature or an error finding
        // (no aligned signature passes, two From fields) exits 1.
        Ok(Exit::decide(outcome, false))
    }

    /// Inspects one message, rendering it unless the run prints JSON.
    fn inspect_one(
        &self,
        out: &mut dyn Write,
        input: &Path,
        source: &dyn dkimctl::dkim::key_source::KeySource,
        options: VerifyOptions,
    ) -> anyhow::Result<InspectReport> {
        let name = dkimctl::input::display_name(input);
        let mut message = fsio::open_rewindable(input)?;
        let report = inspect_reader(&mut message, source, options).with_context(|| name.clone())?;
        if self.show_canonical {
            // The canonical forms are printed whole: the message is read whole.
            message.rewind()?;
            let raw = dkimctl::input::read_from(message, &name, fsio::MESSAGE)?;
            render_canonical(out, &raw, &report)?;
        } else if !self.json {
            render(&mut Printable::new(&mut *out, term::colour()), &report)?;
        }
        Ok(report)
    }
}

fn render_canonical(out: &mut dyn Write, raw: &[u8], report: &InspectReport) -> anyhow::Result<()> {
    for sig in &report.signatures {
        let Some(forms) = dkimctl::diagnosis::inspect::canonical_forms(raw, sig.field_index)?
        else {
            writeln!(
                out,
                "== DKIM-Signature #{}: unusable, nothing is hashed",
                sig.number
            )?;
            continue;
        };
        writeln!(
            out,
            "== DKIM-Signature #{}: canonicalized header fields (input of b=)",
            sig.number
        )?;
        out.write_all(&forms.header)?;
        writeln!(out)?;
        writeln!(
            out,
            "== DKIM-Signature #{}: canonicalized body (input of bh=), {} bytes",
            sig.number,
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
            // Signatures are numbered among signatures, as above.
            let number = c.matches_field_index.and_then(|i| {
                report
                    .signatures
                    .iter()
                    .find(|s| s.field_index == i)
                    .map(|s| s.number)
            });
            let ours = match (number, c.our_result) {
                (Some(n), Some(result)) => format!("dkimctl: #{n} {}", result.as_str()),
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
    if let Some(chain) = &report.arc {
        writeln!(out)?;
        render_chain(out, chain)?;
    }
    writeln!(out)?;
    crate::cli::render::findings_table(out, &report.findings)?;
    Ok(())
}

/// The ARC chain: its status, one line per hop (seal and message
/// signature), and the path in sentences.
fn render_chain(out: &mut dyn Write, chain: &ChainReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "ARC chain: {}",
        crate::cli::cmd::arc::summary_line(&chain.verdict)
    )?;
    for set in &chain.verdict.sets {
        let check = |c: Check| match c {
            Check::Pass => "pass",
            Check::Fail => "fail",
            Check::NotChecked => "not checked",
        };
        let ams = &set.message_signature;
        let body = match ams.body_hash_matches {
            Some(true) => "body as signed",
            Some(false) => "body changed since",
            None => "body unknown",
        };
        writeln!(
            out,
            "  i={} {}: seal {} (cv={}, d={} s={}); message signature {} (d={} s={}, {body})",
            set.instance,
            set.authserv_id.as_deref().unwrap_or("?"),
            check(set.seal.result),
            set.seal.cv.map_or("?", |cv| cv.as_str()),
            set.seal.domain.as_deref().unwrap_or("?"),
            set.seal.selector.as_deref().unwrap_or("?"),
            check(ams.result),
            ams.domain.as_deref().unwrap_or("?"),
            ams.selector.as_deref().unwrap_or("?"),
        )?;
    }
    for sentence in &chain.story {
        writeln!(out, "  - {sentence}")?;
    }
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
    let mut headline = format!("DKIM-Signature #{}: {}", sig.number, v.result.as_str());
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
