//! Sealing (RFC 8617 §5.1): the next hop's ARC set, instance N+1, on top
//! of the message: its authentication results, a message signature (the
//! DKIM signing rules, c=relaxed/relaxed) and a seal over every set with
//! the cv= the incoming chain earned. A failed chain's seal covers only
//! its own set (§5.1.2); a chain whose newest seal already says cv=fail is
//! not extended (§5.1 step 1).
//!
//! The fields are written in the ARC test suite's standard layout: tags in
//! alphabetical order, exactly "; " between them, folded only at those
//! spaces. Under relaxed canonicalization (the only one a seal uses) a fold
//! there is the same text as no fold, so other sealers' output with that
//! layout and ours sign the same bytes.

use crate::arc::chain::{self, StructureError};
use crate::arc::fields::FieldKind;
use crate::arc::{ChainStatus, MAX_INSTANCE};
use crate::dkim::algorithm::HashAlgorithm;
use crate::dkim::canon::{self, BodyHasher, Canonicalization};
use crate::dkim::message::Header;
use crate::dkim::sign::{Signed, hash_body, signed_header_list};
use crate::key::crypto::SigningKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::io::Read;
use std::sync::Arc;
use thiserror::Error;

/// The sealing host and its key.
#[derive(Debug, Clone)]
pub struct SealOptions {
    /// d= of the new AMS and AS.
    pub domain: String,
    /// s= of both.
    pub selector: String,
    /// The private key; its type decides a=.
    pub key: Arc<SigningKey>,
    /// The host's authserv-id, written in the new AAR.
    pub authserv_id: String,
    /// The AMS h=; `None` signs the present DKIM default fields.
    pub headers: Option<Vec<String>>,
}

/// What the sealing host found on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The incoming chain's status: the new seal's cv=.
    pub cv: ChainStatus,
    /// The results the new AAR records (`dkim=pass header.d=...`,
    /// `arc=pass`, ...), in order.
    pub results: Vec<String>,
}

impl Assessment {
    /// What the sealing host `authserv_id` recorded in its own
    /// Authentication-Results fields, when they include an `arc=` result;
    /// `None` when they do not (the sealer must then validate the chain
    /// itself, [`Assessment::own`]).
    pub fn recorded(header: &Header, authserv_id: &str) -> Option<Assessment> {
        let results = crate::arc::results::recorded_by(header, authserv_id);
        let cv = crate::arc::results::arc_status(&results)?;
        Some(Assessment { cv, results })
    }

    /// The assessment from dkimctl's own checks: the chain's status, and
    /// the host's recorded results (or, when it recorded none, each DKIM
    /// signature's verdict), with `arc=` first. A chain that failed only
    /// for DNS trouble is not assessed: sealed, cv=fail would be final.
    pub fn own(
        header: &Header,
        authserv_id: &str,
        chain: &crate::arc::validate::ChainVerdict,
        dkim: &[crate::dkim::verify::Verdict],
    ) -> Result<Assessment, SealError> {
        if let Some(reason) = chain.reason.as_ref().filter(|r| r.is_temporary()) {
            return Err(SealError::Undecided {
                why: reason.describe(),
            });
        }
        let mut results = vec![format!("arc={}", chain.cv.as_str())];
        let recorded = crate::arc::results::recorded_by(header, authserv_id);
        if !recorded.is_empty() {
            results.extend(recorded);
        } else if dkim.is_empty() {
            results.push("dkim=none".into());
        } else {
            results.extend(dkim.iter().map(dkim_result));
        }
        Ok(Assessment {
            cv: chain.cv,
            results,
        })
    }
}

/// A DKIM verdict as an RFC 8601 result: `dkim=pass header.d=example.com
/// header.s=s1 header.b=AbCdEfGh` (the first 8 characters of b=, which
/// tell signatures by one signer apart, RFC 6008).
fn dkim_result(verdict: &crate::dkim::verify::Verdict) -> String {
    let mut result = format!("dkim={}", verdict.result.as_str());
    // Only a signature that parses has a d= and s= known to be names.
    if let Some(sig) = &verdict.signature {
        let b = BASE64.encode(&sig.signature);
        result.push_str(&format!(
            " header.d={} header.s={} header.b={}",
            sig.domain,
            sig.selector,
            &b[..b.len().min(8)]
        ));
    }
    result
}

/// Why a message cannot be sealed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SealError {
    /// The newest seal already says cv=fail: nothing more to vouch for.
    #[error(
        "the newest ARC-Seal (i={instance}) already says cv=fail; a failed chain is not extended (RFC 8617 §5.1)"
    )]
    AlreadyFailed {
        /// Its instance.
        instance: u32,
    },
    /// The chain has its 50 sets.
    #[error("the message already carries {MAX_INSTANCE} ARC sets, as many as a chain may have")]
    ChainFull,
    /// The assessed status contradicts the chain on the message.
    #[error("cv={cv} cannot be sealed: {why}", cv = .cv.as_str())]
    StatusContradicts {
        /// The status given.
        cv: ChainStatus,
        /// What the message shows.
        why: String,
    },
    /// DNS trouble kept the incoming chain from being validated.
    #[error("the incoming chain could not be validated ({why}); try again later")]
    Undecided {
        /// What failed.
        why: String,
    },
    /// h= would list ARC-Seal (RFC 8617 §4.1.2).
    #[error("an ARC-Message-Signature must not sign ARC-Seal fields (RFC 8617 §4.1.2)")]
    SignsSeal,
}

/// The AAR, AMS and AS of the next instance, topmost first, ready to be
/// prepended; and what to write after the body (see [`crate::dkim::sign`]).
pub fn seal(
    header: &Header,
    body: &mut dyn Read,
    options: &SealOptions,
    assessment: &Assessment,
    now: u64,
) -> Result<Signed, crate::Error> {
    if let Some(defect) = header.defects().first() {
        return Err(defect.error.clone().into());
    }
    let chain = match chain::collect(header) {
        Err(StructureError::SealedFail { instance }) => {
            return Err(SealError::AlreadyFailed { instance }.into());
        }
        other => other,
    };
    let instance = chain::next_instance(header);
    if instance > MAX_INSTANCE {
        return Err(SealError::ChainFull.into());
    }
    let cv = assessment.cv;
    let contradiction = |why: String| Err(SealError::StatusContradicts { cv, why }.into());
    // The sets the new seal covers, before its own.
    let earlier = match (&chain, cv) {
        (_, ChainStatus::Fail) => Vec::new(),
        (Ok(sets), ChainStatus::None) if sets.is_empty() => Vec::new(),
        (Ok(sets), ChainStatus::None) => {
            return contradiction(format!("the message carries {} ARC sets", sets.len()));
        }
        (Ok(sets), ChainStatus::Pass) if sets.is_empty() => {
            return contradiction("the message carries no ARC set".into());
        }
        (Ok(sets), ChainStatus::Pass) => sets.clone(),
        (Err(error), _) => return contradiction(error.to_string()),
    };
    let headers = signed_header_list(header, options.headers.as_deref(), &[])?;
    if headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case(FieldKind::Seal.name()))
    {
        return Err(SealError::SignsSeal.into());
    }

    let eol_bytes = header.line_ending().as_bytes();
    let eol = std::str::from_utf8(eol_bytes).unwrap_or("\r\n");
    let mut hasher = BodyHasher::new(Canonicalization::Relaxed, HashAlgorithm::Sha256, None);
    let body_end = hash_body(body, &mut hasher, eol_bytes)?;
    let (body_hash, _) = hasher.finish();

    let algorithm = options.key.algorithm().as_str();
    let common = |b: &str| {
        vec![
            ("a", algorithm.to_string()),
            ("b", b.to_string()),
            ("d", options.domain.clone()),
            ("i", instance.to_string()),
            ("s", options.selector.clone()),
            ("t", now.to_string()),
        ]
    };

    // The AAR.
    let mut aar_parts = vec![format!("i={instance}"), options.authserv_id.clone()];
    if assessment.results.is_empty() {
        aar_parts.push("none".into());
    }
    aar_parts.extend(assessment.results.iter().cloned());
    let aar = Field::new(FieldKind::AuthResults, aar_parts);

    // The AMS: DKIM's header hash, over h= and the field itself.
    let ams_tags = |b: &str| {
        let mut tags = common(b);
        tags.push(("bh", BASE64.encode(&body_hash)));
        tags.push(("c", "relaxed/relaxed".into()));
        tags.push(("h", headers.join(":")));
        tags
    };
    let mut data = Vec::with_capacity(2048);
    canon::canonicalize_signed_fields(Canonicalization::Relaxed, header, &headers, &mut data);
    Field::tagged(FieldKind::MessageSignature, ams_tags("")).canonical_unsigned(&mut data);
    let signature = BASE64.encode(options.key.sign(&data)?);
    let ams = Field::tagged(FieldKind::MessageSignature, ams_tags(&signature));

    // The AS: every earlier set, then the new one, itself without b=.
    let seal_tags = |b: &str| {
        let mut tags = common(b);
        tags.push(("cv", cv.as_str().to_string()));
        tags
    };
    data.clear();
    for set in &earlier {
        for kind in FieldKind::ALL {
            if let Some(field) = header.field(set.field(kind)) {
                canon::canonicalize_header(Canonicalization::Relaxed, &field, &mut data);
            }
        }
    }
    aar.canonical(&mut data);
    ams.canonical(&mut data);
    Field::tagged(FieldKind::Seal, seal_tags("")).canonical_unsigned(&mut data);
    let signature = BASE64.encode(options.key.sign(&data)?);
    let seal = Field::tagged(FieldKind::Seal, seal_tags(&signature));

    Ok(Signed {
        fields: [seal, ams, aar]
            .iter()
            .map(|f| f.folded(eol).into_bytes())
            .collect(),
        body_end,
    })
}

/// A new ARC field: its name and the parts of its value, which are joined
/// with "; ".
struct Field {
    kind: FieldKind,
    parts: Vec<String>,
}

impl Field {
    fn new(kind: FieldKind, parts: Vec<String>) -> Field {
        Field { kind, parts }
    }

    /// A tag list in alphabetical order of tag names.
    fn tagged(kind: FieldKind, mut tags: Vec<(&str, String)>) -> Field {
        tags.sort_by(|a, b| a.0.cmp(b.0));
        Field::new(
            kind,
            tags.into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect(),
        )
    }

    /// The field on one line, without line ending.
    fn unfolded(&self) -> String {
        format!("{}: {}", self.kind.name(), self.parts.join("; "))
    }

    /// The field folded before a part that would pass column 78, ending
    /// in `eol`.
    fn folded(&self, eol: &str) -> String {
        let mut out = format!("{}: ", self.kind.name());
        let mut column = out.len();
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                out.push(';');
                column += 1;
                if column + 1 + part.len() > 78 {
                    out.push_str(eol);
                    column = 0;
                }
                out.push(' ');
                column += 1;
            }
            out.push_str(part);
            column += part.len();
        }
        out.push_str(eol);
        out
    }

    /// Appends the relaxed canonical form of the whole field.
    fn canonical(&self, out: &mut Vec<u8>) {
        self.canonical_unsigned(out);
        out.extend_from_slice(b"\r\n");
    }

    /// Appends the relaxed canonical form without the final CRLF: how a
    /// signature field is hashed last.
    fn canonical_unsigned(&self, out: &mut Vec<u8>) {
        canon::canonicalize_signature_field(
            Canonicalization::Relaxed,
            self.unfolded().as_bytes(),
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_only_at_the_spaces_between_parts() {
        let field = Field::tagged(
            FieldKind::Seal,
            vec![
                ("t", "12345".into()),
                ("b", "x".repeat(100)),
                ("a", "rsa-sha256".into()),
                ("cv", "none".into()),
            ],
        );
        assert_eq!(
            field.folded("\r\n"),
            format!(
                "ARC-Seal: a=rsa-sha256;\r\n b={};\r\n cv=none; t=12345\r\n",
                "x".repeat(100)
            )
        );
        let mut folded = Vec::new();
        let text = field.folded("\r\n");
        let (header, _) = crate::dkim::message::split(format!("{text}\r\n").as_bytes()).unwrap();
        canon::canonicalize_header(
            Canonicalization::Relaxed,
            &header.field(0).unwrap(),
            &mut folded,
        );
        let mut flat = Vec::new();
        field.canonical(&mut flat);
        assert_eq!(folded, flat);
    }
}
