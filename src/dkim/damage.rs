//! What happened to a key record on its way into DNS: the few mistakes
//! made pasting a record into a DNS host's web form (quotes kept, zone-file
//! escapes, a key cut where the first TXT string ends, `+` turned into
//! spaces, a k= that does not fit the key, one record split into two). A
//! record that does not parse is explained here, once, for `verify`,
//! `lint` and `diagnose` alike.

use crate::dkim::record::{KeyRecord, RecordError};
use crate::dkim::signature::decode_base64;
use crate::dkim::tag_list::{self, strip_fws};
use crate::key::KeyError;
use crate::key::crypto::VerifyingKey;

/// Replaces the error of a record that does not parse by the damage that
/// explains it, when one does; otherwise returns `error` as it is.
pub(crate) fn explain(text: &str, error: RecordError) -> RecordError {
    if matches!(error, RecordError::Revoked) {
        return error;
    }
    if let Some(armor) = pem_armor(text) {
        return armor;
    }
    let trimmed = text.trim();
    if trimmed.starts_with('"') {
        return RecordError::Quoted {
            repaired: unquote(trimmed),
        };
    }
    if text.contains("\\;") {
        return RecordError::Escaped {
            repaired: text
                .replace("\\;", ";")
                .replace("\\\"", "\"")
                .replace("\\\\", "\\"),
        };
    }
    let RecordError::InvalidKey(key_error) = error else {
        return error;
    };
    let Some(p) = raw_tag(text, "p") else {
        return RecordError::InvalidKey(key_error);
    };
    let declared = raw_tag(text, "k").map(|k| k.trim().to_ascii_lowercase());
    if let Some(actual) = actual_key_type(p)
        && Some(actual) != declared.as_deref().or(Some("rsa"))
    {
        let repaired = if declared.is_some() {
            tag_list::with_tag(text, "k", Some(actual))
        } else if raw_tag(text, "v").is_some() {
            format!(
                "v=DKIM1; k={actual}; {}",
                tag_list::with_tag(text, "v", None)
            )
        } else {
            format!("k={actual}; {text}")
        };
        return RecordError::WrongKeyType {
            declared,
            actual,
            repaired,
        };
    }
    let p = p.trim();
    let spaces = p.chars().filter(|c| *c == ' ').count();
    if spaces > 0 {
        let plus = tag_list::with_tag(text, "p", Some(&p.replace(' ', "+")));
        if KeyRecord::parse_strict(&plus).is_ok() {
            return RecordError::PlusAsSpace {
                spaces,
                repaired: plus,
            };
        }
    }
    if declared.as_deref().unwrap_or("rsa") == "rsa"
        && let Some((expected, bits)) = expected_rsa_length(p)
    {
        let found = strip_fws(p).len();
        if found < expected {
            return RecordError::Truncated {
                found,
                expected,
                bits,
                at_string_end: text.len().is_multiple_of(crate::zone::text::TXT_STRING_MAX),
            };
        }
    }
    if p.contains([' ', '\t']) {
        return RecordError::Whitespace { error: key_error };
    }
    RecordError::InvalidKey(key_error)
}

/// `key-pem-armor` when p= holds PEM armour or line breaks (real or
/// escaped), with the one line of base64 in the repaired text.
pub fn pem_armor(text: &str) -> Option<RecordError> {
    let p = raw_tag(text, "p")?;
    let armored = p.contains("-----")
        || p.contains('\n')
        || p.contains('\r')
        || p.contains("\\n")
        || p.contains("\\010");
    armored.then(|| RecordError::PemArmor {
        repaired: tag_list::with_tag(text, "p", Some(&strip_armor(p))),
    })
}

/// The p= value with PEM armour and line breaks (real or escaped) removed.
fn strip_armor(p: &str) -> String {
    let mut text = p.to_string();
    for escape in ["\\010", "\\013", "\\n", "\\r"] {
        text = text.replace(escape, "\n");
    }
    // Drop "-----BEGIN ...-----" and "-----END ...-----".
    while let Some(start) = text.find("-----") {
        let after = start + 5;
        let end = text[after..]
            .find("-----")
            .map_or(text.len(), |i| after + i + 5);
        text.replace_range(start..end, "");
    }
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect()
}

/// Several TXT records at one name that, none usable alone, make one key
/// record when joined (the key-like one first): the joined text.
pub fn split_records(texts: &[String]) -> Option<String> {
    if texts.len() < 2 || texts.len() > 4 {
        return None;
    }
    let (first, rest): (Vec<&String>, Vec<&String>) = texts
        .iter()
        .partition(|t| t.contains("p=") || t.trim_start().starts_with("v="));
    if first.len() != 1 || texts.iter().any(|t| KeyRecord::parse_strict(t).is_ok()) {
        return None;
    }
    let mut order: Vec<&String> = rest;
    // Every order of the pieces after the first (at most 3! = 6).
    let mut orders = Vec::new();
    permutations(&mut order, 0, &mut orders);
    orders.into_iter().find_map(|pieces| {
        let joined: String = std::iter::once(first[0].as_str())
            .chain(pieces.iter().map(|s| s.as_str()))
            .collect();
        KeyRecord::parse_strict(&joined).is_ok().then_some(joined)
    })
}

fn permutations<'a>(items: &mut Vec<&'a String>, k: usize, out: &mut Vec<Vec<&'a String>>) {
    if k == items.len() {
        out.push(items.clone());
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permutations(items, k + 1, out);
        items.swap(k, i);
    }
}

/// The text with the quotes a DNS host kept removed: around the value and
/// between the strings typed as `"..." "..."`.
fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        // `" "` between two strings joins them.
        let mut lookahead = chars.clone();
        while lookahead.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        if lookahead.peek() == Some(&'"') {
            lookahead.next();
            chars = lookahead;
        }
    }
    out
}

/// The raw value of `tag` in a record text.
fn raw_tag<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    tag_list::scan(text).find_map(|s| s.value.filter(|_| s.name == tag))
}

/// The type of the key p= holds, when it decodes as one: `ed25519` for
/// 32 bytes, `rsa` for an RSA key in DER.
fn actual_key_type(p: &str) -> Option<&'static str> {
    let der = decode_base64(p)?;
    if der.len() == 32 && VerifyingKey::ed25519(&der).is_ok() {
        return Some("ed25519");
    }
    match VerifyingKey::rsa_from_der(&der) {
        Ok(_) | Err(KeyError::TooShort { .. }) => Some("rsa"),
        Err(_) => None,
    }
}

/// How many base64 characters an RSA key whose DER begins as `p` does
/// takes, read from the length of its outer SEQUENCE, and its size in
/// bits where the prefix reaches the modulus.
fn expected_rsa_length(p: &str) -> Option<(usize, Option<usize>)> {
    let p = strip_fws(p);
    if !p.is_ascii() {
        return None;
    }
    let whole = p.len() - p.len() % 4;
    let der = decode_base64(&p[..whole])?;
    let (total, mut at) = der_header(&der, 0, 0x30)?;
    let total = at + total;
    // SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING, then the
    // PKCS#1 key; a bare PKCS#1 key starts with the modulus.
    if der.get(at) == Some(&0x30) {
        let (len, body) = der_header(&der, at, 0x30)?;
        let (_, bits_at) = der_header(&der, body + len, 0x03)?;
        at = bits_at + 1;
        at = der_header(&der, at, 0x30)?.1;
    }
    let bits = der_header(&der, at, 0x02).map(|(len, body)| {
        let zero = usize::from(der.get(body) == Some(&0));
        len.saturating_sub(zero) * 8
    });
    Some((total.div_ceil(3) * 4, bits))
}

/// The length and the offset of the contents of the DER element of tag
/// `tag` at `at`.
fn der_header(der: &[u8], at: usize, tag: u8) -> Option<(usize, usize)> {
    if *der.get(at)? != tag {
        return None;
    }
    let first = *der.get(at + 1)?;
    match first {
        0..=0x7f => Some((usize::from(first), at + 2)),
        0x81 => Some((usize::from(*der.get(at + 2)?), at + 3)),
        0x82 => Some((
            usize::from(*der.get(at + 2)?) << 8 | usize::from(*der.get(at + 3)?),
            at + 4,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    // The 2048-bit test key's SubjectPublicKeyInfo, first 96 characters.
    const RSA_START: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4MDEHrruwtlNbbk6h54ZB3k9RVWR1fbomHf1+2CGu8wmINmqbmIf";

    #[test]
    fn each_damage_has_its_code() {
        use crate::diagnosis::finding::Code;
        for (text, code) in [
            (format!("\"v=DKIM1; k=ed25519; p={ED}\""), Code::KeyQuoted),
            (format!("v=DKIM1\\; k=ed25519\\; p={ED}"), Code::KeyEscaped),
            (format!("v=DKIM1; k=rsa; p={RSA_START}"), Code::KeyTruncated),
            (format!("v=DKIM1; p={ED}"), Code::KeyWrongType),
            (
                format!("v=DKIM1; k=rsa; p=MIIB AAAA*{ED}"),
                Code::KeyWhitespace,
            ),
            ("v=DKIM1; k=rsa; p=AAAA".to_string(), Code::KeyInvalid),
            ("v=DKIM1; k=rsa; p=".to_string(), Code::KeyRevoked),
            // Never a panic on what is not ASCII or not DER.
            (
                "v=DKIM1; k=rsa; p=MIIB\u{e9}\u{e9}".to_string(),
                Code::KeySyntax,
            ),
            ("v=DKIM1; k=rsa; p=MAIAAA==".to_string(), Code::KeyInvalid),
        ] {
            assert_eq!(KeyRecord::parse(&text).unwrap_err().code(), code, "{text}");
        }
    }

    #[test]
    fn the_expected_length_comes_from_the_der() {
        assert_eq!(expected_rsa_length(RSA_START), Some((392, Some(2048))));
        assert_eq!(expected_rsa_length("MIIBIgAN"), Some((392, None)));
        assert_eq!(expected_rsa_length("AAAA"), None);
    }

    #[test]
    fn quotes_are_taken_off() {
        for (text, repaired) in [
            ("\"v=DKIM1; p=AB\"", "v=DKIM1; p=AB"),
            ("\"v=DKIM1; p=AB\" \"CD\"", "v=DKIM1; p=ABCD"),
            ("\"v=DKIM1; p=AB\"\"CD\"", "v=DKIM1; p=ABCD"),
        ] {
            assert_eq!(unquote(text), repaired, "{text}");
        }
    }
}
