//! Key loading: a private key to sign with, a public key's record, from a
//! key file as [`crate::key::decode`] reads it; public keys from a key
//! record's p=. The keys are then handed to [`crate::key::crypto`].

use super::KeyError;
use super::crypto::{SigningKey, VerifyingKey};
use super::decode::{DecodedKey, KeyMaterial, PublicKey, decode};

/// Loads a private key from file contents.
pub fn load_private_key(bytes: &[u8]) -> Result<SigningKey, KeyError> {
    signing_key(&decode(bytes)?)
}

/// The signing key of a decoded key file, or why it cannot sign.
pub fn signing_key(key: &DecodedKey) -> Result<SigningKey, KeyError> {
    match &key.material {
        KeyMaterial::RsaPrivate(pkcs1_der) => SigningKey::rsa_from_pkcs1(pkcs1_der),
        KeyMaterial::Ed25519Private(seed) => SigningKey::ed25519_from_seed(seed),
        KeyMaterial::RsaPublic(_) | KeyMaterial::Ed25519Public(_) => {
            Err(KeyError::PublicNotPrivate)
        }
        KeyMaterial::Encrypted => Err(KeyError::Encrypted),
        KeyMaterial::Unsupported(what) => Err(KeyError::UnsupportedAlgorithm(what.clone())),
    }
}

/// Decodes a key record's p= for key type `k` (`rsa` or `ed25519`).
pub fn load_public_key(key_type: &str, p: &str) -> Result<VerifyingKey, KeyError> {
    use base64::Engine;
    let der = crate::dkim::signature::LENIENT_BASE64
        .decode(crate::dkim::tag_list::strip_fws(p))
        .map_err(|e| {
            KeyError::Invalid(format!(
                "p= is not base64: {}",
                crate::key::base64_problem(&e)
            ))
        })?;
    match key_type {
        "rsa" => VerifyingKey::rsa_from_der(&der),
        "ed25519" => VerifyingKey::ed25519(&der),
        other => Err(KeyError::UnsupportedAlgorithm(format!(
            "a key of type k={other}"
        ))),
    }
}

/// The key record (`v=DKIM1; k=rsa|ed25519; p=...`) for a public key file
/// (SPKI or PKCS#1; PEM, DER or base64; or the 32 bytes of an Ed25519 key
/// in base64). The text is exactly what [`SigningKey::key_record`] gives
/// for the private half: a PKCS#1 input gives the same record as its SPKI.
pub fn public_key_record(bytes: &[u8]) -> Result<String, KeyError> {
    let key = decode(bytes)?;
    match &key.material {
        KeyMaterial::RsaPublic(_) | KeyMaterial::Ed25519Public(_) => {}
        KeyMaterial::Unsupported(what) => {
            return Err(KeyError::UnsupportedAlgorithm(what.clone()));
        }
        _ => return Err(KeyError::PrivateNotPublic),
    }
    let public = key
        .public_key()
        .ok_or_else(|| KeyError::Invalid("no public key in the file".into()))?;
    if let PublicKey::Ed25519(raw) = &public {
        VerifyingKey::ed25519(raw)?;
    }
    public.record()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;

    fn fixture(name: &str) -> Vec<u8> {
        crate::fixture(&format!("keys/{name}"))
    }

    #[test]
    fn public_key_record_matches_the_private_half() {
        let expected = load_private_key(&fixture("rsa2048.pem"))
            .unwrap()
            .key_record();
        let pem = fixture("rsa2048.pub.pem");
        assert_eq!(public_key_record(&pem).unwrap(), expected);
        // The same key as DER, bare base64, and PKCS#1 RSA PUBLIC KEY.
        let spki_der = crate::key::decode::decode(&pem).unwrap().der;
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
