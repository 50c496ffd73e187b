//! Each authoritative server asked directly and compared with the others:
//! a server behind on the SOA serial, or answering differently, is how a
//! half-propagated change shows.

use super::NameServerReport;
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dns::{self, DnsFailure, NameServer, RData, RecordType};

/// What one server said to one question, as servers are compared: the
/// records of the type (sorted; empty for no data) or the failure, and
/// `None` without an answer (a timeout, a network error).
pub(super) type Said = Option<Result<Vec<RData>, DnsFailure>>;

pub(super) fn said(
    result: Result<dns::Answer, DnsFailure>,
    name: &str,
    record_type: RecordType,
) -> Said {
    match result {
        Ok(answer) => {
            let mut records: Vec<RData> = answer
                .reached(name, record_type)
                .into_iter()
                .cloned()
                .collect();
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
pub(super) fn describe_said(cname: &Said, txt: &Said) -> String {
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
                    RData::Txt(strings) => Some(crate::dns::join_txt(strings)),
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
pub(super) async fn compare_name_servers(
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
                let serial =
                    match soa.await {
                        Ok(Ok(answer)) => answer
                            .reached(&zone, RecordType::Soa)
                            .into_iter()
                            .find_map(|data| match data {
                                RData::Soa { serial } => Some(*serial),
                                _ => None,
                            }),
                        _ => None,
                    };
                let mut answers: Vec<(Said, Said)> = Vec::new();
                for (name, (cname, txt)) in names.iter().zip(pairs) {
                    let (cname, txt) = (cname.await, txt.await);
                    answers.push((
                        cname.ok().and_then(|r| said(r, name, RecordType::Cname)),
                        txt.ok().and_then(|r| said(r, name, RecordType::Txt)),
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
                host,
                message,
            ).with_severity(if differs.is_empty() { Severity::Warning } else { Severity::Error })
            .with_fix(format!(
                "make {host} load the current zone (check NOTIFY and zone transfers from the primary); every server must serve {zone} at serial {newest}"
            )),
        );
    }
    (reports, findings)
}

/// Whether serial `a` is older than `b` (RFC 1982 sequence arithmetic).
pub(super) fn serial_behind(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}
