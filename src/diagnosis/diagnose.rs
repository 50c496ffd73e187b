//! `diagnose`: a domain's DKIM set-up read from DNS and judged. Each name
//! is fetched into a [`RecordSnapshot`] (CNAME and TXT asked for
//! separately, concurrently) and the catalogue in [`crate::diagnosis::checks`] says
//! what is wrong with it and what to publish instead. Every question goes
//! through the [`Dns`] seam, so the same checks run against live DNS and,
//! offline, against zone files.
//!
//! The queries of all selectors run at once (tokio tasks over one
//! [`Dns`]), so one domain with three selectors costs about one round trip
//! when the records are where they belong; a missing record costs one more
//! (the wrong places it is looked for), a CNAME one more per hop. The
//! zone's NS set is asked in the first round too (guessing the domain is
//! the apex), and each authoritative server directly (RD=0) in the second,
//! beside the selectors' second round.

use crate::diagnosis::checks::{self, Answer, KeySummary, RecordSnapshot};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dns::{self, Dns, DnsFailure, NameServer, RData, RecordType};
use crate::records::quote_txt;
use serde::Serialize;
use std::sync::Arc;

/// Selectors probed when none is given.
pub const COMMON_SELECTORS: &[&str] = &[
    "google",
    "selector1",
    "selector2",
    "k1",
    "k2",
    "k3",
    "s1",
    "s2",
    "default",
    "dkim",
    "mail",
    "smtp",
    "dkim1",
    "mandrill",
    "mxvault",
    "everlytickey1",
    "sig1",
];

/// Where a selector to check came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectorOrigin {
    /// `--selector`.
    Given,
    /// `--token`: a provider-hosted CNAME token.
    Token,
    /// A row of a `--records` CSV.
    Records,
    /// s= of a DKIM-Signature in `--message`.
    Message,
    /// One of [`COMMON_SELECTORS`], probed.
    Probe,
}

/// One selector to check, and what should be published for it when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorSpec {
    /// The selector (s=), or a provider token.
    pub selector: String,
    /// Where it came from.
    pub origin: SelectorOrigin,
    /// The CNAME target the name should point to (tokens, CSV rows).
    pub expected_target: Option<String>,
    /// The TXT key record the name should hold (CSV rows).
    pub expected_txt: Option<String>,
}

impl SelectorSpec {
    /// A selector without expectations.
    pub fn new(selector: impl Into<String>, origin: SelectorOrigin) -> Self {
        SelectorSpec {
            selector: selector.into().to_ascii_lowercase(),
            origin,
            expected_target: None,
            expected_txt: None,
        }
    }

    /// A provider token: `<token>._domainkey.D CNAME <token>.<target_host>`.
    pub fn token(token: &str, target_host: &str, origin: SelectorOrigin) -> Self {
        let token = token.to_ascii_lowercase();
        SelectorSpec {
            expected_target: Some(format!(
                "{token}.{}",
                target_host.trim_end_matches('.').to_ascii_lowercase()
            )),
            selector: token,
            origin,
            expected_txt: None,
        }
    }
}

/// What to diagnose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnoseOptions {
    /// The domain (d=), without the trailing dot.
    pub domain: String,
    /// Selectors to check; empty probes [`COMMON_SELECTORS`].
    pub selectors: Vec<SelectorSpec>,
    /// What `_amazonses.<domain>` should hold (or the apex TXT after `amazonses:`).
    pub verification_token: Option<String>,
    /// Compare the zone's authoritative servers (each asked directly, or
    /// each copy of the zone read), as [`Dns::name_servers`] gives them.
    pub compare_servers: bool,
    /// A sender address and the verified identities: which one governs it
    /// (`identity-override`).
    pub sender: Option<(String, Vec<checks::Identity>)>,
}

/// What one authoritative server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameServerReport {
    /// Its host name (from the NS set), or the zone file's name.
    pub host: String,
    /// The address asked, or the zone file's path.
    pub address: String,
    /// Its SOA serial for the zone, when it answered.
    pub serial: Option<u32>,
}

/// How one selector came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectorStatus {
    /// A usable key, no error.
    Ok,
    /// Found, with at least one error finding.
    Broken,
    /// Nothing at the name (given selectors).
    Missing,
    /// A probed selector that is not there (not a finding).
    NotFound,
    /// DNS failed, nothing could be decided.
    DnsTrouble,
}

/// The outcome for one selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorReport {
    /// The selector.
    pub selector: String,
    /// `<selector>._domainkey.<domain>`.
    pub name: String,
    /// Where the selector came from.
    pub origin: SelectorOrigin,
    /// The outcome.
    pub status: SelectorStatus,
    /// CNAME targets followed, in order.
    pub cname_chain: Vec<String>,
    /// The key found, when usable.
    pub key: Option<KeySummary>,
    /// The codes of this selector's findings.
    pub codes: Vec<Code>,
}

impl SelectorReport {
    /// The one-line verdict, e.g. `s1: ok (RSA-2048)` or `s2: record-missing`.
    pub fn verdict(&self) -> String {
        let words: Vec<&str> = self.codes.iter().map(|c| c.as_str()).collect();
        match (self.status, &self.key) {
            (SelectorStatus::Ok, Some(key)) if words.is_empty() => {
                format!("{}: ok ({key})", self.selector)
            }
            (SelectorStatus::Ok, Some(key)) => {
                format!("{}: ok ({key}) with {}", self.selector, words.join(", "))
            }
            (SelectorStatus::NotFound, _) => format!("{}: not found", self.selector),
            (SelectorStatus::DnsTrouble, _) => {
                format!("{}: undecided (DNS failure)", self.selector)
            }
            _ => format!("{}: {}", self.selector, words.join(", ")),
        }
    }
}

/// Everything `diagnose` found for one domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnoseReport {
    /// The domain.
    pub domain: String,
    /// The zone the domain is in (from its SOA), when DNS said.
    pub zone: Option<String>,
    /// The selectors probed, when none was given.
    pub probed: Vec<String>,
    /// One entry per selector checked (probed ones only when found).
    pub selectors: Vec<SelectorReport>,
    /// The zone's authoritative servers, asked directly (when compared).
    pub name_servers: Vec<NameServerReport>,
    /// Every finding, in selector order.
    pub findings: Vec<Finding>,
    /// Whether a DNS failure left something undecided.
    pub dns_trouble: bool,
}

/// The answer to one question as the checks read it: the records of
/// `record_type` owned by `name` itself, picked by `pick`.
async fn ask<T>(
    dns: &dyn Dns,
    name: &str,
    record_type: RecordType,
    pick: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    match dns.query(name, record_type).await {
        Ok(answer) => {
            let records: Vec<T> = answer.at(name, record_type).filter_map(pick).collect();
            if records.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(records)
            }
        }
        Err(DnsFailure::NxDomain { .. }) => Answer::NxDomain,
        Err(DnsFailure::NoData { .. }) => Answer::NoData,
        Err(DnsFailure::ServFail) => Answer::ServFail,
        Err(DnsFailure::Timeout) => Answer::Timeout,
        Err(failure) => Answer::Failed(failure.to_string()),
    }
}

/// CNAME and TXT at `name`, asked concurrently.
async fn snapshot(dns: &dyn Dns, name: &str) -> RecordSnapshot {
    let (cname, txt) = tokio::join!(
        ask(dns, name, RecordType::Cname, |data| match data {
            RData::Cname(target) => Some(target.clone()),
            _ => None,
        }),
        ask(dns, name, RecordType::Txt, |data| match data {
            RData::Txt(strings) => Some(strings.clone()),
            _ => None,
        })
    );
    RecordSnapshot {
        name: name.trim_end_matches('.').to_ascii_lowercase(),
        cname,
        txt,
    }
}

/// The zone `name` is in: the owner of the SOA its SOA query returns (in
/// the answer, or the one a negative answer names).
async fn zone_of(dns: &dyn Dns, name: &str) -> Option<String> {
    match dns.query(name, RecordType::Soa).await {
        Ok(answer) => answer
            .records
            .into_iter()
            .find(|r| r.data.record_type() == RecordType::Soa)
            .map(|r| r.name),
        Err(failure) => failure.zone().map(str::to_string),
    }
}

/// What one server said to one question, as servers are compared: the
/// records of the type (sorted; empty for no data) or the failure, and
/// `None` without an answer (a timeout, a network error).
type Said = Option<Result<Vec<RData>, DnsFailure>>;

fn said(result: Result<dns::Answer, DnsFailure>, record_type: RecordType) -> Said {
    match result {
        Ok(answer) => {
            let mut records: Vec<RData> = answer.of_type(record_type).cloned().collect();
            records.sort();
            Some(Ok(records))
        }
        Err(DnsFailure::NoData { .. }) => Some(Ok(Vec::new())),
        Err(DnsFailure::NxDomain { .. }) => Some(Err(DnsFailure::NxDomain { zone: None })),
        Err(DnsFailure::Timeout | DnsFailure::Other(_)) => None,
        Err(failure) => Some(Err(failure)),
    }
}

/// A name's (CNAME, TXT) answers from one server in a few words.
fn describe_said(cname: &Said, txt: &Said) -> String {
    if let Some(Ok(records)) = cname
        && let Some(RData::Cname(target)) = records.first()
    {
        return format!("CNAME {target}.");
    }
    match txt {
        None => "no answer".into(),
        Some(Ok(records)) if records.is_empty() => "no data".into(),
        Some(Ok(records)) => {
            let texts: Vec<String> = records
                .iter()
                .filter_map(|data| match data {
                    RData::Txt(strings) => Some(checks::join(strings)),
                    _ => None,
                })
                .collect();
            let text = texts.join(" | ");
            if text.chars().count() > 40 {
                format!("TXT {}...", text.chars().take(40).collect::<String>())
            } else {
                format!("TXT {text}")
            }
        }
        Some(Err(failure)) => failure.to_string(),
    }
}

/// Asks every authoritative server for the zone's SOA and for CNAME and
/// TXT at `names`, and reports each server that is behind (a lower SOA
/// serial) or answers differently from the others.
async fn compare_name_servers(
    zone: &str,
    servers: &[NameServer],
    names: &[String],
) -> (Vec<NameServerReport>, Vec<Finding>) {
    // Every question to every server at once.
    let tasks: Vec<_> = servers
        .iter()
        .map(|server| {
            let (dns, zone, names) = (server.dns.clone(), zone.to_string(), names.to_vec());
            tokio::spawn(async move {
                let soa = tokio::spawn(dns.query(&zone, RecordType::Soa));
                let pairs: Vec<_> = names
                    .iter()
                    .map(|name| {
                        (
                            tokio::spawn(dns.query(name, RecordType::Cname)),
                            tokio::spawn(dns.query(name, RecordType::Txt)),
                        )
                    })
                    .collect();
                let serial = match soa.await {
                    Ok(Ok(answer)) => answer.of_type(RecordType::Soa).find_map(|data| match data {
                        RData::Soa { serial } => Some(*serial),
                        _ => None,
                    }),
                    _ => None,
                };
                let mut answers: Vec<(Said, Said)> = Vec::new();
                for (cname, txt) in pairs {
                    let (cname, txt) = (cname.await, txt.await);
                    answers.push((
                        cname.ok().and_then(|r| said(r, RecordType::Cname)),
                        txt.ok().and_then(|r| said(r, RecordType::Txt)),
                    ));
                }
                (serial, answers)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap_or((None, Vec::new())));
    }
    let reports: Vec<NameServerReport> = servers
        .iter()
        .zip(&results)
        .map(|(server, (serial, _))| NameServerReport {
            host: server.host.clone(),
            address: server.address.clone(),
            serial: *serial,
        })
        .collect();
    let mut findings = Vec::new();
    let newest = results
        .iter()
        .filter_map(|(serial, _)| *serial)
        .reduce(|a, b| if serial_behind(a, b) { b } else { a });
    for (i, (server, (serial, answers))) in servers.iter().zip(&results).enumerate() {
        let (host, addr) = (&server.host, &server.address);
        let Some(serial) = serial else {
            findings.push(
                Finding::new(
                    Code::NsInconsistent,
                    Severity::Warning,
                    host,
                    format!("{host} ({addr}) gave no SOA for {zone} when asked directly"),
                )
                .with_fix(format!(
                    "check that {host} serves {zone} (it is in the zone's NS set)"
                )),
            );
            continue;
        };
        // Where this server's answers differ from the first server that is
        // not behind.
        let reference = results
            .iter()
            .enumerate()
            .find(|(j, (s, _))| *j != i && s.is_some() && *s == newest)
            .map(|(_, r)| r);
        let mut differs = Vec::new();
        if let Some((_, theirs)) = reference {
            for (name, (mine, others)) in names.iter().zip(answers.iter().zip(theirs)) {
                let answered = mine.1.is_some() && others.1.is_some();
                if answered && mine != others {
                    differs.push(format!(
                        "{name}: {} here, {} on the others",
                        describe_said(&mine.0, &mine.1),
                        describe_said(&others.0, &others.1)
                    ));
                }
            }
        }
        let behind = newest.is_some_and(|n| serial_behind(*serial, n));
        if !behind && differs.is_empty() {
            continue;
        }
        let newest = newest.unwrap_or(*serial);
        let mut message = if behind {
            format!("{host} ({addr}) is behind: SOA serial {serial}, the newest is {newest}")
        } else {
            format!("{host} ({addr}) answers differently at the same SOA serial {serial}")
        };
        if !differs.is_empty() {
            message.push_str(&format!("; {}", differs.join("; ")));
        }
        findings.push(
            Finding::new(
                Code::NsInconsistent,
                if differs.is_empty() { Severity::Warning } else { Severity::Error },
                host,
                message,
            )
            .with_fix(format!(
                "make {host} load the current zone (check NOTIFY and zone transfers from the primary); every server must serve {zone} at serial {newest}"
            )),
        );
    }
    (reports, findings)
}

/// Whether serial `a` is older than `b` (RFC 1982 sequence arithmetic).
fn serial_behind(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}

/// Diagnoses one domain: every selector concurrently, then the wrong places
/// for missing records, CNAME chains and the verification TXT.
pub async fn diagnose(dns: &Arc<dyn Dns>, options: &DiagnoseOptions) -> DiagnoseReport {
    let domain = options.domain.trim_end_matches('.').to_ascii_lowercase();
    let probing = options.selectors.is_empty();
    let specs: Vec<SelectorSpec> = if probing {
        COMMON_SELECTORS
            .iter()
            .map(|s| SelectorSpec::new(*s, SelectorOrigin::Probe))
            .collect()
    } else {
        options.selectors.clone()
    };

    // Round one: the zone, every selector's name and the verification TXT.
    let zone_task = {
        let (r, d) = (dns.clone(), domain.clone());
        tokio::spawn(async move { zone_of(&*r, &d).await })
    };
    let owner_tasks: Vec<_> = specs
        .iter()
        .map(|spec| {
            let r = dns.clone();
            let name = format!("{}._domainkey.{domain}", spec.selector);
            tokio::spawn(async move { snapshot(&*r, &name).await })
        })
        .collect();
    // The NS set, guessing the domain is the zone apex (it usually is).
    let ns_guess = options
        .compare_servers
        .then(|| tokio::spawn(dns.name_servers(&domain)));
    let verification_task = options.verification_token.as_ref().map(|_| {
        let (r, d) = (dns.clone(), domain.clone());
        tokio::spawn(async move {
            let underscore = format!("_amazonses.{d}");
            tokio::join!(snapshot(&*r, &underscore), snapshot(&*r, &d))
        })
    });
    let zone = zone_task.await.ok().flatten();
    let mut owners = Vec::new();
    for task in owner_tasks {
        owners.push(task.await.ok());
    }

    // Round two, per selector: chains and wrong places; beside it, the
    // zone's NS set and their addresses.
    let apex = zone.clone().unwrap_or_else(|| domain.clone());
    let ns_task = options.compare_servers.then(|| {
        let (r, z, d) = (dns.clone(), apex.clone(), domain.clone());
        let mut names: Vec<String> = specs
            .iter()
            .map(|s| format!("{}._domainkey.{domain}", s.selector))
            .collect();
        if options.verification_token.is_some() {
            names.push(format!("_amazonses.{domain}"));
        }
        let guess = ns_guess;
        tokio::spawn(async move {
            let servers = match guess {
                Some(task) if z == d => task.await.unwrap_or_default(),
                _ => r.name_servers(&z).await,
            };
            if servers.is_empty() {
                return None;
            }
            Some(compare_name_servers(&z, &servers, &names).await)
        })
    });
    let selector_tasks: Vec<_> = specs
        .into_iter()
        .zip(owners)
        .map(|(spec, owner)| {
            let (r, d, z) = (dns.clone(), domain.clone(), apex.clone());
            tokio::spawn(async move { judge_selector(&r, spec, owner, &d, &z).await })
        })
        .collect();

    let mut report = DiagnoseReport {
        domain: domain.clone(),
        zone,
        probed: if probing {
            COMMON_SELECTORS.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        },
        selectors: Vec::new(),
        name_servers: Vec::new(),
        findings: Vec::new(),
        dns_trouble: false,
    };
    for task in selector_tasks {
        let Ok((selector, findings)) = task.await else {
            continue;
        };
        if selector.status == SelectorStatus::DnsTrouble {
            report.dns_trouble = true;
        }
        if selector.status != SelectorStatus::NotFound {
            report.selectors.push(selector);
        }
        report.findings.extend(findings);
    }
    if probing && report.selectors.is_empty() {
        report.findings.push(
            Finding::new(
                Code::RecordMissing,
                Severity::Warning,
                format!("_domainkey.{domain}"),
                format!(
                    "no key record at any of the {} common selectors probed",
                    COMMON_SELECTORS.len()
                ),
            )
            .with_fix(
                "name the selector with --selector (the s= of a signed message, or --message FILE)",
            ),
        );
    }
    if let (Some(task), Some(token)) = (verification_task, &options.verification_token)
        && let Ok((underscore, apex_txt)) = task.await
    {
        let wanted_apex = format!("amazonses:{token}");
        let has = |s: &RecordSnapshot, want: &str| s.txt_joined().iter().any(|t| t == want);
        let published = has(&underscore, token) || has(&apex_txt, &wanted_apex);
        if published {
            // Nothing to report.
        } else if underscore.txt.is_failure() {
            report.dns_trouble = true;
            report
                .findings
                .push(dns_failure(&underscore.name, &underscore.txt));
        } else {
            let held = underscore.txt_joined();
            let message = if held.is_empty() {
                format!(
                    "no verification TXT at {} ({})",
                    underscore.name,
                    underscore.txt.describe()
                )
            } else {
                format!(
                    "{} holds {}, not the expected token",
                    underscore.name,
                    held.join(", ")
                )
            };
            report.findings.push(
                Finding::new(
                    Code::VerificationMissing,
                    Severity::Error,
                    &underscore.name,
                    message,
                )
                .with_fix(checks::zone_line(
                    &underscore.name,
                    "TXT",
                    &quote_txt(token),
                )),
            );
        }
    }
    if let Some((from, identities)) = &options.sender {
        report
            .findings
            .extend(checks::check_identity(from, &domain, identities));
    }
    if let Some(task) = ns_task
        && let Ok(Some((name_servers, findings))) = task.await
    {
        report.name_servers = name_servers;
        report.findings.extend(findings);
    }
    report
}

/// Diagnoses many domains with the same selectors, at most `concurrency`
/// at a time; `done` is called as each finishes (for a progress bar).
/// Reports come back in the order of `domains`.
pub async fn diagnose_batch(
    dns: &Arc<dyn Dns>,
    domains: &[String],
    template: &DiagnoseOptions,
    concurrency: usize,
    done: &(dyn Fn() + Sync),
) -> Vec<DiagnoseReport> {
    let mut results: Vec<Option<DiagnoseReport>> = vec![None; domains.len()];
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < domains.len() || !running.is_empty() {
        while next < domains.len() && running.len() < concurrency.max(1) {
            let (r, mut options, i) = (dns.clone(), template.clone(), next);
            options.domain = domains[i].clone();
            running.spawn(async move { (i, diagnose(&r, &options).await) });
            next += 1;
        }
        if let Some(Ok((i, report))) = running.join_next().await {
            results[i] = Some(report);
            done();
        }
    }
    results.into_iter().flatten().collect()
}

/// A DNS failure as a finding (the run then exits 3 unless an error is found).
fn dns_failure<T>(name: &str, answer: &Answer<T>) -> Finding {
    Finding::new(
        Code::DnsTemporary,
        Severity::Warning,
        name,
        format!(
            "DNS answered {} for {name}; nothing could be decided",
            answer.describe()
        ),
    )
    .with_fix("try again later; if it persists, check the zone's name servers")
}

/// The record to publish at `name` for `spec`, as a zone line.
fn wanted_record(name: &str, spec: &SelectorSpec) -> String {
    match (&spec.expected_target, &spec.expected_txt) {
        (Some(target), _) => checks::zone_line(name, "CNAME", &format!("{target}.")),
        (None, Some(txt)) => checks::zone_line(name, "TXT", &quote_txt(txt)),
        (None, None) => checks::zone_line(
            name,
            "TXT",
            "\"v=DKIM1; k=rsa; p=<base64 public key from your provider or dkimctl keygen>\"",
        ),
    }
}

async fn judge_selector(
    dns: &Arc<dyn Dns>,
    spec: SelectorSpec,
    owner: Option<RecordSnapshot>,
    domain: &str,
    zone: &str,
) -> (SelectorReport, Vec<Finding>) {
    let name = format!("{}._domainkey.{domain}", spec.selector);
    let owner = match owner {
        Some(owner) => owner,
        None => snapshot(&**dns, &name).await,
    };
    let mut findings = Vec::new();
    let mut report = SelectorReport {
        selector: spec.selector.clone(),
        name: name.clone(),
        origin: spec.origin,
        status: SelectorStatus::Ok,
        cname_chain: Vec::new(),
        key: None,
        codes: Vec::new(),
    };

    if let Some(target) = owner.cname_target().map(str::to_string) {
        let target_findings =
            checks::check_cname_target(&name, &target, zone, spec.expected_target.as_deref());
        let explained = !target_findings.is_empty();
        findings.extend(target_findings);
        // Follow the chain, one hop at a time (bounded).
        let mut current = snapshot(&**dns, &target).await;
        report.cname_chain.push(target);
        while let Some(next) = current.cname_target().map(str::to_string) {
            if report.cname_chain.len() >= 8 || report.cname_chain.contains(&next) {
                break;
            }
            current = snapshot(&**dns, &next).await;
            report.cname_chain.push(next);
        }
        if !current.txt.records().is_empty() {
            let (more, key) = checks::check_key_records(&current.name, current.txt.records());
            findings.extend(more);
            report.key = key;
        } else if current.txt.is_failure() {
            findings.push(
                Finding::new(
                    Code::TxtServfail,
                    Severity::Error,
                    &name,
                    format!(
                        "the CNAME to {} answers, but TXT at {} gives {}",
                        current.name,
                        current.name,
                        current.txt.describe()
                    ),
                )
                .with_fix(format!(
                    "the name servers of {} fail TXT queries: ask the DNS host of {} to fix them (verifiers treat this as a temporary error and retry)",
                    current.name, current.name
                )),
            );
        } else if !explained {
            let mut finding = Finding::new(
                Code::CnameDangling,
                Severity::Error,
                &name,
                format!(
                    "the CNAME points to {}, which has no key record ({})",
                    current.name,
                    current.txt.describe()
                ),
            );
            finding = finding.with_fix(match &spec.expected_target {
                Some(_) => wanted_record(&name, &spec),
                None => format!(
                    "check the target with your provider (is the domain verified there?) or replace the CNAME with the key record: {}",
                    wanted_record(&name, &spec)
                ),
            });
            findings.push(finding);
        }
    } else if !owner.txt.records().is_empty() {
        let (more, key) = checks::check_key_records(&name, owner.txt.records());
        findings.extend(more);
        report.key = key;
        if let Some(expected) = &spec.expected_txt {
            let squash = |s: &str| s.split_whitespace().collect::<String>();
            if !owner
                .txt_joined()
                .iter()
                .any(|t| squash(t) == squash(expected))
            {
                findings.push(
                    Finding::new(
                        Code::KeyMismatch,
                        Severity::Error,
                        &name,
                        "the published key record differs from the one in the record set",
                    )
                    .with_fix(wanted_record(&name, &spec)),
                );
            }
        }
        if let Some(target) = &spec.expected_target {
            findings.push(
                Finding::new(
                    Code::RecordMissing,
                    Severity::Error,
                    &name,
                    format!("a TXT record is published where a CNAME to {target} is expected"),
                )
                .with_fix(format!(
                    "delete the TXT record and publish: {}",
                    wanted_record(&name, &spec)
                )),
            );
        }
    } else if owner.txt.is_failure() && owner.cname.is_failure() {
        report.status = SelectorStatus::DnsTrouble;
        findings.push(dns_failure(&name, &owner.txt));
    } else if owner.txt.is_failure() {
        findings.push(
            Finding::new(
                Code::TxtServfail,
                Severity::Error,
                &name,
                format!(
                    "CNAME queries for {name} answer ({}), but TXT queries give {}",
                    owner.cname.describe(),
                    owner.txt.describe()
                ),
            )
            .with_fix(format!(
                "the name servers of {zone} fail TXT queries for {name}: ask the DNS host to fix them; the record itself may be fine"
            )),
        );
    } else {
        // Nothing at the right name: look in the usual wrong places.
        let wrong = checks::misplaced_names(&spec.selector, domain, zone);
        let tasks: Vec<_> = wrong
            .iter()
            .map(|m| {
                let (r, n) = (dns.clone(), m.name.clone());
                tokio::spawn(async move { snapshot(&*r, &n).await })
            })
            .collect();
        let mut found_elsewhere = false;
        for (m, task) in wrong.iter().zip(tasks) {
            if let Ok(snapshot) = task.await
                && checks::holds_dkim(&snapshot, spec.expected_target.as_deref())
            {
                findings.push(checks::misplaced(&name, m, &snapshot));
                found_elsewhere = true;
            }
        }
        if !found_elsewhere {
            if spec.origin == SelectorOrigin::Probe {
                report.status = SelectorStatus::NotFound;
                return (report, findings);
            }
            findings.push(
                Finding::new(
                    Code::RecordMissing,
                    Severity::Error,
                    &name,
                    format!("nothing is published at {name} ({})", owner.txt.describe()),
                )
                .with_fix(wanted_record(&name, &spec)),
            );
            report.status = SelectorStatus::Missing;
        }
    }

    report.codes = findings.iter().map(|f| f.code).collect();
    if report.status == SelectorStatus::Ok
        && (report.key.is_none() || findings.iter().any(|f| f.severity == Severity::Error))
    {
        report.status = SelectorStatus::Broken;
    }
    (report, findings)
}

/// The selectors of the DKIM-Signatures in a raw message whose d= is
/// `domain` (any d= when `domain` is `None`), with their d=.
pub fn selectors_from_message(
    raw: &[u8],
    domain: Option<&str>,
) -> Result<Vec<(String, String)>, crate::Error> {
    let (header, _) = crate::dkim::message::split(raw).map_err(crate::Error::Message)?;
    let mut out = Vec::new();
    for field in header.fields() {
        if !field.is("DKIM-Signature") {
            continue;
        }
        // A damaged signature may still name its selector; take d=/s= from
        // the tag list alone.
        let Ok(tags) = crate::dkim::tag_list::TagList::parse(field.value) else {
            continue;
        };
        let (Some(d), Some(s)) = (tags.get("d"), tags.get("s")) else {
            continue;
        };
        let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
        if domain.is_none_or(|want| want.eq_ignore_ascii_case(&d)) {
            let pair = (d, s.trim().to_string());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    Ok(out)
}

/// What a `dkimctl records --csv` file says should be published for
/// `domain`: one [`SelectorSpec`] per DKIM row (origin `Records`) and the
/// verification token, if a row has one. Names may be absolute or relative.
pub fn expectations_from_csv(
    text: &str,
    domain: &str,
) -> Result<(Vec<SelectorSpec>, Option<String>), crate::Error> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut specs = Vec::new();
    let mut verification = None;
    for (i, row) in reader.records().enumerate() {
        let row =
            row.map_err(|e| crate::Error::Options(format!("records CSV row {}: {e}", i + 2)))?;
        let (Some(kind), Some(name), Some(value)) = (row.get(0), row.get(1), row.get(2)) else {
            return Err(crate::Error::Options(format!(
                "records CSV row {}: expected Type,Name,Value",
                i + 2
            )));
        };
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let relative = name
            .strip_suffix(&format!(".{domain}"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                if name == domain {
                    "@".into()
                } else {
                    name.clone()
                }
            });
        match (kind.trim().to_ascii_uppercase().as_str(), relative.as_str()) {
            ("TXT", "_amazonses") => verification = Some(value.trim().to_string()),
            ("TXT", "@") if value.starts_with("amazonses:") => {
                verification = Some(value["amazonses:".len()..].trim().to_string())
            }
            ("CNAME", r) | ("TXT", r) if r.ends_with("._domainkey") => {
                let selector = r.trim_end_matches("._domainkey");
                let mut spec = SelectorSpec::new(selector, SelectorOrigin::Records);
                if kind.trim().eq_ignore_ascii_case("CNAME") {
                    spec.expected_target =
                        Some(value.trim().trim_end_matches('.').to_ascii_lowercase());
                } else {
                    spec.expected_txt = Some(value.trim().to_string());
                }
                specs.push(spec);
            }
            _ => {
                return Err(crate::Error::Options(format!(
                    "records CSV row {}: {kind} {name} is not a record of {domain}'s DKIM set",
                    i + 2
                )));
            }
        }
    }
    Ok((specs, verification))
}

/// Reads a CSV list of verified identities: a header, then
/// `identity,dkim` rows where `dkim` is `on`/`off` (also `true`/`false`,
/// `yes`/`no`, `enabled`/`disabled`).
pub fn identities_from_csv(text: &str) -> Result<Vec<checks::Identity>, crate::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| crate::Error::Options(format!("identities row {line}: {e}")))?;
        let (Some(name), Some(dkim)) = (row.get(0), row.get(1)) else {
            return Err(crate::Error::Options(format!(
                "identities row {line}: expected identity,dkim"
            )));
        };
        let dkim = match dkim.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "enabled" => true,
            "off" | "false" | "no" | "disabled" => false,
            other => {
                return Err(crate::Error::Options(format!(
                    "identities row {line}: dkim must be on or off, not {other:?}"
                )));
            }
        };
        out.push(checks::Identity {
            name: name.trim_end_matches('.').to_ascii_lowercase(),
            dkim,
        });
    }
    Ok(out)
}

/// The format of a `--identities` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitiesFormat {
    /// A header, then `identity,dkim` rows.
    Csv,
    /// `[[identity]]` tables with `name` and `dkim`.
    Toml,
}

impl IdentitiesFormat {
    /// The format of a file: by extension (`.toml`, `.csv`), else by
    /// content (TOML when the first line that is not blank or a `#`
    /// comment starts with `[` or is a `key = value` line).
    pub fn detect(extension: Option<&str>, text: &str) -> IdentitiesFormat {
        match extension.map(str::to_ascii_lowercase).as_deref() {
            Some("toml") => return IdentitiesFormat::Toml,
            Some("csv") => return IdentitiesFormat::Csv,
            _ => {}
        }
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        match first {
            Some(line) if line.starts_with('[') || line.contains('=') => IdentitiesFormat::Toml,
            _ => IdentitiesFormat::Csv,
        }
    }
}

/// Reads a list of verified identities in `format`.
pub fn identities_from_str(
    text: &str,
    format: IdentitiesFormat,
) -> Result<Vec<checks::Identity>, crate::Error> {
    match format {
        IdentitiesFormat::Csv => identities_from_csv(text),
        IdentitiesFormat::Toml => identities_from_toml(text),
    }
}

/// Reads a TOML list of verified identities:
///
/// ```toml
/// [[identity]]
/// name = "example.com"
/// dkim = true
///
/// [[identity]]
/// name = "alice@example.com"
/// dkim = false
/// ```
pub fn identities_from_toml(text: &str) -> Result<Vec<checks::Identity>, crate::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        identity: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        name: String,
        dkim: bool,
    }
    let file: File = toml::from_str(text).map_err(|e| {
        crate::Error::Options(format!(
            "identities TOML: {}",
            e.to_string().trim_end().replace('\n', " ")
        ))
    })?;
    file.identity
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let name = entry.name.trim().trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() {
                return Err(crate::Error::Options(format!(
                    "identities TOML: [[identity]] {} has an empty name",
                    i + 1
                )));
            }
            Ok(checks::Identity {
                name,
                dkim: entry.dkim,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_rows() {
        let ids =
            identities_from_csv("identity,dkim\nExample.com, on\nalice@example.com,off\n").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!((ids[0].name.as_str(), ids[0].dkim), ("example.com", true));
        assert!(!ids[1].dkim);
        assert!(identities_from_csv("identity,dkim\nexample.com,maybe\n").is_err());
    }

    #[test]
    fn identity_toml() {
        let text = "# verified identities\n[[identity]]\nname = \"Example.com.\"\ndkim = true\n\n[[identity]]\nname = \"alice@example.com\"\ndkim = false\n";
        let ids = identities_from_toml(text).unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!((ids[0].name.as_str(), ids[0].dkim), ("example.com", true));
        assert_eq!(
            (ids[1].name.as_str(), ids[1].dkim),
            ("alice@example.com", false)
        );
        assert!(
            identities_from_toml("[[identity]]\nname = \"a.com\"\ndkim = \"maybe\"\n").is_err()
        );
        assert!(identities_from_toml("[[identity]]\nname = \"a.com\"\ndkm = true\n").is_err());
        assert!(identities_from_toml("[[identity]]\nname = \"\"\ndkim = true\n").is_err());
        assert_eq!(IdentitiesFormat::detect(None, text), IdentitiesFormat::Toml);
        assert_eq!(
            IdentitiesFormat::detect(None, "identity,dkim\nexample.com,on\n"),
            IdentitiesFormat::Csv
        );
        assert_eq!(
            IdentitiesFormat::detect(Some("TOML"), "identity,dkim\n"),
            IdentitiesFormat::Toml
        );
        assert_eq!(
            IdentitiesFormat::detect(Some("csv"), text),
            IdentitiesFormat::Csv
        );
    }

    #[test]
    fn csv_rows() {
        let text = "Type,Name,Value\r\n\
                    CNAME,aaaa._domainkey.example.com,aaaa.dkim.amazonses.com\r\n\
                    TXT,_amazonses.example.com,tok=\r\n";
        let (specs, token) = expectations_from_csv(text, "example.com").unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].selector, "aaaa");
        assert_eq!(
            specs[0].expected_target.as_deref(),
            Some("aaaa.dkim.amazonses.com")
        );
        assert_eq!(token.as_deref(), Some("tok="));
        assert!(
            expectations_from_csv("Type,Name,Value\nA,www.example.com,1\n", "example.com").is_err()
        );
    }

    #[test]
    fn message_selectors() {
        let raw =
            b"DKIM-Signature: v=1; a=rsa-sha256; d=Example.com; s=s1; b=AA; bh=AA; h=from\r\n\
                    DKIM-Signature: v=1; d=other.net; s=x; b=; bh=; h=from\r\n\
                    From: a@example.com\r\n\r\nbody\r\n";
        assert_eq!(
            selectors_from_message(raw, Some("example.com")).unwrap(),
            [("example.com".to_string(), "s1".to_string())]
        );
        assert_eq!(selectors_from_message(raw, None).unwrap().len(), 2);
    }
}
