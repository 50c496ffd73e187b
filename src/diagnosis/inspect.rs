//! `inspect`: every DKIM-Signature of a message explained: its tags in
//! words, the signed fields, the verdict and why, alignment with the From
//! domain, provider signatures, what earlier verifiers reported, and, when
//! the body hash or signature fails, what changed ([`crate::diagnosis::forensics`]).

use crate::arc::ChainStatus;
use crate::arc::validate::{ValidateOptions, verify_with_chain};
use crate::diagnosis::align::{self, Alignment, FromDomain, FromProblem, Provider};
use crate::diagnosis::arc_path::{self, ChainReport};
use crate::diagnosis::auth_results::{self, ReportedResult};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::diagnosis::forensics::{self, BodyChange, HeaderChange};
use crate::dkim::canon::{self, Canonicalization};
use crate::dkim::key_source::KeySource;
use crate::dkim::message::Header;
use crate::dkim::record::RecordError;
use crate::dkim::signature::{self, Signature, SignatureError};
use crate::dkim::tag_list::TagList;
use crate::dkim::verify::{
    Reason, ResultClass, Summary, Verdict, Verifier, VerifyOptions, Warning, summarize,
};
use crate::input::Limit;
use serde::Serialize;
use std::io::{BufReader, Read, Seek, SeekFrom};

/// Everything inspect found about one message.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// The From domain, when it could be determined.
    pub from: Option<FromDomain>,
    /// Why the From domain could not be determined.
    pub from_problem: Option<FromProblem>,
    /// One entry per DKIM-Signature, in header order.
    pub signatures: Vec<SignatureReport>,
    /// What earlier verifiers recorded in (ARC-)Authentication-Results.
    pub reported_results: Vec<ReportedComparison>,
    /// The findings, message-level and per signature, with fixes.
    pub findings: Vec<Finding>,
    /// The overall verdict, as `verify` gives it.
    pub summary: Summary,
    /// The ARC chain and the path it tells, when the message has ARC fields.
    pub arc: Option<ChainReport>,
}

/// One DKIM-Signature, explained.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// Position in the header (0-based), counting every field.
    pub field_index: usize,
    /// The `#N` users see: its place among the DKIM-Signature fields,
    /// from 1.
    pub number: usize,
    /// The line of the message the field starts on, from 1.
    pub line: usize,
    /// The verification outcome.
    pub verdict: Verdict,
    /// Every tag with its meaning.
    pub tags: Vec<TagExplanation>,
    /// The fields named in h=, with their state in the message now.
    pub signed_fields: Vec<SignedField>,
    /// Alignment of d= with the From domain.
    pub alignment: Option<Alignment>,
    /// The sending provider whose own signature this is.
    pub provider: Option<Provider>,
    /// What changed the body, when the body hash fails.
    pub body_change: Option<BodyChange>,
    /// What changed the signed fields or key, when b= fails.
    pub header_change: Option<HeaderChange>,
}

/// A tag and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagExplanation {
    /// Tag name.
    pub tag: String,
    /// Value as written (b= and bh= abbreviated).
    pub value: String,
    /// Meaning in words.
    pub meaning: String,
}

/// The state of a field named in h=.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldState {
    /// Every instance is signed, once each.
    Present,
    /// Signed more often than it occurs: no instance can be added.
    Oversigned,
    /// Listed but not in the message (absent when signed, or removed).
    Absent,
    /// More instances than h= covers: the extra ones are not signed.
    PartlySigned,
}

/// A field named in h=.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedField {
    /// The name as h= spells it (first spelling).
    pub name: String,
    /// How often h= names it.
    pub listed: usize,
    /// How often it occurs in the message now.
    pub present: usize,
    /// What that means.
    pub state: FieldState,
}

/// An earlier verifier's dkim= result beside ours.
#[derive(Debug, Clone, Serialize)]
pub struct ReportedComparison {
    /// What it said.
    #[serde(flatten)]
    pub reported: ReportedResult,
    /// The signature it is about (field index), when it can be matched.
    pub matches_field_index: Option<usize>,
    /// Our result for that signature.
    pub our_result: Option<ResultClass>,
    /// Whether the two disagree on pass versus not pass.
    pub disagrees: bool,
}

/// The most of a body read back into memory to explain a failed body
/// hash: beyond it the body is only streamed through the hashes, so a
/// message of any size is inspected in bounded memory.
pub const FORENSICS_BODY: Limit = Limit {
    what: "a body examined by forensics",
    bytes: 32 << 20,
};

/// Inspects an in-memory message.
pub fn inspect(
    raw: &[u8],
    source: &dyn KeySource,
    options: VerifyOptions,
) -> Result<InspectReport, crate::Error> {
    inspect_reader(std::io::Cursor::new(raw), source, options)
}

/// Inspects the message `message` holds: the header is read and kept, the
/// body streamed through the hashes, and read back (at most
/// [`FORENSICS_BODY`]) only when a body hash fails and forensics needs it.
pub fn inspect_reader(
    message: impl Read + Seek,
    source: &dyn KeySource,
    options: VerifyOptions,
) -> Result<InspectReport, crate::Error> {
    let mut reader = BufReader::with_capacity(64 * 1024, message);
    let header = Header::read_from(&mut reader)?;
    let verifier = Verifier::new(source, options);
    let (verdicts, chain) = verify_with_chain(
        &verifier,
        &header,
        &mut reader,
        ValidateOptions { oldest_pass: true },
    )?;
    let body_start = header.as_bytes().len() as u64;
    let mut body: Option<Option<Vec<u8>>> = None;
    let (from, from_problem) = match align::from_domain(&header) {
        Ok(from) => (Some(from), None),
        Err(problem) => (None, Some(problem)),
    };
    let mut findings: Vec<Finding> = header.defects().iter().map(defect_finding).collect();
    if let Some(problem) = &from_problem {
        findings.push(from_finding(problem));
    }
    let mut signatures = Vec::new();
    for (n, verdict) in verdicts.into_iter().enumerate() {
        let Some(field) = header.field(verdict.field_index) else {
            continue;
        };
        let parsed = verdict.signature.clone();
        let offset =
            (field.raw.as_ptr() as usize).saturating_sub(header.as_bytes().as_ptr() as usize);
        let line = 1 + header.as_bytes()[..offset.min(header.as_bytes().len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let mut report = SignatureReport {
            field_index: verdict.field_index,
            number: n + 1,
            line,
            tags: explain_tags(field.value),
            signed_fields: parsed
                .as_ref()
                .map(|s| signed_fields(&header, s))
                .unwrap_or_default(),
            alignment: None,
            provider: None,
            body_change: None,
            header_change: None,
            verdict,
        };
        if let Some(sig) = &parsed {
            report.alignment = from.as_ref().map(|f| align::alignment(&sig.domain, f));
            report.provider = align::provider(&sig.domain).copied();
            match report.verdict.reason {
                Some(Reason::BodyHashMismatch | Reason::LengthExceedsBody { .. }) => {
                    let body = body.get_or_insert_with(|| read_back(&mut reader, body_start));
                    report.body_change = Some(match body {
                        Some(body) => forensics::explain_body_mismatch(&header, body, sig),
                        None => BodyChange::NotExamined {
                            limit: FORENSICS_BODY.bytes,
                        },
                    });
                }
                Some(Reason::SignatureMismatch) => {
                    if let Ok(record) = verifier.key(sig) {
                        let unsigned = crate::dkim::verify::unsigned_signature_field(&field);
                        report.header_change = Some(forensics::explain_signature_mismatch(
                            &header,
                            sig,
                            &unsigned,
                            &record.key,
                        ));
                    }
                }
                _ => {}
            }
        }
        findings.extend(signature_findings(
            &report,
            parsed.as_deref(),
            from.as_ref(),
        ));
        signatures.push(report);
    }
    settle_provider_findings(&signatures, &mut findings);
    findings.extend(alignment_findings(&signatures, from.as_ref()));
    if signatures.is_empty() {
        findings.push(
            Finding::new(
                Code::NoSignature,
                "message",
                "the message has no DKIM-Signature field",
            )
            .with_fix("sign outgoing mail (dkimctl sign, or enable DKIM at your sending provider)"),
        );
    }
    let reported_results = compare_reported(&header, &signatures);
    for comparison in reported_results.iter().filter(|c| c.disagrees) {
        let r = &comparison.reported;
        let ours = comparison.our_result.map_or("?", ResultClass::as_str);
        findings.push(
            Finding::new(
                Code::ResultsDisagree,
                format!("{}: {}", r.field, r.authserv_id),
                format!(
                    "{} reported dkim={} for d={}, dkimctl says {ours}",
                    r.authserv_id,
                    r.result,
                    r.domain.as_deref().unwrap_or("?")
                ),
            )
            .with_fix(if ours == "pass" {
                "the message verifies now: it was probably changed before it reached that verifier, or its key was missing then"
            } else {
                "the message was changed after that verifier saw it (look at the forensics above), or the key has changed since"
            }),
        );
    }
    let summary = summarize(
        &signatures
            .iter()
            .map(|s| s.verdict.clone())
            .collect::<Vec<_>>(),
    );
    let arc = (chain.cv != ChainStatus::None).then(|| {
        let changed_body = chain
            .sets
            .iter()
            .any(|s| s.message_signature.body_hash_matches == Some(false));
        if changed_body && body.is_none() {
            body = Some(read_back(&mut reader, body_start));
        }
        let (report, arc_findings) = arc_path::explain(
            &header,
            chain,
            body.as_ref().and_then(Option::as_deref),
            &verifier,
        );
        findings.extend(arc_findings);
        report
    });
    Ok(InspectReport {
        from,
        from_problem,
        signatures,
        reported_results,
        findings,
        summary,
        arc,
    })
}

/// The body again, from `start`, when it fits [`FORENSICS_BODY`].
fn read_back(reader: &mut (impl Read + Seek), start: u64) -> Option<Vec<u8>> {
    reader.seek(SeekFrom::Start(start)).ok()?;
    crate::input::read_from(reader, "the body", FORENSICS_BODY).ok()
}

/// The bytes a signature's two hashes cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalForms {
    /// The signed fields and the signature's own field (b= emptied, no
    /// final CRLF), canonicalized: the input of b=.
    pub header: Vec<u8>,
    /// The canonicalized body, l= applied: the input of bh=.
    pub body: Vec<u8>,
}

/// The canonical forms of the signature at `field_index`, or `None` when
/// that field is not a usable DKIM-Signature.
pub fn canonical_forms(
    raw: &[u8],
    field_index: usize,
) -> Result<Option<CanonicalForms>, crate::Error> {
    let (header, body) = crate::dkim::message::split(raw)?;
    let Some(field) = header.field(field_index) else {
        return Ok(None);
    };
    let Ok(sig) = Signature::parse(field.value) else {
        return Ok(None);
    };
    let mut header_block = Vec::new();
    canon::canonicalize_signed_fields(
        sig.header_canon,
        &header,
        &sig.signed_headers,
        &mut header_block,
    );
    canon::canonicalize_signature_field(
        sig.header_canon,
        &crate::dkim::verify::unsigned_signature_field(&field),
        &mut header_block,
    );
    let mut body = canon::canonicalize_body(sig.body_canon, body);
    if let Some(limit) = sig.body_length {
        body.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(Some(CanonicalForms {
        header: header_block,
        body,
    }))
}

/// A header line that is not a field: said once for the message; the
/// signatures it makes undeterminable say so in their own findings.
fn defect_finding(defect: &crate::dkim::message::Defect) -> Finding {
    Finding::new(
        Code::MessageSyntax,
        "message",
        format!("{}: the message breaks RFC 5322", defect.error),
    )
    .with_fix("find what damages the header (a converter, an archive, a hand edit); each header line must be a field or its continuation")
}

fn from_finding(problem: &FromProblem) -> Finding {
    match problem {
        FromProblem::Duplicate { count } => Finding::new(
            Code::DuplicateFrom,
            "From",
            format!("the message has {count} From fields; RFC 5322 allows one, and DMARC receivers reject such mail"),
        )
        .with_fix("send a single From field; oversign From (dkimctl does by default) so none can be added"),
        FromProblem::Missing => Finding::new(Code::FromNotSigned, "From", "the message has no From field")
            .with_fix("every message needs exactly one From field"),
        FromProblem::NoAddress => Finding::new(
            Code::NotAligned,
            "From",
            "the From field holds no address, so alignment cannot be checked",
        ),
        FromProblem::SeveralDomains { domains } => Finding::new(
            Code::NotAligned,
            "From",
            format!("the From field lists addresses in several domains ({}); DMARC cannot align it", domains.join(", ")),
        ),
    }
}

/// What each verdict means as findings.
fn signature_findings(
    report: &SignatureReport,
    sig: Option<&Signature>,
    from: Option<&FromDomain>,
) -> Vec<Finding> {
    let v = &report.verdict;
    let subject = format!(
        "DKIM-Signature #{} at line {} (d={} s={})",
        report.number,
        report.line,
        v.domain.as_deref().unwrap_or("?"),
        v.selector.as_deref().unwrap_or("?")
    );
    let key_name = sig.map(Signature::key_name).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(reason) = &v.reason {
        // The verdict's code and sentence, unless forensics found more:
        // how the body changed, or that the published key is not the
        // signing one.
        let (mut code, mut message) = (reason.code(), reason.describe());
        let fix: String = match reason {
            Reason::BodyHashMismatch => match &report.body_change {
                Some(change) => {
                    message = change.sentence();
                    body_fix(change)
                }
                None => "find what rewrites the body between signer and receiver".into(),
            },
            Reason::BodyFinalLine { .. } => {
                "nothing changed the message; the signer's DKIM software reads a last line without a line break \
                 unlike RFC 6376: end the message with a line break before signing (SMTP adds one on the wire; \
                 dkimctl sign adds it), or update the signer"
                    .into()
            }
            Reason::MalformedHeader { .. } => {
                "find what breaks the header in transit or in storage: every header line must be a field \
                 (Name: value) or its continuation (starting with a space or tab)"
                    .into()
            }
            Reason::SignatureMismatch => match &report.header_change {
                Some(change @ HeaderChange::KeyMismatch { .. }) => {
                    (code, message) = (Code::KeyMismatch, change.sentence());
                    format!("publish the public key of the signing key at {key_name}, or sign with the key published there")
                }
                Some(change @ HeaderChange::SubjectTagged { .. }) => {
                    message = change.sentence();
                    "the list tags subjects: turn that off, or rely on the list's ARC seal (dkimctl arc verify)"
                        .into()
                }
                Some(change) => change.sentence(),
                None => "find what rewrites signed header fields in transit".into(),
            },
            Reason::Signature { error: SignatureError::FromNotSigned } => {
                "sign From: it is the one field RFC 6376 requires (h=from:...)".into()
            }
            Reason::Signature { .. } => "fix the signer: the DKIM-Signature field is malformed".into(),
            Reason::KeyMissing { name } => format!("publish the TXT key record at {name}"),
            Reason::KeyRecord { error: RecordError::Revoked } => {
                format!("the key at {key_name} is revoked; sign with a current selector")
            }
            Reason::KeyRecord { error: RecordError::Syntax(_) | RecordError::Version(_) | RecordError::MissingKey } => {
                format!("publish a well-formed record at {key_name}: v=DKIM1; k=rsa; p=<base64 public key>")
            }
            Reason::KeyRecord { error } if error.repaired().is_some() => crate::diagnosis::checks::zone_line(
                &key_name,
                crate::zone::text::RecordData::Txt(error.repaired().unwrap_or_default()),
            ),
            Reason::KeyRecord { .. }
            | Reason::KeyTypeMismatch { .. }
            | Reason::KeyHashMismatch
            | Reason::KeyHashUnusable { .. }
            | Reason::KeyServiceMismatch
            | Reason::StrictIdentity => format!("correct the key record at {key_name}"),
            Reason::KeyTooShort { bits } => {
                format!("replace the {bits}-bit key with a 2048-bit RSA key (dkimctl keygen) and publish it at a new selector")
            }
            Reason::Sha1 => "sign with rsa-sha256 (or ed25519-sha256)".into(),
            Reason::Expired { .. } => {
                "the signature's x= has passed; re-sign, or use a longer expiry (or none) when signing".into()
            }
            Reason::Future { .. } => "fix the signing host's clock".into(),
            Reason::LengthExceedsBody { .. } => {
                "the body was cut after signing; sign without l= and find what truncates the message".into()
            }
            Reason::Dns { .. } => format!("try again later; check that {key_name} resolves"),
            Reason::BeyondLimit => {
                "find what adds DKIM-Signature fields over and over: no real message path signs a message this often"
                    .into()
            }
        };
        // A signature that fails is an error whatever its code's default.
        let finding = Finding::new(code, subject.clone(), message)
            .with_severity(Severity::Error)
            .with_fix(fix);
        out.push(finding);
    }
    for warning in &v.warnings {
        match warning {
            Warning::LengthLimit { length, body } => out.push(
                Finding::new(
                    Code::LengthLimit,
                    subject.clone(),
                    format!("l={length} signs only the first {length} of {body} body bytes: anyone can append content"),
                )
                .with_fix("sign without l="),
            ),
            Warning::KeyTesting => out.push(
                Finding::new(Code::KeyTesting, subject.clone(), "the key record has t=y (testing): receivers may ignore this signature")
                    .with_fix(format!("remove t=y from the record at {key_name} once signing works")),
            ),
            Warning::SelectorOutsideGrammar { message } => out.push(
                Finding::new(Code::SelectorInvalid, subject.clone(), format!("{message}; it was verified all the same")).with_severity(Severity::Warning)
                    .with_fix("sign with a selector of letters, digits and hyphens when you next rotate the key"),
            ),
            _ => {}
        }
    }
    if let (Some(provider), Some(from)) = (&report.provider, from)
        && report.alignment == Some(Alignment::None)
    {
        out.push(
            Finding::new(
                Code::ProviderSignature,
                subject.clone(),
                format!(
                    "this is {}'s own signature (d={}), not yours; {}. Only a signature aligned with {} can make DMARC pass, so this one can be ignored for your domain",
                    provider.name,
                    v.domain.as_deref().unwrap_or("?"),
                    provider.note,
                    from.domain
                ),
            )
            .with_fix(format!("set up DKIM for {} at {} so a second, aligned signature is added", from.domain, provider.name)),
        );
    } else if report.alignment == Some(Alignment::None)
        && let Some(from) = from
    {
        out.push(
            Finding::new(
                Code::NotAligned,
                subject.clone(),
                format!(
                    "d={} does not align with the From domain {}: this signature cannot make DMARC pass",
                    v.domain.as_deref().unwrap_or("?"),
                    from.domain
                ),
            )
            .with_fix(format!("sign with d={} (or its organizational domain {} under relaxed alignment)", from.domain, from.organizational_domain)),
        );
    }
    out
}

/// A provider's own signature needs nothing done when an aligned
/// signature beside it passes: its fix says so instead of asking for one.
fn settle_provider_findings(signatures: &[SignatureReport], findings: &mut [Finding]) {
    let Some(aligned) = signatures.iter().find(|s| {
        s.verdict.result == ResultClass::Pass
            && matches!(s.alignment, Some(a) if a != Alignment::None)
    }) else {
        return;
    };
    for finding in findings
        .iter_mut()
        .filter(|f| f.code == Code::ProviderSignature)
    {
        finding.fix = Some(format!(
            "nothing to do: your own aligned signature (DKIM-Signature #{}, d={}) passes",
            aligned.number,
            aligned.verdict.domain.as_deref().unwrap_or("?")
        ));
    }
}

/// What to do about a body change.
fn body_fix(change: &BodyChange) -> String {
    match change {
        BodyChange::Unchanged => "nothing: the body matches".into(),
        BodyChange::OtherCanonicalization { .. } => {
            "sign with c=relaxed/relaxed, which tolerates the whitespace changes relays make".into()
        }
        BodyChange::LineEndings { .. } => {
            "find the hop that converts line endings (a gateway or a Windows/Unix copy) and keep CRLF".into()
        }
        BodyChange::TrailingWhitespace { .. } | BodyChange::TrailingBlankLines { .. } => {
            "sign with relaxed body canonicalization, or stop the relay from padding lines".into()
        }
        BodyChange::FooterAppended { .. } => {
            "the list or relay adds a footer: turn the footer off, or rely on ARC from that list; do not use l= to work around it".into()
        }
        BodyChange::Reencoded { .. } => {
            "send the body as 7bit, quoted-printable or base64 already, so relays without 8BITMIME need not re-encode it".into()
        }
        BodyChange::Rewrapped { .. } => {
            "keep lines under 78 characters or send quoted-printable, so no relay re-wraps them".into()
        }
        BodyChange::Truncated { .. } => "find what cuts the message in transit; sign without l=".into(),
        BodyChange::Unknown | BodyChange::NotExamined { .. } => "compare the canonical body (--show-canonical) with a copy taken at the signer".into(),
    }
}

/// A message-level finding when no aligned signature passes.
fn alignment_findings(signatures: &[SignatureReport], from: Option<&FromDomain>) -> Vec<Finding> {
    let Some(from) = from else { return Vec::new() };
    if signatures.is_empty() {
        return Vec::new();
    }
    let aligned_pass = signatures.iter().any(|s| {
        s.verdict.result == ResultClass::Pass
            && matches!(s.alignment, Some(Alignment::Strict | Alignment::Relaxed))
    });
    if aligned_pass {
        return Vec::new();
    }
    vec![
        Finding::new(
            Code::NotAligned,
            format!("From: {}", from.address),
            format!("no passing signature is aligned with the From domain {}, so DMARC cannot pass through DKIM", from.domain),
        ).with_severity(Severity::Error)
        .with_fix(format!("sign with d={} (or a domain under {}) and make that signature pass", from.domain, from.organizational_domain)),
    ]
}

fn signed_fields(header: &Header, sig: &Signature) -> Vec<SignedField> {
    let mut out: Vec<SignedField> = Vec::new();
    for name in &sig.signed_headers {
        match out.iter_mut().find(|f| f.name.eq_ignore_ascii_case(name)) {
            Some(field) => field.listed += 1,
            None => out.push(SignedField {
                name: name.clone(),
                listed: 1,
                present: header.fields().filter(|f| f.is(name)).count(),
                state: FieldState::Present,
            }),
        }
    }
    for field in &mut out {
        field.state = match (field.present, field.listed) {
            (0, _) => FieldState::Absent,
            (p, l) if l > p => FieldState::Oversigned,
            (p, l) if l < p => FieldState::PartlySigned,
            _ => FieldState::Present,
        };
    }
    out
}

fn compare_reported(header: &Header, signatures: &[SignatureReport]) -> Vec<ReportedComparison> {
    auth_results::reported_results(header)
        .into_iter()
        .map(|reported| {
            let matched = signatures
                .iter()
                .find(|s| matches_reported(header, s, &reported));
            let our_result = matched.map(|s| s.verdict.result);
            let disagrees = our_result
                .is_some_and(|ours| (ours == ResultClass::Pass) != (reported.result == "pass"));
            ReportedComparison {
                matches_field_index: matched.map(|s| s.field_index),
                our_result,
                disagrees,
                reported,
            }
        })
        .collect()
}

/// Matches by header.b= prefix when given, else by d= (and s= if given).
fn matches_reported(header: &Header, report: &SignatureReport, reported: &ReportedResult) -> bool {
    let v = &report.verdict;
    if let Some(prefix) = &reported.signature_prefix {
        let b = header.field(report.field_index).and_then(|f| {
            TagList::parse(f.value)
                .ok()
                .and_then(|t| t.get("b").map(crate::dkim::tag_list::strip_fws))
        });
        return b.is_some_and(|b| !prefix.is_empty() && b.starts_with(prefix.as_str()));
    }
    let domain_ok = reported
        .domain
        .as_deref()
        .is_some_and(|d| v.domain.as_deref() == Some(d));
    let selector_ok = reported
        .selector
        .as_deref()
        .is_none_or(|s| v.selector.as_deref() == Some(s));
    domain_ok && selector_ok
}

/// Every tag of a DKIM-Signature field with its meaning, in field order.
fn explain_tags(value: &[u8]) -> Vec<TagExplanation> {
    let Ok(tags) = TagList::parse(value) else {
        return Vec::new();
    };
    tags.iter()
        .map(|t| {
            let v = t.value;
            let (shown, meaning) = match t.name {
                "v" => (v.to_string(), "DKIM-Signature version".to_string()),
                "a" => (v.to_string(), algorithm_meaning(v)),
                "c" => (v.to_string(), canonicalization_meaning(v)),
                "d" => (
                    v.to_string(),
                    "signing domain: who takes responsibility".to_string(),
                ),
                "s" => (
                    v.to_string(),
                    "selector: the key is looked up at <s>._domainkey.<d>".to_string(),
                ),
                "i" => (
                    v.to_string(),
                    "agent or user identifier (must be in d=)".to_string(),
                ),
                "t" => (v.to_string(), format!("signed at {}", timestamp_meaning(v))),
                "x" => (
                    v.to_string(),
                    format!("expires at {}", timestamp_meaning(v)),
                ),
                "h" => (
                    v.to_string(),
                    format!("{} signed header fields (see below)", v.split(':').count()),
                ),
                "l" => (
                    v.to_string(),
                    format!("only the first {v} bytes of the body are signed"),
                ),
                "q" => (v.to_string(), "key lookup method (DNS TXT)".to_string()),
                "bh" => (abbreviate(v), "hash of the canonicalized body".to_string()),
                "b" => (abbreviate(v), signature_meaning(v)),
                "z" => (
                    abbreviate(v),
                    "copies of the signed fields as they were at signing".to_string(),
                ),
                _ => (
                    v.to_string(),
                    "unknown tag (ignored by verifiers)".to_string(),
                ),
            };
            TagExplanation {
                tag: t.name.to_string(),
                value: shown,
                meaning,
            }
        })
        .collect()
}

fn algorithm_meaning(a: &str) -> String {
    match signature::Algorithm::parse(a) {
        Some(signature::Algorithm::RsaSha256) => "RSA signature over a SHA-256 hash".into(),
        Some(signature::Algorithm::RsaSha1) => "RSA over SHA-1: refused since RFC 8301".into(),
        Some(signature::Algorithm::Ed25519Sha256) => {
            "Ed25519 signature over a SHA-256 hash (RFC 8463)".into()
        }
        None => "unknown algorithm".into(),
    }
}

fn canonicalization_meaning(c: &str) -> String {
    let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
    let word = |x: &str| match Canonicalization::parse(x) {
        Some(Canonicalization::Simple) => "simple (exact bytes)",
        Some(Canonicalization::Relaxed) => "relaxed (whitespace and case tolerant)",
        None => "unknown",
    };
    format!("header {}, body {}", word(h), word(b))
}

fn signature_meaning(b: &str) -> String {
    match signature::decode_base64(b) {
        Some(bytes) => format!("the signature ({} bits)", bytes.len() * 8),
        None => "the signature (not valid base64)".to_string(),
    }
}

/// First and last characters of a long base64 value.
fn abbreviate(value: &str) -> String {
    let v = crate::dkim::tag_list::strip_fws(value);
    if v.len() <= 24 {
        return v;
    }
    format!("{}…{}", &v[..12], &v[v.len() - 8..])
}

fn timestamp_meaning(value: &str) -> String {
    match value.parse::<u64>() {
        Ok(t) => format_utc(t),
        Err(_) => "(not a number)".to_string(),
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time (proleptic Gregorian).
pub fn format_utc(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for (t, s) in [
            (0, "1970-01-01 00:00:00 UTC"),
            (1_700_000_000, "2023-11-14 22:13:20 UTC"),
            (951_782_400, "2000-02-29 00:00:00 UTC"),
            (4_102_444_799, "2099-12-31 23:59:59 UTC"),
        ] {
            assert_eq!(format_utc(t), s);
        }
    }

    #[test]
    fn abbreviates_long_values() {
        assert_eq!(abbreviate("AAAA"), "AAAA");
        assert_eq!(abbreviate(&"A".repeat(100)), "AAAAAAAAAAAA…AAAAAAAA");
    }
}
