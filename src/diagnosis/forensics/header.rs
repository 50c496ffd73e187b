//! Header-change forensics: a signature mismatch (bh= matches, b= does not
//! verify) is explained by opening an RSA signature with the published key:
//! if the result is no PKCS#1 v1.5 block, the published key is not the one
//! that signed. Otherwise the signed header fields changed, and the counts
//! of fields named in h= are compared with the message; an added field is
//! confirmed when removing it makes the signature verify.

use super::{FieldChange, HeaderChange};
use crate::dkim::canon::{self, Canonicalization};
use crate::dkim::message::Header;
use crate::dkim::signature::Signature;
use crate::key::crypto::VerifyingKey;
use std::collections::HashMap;

/// How many headers-without-one-field are tried to confirm an addition.
const MAX_REMOVAL_TRIALS: usize = 32;

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
    if let Some(tagged) = confirm_subject_tag(header, sig, unsigned_field, key) {
        return tagged;
    }
    HeaderChange::ContentChanged {
        fields: signed_fields_present(header, &sig.signed_headers),
    }
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
pub(super) fn is_identity_field(name: &str) -> bool {
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

/// Whether the signed Subject gained a list tag (`[list] `) after
/// signing: confirmed when the signature verifies without it.
fn confirm_subject_tag(
    header: &Header,
    sig: &Signature,
    unsigned_field: &[u8],
    key: &VerifyingKey,
) -> Option<HeaderChange> {
    let names = ["subject".to_string()];
    let &index = canon::signed_field_indices(header, &names)
        .first()
        .filter(|_| {
            sig.signed_headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("subject"))
        })?;
    let field = header.field(index)?;
    let value_start = field.value_offset();
    let value = &field.raw[value_start..];
    let lead = value
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let rest = &value[lead..];
    if rest.first() != Some(&b'[') {
        return None;
    }
    let close = rest.iter().take(64).position(|&b| b == b']')?;
    let after = rest[close + 1..].iter().take_while(|&&b| b == b' ').count();
    let tag = String::from_utf8_lossy(&rest[..=close]).into_owned();
    let mut raw = Vec::with_capacity(header.as_bytes().len());
    for (i, f) in header.fields().enumerate() {
        if i == index {
            raw.extend_from_slice(&f.raw[..value_start + lead]);
            raw.extend_from_slice(&rest[close + 1 + after..]);
        } else {
            raw.extend_from_slice(f.raw);
        }
    }
    raw.extend_from_slice(header.line_ending().as_bytes());
    let untagged = Header::parse(raw).ok()?;
    let mut data = Vec::with_capacity(1024);
    canon::canonicalize_signed_fields(sig.header_canon, &untagged, &sig.signed_headers, &mut data);
    canon::canonicalize_signature_field(sig.header_canon, unsigned_field, &mut data);
    key.verify(sig.algorithm, &data, &sig.signature)
        .then_some(HeaderChange::SubjectTagged { tag })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::forensics::tests::{first_signature, fixture, key_for};

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
