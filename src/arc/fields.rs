//! The three header fields of an ARC set (RFC 8617 §4.1), parsed with
//! DKIM's tag-list grammar: ARC-Authentication-Results (§4.1.1),
//! ARC-Message-Signature (§4.1.2) and ARC-Seal (§4.1.3).

use crate::arc::{ChainStatus, MAX_INSTANCE, results};
use crate::dkim::algorithm::Algorithm;
use crate::dkim::message::HeaderField;
use crate::dkim::signature::{
    SignatureError, SignedField, check_domain, decode_base64, non_empty, parse_time, required,
};
use crate::dkim::tag_list::{TagList, scan, strip_fws};
use serde::Serialize;

/// Which of the three fields a header field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// ARC-Authentication-Results (AAR).
    AuthResults,
    /// ARC-Message-Signature (AMS).
    MessageSignature,
    /// ARC-Seal (AS).
    Seal,
}

impl FieldKind {
    /// Every kind, in the order a seal signs a set's fields (§5.1.1).
    pub const ALL: [FieldKind; 3] = [
        FieldKind::AuthResults,
        FieldKind::MessageSignature,
        FieldKind::Seal,
    ];

    /// The field name.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::AuthResults => "ARC-Authentication-Results",
            FieldKind::MessageSignature => "ARC-Message-Signature",
            FieldKind::Seal => "ARC-Seal",
        }
    }

    /// The kind of `field`, if it is an ARC field.
    pub fn of(field: &HeaderField<'_>) -> Option<FieldKind> {
        FieldKind::ALL
            .into_iter()
            .find(|kind| field.is(kind.name()))
    }

    /// The instance (i=) a field of this kind claims.
    pub fn instance(self, value: &[u8]) -> Result<u32, SignatureError> {
        match self {
            FieldKind::AuthResults => AuthResults::split_instance(value).map(|(i, _)| i),
            // Read leniently, so a malformed field still belongs to its
            // set and is reported there.
            FieldKind::MessageSignature | FieldKind::Seal => {
                let text = String::from_utf8_lossy(value);
                let value = scan(&text)
                    .find(|spec| spec.name == "i")
                    .and_then(|spec| spec.value)
                    .map(strip_fws)
                    .unwrap_or_default();
                parse_instance(&value)
            }
        }
    }
}

/// An instance number: 1 to 50, in decimal.
fn parse_instance(value: &str) -> Result<u32, SignatureError> {
    let invalid = || SignatureError::InvalidInstance(format!("{value:?}"));
    if value.is_empty() || value.len() > 9 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_INSTANCE).contains(&n) => Ok(n),
        _ => Err(invalid()),
    }
}

/// An ARC-Authentication-Results field: the results a hop recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthResults {
    /// i=
    pub instance: u32,
    /// Who authenticated (authserv-id).
    pub authserv_id: String,
    /// Each result as written (`dkim=pass header.d=example.com`), in order.
    pub results: Vec<String>,
}

impl AuthResults {
    /// Parses the value of an ARC-Authentication-Results field:
    /// `i=N; authserv-id; results` (§4.1.1).
    pub fn parse(value: &[u8]) -> Result<AuthResults, SignatureError> {
        let (instance, payload) = AuthResults::split_instance(value)?;
        let (authserv_id, results) = results::split(payload);
        Ok(AuthResults {
            instance,
            authserv_id,
            results,
        })
    }

    /// `[CFWS] "i" [CFWS] "=" [CFWS] 1*2DIGIT [CFWS] ";"` and the rest.
    fn split_instance(value: &[u8]) -> Result<(u32, &str), SignatureError> {
        let text = std::str::from_utf8(value)
            .map_err(|_| SignatureError::InvalidInstance("not UTF-8".into()))?;
        let missing = || SignatureError::InvalidInstance("the value must start with i=N;".into());
        let rest = results::skip_cfws(text)
            .strip_prefix('i')
            .ok_or_else(missing)?;
        let rest = results::skip_cfws(rest)
            .strip_prefix('=')
            .ok_or_else(missing)?;
        let (number, payload) = rest.split_once(';').ok_or_else(missing)?;
        let number = results::skip_cfws(number).trim_end_matches([' ', '\t', '\r', '\n']);
        if number.len() > 2 {
            return Err(SignatureError::InvalidInstance(format!("{number:?}")));
        }
        Ok((parse_instance(number)?, payload))
    }
}

/// An ARC-Message-Signature: DKIM-Signature's fields, i= the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    /// i=
    pub instance: u32,
    /// The signature, as DKIM reads it.
    pub signature: crate::dkim::signature::Signature,
}

impl MessageSignature {
    /// Parses the value of an ARC-Message-Signature field.
    pub fn parse(value: &[u8]) -> Result<MessageSignature, SignatureError> {
        let signature = crate::dkim::signature::Signature::parse_field(
            value,
            SignedField::ArcMessageSignature,
        )?;
        let instance = FieldKind::MessageSignature.instance(value)?;
        if signature
            .signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(FieldKind::Seal.name()))
        {
            return Err(SignatureError::SignsSeal);
        }
        Ok(MessageSignature {
            instance,
            signature,
        })
    }
}

/// An ARC-Seal: a signature over the ARC sets up to its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seal {
    /// i=
    pub instance: u32,
    /// a=
    pub algorithm: Algorithm,
    /// b=
    #[serde(skip)]
    pub signature: Vec<u8>,
    /// cv=: what the sealer found the chain to be when it arrived.
    pub cv: ChainStatus,
    /// d=, lowercased.
    pub domain: String,
    /// s=
    pub selector: String,
    /// t=
    pub timestamp: Option<u64>,
}

impl Seal {
    /// Parses the value of an ARC-Seal field.
    pub fn parse(value: &[u8]) -> Result<Seal, SignatureError> {
        let tags = TagList::parse(value).map_err(SignatureError::Syntax)?;
        let required = |name| required(&tags, name);
        let non_empty = |name| non_empty(&tags, name);
        if tags.tag("h").is_some() {
            return Err(SignatureError::SealHeaderList);
        }
        let instance = parse_instance(&strip_fws(required("i")?))?;
        let algorithm = required("a")?;
        let algorithm = Algorithm::parse(algorithm)
            .ok_or_else(|| SignatureError::UnknownAlgorithm(algorithm.into()))?;
        let signature = decode_base64(non_empty("b")?).ok_or(SignatureError::InvalidBase64("b"))?;
        let cv = required("cv")?;
        let cv =
            ChainStatus::parse(cv).ok_or_else(|| SignatureError::InvalidChainStatus(cv.into()))?;
        let domain = non_empty("d")?;
        check_domain("d", domain)?;
        let selector = non_empty("s")?;
        check_domain("s", selector)?;
        let timestamp = parse_time(&tags, "t")?;
        Ok(Seal {
            instance,
            algorithm,
            signature,
            cv,
            domain: domain.to_ascii_lowercase(),
            selector: selector.to_string(),
            timestamp,
        })
    }

    /// The DNS name of the key record.
    pub fn key_name(&self) -> String {
        format!("{}._domainkey.{}", self.selector, self.domain)
    }

    /// The cv= of an ARC-Seal that may not parse otherwise (§5.2 step 2
    /// reads it before anything else is checked).
    pub fn claimed_status(value: &[u8]) -> Option<ChainStatus> {
        let text = String::from_utf8_lossy(value);
        scan(&text)
            .find(|spec| spec.name == "cv")
            .and_then(|spec| spec.value)
            .and_then(|v| ChainStatus::parse(&strip_fws(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_instance_of_each_kind() {
        assert_eq!(
            FieldKind::AuthResults.instance(b" i=2; mx.example.org; dkim=pass"),
            Ok(2)
        );
        assert_eq!(
            FieldKind::MessageSignature.instance(b"a=rsa-sha256; i=50; d=x"),
            Ok(50)
        );
        for bad in [
            &b"i=0;"[..],
            b"i=51;",
            b"i=x;",
            b"i=;",
            b"mx; i=1;",
            b"i=1 mx",
        ] {
            assert!(FieldKind::AuthResults.instance(bad).is_err(), "{bad:?}");
        }
        assert!(FieldKind::Seal.instance(b"a=rsa-sha256; cv=none").is_err());
    }

    #[test]
    fn parses_a_seal_and_refuses_h() {
        let seal = Seal::parse(b"a=rsa-sha256; b=AAAA; cv=None; d=Example.org; i=1; s=s1; t=12345")
            .unwrap();
        assert_eq!(seal.cv, ChainStatus::None);
        assert_eq!(seal.domain, "example.org");
        assert_eq!(
            Seal::parse(b"a=rsa-sha256; b=AAAA; cv=none; d=e.org; i=1; s=s; h=from"),
            Err(SignatureError::SealHeaderList)
        );
        assert!(matches!(
            Seal::parse(b"a=rsa-sha256; b=AAAA; cv=maybe; d=e.org; i=1; s=s"),
            Err(SignatureError::InvalidChainStatus(_))
        ));
    }

    #[test]
    fn auth_results_keep_each_result_as_written() {
        let aar = AuthResults::parse(
            b"i=1; lists.example.org;\r\n spf=pass smtp.mfrom=a@b.example;\r\n dkim=pass (1024-bit key; ok) header.i=@b.example",
        )
        .unwrap();
        assert_eq!(aar.authserv_id, "lists.example.org");
        assert_eq!(
            aar.results,
            [
                "spf=pass smtp.mfrom=a@b.example",
                "dkim=pass (1024-bit key; ok) header.i=@b.example"
            ]
        );
    }
}
