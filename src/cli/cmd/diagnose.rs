//! `dkimctl diagnose DOMAIN`: DNS checks of a domain's DKIM set-up (live,
//! or offline against `--zone` files), a findings table and a one-line
//! verdict per selector.
//!
//! # JSON format
//! One document: `{"domain", "zone", "probed": [selector...], "selectors":
//! [{"selector","name","origin","status","cname_chain","key":{"key_type","bits"},
//! "codes","verdict"}], "name_servers": [{"host","address","serial"}], "findings": [{"code","severity","subject","message","fix"}],
//! "dns_trouble"}`. With `--batch`: `{"domains": [that document...],
//! "summary": {"domains", "with_errors", "with_warnings", "dns_trouble"}}`
//! (a domain counts once, with errors or else with warnings only; DNS
//! trouble apart). The table ends with the same summary as its last row.

use crate::cli::{
    args::DnsArgs,
    exit::{Exit, Outcome},
    term,
};
use anyhow::Context;
use clap::Args;
use dkimctl::diagnosis::diagnose::{
    BatchSummary, DiagnoseOptions, DiagnoseReport, SelectorOrigin, SelectorReport, SelectorSpec,
    diagnose, expectations_from_csv, selectors_from_message,
};
use dkimctl::dns::Dns;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Flags of `dkimctl diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The domain whose DKIM set-up to check (d=; or give it as -d DOMAIN).
    #[arg(value_name = "DOMAIN", required_unless_present_any = ["batch", "domain_flag"], value_parser = crate::cli::args::parse_domain)]
    domain: Option<String>,
    /// The domain, as a flag (the same as DOMAIN).
    #[arg(short = 'd', long = "domain", value_name = "DOMAIN", conflicts_with_all = ["domain", "batch"], value_parser = crate::cli::args::parse_domain)]
    domain_flag: Option<String>,
    /// Check every domain of FILE (one a line; `#` comments), with the same selectors.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["domain", "records", "message", "tokens", "verification_token"]
    )]
    batch: Option<PathBuf>,
    /// The most DNS questions in flight at once (1 to 256); a batch checks at most N domains at once.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 16,
        value_parser = clap::value_parser!(u16).range(1..=256)
    )]
    concurrency: u16,
    /// A selector to check (repeatable); without any selector source, common selectors are probed.
    #[arg(long = "selector", short = 's', value_name = "SELECTOR", value_parser = crate::cli::args::parse_selector)]
    selectors: Vec<String>,
    /// A provider-hosted DKIM token (repeatable): expects `<token>._domainkey.DOMAIN CNAME <token>.<target-host>`.
    #[arg(long = "token", value_name = "TOKEN", value_parser = crate::cli::args::parse_token)]
    tokens: Vec<String>,
    /// The host provider CNAMEs point into.
    #[arg(long, value_name = "HOST", default_value = dkimctl::records::DEFAULT_TARGET_HOST, value_parser = crate::cli::args::parse_target_host)]
    target_host: String,
    /// A record set written by `dkimctl records --csv`: check that every row is published.
    #[arg(long, value_name = "FILE.csv")]
    records: Option<PathBuf>,
    /// A signed message: check the selectors of its DKIM-Signatures with d=DOMAIN.
    #[arg(long, value_name = "FILE")]
    message: Option<PathBuf>,
    /// What SES says (repeatable; - is standard input): check the records it names and explain its status.
    ///
    /// The JSON output of `aws sesv2 get-email-identity`, `aws ses
    /// get-identity-dkim-attributes`, `aws ses verify-domain-dkim` or `aws
    /// ses get-identity-verification-attributes`. An sesv2 document does not
    /// name its identity: it is DOMAIN, or IDENTITY as in
    /// `bob@example.com=FILE`. Documents are named by their region when
    /// SigningAttributesOrigin says it (AWS_SES_<REGION>), else by file.
    #[arg(
        long = "ses-identity",
        value_name = "[IDENTITY=]FILE",
        conflicts_with = "batch"
    )]
    ses_identities: Vec<String>,
    /// The domain-verification token `_amazonses.DOMAIN` should hold.
    #[arg(long, value_name = "TOKEN")]
    verification_token: Option<String>,
    /// Verified identities (domains, subdomains, addresses; DKIM on/off), CSV or TOML, with --from.
    ///
    /// CSV: a header, then `identity,dkim` rows (dkim `on`/`off`). TOML:
    /// `[[identity]]` tables with `name = "..."` and `dkim = true|false`.
    /// The format comes from the extension (.csv, .toml), else from the content.
    #[arg(long, value_name = "FILE", requires = "from", conflicts_with = "batch")]
    identities: Option<PathBuf>,
    /// The sender address whose governing identity to check (identity-override), with --identities.
    #[arg(long, value_name = "ADDRESS", requires = "identities")]
    from: Option<String>,
    /// Answer every query from this zone file instead of DNS (offline; repeatable).
    ///
    /// Master files or Route 53 JSON, read as `lint` reads them. Zones of
    /// different files are served side by side; a file holding a zone that
    /// an earlier file holds is another copy of it (a secondary's, another
    /// provider's export): the first copy answers, and the copies are
    /// compared as the zone's servers are.
    #[arg(long = "zone", value_name = "FILE", conflicts_with = "nameserver")]
    zones: Vec<PathBuf>,
    #[command(flatten)]
    dns: DnsArgs,
    /// Do not ask the zone's authoritative servers (or copies) directly to compare them.
    #[arg(long)]
    no_ns_check: bool,
    /// Port the authoritative servers are asked on (default: the port of --nameserver, else 53).
    #[arg(long, value_name = "PORT", hide = true)]
    ns_port: Option<u16>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    json: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    strict: bool,
}

#[derive(Serialize)]
struct SelectorDocument<'a> {
    #[serde(flatten)]
    selector: &'a SelectorReport,
    verdict: String,
}

#[derive(Serialize)]
struct Document<'a> {
    domain: &'a str,
    zone: &'a Option<String>,
    probed: &'a [String],
    selectors: Vec<SelectorDocument<'a>>,
    name_servers: &'a [dkimctl::diagnosis::diagnose::NameServerReport],
    findings: &'a [dkimctl::diagnosis::finding::Finding],
    dns_trouble: bool,
}

impl DiagnoseArgs {
    /// Converts the flags into library options (reading the input files).
    fn options(&self) -> anyhow::Result<DiagnoseOptions> {
        let domain = self
            .domain
            .clone()
            .or(self.domain_flag.clone())
            .unwrap_or_default();
        let mut selectors: Vec<SelectorSpec> = Vec::new();
        let push = |spec: SelectorSpec, selectors: &mut Vec<SelectorSpec>| {
            if !selectors.iter().any(|s| s.selector == spec.selector) {
                selectors.push(spec);
            }
        };
        for s in &self.selectors {
            push(SelectorSpec::new(s, SelectorOrigin::Given), &mut selectors);
        }
        for t in &self.tokens {
            push(
                SelectorSpec::token(t, &self.target_host, SelectorOrigin::Token),
                &mut selectors,
            );
        }
        let mut verification_token = self.verification_token.clone();
        if let Some(path) = &self.records {
            let rows = dkimctl::records::csv::read_csv(path)?;
            let (specs, token) = expectations_from_csv(&rows, path, &domain)?;
            for spec in specs {
                push(spec, &mut selectors);
            }
            if verification_token.is_none() {
                verification_token = token;
            }
        }
        if let Some(path) = &self.message {
            let raw = crate::cli::fsio::read_file(path, crate::cli::fsio::MESSAGE)?;
            let found = selectors_from_message(&raw, Some(&domain))
                .with_context(|| path.display().to_string())?;
            if found.is_empty() {
                anyhow::bail!("{} has no DKIM-Signature with d={domain}", path.display());
            }
            for (_, s) in found {
                push(
                    SelectorSpec::new(s, SelectorOrigin::Message),
                    &mut selectors,
                );
            }
        }
        let ses = if self.ses_identities.is_empty() {
            Vec::new()
        } else {
            let docs = crate::cli::ses::read_all(&self.ses_identities, Some(&domain))?;
            let docs = dkimctl::ses::about_domain(docs, &domain)?;
            let (specs, token) =
                dkimctl::diagnosis::diagnose::ses_expectations(&docs, &self.target_host);
            for spec in specs {
                push(spec, &mut selectors);
            }
            if verification_token.is_none() {
                verification_token = token;
            }
            docs
        };
        let sender = match (&self.from, &self.identities) {
            (Some(from), Some(path)) => {
                let text = crate::cli::fsio::read_text(path, crate::cli::fsio::LIST)?;
                let format = dkimctl::diagnosis::diagnose::IdentitiesFormat::detect(
                    path.extension().and_then(|e| e.to_str()),
                    &text,
                );
                let identities = dkimctl::diagnosis::diagnose::identities_from_str(&text, format)
                    .with_context(|| path.display().to_string())?;
                if !from.contains('@') {
                    anyhow::bail!("--from {from:?} is not an address (local@domain)");
                }
                Some((from.clone(), identities))
            }
            _ => None,
        };
        Ok(DiagnoseOptions {
            domain,
            selectors,
            verification_token,
            compare_servers: !self.no_ns_check,
            sender,
            ses,
        })
    }

    /// Runs the command.
    pub fn run(self, out: &mut dyn Write) -> anyhow::Result<Exit> {
        let options = self.options()?;
        let dns: Arc<dyn Dns> = if self.zones.is_empty() {
            let mut dns = dkimctl::dns::HickoryDns::new(&dkimctl::dns::DnsOptions {
                concurrency: usize::from(self.concurrency),
                ..self.dns.options()
            })?;
            if let Some(port) = self.ns_port {
                dns = dns.with_server_port(port);
            }
            Arc::new(dns)
        } else {
            Arc::new(crate::cli::args::zone_data(&self.zones)?)
        };
        if let Some(path) = &self.batch {
            return self.run_batch(out, path, &options, &dns);
        }
        let report = dkimctl::dns::run(&*dns, {
            let dns = dns.clone();
            async move { diagnose(&dns, &options).await }
        })
        .context("running the diagnosis")??;
        if self.json {
            let doc = document(&report);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        } else {
            render(
                &mut crate::cli::printable::Printable::new(&mut *out, crate::cli::term::colour()),
                &report,
            )?;
        }
        Ok(exit_code(&report, self.strict))
    }
}

impl DiagnoseArgs {
    /// `--batch`: every domain of the file, one document or one table.
    fn run_batch(
        &self,
        out: &mut dyn Write,
        path: &std::path::Path,
        template: &DiagnoseOptions,
        dns: &Arc<dyn Dns>,
    ) -> anyhow::Result<Exit> {
        let text = crate::cli::fsio::read_text(path, crate::cli::fsio::LIST)?;
        let mut domains = Vec::new();
        let mut bad_lines = false;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            match dkimctl::records::normalize_domain(line) {
                Ok(domain) => domains.push(domain),
                Err(e) => {
                    crate::cli::print_error(format_args!("{}:{}: {e}", path.display(), i + 1));
                    bad_lines = true;
                }
            }
        }
        let bar = term::progress(domains.len() as u64, "diagnose");
        let reports = dkimctl::dns::run(&**dns, {
            let (dns, template, bar) = (dns.clone(), template.clone(), bar.clone());
            let (domains, concurrency) = (domains.clone(), usize::from(self.concurrency));
            async move {
                dkimctl::diagnosis::diagnose::diagnose_batch(
                    &dns,
                    &domains,
                    &template,
                    concurrency,
                    &|| bar.inc(1),
                )
                .await
            }
        })
        .context("running the diagnosis")?;
        bar.finish_and_clear();
        let reports = reports?;
        let mut exit = if bad_lines { Exit::Usage } else { Exit::Ok };
        for report in &reports {
            exit = exit.merge(exit_code(report, self.strict));
        }
        if self.json {
            let docs: Vec<Document> = reports.iter().map(document).collect();
            let summary = BatchSummary::of(&reports);
            let text = serde_json::to_string_pretty(&BatchDocument {
                domains: docs,
                summary,
            })?;
            writeln!(out, "{text}")?;
        } else {
            let mut table = term::table();
            table.set_header(vec!["domain", "selectors", "findings"]);
            for r in &reports {
                let verdicts: Vec<String> = r.selectors.iter().map(|s| s.verdict()).collect();
                let codes: Vec<String> = r
                    .findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} ({})",
                            f.severity.as_str(),
                            f.code.as_str(),
                            f.subject
                        )
                    })
                    .collect();
                table.add_row(vec![
                    r.domain.clone(),
                    if verdicts.is_empty() {
                        "none found".to_string()
                    } else {
                        verdicts.join("\n")
                    },
                    codes.join("\n"),
                ]);
            }
            let summary = BatchSummary::of(&reports);
            table.add_row(vec![
                match summary.domains {
                    1 => "1 domain".to_string(),
                    n => format!("{n} domains"),
                },
                String::new(),
                format!(
                    "{} with errors, {} with warnings only, {} undecided (DNS trouble)",
                    summary.with_errors, summary.with_warnings, summary.dns_trouble
                ),
            ]);
            term::write_table(out, &table)?;
        }
        Ok(exit)
    }
}

#[derive(Serialize)]
struct BatchDocument<'a> {
    domains: Vec<Document<'a>>,
    summary: BatchSummary,
}

/// The JSON document of one report.
fn document(report: &DiagnoseReport) -> Document<'_> {
    Document {
        domain: &report.domain,
        zone: &report.zone,
        probed: &report.probed,
        selectors: report
            .selectors
            .iter()
            .map(|s| SelectorDocument {
                selector: s,
                verdict: s.verdict(),
            })
            .collect(),
        name_servers: &report.name_servers,
        findings: &report.findings,
        dns_trouble: report.dns_trouble,
    }
}

/// The exit rule applied to one report: its findings, and the DNS
/// trouble it records.
fn exit_code(report: &DiagnoseReport, strict: bool) -> Exit {
    let dns = Outcome {
        dns_undecided: report.dns_trouble,
        ..Outcome::default()
    };
    Exit::decide(Outcome::of_findings(&report.findings).and(dns), strict)
}

fn render(out: &mut dyn Write, report: &DiagnoseReport) -> anyhow::Result<()> {
    match &report.zone {
        Some(zone) => writeln!(out, "Domain: {} (zone {zone})", report.domain)?,
        None => writeln!(out, "Domain: {} (zone not found)", report.domain)?,
    }
    if !report.probed.is_empty() {
        let found: Vec<&str> = report
            .selectors
            .iter()
            .map(|s| s.selector.as_str())
            .collect();
        writeln!(
            out,
            "Probed {} common selectors: {}",
            report.probed.len(),
            report.probed.join(", ")
        )?;
        writeln!(
            out,
            "Found: {}",
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        )?;
        writeln!(out, "{}", dkimctl::diagnosis::diagnose::PROBE_HINT)?;
    }
    if !report.name_servers.is_empty() {
        let servers: Vec<String> = report
            .name_servers
            .iter()
            .map(|ns| match ns.serial {
                Some(serial) => format!("{} (serial {serial})", ns.host),
                None => format!("{} (no answer)", ns.host),
            })
            .collect();
        writeln!(out, "Name servers: {}", servers.join(", "))?;
    }
    crate::cli::render::findings_table_fixes_below(out, &report.findings)?;
    for s in &report.selectors {
        writeln!(out, "{}", s.verdict())?;
    }
    Ok(())
}
