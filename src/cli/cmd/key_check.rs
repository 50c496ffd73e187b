//! `dkimctl key check FILE`: is this key what a BYODKIM upload or a
//! published record needs, and if not, what to fix.
//!
//! Private key material is printed only with `--print-fix`: the SES upload
//! wants the key as one line of base64, and that line is the fix, but it is
//! the secret itself, so without the flag the fix names the command that
//! makes it instead. With the flag the line is printed on its own below the
//! table (a table would wrap it) and, with `--json`, in `upload_key` and the
//! finding's `fix`.
//!
//! # JSON format
//! One document: `{"file", "profile", "summary", "key": {"kind", "algorithm",
//! "bits", "encoding", "form", "encrypted"} | null, "record", "upload_key"
//! (with --print-fix only), "against": {"source", "matches"} | null,
//! "findings": [{"code", "severity", "subject", "message", "fix"}]}`.

use crate::cli::{
    args::DnsArgs,
    exit::{Exit, Outcome},
};
use clap::{Args, Subcommand, ValueEnum};
use dkimctl::diagnosis::finding::Finding;
use dkimctl::dkim::key_source::KeySource;
use dkimctl::key::check::{Against, KeyCheckOptions, KeyCheckReport, Profile, check};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Subcommands of `dkimctl key`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Validate a private or public key (and selector) for a BYODKIM upload or a DNS record.
    Check(KeyCheckArgs),
}

impl KeyCommand {
    /// Runs the subcommand.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        match self {
            KeyCommand::Check(args) => args.run(out),
        }
    }
}

/// Whose rules apply.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    /// Amazon SES BYODKIM: RSA 1024 or 2048 bits, private key as one line of
    /// base64, selector of 1-63 letters, digits and inner hyphens.
    Ses,
    /// RFC 6376/8301/8463: RSA of 1024 bits or more, or Ed25519; any encoding.
    Generic,
}

/// Flags of `dkimctl key check`.
#[derive(Debug, Args)]
pub struct KeyCheckArgs {
    /// The key file: private or public; PKCS#1, PKCS#8 or SPKI; PEM, DER or base64 (`-` for standard input).
    #[arg(value_name = "FILE")]
    input: PathBuf,
    /// Whose rules to check against.
    #[arg(long, value_enum, default_value = "generic")]
    profile: ProfileArg,
    /// Check this selector against the profile's rules (and use it with --against dns).
    #[arg(short, long, value_name = "S")]
    selector: Option<String>,
    /// The signing domain (for --against dns).
    #[arg(short, long, value_name = "DOMAIN", value_parser = crate::cli::args::parse_domain)]
    domain: Option<String>,
    /// Check that the key matches a public key file, a record ("v=DKIM1; k=rsa; p=..."), or
    /// `dns`: the record at SELECTOR._domainkey.DOMAIN.
    #[arg(long, value_name = "FILE|RECORD|dns")]
    against: Option<String>,
    /// Print the private key in the one-line form the upload wants, when that is the fix.
    #[arg(long)]
    print_fix: bool,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    json: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    strict: bool,
    /// With --against dns: read the record from this zone file instead of DNS (offline).
    #[arg(long, value_name = "FILE", conflicts_with = "nameserver")]
    zone: Option<PathBuf>,
    #[command(flatten)]
    dns: DnsArgs,
}

#[derive(Serialize)]
struct Document<'a> {
    file: &'a str,
    profile: Profile,
    summary: String,
    #[serde(flatten)]
    report: &'a KeyCheckReport,
}

impl KeyCheckArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let name = self.input.display().to_string();
        let raw = crate::cli::fsio::read_file(&self.input, crate::cli::fsio::KEY)?;
        let source;
        let against = match self.against.as_deref() {
            None => None,
            Some("dns") => {
                let (Some(selector), Some(domain)) = (&self.selector, &self.domain) else {
                    anyhow::bail!("--against dns needs --selector and --domain");
                };
                source = self.key_source()?;
                Some(Against::Published {
                    source: source.as_ref(),
                    selector: selector.clone(),
                    domain: domain.clone(),
                })
            }
            Some(value) if Path::new(value).exists() => Some(Against::Key {
                name: value.to_string(),
                bytes: crate::cli::fsio::read_file(Path::new(value), crate::cli::fsio::KEY)?,
            }),
            Some(value) if value.contains("p=") => Some(Against::Record(value.to_string())),
            Some(value) => anyhow::bail!(
                "--against {value}: no such file, and not a key record (v=DKIM1; k=...; p=...)"
            ),
        };
        let profile = match self.profile {
            ProfileArg::Ses => Profile::Ses,
            ProfileArg::Generic => Profile::Generic,
        };
        let options = KeyCheckOptions {
            name: dkimctl::input::display_name(&self.input),
            profile,
            selector: self.selector.clone(),
            domain: self.domain.clone(),
            against,
            reveal_private_key: self.print_fix,
        };
        let report = check(&raw, &options);
        let summary = match &report.key {
            Some(key) => key.describe(),
            None => "not recognised as a key".to_string(),
        };
        if self.json {
            let text = serde_json::to_string_pretty(&Document {
                file: &name,
                profile,
                summary,
                report: &report,
            })?;
            writeln!(out, "{text}")?;
        } else {
            render(
                &mut crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour()),
                &options.name,
                &summary,
                &report,
            )?;
        }
        Ok(Exit::decide(
            Outcome::of_findings(&report.findings),
            self.strict,
        ))
    }
}

impl KeyCheckArgs {
    /// The zone file or DNS, for `--against dns`.
    fn key_source(&self) -> anyhow::Result<Box<dyn KeySource>> {
        match &self.zone {
            Some(path) => crate::cli::args::zone_source(path),
            None => self.dns.key_source(),
        }
    }
}

fn render(
    out: &mut dyn Write,
    name: &str,
    summary: &str,
    report: &KeyCheckReport,
) -> anyhow::Result<()> {
    writeln!(out, "{name}: {summary}")?;
    if let Some(record) = &report.record {
        writeln!(out, "Record: {record}")?;
    }
    if let Some(against) = &report.against {
        let verdict = match against.matches {
            Some(true) => "matches",
            Some(false) => "does not match",
            None => "could not be compared",
        };
        writeln!(out, "Against {}: {verdict}", against.source)?;
    }
    writeln!(out)?;
    render_findings(out, &report.findings, report.upload_key.as_deref())?;
    if let Some(line) = &report.upload_key {
        writeln!(out)?;
        writeln!(
            out,
            "One-line private key for the upload (secret: do not share or commit it):"
        )?;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The findings, with a one-line private key in a fix replaced by a
/// pointer to the line printed below the table (a table would wrap it).
fn render_findings(
    out: &mut dyn Write,
    findings: &[Finding],
    upload_key: Option<&str>,
) -> anyhow::Result<()> {
    let findings: Vec<Finding> = findings
        .iter()
        .cloned()
        .map(|mut f| {
            if let (Some(fix), Some(line)) = (&f.fix, upload_key) {
                f.fix = Some(fix.replace(line, "(the line printed below the table)"));
            }
            f
        })
        .collect();
    crate::cli::render::findings_table(out, &findings)
}
