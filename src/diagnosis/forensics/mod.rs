//! Forensics: why a DKIM signature fails. Pure functions over the message
//! bytes that [`crate::dkim::verify`] has already judged, for `dkimctl inspect`.
//!
//! This module holds what the explanations are ([`BodyChange`],
//! [`HeaderChange`], [`FieldChange`]) and their two entry points;
//! `body` finds what changed when bh= fails, `header` when b= fails
//! with bh= matching.

mod body;
mod header;

pub use body::explain_body_mismatch;
pub use header::explain_signature_mismatch;

use crate::dkim::canon::Canonicalization;
use header::is_identity_field;
use serde::Serialize;

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
    /// The body is longer than forensics reads back into memory
    /// ([`crate::diagnosis::inspect::FORENSICS_BODY`]): its hash was
    /// checked, streamed, but what changed is not looked for.
    NotExamined {
        /// The limit, in bytes.
        limit: u64,
    },
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
            BodyChange::NotExamined { limit } => format!(
                "the body does not hash to bh=; it is longer than the {} MiB forensics \
                 examines, so what changed was not looked for",
                limit >> 20
            ),
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
    /// The Subject gained a tag (a mailing list's `[list] ` prefix);
    /// without it the signature verifies.
    SubjectTagged {
        /// The tag, brackets included.
        tag: String,
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
            HeaderChange::SubjectTagged { tag } => format!(
                "the Subject gained the tag {tag:?} after signing (a mailing list's subject \
                 prefix); without it the signature verifies"
            ),
            HeaderChange::ContentChanged { fields } => format!(
                "a signed field's content changed after signing (or the DKIM-Signature field \
                 itself was altered); compare these signed fields with the original: {}",
                fields.join(", ")
            ),
        }
    }
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
    use crate::dkim::signature::Signature;
    use crate::dkim::verify::{Reason, Verifier, VerifyOptions};
    use crate::key::crypto::VerifyingKey;

    const NOW: u64 = 1_700_000_000;

    pub(super) fn fixture(name: &str) -> Vec<u8> {
        crate::fixture(&format!("forensics/{name}.eml"))
    }

    fn keys() -> ZoneKeySource {
        let path = format!("{}/fixtures/keys/keys.zone", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        ZoneKeySource::parse(&text, Some("example.com.")).unwrap()
    }

    /// The first DKIM-Signature of a message, its b=-less form, and the
    /// verifier's reason for failing it.
    pub(super) fn first_signature(raw: &[u8]) -> (Signature, Vec<u8>, Option<Reason>) {
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

    pub(super) fn key_for(sig: &Signature) -> VerifyingKey {
        let records = keys().txt(&sig.key_name()).unwrap();
        KeyRecord::parse(&records[0]).unwrap().key
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
}
