//! `dkimctl arc verify` and `dkimctl arc seal`: the ARC chain (RFC 8617)
//! of a message, validated or extended by one set.
//!
//! # JSON format (`arc verify --json`)
//! One message: `{"file", "cv": "pass|fail|none", "instance": N|null,
//! "reason": {"code", "message"}|null, "oldest_pass": N|null, "sets":
//! [{"instance", "authserv_id", "results": [...], "seal": {"result":
//! "pass|fail|not_checked", "cv", "domain", "selector", "reason",
//! "warnings"}, "message_signature": {"result", "domain", "selector",
//! "body_hash_matches", "reason", "warnings"}}]}`; several messages:
//! `{"messages": [...]}`.

use crate::cli::{
    args::KeySourceArgs,
    exit::{Exit, Outcome},
    fsio,
};
use clap::{Args, Subcommand};
use dkimctl::arc::ChainStatus;
use dkimctl::arc::seal::{Assessment, SealError, SealOptions};
use dkimctl::arc::validate::{ChainVerdict, ValidateOptions, validate};
use dkimctl::dkim::message::{Header, MessageError};
use dkimctl::dkim::verify::{Verifier, VerifyOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

/// Subcommands of `dkimctl arc`.
#[derive(Debug, Subcommand)]
pub enum ArcCommand {
    /// Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault.
    Verify(ArcVerifyArgs),
    /// Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal.
    ///
    /// The new seal's cv= is the arc= result your host recorded in its
    /// Authentication-Results field (--authserv-id); without one, dkimctl
    /// validates the incoming chain itself, with the keys from DNS, --zone
    /// or --key-record, and records its own DKIM and ARC results. A chain
    /// whose newest seal already says cv=fail is not extended: nothing is
    /// written and the exit code is 1.
    Seal(ArcSealArgs),
}

impl ArcCommand {
    /// Runs the subcommand.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        match self {
            ArcCommand::Verify(args) => args.run(out),
            ArcCommand::Seal(args) => args.run(out),
        }
    }
}

/// Flags of `dkimctl arc verify`.
#[derive(Debug, Args)]
pub struct ArcVerifyArgs {
    /// Messages: files, a directory (its files), or `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// Also check every older ARC-Message-Signature, to find the oldest hop whose signature still validates (where the message last changed).
    #[arg(long)]
    oldest_pass: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Validate as of this Unix time.
    #[arg(long, hide = true)]
    now: Option<u64>,
}

/// One message's verdict, as rendered.
#[derive(Debug, Serialize)]
struct Report {
    file: String,
    #[serde(flatten)]
    verdict: ChainVerdict,
}

impl ArcVerifyArgs {
    fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let source = self.keys.build()?;
        let verifier = Verifier::new(
            source.as_ref(),
            VerifyOptions::strict(crate::cli::now(self.now)),
        );
        let options = ValidateOptions {
            oldest_pass: self.oldest_pass,
        };
        let fsio::Expanded {
            files: inputs,
            several,
        } = fsio::expand_inputs(&self.inputs)?;
        let results: Vec<_> = inputs
            .par_iter()
            .map(|input| validate_one(&verifier, input, options))
            .collect();
        let mut reports = Vec::new();
        let mut outcome = Outcome::default();
        let mut unreadable = false;
        for (input, result) in inputs.iter().zip(results) {
            match result {
                Ok(verdict) => {
                    outcome = outcome.and(outcome_of(&verdict));
                    reports.push(Report {
                        file: input.display().to_string(),
                        verdict,
                    });
                }
                Err(err) => {
                    crate::cli::print_error(format_args!("{err:#}"));
                    unreadable = true;
                }
            }
        }
        if self.json {
            let text = if reports.len() == 1 && !several {
                serde_json::to_string_pretty(&reports[0])?
            } else {
                serde_json::to_string_pretty(&serde_json::json!({ "messages": reports }))?
            };
            writeln!(out, "{text}")?;
        } else {
            let mut out =
                crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour());
            for report in &reports {
                let prefix = if several {
                    format!("{}: ", report.file)
                } else {
                    String::new()
                };
                writeln!(out, "{prefix}{}", summary_line(&report.verdict))?;
            }
        }
        if unreadable {
            return Ok(Exit::Usage);
        }
        Ok(Exit::decide(outcome, false))
    }
}

fn validate_one(
    verifier: &Verifier<'_>,
    input: &Path,
    options: ValidateOptions,
) -> anyhow::Result<ChainVerdict> {
    let name = dkimctl::input::display_name(input);
    let mut reader = BufReader::with_capacity(64 * 1024, fsio::open_input(input)?);
    let header = match Header::read_from(&mut reader) {
        Ok(header) => header,
        // Nothing at all carries no chain: cv=none, as the ARC test suite
        // (cv_empty) and both peers have it.
        Err(dkimctl::Error::Message(MessageError::Empty)) => Header::empty(),
        Err(e) => return Err(fsio::message_failed(&name, e)),
    };
    validate(verifier, &header, &mut reader, options).map_err(|e| fsio::read_failed(&name, e))
}

/// Pass is 0; fail or no chain is 1; a failure DNS decided is 3.
fn outcome_of(verdict: &ChainVerdict) -> Outcome {
    let temporary = verdict.reason.as_ref().is_some_and(|r| r.is_temporary());
    Outcome {
        failed: verdict.cv != ChainStatus::Pass && !temporary,
        dns_undecided: temporary,
        warned: false,
    }
}

/// The one line `arc verify` prints per message.
pub fn summary_line(verdict: &ChainVerdict) -> String {
    match (verdict.cv, &verdict.reason) {
        (ChainStatus::None, _) => "cv=none: no ARC set".to_string(),
        (ChainStatus::Pass, _) => {
            let n = verdict.sets.len();
            let newest = verdict.sets.last();
            let mut line = format!(
                "cv=pass: {n} ARC set{}, newest sealed by d={} s={}",
                if n == 1 { "" } else { "s" },
                newest.and_then(|s| s.seal.domain.as_deref()).unwrap_or("?"),
                newest
                    .and_then(|s| s.seal.selector.as_deref())
                    .unwrap_or("?"),
            );
            if let Some(oldest) = verdict.oldest_pass {
                line.push_str(&format!("; oldest pass i={oldest}"));
            }
            line
        }
        (ChainStatus::Fail, reason) => {
            let at = verdict
                .instance
                .map(|i| format!(" at i={i}"))
                .unwrap_or_default();
            match reason {
                Some(reason) => {
                    format!(
                        "cv=fail{at} [{}] {}",
                        reason.code().as_str(),
                        reason.describe()
                    )
                }
                None => format!("cv=fail{at}"),
            }
        }
    }
}

/// Flags of `dkimctl arc seal`.
#[derive(Debug, Args)]
pub struct ArcSealArgs {
    /// The message, or `-` for standard input.
    #[arg(value_name = "FILE")]
    input: PathBuf,
    /// Sealing domain (d= of the new AMS and AS).
    #[arg(short, long, value_parser = crate::cli::args::parse_domain)]
    domain: String,
    /// Selector (s=).
    #[arg(short, long, value_parser = crate::cli::args::parse_selector)]
    selector: String,
    /// Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519).
    #[arg(short, long, value_name = "FILE")]
    key: PathBuf,
    /// Your host's authserv-id: whose Authentication-Results the new ARC-Authentication-Results repeats.
    #[arg(long, value_name = "ID", value_parser = parse_authserv_id)]
    authserv_id: String,
    /// Fields the ARC-Message-Signature signs (h=), colon-separated; default: the DKIM default fields present.
    #[arg(long, value_name = "FIELD:FIELD...", value_delimiter = ':')]
    headers: Option<Vec<String>>,
    #[command(flatten)]
    keys: KeySourceArgs,
    /// Write the sealed message here instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "in_place")]
    output: Option<PathBuf>,
    /// Replace the input file with the sealed message (atomic; keeps the mode, owner and group).
    #[arg(long)]
    in_place: bool,
    /// Seal as of this Unix time (t=).
    #[arg(long, hide = true)]
    now: Option<u64>,
}

/// An authserv-id: a name or token with no space, semicolon or comment.
fn parse_authserv_id(text: &str) -> Result<String, String> {
    if !text.is_empty()
        && text.len() <= 255
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b'(' | b')' | b'"' | b'\\'))
    {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not an authserv-id (a host name or token without spaces, semicolons, quotes or parentheses)"
        ))
    }
}

impl ArcSealArgs {
    fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        use anyhow::Context;
        use std::io::{Seek, SeekFrom};
        if self.in_place && dkimctl::input::is_stdin(&self.input) {
            anyhow::bail!("--in-place needs a file, not standard input");
        }
        let now = crate::cli::now(self.now);
        let bytes = fsio::read_file(&self.key, fsio::KEY)?;
        let key = dkimctl::key::load_private_key(&bytes)
            .with_context(|| format!("key {}", self.key.display()))?;
        let options = SealOptions {
            domain: self.domain.clone(),
            selector: self.selector.clone(),
            key: std::sync::Arc::new(key),
            authserv_id: self.authserv_id.clone(),
            headers: self.headers.clone(),
        };
        let name = dkimctl::input::display_name(&self.input);
        let mut reader = BufReader::with_capacity(64 * 1024, fsio::open_rewindable(&self.input)?);
        let header = Header::read_from(&mut reader).map_err(|e| fsio::message_failed(&name, e))?;
        let header_len = header.as_bytes().len() as u64;
        let rewind = |reader: &mut BufReader<std::fs::File>| -> anyhow::Result<()> {
            reader
                .seek(SeekFrom::Start(header_len))
                .map_err(|e| fsio::read_failed(&name, e))?;
            Ok(())
        };
        let assessment = match Assessment::recorded(&header, &self.authserv_id) {
            Some(assessment) => assessment,
            None => {
                let source = self.keys.build()?;
                let verifier = Verifier::new(source.as_ref(), VerifyOptions::strict(now));
                let chain = validate(&verifier, &header, &mut reader, ValidateOptions::default())
                    .map_err(|e| fsio::read_failed(&name, e))?;
                rewind(&mut reader)?;
                let dkim = verifier
                    .verify(&header, &mut reader)
                    .map_err(|e| fsio::read_failed(&name, e))?;
                rewind(&mut reader)?;
                match Assessment::own(&header, &self.authserv_id, &chain, &dkim) {
                    Ok(assessment) => assessment,
                    Err(error) => {
                        crate::cli::print_notice(format_args!("{name}: nothing sealed: {error}"));
                        return Ok(Exit::DnsTemp);
                    }
                }
            }
        };
        let sealed =
            match dkimctl::arc::seal::seal(&header, &mut reader, &options, &assessment, now) {
                Ok(sealed) => sealed,
                Err(dkimctl::Error::Seal(error @ SealError::AlreadyFailed { .. })) => {
                    crate::cli::print_notice(format_args!("{name}: nothing sealed: {error}"));
                    return Ok(Exit::Findings);
                }
                Err(error) => return Err(anyhow::Error::new(error).context(name)),
            };
        let fill = |w: &mut dyn Write| -> anyhow::Result<()> {
            crate::cli::cmd::sign::write_signed(
                w,
                &sealed,
                &header,
                &mut reader.into_inner(),
                &name,
            )
        };
        let target = if self.in_place {
            Some(self.input.clone())
        } else {
            self.output.clone()
        };
        match target {
            Some(path) => fsio::write_file(&path, fsio::Replace::default(), fill)?,
            None => {
                fill(out)?;
                out.flush()?;
            }
        }
        Ok(Exit::Ok)
    }
}
