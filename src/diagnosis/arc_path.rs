//! Where along the path a message changed, read from its ARC chain. Each
//! hop's ARC-Message-Signature records the message as that hop passed it
//! on, so the oldest hop whose signature no longer matches tells which
//! later hop changed it, and DKIM's own forensics tells how (a footer, a
//! re-encoding, a subject tag). With each hop's recorded results, this
//! says whether a receiver can still use the first hop's DKIM result.

use crate::arc::ChainStatus;
use crate::arc::validate::ChainVerdict;
use crate::diagnosis::finding::{Code, Finding};
use crate::diagnosis::forensics::{self, BodyChange, HeaderChange};
use crate::dkim::message::Header;
use crate::dkim::verify::{Reason, Verifier};
use serde::Serialize;

/// The chain, validated down to the oldest pass, with the path explained.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// The validation verdict (with `oldest_pass`).
    #[serde(flatten)]
    pub verdict: ChainVerdict,
    /// Every hop, oldest first.
    pub hops: Vec<Hop>,
    /// The path in sentences, oldest hop first.
    pub story: Vec<String>,
}

/// One hop: what it recorded, and what changed after it signed.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// Its instance.
    pub instance: u32,
    /// Its authserv-id, from its ARC-Authentication-Results.
    pub authserv_id: Option<String>,
    /// The dkim= results it recorded, as written.
    pub dkim_results: Vec<String>,
    /// How the body differs from what this hop signed, when it does.
    pub body_change: Option<BodyChange>,
    /// How the signed fields differ, when the body does not but the
    /// signature fails.
    pub header_change: Option<HeaderChange>,
}

/// Explains `verdict` (validated with `oldest_pass`): `body` is the body
/// as it is now, when it was small enough to read back.
pub fn explain(
    header: &Header,
    verdict: ChainVerdict,
    body: Option<&[u8]>,
    verifier: &Verifier<'_>,
) -> (ChainReport, Vec<Finding>) {
    let mut hops = Vec::new();
    for set in &verdict.sets {
        let ams = &set.message_signature;
        let mut hop = Hop {
            instance: set.instance,
            authserv_id: set.authserv_id.clone(),
            dkim_results: set
                .results
                .iter()
                .filter(|r| r.to_ascii_lowercase().starts_with("dkim="))
                .cloned()
                .collect(),
            body_change: None,
            header_change: None,
        };
        if let Some(sig) = &ams.signature {
            match &ams.reason {
                Some(Reason::BodyHashMismatch) => {
                    hop.body_change = Some(match body {
                        Some(body) => forensics::explain_body_mismatch(header, body, sig),
                        None => BodyChange::NotExamined {
                            limit: crate::diagnosis::inspect::FORENSICS_BODY.bytes,
                        },
                    });
                }
                Some(Reason::SignatureMismatch) => {
                    if let (Ok(record), Some(field)) =
                        (verifier.key(sig), header.field(set.fields[1]))
                    {
                        let unsigned = crate::dkim::verify::unsigned_signature_field(&field);
                        hop.header_change = Some(forensics::explain_signature_mismatch(
                            header,
                            sig,
                            &unsigned,
                            &record.key,
                        ));
                    }
                }
                _ => {}
            }
        }
        hops.push(hop);
    }
    let (story, findings) = tell(&verdict, &hops);
    (
        ChainReport {
            verdict,
            hops,
            story,
        },
        findings,
    )
}

/// A hop named for people: `lists.example.org (hop 2)`.
fn hop_name(hop: &Hop) -> String {
    match &hop.authserv_id {
        Some(id) => format!("{id} (hop {})", hop.instance),
        None => format!("hop {}", hop.instance),
    }
}

fn tell(verdict: &ChainVerdict, hops: &[Hop]) -> (Vec<String>, Vec<Finding>) {
    let mut story = Vec::new();
    let mut findings = Vec::new();
    for hop in hops {
        for result in &hop.dkim_results {
            story.push(format!("{} recorded {result}", hop_name(hop)));
        }
    }
    if verdict.cv == ChainStatus::Fail {
        let reason = verdict
            .reason
            .as_ref()
            .map_or_else(|| "it is broken".to_string(), |r| r.describe());
        story.push(format!(
            "the chain fails (cv=fail): {reason}; no hop's results can be relied on"
        ));
        if let Some(reason) = &verdict.reason {
            findings.push(
                Finding::new(reason.code(), "ARC chain", format!("cv=fail: {}", reason.describe()))
                    .with_fix(match verdict.instance {
                        Some(i) if i as usize == hops.len() => {
                            "the message changed after the last ARC hop sealed it, or that hop's key or seal is wrong: look at what changed below"
                        }
                        _ => "a hop broke the chain; the receiver can use the recorded results of no hop",
                    }),
            );
        }
    }
    // Earlier body changes: each AMS's bh= is the body as that hop passed
    // it on, so a bh= unlike the previous hop's (same c=) is a change made
    // there. The newest change is explained below, against the body now.
    let explained = verdict.oldest_pass.filter(|&o| o > 1);
    for pair in verdict.sets.windows(2) {
        let (Some(before), Some(after)) = (
            &pair[0].message_signature.signature,
            &pair[1].message_signature.signature,
        ) else {
            continue;
        };
        let comparable = before.body_canon == after.body_canon
            && before.algorithm.hash() == after.algorithm.hash();
        if comparable && before.body_hash != after.body_hash && Some(pair[1].instance) != explained
        {
            let name = |instance: u32| hops.iter().find(|h| h.instance == instance).map(hop_name);
            story.push(format!(
                "{} changed the body after {} passed it on (their bh= differ)",
                name(pair[1].instance).unwrap_or_default(),
                name(pair[0].instance).unwrap_or_default()
            ));
        }
    }
    // Where the message changed last: the hop after the newest one whose
    // signature no longer matches.
    if let Some(oldest) = explained {
        let before = &hops[oldest as usize - 2];
        let changer = &hops[oldest as usize - 1];
        let how = before
            .body_change
            .as_ref()
            .map(BodyChange::sentence)
            .or_else(|| before.header_change.as_ref().map(HeaderChange::sentence))
            .unwrap_or_else(|| "the message no longer matches what the earlier hop signed".into());
        story.push(format!(
            "{} changed the message after {} signed it: {how}",
            hop_name(changer),
            hop_name(before)
        ));
        findings.push(
            Finding::new(
                Code::ArcChangedInTransit,
                format!("ARC i={}", changer.instance),
                format!("{} changed the message: {how}", hop_name(changer)),
            )
            .with_fix(format!(
                "nothing to do if you trust {}: the chain vouches for what it saw before the change",
                hop_name(changer)
            )),
        );
    }
    if verdict.cv == ChainStatus::Pass {
        match verdict.oldest_pass {
            Some(1) => story.push(format!(
                "the chain is intact (cv=pass) and the message is as hop 1 signed it: {}'s results stand",
                hop_name(&hops[0])
            )),
            Some(oldest) => {
                let trusted: Vec<String> =
                    hops[oldest as usize - 1..].iter().map(hop_name).collect();
                story.push(format!(
                    "the chain is intact (cv=pass), so a receiver that trusts {} can use the results of {}",
                    trusted.join(" and "),
                    hop_name(&hops[oldest as usize - 2])
                ));
            }
            None => story.push("the chain is intact (cv=pass)".into()),
        }
    }
    (story, findings)
}
