//! DKIM key records (RFC 6376 §3.6.1): the TXT data at
//! `<selector>._domainkey.<domain>`, parsed into a typed record or a typed
//! reason it cannot be used.

use crate::diagnosis::finding::Code;
use crate::dkim::tag_list::{TagList, TagListError};
use crate::key::KeyError;
use crate::key::crypto::VerifyingKey;
use thiserror::Error;

/// Why a key record is unusable (a permerror for the signature).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The tag list does not parse.
    #[error("malformed key record: {0}")]
    Syntax(TagListError),
    /// v= is not DKIM1, or not the first tag.
    #[error("key record version {0:?} is not DKIM1 (as the first tag)")]
    Version(String),
    /// No p= tag.
    #[error("key record has no p= tag")]
    MissingKey,
    /// p= is empty: the key was revoked.
    #[error("the key was revoked (empty p=)")]
    Revoked,
    /// k= names a key type we do not know.
    #[error("unknown key type k={0}")]
    UnknownKeyType(String),
    /// p= does not decode to a key of type k=.
    #[error("{}", invalid_key(.0))]
    InvalidKey(KeyError),
    /// p= holds PEM armour or line breaks where one line of base64 is
    /// wanted.
    #[error("p= holds PEM armour or line breaks; it must be one line of base64")]
    PemArmor {
        /// The text with p= as one line of base64.
        repaired: String,
    },
    /// The text is wrapped in double quotes a DNS host kept as part of it.
    #[error(
        "the value starts with a double quote: the DNS host kept the quotes you typed as part of the record; enter the value without quotes"
    )]
    Quoted {
        /// The text without the quotes.
        repaired: String,
    },
    /// The text holds zone-file escapes (`\;`) pasted into a web form.
    #[error(
        "the value holds `\\;`: zone-file escaping was pasted into a web form, which stores the backslashes; remove the backslashes"
    )]
    Escaped {
        /// The text without the escapes.
        repaired: String,
    },
    /// p= is the start of an RSA key, cut short.
    #[error("{}", truncated(*found, *expected, *bits, *at_string_end))]
    Truncated {
        /// Base64 characters in p=.
        found: usize,
        /// Base64 characters the whole key takes.
        expected: usize,
        /// The key size, where the part kept tells it.
        bits: Option<usize>,
        /// Whether the record ends where a 255-byte TXT string does.
        at_string_end: bool,
    },
    /// p= holds spaces where its key needs `+`.
    #[error(
        "p= holds {spaces} space(s) where its key needs `+`: whitespace is legal in p=, but the key decodes only with `+` in its place (a web form turned `+` into spaces)"
    )]
    PlusAsSpace {
        /// How many spaces.
        spaces: usize,
        /// The text with `+` for the spaces.
        repaired: String,
    },
    /// p= holds whitespace, and the key does not decode without it either.
    #[error("p= holds whitespace, which is legal and ignored, but the key does not decode without it either (did the form break the key?): {}", invalid_key(.error))]
    Whitespace {
        /// Why the key does not decode.
        error: KeyError,
    },
    /// k= (or its absence, which means rsa) does not fit the key in p=.
    #[error("{}", wrong_key_type(.declared.as_deref(), .actual))]
    WrongKeyType {
        /// k= as written, `None` when absent.
        declared: Option<String>,
        /// The type of the key p= holds.
        actual: &'static str,
        /// The text with the right k=.
        repaired: String,
    },
    /// Several TXT records at one name that together make one key record.
    #[error(
        "{count} TXT records at one name make one key record only when joined: one record with {count} strings was meant, and a verifier reads each record alone"
    )]
    SplitRecords {
        /// How many records.
        count: usize,
        /// The records joined, in the order that makes a key.
        repaired: String,
    },
}

/// The words for a key that does not decode, without saying "invalid"
/// twice.
fn invalid_key(error: &KeyError) -> String {
    match error {
        KeyError::Invalid(why) if why.starts_with("p= ") => why.clone(),
        KeyError::Invalid(why) => format!("p= does not hold a usable key: {why}"),
        other => format!("p= does not hold a usable key: {other}"),
    }
}

fn truncated(found: usize, expected: usize, bits: Option<usize>, at_string_end: bool) -> String {
    let key = match bits {
        Some(bits) => format!("a {bits}-bit RSA key"),
        None => "its RSA key".to_string(),
    };
    let cut = if at_string_end {
        "the key is cut where the first TXT string ends (the DNS host kept only one string); publish all of it"
    } else {
        "publish all of it"
    };
    format!("p= is cut short: {found} of the {expected} characters {key} takes; {cut}")
}

fn wrong_key_type(declared: Option<&str>, actual: &str) -> String {
    let name = |k: &str| {
        if k == "ed25519" {
            "an Ed25519"
        } else {
            "an RSA"
        }
    };
    match declared {
        None => format!(
            "p= holds {} key, but the record has no k=, which means k=rsa; add k={actual}",
            name(actual)
        ),
        Some(k) => format!(
            "p= holds {} key, but the record says k={k}; write k={actual}",
            name(actual)
        ),
    }
}

impl RecordError {
    /// The finding code of this defect.
    pub fn code(&self) -> Code {
        match self {
            RecordError::Syntax(_) | RecordError::MissingKey => Code::KeySyntax,
            RecordError::Version(_) => Code::KeyVersion,
            RecordError::Revoked => Code::KeyRevoked,
            RecordError::UnknownKeyType(_) => Code::KeyUnknownAlgorithm,
            RecordError::InvalidKey(KeyError::TooShort { .. }) => Code::KeyTooShort,
            RecordError::InvalidKey(_) => Code::KeyInvalid,
            RecordError::PemArmor { .. } => Code::KeyPemArmor,
            RecordError::Quoted { .. } => Code::KeyQuoted,
            RecordError::Escaped { .. } => Code::KeyEscaped,
            RecordError::Truncated { .. } => Code::KeyTruncated,
            RecordError::PlusAsSpace { .. } | RecordError::Whitespace { .. } => Code::KeyWhitespace,
            RecordError::WrongKeyType { .. } => Code::KeyWrongType,
            RecordError::SplitRecords { .. } => Code::KeySplitRecords,
        }
    }

    /// The record text as it was meant, where the damage tells it.
    pub fn repaired(&self) -> Option<&str> {
        match self {
            RecordError::Quoted { repaired }
            | RecordError::PemArmor { repaired }
            | RecordError::Escaped { repaired }
            | RecordError::PlusAsSpace { repaired, .. }
            | RecordError::WrongKeyType { repaired, .. }
            | RecordError::SplitRecords { repaired, .. } => Some(repaired),
            _ => None,
        }
    }
}

/// A usable key record.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// Key type (k=), `rsa` when absent.
    pub key_type: String,
    /// Acceptable hash algorithms (h=); `None` means all.
    pub hash_algorithms: Option<Vec<String>>,
    /// Service types (s=); `*` when absent.
    pub services: Vec<String>,
    /// Flags (t=): `y` testing, `s` same-domain i=.
    pub flags: Vec<String>,
    /// The public key (p=).
    pub key: VerifyingKey,
}

impl KeyRecord {
    /// Parses the TXT data of a key record (strings already concatenated);
    /// a record that does not parse is explained by what happened to it
    /// where that is known ([`crate::dkim::damage`]).
    pub fn parse(text: &str) -> Result<KeyRecord, RecordError> {
        Self::parse_strict(text).map_err(|e| crate::dkim::damage::explain(text, e))
    }

    /// Parses the TXT data of a key record, reporting the first rule it
    /// breaks.
    pub(crate) fn parse_strict(text: &str) -> Result<KeyRecord, RecordError> {
        let tags = TagList::parse(text.as_bytes()).map_err(RecordError::Syntax)?;
        if let Some(v) = tags.tag("v")
            && (v.value != "DKIM1" || tags.first().map(|t| t.name) != Some("v"))
        {
            return Err(RecordError::Version(v.value.to_string()));
        }
        let colon_list = |name: &str| -> Option<Vec<String>> {
            tags.get(name).map(|v| {
                v.split(':')
                    .map(|s| crate::dkim::tag_list::strip_fws(s).to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
        };
        let key_type = tags.get("k").unwrap_or("rsa").to_ascii_lowercase();
        let p = tags.get("p").ok_or(RecordError::MissingKey)?;
        if crate::dkim::tag_list::strip_fws(p).is_empty() {
            return Err(RecordError::Revoked);
        }
        if key_type != "rsa" && key_type != "ed25519" {
            return Err(RecordError::UnknownKeyType(key_type));
        }
        let key = crate::key::load_public_key(&key_type, p).map_err(RecordError::InvalidKey)?;
        Ok(KeyRecord {
            key_type,
            hash_algorithms: colon_list("h"),
            services: colon_list("s").unwrap_or_else(|| vec!["*".into()]),
            flags: colon_list("t").unwrap_or_default(),
            key,
        })
    }

    /// What is wrong with h=, when it allows no hash a verifier accepts
    /// (h=sha1 alone: RFC 8301 forbids rsa-sha1).
    pub fn hash_problem(&self) -> Option<String> {
        let hashes = self.hash_algorithms.as_ref()?;
        (!hashes.iter().any(|h| h == "sha256")).then(|| {
            format!(
                "h={} allows no hash verifiers accept (RFC 8301 forbids sha1): no signature verifies with this key; remove h= or write h=sha256",
                hashes.join(":")
            )
        })
    }

    /// Whether t=y marks the domain as testing DKIM.
    pub fn is_testing(&self) -> bool {
        self.flags.iter().any(|f| f == "y")
    }

    /// Whether t=s requires i= to be in d= exactly, not a subdomain.
    pub fn is_strict_identity(&self) -> bool {
        self.flags.iter().any(|f| f == "s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[test]
    fn parses_and_reports() {
        let r = KeyRecord::parse(&format!("v=DKIM1; k=ed25519; t=y:s; h=sha256; p={ED}")).unwrap();
        assert!(r.is_testing() && r.is_strict_identity());
        assert_eq!(
            r.hash_algorithms.as_deref(),
            Some(&["sha256".to_string()][..])
        );
        for (text, reason) in [
            ("v=DKIM1; p=", Code::KeyRevoked),
            ("v=DKIM2; p=AAAA", Code::KeyVersion),
            ("k=rsa; v=DKIM1; p=AAAA", Code::KeyVersion),
            ("v=DKIM1; k=dsa; p=AAAA", Code::KeyUnknownAlgorithm),
            ("v=DKIM1; k=rsa; p=AAAA", Code::KeyInvalid),
            ("v=DKIM1; k=ed25519; p=AAAA", Code::KeyInvalid),
            ("v=DKIM1; k=rsa", Code::KeySyntax),
            ("v=DKIM1; k=rsa; p=AAAA; x", Code::KeySyntax),
        ] {
            assert_eq!(KeyRecord::parse(text).unwrap_err().code(), reason, "{text}");
        }
    }
}
