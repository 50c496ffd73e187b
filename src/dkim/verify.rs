//! Verification (RFC 6376 §6, RFC 8301, RFC 8463): every DKIM-Signature of
//! a message gets a [`Verdict`], a result class with a typed reason. The
//! body is streamed once, whatever the number of signatures.

use crate::diagnosis::finding::Code;
use crate::dkim::canon::{self, BodyDigest, BodyHasher, FinalLineReading};
use crate::dkim::key_source::{KeySource, LookupError};
use crate::dkim::message::{Header, MessageError};
use crate::dkim::record::{KeyRecord, RecordError};
use crate::dkim::selector::{SelectorRules, check_selector};
use crate::dkim::signature::{self, Algorithm, Signature, SignatureError};
use crate::key::crypto::MIN_RSA_BITS;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// How far in the future t= may be before a signature is refused: clocks
/// of sending hosts drift.
pub const CLOCK_SKEW: u64 = 300;

/// The most DKIM-Signature fields verified in one message, topmost first:
/// each can cost a DNS query and an RSA operation, and a message can carry
/// thousands. RFC 6376 §6.1 lets verifiers limit them; the rest get a
/// verdict saying they were not verified.
pub const MAX_SIGNATURES: usize = 50;

/// Policy and clock for verification.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Accept rsa-sha1 (RFC 8301 forbids it; for legacy mail only).
    pub allow_sha1: bool,
    /// Accept RSA keys under 1024 bits (RFC 8301 forbids them).
    pub allow_short_keys: bool,
    /// The time to verify at, Unix seconds.
    pub now: u64,
}

impl VerifyOptions {
    /// RFC 8301 policy at time `now`.
    pub fn strict(now: u64) -> Self {
        VerifyOptions {
            allow_sha1: false,
            allow_short_keys: false,
            now,
        }
    }
}

/// The result class of one signature (RFC 8601 dkim= values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultClass {
    /// The signature verifies.
    Pass,
    /// The signature or body hash does not match.
    Fail,
    /// The signature or its key is unusable.
    Permerror,
    /// DNS trouble kept the verifier from deciding.
    Temperror,
}

impl ResultClass {
    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultClass::Pass => "pass",
            ResultClass::Fail => "fail",
            ResultClass::Permerror => "permerror",
            ResultClass::Temperror => "temperror",
        }
    }
}

/// Why a signature did not pass. In JSON it is `{"code": word, "message":
/// sentence}`, the same word the text output shows in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The body hash does not match bh=.
    BodyHashMismatch,
    /// The body hash matches only under another reading of a last line
    /// without a line break: the message is intact, but the signer
    /// canonicalized that line differently from RFC 6376.
    BodyFinalLine {
        /// How the signer read the line.
        reading: FinalLineReading,
    },
    /// b= does not verify with the key.
    SignatureMismatch,
    /// The DKIM-Signature field is unusable.
    Signature {
        /// What is wrong with it.
        error: SignatureError,
    },
    /// No key record at the selector.
    KeyMissing {
        /// The name looked up.
        name: String,
    },
    /// The key record is unusable (revoked, malformed, ...).
    KeyRecord {
        /// What is wrong with it.
        error: RecordError,
    },
    /// The key's k= does not match the signature's a=.
    KeyTypeMismatch {
        /// k= of the record.
        key_type: String,
    },
    /// The key's h= does not allow the signature's hash.
    KeyHashMismatch,
    /// The key's h= allows no hash verifiers accept (h=sha1 alone).
    KeyHashUnusable {
        /// What is wrong, from [`KeyRecord::hash_problem`].
        problem: String,
    },
    /// The key's s= does not include email.
    KeyServiceMismatch,
    /// The key has t=s but i= is in a subdomain of d=.
    StrictIdentity,
    /// The RSA key is under 1024 bits (RFC 8301).
    KeyTooShort {
        /// Modulus size.
        bits: usize,
    },
    /// rsa-sha1 is not accepted (RFC 8301).
    Sha1,
    /// x= has passed.
    Expired {
        /// x=
        expiration: u64,
    },
    /// t= is in the future.
    Future {
        /// t=
        timestamp: u64,
    },
    /// l= is larger than the body.
    LengthExceedsBody {
        /// l=
        length: u64,
        /// The canonical body length.
        body: u64,
    },
    /// The key look-up failed temporarily.
    Dns {
        /// What failed.
        error: LookupError,
    },
    /// The signature is below the first [`MAX_SIGNATURES`] of the message,
    /// so it was not verified.
    BeyondLimit,
    /// A header line that is not a field sits next to a signed field, so
    /// what was signed cannot be determined.
    MalformedHeader {
        /// What is wrong with the line (it names the line).
        error: MessageError,
        /// The signed field just above it.
        field: String,
    },
}

/// A reason or note in JSON: `{"code", "message"}`, the code from the
/// finding catalogue.
pub(crate) fn serialize_coded<S: serde::Serializer>(
    serializer: S,
    code: Code,
    message: &str,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut state = serializer.serialize_struct("Coded", 2)?;
    state.serialize_field("code", &code)?;
    state.serialize_field("message", message)?;
    state.end()
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_coded(serializer, self.code(), &self.describe())
    }
}

impl Reason {
    /// The finding code this failure is, from the one catalogue every
    /// command reports in (`verify [record-missing]` and `inspect`'s
    /// finding say the same word). The kinds of a code are told apart by
    /// [`Reason::describe`].
    pub fn code(&self) -> Code {
        match self {
            Reason::BodyHashMismatch => Code::BodyHashMismatch,
            Reason::BodyFinalLine { .. } => Code::BodyFinalLine,
            Reason::SignatureMismatch => Code::SignatureMismatch,
            Reason::Signature {
                error: SignatureError::FromNotSigned,
            } => Code::FromNotSigned,
            Reason::Signature { .. } => Code::SignatureSyntax,
            Reason::KeyMissing { .. } => Code::RecordMissing,
            Reason::KeyRecord { error } => error.code(),
            Reason::KeyTypeMismatch { .. }
            | Reason::KeyHashMismatch
            | Reason::KeyServiceMismatch
            | Reason::StrictIdentity => Code::KeyInvalid,
            Reason::KeyHashUnusable { .. } => Code::KeyHashUnusable,
            Reason::KeyTooShort { .. } => Code::KeyTooShort,
            Reason::Sha1 => Code::Sha1,
            Reason::Expired { .. } => Code::SignatureExpired,
            Reason::Future { .. } => Code::SignatureFuture,
            Reason::LengthExceedsBody { .. } => Code::LengthLimit,
            Reason::Dns { .. } => Code::DnsTemporary,
            Reason::BeyondLimit => Code::SignatureLimit,
            Reason::MalformedHeader { .. } => Code::MessageSyntax,
        }
    }

    /// A sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Reason::BodyHashMismatch => {
                "the body was changed after signing (body hash mismatch)".into()
            }
            Reason::BodyFinalLine { reading } => match reading {
                FinalLineReading::TrailingWhitespaceKept => {
                    "the message was not changed, but the signer hashed its last line, which has no line break, \
                     with its trailing whitespace kept (as dkimpy does); RFC 6376 §3.4.4 removes it"
                        .into()
                }
                FinalLineReading::NoLineBreakAdded => {
                    "the message was not changed, but the signer hashed its last line, which has no line break, \
                     without adding the CRLF that RFC 6376 §3.4.3 and §3.4.4 add (as Mail::DKIM does under \
                     simple, and libopendkim under relaxed when the line ends in whitespace)"
                        .into()
                }
                FinalLineReading::BlankLinesDropped => {
                    "the message was not changed, but the signer dropped the empty lines before its last line, \
                     which has no line break (as libopendkim does under relaxed); RFC 6376 §3.4.4 removes only \
                     empty lines at the end of the body"
                        .into()
                }
            },
            Reason::SignatureMismatch => {
                "the signature does not match the signed header fields and key".into()
            }
            Reason::Signature { error } => error.to_string(),
            Reason::KeyMissing { name } => format!("no DKIM key record at {name}"),
            Reason::KeyRecord { error } => error.to_string(),
            Reason::KeyTypeMismatch { key_type } => {
                format!("the key record is k={key_type}, which does not match a=")
            }
            Reason::KeyHashMismatch => "the key record's h= does not allow this hash".into(),
            Reason::KeyHashUnusable { problem } => problem.clone(),
            Reason::KeyServiceMismatch => "the key record's s= does not include email".into(),
            Reason::StrictIdentity => "the key has t=s, but i= is in a subdomain of d=".into(),
            Reason::KeyTooShort { bits } => {
                format!("the RSA key has {bits} bits; RFC 8301 requires at least 1024")
            }
            Reason::Sha1 => "rsa-sha1 is no longer accepted (RFC 8301)".into(),
            Reason::Expired { expiration } => format!("the signature expired at {expiration} (x=)"),
            Reason::Future { timestamp } => {
                format!("the signature is dated in the future, t={timestamp}")
            }
            Reason::LengthExceedsBody { length, body } => {
                format!("l={length} is longer than the {body}-byte canonical body")
            }
            Reason::Dns { error } => error.to_string(),
            Reason::BeyondLimit => format!(
                "not verified: the message has more than {MAX_SIGNATURES} DKIM-Signature fields, \
                 and only the first {MAX_SIGNATURES} are verified"
            ),
            Reason::MalformedHeader { error, field } => {
                format!("{error}, right after the signed {field} field: what was signed cannot be determined")
            }
        }
    }
}

/// Something worth knowing about a signature that does not change its class.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// rsa-sha1 was accepted because the caller allowed it.
    Sha1Allowed,
    /// A key under 1024 bits was accepted because the caller allowed it.
    ShortKeyAllowed {
        /// Modulus size.
        bits: usize,
    },
    /// The key record has t=y: the domain is testing DKIM.
    KeyTesting,
    /// l= signs only part of the body; text can be appended.
    LengthLimit {
        /// l=
        length: u64,
        /// The canonical body length.
        body: u64,
    },
    /// Several key records at the selector; this one verified (RFC 6376
    /// §6.1.2 lets a verifier try each).
    KeyRecordChosen {
        /// Its position among the records that parse, from 0.
        index: usize,
        /// How many records parse.
        of: usize,
    },
    /// The selector is outside RFC 6376's grammar (an underscore, say):
    /// it works in DNS and was verified, but some tools refuse it.
    SelectorOutsideGrammar {
        /// What breaks the grammar.
        message: String,
    },
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_coded(serializer, self.code(), &self.describe())
    }
}

impl Warning {
    /// The finding code this note is about.
    pub fn code(&self) -> Code {
        match self {
            Warning::Sha1Allowed => Code::Sha1,
            Warning::ShortKeyAllowed { .. } => Code::KeyTooShort,
            Warning::KeyTesting => Code::KeyTesting,
            Warning::LengthLimit { .. } => Code::LengthLimit,
            Warning::KeyRecordChosen { .. } => Code::KeyMultipleRecords,
            Warning::SelectorOutsideGrammar { .. } => Code::SelectorInvalid,
        }
    }

    /// A sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Warning::Sha1Allowed => "rsa-sha1 accepted because of --allow-sha1".into(),
            Warning::ShortKeyAllowed { bits } => {
                format!("{bits}-bit RSA key accepted because of --allow-short-keys")
            }
            Warning::KeyTesting => {
                "the key record has t=y: the domain says it is testing DKIM".into()
            }
            Warning::LengthLimit { length, body } => format!(
                "l={length}: only the first {length} bytes of the {body}-byte canonical body are signed; \
                 text appended later would still pass"
            ),
            Warning::KeyRecordChosen { index, of } => {
                format!(
                    "key record {} of the {of} at the selector verified",
                    index + 1
                )
            }
            Warning::SelectorOutsideGrammar { message } => {
                format!("{message}; verified all the same")
            }
        }
    }
}

/// The outcome for one DKIM-Signature field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Position of the field in the header (0-based).
    pub field_index: usize,
    /// Signing domain (d=), when it could be read.
    pub domain: Option<String>,
    /// Selector (s=), when it could be read.
    pub selector: Option<String>,
    /// Algorithm (a=), when it could be read.
    pub algorithm: Option<Algorithm>,
    /// The result class.
    pub result: ResultClass,
    /// Why it did not pass.
    pub reason: Option<Reason>,
    /// Notes that do not change the result.
    pub warnings: Vec<Warning>,
    /// The field as parsed, when it parses: what `inspect` explains,
    /// without parsing it again.
    #[serde(skip)]
    pub signature: Option<Arc<Signature>>,
}

/// Verifies messages against one key source, caching parsed keys, so that
/// a batch pays for each key once.
pub struct Verifier<'a> {
    source: &'a dyn KeySource,
    options: VerifyOptions,
    /// One cell per key name, filled once: threads verifying messages of
    /// the same selector at once wait for one look-up, not one each.
    cache: Mutex<HashMap<String, Arc<OnceLock<KeyLookup>>>>,
}

impl std::fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("options", &self.options)
            .finish()
    }
}

/// One DKIM-Signature field, parsed or not, with its b=-less form.
struct Candidate {
    field_index: usize,
    /// d= and s= as written, for a field that is not verified.
    named: (Option<String>, Option<String>),
    /// The signature, or why it is not verified.
    parsed: Result<Signature, Reason>,
    /// The field without b='s value or final line ending.
    unsigned_field: Vec<u8>,
    /// Index into the body hashers.
    hasher: usize,
}

/// d= and s= of a DKIM-Signature that does not parse, where they are
/// there: non-empty, without spaces or control characters, of sane length.
fn signer_of(value: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(value);
    let tag = |wanted: &str| {
        crate::dkim::tag_list::scan(&text)
            .find(|spec| spec.name == wanted)
            .and_then(|spec| spec.value)
            .map(crate::dkim::tag_list::strip_fws)
            .filter(|v| !v.is_empty() && v.len() <= 253 && v.bytes().all(|b| b.is_ascii_graphic()))
    };
    (tag("d").map(|d| d.to_ascii_lowercase()), tag("s"))
}

/// A key look-up outcome, cached per name: the records that parse.
type KeyLookup = Result<Arc<[KeyRecord]>, Reason>;

/// How far one key record got through the checks: with several records,
/// the failure of the one that got furthest is the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    KeyRecord,
    BodyHash,
    Signature,
}

impl<'a> Verifier<'a> {
    /// A verifier asking `source` for keys.
    pub fn new(source: &'a dyn KeySource, options: VerifyOptions) -> Self {
        Verifier {
            source,
            options,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies a message whose header is parsed and whose body is `body`.
    pub fn verify(&self, header: &Header, body: &mut dyn Read) -> std::io::Result<Vec<Verdict>> {
        self.verify_with(header, |hashers| {
            crate::dkim::message::stream_body(body, |chunk| {
                hashers.iter_mut().for_each(|h| h.update(chunk))
            })
        })
    }

    /// Verifies an in-memory message.
    pub fn verify_message(
        &self,
        raw: &[u8],
    ) -> Result<Vec<Verdict>, crate::dkim::message::MessageError> {
        let (header, body) = crate::dkim::message::split(raw)?;
        let verdicts = self.verify_with(&header, |hashers| {
            hashers.iter_mut().for_each(|h| h.update(body));
            Ok(())
        });
        // Hashing a slice cannot fail.
        Ok(verdicts.unwrap_or_default())
    }

    pub(crate) fn verify_with(
        &self,
        header: &Header,
        feed_body: impl FnOnce(&mut [BodyHasher]) -> std::io::Result<()>,
    ) -> std::io::Result<Vec<Verdict>> {
        let mut hasher_keys = Vec::new();
        let mut hashers = Vec::new();
        let mut candidates = Vec::new();
        let signature_fields = header
            .fields()
            .enumerate()
            .filter(|(_, field)| field.is(signature::FIELD_NAME));
        for (n, (field_index, field)) in signature_fields.enumerate() {
            let parsed = if n < MAX_SIGNATURES {
                Signature::parse(field.value).map_err(|error| Reason::Signature { error })
            } else {
                Err(Reason::BeyondLimit)
            };
            let unsigned_field = match parsed {
                Ok(_) => without_b_value(&field),
                Err(_) => Vec::new(),
            };
            let hasher = match &parsed {
                Ok(sig) => {
                    let key = (sig.body_canon, sig.algorithm.hash(), sig.body_length);
                    match hasher_keys.iter().position(|k| *k == key) {
                        Some(i) => i,
                        None => {
                            hasher_keys.push(key);
                            hashers.push(BodyHasher::new(key.0, key.1, key.2));
                            hashers.len() - 1
                        }
                    }
                }
                Err(_) => usize::MAX,
            };
            let named = match &parsed {
                Ok(_) => (None, None),
                Err(_) => signer_of(field.value),
            };
            candidates.push(Candidate {
                field_index,
                named,
                parsed,
                unsigned_field,
                hasher,
            });
        }
        if !hashers.is_empty() {
            feed_body(&mut hashers)?;
        }
        let digests: Vec<BodyDigest> = hashers.into_iter().map(BodyHasher::finish_both).collect();
        Ok(candidates
            .into_iter()
            .map(|c| self.judge(header, c, &digests))
            .collect())
    }

    fn judge(&self, header: &Header, candidate: Candidate, digests: &[BodyDigest]) -> Verdict {
        let mut verdict = Verdict {
            field_index: candidate.field_index,
            domain: None,
            selector: None,
            algorithm: None,
            result: ResultClass::Pass,
            reason: None,
            warnings: Vec::new(),
            signature: None,
        };
        let sig = match candidate.parsed {
            Ok(sig) => Arc::new(sig),
            Err(reason) => {
                // Say whose signature it is where d= and s= can be read.
                (verdict.domain, verdict.selector) = candidate.named;
                return verdict.fails(ResultClass::Permerror, reason);
            }
        };
        verdict.domain = Some(sig.domain.clone());
        verdict.selector = Some(sig.selector.clone());
        verdict.algorithm = Some(sig.algorithm);
        verdict.signature = Some(Arc::clone(&sig));
        // Verified all the same, as every peer does; said in a note.
        let outside = match check_selector(&sig.selector, None, SelectorRules::Rfc6376) {
            Ok(note) => note.map(|n| n.message),
            Err(error) => Some(error.to_string()),
        };
        if let Some(message) = outside {
            verdict
                .warnings
                .push(Warning::SelectorOutsideGrammar { message });
        }
        if let Some(reason) = malformed_signed_header(header, &sig, candidate.field_index) {
            return verdict.fails(ResultClass::Permerror, reason);
        }
        let signed = SignedMessage {
            header,
            sig: &sig,
            unsigned_field: &candidate.unsigned_field,
            body: &digests[candidate.hasher],
        };
        match self.check(&signed, &mut verdict.warnings) {
            Ok(()) => verdict,
            Err((class, reason)) => verdict.fails(class, reason),
        }
    }

    /// The checks of RFC 6376 §6.1 in order; the first failure decides.
    /// Each key record at the selector is tried in turn (§6.1.2): the first
    /// that verifies decides, and if none does, the failure of the one that
    /// got furthest is reported.
    fn check(
        &self,
        signed: &SignedMessage<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), (ResultClass, Reason)> {
        let sig = signed.sig;
        let perm = |reason| Err((ResultClass::Permerror, reason));
        let now = self.options.now;
        if let Some(expiration) = sig.expiration
            && expiration < now
        {
            return perm(Reason::Expired { expiration });
        }
        if let Some(timestamp) = sig.timestamp
            && timestamp > now.saturating_add(CLOCK_SKEW)
        {
            return perm(Reason::Future { timestamp });
        }
        if sig.algorithm == Algorithm::RsaSha1 {
            if !self.options.allow_sha1 {
                return perm(Reason::Sha1);
            }
            warnings.push(Warning::Sha1Allowed);
        }
        self.try_keys(&sig.key_name(), warnings, |record, notes| {
            self.check_with_key(signed, record, notes)
        })
    }

    /// Tries each key record at `name` in turn (RFC 6376 §6.1.2): the
    /// first that `check` accepts decides, and if none does, the failure
    /// of the one that got furthest is reported.
    fn try_keys(
        &self,
        name: &str,
        warnings: &mut Vec<Warning>,
        check: impl Fn(&KeyRecord, &mut Vec<Warning>) -> Result<(), (Stage, (ResultClass, Reason))>,
    ) -> Result<(), (ResultClass, Reason)> {
        let records = match self.keys_at(name) {
            Ok(records) => records,
            Err(reason @ Reason::Dns { .. }) => return Err((ResultClass::Temperror, reason)),
            Err(reason) => return Err((ResultClass::Permerror, reason)),
        };
        let mut furthest: Option<(Stage, (ResultClass, Reason), Vec<Warning>)> = None;
        for (index, record) in records.iter().enumerate() {
            let mut notes = Vec::new();
            match check(record, &mut notes) {
                Ok(()) => {
                    warnings.append(&mut notes);
                    if records.len() > 1 {
                        warnings.push(Warning::KeyRecordChosen {
                            index,
                            of: records.len(),
                        });
                    }
                    return Ok(());
                }
                Err((stage, failure)) => {
                    if furthest.as_ref().is_none_or(|(best, _, _)| stage > *best) {
                        furthest = Some((stage, failure, notes));
                    }
                }
            }
        }
        match furthest {
            Some((_, failure, mut notes)) => {
                warnings.append(&mut notes);
                Err(failure)
            }
            // `keys_at` never returns an empty list.
            None => Err((
                ResultClass::Permerror,
                Reason::KeyMissing {
                    name: name.to_string(),
                },
            )),
        }
    }

    /// Checks a signature the caller has framed itself: an ARC-Message-
    /// Signature (`unsigned_field` is the field without b='s value, `body`
    /// the body as hashed for its c= and l=). The same checks, in the same
    /// order, as a DKIM-Signature gets.
    pub fn check_signature(
        &self,
        header: &Header,
        sig: &Signature,
        unsigned_field: &[u8],
        body: &BodyDigest,
    ) -> Result<Vec<Warning>, (ResultClass, Reason)> {
        let signed = SignedMessage {
            header,
            sig,
            unsigned_field,
            body,
        };
        let mut warnings = Vec::new();
        self.check(&signed, &mut warnings).map(|()| warnings)
    }

    /// Checks a signature over header data the caller has canonicalized
    /// itself (an ARC-Seal over the ARC sets): the algorithm policy, then
    /// the key at `key_name` as for any signature, then the signature.
    pub fn check_data(
        &self,
        key_name: &str,
        algorithm: Algorithm,
        data: &[u8],
        signature: &[u8],
    ) -> Result<Vec<Warning>, (ResultClass, Reason)> {
        let mut warnings = Vec::new();
        if algorithm == Algorithm::RsaSha1 {
            if !self.options.allow_sha1 {
                return Err((ResultClass::Permerror, Reason::Sha1));
            }
            warnings.push(Warning::Sha1Allowed);
        }
        self.try_keys(key_name, &mut warnings, |record, notes| {
            self.key_accepts(record, algorithm, None, notes)
                .map_err(|reason| (Stage::KeyRecord, (ResultClass::Permerror, reason)))?;
            if record.key.verify(algorithm, data, signature) {
                Ok(())
            } else {
                Err((
                    Stage::Signature,
                    (ResultClass::Fail, Reason::SignatureMismatch),
                ))
            }
        })?;
        Ok(warnings)
    }

    /// Whether one key record may verify a signature of `algorithm` by
    /// identity `identity` (`Some((i=, d=))`), policy included.
    fn key_accepts(
        &self,
        record: &KeyRecord,
        algorithm: Algorithm,
        identity: Option<(&str, &str)>,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), Reason> {
        if record.key_type != algorithm.key_type() || record.key.key_type() != record.key_type {
            return Err(Reason::KeyTypeMismatch {
                key_type: record.key_type.clone(),
            });
        }
        if let Some(hashes) = &record.hash_algorithms
            && !hashes.iter().any(|h| h == algorithm.hash().as_str())
        {
            return Err(match record.hash_problem() {
                Some(problem) => Reason::KeyHashUnusable { problem },
                None => Reason::KeyHashMismatch,
            });
        }
        if !record.services.iter().any(|s| s == "*" || s == "email") {
            return Err(Reason::KeyServiceMismatch);
        }
        if record.is_strict_identity()
            && let Some((identity, domain)) = identity
        {
            let id_domain = identity.rsplit_once('@').map_or(identity, |(_, d)| d);
            if !id_domain.eq_ignore_ascii_case(domain) {
                return Err(Reason::StrictIdentity);
            }
        }
        if let Some(bits) = record.key.rsa_bits()
            && bits < MIN_RSA_BITS
        {
            if !self.options.allow_short_keys {
                return Err(Reason::KeyTooShort { bits });
            }
            warnings.push(Warning::ShortKeyAllowed { bits });
        }
        if record.is_testing() {
            warnings.push(Warning::KeyTesting);
        }
        Ok(())
    }

    /// The checks that depend on one key record, then the hashes.
    fn check_with_key(
        &self,
        signed: &SignedMessage<'_>,
        record: &KeyRecord,
        warnings: &mut Vec<Warning>,
    ) -> Result<(), (Stage, (ResultClass, Reason))> {
        let sig = signed.sig;
        let identity = sig.identity.as_deref().map(|i| (i, sig.domain.as_str()));
        self.key_accepts(record, sig.algorithm, identity, warnings)
            .map_err(|reason| (Stage::KeyRecord, (ResultClass::Permerror, reason)))?;
        let body = signed.body;
        if let Some(length) = sig.body_length {
            if length > body.length {
                return Err((
                    Stage::BodyHash,
                    (
                        ResultClass::Permerror,
                        Reason::LengthExceedsBody {
                            length,
                            body: body.length,
                        },
                    ),
                ));
            }
            warnings.push(Warning::LengthLimit {
                length,
                body: body.length,
            });
        }
        let fail = |stage, reason| Err((stage, (ResultClass::Fail, reason)));
        let body_failure = if body.hash == sig.body_hash {
            None
        } else if let Some((reading, _)) = body
            .other_readings
            .iter()
            .find(|(_, hash)| *hash == sig.body_hash)
        {
            Some(Reason::BodyFinalLine { reading: *reading })
        } else {
            return fail(Stage::BodyHash, Reason::BodyHashMismatch);
        };
        let mut data = Vec::with_capacity(1024);
        canon::canonicalize_signed_fields(
            sig.header_canon,
            signed.header,
            &sig.signed_headers,
            &mut data,
        );
        canon::canonicalize_signature_field(sig.header_canon, signed.unsigned_field, &mut data);
        if !record.key.verify(sig.algorithm, &data, &sig.signature) {
            return fail(Stage::Signature, Reason::SignatureMismatch);
        }
        match body_failure {
            Some(reason) => fail(Stage::Signature, reason),
            None => Ok(()),
        }
    }

    /// The first key record for a signature that parses, from the cache or
    /// the source.
    pub fn key(&self, sig: &Signature) -> Result<KeyRecord, Reason> {
        self.keys(sig).map(|records| records[0].clone())
    }

    /// Every key record for a signature that parses, in the order DNS gave
    /// them (never empty), from the cache or the source.
    pub fn keys(&self, sig: &Signature) -> KeyLookup {
        self.keys_at(&sig.key_name())
    }

    /// Every key record at `name` (`<selector>._domainkey.<domain>`), as
    /// [`Verifier::keys`] gives them.
    pub fn keys_at(&self, name: &str) -> KeyLookup {
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            cache.entry(name.to_string()).or_default().clone()
        };
        cell.get_or_init(|| self.fetch(name)).clone()
    }

    fn fetch(&self, name: &str) -> KeyLookup {
        let texts = match self.source.txt(name) {
            Ok(texts) => texts,
            Err(LookupError::NotFound(name)) => return Err(Reason::KeyMissing { name }),
            Err(error) => return Err(Reason::Dns { error }),
        };
        let mut records = Vec::new();
        let mut first_error = None;
        for text in &texts {
            match KeyRecord::parse(text) {
                Ok(record) => records.push(record),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if !records.is_empty() {
            return Ok(records.into());
        }
        if let Some(repaired) = crate::dkim::damage::split_records(&texts) {
            let error = RecordError::SplitRecords {
                count: texts.len(),
                repaired,
            };
            return Err(Reason::KeyRecord { error });
        }
        match first_error {
            Some(error) => Err(Reason::KeyRecord { error }),
            None => Err(Reason::KeyMissing {
                name: name.to_string(),
            }),
        }
    }
}

/// What one signature covers: the header, its own field without b=, and
/// the body as hashed for its c= and l=.
struct SignedMessage<'m> {
    header: &'m Header,
    sig: &'m Signature,
    unsigned_field: &'m [u8],
    body: &'m BodyDigest,
}

/// A header line that is not a field, right below a field the signature
/// covers (or the signature itself): it may be that field's lost
/// continuation, so what was signed cannot be determined.
fn malformed_signed_header(header: &Header, sig: &Signature, own_index: usize) -> Option<Reason> {
    let defects = header.defects();
    if defects.is_empty() {
        return None;
    }
    let mut covered = canon::signed_field_indices(header, &sig.signed_headers);
    covered.push(own_index);
    defects.iter().find_map(|defect| {
        let field = defect.after_field.filter(|i| covered.contains(i))?;
        Some(Reason::MalformedHeader {
            error: defect.error.clone(),
            field: String::from_utf8_lossy(header.field(field)?.name).into_owned(),
        })
    })
}

impl Verdict {
    fn fails(mut self, class: ResultClass, reason: Reason) -> Verdict {
        self.result = class;
        self.reason = Some(reason);
        self
    }
}

/// The field with the value of b= removed and the final line ending cut.
fn without_b_value(field: &crate::dkim::message::HeaderField<'_>) -> Vec<u8> {
    let raw =
        &field.raw[..field.raw.len() - crate::dkim::message::trailing_line_ending(field.raw).len()];
    match signature::b_value_range(field.value) {
        Some(range) => {
            let offset = field.value_offset();
            let mut out = raw[..offset + range.start].to_vec();
            out.extend_from_slice(&raw[offset + range.end..]);
            out
        }
        None => raw.to_vec(),
    }
}

/// The overall verdict of a message, in the terms of the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    /// At least one signature, and every one passes.
    AllPass,
    /// No signature, or one that fails or is unusable.
    Failed,
    /// Nothing failed outright but DNS kept at least one from a decision.
    DnsTrouble,
}

/// Summarises verdicts: every signature must pass.
pub fn summarize(verdicts: &[Verdict]) -> Summary {
    if verdicts.is_empty()
        || verdicts
            .iter()
            .any(|v| matches!(v.result, ResultClass::Fail | ResultClass::Permerror))
    {
        Summary::Failed
    } else if verdicts.iter().any(|v| v.result == ResultClass::Temperror) {
        Summary::DnsTrouble
    } else {
        Summary::AllPass
    }
}

/// The DKIM-Signature field as the header hash sees it: b='s value
/// removed, final line ending cut.
pub fn unsigned_signature_field(field: &crate::dkim::message::HeaderField<'_>) -> Vec<u8> {
    without_b_value(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A source with no keys that counts the questions it is asked.
    #[derive(Default)]
    struct CountingSource(AtomicUsize);

    impl KeySource for CountingSource {
        fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(LookupError::NotFound(name.to_string()))
        }
    }

    const SIGNED: &[u8] =
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n\
        \ts=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n\
        From: a@example.com\r\n\
        \r\n";

    #[test]
    fn a_key_is_fetched_once_however_many_threads_ask() {
        let source = CountingSource::default();
        let verifier = Verifier::new(&source, VerifyOptions::strict(1_700_000_000));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        let verdicts = verifier.verify_message(SIGNED).expect("a message");
                        assert_eq!(verdicts.len(), 1);
                        assert_eq!(verdicts[0].result, ResultClass::Permerror);
                    }
                });
            }
        });
        assert_eq!(source.0.load(Ordering::SeqCst), 1);
    }
}
