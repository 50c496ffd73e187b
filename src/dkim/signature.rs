//! The DKIM-Signature header field (RFC 6376 §3.5): parsing into a typed
//! model with a typed reason when it is unusable, and emitting a new one
//! folded to at most 78 columns.

pub use crate::dkim::algorithm::{Algorithm, HashAlgorithm};
use crate::dkim::canon::Canonicalization;
use crate::dkim::tag_list::{TagList, TagListError, is_fws, strip_fws};
use crate::dns::DomainName;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use std::ops::Range;
use thiserror::Error;

/// The field name.
pub const FIELD_NAME: &str = "DKIM-Signature";

/// Why a DKIM-Signature field is unusable (a permerror). The reason words
/// follow the vocabulary of the conformance corpus.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The tag list does not parse.
    #[error("malformed tag list: {0}")]
    Syntax(TagListError),
    /// v= is not 1.
    #[error("unsupported version v={0}")]
    Version(String),
    /// A required tag is missing.
    #[error("required tag {0}= is missing")]
    MissingTag(&'static str),
    /// A tag that must have a value is empty.
    #[error("tag {0}= is empty")]
    EmptyTag(&'static str),
    /// b= or bh= is not base64.
    #[error("{0}= is not valid base64")]
    InvalidBase64(&'static str),
    /// a= names an unknown algorithm.
    #[error("unknown algorithm a={0}")]
    UnknownAlgorithm(String),
    /// c= names an unknown canonicalization.
    #[error("unknown canonicalization c={0}")]
    UnknownCanonicalization(String),
    /// q= offers no method we know (only dns/txt exists).
    #[error("unknown query method q={0}")]
    UnknownQueryMethod(String),
    /// l= is not a number.
    #[error("l= is not a decimal number: {0}")]
    InvalidLength(String),
    /// t= or x= is not a number of 1 to 12 digits (RFC 6376 §3.5).
    #[error("{0}= is not a timestamp of 1 to 12 decimal digits")]
    InvalidTimestamp(&'static str),
    /// h= lists more fields than any signer needs.
    #[error("h= lists {0} fields; at most {MAX_SIGNED_FIELDS} are verified")]
    TooManySignedFields(usize),
    /// x= is not after t=.
    #[error("x= ({expires}) is not after t= ({signed})")]
    ExpiresBeforeSigned {
        /// t=
        signed: u64,
        /// x=
        expires: u64,
    },
    /// h= does not include From (RFC 6376 §5.4).
    #[error("h= does not include From")]
    FromNotSigned,
    /// i= is not the d= domain or a subdomain of it.
    #[error("i= domain {identity} is not d={domain} or a subdomain of it")]
    IdentityNotInDomain {
        /// The domain part of i=.
        identity: String,
        /// d=
        domain: String,
    },
    /// An ARC field's i= is missing or not an instance number.
    #[error("i= must be the ARC instance, a number from 1 to 50: {0}")]
    InvalidInstance(String),
    /// An ARC-Seal with h= (RFC 8617 §4.1.3: a seal signs the ARC sets, never other fields).
    #[error("an ARC-Seal must not have h= (RFC 8617 §4.1.3)")]
    SealHeaderList,
    /// An ARC-Seal whose cv= is not none, pass or fail.
    #[error("cv= must be none, pass or fail, not {0:?}")]
    InvalidChainStatus(String),
    /// An ARC-Message-Signature that signs an ARC-Seal (RFC 8617 §4.1.2).
    #[error("h= lists ARC-Seal, which an ARC-Message-Signature must not sign (RFC 8617 §4.1.2)")]
    SignsSeal,
    /// d= or s= is not a valid domain name / selector.
    #[error("{tag}= is not a valid domain name: {value}")]
    InvalidDomain {
        /// Which tag.
        tag: &'static str,
        /// Its value.
        value: String,
    },
}

/// t= and x= are 1*12DIGIT (RFC 6376 §3.5): seconds up to the year 33658.
pub const TIMESTAMP_DIGITS: usize = 12;

/// The largest timestamp t= or x= can hold.
pub const MAX_TIMESTAMP: u64 = 999_999_999_999;

/// The most names h= may list, signing or verifying: far above what any
/// signer lists (tens), low enough that a hostile field cannot make the
/// verifier hash a header thousands of times.
pub const MAX_SIGNED_FIELDS: usize = 1_000;

/// The two fields that carry a DKIM-style signature of the message: they
/// share RFC 6376's syntax and semantics, with RFC 8617 §4.1.2's
/// differences for the AMS (no v=, i= is the ARC instance, From need not
/// be signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedField {
    /// DKIM-Signature (RFC 6376 §3.5).
    DkimSignature,
    /// ARC-Message-Signature (RFC 8617 §4.1.2).
    ArcMessageSignature,
}

/// A parsed DKIM-Signature (or ARC-Message-Signature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// Signing algorithm (a=).
    pub algorithm: Algorithm,
    /// The signature bytes (b=).
    #[serde(skip)]
    pub signature: Vec<u8>,
    /// The body hash (bh=).
    #[serde(skip)]
    pub body_hash: Vec<u8>,
    /// Header canonicalization (first half of c=).
    pub header_canon: Canonicalization,
    /// Body canonicalization (second half of c=).
    pub body_canon: Canonicalization,
    /// Signing domain (d=), lowercased.
    pub domain: String,
    /// Selector (s=).
    pub selector: String,
    /// Signed header field names (h=), in order.
    pub signed_headers: Vec<String>,
    /// Agent or user identifier (i=), quoted-printable decoded.
    pub identity: Option<String>,
    /// Body length limit (l=).
    pub body_length: Option<u64>,
    /// Signature timestamp (t=), Unix seconds.
    pub timestamp: Option<u64>,
    /// Signature expiration (x=), Unix seconds.
    pub expiration: Option<u64>,
}

impl Signature {
    /// Parses the value of a DKIM-Signature field.
    pub fn parse(value: &[u8]) -> Result<Signature, SignatureError> {
        Signature::parse_field(value, SignedField::DkimSignature)
    }

    /// Parses the value of a DKIM-Signature or ARC-Message-Signature field.
    pub fn parse_field(value: &[u8], kind: SignedField) -> Result<Signature, SignatureError> {
        let dkim = kind == SignedField::DkimSignature;
        let tags = TagList::parse(value).map_err(SignatureError::Syntax)?;
        let required = |name| required(&tags, name);
        let non_empty = |name| non_empty(&tags, name);
        if dkim {
            let version = required("v")?;
            if version != "1" {
                return Err(SignatureError::Version(version.to_string()));
            }
        }
        let algorithm = required("a")?;
        let algorithm = Algorithm::parse(algorithm)
            .ok_or_else(|| SignatureError::UnknownAlgorithm(algorithm.into()))?;
        let signature = decode_base64(non_empty("b")?).ok_or(SignatureError::InvalidBase64("b"))?;
        let body_hash =
            decode_base64(non_empty("bh")?).ok_or(SignatureError::InvalidBase64("bh"))?;
        let domain = non_empty("d")?;
        check_domain("d", domain)?;
        let selector = non_empty("s")?;
        check_domain("s", selector)?;
        // An AMS may sign no field but itself (RFC 8617 §4.1.2 sets no
        // minimum, and the ARC test suite's h= empty passes).
        let h = if dkim {
            non_empty("h")?
        } else {
            required("h")?
        };
        let signed_headers: Vec<String> = if strip_fws(h).is_empty() {
            Vec::new()
        } else {
            h.split(':').map(strip_fws).collect()
        };
        // An empty name between colons is outside RFC 6376's grammar. In an
        // AMS it selects no field, as the ARC test suite
        // (ams_fields_h_mis_hdr), dkimpy and Mail::DKIM all have it.
        if dkim && signed_headers.iter().any(String::is_empty) {
            return Err(SignatureError::EmptyTag("h"));
        }
        if signed_headers.len() > MAX_SIGNED_FIELDS {
            return Err(SignatureError::TooManySignedFields(signed_headers.len()));
        }
        if dkim
            && !signed_headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("from"))
        {
            return Err(SignatureError::FromNotSigned);
        }
        let (header_canon, body_canon) = parse_canonicalization(tags.get("c"))?;
        if let Some(q) = tags.get("q") {
            // q= is a colon list; dns/txt must be among them (§3.5).
            if !q
                .split(':')
                .any(|m| strip_fws(m).eq_ignore_ascii_case("dns/txt"))
            {
                return Err(SignatureError::UnknownQueryMethod(q.to_string()));
            }
        }
        let body_length = tags
            .get("l")
            .map(|l| parse_decimal(l).ok_or_else(|| SignatureError::InvalidLength(l.to_string())))
            .transpose()?;
        let timestamp = parse_time(&tags, "t")?;
        let expiration = parse_time(&tags, "x")?;
        if let (Some(signed), Some(expires)) = (timestamp, expiration)
            && expires <= signed
        {
            return Err(SignatureError::ExpiresBeforeSigned { signed, expires });
        }
        let domain = domain.to_ascii_lowercase();
        // In an AMS, i= is the instance, read by the ARC code.
        let identity = tags.get("i").filter(|_| dkim).map(decode_qp);
        if let Some(identity) = &identity {
            let id_domain = identity
                .rsplit_once('@')
                .map_or(identity.as_str(), |(_, d)| d);
            if !is_same_or_subdomain(id_domain, &domain) {
                return Err(SignatureError::IdentityNotInDomain {
                    identity: id_domain.to_string(),
                    domain,
                });
            }
        }
        Ok(Signature {
            algorithm,
            signature,
            body_hash,
            header_canon,
            body_canon,
            domain,
            selector: selector.to_string(),
            signed_headers,
            identity,
            body_length,
            timestamp,
            expiration,
        })
    }

    /// The DNS name of the key record: `<selector>._domainkey.<domain>`.
    pub fn key_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }
}

/// The value of tag `name`, which the field must have.
pub(crate) fn required<'a>(
    tags: &TagList<'a>,
    name: &'static str,
) -> Result<&'a str, SignatureError> {
    tags.get(name).ok_or(SignatureError::MissingTag(name))
}

/// The value of tag `name`, which the field must have and not leave empty.
pub(crate) fn non_empty<'a>(
    tags: &TagList<'a>,
    name: &'static str,
) -> Result<&'a str, SignatureError> {
    match required(tags, name)? {
        "" => Err(SignatureError::EmptyTag(name)),
        value => Ok(value),
    }
}

/// The byte range that verification removes from a field value before
/// hashing the field itself: b='s value "including all surrounding
/// whitespace" (RFC 6376 §3.7 step 2), that is everything between its `=`
/// and the next `;` or the end. Signers that fold right after `b=` (as
/// Mail::DKIM does) depend on the whitespace going too.
pub fn b_value_range(value: &[u8]) -> Option<Range<usize>> {
    let tags = TagList::parse(value).ok()?;
    let range = &tags.tag("b")?.value_range;
    let before = value[..range.start]
        .iter()
        .rev()
        .take_while(|&&b| is_fws(b))
        .count();
    let after = value[range.end..]
        .iter()
        .take_while(|&&b| is_fws(b))
        .count();
    Some(range.start - before..range.end + after)
}

fn parse_canonicalization(
    c: Option<&str>,
) -> Result<(Canonicalization, Canonicalization), SignatureError> {
    let Some(c) = c else {
        return Ok((Canonicalization::Simple, Canonicalization::Simple));
    };
    let unknown = || SignatureError::UnknownCanonicalization(c.to_string());
    let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
    let h = Canonicalization::parse(&h.to_ascii_lowercase()).ok_or_else(unknown)?;
    let b = Canonicalization::parse(&b.to_ascii_lowercase()).ok_or_else(unknown)?;
    Ok((h, b))
}

pub(crate) fn parse_time(
    tags: &TagList<'_>,
    name: &'static str,
) -> Result<Option<u64>, SignatureError> {
    tags.get(name)
        .map(|v| {
            (v.len() <= TIMESTAMP_DIGITS)
                .then(|| parse_decimal(v))
                .flatten()
                .ok_or(SignatureError::InvalidTimestamp(name))
        })
        .transpose()
}

/// 1*76DIGIT as RFC 6376 allows, saturating rather than overflowing.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 76 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// Base64 as found in the wild: signers leave stray trailing bits and drop
/// padding, and other verifiers accept both, so we do too.
pub(crate) const LENIENT_BASE64: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );

/// Decodes base64 with folding whitespace removed.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    LENIENT_BASE64.decode(strip_fws(value)).ok()
}

/// Decodes dkim-quoted-printable (=XX escapes; whitespace is ignored).
fn decode_qp(value: &str) -> String {
    let bytes: Vec<u8> = strip_fws(value).into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn check_domain(tag: &'static str, value: &str) -> Result<(), SignatureError> {
    let ok = value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(SignatureError::InvalidDomain {
            tag,
            value: value.to_string(),
        })
    }
}

/// Whether `name` is `domain` or a subdomain of it (case-insensitive).
pub fn is_same_or_subdomain(name: &str, domain: &str) -> bool {
    DomainName::new(name).is_within(&DomainName::new(domain))
}

/// Builds the text of a new DKIM-Signature field, folded at 78 columns.
///
/// The field is built twice over one layout: once with an empty b= (what
/// gets hashed) and once with the signature in place, which only adds text
/// and folding after `b=`, so both hash the same under either
/// canonicalization.
#[derive(Debug, Clone)]
pub struct FieldBuilder {
    /// Folded field up to and including `b=`, no line ending.
    prefix: String,
    /// Column after `b=` on its line.
    column: usize,
}

/// The widest line we emit, per RFC 5322 §2.1.1.
const MAX_LINE: usize = 78;

impl FieldBuilder {
    /// Lays out `tags` (name, value, may the value be split at `split_at`)
    /// followed by b=.
    pub fn new(tags: &[(&str, String, Option<char>)]) -> FieldBuilder {
        let mut out = format!("{FIELD_NAME}:");
        let mut column = out.len();
        for (name, value, split) in tags {
            let item = format!("{name}={value};");
            push_item(&mut out, &mut column, &item, *split, name.len() + 1);
        }
        push_item(&mut out, &mut column, "b=", None, 2);
        FieldBuilder {
            prefix: out,
            column,
        }
    }

    /// The field with an empty b=: the input to the header hash.
    pub fn unsigned(&self) -> &str {
        &self.prefix
    }

    /// The complete field with `signature` in b=, folded, without the
    /// final line ending; `eol` is the line ending used for folding.
    pub fn signed(&self, signature: &[u8], eol: &str) -> String {
        let b64 = BASE64.encode(signature);
        let mut out = self.prefix.clone();
        let mut column = self.column;
        let mut rest = b64.as_str();
        while !rest.is_empty() {
            let room = MAX_LINE.saturating_sub(column);
            if room == 0 {
                out.push_str(eol);
                out.push(' ');
                column = 1;
                continue;
            }
            let take = room.min(rest.len());
            out.push_str(&rest[..take]);
            column += take;
            rest = &rest[take..];
        }
        out.replace("\r\n", eol)
    }
}

/// Appends " item", folding first when it would pass the column limit; a
/// long value splittable at `split` is broken after that character.
fn push_item(out: &mut String, column: &mut usize, item: &str, split: Option<char>, head: usize) {
    if *column + 1 + item.len() <= MAX_LINE {
        out.push(' ');
        out.push_str(item);
        *column += 1 + item.len();
        return;
    }
    out.push_str("\r\n ");
    *column = 1;
    let Some(split) = split else {
        out.push_str(item);
        *column += item.len();
        return;
    };
    // Break after `split` characters (h= colons) or anywhere (base64),
    // never inside the tag name.
    let mut rest = item;
    let mut first = true;
    while !rest.is_empty() {
        let room = MAX_LINE.saturating_sub(*column);
        let piece_len = if rest.len() <= room {
            rest.len()
        } else if split == '*' {
            room.max(if first { head + 1 } else { 1 })
        } else {
            let window = &rest[..room.min(rest.len())];
            match window.rfind(split) {
                Some(i) if !(first && i < head) => i + 1,
                _ => rest.find(split).map_or(rest.len(), |i| i + 1),
            }
        };
        out.push_str(&rest[..piece_len]);
        *column += piece_len;
        rest = &rest[piece_len..];
        if !rest.is_empty() {
            out.push_str("\r\n ");
            *column = 1;
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_value_range_takes_the_surrounding_whitespace() {
        for (value, removed) in [
            (&b" a=1; b=abc"[..], &b" a=1; b="[..]),
            (b" a=1; b=\r\n\tab\r\n\tc", b" a=1; b="),
            (b" b=\r\n\tabc ;\r\n\tbh=x", b" b=;\r\n\tbh=x"),
            (b" b= ; d=x", b" b=; d=x"),
        ] {
            let range = b_value_range(value).unwrap();
            let mut out = value[..range.start].to_vec();
            out.extend_from_slice(&value[range.end..]);
            assert_eq!(out, removed, "{:?}", String::from_utf8_lossy(value));
        }
    }

    const GOOD: &str = "v=1; a=rsa-sha256; d=Example.com; s=s1; c=relaxed/simple; h=From:To; bh=AAAA; b=AA AA; i=a=40b@sub.example.com; t=10; x=20; l=5";

    #[test]
    fn parses_every_tag() {
        let s = Signature::parse(GOOD.as_bytes()).unwrap();
        assert_eq!(s.algorithm, Algorithm::RsaSha256);
        assert_eq!(s.domain, "example.com");
        assert_eq!(s.signed_headers, ["From", "To"]);
        assert_eq!(s.identity.as_deref(), Some("a@b@sub.example.com"));
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canonicalization::Relaxed, Canonicalization::Simple)
        );
        assert_eq!(
            (s.timestamp, s.expiration, s.body_length),
            (Some(10), Some(20), Some(5))
        );
        assert_eq!(s.signature, [0, 0, 0]);
        assert_eq!(s.key_name(), "s1._domainkey.example.com");
    }

    #[test]
    fn typed_reasons() {
        use SignatureError as E;
        type Is = fn(&SignatureError) -> bool;
        let cases: [(&str, &str, Is); 14] = [
            ("v=1;", "v=2;", |e| matches!(e, E::Version(_))),
            ("a=rsa-sha256", "a=rsa-md5", |e| {
                matches!(e, E::UnknownAlgorithm(_))
            }),
            ("c=relaxed/simple", "c=fancy", |e| {
                matches!(e, E::UnknownCanonicalization(_))
            }),
            ("h=From:To", "h=To", |e| matches!(e, E::FromNotSigned)),
            ("bh=AAAA", "bh=", |e| matches!(e, E::EmptyTag("bh"))),
            ("b=AA AA", "b=!!", |e| matches!(e, E::InvalidBase64(_))),
            ("d=Example.com", "d=ex ample.com", |e| {
                matches!(e, E::InvalidDomain { tag: "d", .. })
            }),
            ("sub.example.com", "example.org", |e| {
                matches!(e, E::IdentityNotInDomain { .. })
            }),
            ("x=20", "x=5", |e| {
                matches!(e, E::ExpiresBeforeSigned { .. })
            }),
            ("l=5", "l=-5", |e| matches!(e, E::InvalidLength(_))),
            ("s=s1;", "", |e| matches!(e, E::MissingTag("s"))),
            ("x=20", "x=1000000000000", |e| {
                matches!(e, E::InvalidTimestamp("x"))
            }),
            ("t=10", "t=0000000000010", |e| {
                matches!(e, E::InvalidTimestamp("t"))
            }),
            ("; l=5", "; l=5; x", |e| matches!(e, E::Syntax(_))),
        ];
        for (from, to, expected) in cases {
            let input = GOOD.replace(from, to);
            let err = Signature::parse(input.as_bytes()).unwrap_err();
            assert!(expected(&err), "{input}: {err:?}");
        }
    }

    #[test]
    fn folds_at_78_columns_and_round_trips() {
        let h = "from:to:subject:date:message-id:mime-version:content-type:reply-to:cc:references:in-reply-to:from";
        let builder = FieldBuilder::new(&[
            ("v", "1".into(), None),
            ("a", "rsa-sha256".into(), None),
            ("c", "relaxed/relaxed".into(), None),
            ("d", "example.com".into(), None),
            ("s", "selector2026".into(), None),
            ("t", "1700000000".into(), None),
            ("h", h.into(), Some(':')),
            (
                "bh",
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                Some('*'),
            ),
        ]);
        let field = builder.signed(&[7u8; 256], "\r\n");
        for line in field.split("\r\n") {
            assert!(line.len() <= 78, "{line:?} is {} long", line.len());
        }
        let value = &field.as_bytes()[FIELD_NAME.len() + 1..];
        let sig = Signature::parse(value).unwrap();
        assert_eq!(sig.signed_headers.join(":"), h);
        assert_eq!(sig.signature, vec![7u8; 256]);
        let b = b_value_range(value).unwrap();
        let unsigned = format!(
            "{}{}",
            &field[..FIELD_NAME.len() + 1 + b.start],
            &field[FIELD_NAME.len() + 1 + b.end..]
        );
        assert_eq!(unsigned, builder.unsigned());
    }
}
