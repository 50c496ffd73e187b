//! `diagnose --ses-identity`: the records SES's own output names, checked
//! as if given with `--token` / `--verification-token`, and SES's status
//! explained against what DNS shows now.

use super::{SelectorOrigin, SelectorReport, SelectorSpec, SelectorStatus};
use crate::diagnosis::checks::{self, Identity};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::ses::{Origin, SesIdentity, Shape, Status};

/// The selectors and verification token the documents name: each Easy
/// DKIM token as `--token` would give it (CNAME into `target_host`), each
/// BYODKIM selector as `--selector` would, and the `_amazonses` token.
pub fn ses_expectations(
    docs: &[SesIdentity],
    target_host: &str,
) -> (Vec<SelectorSpec>, Option<String>) {
    let mut specs: Vec<SelectorSpec> = Vec::new();
    let mut verification = None;
    for doc in docs {
        for token in &doc.tokens {
            let spec = if doc.is_byodkim() {
                SelectorSpec::new(token, SelectorOrigin::SesIdentity)
            } else {
                SelectorSpec::token(token, target_host, SelectorOrigin::SesIdentity)
            };
            if !specs.iter().any(|s| s.selector == spec.selector) {
                specs.push(spec);
            }
        }
        if verification.is_none() {
            verification = doc.verification_token.clone();
        }
    }
    (specs, verification)
}

/// How output names a document's SES: its region when known, else the
/// input it came from.
fn where_(doc: &SesIdentity) -> String {
    match doc.region() {
        Some(region) => format!("SES in {region} ({})", doc.label()),
        None => format!("SES ({})", doc.label()),
    }
}

/// Whether a document says anything about DKIM (not only verification).
fn has_dkim(doc: &SesIdentity) -> bool {
    !matches!(doc.shape, Shape::V1VerificationAttributes)
}

/// SES's statuses explained against `selectors` (the reports of the
/// checked names).
/// `earlier` holds the findings so far, where a `verification-missing`
/// says the `_amazonses` TXT is not what SES wants.
pub fn judge_ses(
    docs: &[SesIdentity],
    domain: &str,
    selectors: &[SelectorReport],
    earlier: &[Finding],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let report_of = |token: &str| selectors.iter().find(|s| s.selector == *token);
    for doc in docs.iter().filter(|d| has_dkim(d)) {
        let identity = doc.identity.clone().unwrap_or_else(|| domain.to_string());
        let at = where_(doc);
        let broken: Vec<String> = doc
            .tokens
            .iter()
            .filter_map(|t| {
                let report = report_of(t)?;
                if report.status == SelectorStatus::Ok {
                    return None;
                }
                let codes: Vec<&str> = report.codes.iter().map(|c| c.as_str()).collect();
                Some(if codes.is_empty() {
                    report.name.clone()
                } else {
                    format!("{} ({})", report.name, codes.join(", "))
                })
            })
            .collect();
        let what = if doc.is_byodkim() {
            "the key record"
        } else {
            "the CNAMEs"
        };
        let republish = format!("publish {what} as the fixes above give them");
        if doc.is_address {
            // An address identity's tokens are its domain's; the domain's
            // documents explain them.
            continue;
        }
        let started = !doc.tokens.is_empty() && doc.status != Some(Status::NotStarted);
        if doc.signing_enabled == Some(false) && started {
            let fix = match doc.shape {
                Shape::Sesv2Identity => format!(
                    "aws sesv2 put-email-identity-dkim-attributes --email-identity {identity} --signing-enabled"
                ),
                _ => format!(
                    "aws ses set-identity-dkim-enabled --identity {identity} --dkim-enabled"
                ),
            };
            let records = if broken.is_empty() && !doc.tokens.is_empty() {
                "the records are in place, but "
            } else {
                ""
            };
            findings.push(
                Finding::new(
                    Code::SesSigningDisabled,
                    &identity,
                    format!(
                        "{at}: {records}DKIM signing is off for {identity}, so SES does not sign its mail with d={domain}"
                    ),
                )
                .with_fix(fix),
            );
        }
        let listed = broken.join(", ");
        let (count, is, them) = (
            format!("{} of its {} records", broken.len(), doc.tokens.len()),
            if broken.len() == 1 { "is" } else { "are" },
            if broken.len() == 1 { "it" } else { "them" },
        );
        match doc.status {
            Some(Status::Pending) if broken.is_empty() => findings.push(
                Finding::new(
                    Code::SesPending,
                    &identity,
                    format!(
                        "{at} reports PENDING, and {what} are published and correct as seen from here: SES has not looked since, or sees other name servers"
                    ),
                )
                .with_severity(Severity::Info)
                .with_fix(
                    "wait: SES keeps looking for up to 72 hours; if it stays PENDING, check that the NS records at the parent zone name the servers that hold these records",
                ),
            ),
            Some(Status::Pending) => findings.push(
                Finding::new(
                    Code::SesPending,
                    &identity,
                    format!(
                        "{at} reports PENDING: {count} {is} missing or wrong here too, so SES cannot see {them}: {listed}"
                    ),
                )
                .with_severity(Severity::Error)
                .with_fix(format!(
                    "{republish}; SES keeps looking for up to 72 hours after the set-up started"
                )),
            ),
            Some(Status::Success) if !broken.is_empty() => findings.push(
                Finding::new(
                    Code::SesRecordsChanged,
                    &identity,
                    format!(
                        "{at} reported SUCCESS, but {count} {is} now missing or changed: {listed}; when SES next looks it moves to TEMPORARY_FAILURE, then FAILED, and stops signing"
                    ),
                )
                .with_fix(format!("{republish} before SES looks again")),
            ),
            Some(Status::Failed) => {
                let (message, fix) = if broken.is_empty() {
                    (
                        format!(
                            "{at} reports FAILED: it could not find the records and stopped looking; they are in place now"
                        ),
                        restart(doc, &identity),
                    )
                } else {
                    (
                        format!(
                            "{at} reports FAILED: it could not find the records and stopped looking; {count} {is} still missing or wrong: {listed}"
                        ),
                        format!("{republish}, then {}", restart(doc, &identity)),
                    )
                };
                findings.push(Finding::new(Code::SesFailed, &identity, message).with_fix(fix));
            }
            Some(Status::TemporaryFailure) => {
                let finding = if broken.is_empty() {
                    Finding::new(
                        Code::SesTemporaryFailure,
                        &identity,
                        format!(
                            "{at} reports TEMPORARY_FAILURE, but the records look right from here: SES may have met a DNS failure (a name server that failed or timed out)"
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_fix(
                        "make sure every authoritative server answers (compared here unless --no-ns-check); SES keeps checking by itself",
                    )
                } else {
                    Finding::new(
                        Code::SesTemporaryFailure,
                        &identity,
                        format!(
                            "{at} reports TEMPORARY_FAILURE: {count} {is} missing or changed here: {listed}; unless SES finds them again it moves to FAILED and stops signing"
                        ),
                    )
                    .with_fix(format!("{republish}; SES keeps checking while the status is TEMPORARY_FAILURE"))
                };
                findings.push(finding);
            }
            Some(Status::NotStarted) => findings.push(
                Finding::new(
                    Code::SesNotStarted,
                    &identity,
                    format!("{at} reports NOT_STARTED: DKIM verification was never started for {identity}"),
                )
                .with_fix(format!(
                    "start it: aws sesv2 put-email-identity-dkim-signing-attributes --email-identity {identity} --signing-attributes-origin AWS_SES, then publish the tokens it returns"
                )),
            ),
            _ => {}
        }
        if let Some(bits) = doc.current_key_bits {
            for token in &doc.tokens {
                let Some(published) = report_of(token)
                    .and_then(|r| r.key.as_ref())
                    .and_then(|k| k.bits)
                else {
                    continue;
                };
                if published == bits {
                    continue;
                }
                let name = format!("{token}._domainkey.{domain}");
                let mut finding = Finding::new(
                    Code::SesKeyLength,
                    &name,
                    format!(
                        "{at} signs with a {bits}-bit key (CurrentSigningKeyLength), but the key published at {name} is {published}-bit"
                    ),
                );
                finding = if doc.is_byodkim() {
                    finding.with_severity(Severity::Error).with_fix(
                        "publish the public half of the private key given to SES (dkimctl records DOMAIN --ses-identity FILE --key KEY writes it)",
                    )
                } else {
                    finding.with_fix(
                        "a key rotation is under way, or the CNAMEs point at another identity's keys: compare the CNAME targets with the tokens",
                    )
                };
                findings.push(finding);
            }
        }
    }
    for doc in docs.iter().filter(|d| !has_dkim(d)) {
        findings.extend(verification_status(doc, domain, earlier));
    }
    findings.extend(compare_regions(docs, domain));
    findings.extend(address_identities(docs, domain));
    findings
}

/// The domain-verification status of `aws ses
/// get-identity-verification-attributes`, against the `_amazonses` TXT.
fn verification_status(doc: &SesIdentity, domain: &str, earlier: &[Finding]) -> Option<Finding> {
    if doc.is_address || doc.verification_token.is_none() {
        return None;
    }
    let name = format!("_amazonses.{domain}");
    let at = where_(doc);
    let missing = earlier
        .iter()
        .any(|f| f.code == Code::VerificationMissing && f.subject == name);
    let fix = "publish the TXT record the verification-missing fix gives";
    let finding = match (doc.verification_status?, missing) {
        (Status::Pending, false) => Finding::new(
            Code::SesPending,
            &name,
            format!(
                "{at} reports domain verification PENDING, and {name} holds its token as seen from here: SES has not looked since"
            ),
        )
        .with_severity(Severity::Info)
        .with_fix("wait: SES keeps looking for up to 72 hours"),
        (Status::Pending, true) => Finding::new(
            Code::SesPending,
            &name,
            format!("{at} reports domain verification PENDING: {name} does not hold its token (verification-missing)"),
        )
        .with_severity(Severity::Error)
        .with_fix(fix),
        (Status::Success, true) => Finding::new(
            Code::SesRecordsChanged,
            &name,
            format!("{at} reported domain verification SUCCESS, but {name} no longer holds its token (verification-missing)"),
        )
        .with_fix(fix),
        (Status::Failed, missing) => Finding::new(
            Code::SesFailed,
            &name,
            format!(
                "{at} reports domain verification FAILED: it stopped looking; {}",
                if missing { "the token is still not published (verification-missing)" } else { "the token is published now" }
            ),
        )
        .with_fix(format!("{}restart the verification of {domain} in SES", if missing { "publish the TXT record, then " } else { "" })),
        (Status::TemporaryFailure, true) => Finding::new(
            Code::SesTemporaryFailure,
            &name,
            format!("{at} reports domain verification TEMPORARY_FAILURE: {name} does not hold its token (verification-missing)"),
        )
        .with_fix(fix),
        _ => return None,
    };
    Some(finding)
}

/// The fix for a FAILED identity: have SES look again.
fn restart(doc: &SesIdentity, identity: &str) -> String {
    match doc.origin {
        Some(Origin::External) => format!(
            "restart verification: aws sesv2 put-email-identity-dkim-signing-attributes --email-identity {identity} --signing-attributes-origin EXTERNAL --signing-attributes DomainSigningSelector=SELECTOR,DomainSigningPrivateKey=KEY"
        ),
        _ => format!(
            "have SES look again: restart DKIM verification for {identity} in the SES console (if it issues new tokens, publish those: dkimctl records {identity} --ses-identity FILE)"
        ),
    }
}

/// Two documents of the domain identity (two regions, or two accounts):
/// one without the set-up, or each with its own tokens.
fn compare_regions(docs: &[SesIdentity], domain: &str) -> Vec<Finding> {
    let domain_docs: Vec<&SesIdentity> = docs
        .iter()
        .filter(|d| has_dkim(d) && !d.is_address && d.shape != Shape::V1VerifyDomainDkim)
        .collect();
    if domain_docs.len() < 2 {
        return Vec::new();
    }
    let set_up = |d: &SesIdentity| {
        !d.tokens.is_empty()
            && d.status != Some(Status::NotStarted)
            && d.signing_enabled != Some(false)
    };
    let mut findings = Vec::new();
    let Some(good) = domain_docs.iter().find(|d| set_up(d)) else {
        return findings;
    };
    for doc in &domain_docs {
        if !set_up(doc) {
            let why = if doc.status == Some(Status::NotStarted) {
                "not started it (NOT_STARTED)"
            } else if doc.tokens.is_empty() {
                "no DKIM tokens"
            } else {
                "signing off"
            };
            findings.push(
                Finding::new(
                    Code::SesRegionsDiffer,
                    domain,
                    format!(
                        "{} has DKIM set up for {domain}, but {} has {why}: mail sent through the second is not signed with d={domain}",
                        where_(good),
                        where_(doc)
                    ),
                )
                .with_fix(format!(
                    "set up DKIM for {domain} in every region that sends its mail (each Easy DKIM region has its own three tokens to publish)"
                )),
            );
        }
    }
    let mut sets: Vec<&&SesIdentity> = domain_docs.iter().filter(|d| set_up(d)).collect();
    sets.dedup_by(|a, b| {
        let mut x = a.tokens.clone();
        let mut y = b.tokens.clone();
        x.sort();
        y.sort();
        x == y
    });
    if sets.len() > 1 {
        let all: usize = sets.iter().map(|d| d.tokens.len()).sum();
        let labels: Vec<String> = sets.iter().map(|d| where_(d)).collect();
        findings.push(
            Finding::new(
                Code::SesRegionsDiffer,
                domain,
                format!(
                    "{} each hold their own tokens for {domain}: all {all} records must stay published, and each set was checked above",
                    labels.join(" and ")
                ),
            )
            .with_severity(Severity::Info)
            .with_fix(
                "keep every set published; to share one set across regions, use Deterministic Easy DKIM (SigningAttributesOrigin AWS_SES_<REGION>)",
            ),
        );
    }
    findings
}

/// An address identity beside its domain: which one governs its mail, in
/// the words of `identity-override`.
fn address_identities(docs: &[SesIdentity], domain: &str) -> Vec<Finding> {
    let mut identities: Vec<Identity> = Vec::new();
    for doc in docs.iter().filter(|d| has_dkim(d)) {
        let Some(name) = &doc.identity else { continue };
        if !identities.iter().any(|i| i.name == *name) {
            identities.push(Identity {
                name: name.clone(),
                dkim: doc.signing_enabled.unwrap_or(true),
            });
        }
    }
    let mut findings = Vec::new();
    for address in identities.iter().filter(|i| i.name.contains('@')) {
        findings.extend(checks::check_identity(&address.name, domain, &identities));
    }
    findings
}
