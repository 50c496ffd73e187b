//! Forensics: why a DKIM signature fails. Pure functions over the message
//! bytes that [`crate::dkim::verify`] has already judged, for `dkimctl inspect`.
//!
//! A body-hash mismatch is explained by trying transformations of the
//! current body that undo common changes in transit (whitespace, line
//! endings, a mailing-list footer, transfer re-encoding, re-wrapping) and
//! reporting the first whose hash equals bh=. Nothing is guessed: every
//! body explanation is one that reproduces the signer's hash.
//!
//! A signature mismatch (bh= matches, b= does not verify) is explained by
//! opening an RSA signature with the published key: if the result is no
//! PKCS#1 v1.5 block, the published key is not the one that signed.
//! Otherwise the signed header fields changed, and the counts of fields
//! named in h= are compared with the message; an added field is confirmed
//! when removing it makes the signature verify.

use crate::dkim::canon::{self, BodyHasher, Canonicalization, canonicalize_body};
use crate::dkim::message::Header;
use crate::dkim::signature::{HashAlgorithm, Signature};
use crate::key::crypto::VerifyingKey;
use serde::Serialize;
use std::collections::HashMap;

/// Lines at least this long, followed by more text, may have been broken
/// by a relay that re-wraps long lines.
const REWRAP_MIN_LINE: usize = 60;

/// How many characters of an appended footer are shown.
const FOOTER_SHOWN: usize = 500;

/// How many headers-without-one-field are tried to confirm an addition.
const MAX_REMOVAL_TRIALS: usize = 32;

/// Which change of CR characters explains a body hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineEndingChange {
    /// Line endings gained an extra CR (CR CR LF).
    DoubledCr,
    /// CR characters not followed by LF were added inside lines.
    LoneCr,
    /// The signer hashed canonical lines ending in bare LF (a signer bug).
    SignedBareLf,
}

/// How re-wrapped lines were joined to reproduce the signed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RewrapStyle {
    /// A long line and the next were joined with nothing between them.
    Concatenated,
    /// A long line and the next were joined with one space.
    Space,
    /// format=flowed soft breaks (a space before the line break) removed.
    Flowed,
}

/// Which way a body was re-encoded in transit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReencodeDirection {
    /// The body now carries a transfer encoding it did not have when signed.
    Encoded,
    /// The body was signed encoded and a relay decoded it.
    Decoded,
}

/// What happened to a body whose hash no longer matches bh=, found by
/// reproducing the signer's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BodyChange {
    /// The body hashes to bh= as it is: nothing to explain.
    Unchanged,
    /// The body hashes to bh= under the other body canonicalization.
    OtherCanonicalization {
        /// The body canonicalization of c=.
        declared: Canonicalization,
        /// The one that reproduces bh=.
        matched: Canonicalization,
    },
    /// CR characters were added, or the signer hashed bare LF line endings.
    LineEndings {
        /// Which change.
        change: LineEndingChange,
        /// Lines (or lone CRs) affected; 0 for [`LineEndingChange::SignedBareLf`].
        lines: usize,
    },
    /// Spaces or tabs were added at line ends (simple body canonicalization).
    TrailingWhitespace {
        /// Lines that gained trailing whitespace.
        lines: usize,
    },
    /// Whitespace-only lines were added at the end of the body.
    TrailingBlankLines {
        /// The whitespace-only lines removed to match.
        lines: usize,
    },
    /// Text was appended after signing, such as a mailing-list footer.
    FooterAppended {
        /// Length of the canonical body that was signed.
        signed_bytes: u64,
        /// The appended canonical text, trimmed and shortened for display.
        footer: String,
    },
    /// The body was re-encoded (quoted-printable or base64) in transit.
    Reencoded {
        /// `quoted-printable` or `base64`.
        encoding: String,
        /// Whether a relay encoded or decoded the body.
        direction: ReencodeDirection,
    },
    /// Long lines were broken in transit.
    Rewrapped {
        /// How the broken lines are joined back.
        style: RewrapStyle,
        /// Line breaks removed to match.
        joined: usize,
    },
    /// l= is larger than the current canonical body: content was cut.
    Truncated {
        /// l=
        length: u64,
        /// The canonical body length now.
        body: u64,
    },
    /// No transformation tried reproduces bh=: the content was edited.
    Unknown,
}

impl BodyChange {
    /// One plain-English sentence for the user.
    pub fn sentence(&self) -> String {
        match self {
            BodyChange::Unchanged => {
                "the body hashes to bh= as it is: it was not changed after signing".into()
            }
            BodyChange::OtherCanonicalization { declared, matched } => match declared {
                Canonicalization::Simple => format!(
                    "the body was signed with {} body canonicalization and only whitespace \
                     changed in transit (trailing spaces, runs of spaces), which {} \
                     canonicalization ignores: it still hashes to bh= under {}; sign with \
                     c=relaxed/relaxed to survive such relays",
                    declared.as_str(),
                    matched.as_str(),
                    matched.as_str()
                ),
                Canonicalization::Relaxed => format!(
                    "the body hashes to bh= under {} canonicalization although c= says {}: \
                     the signer hashed the body with the wrong canonicalization (a signer bug)",
                    matched.as_str(),
                    declared.as_str()
                ),
            },
            BodyChange::LineEndings { change, lines } => match change {
                LineEndingChange::DoubledCr => format!(
                    "{} gained an extra CR (CR CR LF) after signing, typically from a \
                     line-ending conversion applied to text that already had CRLF; restored \
                     to CRLF the body matches bh=",
                    count(*lines, "line ending", "line endings")
                ),
                LineEndingChange::LoneCr => format!(
                    "{} not followed by LF {} added to the body after signing; without them \
                     the body matches bh=",
                    count(*lines, "CR character", "CR characters"),
                    if *lines == 1 { "was" } else { "were" }
                ),
                LineEndingChange::SignedBareLf => {
                    "the signer hashed the body with bare LF line endings instead of CRLF \
                     (a signer bug: canonical lines end in CRLF); hashed that way the body \
                     matches bh="
                        .into()
                }
            },
            BodyChange::TrailingWhitespace { lines } => format!(
                "spaces or tabs were added at the end of {} after signing, which simple body \
                 canonicalization counts; without them the body matches bh=",
                count(*lines, "line", "lines")
            ),
            BodyChange::TrailingBlankLines { lines } => format!(
                "{} added at the end of the body after signing, which simple body \
                 canonicalization counts; without them the body matches bh=",
                count(
                    *lines,
                    "whitespace-only line was",
                    "whitespace-only lines were"
                )
            ),
            BodyChange::FooterAppended {
                signed_bytes,
                footer,
            } => format!(
                "text was appended to the body after signing (a mailing-list footer?): the \
                 first {signed_bytes} canonical bytes match bh=, then comes: {footer:?}"
            ),
            BodyChange::Reencoded {
                encoding,
                direction,
            } => match direction {
                ReencodeDirection::Encoded => format!(
                    "a relay re-encoded the body as {encoding}; the decoded content is what \
                     was signed"
                ),
                ReencodeDirection::Decoded => format!(
                    "a relay decoded the {encoding} body and changed its \
                     Content-Transfer-Encoding; the {encoding} form is what was signed"
                ),
            },
            BodyChange::Rewrapped { style, joined } => match style {
                RewrapStyle::Concatenated => format!(
                    "a relay re-wrapped long lines: with {} removed the body matches bh=",
                    count(*joined, "line break", "line breaks")
                ),
                RewrapStyle::Space => format!(
                    "a relay re-wrapped long lines at spaces: with {} turned back into spaces \
                     the body matches bh=",
                    count(*joined, "line break", "line breaks")
                ),
                RewrapStyle::Flowed => format!(
                    "{} (a space before the line break) {} inserted after signing; joined \
                     again the body matches bh=",
                    count(
                        *joined,
                        "format=flowed soft break",
                        "format=flowed soft breaks"
                    ),
                    if *joined == 1 { "was" } else { "were" }
                ),
            },
            BodyChange::Truncated { length, body } => format!(
                "the body was cut after signing: l={length}, but the canonical body now has \
                 only {body} bytes"
            ),
            BodyChange::Unknown => "the body content itself was edited: neither the other \
                 canonicalization, added CRs, trailing whitespace or blank lines, an appended \
                 footer, transfer re-encoding, re-wrapped lines nor truncation under l= \
                 reproduces bh="
                .into(),
        }
    }
}

/// What happened to one field named in h=, judged by counting instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FieldChange {
    /// Listed in h= but absent now: removed, or absent when signed.
    Missing {
        /// The field name as h= spells it.
        field: String,
        /// Times h= lists it.
        listed: usize,
    },
    /// More instances now than h= lists, or more than RFC 5322 allows.
    Added {
        /// The field name as h= spells it.
        field: String,
        /// Times h= lists it.
        listed: usize,
        /// Instances in the message now.
        present: usize,
    },
    /// Fewer instances now than h= lists, beyond one oversigned entry.
    Removed {
        /// The field name as h= spells it.
        field: String,
        /// Times h= lists it.
        listed: usize,
        /// Instances in the message now.
        present: usize,
    },
}

impl FieldChange {
    /// One plain-English sentence for the user.
    pub fn sentence(&self) -> String {
        match self {
            FieldChange::Missing { field, .. } => format!(
                "{field} is signed (listed in h=) but absent now: it was removed, or was \
                 absent when signed"
            ),
            FieldChange::Added {
                field,
                listed,
                present,
            } => {
                let what = if present > listed {
                    format!(
                        "there are {present} {field} fields now but h= lists {listed}: a {field} \
                         field was added after signing"
                    )
                } else {
                    format!(
                        "there are {present} {field} fields now where RFC 5322 allows one: a \
                         {field} field was added after signing"
                    )
                };
                if is_identity_field(field) {
                    format!("{what}, which is suspicious: readers may see the added one")
                } else {
                    what
                }
            }
            FieldChange::Removed {
                field,
                listed,
                present,
            } => format!(
                "h= lists {field} {listed} times but only {present} remain: {} removed after \
                 signing",
                match listed.saturating_sub(present + 1) {
                    1 => "one was".to_string(),
                    n => format!("{n} were"),
                }
            ),
        }
    }
}

/// What happened to a signature whose body hash matches but whose b= does
/// not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum HeaderChange {
    /// The published key did not make this signature.
    KeyMismatch {
        /// Where the key is published: `<s>._domainkey.<d>`.
        key_name: String,
        /// The published RSA modulus size.
        key_bits: usize,
        /// The size of b=; a different size means a different key.
        signature_bits: usize,
    },
    /// One field instance was added; without it the signature verifies.
    FieldAdded {
        /// The field name as the message spells it.
        field: String,
        /// Its value, unfolded and trimmed.
        value: String,
        /// Its position in the header, 0-based.
        index: usize,
    },
    /// The counts of signed fields changed.
    FieldsChanged {
        /// One entry per field name of h= whose count changed.
        changes: Vec<FieldChange>,
    },
    /// No field was added or removed, so a signed field's content changed.
    ContentChanged {
        /// The signed fields present, in h= order, to compare by eye.
        fields: Vec<String>,
    },
}

impl HeaderChange {
    /// One plain-English sentence for the user.
    pub fn sentence(&self) -> String {
        match self {
            HeaderChange::KeyMismatch {
                key_name,
                key_bits,
                signature_bits,
            } => {
                let sizes = if key_bits == signature_bits {
                    String::new()
                } else {
                    format!(
                        " (the signature has {signature_bits} bits, the published key {key_bits})"
                    )
                };
                format!(
                    "the key published at {key_name} does not match the private key that \
                     signed{sizes}; publish the matching record"
                )
            }
            HeaderChange::FieldAdded {
                field,
                value,
                index,
            } => format!(
                "a {field} field ({value:?}, field {} of the header) was added after signing; \
                 without it the signature verifies",
                index + 1
            ),
            HeaderChange::FieldsChanged { changes } => {
                let parts: Vec<String> = changes.iter().map(FieldChange::sentence).collect();
                parts.join("; ")
            }
            HeaderChange::ContentChanged { fields } => format!(
                "a signed field's content changed after signing (or the DKIM-Signature field \
                 itself was altered); compare these signed fields with the original: {}",
                fields.join(", ")
            ),
        }
    }
}

/// Explains a body-hash mismatch: the first transformation of the current
/// body that reproduces bh= under the signature's body canonicalization,
/// hash and l=. Called when bh= does not match; never fails.
pub fn explain_body_mismatch(header: &Header, body: &[u8], sig: &Signature) -> BodyChange {
    let target = Target {
        canon: sig.body_canon,
        hash: sig.algorithm.hash(),
        limit: sig.body_length,
        expected: &sig.body_hash,
    };
    if target.matches(body) {
        return BodyChange::Unchanged;
    }
    let other = match sig.body_canon {
        Canonicalization::Simple => Canonicalization::Relaxed,
        Canonicalization::Relaxed => Canonicalization::Simple,
    };
    if target.matches_as(other, body) {
        return BodyChange::OtherCanonicalization {
            declared: sig.body_canon,
            matched: other,
        };
    }
    let canonical = canonicalize_body(sig.body_canon, body);
    if let Some(change) = line_endings(&target, body, &canonical) {
        return change;
    }
    if let Some((stripped, lines)) = strip_trailing_whitespace(body)
        && target.matches(&stripped)
    {
        return BodyChange::TrailingWhitespace { lines };
    }
    if let Some((stripped, lines)) = strip_trailing_blank_lines(body)
        && target.matches(&stripped)
    {
        return BodyChange::TrailingBlankLines { lines };
    }
    if let Some(signed) = signed_prefix(&target, &canonical) {
        return BodyChange::FooterAppended {
            signed_bytes: signed as u64,
            footer: footer_text(&canonical[signed..]),
        };
    }
    if let Some(change) = reencoding(&target, header, body) {
        return change;
    }
    for style in [
        RewrapStyle::Concatenated,
        RewrapStyle::Space,
        RewrapStyle::Flowed,
    ] {
        if let Some((joined_body, joined)) = rewrap(body, style)
            && target.matches(&joined_body)
        {
            return BodyChange::Rewrapped { style, joined };
        }
    }
    if let Some(length) = sig.body_length
        && length > canonical.len() as u64
    {
        return BodyChange::Truncated {
            length,
            body: canonical.len() as u64,
        };
    }
    BodyChange::Unknown
}

/// Explains a signature mismatch when the body hash matches: a key that
/// did not sign (RSA only), or what changed among the signed fields.
/// `unsigned_field` is the DKIM-Signature field with b='s value removed
/// and without its final line ending.
pub fn explain_signature_mismatch(
    header: &Header,
    sig: &Signature,
    unsigned_field: &[u8],
    key: &VerifyingKey,
) -> HeaderChange {
    if sig.algorithm.key_type() == "rsa"
        && let Some(key_bits) = key.rsa_bits()
    {
        let well_formed = key
            .recover_rsa_block(&sig.signature)
            .is_some_and(|block| pkcs1_v15_digest(&block).is_some());
        if !well_formed {
            return HeaderChange::KeyMismatch {
                key_name: sig.key_name(),
                key_bits,
                signature_bits: sig.signature.len() * 8,
            };
        }
    }
    // Ed25519 signatures cannot be opened: the field analysis is all.
    let changes = field_changes(header, &sig.signed_headers);
    if let Some(added) = confirm_addition(header, sig, unsigned_field, key, &changes) {
        return added;
    }
    if !changes.is_empty() {
        return HeaderChange::FieldsChanged { changes };
    }
    HeaderChange::ContentChanged {
        fields: signed_fields_present(header, &sig.signed_headers),
    }
}

/// The hash a candidate body must reproduce.
struct Target<'a> {
    canon: Canonicalization,
    hash: HashAlgorithm,
    limit: Option<u64>,
    expected: &'a [u8],
}

impl Target<'_> {
    /// Whether raw `body` hashes to bh= under c=.
    fn matches(&self, body: &[u8]) -> bool {
        self.matches_as(self.canon, body)
    }

    /// Whether raw `body` hashes to bh= under `canon`.
    fn matches_as(&self, canon: Canonicalization, body: &[u8]) -> bool {
        let mut hasher = BodyHasher::new(canon, self.hash, self.limit);
        hasher.update(body);
        hasher.finish().0 == self.expected
    }

    /// Whether bytes taken as already canonical hash to bh=.
    fn matches_canonical(&self, canonical: &[u8]) -> bool {
        let mut hasher = PrefixHasher::new(self.hash);
        hasher.update(&canonical[..self.cap(canonical.len())]);
        hasher.finish() == self.expected
    }

    /// How many of `len` canonical bytes l= lets the hash cover.
    fn cap(&self, len: usize) -> usize {
        self.limit
            .map_or(len, |l| usize::try_from(l).unwrap_or(usize::MAX).min(len))
    }
}

/// An incremental hash of canonical bytes that can be finished at any
/// point and go on (by finishing a clone).
#[derive(Clone)]
enum PrefixHasher {
    Sha256(sha2::Sha256),
    Sha1(sha1::Sha1),
}

impl PrefixHasher {
    fn new(hash: HashAlgorithm) -> Self {
        use sha2::Digest;
        match hash {
            HashAlgorithm::Sha256 => PrefixHasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha1 => PrefixHasher::Sha1(sha1::Sha1::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        use sha2::Digest;
        match self {
            PrefixHasher::Sha256(h) => h.update(bytes),
            PrefixHasher::Sha1(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        use sha2::Digest;
        match self {
            PrefixHasher::Sha256(h) => h.finalize().to_vec(),
            PrefixHasher::Sha1(h) => h.finalize().to_vec(),
        }
    }
}

/// One line of a raw body: its content and its line ending (CRLF, LF, or
/// nothing for an unterminated last line); the CR of CRLF is not content.
fn lines(body: &[u8]) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> {
    body.split_inclusive(|&b| b == b'\n').map(|line| {
        let ending = crate::dkim::message::trailing_line_ending(line).len();
        line.split_at(line.len() - ending)
    })
}

/// Candidate 2: CRs added in transit, or a signer that hashed bare LF.
fn line_endings(target: &Target<'_>, body: &[u8], canonical: &[u8]) -> Option<BodyChange> {
    // CR CR LF (or more CRs) back to CR LF.
    let mut fixed = Vec::with_capacity(body.len());
    let mut doubled = 0;
    for (content, ending) in lines(body) {
        let kept = content
            .iter()
            .rposition(|&b| b != b'\r')
            .map_or(0, |i| i + 1);
        if ending == b"\r\n" && kept < content.len() {
            doubled += 1;
            fixed.extend_from_slice(&content[..kept]);
        } else {
            fixed.extend_from_slice(content);
        }
        fixed.extend_from_slice(ending);
    }
    if doubled > 0 && target.matches(&fixed) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::DoubledCr,
            lines: doubled,
        });
    }
    // Every CR not followed by LF removed.
    let mut fixed = Vec::with_capacity(body.len());
    let mut lone = 0;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\r' && body.get(i + 1) != Some(&b'\n') {
            lone += 1;
        } else {
            fixed.push(b);
        }
    }
    if lone > 0 && target.matches(&fixed) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::LoneCr,
            lines: lone,
        });
    }
    // The canonical body with bare LF line endings, as a buggy signer has it.
    let mut bare = Vec::with_capacity(canonical.len());
    let mut i = 0;
    while i < canonical.len() {
        if canonical[i..].starts_with(b"\r\n") {
            bare.push(b'\n');
            i += 2;
        } else {
            bare.push(canonical[i]);
            i += 1;
        }
    }
    if bare.len() < canonical.len() && target.matches_canonical(&bare) {
        return Some(BodyChange::LineEndings {
            change: LineEndingChange::SignedBareLf,
            lines: 0,
        });
    }
    None
}

/// Whether a line's content is spaces and tabs only (or empty).
fn is_blank(content: &[u8]) -> bool {
    content.iter().all(|&b| matches!(b, b' ' | b'\t'))
}

/// How many lines at the end of the body are blank: those are left to
/// candidate 4, so that 3 and 4 report different changes.
fn trailing_blank_count(body: &[u8]) -> usize {
    lines(body)
        .rev()
        .take_while(|(content, _)| is_blank(content))
        .count()
}

/// Candidate 3: the body with trailing spaces and tabs removed from every
/// line before the final blank block, and how many lines changed.
fn strip_trailing_whitespace(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let total = lines(body).count();
    let keep_from = total - trailing_blank_count(body);
    let mut out = Vec::with_capacity(body.len());
    let mut changed = 0;
    for (i, (content, ending)) in lines(body).enumerate() {
        let end = if i < keep_from {
            content
                .iter()
                .rposition(|&b| !matches!(b, b' ' | b'\t'))
                .map_or(0, |j| j + 1)
        } else {
            content.len()
        };
        if end < content.len() {
            changed += 1;
        }
        out.extend_from_slice(&content[..end]);
        out.extend_from_slice(ending);
    }
    (changed > 0).then_some((out, changed))
}

/// Candidate 4: the body without its final blank lines, and how many of
/// them held whitespace (empty ones change no hash).
fn strip_trailing_blank_lines(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let total = lines(body).count();
    let keep = total - trailing_blank_count(body);
    let whitespace = lines(body)
        .skip(keep)
        .filter(|(content, _)| !content.is_empty())
        .count();
    if whitespace == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    for (content, ending) in lines(body).take(keep) {
        out.extend_from_slice(content);
        out.extend_from_slice(ending);
    }
    Some((out, whitespace))
}

/// Candidate 5: the length of the shortest prefix of the canonical body,
/// ending at a line boundary (or empty), that hashes to bh=. One pass: the
/// hash is carried along and a clone finished at each boundary.
fn signed_prefix(target: &Target<'_>, canonical: &[u8]) -> Option<usize> {
    let cap = target.cap(canonical.len());
    let mut hasher = PrefixHasher::new(target.hash);
    let mut fed = 0;
    let boundaries = std::iter::once(0).chain(
        canonical
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    for boundary in boundaries {
        if boundary >= canonical.len() {
            // The whole body: already known not to match.
            break;
        }
        let upto = boundary.min(cap);
        if upto > fed {
            hasher.update(&canonical[fed..upto]);
            fed = upto;
        }
        if hasher.clone().finish() == target.expected {
            return Some(boundary);
        }
        if boundary >= cap {
            // Every longer prefix hashes the same l= bytes.
            break;
        }
    }
    None
}

/// The appended text for display: lossy UTF-8, trimmed, shortened.
fn footer_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let text = text.trim();
    match text.char_indices().nth(FOOTER_SHOWN) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_string(),
    }
}

/// Candidate 6: quoted-printable or base64 re-encoding in transit, judged
/// from the top-level Content-Transfer-Encoding of a single-part message.
fn reencoding(target: &Target<'_>, header: &Header, body: &[u8]) -> Option<BodyChange> {
    let value = |name: &str| {
        header
            .fields()
            .find(|f| f.is(name))
            .map(|f| String::from_utf8_lossy(f.value).trim().to_ascii_lowercase())
    };
    if value("Content-Type").is_some_and(|t| t.starts_with("multipart/")) {
        return None;
    }
    let cte = value("Content-Transfer-Encoding").unwrap_or_default();
    let found = |encoding: &str, direction| {
        Some(BodyChange::Reencoded {
            encoding: encoding.to_string(),
            direction,
        })
    };
    match cte.as_str() {
        "quoted-printable" => {
            let decoded = mail_parser::decoders::quoted_printable::quoted_printable_decode(body)?;
            if target.matches(&decoded) {
                return found("quoted-printable", ReencodeDirection::Encoded);
            }
        }
        "base64" => {
            let decoded = mail_parser::decoders::base64::base64_decode(body)?;
            if target.matches(&decoded) {
                return found("base64", ReencodeDirection::Encoded);
            }
        }
        _ => {
            // The reverse: the signer's body was encoded and a relay
            // decoded it. Encoders differ, so this finds only the common
            // forms (76-column lines).
            if target.matches(&encode_quoted_printable(body)) {
                return found("quoted-printable", ReencodeDirection::Decoded);
            }
            if target.matches(&encode_base64(body)) {
                return found("base64", ReencodeDirection::Decoded);
            }
        }
    }
    None
}

/// Quoted-printable as RFC 2045 §6.7 has it: lines of at most 76
/// characters, CRLF hard breaks, trailing whitespace escaped.
fn encode_quoted_printable(body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    for (content, ending) in lines(body) {
        let mut column = 0;
        for (i, &b) in content.iter().enumerate() {
            let last = i + 1 == content.len();
            let literal =
                (matches!(b, b'!'..=b'~') && b != b'=') || (matches!(b, b' ' | b'\t') && !last);
            let width = if literal { 1 } else { 3 };
            let room = if last { 76 } else { 75 };
            if column + width > room {
                out.extend_from_slice(b"=\r\n");
                column = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            column += width;
        }
        if !ending.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 in 76-column lines ending in CRLF (RFC 2045 §6.8).
fn encode_base64(body: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(body);
    let mut out = Vec::with_capacity(text.len() + text.len() / 38 + 2);
    for chunk in text.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Candidate 7: the body with line breaks joined back, and how many.
fn rewrap(body: &[u8], style: RewrapStyle) -> Option<(Vec<u8>, usize)> {
    let mut all = lines(body).peekable();
    let mut out = Vec::with_capacity(body.len());
    let mut joined = 0;
    while let Some((content, ending)) = all.next() {
        out.extend_from_slice(content);
        let next_has_text = all.peek().is_some_and(|(next, _)| !next.is_empty());
        let join = next_has_text
            && match style {
                RewrapStyle::Concatenated | RewrapStyle::Space => content.len() >= REWRAP_MIN_LINE,
                // "-- " is the signature separator, not a soft break.
                RewrapStyle::Flowed => content.ends_with(b" ") && content != b"-- ",
            };
        if join {
            joined += 1;
            if style == RewrapStyle::Space {
                out.push(b' ');
            }
        } else {
            out.extend_from_slice(ending);
        }
    }
    (joined > 0).then_some((out, joined))
}

/// The DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017 §9.2 note 1), with
/// and without the NULL parameters some old signers omit.
const DIGEST_INFO: &[(&[u8], usize)] = &[
    (
        &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        32,
    ),
    (
        &[
            0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x04, 0x20,
        ],
        32,
    ),
    (
        &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        20,
    ),
    (
        &[
            0x30, 0x1f, 0x30, 0x07, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x04, 0x14,
        ],
        20,
    ),
];

/// The digest inside a PKCS#1 v1.5 signature block
/// (`00 01 FF..FF 00 DigestInfo`, at least eight FF), if it is one.
fn pkcs1_v15_digest(block: &[u8]) -> Option<&[u8]> {
    let rest = block.strip_prefix(&[0x00, 0x01])?;
    let padding = rest.iter().take_while(|&&b| b == 0xff).count();
    if padding < 8 {
        return None;
    }
    let info = rest[padding..].strip_prefix(&[0x00])?;
    DIGEST_INFO.iter().find_map(|&(prefix, len)| {
        info.strip_prefix(prefix)
            .filter(|digest| digest.len() == len)
    })
}

/// Fields that identify the message to a reader: an added one misleads.
fn is_identity_field(name: &str) -> bool {
    ["from", "subject", "sender", "reply-to", "to", "date"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Fields RFC 5322 §3.6 allows at most once.
fn is_single_instance(name: &str) -> bool {
    [
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "message-id",
        "in-reply-to",
        "references",
        "subject",
        "date",
        "orig-date",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

/// Compares the names in h= (counted case-insensitively) with the fields
/// of the message; one entry per changed name, in h= order.
fn field_changes(header: &Header, signed_headers: &[String]) -> Vec<FieldChange> {
    let mut present: HashMap<Vec<u8>, usize> = HashMap::new();
    for field in header.fields() {
        *present.entry(field.name.to_ascii_lowercase()).or_default() += 1;
    }
    let mut listed: Vec<(&str, Vec<u8>, usize)> = Vec::new();
    let mut position: HashMap<Vec<u8>, usize> = HashMap::new();
    for name in signed_headers {
        let lower = name.to_ascii_lowercase().into_bytes();
        match position.get(&lower) {
            Some(&i) => listed[i].2 += 1,
            None => {
                position.insert(lower.clone(), listed.len());
                listed.push((name, lower, 1));
            }
        }
    }
    let mut changes = Vec::new();
    for (name, lower, listed) in listed {
        let present = present.get(&lower).copied().unwrap_or(0);
        let field = name.to_string();
        if present == 0 {
            changes.push(FieldChange::Missing { field, listed });
        } else if present > listed || (present > 1 && is_single_instance(name)) {
            changes.push(FieldChange::Added {
                field,
                listed,
                present,
            });
        } else if listed > present + 1 {
            changes.push(FieldChange::Removed {
                field,
                listed,
                present,
            });
        }
    }
    changes
}

/// Tries the header without one instance of each added field: if the
/// signature then verifies, that instance is the change.
fn confirm_addition(
    header: &Header,
    sig: &Signature,
    unsigned_field: &[u8],
    key: &VerifyingKey,
    changes: &[FieldChange],
) -> Option<HeaderChange> {
    let mut trials = 0;
    for change in changes {
        let FieldChange::Added { field: name, .. } = change else {
            continue;
        };
        for (index, field) in header.fields().enumerate() {
            if !field.is(name) {
                continue;
            }
            trials += 1;
            if trials > MAX_REMOVAL_TRIALS {
                return None;
            }
            let mut raw = Vec::with_capacity(header.as_bytes().len());
            header
                .fields()
                .enumerate()
                .filter(|&(i, _)| i != index)
                .for_each(|(_, f)| raw.extend_from_slice(f.raw));
            let Ok(without) = Header::parse(raw) else {
                continue;
            };
            let mut data = Vec::with_capacity(1024);
            canon::canonicalize_signed_fields(
                sig.header_canon,
                &without,
                &sig.signed_headers,
                &mut data,
            );
            canon::canonicalize_signature_field(sig.header_canon, unsigned_field, &mut data);
            if key.verify(sig.algorithm, &data, &sig.signature) {
                let mut value = Vec::new();
                canon::canonicalize_header(Canonicalization::Relaxed, &field, &mut value);
                let value = String::from_utf8_lossy(&value);
                let value = value
                    .split_once(':')
                    .map_or("", |(_, v)| v)
                    .trim_end_matches("\r\n");
                return Some(HeaderChange::FieldAdded {
                    field: String::from_utf8_lossy(field.name).into_owned(),
                    value: value.to_string(),
                    index,
                });
            }
        }
    }
    None
}

/// The names of h= present in the message, once each, in h= order.
fn signed_fields_present(header: &Header, signed_headers: &[String]) -> Vec<String> {
    let present: std::collections::HashSet<Vec<u8>> = header
        .fields()
        .map(|f| f.name.to_ascii_lowercase())
        .collect();
    let mut seen = std::collections::HashSet::new();
    signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .filter(|lower| present.contains(lower.as_bytes()) && seen.insert(lower.clone()))
        .collect()
}

/// "1 line", "3 lines".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::key_source::{KeySource, ZoneKeySource};
    use crate::dkim::record::KeyRecord;
    use crate::dkim::verify::{Reason, Verifier, VerifyOptions};
    use Canonicalization::{Relaxed, Simple};

    const NOW: u64 = 1_700_000_000;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/fixtures/forensics/{name}.eml",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn keys() -> ZoneKeySource {
        let path = format!("{}/fixtures/keys/keys.zone", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        ZoneKeySource::parse(&text, Some("example.com.")).unwrap()
    }

    /// The first DKIM-Signature of a message, its b=-less form, and the
    /// verifier's reason for failing it.
    fn first_signature(raw: &[u8]) -> (Signature, Vec<u8>, Option<Reason>) {
        let (header, _) = crate::dkim::message::split(raw).unwrap();
        let field = header.fields().find(|f| f.is("DKIM-Signature")).unwrap();
        let sig = Signature::parse(field.value).unwrap();
        let unsigned = crate::dkim::verify::unsigned_signature_field(&field);
        let source = keys();
        let verdicts = Verifier::new(&source, VerifyOptions::strict(NOW))
            .verify_message(raw)
            .unwrap();
        (sig, unsigned, verdicts[0].reason.clone())
    }

    fn key_for(sig: &Signature) -> VerifyingKey {
        let records = keys().txt(&sig.key_name()).unwrap();
        KeyRecord::parse(&records[0]).unwrap().key
    }

    #[test]
    fn body_fixtures() {
        let footer = "_______________________________________________\nDinner mailing list\n\
                      dinner@lists.example.net\nhttps://lists.example.net/mailman/listinfo/dinner";
        for (name, reason, expected) in [
            (
                "body-other-canon",
                "body-hash-mismatch",
                BodyChange::OtherCanonicalization {
                    declared: Simple,
                    matched: Relaxed,
                },
            ),
            (
                "body-cr-doubled",
                "body-hash-mismatch",
                BodyChange::LineEndings {
                    change: LineEndingChange::DoubledCr,
                    lines: 5,
                },
            ),
            (
                "body-trailing-whitespace",
                "body-hash-mismatch",
                BodyChange::TrailingWhitespace { lines: 2 },
            ),
            (
                "body-trailing-blank-lines",
                "body-hash-mismatch",
                BodyChange::TrailingBlankLines { lines: 2 },
            ),
            (
                "body-footer",
                "body-hash-mismatch",
                BodyChange::FooterAppended {
                    signed_bytes: 54,
                    footer: footer.into(),
                },
            ),
            (
                "body-quoted-printable",
                "body-hash-mismatch",
                BodyChange::Reencoded {
                    encoding: "quoted-printable".into(),
                    direction: ReencodeDirection::Encoded,
                },
            ),
            (
                "body-base64-decoded",
                "body-hash-mismatch",
                BodyChange::Reencoded {
                    encoding: "base64".into(),
                    direction: ReencodeDirection::Decoded,
                },
            ),
            (
                "body-rewrapped",
                "body-hash-mismatch",
                BodyChange::Rewrapped {
                    style: RewrapStyle::Space,
                    joined: 4,
                },
            ),
            (
                // The verifier stops at l= before hashing.
                "body-truncated",
                "length-limit",
                BodyChange::Truncated {
                    length: 54,
                    body: 46,
                },
            ),
            ("body-edited", "body-hash-mismatch", BodyChange::Unknown),
        ] {
            let raw = fixture(name);
            let (sig, _, verdict) = first_signature(&raw);
            assert_eq!(verdict.map(|r| r.code().as_str()), Some(reason), "{name}");
            let (header, body) = crate::dkim::message::split(&raw).unwrap();
            let change = explain_body_mismatch(&header, body, &sig);
            assert_eq!(change, expected, "{name}: {}", change.sentence());
        }
    }

    #[test]
    fn header_fixtures() {
        let mallory = || HeaderChange::FieldAdded {
            field: "From".into(),
            value: "Mallory <mallory@example.org>".into(),
            index: 0,
        };
        let signed: Vec<String> = [
            "from",
            "subject",
            "date",
            "to",
            "message-id",
            "mime-version",
            "content-type",
        ]
        .map(String::from)
        .to_vec();
        for (name, expected) in [
            (
                "header-key-other",
                HeaderChange::KeyMismatch {
                    key_name: "rsa2048._domainkey.example.com".into(),
                    key_bits: 2048,
                    signature_bits: 2048,
                },
            ),
            (
                "header-key-size",
                HeaderChange::KeyMismatch {
                    key_name: "rsa2048._domainkey.example.com".into(),
                    key_bits: 2048,
                    signature_bits: 1024,
                },
            ),
            ("header-from-added", mallory()),
            (
                "header-subject-added",
                HeaderChange::FieldAdded {
                    field: "Subject".into(),
                    value: "Dinner is cancelled".into(),
                    index: 8,
                },
            ),
            (
                "header-to-removed",
                HeaderChange::FieldsChanged {
                    changes: vec![FieldChange::Missing {
                        field: "to".into(),
                        listed: 1,
                    }],
                },
            ),
            (
                "header-subject-edited",
                HeaderChange::ContentChanged {
                    fields: signed.clone(),
                },
            ),
            ("header-ed25519-from-added", mallory()),
            (
                "header-ed25519-edited",
                HeaderChange::ContentChanged {
                    fields: signed.clone(),
                },
            ),
        ] {
            let raw = fixture(name);
            let (sig, unsigned, verdict) = first_signature(&raw);
            assert_eq!(
                verdict.map(|r| r.code().as_str()),
                Some("signature-mismatch"),
                "{name}"
            );
            let (header, _) = crate::dkim::message::split(&raw).unwrap();
            let change = explain_signature_mismatch(&header, &sig, &unsigned, &key_for(&sig));
            assert_eq!(change, expected, "{name}: {}", change.sentence());
        }
    }

    /// A signature over `signed` with the given body parameters.
    fn signature_over(
        signed: &[u8],
        canon: Canonicalization,
        hash: HashAlgorithm,
        limit: Option<u64>,
    ) -> Signature {
        let mut hasher = BodyHasher::new(canon, hash, limit);
        hasher.update(signed);
        Signature {
            algorithm: match hash {
                HashAlgorithm::Sha256 => crate::dkim::signature::Algorithm::RsaSha256,
                HashAlgorithm::Sha1 => crate::dkim::signature::Algorithm::RsaSha1,
            },
            signature: Vec::new(),
            body_hash: hasher.finish().0,
            header_canon: Relaxed,
            body_canon: canon,
            domain: "example.com".into(),
            selector: "s".into(),
            signed_headers: vec!["from".into()],
            identity: None,
            body_length: limit,
            timestamp: None,
            expiration: None,
        }
    }

    /// Signed body, current body, c=, hash, l=, expected change.
    type BodyCase<'a> = (
        &'a [u8],
        &'a [u8],
        Canonicalization,
        HashAlgorithm,
        Option<u64>,
        BodyChange,
    );

    #[test]
    fn body_candidates() {
        use HashAlgorithm::{Sha1, Sha256};
        let text = b"Hello there,\r\n\r\nthis was signed.\r\n";
        let long = "x".repeat(70);
        let wrapped_from = format!("{long} tail\r\nnext\r\n");
        let wrapped_to = format!("{long}\r\ntail\r\nnext\r\n");
        let flowed_from = "soft line break here and\r\nnext\r\n";
        let flowed_to = "soft line break \r\nhere and\r\nnext\r\n";
        let cases: Vec<BodyCase<'_>> = vec![
            (text, text, Relaxed, Sha256, None, BodyChange::Unchanged),
            (
                text,
                b"Hello there,\r\n\r\nthis was\r signed.\r\n",
                Relaxed,
                Sha1,
                None,
                BodyChange::LineEndings {
                    change: LineEndingChange::LoneCr,
                    lines: 1,
                },
            ),
            (
                text,
                b"Hello there,\r\r\n\r\nthis was signed.\r\n",
                Simple,
                Sha256,
                Some(20),
                BodyChange::LineEndings {
                    change: LineEndingChange::DoubledCr,
                    lines: 1,
                },
            ),
            (
                text,
                b"Hello there, \r\n\r\nthis was signed.\r\n",
                Simple,
                Sha256,
                None,
                BodyChange::OtherCanonicalization {
                    declared: Simple,
                    matched: Relaxed,
                },
            ),
            (
                b"",
                b"Footer\r\n",
                Relaxed,
                Sha256,
                None,
                BodyChange::FooterAppended {
                    signed_bytes: 0,
                    footer: "Footer".into(),
                },
            ),
            (
                text,
                b"Hello there,\r\n\r\nthis was signed.\r\n--\r\nlist\r\n",
                Simple,
                Sha1,
                None,
                BodyChange::FooterAppended {
                    signed_bytes: 34,
                    footer: "--\nlist".into(),
                },
            ),
            (
                wrapped_from.as_bytes(),
                wrapped_to.as_bytes(),
                Simple,
                Sha256,
                None,
                BodyChange::Rewrapped {
                    style: RewrapStyle::Space,
                    joined: 1,
                },
            ),
            (
                flowed_from.as_bytes(),
                flowed_to.as_bytes(),
                Simple,
                Sha256,
                None,
                BodyChange::Rewrapped {
                    style: RewrapStyle::Flowed,
                    joined: 1,
                },
            ),
            (
                text,
                b"Hello there,\r\n",
                Relaxed,
                Sha256,
                Some(34),
                BodyChange::Truncated {
                    length: 34,
                    body: 14,
                },
            ),
            (text, b"", Simple, Sha256, None, BodyChange::Unknown),
            // l=0 signs nothing, so nothing can break it.
            (
                b"",
                b"\xff\r\r\r\n \t",
                Simple,
                Sha1,
                Some(0),
                BodyChange::Unchanged,
            ),
            (
                b"x",
                b"\xff\r\r\r\n \t",
                Simple,
                Sha1,
                None,
                BodyChange::Unknown,
            ),
        ];
        let (header, _) = crate::dkim::message::split(b"From: a@example.com\r\n\r\n").unwrap();
        for (signed, now, canon, hash, limit, expected) in cases {
            let sig = signature_over(signed, canon, hash, limit);
            let change = explain_body_mismatch(&header, now, &sig);
            assert_eq!(
                change,
                expected,
                "{:?} -> {:?}",
                String::from_utf8_lossy(signed),
                String::from_utf8_lossy(now)
            );
            assert!(!change.sentence().is_empty());
        }
    }

    #[test]
    fn signer_bugs() {
        // Declared relaxed, hashed simple.
        let mut sig = signature_over(b"a  b\r\n", Simple, HashAlgorithm::Sha256, None);
        sig.body_canon = Relaxed;
        let (header, _) = crate::dkim::message::split(b"From: a@example.com\r\n\r\n").unwrap();
        assert_eq!(
            explain_body_mismatch(&header, b"a  b\r\n", &sig),
            BodyChange::OtherCanonicalization {
                declared: Relaxed,
                matched: Simple
            }
        );
        // Canonical lines ending in bare LF.
        use sha2::Digest;
        sig.body_hash = sha2::Sha256::digest(b"a b\nc\n").to_vec();
        assert_eq!(
            explain_body_mismatch(&header, b"a  b\r\nc\r\n", &sig),
            BodyChange::LineEndings {
                change: LineEndingChange::SignedBareLf,
                lines: 0
            }
        );
    }

    #[test]
    fn field_change_table() {
        let header_of = |fields: &str| {
            crate::dkim::message::split(format!("{fields}\r\n").as_bytes())
                .unwrap()
                .0
        };
        let h = |list: &str| list.split(':').map(String::from).collect::<Vec<_>>();
        for (fields, signed, expected) in [
            ("From: a\r\nTo: b", "from:to:from", vec![]),
            (
                "From: a\r\nFROM: c\r\nTo: b",
                "from:to:from",
                vec![FieldChange::Added {
                    field: "from".into(),
                    listed: 2,
                    present: 2,
                }],
            ),
            (
                "From: a\r\nX-A: 1\r\nx-a: 2",
                "From:x-a",
                vec![FieldChange::Added {
                    field: "x-a".into(),
                    listed: 1,
                    present: 2,
                }],
            ),
            (
                "From: a\r\nX-A: 1",
                "from:x-a:x-a:X-A:cc",
                vec![
                    FieldChange::Removed {
                        field: "x-a".into(),
                        listed: 3,
                        present: 1,
                    },
                    FieldChange::Missing {
                        field: "cc".into(),
                        listed: 1,
                    },
                ],
            ),
        ] {
            let changes = field_changes(&header_of(fields), &h(signed));
            assert_eq!(changes, expected, "{fields:?} h={signed}");
            changes
                .iter()
                .for_each(|c| assert!(!c.sentence().is_empty()));
        }
        // Hand-made values must not panic either.
        let odd = FieldChange::Removed {
            field: "x".into(),
            listed: 0,
            present: 9,
        };
        assert!(!odd.sentence().is_empty());
    }

    #[test]
    fn pkcs1_blocks() {
        let sha256_info = DIGEST_INFO[0].0;
        let block = |pad: usize, info: &[u8], digest: usize| {
            let mut b = vec![0x00, 0x01];
            b.extend(std::iter::repeat_n(0xff, pad));
            b.push(0x00);
            b.extend_from_slice(info);
            b.extend(std::iter::repeat_n(0xab, digest));
            b
        };
        assert!(pkcs1_v15_digest(&block(200, sha256_info, 32)).is_some());
        assert!(pkcs1_v15_digest(&block(200, DIGEST_INFO[3].0, 20)).is_some());
        assert!(pkcs1_v15_digest(&block(7, sha256_info, 32)).is_none());
        assert!(pkcs1_v15_digest(&block(200, sha256_info, 31)).is_none());
        assert!(pkcs1_v15_digest(&block(200, b"\x30\x00", 32)).is_none());
        assert!(pkcs1_v15_digest(&[]).is_none());
        assert!(pkcs1_v15_digest(&[0x00, 0x02, 0xff]).is_none());
    }

    #[test]
    fn footer_is_shortened() {
        let long = "é".repeat(600);
        let shown = footer_text(long.as_bytes());
        assert_eq!(shown.chars().count(), FOOTER_SHOWN + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(footer_text(b"  a\r\nb \r\n"), "a\nb");
    }

    #[test]
    fn serializes_with_a_kind_tag() {
        let json = serde_json::to_value(BodyChange::FooterAppended {
            signed_bytes: 3,
            footer: "x".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "footer-appended", "signed_bytes": 3, "footer": "x"})
        );
        let json = serde_json::to_value(HeaderChange::FieldsChanged {
            changes: vec![FieldChange::Missing {
                field: "to".into(),
                listed: 1,
            }],
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "fields-changed",
                "changes": [{"kind": "missing", "field": "to", "listed": 1}]})
        );
    }

    #[test]
    fn garbage_signatures_do_not_panic() {
        let raw = fixture("header-subject-edited");
        let (header, _) = crate::dkim::message::split(&raw).unwrap();
        let (mut sig, unsigned, _) = first_signature(&raw);
        let key = key_for(&sig);
        for signature in [vec![], vec![0xff; 256], vec![0xff; 300], vec![0; 256]] {
            sig.signature = signature;
            assert!(matches!(
                explain_signature_mismatch(&header, &sig, &unsigned, &key),
                HeaderChange::KeyMismatch { .. }
            ));
        }
    }
}
