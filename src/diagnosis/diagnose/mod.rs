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

mod inputs;
mod lookup;
mod servers;
mod ses;

pub use inputs::{
    IdentitiesFormat, InputError, expectations_from_csv, identities_from_csv, identities_from_str,
    identities_from_toml, selectors_from_message,
};

pub use ses::{judge_ses, ses_expectations};

use crate::diagnosis::checks::{self, Answer, KeySummary, RecordSnapshot};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dns::DomainName;
use crate::dns::{ChainBreak, CnameChain, Dns, MAX_CNAME_HOPS};
use crate::zone::text::RecordData;
use lookup::{Watched, snapshot, zone_of};
use serde::Serialize;
use servers::compare_name_servers;
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

/// What `diagnose` says when it only probed common names.
pub const PROBE_HINT: &str = "These are common names only; Amazon SES Easy DKIM uses random tokens. Give the real selectors with --ses-identity FILE (the output of aws sesv2 get-email-identity), --token, --message FILE or --selector.";

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
    /// A token or BYODKIM selector of an SES identity document (`--ses-identity`).
    SesIdentity,
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
                String::from(DomainName::new(target_host))
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
    /// What SES says about the domain and addresses in it
    /// (`--ses-identity`): its status is explained against DNS.
    pub ses: Vec<crate::ses::SesIdentity>,
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
    /// The server refused to answer (REFUSED); a probed selector so
    /// refused is never listed as found.
    Refused,
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

/// What a batch found, domain by domain: each domain counts once, as
/// having errors, else as having warnings; DNS trouble (something left
/// undecided) is counted apart, as it can come with either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Domains checked.
    pub domains: usize,
    /// Domains with at least one error.
    pub with_errors: usize,
    /// Domains with warnings and no error.
    pub with_warnings: usize,
    /// Domains where a DNS failure left something undecided.
    pub dns_trouble: usize,
}

impl BatchSummary {
    /// Counts the reports of a batch.
    pub fn of(reports: &[DiagnoseReport]) -> BatchSummary {
        let worst = |r: &DiagnoseReport| r.findings.iter().map(|f| f.severity).max();
        BatchSummary {
            domains: reports.len(),
            with_errors: reports
                .iter()
                .filter(|r| worst(r) == Some(Severity::Error))
                .count(),
            with_warnings: reports
                .iter()
                .filter(|r| worst(r) == Some(Severity::Warning))
                .count(),
            dns_trouble: reports.iter().filter(|r| r.dns_trouble).count(),
        }
    }
}

/// Diagnoses one domain: every selector concurrently, then the wrong places
/// for missing records, CNAME chains and the verification TXT. A question
/// that could not be asked for want of our own resources (too many open
/// files, ...) makes it [`crate::Error::DnsLocal`]: that is no finding
/// about the domain.
pub async fn diagnose(
    dns: &Arc<dyn Dns>,
    options: &DiagnoseOptions,
) -> Result<DiagnoseReport, crate::Error> {
    let watched = Arc::new(Watched::new(dns.clone()));
    let dns: Arc<dyn Dns> = watched.clone();
    let report = diagnose_through(&dns, options).await;
    match watched.local_failure() {
        Some(cause) => Err(crate::Error::DnsLocal { cause }),
        None => Ok(report),
    }
}

async fn diagnose_through(dns: &Arc<dyn Dns>, options: &DiagnoseOptions) -> DiagnoseReport {
    let domain = String::from(DomainName::new(&options.domain));
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
    let mut refused_probes = 0;
    for task in selector_tasks {
        let Ok((selector, findings)) = task.await else {
            continue;
        };
        if selector.status == SelectorStatus::DnsTrouble {
            report.dns_trouble = true;
        }
        if selector.origin == SelectorOrigin::Probe && selector.status == SelectorStatus::Refused {
            // One finding for them all, below.
            refused_probes += 1;
            continue;
        }
        if selector.status != SelectorStatus::NotFound {
            report.selectors.push(selector);
        }
        report.findings.extend(findings);
    }
    if refused_probes > 0 {
        let subject = format!("_domainkey.{domain}");
        let what = format!(
            "{refused_probes} of the {} common selectors probed",
            COMMON_SELECTORS.len()
        );
        report.findings.push(refused(&subject, &what, &apex));
    }
    if probing && report.selectors.is_empty() && refused_probes == 0 {
        report.findings.push(
            Finding::new(
                Code::RecordMissing,
                format!("_domainkey.{domain}"),
                format!(
                    "no key record at any of the {} common selectors probed",
                    COMMON_SELECTORS.len()
                ),
            )
            .with_severity(Severity::Warning)
            .with_fix(
                "name the selectors: --ses-identity FILE (SES's own output), --message FILE (a signed message), --selector or --token",
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
            let (finding, trouble) = dns_failure(&underscore.name, &underscore.txt, &apex);
            report.dns_trouble |= trouble;
            report.findings.push(finding);
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
                Finding::new(Code::VerificationMissing, &underscore.name, message)
                    .with_fix(checks::zone_line(&underscore.name, RecordData::Txt(token))),
            );
        }
    }
    if !options.ses.is_empty() {
        let more = judge_ses(&options.ses, &domain, &report.selectors, &report.findings);
        report.findings.extend(more);
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
/// Reports come back in the order of `domains`. The first diagnosis that
/// ends in an error (our own resources ran out) stops the batch with it.
pub async fn diagnose_batch(
    dns: &Arc<dyn Dns>,
    domains: &[String],
    template: &DiagnoseOptions,
    concurrency: usize,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<DiagnoseReport>, crate::Error> {
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
            results[i] = Some(report?);
            done();
        }
    }
    Ok(results.into_iter().flatten().collect())
}

/// The one reading of a failed answer about `name` (in `zone`): the
/// finding, and whether it leaves the run undecided (DNS trouble: exit 3
/// unless an error is found). REFUSED is the server's policy, an error
/// that trying again will not change (`dns-refused`); the other failures
/// are temporary (`dns-temporary`).
fn dns_failure<T>(name: &str, answer: &Answer<T>, zone: &str) -> (Finding, bool) {
    if matches!(answer, Answer::Refused) {
        return (refused(name, name, zone), false);
    }
    let finding = Finding::new(
        Code::DnsTemporary,
        name,
        format!(
            "DNS answered {} for {name}; nothing could be decided",
            answer.describe()
        ),
    )
    .with_severity(Severity::Warning)
    .with_fix("try again later; if it persists, check the zone's name servers");
    (finding, true)
}

/// `dns-refused` about `subject`: the server refused to answer for `what`.
fn refused(subject: &str, what: &str, zone: &str) -> Finding {
    Finding::new(
        Code::DnsRefused,
        subject,
        format!("the DNS server refused to answer (REFUSED) for {what}; nothing could be looked up"),
    )
    .with_fix(format!(
        "a server answers REFUSED for zones it does not serve or clients its policy excludes: check --nameserver (or the system resolver) and that the name servers of {zone} serve it"
    ))
}

/// The record to publish at `name` for `spec`, as a zone line.
fn wanted_record(name: &str, spec: &SelectorSpec) -> String {
    match (&spec.expected_target, &spec.expected_txt) {
        (Some(target), _) => checks::zone_line(name, RecordData::Cname(target)),
        (None, Some(txt)) => checks::zone_line(name, RecordData::Txt(txt)),
        (None, None) => checks::zone_line(
            name,
            RecordData::Txt(
                "v=DKIM1; k=rsa; p=<base64 public key from your provider or dkimctl keygen>",
            ),
        ),
    }
}

/// What a CNAME chain from `name` ended at: the key record there, a TXT
/// failure, or nothing (`cname-dangling`, unless the target was already
/// explained).
fn judge_chain_end(
    name: &str,
    current: &RecordSnapshot,
    explained: bool,
    spec: &SelectorSpec,
    findings: &mut Vec<Finding>,
    report: &mut SelectorReport,
) {
    if !current.txt.records().is_empty() {
        let (more, key) = checks::check_key_records(&current.name, current.txt.records());
        findings.extend(more);
        report.key = key;
    } else if matches!(current.txt, Answer::Refused) {
        let what = format!("TXT at {}", current.name);
        findings.push(refused(name, &what, &current.name));
    } else if current.txt.is_failure() {
        findings.push(
                Finding::new(
                    Code::TxtServfail,
                    name,
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
            name,
            format!(
                "the CNAME points to {}, which has no key record ({})",
                current.name,
                current.txt.describe()
            ),
        );
        finding = finding.with_fix(match &spec.expected_target {
                Some(_) => wanted_record(name, spec),
                None => format!(
                    "check the target with your provider (is the domain verified there?) or replace the CNAME with the key record: {}",
                    wanted_record(name, spec)
                ),
            });
        findings.push(finding);
    }
}

/// A CNAME chain from `name` that was not followed to its end: it loops
/// (`cname-loop`, naming the loop) or is too long (`cname-chain-too-long`,
/// naming the last name reached).
fn chain_broken(name: &str, why: &ChainBreak, spec: &SelectorSpec) -> Finding {
    let wanted = wanted_record(name, spec);
    let (code, message, fix) = match why {
        ChainBreak::Loop(names) => (
            Code::CnameLoop,
            format!(
                "the CNAME chain comes back to a name it already visited: {}",
                names.join(" → ")
            ),
            "point one of these CNAMEs at the name that holds the key record",
        ),
        ChainBreak::TooLong { last, target } => (
            Code::CnameChainTooLong,
            format!(
                "the CNAME chain from {name} has more than {MAX_CNAME_HOPS} CNAMEs: {last}, the last name followed, points on to {target}"
            ),
            "point the CNAME straight at the name that holds the key record (verifiers follow only a few CNAMEs)",
        ),
    };
    let fix = match &spec.expected_target {
        Some(_) => format!("replace the CNAME at {name} with: {wanted}"),
        None => format!("{fix}, or replace the CNAME at {name} with the key record: {wanted}"),
    };
    Finding::new(code, name, message).with_fix(fix)
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
        // Follow the chain, one hop at a time, as far as the one chain
        // rule lets it go.
        let mut chain = CnameChain::new(&name);
        let (mut next, mut reached, mut broken) = (Some(target), None, None);
        while let Some(target) = next.take() {
            if let Err(why) = chain.follow(&target) {
                broken = Some(why);
                break;
            }
            let at = snapshot(&**dns, &target).await;
            next = at.cname_target().map(str::to_string);
            reached = Some(at);
        }
        report.cname_chain = chain.targets().to_vec();
        if let Some(why) = broken {
            findings.push(chain_broken(&name, &why, &spec));
        } else if let Some(current) = reached {
            judge_chain_end(
                &name,
                &current,
                explained,
                &spec,
                &mut findings,
                &mut report,
            );
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
                    &name,
                    format!("a TXT record is published where a CNAME to {target} is expected"),
                )
                .with_fix(format!(
                    "delete the TXT record and publish: {}",
                    wanted_record(&name, &spec)
                )),
            );
        }
    } else if matches!(owner.txt, Answer::Refused) || matches!(owner.cname, Answer::Refused) {
        report.status = SelectorStatus::Refused;
        findings.push(dns_failure(&name, &Answer::<()>::Refused, zone).0);
    } else if owner.txt.is_failure() && owner.cname.is_failure() {
        let (finding, trouble) = dns_failure(&name, &owner.txt, zone);
        report.status = SelectorStatus::DnsTrouble;
        debug_assert!(trouble);
        findings.push(finding);
    } else if owner.txt.is_failure() {
        findings.push(
            Finding::new(
                Code::TxtServfail,
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
