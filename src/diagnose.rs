//! `diagnose`: a domain's DKIM set-up read from live DNS and judged. Each
//! name is fetched into a [`RecordSnapshot`] (CNAME and TXT asked for
//! separately, concurrently) and the catalogue in [`crate::checks`] says
//! what is wrong with it and what to publish instead.
//!
//! The queries of all selectors run at once (tokio tasks over one
//! hickory resolver), so one domain with three selectors costs about one
//! round trip when the records are where they belong; a missing record
//! costs one more (the wrong places it is looked for), a CNAME one more
//! per hop. The zone's NS set is asked in the first round too (guessing
//! the domain is the apex), and each authoritative server directly
//! (RD=0) in the second, beside the selectors' second round.

use crate::checks::{self, Answer, KeySummary, RecordSnapshot};
use crate::finding::{Code, Finding, Severity};
use crate::key_source::DnsOptions;
use crate::records::quote_txt;
use hickory_proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use serde::Serialize;

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
    /// Compare the zone's authoritative servers, asked directly; `None` skips it.
    pub authoritative: Option<AuthoritativeCheck>,
    /// A sender address and the verified identities: which one governs it
    /// (`identity-override`).
    pub sender: Option<(String, Vec<checks::Identity>)>,
}

/// How to reach the zone's authoritative servers directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthoritativeCheck {
    /// The port they listen on (53 in real life).
    pub port: u16,
    /// Time allowed for one query.
    pub timeout: std::time::Duration,
    /// Retries after the first try.
    pub retries: usize,
}

/// What one authoritative server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameServerReport {
    /// Its host name (from the NS set).
    pub host: String,
    /// The address asked.
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

/// Answers DNS questions for [`diagnose`] through one hickory resolver.
#[derive(Clone)]
pub struct Resolver {
    inner: TokioResolver,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl Resolver {
    /// A resolver asking the system's servers or `options.nameserver`.
    /// Must be called inside a tokio runtime.
    pub fn new(options: &DnsOptions) -> Result<Resolver, crate::Error> {
        Ok(Resolver {
            inner: crate::key_source::build_resolver(options)?,
        })
    }

    /// The records of `record_type` owned by `name` itself.
    async fn ask(&self, name: &str, record_type: RecordType) -> Answer<RData> {
        use hickory_proto::op::ResponseCode;
        use hickory_resolver::net::{DnsError, NetError};
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.inner.lookup(fqdn.as_str(), record_type).await {
            Ok(lookup) => {
                let owner = fqdn.to_ascii_lowercase();
                let records: Vec<RData> = lookup
                    .answers()
                    .iter()
                    .filter(|r| {
                        r.record_type() == record_type
                            && r.name.to_string().to_ascii_lowercase() == owner
                    })
                    .map(|r| r.data.clone())
                    .collect();
                if records.is_empty() {
                    Answer::NoData
                } else {
                    Answer::Records(records)
                }
            }
            Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => {
                if nr.response_code == ResponseCode::NXDomain {
                    Answer::NxDomain
                } else {
                    Answer::NoData
                }
            }
            Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail))) => Answer::ServFail,
            Err(NetError::Timeout) => Answer::Timeout,
            Err(e) => Answer::Failed(e.to_string()),
        }
    }

    /// CNAME and TXT at `name`, asked concurrently.
    pub async fn snapshot(&self, name: &str) -> RecordSnapshot {
        let (cname, txt) = tokio::join!(
            self.ask(name, RecordType::CNAME),
            self.ask(name, RecordType::TXT)
        );
        let cname = map_answer(cname, |data| match data {
            RData::CNAME(target) => Some(
                target
                    .0
                    .to_string()
                    .trim_end_matches('.')
                    .to_ascii_lowercase(),
            ),
            _ => None,
        });
        let txt = map_answer(txt, |data| match data {
            RData::TXT(txt) => Some(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
            _ => None,
        });
        RecordSnapshot {
            name: name.trim_end_matches('.').to_ascii_lowercase(),
            cname,
            txt,
        }
    }

    /// The zone `name` is in: the owner of the SOA its SOA query returns
    /// (answer or authority section).
    pub async fn zone_of(&self, name: &str) -> Option<String> {
        use hickory_resolver::net::{DnsError, NetError};
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let clean = |n: String| n.trim_end_matches('.').to_ascii_lowercase();
        match self.inner.lookup(fqdn.as_str(), RecordType::SOA).await {
            Ok(lookup) => lookup
                .answers()
                .iter()
                .find(|r| r.record_type() == RecordType::SOA)
                .map(|r| clean(r.name.to_string())),
            Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => {
                nr.soa.map(|soa| clean(soa.name.to_string()))
            }
            Err(_) => None,
        }
    }
}

impl Resolver {
    /// The NS set of `zone` with each host's addresses (A and AAAA), as
    /// `(host, address:port)` pairs, sorted by host.
    pub async fn name_servers(&self, zone: &str, port: u16) -> Vec<(String, std::net::SocketAddr)> {
        let fqdn = format!("{}.", zone.trim_end_matches('.'));
        let Ok(lookup) = self.inner.lookup(fqdn.as_str(), RecordType::NS).await else {
            return Vec::new();
        };
        let clean = |n: String| n.trim_end_matches('.').to_ascii_lowercase();
        let hosts: Vec<String> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::NS(ns) => Some(clean(ns.0.to_string())),
                _ => None,
            })
            .collect();
        // Glue (the additional section) saves a round trip.
        let glue = |host: &str| -> Vec<std::net::IpAddr> {
            lookup
                .additionals()
                .iter()
                .filter(|r| clean(r.name.to_string()) == host)
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(std::net::IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(std::net::IpAddr::V6(a.0)),
                    _ => None,
                })
                .collect()
        };
        let tasks: Vec<_> = hosts
            .iter()
            .map(|host| {
                let (r, h, known) = (self.clone(), host.clone(), glue(host));
                tokio::spawn(async move {
                    if !known.is_empty() {
                        return known;
                    }
                    let (a, aaaa) =
                        tokio::join!(r.ask(&h, RecordType::A), r.ask(&h, RecordType::AAAA));
                    let mut ips = Vec::new();
                    for data in a.records().iter().chain(aaaa.records()) {
                        match data {
                            RData::A(a) => ips.push(std::net::IpAddr::V4(a.0)),
                            RData::AAAA(a) => ips.push(std::net::IpAddr::V6(a.0)),
                            _ => {}
                        }
                    }
                    ips
                })
            })
            .collect();
        let mut out = Vec::new();
        for (host, task) in hosts.into_iter().zip(tasks) {
            for ip in task.await.unwrap_or_default() {
                out.push((host.clone(), std::net::SocketAddr::new(ip, port)));
            }
        }
        out.sort();
        out
    }
}

/// One question asked of one server directly (RD=0, over UDP): the
/// response code and the answer records as text, or `None` without an answer.
async fn ask_directly(
    server: std::net::SocketAddr,
    name: &str,
    record_type: RecordType,
    check: AuthoritativeCheck,
) -> Option<(hickory_proto::op::ResponseCode, Vec<String>)> {
    use hickory_proto::op::{Message, Query};
    let name =
        hickory_proto::rr::Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).ok()?;
    let mut query = Message::query();
    query.metadata.recursion_desired = false;
    query.add_query(Query::query(name, record_type));
    let bytes = query.to_vec().ok()?;
    let local: std::net::SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = tokio::net::UdpSocket::bind(local).await.ok()?;
    socket.connect(server).await.ok()?;
    let mut buf = vec![0u8; 65535];
    for _ in 0..=check.retries {
        socket.send(&bytes).await.ok()?;
        let deadline = tokio::time::Instant::now() + check.timeout;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Ok(Ok(n)) => {
                    let Ok(answer) = Message::from_vec(&buf[..n]) else {
                        continue;
                    };
                    if answer.metadata.id != query.metadata.id {
                        continue;
                    }
                    let mut records: Vec<String> = answer
                        .answers
                        .iter()
                        .filter(|r| r.record_type() == record_type)
                        .map(|r| r.data.to_string())
                        .collect();
                    records.sort();
                    return Some((answer.metadata.response_code, records));
                }
                Ok(Err(_)) => return None,
                Err(_) => break,
            }
        }
    }
    None
}

/// A direct answer: response code and records as text; `None` without one.
type DirectAnswer = Option<(hickory_proto::op::ResponseCode, Vec<String>)>;

/// Asks every authoritative server for the zone's SOA and for CNAME and
/// TXT at `names`, and reports each server that is behind (a lower SOA
/// serial) or answers differently from the others.
async fn compare_name_servers(
    zone: &str,
    servers: &[(String, std::net::SocketAddr)],
    names: &[String],
    check: AuthoritativeCheck,
) -> (Vec<NameServerReport>, Vec<Finding>) {
    let tasks: Vec<_> = servers
        .iter()
        .map(|(_, addr)| {
            let (addr, zone, names) = (*addr, zone.to_string(), names.to_vec());
            tokio::spawn(async move {
                let soa =
                    tokio::spawn(
                        async move { ask_directly(addr, &zone, RecordType::SOA, check).await },
                    );
                let mut asks = Vec::new();
                for name in names {
                    for rt in [RecordType::CNAME, RecordType::TXT] {
                        let n = name.clone();
                        asks.push(tokio::spawn(async move {
                            ask_directly(addr, &n, rt, check).await
                        }));
                    }
                }
                let serial = soa.await.ok().flatten().and_then(|(_, records)| {
                    records
                        .first()
                        .and_then(|r| r.split_whitespace().nth(2)?.parse::<u32>().ok())
                });
                let mut answers = Vec::new();
                for task in asks {
                    answers.push(task.await.ok().flatten());
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
        .map(|((host, addr), (serial, _))| NameServerReport {
            host: host.clone(),
            address: addr.to_string(),
            serial: *serial,
        })
        .collect();
    let mut findings = Vec::new();
    let newest = results
        .iter()
        .filter_map(|(serial, _)| *serial)
        .reduce(|a, b| if serial_behind(a, b) { b } else { a });
    // A name's (CNAME, TXT) answers in a few words.
    let describe = |cname: &DirectAnswer, txt: &DirectAnswer| -> String {
        use hickory_proto::op::ResponseCode;
        if let Some((_, records)) = cname
            && let Some(target) = records.first()
        {
            return format!("CNAME {target}");
        }
        match txt {
            None => "no answer".into(),
            Some((ResponseCode::NXDomain, _)) => "NXDOMAIN".into(),
            Some((ResponseCode::NoError, records)) if records.is_empty() => "no data".into(),
            Some((ResponseCode::NoError, records)) => {
                let text: String = records.join(" | ");
                if text.chars().count() > 40 {
                    format!("TXT {}...", text.chars().take(40).collect::<String>())
                } else {
                    format!("TXT {text}")
                }
            }
            Some((code, _)) => code.to_str().to_string(),
        }
    };
    for (i, ((host, addr), (serial, answers))) in servers.iter().zip(&results).enumerate() {
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
            for (k, name) in names.iter().enumerate() {
                let get = |v: &Vec<DirectAnswer>, t: usize| v.get(k * 2 + t).cloned().flatten();
                let (mine, others) = (
                    (get(answers, 0), get(answers, 1)),
                    (get(theirs, 0), get(theirs, 1)),
                );
                let answered = mine.1.is_some() && others.1.is_some();
                if answered && mine != others {
                    differs.push(format!(
                        "{name}: {} here, {} on the others",
                        describe(&mine.0, &mine.1),
                        describe(&others.0, &others.1)
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

fn map_answer<T>(answer: Answer<RData>, f: impl Fn(&RData) -> Option<T>) -> Answer<T> {
    match answer {
        Answer::Records(records) => {
            let out: Vec<T> = records.iter().filter_map(f).collect();
            if out.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(out)
            }
        }
        Answer::NxDomain => Answer::NxDomain,
        Answer::NoData => Answer::NoData,
        Answer::ServFail => Answer::ServFail,
        Answer::Timeout => Answer::Timeout,
        Answer::Failed(d) => Answer::Failed(d),
    }
}

/// Diagnoses one domain: every selector concurrently, then the wrong places
/// for missing records, CNAME chains and the verification TXT.
pub async fn diagnose(resolver: &Resolver, options: &DiagnoseOptions) -> DiagnoseReport {
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
        let (r, d) = (resolver.clone(), domain.clone());
        tokio::spawn(async move { r.zone_of(&d).await })
    };
    let owner_tasks: Vec<_> = specs
        .iter()
        .map(|spec| {
            let r = resolver.clone();
            let name = format!("{}._domainkey.{domain}", spec.selector);
            tokio::spawn(async move { r.snapshot(&name).await })
        })
        .collect();
    // The NS set, guessing the domain is the zone apex (it usually is).
    let ns_guess = options.authoritative.map(|check| {
        let (r, d) = (resolver.clone(), domain.clone());
        tokio::spawn(async move { r.name_servers(&d, check.port).await })
    });
    let verification_task = options.verification_token.as_ref().map(|_| {
        let (r, d) = (resolver.clone(), domain.clone());
        tokio::spawn(async move {
            let underscore = format!("_amazonses.{d}");
            tokio::join!(r.snapshot(&underscore), r.snapshot(&d))
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
    let ns_task = options.authoritative.map(|check| {
        let (r, z, d) = (resolver.clone(), apex.clone(), domain.clone());
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
                _ => r.name_servers(&z, check.port).await,
            };
            if servers.is_empty() {
                return None;
            }
            Some(compare_name_servers(&z, &servers, &names, check).await)
        })
    });
    let selector_tasks: Vec<_> = specs
        .into_iter()
        .zip(owners)
        .map(|(spec, owner)| {
            let (r, d, z) = (resolver.clone(), domain.clone(), apex.clone());
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
    resolver: &Resolver,
    domains: &[String],
    template: &DiagnoseOptions,
    concurrency: usize,
    done: &dyn Fn(),
) -> Vec<DiagnoseReport> {
    let mut results: Vec<Option<DiagnoseReport>> = vec![None; domains.len()];
    let mut running = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < domains.len() || !running.is_empty() {
        while next < domains.len() && running.len() < concurrency.max(1) {
            let (r, mut options, i) = (resolver.clone(), template.clone(), next);
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
    resolver: &Resolver,
    spec: SelectorSpec,
    owner: Option<RecordSnapshot>,
    domain: &str,
    zone: &str,
) -> (SelectorReport, Vec<Finding>) {
    let name = format!("{}._domainkey.{domain}", spec.selector);
    let owner = match owner {
        Some(owner) => owner,
        None => resolver.snapshot(&name).await,
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
        let mut current = resolver.snapshot(&target).await;
        report.cname_chain.push(target);
        while let Some(next) = current.cname_target().map(str::to_string) {
            if report.cname_chain.len() >= 8 || report.cname_chain.contains(&next) {
                break;
            }
            current = resolver.snapshot(&next).await;
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
                let (r, n) = (resolver.clone(), m.name.clone());
                tokio::spawn(async move { r.snapshot(&n).await })
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
    let (header, _) = crate::message::split(raw).map_err(crate::Error::Message)?;
    let mut out = Vec::new();
    for field in header.fields() {
        if !field.is("DKIM-Signature") {
            continue;
        }
        // A damaged signature may still name its selector; take d=/s= from
        // the tag list alone.
        let Ok(tags) = crate::tag_list::TagList::parse(field.value) else {
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
