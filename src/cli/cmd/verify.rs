//! `dkimctl verify`: one line per DKIM-Signature (result, d=, s=, reason),
//! or one JSON document; exit 0 when every signature passes, 1 otherwise,
//! 3 when only DNS trouble kept it from deciding.
//!
//! # JSON format
//! ```text
//! { "messages": [ { "file": "msg.eml", "result": "pass|fail|temperror",
//!     "signatures": [ { "field_index": 0, "result": "pass|fail|permerror|temperror",
//!       "domain": "example.com", "selector": "s1", "algorithm": "rsa-sha256",
//!       "reason": { "code": "body-hash-mismatch", "message": "..." },
//!       "warnings": [ { "code": "key-testing" } ] } ],
//!     "arc": { "cv": "pass|fail", ... } } ] }      (only with ARC fields; as `arc verify --json`)
//! ```

use crate::cli::{
    args::KeySourceArgs,
    exit::{Exit, Outcome},
    fsio,
};

use clap::Args;
use dkimctl::arc::ChainStatus;
use dkimctl::arc::validate::{ChainVerdict, ValidateOptions, verify_with_chain};
use dkimctl::dkim::message::Header;
use dkimctl::dkim::verify::{Summary, Verdict, Verifier, VerifyOptions, summarize};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufReader, Write};
use std::path::PathBuf;

/// Flags of `dkimctl verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Messages to verify: files, a directory (its files), or `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// Accept rsa-sha1 signatures (RFC 8301 forbids them).
    #[arg(long)]
    allow_sha1: bool,
    /// Accept RSA keys under 1024 bits (RFC 8301 forbids them).
    #[arg(long)]
    allow_short_keys: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Verify as of this Unix time.
    #[arg(long, hide = true)]
    now: Option<u64>,
}

/// One message's outcome, as rendered.
#[derive(Debug, Serialize)]
struct MessageReport {
    file: String,
    result: &'static str,
    signatures: Vec<Verdict>,
    /// The ARC chain, when the message has one (said in passing: the exit
    /// code is DKIM's).
    #[serde(skip_serializing_if = "Option::is_none")]
    arc: Option<ChainVerdict>,
    /// Why the file could not be read; its error line went to stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Document {
    messages: Vec<MessageReport>,
}

impl VerifyArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let source = self.keys.build()?;
        let options = VerifyOptions {
            allow_sha1: self.allow_sha1,
            allow_short_keys: self.allow_short_keys,
            now: crate::cli::now(self.now),
        };
        let verifier = Verifier::new(source.as_ref(), options);
        let mut reports = Vec::new();
        let mut outcome = Outcome::default();
        let mut unreadable = false;
        let inputs = fsio::expand_inputs(&self.inputs)?.files;
        // On every core, in order; one key look-up per selector still (the
        // verifier's cache fills each name once).
        let results: Vec<_> = inputs
            .par_iter()
            .map(|input| verify_one(&verifier, input))
            .collect();
        for (input, result) in inputs.iter().zip(results) {
            // An unreadable file gets its error line; the others are still
            // verified, and the run ends with exit 2.
            let (verdicts, arc) = match result {
                Ok(verified) => verified,
                Err(err) => {
                    crate::cli::print_error(format_args!("{err:#}"));
                    unreadable = true;
                    reports.push(MessageReport {
                        file: input.display().to_string(),
                        result: "error",
                        signatures: Vec::new(),
                        arc: None,
                        error: Some(format!("{err:#}")),
                    });
                    continue;
                }
            };
            let summary = summarize(&verdicts);
            outcome = outcome.and(Outcome::of_summary(summary));
            reports.push(MessageReport {
                file: input.display().to_string(),
                result: match summary {
                    Summary::AllPass => "pass",
                    Summary::Failed => "fail",
                    Summary::DnsTrouble => "temperror",
                },
                signatures: verdicts,
                arc,
                error: None,
            });
        }
        if self.json {
            // Rendered whole first, so a failure cannot leave half a document.
            let text = serde_json::to_string_pretty(&Document { messages: reports })?;
            writeln!(out, "{text}")?;
        } else {
            let prefix_names = reports.len() > 1;
            let mut out =
                crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour());
            for report in reports.iter().filter(|r| r.error.is_none()) {
                render_text(&mut out, report, prefix_names)?;
            }
        }
        if unreadable {
            return Ok(Exit::Usage);
        }
        Ok(Exit::decide(outcome, false))
    }
}

/// The DKIM verdicts and, when the message has ARC fields, its chain.
fn verify_one(
    verifier: &Verifier<'_>,
    input: &std::path::Path,
) -> anyhow::Result<(Vec<Verdict>, Option<ChainVerdict>)> {
    let name = dkimctl::input::display_name(input);
    let mut reader = BufReader::with_capacity(64 * 1024, fsio::open_input(input)?);
    let header = Header::read_from(&mut reader).map_err(|e| fsio::message_failed(&name, e))?;
    let (verdicts, chain) =
        verify_with_chain(verifier, &header, &mut reader, ValidateOptions::default())
            .map_err(|e| fsio::read_failed(&name, e))?;
    Ok((verdicts, (chain.cv != ChainStatus::None).then_some(chain)))
}

fn render_text(
    out: &mut dyn Write,
    report: &MessageReport,
    prefix_names: bool,
) -> anyhow::Result<()> {
    let prefix = if prefix_names {
        format!("{}: ", report.file)
    } else {
        String::new()
    };
    if report.signatures.is_empty() {
        writeln!(out, "{prefix}none: no DKIM-Signature field")?;
    }
    for v in &report.signatures {
        let mut line = format!(
            "{prefix}{} d={} s={} a={}",
            v.result.as_str(),
            v.domain.as_deref().unwrap_or("?"),
            v.selector.as_deref().unwrap_or("?"),
            v.algorithm.map_or("?", |a| a.as_str()),
        );
        line.push_str(&crate::cli::render::reason_suffix(v.reason.as_ref()));
        writeln!(out, "{line}")?;
        for warning in &v.warnings {
            writeln!(out, "{prefix}  note: {}", warning.describe())?;
        }
    }
    if let Some(chain) = &report.arc {
        writeln!(
            out,
            "{prefix}arc: {}",
            crate::cli::cmd::arc::summary_line(chain)
        )?;
    }
    Ok(())
}
