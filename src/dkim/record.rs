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
    #[error("p= does not hold a usable key: {0}")]
    InvalidKey(KeyError),
}

impl RecordError {
    /// The finding code of this defect.
    pub fn code(&self) -> Code {
        match self {
            RecordError::Syntax(_) | RecordError::MissingKey => Code::KeySyntax,
            RecordError::Version(_) => Code::KeyVersion,
            RecordError::Revoked => Code::KeyRevoked,
            RecordError::UnknownKeyType(_) => Code::KeyUnknownAlgorithm,
            RecordError::InvalidKey(_) => Code::KeyInvalid,
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
    /// Parses the TXT data of a key record (strings already concatenated).
    pub fn parse(text: &str) -> Result<KeyRecord, RecordError> {
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
