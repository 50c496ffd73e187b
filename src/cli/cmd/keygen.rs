//! `dkimctl keygen`: a new RSA or Ed25519 key written to a file (mode
//! 0600, atomically, never over an existing file without `--force`), and
//! the record to publish on standard output.
//!
//! The private key goes to standard output only with `--byodkim`, whose
//! point is the one-line form an upload form (Amazon SES BYODKIM) wants.
//!
//! # Format
//! Without `--selector`/`--domain` or `--byodkim`, the output is the record
//! text alone (`v=DKIM1; k=rsa; p=...`), so `$(dkimctl keygen -o k.pem)` is
//! the record. Otherwise, labelled sections: the zone file line, the record
//! text, the one-line private key. `--json` prints one document:
//! `{"file", "key_type", "bits", "format", "record", "name", "zone_line",
//! "txt_strings", "byodkim"}`, where `bits` is null for Ed25519, `name` and
//! `zone_line` are null without `--selector`/`--domain`, and `byodkim` is
//! there only with `--byodkim`.

use crate::cli::{Exit, fsio};
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use dkimctl::key::generate::{GeneratedKey, KeySpec, KeygenOptions, PrivateKeyFormat};
use dkimctl::zone::text::{self, Columns, RecordData};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Flags of `dkimctl keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Key type.
    #[arg(short = 't', long = "type", value_name = "TYPE", value_enum, default_value_t = KeyType::Rsa)]
    key_type: KeyType,
    /// RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048).
    #[arg(short, long, value_parser = ["1024", "2048", "3072", "4096"])]
    bits: Option<String>,
    /// Write the private key as PKCS#1 (BEGIN RSA PRIVATE KEY) instead of PKCS#8 (RSA only).
    #[arg(long)]
    pkcs1: bool,
    /// Write the private key to this file (mode 0600).
    #[arg(
        short = 'o',
        long = "output",
        alias = "out",
        value_name = "FILE",
        required = true
    )]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
    /// Selector (s=) of the record, to print its zone file line; needs --domain.
    #[arg(short, long, requires = "domain", value_parser = crate::cli::args::parse_selector)]
    selector: Option<String>,
    /// Domain (d=) of the record, to print its zone file line; needs --selector.
    #[arg(short, long, requires = "selector", value_parser = crate::cli::args::parse_domain)]
    domain: Option<String>,
    /// Also print the private key as one line of base64 (no header, footer or line breaks), as Amazon SES BYODKIM wants it.
    #[arg(long)]
    byodkim: bool,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

/// Key types `--type` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyType {
    /// RSA (rsa-sha256).
    Rsa,
    /// Ed25519 (ed25519-sha256, RFC 8463).
    Ed25519,
}

/// The `--json` document.
#[derive(Serialize)]
struct Document<'a> {
    file: String,
    key_type: &'static str,
    bits: Option<usize>,
    format: &'static str,
    record: &'a str,
    name: Option<&'a str>,
    zone_line: Option<&'a str>,
    txt_strings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byodkim: Option<&'a str>,
}

impl KeygenArgs {
    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let options = self.options()?;
        let name = match (&self.selector, &self.domain) {
            (Some(selector), Some(domain)) => {
                let domain = dkimctl::records::normalize_domain(domain)?;
                let rules = dkimctl::dkim::selector::SelectorRules::Rfc6376;
                if let Some(note) =
                    dkimctl::dkim::selector::check_selector(selector, Some(&domain), rules)?
                {
                    eprintln!("warning: {}", note.message);
                }
                Some(format!("{selector}._domainkey.{domain}."))
            }
            _ => None,
        };
        if self.out.as_os_str() == "-" {
            bail!("the private key is written only to a file; --byodkim prints its one-line form");
        }
        // Checked before the (slow) generation, so a refusal is immediate; a
        // file created meanwhile is refused at the commit.
        if !self.force && std::fs::symlink_metadata(&self.out).is_ok() {
            bail!("{} exists; give --force to replace it", self.out.display());
        }
        let key = dkimctl::key::generate::generate(&options)?;
        // The key is written and synced first, but becomes the file only
        // once the record is out: a failed standard output leaves no key.
        let key_file = stage_key(&self.out, &key, self.force)?;
        let mut text = Vec::new();
        let out_final = out;
        let out = &mut text;

        let record = key.record();
        let zone_line = name
            .as_deref()
            .map(|name| text::record_line(name, None, RecordData::Txt(record), Columns::default()));
        let byodkim = self.byodkim.then(|| key.byodkim());
        if self.json {
            let document = Document {
                file: self.out.display().to_string(),
                key_type: options.key.key_type(),
                bits: options.key.rsa_bits(),
                format: options.format.name(),
                record,
                name: name.as_deref(),
                zone_line: zone_line.as_deref(),
                txt_strings: text::split_txt(record),
                byodkim: byodkim.as_deref().map(String::as_str),
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&document)?)?;
        } else if name.is_none() && byodkim.is_none() {
            writeln!(out, "{record}")?;
        } else {
            if let (Some(name), Some(line)) = (&name, &zone_line) {
                writeln!(out, "Zone file line:")?;
                writeln!(out, "{line}")?;
                writeln!(out)?;
                writeln!(out, "Record (TXT at {name}):")?;
            } else {
                writeln!(out, "Record (TXT at <selector>._domainkey.<domain>):")?;
            }
            writeln!(out, "{record}")?;
            if let Some(byodkim) = &byodkim {
                writeln!(out)?;
                writeln!(
                    out,
                    "Private key, one line for a BYODKIM upload (Amazon SES); keep it secret:"
                )?;
                writeln!(out, "{}", byodkim.as_str())?;
            }
        }
        out_final
            .write_all(&text)
            .and_then(|()| out_final.flush())
            .map_err(|e| {
                // In words only: a closed pipe here is a failure (no key is
                // written), not the quiet end of a reader.
                anyhow::anyhow!("writing standard output: {}", dkimctl::input::os_words(&e))
            })?;
        key_file.commit()?;
        Ok(Exit::Ok)
    }

    /// The flags as library options.
    fn options(&self) -> anyhow::Result<KeygenOptions> {
        let key = match (self.key_type, &self.bits) {
            (KeyType::Rsa, None) => KeySpec::Rsa { bits: 2048 },
            (KeyType::Rsa, Some(bits)) => KeySpec::Rsa {
                bits: bits.parse().context("--bits")?,
            },
            (KeyType::Ed25519, Some(_)) => bail!("--bits applies to RSA keys, not Ed25519"),
            (KeyType::Ed25519, None) => KeySpec::Ed25519,
        };
        let format = if self.pkcs1 {
            PrivateKeyFormat::Pkcs1
        } else {
            PrivateKeyFormat::Pkcs8
        };
        let options = KeygenOptions { key, format };
        options.validate()?;
        Ok(options)
    }
}

/// Writes the PEM into a temporary file of mode 0600 (never readable by
/// others, even for a moment, and 0600 too when it replaces a readable
/// file), to become the file at [`fsio::Output::commit`]. Without `--force`
/// the commit refuses a file that appeared meanwhile.
fn stage_key(path: &Path, key: &GeneratedKey, force: bool) -> anyhow::Result<fsio::Output> {
    let replace = fsio::Replace {
        mode: Some(0o600),
        no_clobber: !force,
        ..fsio::Replace::default()
    };
    let pem = key.pem();
    let mut output = fsio::Output::create(path, replace)?;
    output.fill(|w| Ok(w.write_all(pem.as_bytes())?))?;
    Ok(output)
}
