//! Signing (RFC 6376 §5): one pass over the body, one DKIM-Signature per
//! signer (e.g. RSA and Ed25519 side by side), folded to 78 columns and
//! written in the message's own line-ending style.

use crate::dkim::canon::{self, BodyHasher, Canonicalization};
use crate::dkim::message::{Header, stream_body};
use crate::dkim::signature::{FieldBuilder, HashAlgorithm};
use crate::key::crypto::SigningKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::io::Read;
use std::sync::Arc;

/// The fields RFC 6376 §5.4.1 recommends signing, plus the ones that carry
/// the MIME structure and identity of the message (as dkimpy and OpenDKIM
/// sign by default). Only those present are signed.
pub const DEFAULT_SIGNED_FIELDS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Resent-Date",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Help",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Owner",
    "List-Archive",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// One signature to add: who signs, under which selector, with which key.
#[derive(Debug, Clone)]
pub struct Signer {
    /// Signing domain (d=).
    pub domain: String,
    /// Selector (s=).
    pub selector: String,
    /// The private key; its type decides a=.
    pub key: Arc<SigningKey>,
}

/// Everything signing needs besides the message and the clock.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// One signature per signer, all in one pass.
    pub signers: Vec<Signer>,
    /// Header canonicalization (c=, first half).
    pub header_canon: Canonicalization,
    /// Body canonicalization (c=, second half).
    pub body_canon: Canonicalization,
    /// Fields to sign (h=); `None` signs the present [`DEFAULT_SIGNED_FIELDS`].
    /// Each name is listed once per instance in the message (at least once).
    pub headers: Option<Vec<String>>,
    /// Fields listed once more than they occur, so none can be added later.
    pub oversign: Vec<String>,
    /// Agent or user identifier (i=).
    pub identity: Option<String>,
    /// Seconds until the signature expires (x= = t= + this).
    pub expire_after: Option<u64>,
    /// Whether to write t=.
    pub timestamp: bool,
    /// Whether to write l= (the whole canonical body length).
    pub body_length: bool,
}

impl SignOptions {
    /// Options for `signers` with the defaults: relaxed/relaxed, the
    /// recommended fields, From oversigned, t= written.
    pub fn new(signers: Vec<Signer>) -> Self {
        SignOptions {
            signers,
            header_canon: Canonicalization::Relaxed,
            body_canon: Canonicalization::Relaxed,
            headers: None,
            oversign: vec!["From".to_string()],
            identity: None,
            expire_after: None,
            timestamp: true,
            body_length: false,
        }
    }
}

/// What signing a streamed message gives: the fields to put on top, and
/// what to write after the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The new DKIM-Signature fields, each ending in the message's line
    /// ending, in the order they should be prepended.
    pub fields: Vec<Vec<u8>>,
    /// The line ending the body lacks at its end (empty when it has one,
    /// or has no body): the signed body is the body followed by it.
    pub body_end: &'static [u8],
}

/// Signs a message whose header is parsed and whose body is `body`.
///
/// A body whose last line has no line break is signed with one added (the
/// message's own line ending), and the caller writes it after the body
/// ([`Signed::body_end`]): SMTP adds it on the wire anyway, and
/// implementations disagree on how to hash such a line (RFC 6376 §3.4.3
/// and §3.4.4 add the CRLF; Mail::DKIM's simple and libopendkim's relaxed
/// do not, dkimpy's relaxed keeps its trailing whitespace), while with it
/// they all compute the same hash.
pub fn sign(
    header: &Header,
    body: &mut dyn Read,
    options: &SignOptions,
    now: u64,
) -> Result<Signed, crate::Error> {
    let eol = header.line_ending().as_bytes();
    let mut body_end: &'static [u8] = b"";
    let fields = sign_with(
        header,
        |hasher| {
            body_end = hash_body(body, hasher, eol)?;
            Ok(())
        },
        options,
        now,
    )?;
    Ok(Signed { fields, body_end })
}

/// Streams `body` through `hasher`, with the line ending `eol` added where
/// the last line lacks one (see [`sign`]); gives what the caller writes
/// after the body.
pub(crate) fn hash_body(
    body: &mut dyn Read,
    hasher: &mut BodyHasher,
    eol: &'static [u8],
) -> std::io::Result<&'static [u8]> {
    let mut last = None;
    stream_body(body, |chunk| {
        last = chunk.last().copied().or(last);
        hasher.update(chunk);
    })?;
    Ok(end_body(last, hasher, eol))
}

/// Hashes the line ending `eol` where the body's last byte `last` leaves
/// its last line open; gives what the caller writes after the body.
fn end_body(last: Option<u8>, hasher: &mut BodyHasher, eol: &'static [u8]) -> &'static [u8] {
    if needs_line_break(last) {
        hasher.update(eol);
        eol
    } else {
        b""
    }
}

/// Signs an in-memory message and returns it with the signatures on top
/// (and a final line break added to the body where it lacks one, as
/// [`sign`] explains).
pub fn sign_message(raw: &[u8], options: &SignOptions, now: u64) -> Result<Vec<u8>, crate::Error> {
    let (header, body) = crate::dkim::message::split(raw)?;
    let eol = header.line_ending().as_bytes();
    let mut body_end: &'static [u8] = b"";
    // The body is hashed where it lies, not copied through a reader.
    let fields = sign_with(
        &header,
        |hasher| {
            hasher.update(body);
            body_end = end_body(body.last().copied(), hasher, eol);
            Ok(())
        },
        options,
        now,
    )?;
    let mut out = Vec::with_capacity(raw.len() + fields.iter().map(Vec::len).sum::<usize>() + 2);
    fields.iter().for_each(|f| out.extend_from_slice(f));
    out.extend_from_slice(raw);
    out.extend_from_slice(body_end);
    Ok(out)
}

/// Whether a body whose last byte is `last` (`None`: no body) ends in a
/// line without a line break.
fn needs_line_break(last: Option<u8>) -> bool {
    last.is_some_and(|b| b != b'\n')
}

/// Signing options that contradict each other or the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No key to sign with.
    #[error("no signing key given")]
    NoSigner,
    /// The message has no From field.
    #[error("the message has no From field, and DKIM requires From to be signed")]
    NoFrom,
    /// i= outside d=.
    #[error("identity {identity} is not in the signing domain {domain}")]
    IdentityOutsideDomain {
        /// The identity given.
        identity: String,
        /// The signer's d=.
        domain: String,
    },
    /// The fields to sign leave out From.
    #[error("the signed fields must include From (RFC 6376 §5.4)")]
    FromNotListed,
    /// A field name that cannot be one.
    #[error("invalid header field name {0:?}")]
    InvalidFieldName(String),
    /// DKIM-Signature among the fields to sign: the new signature would
    /// have to sign itself, which verifiers read differently.
    #[error(
        "DKIM-Signature cannot be among the signed fields: a signature does not sign itself, and verifiers disagree on which instance h= then means"
    )]
    SignsSignature,
    /// More fields to sign than a verifier accepts.
    #[error("{0} fields to sign; a verifier accepts at most {max}", max = crate::dkim::signature::MAX_SIGNED_FIELDS)]
    TooManyFields(usize),
    /// x= would not fit RFC 6376's 12 digits.
    #[error(
        "the expiry is too far ahead: x= would be {0}, beyond the 12 digits RFC 6376 allows (year 33658)"
    )]
    ExpiryTooFar(u64),
}

/// The d= and s= of a signature the message already carries from one of
/// the signers: signing it again would add a second, identical claim
/// (a rerun over a folder, a message looped back).
pub fn already_signed(header: &Header, options: &SignOptions) -> Option<(String, String)> {
    header
        .fields()
        .filter(|f| f.is(crate::dkim::signature::FIELD_NAME))
        .filter_map(|f| crate::dkim::signature::Signature::parse(f.value).ok())
        .find(|sig| {
            options.signers.iter().any(|signer| {
                sig.domain.eq_ignore_ascii_case(&signer.domain) && sig.selector == signer.selector
            })
        })
        .map(|sig| (sig.domain, sig.selector))
}

/// Whether a header can be signed at all, whatever the options: every
/// line a field, and a From field (RFC 6376 §5.4). A batch checks this for
/// every input before it writes anything.
pub fn check_signable(header: &Header) -> Result<(), crate::Error> {
    if let Some(defect) = header.defects().first() {
        return Err(defect.error.clone().into());
    }
    if !header.fields().any(|f| f.is("From")) {
        return Err(SignError::NoFrom.into());
    }
    Ok(())
}

/// The signing itself; `feed_body` pushes the body through the hasher.
fn sign_with(
    header: &Header,
    feed_body: impl FnOnce(&mut BodyHasher) -> std::io::Result<()>,
    options: &SignOptions,
    now: u64,
) -> Result<Vec<Vec<u8>>, crate::Error> {
    check_signable(header)?;
    if options.signers.is_empty() {
        return Err(SignError::NoSigner.into());
    }
    if let Some(names) = &options.headers
        && !names.iter().any(|n| n.eq_ignore_ascii_case("from"))
    {
        return Err(SignError::FromNotListed.into());
    }
    let signed_headers = signed_header_list(header, options.headers.as_deref(), &options.oversign)?;
    if signed_headers
        .iter()
        .any(|n| n.eq_ignore_ascii_case(crate::dkim::signature::FIELD_NAME))
    {
        return Err(SignError::SignsSignature.into());
    }
    if let Some(identity) = &options.identity {
        let id_domain = identity
            .rsplit_once('@')
            .map_or(identity.as_str(), |(_, d)| d);
        for signer in &options.signers {
            if !crate::dkim::signature::is_same_or_subdomain(id_domain, &signer.domain) {
                return Err(SignError::IdentityOutsideDomain {
                    identity: identity.clone(),
                    domain: signer.domain.clone(),
                }
                .into());
            }
        }
    }

    let mut hasher = BodyHasher::new(options.body_canon, HashAlgorithm::Sha256, None);
    feed_body(&mut hasher)?;
    let (body_hash, body_len) = hasher.finish();

    let mut header_data = Vec::new();
    canon::canonicalize_signed_fields(
        options.header_canon,
        header,
        &signed_headers,
        &mut header_data,
    );
    let fields_len = header_data.len();
    let eol = std::str::from_utf8(header.line_ending().as_bytes()).unwrap_or("\r\n");

    let mut out = Vec::with_capacity(options.signers.len());
    for signer in &options.signers {
        let mut tags: Vec<(&str, String, Option<char>)> = vec![
            ("v", "1".into(), None),
            ("a", signer.key.algorithm().as_str().into(), None),
            (
                "c",
                format!(
                    "{}/{}",
                    options.header_canon.as_str(),
                    options.body_canon.as_str()
                ),
                None,
            ),
            ("d", signer.domain.clone(), None),
            ("s", signer.selector.clone(), None),
        ];
        if options.timestamp {
            tags.push(("t", now.to_string(), None));
        }
        if let Some(after) = options.expire_after {
            let expiry = now.saturating_add(after);
            if expiry > crate::dkim::signature::MAX_TIMESTAMP {
                return Err(SignError::ExpiryTooFar(expiry).into());
            }
            tags.push(("x", expiry.to_string(), None));
        }
        if let Some(identity) = &options.identity {
            tags.push(("i", identity.clone(), None));
        }
        if options.body_length {
            tags.push(("l", body_len.to_string(), None));
        }
        tags.push(("h", signed_headers.join(":"), Some(':')));
        tags.push(("bh", BASE64.encode(&body_hash), Some('*')));
        let builder = FieldBuilder::new(&tags);
        header_data.truncate(fields_len);
        canon::canonicalize_signature_field(
            options.header_canon,
            builder.unsigned().as_bytes(),
            &mut header_data,
        );
        let signature = signer.key.sign(&header_data)?;
        let mut field = builder.signed(&signature, eol).into_bytes();
        field.extend_from_slice(eol.as_bytes());
        out.push(field);
    }
    Ok(out)
}

/// h=: the chosen names (`None`: the present [`DEFAULT_SIGNED_FIELDS`]),
/// once per instance present (at least once when named explicitly), then
/// the oversigned names once more; lowercase, each a valid field name. The
/// one rule for DKIM-Signature and ARC-Message-Signature alike.
pub(crate) fn signed_header_list(
    header: &Header,
    headers: Option<&[String]>,
    oversign: &[String],
) -> Result<Vec<String>, crate::Error> {
    let count = |name: &str| header.fields().filter(|f| f.is(name)).count();
    let mut list: Vec<String> = Vec::new();
    match headers {
        Some(names) => {
            for name in dedup(names) {
                let n = count(name).max(1);
                list.extend(std::iter::repeat_n(name.to_ascii_lowercase(), n));
            }
        }
        None => {
            for name in DEFAULT_SIGNED_FIELDS {
                let n = count(name);
                list.extend(std::iter::repeat_n(name.to_ascii_lowercase(), n));
            }
        }
    }
    for name in dedup(oversign) {
        let listed = list.iter().filter(|n| n.eq_ignore_ascii_case(name)).count();
        let n = count(name);
        list.extend(std::iter::repeat_n(
            name.to_ascii_lowercase(),
            (n + 1).saturating_sub(listed),
        ));
    }
    if list.len() > crate::dkim::signature::MAX_SIGNED_FIELDS {
        return Err(SignError::TooManyFields(list.len()).into());
    }
    for name in &list {
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b == b':' || !(0x21..=0x7e).contains(&b))
        {
            return Err(SignError::InvalidFieldName(name.clone()).into());
        }
    }
    Ok(list)
}

fn dedup(names: &[String]) -> Vec<&String> {
    let mut seen: Vec<&String> = Vec::new();
    for name in names {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            seen.push(name);
        }
    }
    seen
}
