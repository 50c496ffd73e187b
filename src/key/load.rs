//! Key loading: private keys in PKCS#1 or PKCS#8, PEM, DER or bare base64,
//! RSA or Ed25519; public keys from a key record's p=. Decoding is done by
//! the pkcs1/pkcs8/spki crates; the keys are then handed to [`crate::key::crypto`].

use super::crypto::{SigningKey, VerifyingKey};
use super::{KeyError, OID_ED25519, OID_RSA};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Loads a private key from file contents.
pub fn load_private_key(bytes: &[u8]) -> Result<SigningKey, KeyError> {
    let der = match pem_block(bytes) {
        Some((label, der)) => match label.as_str() {
            "PRIVATE KEY" => return pkcs8_private(&der?),
            "RSA PRIVATE KEY" => {
                if contains(bytes, b"ENCRYPTED") {
                    return Err(KeyError::Encrypted);
                }
                return SigningKey::rsa_from_pkcs1(&der?);
            }
            "ENCRYPTED PRIVATE KEY" => return Err(KeyError::Encrypted),
            "PUBLIC KEY" | "RSA PUBLIC KEY" => return Err(KeyError::PublicNotPrivate),
            other => return Err(KeyError::UnsupportedPem(other.to_string())),
        },
        None => bare_base64(bytes).unwrap_or_else(|| bytes.to_vec()),
    };
    if let Ok(key) = pkcs8_private(&der) {
        return Ok(key);
    }
    if pkcs1::RsaPrivateKeyRef::try_from(der.as_slice()).is_ok() {
        return SigningKey::rsa_from_pkcs1(&der);
    }
    if spki::SubjectPublicKeyInfoRef::try_from(der.as_slice()).is_ok() {
        return Err(KeyError::PublicNotPrivate);
    }
    Err(KeyError::Unrecognized)
}

fn pkcs8_private(der: &[u8]) -> Result<SigningKey, KeyError> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| {
        if pkcs8::der::asn1::AnyRef::try_from(der).is_ok() && looks_encrypted_pkcs8(der) {
            KeyError::Encrypted
        } else {
            KeyError::Unrecognized
        }
    })?;
    let key = info.private_key.as_bytes();
    match info.algorithm.oid {
        OID_RSA => SigningKey::rsa_from_pkcs1(key),
        OID_ED25519 => {
            // CurvePrivateKey ::= OCTET STRING (RFC 8410 §7).
            let seed = <&pkcs8::der::asn1::OctetStringRef as pkcs8::der::Decode>::from_der(key)
                .map_err(|_| {
                    KeyError::Invalid("Ed25519 private key is not an OCTET STRING".into())
                })?;
            SigningKey::ed25519_from_seed(seed.as_bytes())
        }
        oid => Err(KeyError::UnsupportedAlgorithm(oid.to_string())),
    }
}

/// EncryptedPrivateKeyInfo starts with an AlgorithmIdentifier, where
/// PrivateKeyInfo starts with an INTEGER version.
fn looks_encrypted_pkcs8(der: &[u8]) -> bool {
    // SEQUENCE { SEQUENCE { OID pbes2 ... } ... }: the second tag is 0x30.
    let header_len = match der.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l & 0x7f),
        None => return false,
    };
    der.first() == Some(&0x30) && der.get(header_len) == Some(&0x30)
}

/// Decodes a key record's p= for key type `k` (`rsa` or `ed25519`).
pub fn load_public_key(key_type: &str, p: &str) -> Result<VerifyingKey, KeyError> {
    let der = crate::dkim::signature::LENIENT_BASE64
        .decode(crate::dkim::tag_list::strip_fws(p))
        .map_err(|e| KeyError::Invalid(format!("p= is not base64: {e}")))?;
    match key_type {
        "rsa" => VerifyingKey::rsa_from_der(&der),
        "ed25519" => VerifyingKey::ed25519(&der),
        other => Err(KeyError::UnsupportedAlgorithm(other.to_string())),
    }
}

/// The first PEM block: its label and its decoded contents. Lenient on
/// whitespace and line width, since keys are pasted through web forms.
fn pem_block(bytes: &[u8]) -> Option<(String, Result<Vec<u8>, KeyError>)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = text.find("-----BEGIN ")?;
    let after = &text[begin + 11..];
    let label_end = after.find("-----")?;
    let label = after[..label_end].trim().to_string();
    let body = &after[label_end + 5..];
    let end = body.find("-----END ").unwrap_or(body.len());
    // Skip RFC 1421 headers (Proc-Type, DEK-Info) of legacy encrypted keys.
    let b64: String = body[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    let der = BASE64
        .decode(b64)
        .map_err(|e| KeyError::Invalid(format!("PEM body is not base64: {e}")));
    Some((label, der))
}

/// Bare base64 (a PEM body without its armour, as upload forms take it).
fn bare_base64(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let b64: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if b64.is_empty() {
        return None;
    }
    BASE64.decode(b64).ok()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The key record (`v=DKIM1; k=rsa|ed25519; p=...`) for a public key file:
/// PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS#1),
/// DER, or bare base64 of either; a bare base64 value of 32 bytes is taken
/// as a raw Ed25519 key. The text is exactly what
/// [`SigningKey::key_record`] gives for the private half: RSA p= is the
/// SubjectPublicKeyInfo DER (re-encoded, so a PKCS#1 input gives the same
/// record), Ed25519 p= the raw 32 bytes (RFC 8463 §4).
pub fn public_key_record(bytes: &[u8]) -> Result<String, KeyError> {
    let private = || KeyError::Invalid("this is a private key; a public key was expected".into());
    let der = match pem_block(bytes) {
        Some((label, der)) => match label.as_str() {
            "PUBLIC KEY" => return spki_record(&der?),
            "RSA PUBLIC KEY" => return rsa_pkcs1_record(&der?),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => return Err(private()),
            other => {
                return Err(KeyError::Invalid(format!(
                    "unsupported PEM block '{other}' (expected PUBLIC KEY or RSA PUBLIC KEY)"
                )));
            }
        },
        None => match bare_base64(bytes) {
            Some(der) if der.len() == 32 => {
                VerifyingKey::ed25519(&der)?;
                return Ok(format!("v=DKIM1; k=ed25519; p={}", BASE64.encode(&der)));
            }
            Some(der) => der,
            None => bytes.to_vec(),
        },
    };
    if spki::SubjectPublicKeyInfoRef::try_from(der.as_slice()).is_ok() {
        return spki_record(&der);
    }
    if pkcs1::RsaPublicKeyRef::try_from(der.as_slice()).is_ok() {
        return rsa_pkcs1_record(&der);
    }
    if pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).is_ok()
        || pkcs1::RsaPrivateKeyRef::try_from(der.as_slice()).is_ok()
    {
        return Err(private());
    }
    Err(KeyError::Invalid(
        "not an SPKI or PKCS#1 public key in PEM, DER or base64 form".into(),
    ))
}

/// The record for a SubjectPublicKeyInfo DER.
fn spki_record(der: &[u8]) -> Result<String, KeyError> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| KeyError::Invalid(format!("SubjectPublicKeyInfo: {e}")))?;
    let key = info.subject_public_key.as_bytes().ok_or_else(|| {
        KeyError::Invalid("SubjectPublicKeyInfo key is not a whole number of bytes".into())
    })?;
    match info.algorithm.oid {
        OID_RSA => rsa_pkcs1_record(key),
        OID_ED25519 => {
            VerifyingKey::ed25519(key)?;
            Ok(format!("v=DKIM1; k=ed25519; p={}", BASE64.encode(key)))
        }
        oid => Err(KeyError::UnsupportedAlgorithm(oid.to_string())),
    }
}

/// The record for a PKCS#1 RSAPublicKey DER, wrapped in the
/// SubjectPublicKeyInfo (rsaEncryption, NULL parameters) DKIM publishes.
fn rsa_pkcs1_record(pkcs1_der: &[u8]) -> Result<String, KeyError> {
    use pkcs8::der::Encode;
    use pkcs8::der::asn1::{AnyRef, BitStringRef};
    pkcs1::RsaPublicKeyRef::try_from(pkcs1_der)
        .map_err(|e| KeyError::Invalid(format!("RSA public key: {e}")))?;
    let info = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: OID_RSA,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(pkcs1_der)
            .map_err(|e| KeyError::Invalid(format!("RSA public key: {e}")))?,
    };
    let spki_der = info
        .to_der()
        .map_err(|e| KeyError::Invalid(format!("RSA public key: {e}")))?;
    Ok(format!("v=DKIM1; k=rsa; p={}", BASE64.encode(spki_der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn public_key_record_matches_the_private_half() {
        let expected = load_private_key(&fixture("rsa2048.pem"))
            .unwrap()
            .key_record();
        let pem = fixture("rsa2048.pub.pem");
        assert_eq!(public_key_record(&pem).unwrap(), expected);
        // The same key as DER, bare base64, and PKCS#1 RSA PUBLIC KEY.
        let Some((_, Ok(spki_der))) = pem_block(&pem) else {
            panic!("rsa2048.pub.pem is PEM")
        };
        assert_eq!(public_key_record(&spki_der).unwrap(), expected);
        assert_eq!(
            public_key_record(BASE64.encode(&spki_der).as_bytes()).unwrap(),
            expected
        );
        let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der.as_slice()).unwrap();
        let pkcs1_der = info.subject_public_key.as_bytes().unwrap();
        let pkcs1_pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
            BASE64.encode(pkcs1_der)
        );
        assert_eq!(public_key_record(pkcs1_pem.as_bytes()).unwrap(), expected);
    }

    #[test]
    fn public_key_record_of_ed25519() {
        let private = load_private_key(&fixture("ed25519.pem")).unwrap();
        let expected = private.key_record();
        let p = expected.rsplit("p=").next().unwrap();
        let raw = BASE64.decode(p).unwrap();
        // SPKI: SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING raw }.
        let mut spki_der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki_der.extend_from_slice(&raw);
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            BASE64.encode(&spki_der)
        );
        assert_eq!(public_key_record(pem.as_bytes()).unwrap(), expected);
        assert_eq!(public_key_record(p.as_bytes()).unwrap(), expected);
    }

    #[test]
    fn public_key_record_refuses_private_keys_and_garbage() {
        for input in [
            fixture("rsa2048.pem"),
            fixture("rsa2048-pkcs1.pem"),
            fixture("rsa2048.der"),
            b"hello world".to_vec(),
        ] {
            assert!(public_key_record(&input).is_err());
        }
    }
}
