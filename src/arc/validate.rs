//! Chain validation (RFC 8617 §5.2): the chain's shape, the newest
//! ARC-Message-Signature, then every ARC-Seal from the newest down. Keys
//! and signature checks are the DKIM verifier's, so an AMS is judged
//! exactly as a DKIM-Signature is.
//!
//! The cost is what the RFC needs: one body hash per distinct (c=, a=, l=)
//! among the AMSs, the newest AMS and every seal. Older AMSs (the
//! "oldest pass", §5.2 step 5, which says where along the path the message
//! changed) are checked only when asked; their body hashes are compared
//! in any case, which costs nothing more.

use crate::arc::chain::{self, ArcSet, StructureError};
use crate::arc::fields::{AuthResults, FieldKind, MessageSignature, Seal};
use crate::arc::{ChainStatus, MAX_INSTANCE};
use crate::diagnosis::finding::Code;
use crate::dkim::canon::{self, BodyDigest, BodyHasher, Canonicalization};
use crate::dkim::message::{Header, MessageError};
use crate::dkim::signature::Signature;
use crate::dkim::verify::{Reason, ResultClass, Verifier, Warning, unsigned_signature_field};
use serde::Serialize;
use std::io::Read;
use std::sync::Arc;

/// What to check beyond the chain status.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    /// Check every older AMS too, to find the oldest instance whose AMS
    /// still validates.
    pub oldest_pass: bool,
}

/// The outcome of one signature check within the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// It verifies.
    Pass,
    /// It does not.
    Fail,
    /// The chain's status was decided without it.
    NotChecked,
}

/// One ARC-Seal's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealVerdict {
    /// The check.
    pub result: Check,
    /// cv= as the seal says it.
    pub cv: Option<ChainStatus>,
    /// d=
    pub domain: Option<String>,
    /// s=
    pub selector: Option<String>,
    /// Why it failed.
    pub reason: Option<Reason>,
    /// Notes that do not change the result.
    pub warnings: Vec<Warning>,
}

/// One ARC-Message-Signature's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageSignatureVerdict {
    /// The check.
    pub result: Check,
    /// d=
    pub domain: Option<String>,
    /// s=
    pub selector: Option<String>,
    /// Whether bh= matches the body as it is now (`None`: unreadable AMS).
    pub body_hash_matches: Option<bool>,
    /// Why it failed.
    pub reason: Option<Reason>,
    /// Notes that do not change the result.
    pub warnings: Vec<Warning>,
    /// The signature as parsed, for forensics.
    #[serde(skip)]
    pub signature: Option<Arc<Signature>>,
}

/// One ARC set as validation saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetVerdict {
    /// i=
    pub instance: u32,
    /// The hop that recorded the results (its authserv-id).
    pub authserv_id: Option<String>,
    /// The results it recorded.
    pub results: Vec<String>,
    /// Its seal.
    pub seal: SealVerdict,
    /// Its message signature.
    pub message_signature: MessageSignatureVerdict,
    /// Header indices of its fields (AAR, AMS, AS).
    #[serde(skip)]
    pub fields: [usize; 3],
}

/// Why a chain fails, and at which instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The shape is broken (§5.2 steps 1-3).
    Structure(StructureError),
    /// An ARC-Message-Signature does not validate (step 4).
    MessageSignature {
        /// Its instance.
        instance: u32,
        /// Why.
        reason: Reason,
    },
    /// An ARC-Seal does not validate (step 6).
    Seal {
        /// Its instance.
        instance: u32,
        /// Why.
        reason: Reason,
    },
}

impl Failure {
    /// The instance at fault, where there is one.
    pub fn instance(&self) -> Option<u32> {
        match self {
            Failure::Structure(
                StructureError::SealedFail { instance }
                | StructureError::Missing { instance, .. }
                | StructureError::Duplicate { instance, .. }
                | StructureError::WrongStatus { instance, .. },
            ) => Some(*instance),
            Failure::Structure(_) => None,
            Failure::MessageSignature { instance, .. } | Failure::Seal { instance, .. } => {
                Some(*instance)
            }
        }
    }

    /// The finding code.
    pub fn code(&self) -> Code {
        match self {
            Failure::Structure(StructureError::SealedFail { .. }) => Code::ArcSealedFail,
            Failure::Structure(_) => Code::ArcStructure,
            Failure::MessageSignature { reason, .. } | Failure::Seal { reason, .. } => {
                reason.code()
            }
        }
    }

    /// A sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Failure::Structure(error) => error.to_string(),
            Failure::MessageSignature { instance, reason } => {
                format!(
                    "the ARC-Message-Signature of i={instance} does not validate: {}",
                    reason.describe()
                )
            }
            Failure::Seal { instance, reason } => format!(
                "the ARC-Seal of i={instance} does not validate: {}",
                reason.describe()
            ),
        }
    }

    /// Whether DNS trouble, not the message, decided the failure: asking
    /// again later may give another answer.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Failure::MessageSignature {
                reason: Reason::Dns { .. },
                ..
            } | Failure::Seal {
                reason: Reason::Dns { .. },
                ..
            }
        )
    }
}

impl Serialize for Failure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::dkim::verify::serialize_coded(serializer, self.code(), &self.describe())
    }
}

/// The chain's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainVerdict {
    /// The chain validation status.
    pub cv: ChainStatus,
    /// Why it fails.
    pub reason: Option<Failure>,
    /// The instance at fault.
    pub instance: Option<u32>,
    /// The oldest instance whose AMS still validates, every newer one
    /// validating too (asked with [`ValidateOptions::oldest_pass`], on a
    /// chain that passes). 1 means the message is as the first hop sealed it.
    pub oldest_pass: Option<u32>,
    /// Every set, oldest first (none when the shape is broken).
    pub sets: Vec<SetVerdict>,
}

impl ChainVerdict {
    fn fails(mut self, failure: Failure) -> ChainVerdict {
        self.cv = ChainStatus::Fail;
        self.instance = failure.instance();
        self.reason = Some(failure);
        self.oldest_pass = None;
        self
    }
}

/// The parsed fields of one set, or why each does not parse.
struct ParsedSet {
    set: ArcSet,
    seal: Result<Seal, Reason>,
    message_signature: Result<MessageSignature, Reason>,
    hasher: Option<usize>,
}

/// Validates the ARC chain of a message whose header is parsed and whose
/// body is `body`, streaming the body once.
pub fn validate(
    verifier: &Verifier<'_>,
    header: &Header,
    body: &mut dyn Read,
    options: ValidateOptions,
) -> std::io::Result<ChainVerdict> {
    validate_with(verifier, header, options, |hashers| {
        crate::dkim::message::stream_body(body, |chunk| {
            hashers.iter_mut().for_each(|h| h.update(chunk))
        })
    })
}

/// Validates the ARC chain of an in-memory message.
pub fn validate_message(
    verifier: &Verifier<'_>,
    raw: &[u8],
    options: ValidateOptions,
) -> Result<ChainVerdict, MessageError> {
    let (header, body) = crate::dkim::message::split(raw)?;
    let verdict = validate_with(verifier, &header, options, |hashers| {
        hashers.iter_mut().for_each(|h| h.update(body));
        Ok(())
    });
    // Hashing a slice cannot fail.
    Ok(verdict.expect("hashing a slice does not fail"))
}

fn validate_with(
    verifier: &Verifier<'_>,
    header: &Header,
    options: ValidateOptions,
    feed_body: impl FnOnce(&mut [BodyHasher]) -> std::io::Result<()>,
) -> std::io::Result<ChainVerdict> {
    let mut verdict = ChainVerdict {
        cv: ChainStatus::None,
        reason: None,
        instance: None,
        oldest_pass: None,
        sets: Vec::new(),
    };
    let sets = match chain::collect(header) {
        Ok(sets) if sets.is_empty() => return Ok(verdict),
        Ok(sets) => sets,
        Err(error) => return Ok(verdict.fails(Failure::Structure(error))),
    };
    debug_assert!(sets.len() <= MAX_INSTANCE as usize);
    let value = |index: usize| header.field(index).map_or(&[][..], |f| f.value);

    // Parse every set; one body hasher per distinct (c=, a=, l=).
    let mut hasher_keys = Vec::new();
    let mut hashers = Vec::new();
    let parsed: Vec<ParsedSet> = sets
        .iter()
        .map(|set| {
            let seal = Seal::parse(value(set.seal)).map_err(|error| Reason::Signature { error });
            let message_signature = MessageSignature::parse(value(set.message_signature))
                .map_err(|error| Reason::Signature { error });
            let hasher = message_signature.as_ref().ok().map(|ams| {
                let sig = &ams.signature;
                let key = (sig.body_canon, sig.algorithm.hash(), sig.body_length);
                hasher_keys
                    .iter()
                    .position(|k| *k == key)
                    .unwrap_or_else(|| {
                        hasher_keys.push(key);
                        hashers.push(BodyHasher::new(key.0, key.1, key.2));
                        hashers.len() - 1
                    })
            });
            ParsedSet {
                set: *set,
                seal,
                message_signature,
                hasher,
            }
        })
        .collect();
    if !hashers.is_empty() {
        feed_body(&mut hashers)?;
    }
    let digests: Vec<BodyDigest> = hashers.into_iter().map(BodyHasher::finish_both).collect();

    verdict.sets = parsed
        .iter()
        .map(|p| describe_set(header, p, &digests))
        .collect();
    let newest = parsed.len();

    // Step 3.3: the seals' cv= in their places. A seal that does not
    // parse fails as a seal, where it stands.
    for (position, p) in parsed.iter().enumerate() {
        match &p.seal {
            Ok(seal) => {
                if let Err(error) =
                    chain::check_statuses(std::iter::once((p.set.instance, seal.cv)))
                {
                    return Ok(verdict.fails(Failure::Structure(error)));
                }
            }
            Err(reason) => {
                let failure = Failure::Seal {
                    instance: p.set.instance,
                    reason: reason.clone(),
                };
                return Ok(mark_seal_failed(verdict, position, failure));
            }
        }
    }

    // Step 4: the newest AMS; step 5 (when asked): the older ones.
    let to_check = if options.oldest_pass { newest } else { 1 };
    let mut oldest_pass = newest as u32;
    for position in (newest - to_check..newest).rev() {
        let p = &parsed[position];
        let outcome = check_message_signature(verifier, header, p, &digests);
        let ams = &mut verdict.sets[position].message_signature;
        match outcome {
            Ok(warnings) => {
                ams.result = Check::Pass;
                ams.warnings = warnings;
                oldest_pass = p.set.instance;
            }
            Err(reason) => {
                ams.result = Check::Fail;
                ams.reason = Some(reason.clone());
                if position + 1 == newest {
                    let instance = p.set.instance;
                    return Ok(verdict.fails(Failure::MessageSignature { instance, reason }));
                }
                break;
            }
        }
    }

    // Step 6: every seal, newest first.
    for position in (0..newest).rev() {
        let p = &parsed[position];
        let Ok(seal) = &p.seal else {
            unreachable!("unparsed seals failed above")
        };
        let mut data = Vec::with_capacity(4096);
        for (n, earlier) in parsed[..=position].iter().enumerate() {
            for kind in FieldKind::ALL {
                let Some(field) = header.field(earlier.set.field(kind)) else {
                    continue;
                };
                if n == position && kind == FieldKind::Seal {
                    let unsigned = unsigned_signature_field(&field);
                    canon::canonicalize_signature_field(
                        Canonicalization::Relaxed,
                        &unsigned,
                        &mut data,
                    );
                } else {
                    canon::canonicalize_header(Canonicalization::Relaxed, &field, &mut data);
                }
            }
        }
        let outcome = verifier.check_data(&seal.key_name(), seal.algorithm, &data, &seal.signature);
        let verdict_seal = &mut verdict.sets[position].seal;
        match outcome {
            Ok(warnings) => {
                verdict_seal.result = Check::Pass;
                verdict_seal.warnings = warnings;
            }
            Err((_, reason)) => {
                let failure = Failure::Seal {
                    instance: p.set.instance,
                    reason,
                };
                return Ok(mark_seal_failed(verdict, position, failure));
            }
        }
    }
    if options.oldest_pass {
        verdict.oldest_pass = Some(oldest_pass);
    }
    verdict.cv = ChainStatus::Pass;
    Ok(verdict)
}

/// The chain fails at the seal in `position`.
fn mark_seal_failed(mut verdict: ChainVerdict, position: usize, failure: Failure) -> ChainVerdict {
    if let (Some(set), Failure::Seal { reason, .. }) = (verdict.sets.get_mut(position), &failure) {
        set.seal.result = Check::Fail;
        set.seal.reason = Some(reason.clone());
    }
    verdict.fails(failure)
}

/// A set's verdict before any signature is checked: what its fields say,
/// and whether each AMS's bh= matches the body as it is now.
fn describe_set(header: &Header, p: &ParsedSet, digests: &[BodyDigest]) -> SetVerdict {
    let aar = header
        .field(p.set.auth_results)
        .and_then(|f| AuthResults::parse(f.value).ok());
    let (seal_domain, seal_selector, cv) = match &p.seal {
        Ok(seal) => (
            Some(seal.domain.clone()),
            Some(seal.selector.clone()),
            Some(seal.cv),
        ),
        Err(_) => (None, None, None),
    };
    let (ams_domain, ams_selector, body_hash_matches, signature) = match &p.message_signature {
        Ok(ams) => {
            let digest = p.hasher.map(|h| &digests[h]);
            (
                Some(ams.signature.domain.clone()),
                Some(ams.signature.selector.clone()),
                digest.map(|d| d.hash == ams.signature.body_hash),
                Some(Arc::new(ams.signature.clone())),
            )
        }
        Err(_) => (None, None, None, None),
    };
    SetVerdict {
        instance: p.set.instance,
        authserv_id: aar.as_ref().map(|a| a.authserv_id.clone()),
        results: aar.map(|a| a.results).unwrap_or_default(),
        seal: SealVerdict {
            result: Check::NotChecked,
            cv,
            domain: seal_domain,
            selector: seal_selector,
            reason: None,
            warnings: Vec::new(),
        },
        message_signature: MessageSignatureVerdict {
            result: Check::NotChecked,
            domain: ams_domain,
            selector: ams_selector,
            body_hash_matches,
            reason: None,
            warnings: Vec::new(),
            signature,
        },
        fields: [p.set.auth_results, p.set.message_signature, p.set.seal],
    }
}

/// One AMS, checked as the DKIM verifier checks a DKIM-Signature.
fn check_message_signature(
    verifier: &Verifier<'_>,
    header: &Header,
    p: &ParsedSet,
    digests: &[BodyDigest],
) -> Result<Vec<Warning>, Reason> {
    let ams = p.message_signature.as_ref().map_err(Clone::clone)?;
    let field = header
        .field(p.set.message_signature)
        .expect("collected fields exist");
    let digest = &digests[p.hasher.expect("a parsed AMS has a hasher")];
    verifier
        .check_signature(
            header,
            &ams.signature,
            &unsigned_signature_field(&field),
            digest,
        )
        .map_err(|(_, reason): (ResultClass, Reason)| reason)
}

/// DKIM verification and ARC validation of one message in one pass over
/// the body: what `verify` and `inspect` report side by side. Without ARC
/// fields the chain is cv=none at no cost.
pub fn verify_with_chain(
    verifier: &Verifier<'_>,
    header: &Header,
    body: &mut dyn Read,
    options: ValidateOptions,
) -> std::io::Result<(Vec<crate::dkim::verify::Verdict>, ChainVerdict)> {
    let mut chain = None;
    let verdicts = verifier.verify_with(header, |dkim_hashers| {
        let mut fed = false;
        chain = Some(validate_with(verifier, header, options, |arc_hashers| {
            fed = true;
            crate::dkim::message::stream_body(body, |chunk| {
                dkim_hashers.iter_mut().for_each(|h| h.update(chunk));
                arc_hashers.iter_mut().for_each(|h| h.update(chunk));
            })
        })?);
        // No AMS to hash for: the body goes to the DKIM hashes alone.
        if !fed {
            crate::dkim::message::stream_body(body, |chunk| {
                dkim_hashers.iter_mut().for_each(|h| h.update(chunk))
            })?;
        }
        Ok(())
    })?;
    let chain = match chain {
        Some(chain) => chain,
        // No DKIM-Signature, so the body was not fed: validate on its own.
        None => validate(verifier, header, body, options)?,
    };
    Ok((verdicts, chain))
}
