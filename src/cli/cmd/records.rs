//! `dkimctl records DOMAIN`: the DNS records to publish, as a table, CSV,
//! BIND zone lines, JSON or a Route 53 change batch. The library builds the
//! set ([`dkimctl::records`]); this file picks the format and writes.
//!
//! # Formats
//! - `table` (default): Type, Name, Value and a note per record; values
//!   longer than the table shows are printed in full beneath it.
//! - `csv`: header `Type,Name,Value`, one row per record. The column order
//!   follows the SES console's DNS records table ("Download .csv record
//!   set"); its exact header could not be checked against a real download.
//! - `zone`: BIND master-file lines, fully qualified names with the
//!   trailing dot, explicit TTL, TXT data in quoted 255-byte strings.
//! - `json`: one document, the [`RecordSet`] fields in snake_case:
//!   `{"domain", "kind", "dkim_tokens", "dkim_tokens_generated", "selector",
//!   "verification_token", "verification_token_generated", "records":
//!   [{"name", "relative_name", "type", "value", "txt_strings", "ttl",
//!   "purpose", "note"}]}` (absent fields are left out).
//! - `route53`: a change batch for `aws route53 change-resource-record-sets
//!   --change-batch file://batch.json`.

use crate::cli::{Exit, term};
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use dkimctl::records::{
    DEFAULT_TARGET_HOST, DEFAULT_TTL, DkimSetup, RecordSet, RecordsOptions, Verification,
};
use std::io::Write;
use std::path::PathBuf;

/// Flags of `dkimctl records`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("selector_source").args(["selector", "ses_identities"]).multiple(true)))]
pub struct RecordsArgs {
    /// The domain mail is sent from, e.g. example.com (or give it as -d DOMAIN).
    #[arg(value_name = "DOMAIN", required_unless_present = "domain_flag", value_parser = crate::cli::args::parse_domain)]
    domain: Option<String>,
    /// The domain, as a flag (the same as DOMAIN).
    #[arg(short = 'd', long = "domain", value_name = "DOMAIN", conflicts_with = "domain", value_parser = crate::cli::args::parse_domain)]
    domain_flag: Option<String>,
    /// Reuse these three DKIM tokens (32 characters of a-z2-7 each) instead of generating new ones.
    #[arg(long, value_name = "T1,T2,T3", value_delimiter = ',', conflicts_with_all = ["key", "public_key"])]
    tokens: Option<Vec<String>>,
    /// Host the DKIM CNAMEs point into (e.g. a regional one).
    #[arg(long, value_name = "HOST", default_value = DEFAULT_TARGET_HOST, conflicts_with_all = ["key", "public_key"])]
    target_host: String,
    /// Private key you sign with (PEM, DER or base64): publish its public half as a TXT record.
    #[arg(
        long,
        value_name = "FILE",
        requires = "selector_source",
        conflicts_with = "public_key"
    )]
    key: Option<PathBuf>,
    /// Public key to publish as a TXT record (PEM, DER or base64).
    #[arg(long, value_name = "FILE", requires = "selector_source")]
    public_key: Option<PathBuf>,
    /// Selector (s=) of the key given with --key or --public-key.
    #[arg(short, long)]
    selector: Option<String>,
    /// What SES says (repeatable; - is standard input): write the records of its real tokens.
    ///
    /// The JSON output of `aws sesv2 get-email-identity`, `aws ses
    /// get-identity-dkim-attributes`, `aws ses verify-domain-dkim` or `aws
    /// ses get-identity-verification-attributes` (the `_amazonses` token).
    /// A BYODKIM identity names its selector: give the key with --key or
    /// --public-key.
    #[arg(long = "ses-identity", value_name = "[IDENTITY=]FILE", conflicts_with_all = ["tokens", "no_verification"])]
    ses_identities: Vec<String>,
    /// Domain-verification token SES issued; default: a generated one (provider-hosted sets only).
    #[arg(long, value_name = "TOKEN")]
    verification_token: Option<String>,
    /// Put the verification record at the domain itself, value "amazonses:TOKEN", for DNS hosts that refuse underscores.
    #[arg(long)]
    no_underscore: bool,
    /// Leave out the domain-verification record.
    #[arg(long, conflicts_with_all = ["verification_token", "no_underscore"])]
    no_verification: bool,
    /// TTL of every record, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TTL,
          value_parser = clap::value_parser!(u32).range(1..=2_147_483_647))]
    ttl: u32,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
    /// Same as --format csv.
    #[arg(long, conflicts_with_all = ["format", "zone", "json"])]
    csv: bool,
    /// Same as --format zone.
    #[arg(long, conflicts_with_all = ["format", "json"])]
    zone: bool,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Names relative to DOMAIN (table and CSV), for web forms that append the domain themselves.
    #[arg(long)]
    relative: bool,
}

/// How the set is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table for people (default).
    Table,
    /// Type,Name,Value rows with a header.
    Csv,
    /// BIND master-file lines.
    Zone,
    /// One JSON document.
    Json,
    /// A Route 53 change batch (JSON).
    Route53,
}

impl RecordsArgs {
    /// Runs the command.
    pub fn run(mut self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let format = self.format();
        if self.relative && !matches!(format, Format::Table | Format::Csv) {
            bail!(
                "--relative applies to table and CSV output; zone lines and Route 53 batches always use fully qualified names"
            );
        }
        if self.selector.is_some() && self.key.is_none() && self.public_key.is_none() {
            bail!("--selector needs --key FILE or --public-key FILE");
        }
        if !self.ses_identities.is_empty() {
            self.apply_ses()?;
        }
        let options = self.options()?;
        let set = dkimctl::records::build(&options)?;
        match format {
            Format::Table => render_table(out, &set, self.relative)?,
            Format::Csv => render_csv(out, &set, self.relative)?,
            Format::Zone => out.write_all(set.zone_lines().as_bytes())?,
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &set)?;
                writeln!(out)?;
            }
            Format::Route53 => {
                serde_json::to_writer_pretty(&mut *out, &set.route53_change_batch())?;
                writeln!(out)?;
                if set.has_apex_txt() {
                    eprintln!(
                        "note: UPSERT replaces the whole TXT record set at {}: add the TXT values already there (SPF, other verifications) to its ResourceRecords first, or they are removed",
                        set.domain
                    );
                }
            }
        }
        if self.relative && format == Format::Csv {
            eprintln!("note: {}", relative_note(&set.domain));
        }
        out.flush()?;
        Ok(Exit::Ok)
    }

    /// The domain, given as DOMAIN or `-d` (parsed by the one domain rule).
    fn domain(&self) -> String {
        let domain = self.domain.as_ref().or(self.domain_flag.as_ref());
        domain.cloned().unwrap_or_default()
    }

    /// `--ses-identity`: the documents' tokens (or BYODKIM selector) and
    /// verification token, as if given with --tokens, --selector and
    /// --verification-token.
    fn apply_ses(&mut self) -> anyhow::Result<()> {
        let domain = self.domain();
        let docs = crate::cli::ses::read_all(&self.ses_identities, Some(&domain))?;
        let docs = dkimctl::ses::about_domain(docs, &domain)?;
        let inputs = dkimctl::ses::record_inputs(&docs)?;
        let has_key = self.key.is_some() || self.public_key.is_some();
        match inputs.byodkim_selector {
            Some(selector) => {
                if !has_key {
                    bail!(
                        "the SES identity uses BYODKIM (selector {selector}): its TXT key record needs the key; give --key FILE (the private key given to SES) or --public-key FILE"
                    );
                }
                if let Some(given) = &self.selector
                    && !given.eq_ignore_ascii_case(&selector)
                {
                    bail!("--selector {given} differs from the SES identity's selector {selector}");
                }
                self.selector = Some(selector);
            }
            None => {
                if has_key {
                    bail!(
                        "the SES identity uses Easy DKIM (SES's keys behind three CNAMEs): --key and --public-key are for BYODKIM"
                    );
                }
                self.tokens = Some(inputs.tokens);
            }
        }
        if self.verification_token.is_none() {
            self.verification_token = inputs.verification_token;
        }
        if self.verification_token.is_none() {
            if self.no_underscore {
                bail!(
                    "--no-underscore needs the verification token: add the output of aws ses get-identity-verification-attributes, or --verification-token"
                );
            }
            // No token of SES's to publish: none is made up.
            self.no_verification = true;
        }
        Ok(())
    }

    fn format(&self) -> Format {
        match (self.format, self.csv, self.zone, self.json) {
            (Some(format), ..) => format,
            (None, true, ..) => Format::Csv,
            (None, _, true, _) => Format::Zone,
            (None, _, _, true) => Format::Json,
            _ => Format::Table,
        }
    }

    /// The flags as library options; reads the key file.
    fn options(&self) -> anyhow::Result<RecordsOptions> {
        let key_record = match (&self.key, &self.public_key) {
            (Some(path), _) => {
                let bytes = crate::cli::fsio::read_file(path, crate::cli::fsio::KEY)?;
                let key = dkimctl::key::load_private_key(&bytes).with_context(|| {
                    format!("key {} (a public key goes to --public-key)", path.display())
                })?;
                Some(key.key_record())
            }
            (None, Some(path)) => {
                let bytes = crate::cli::fsio::read_file(path, crate::cli::fsio::KEY)?;
                Some(
                    dkimctl::key::public_key_record(&bytes)
                        .with_context(|| format!("public key {}", path.display()))?,
                )
            }
            (None, None) => None,
        };
        let key_holder = key_record.is_some();
        let dkim = match key_record {
            Some(key_record) => DkimSetup::KeyHolder {
                selector: self.selector.clone().unwrap_or_default(),
                key_record,
            },
            None => DkimSetup::ProviderHosted {
                tokens: self.tokens.clone(),
                target_host: self.target_host.clone(),
            },
        };
        // A key holder signs for itself: the SES verification record is
        // only written when its token is given.
        let token = self.verification_token.clone();
        let verification = if self.no_verification || (key_holder && token.is_none()) {
            if key_holder && self.no_underscore {
                bail!("--no-underscore needs --verification-token when publishing a key");
            }
            Verification::Omit
        } else if self.no_underscore {
            Verification::Apex(token)
        } else {
            Verification::Underscore(token)
        };
        Ok(RecordsOptions {
            domain: self.domain(),
            dkim,
            verification,
            ttl: self.ttl,
        })
    }
}

/// Values longer than this are shown shortened in the table and in full
/// beneath it, so they can be copied in one piece.
const TABLE_VALUE_MAX: usize = 60;

fn render_table(out: &mut dyn Write, set: &RecordSet, relative: bool) -> anyhow::Result<()> {
    let mut table = term::table();
    table.set_header(vec!["#", "Type", "Name", "Value"]);
    let mut long_values = Vec::new();
    for (i, record) in set.records.iter().enumerate() {
        let name = if relative {
            &record.relative_name
        } else {
            &record.name
        };
        let value = if record.value.len() > TABLE_VALUE_MAX {
            long_values.push((name, &record.value));
            format!(
                "{}… ({} characters, in full below)",
                record.value.chars().take(24).collect::<String>(),
                record.value.len()
            )
        } else {
            record.value.clone()
        };
        table.add_row(vec![
            (i + 1).to_string(),
            record.record_type.as_str().to_string(),
            name.clone(),
            value,
        ]);
    }
    // Names and values are copied into DNS forms: never wrap them.
    for column in table.column_iter_mut() {
        column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
    }
    writeln!(out, "{table}")?;
    for (i, record) in set.records.iter().enumerate() {
        writeln!(out, "{:>2}. {}", i + 1, record.note)?;
    }
    for (name, value) in long_values {
        writeln!(
            out,
            "\nValue of {name} (one line; paste it whole):\n{value}"
        )?;
    }
    writeln!(out)?;
    if relative {
        writeln!(out, "{}", relative_note(&set.domain))?;
    } else {
        writeln!(
            out,
            "Names are fully qualified. If your DNS host adds .{} to what you type, use --relative, or the records land at NAME.{}.{}.",
            set.domain, set.domain, set.domain
        )?;
    }
    if set.dkim_tokens_generated == Some(true) {
        writeln!(
            out,
            "The DKIM tokens were generated here; to publish the ones your provider issued, pass them with --tokens T1,T2,T3."
        )?;
    }
    writeln!(out, "TTL: {} seconds.", set.records[0].ttl)?;
    Ok(())
}

/// Says which field of a DNS host's web form takes which text.
fn relative_note(domain: &str) -> String {
    format!(
        "Names are relative to {domain}: type the Name into the form's Name/Host field (the form adds .{domain}; \"@\" means {domain} itself, some forms want it left empty), choose the Type, and paste the Value into the Value/Target/Points-to field."
    )
}

fn render_csv(out: &mut dyn Write, set: &RecordSet, relative: bool) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(["Type", "Name", "Value"])?;
    for record in &set.records {
        let name = if relative {
            &record.relative_name
        } else {
            &record.name
        };
        writer.write_record([record.record_type.as_str(), name, &record.value])?;
    }
    writer.flush()?;
    Ok(())
}
