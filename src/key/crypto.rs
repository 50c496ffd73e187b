//! The seam to the crypto backend: signing and verifying keys for
//! rsa-sha256, rsa-sha1 (verify only) and ed25519-sha256.
//!
//! Every private-key operation is AWS-LC's: constant-time and blinded, and
//! fast (RSA-2048 about 4,100 signatures/s here, where the pure-Rust `rsa`
//! crate does about 900/s and carries RUSTSEC-2023-0071, the Marvin timing
//! side channel). aws-lc-rs's safe API refuses RSA private keys under 2048
//! bits, so 1024-bit keys (still allowed by RFC 8301, offered by SES
//! BYODKIM) sign through [`short_rsa`], a small FFI seam to the same
//! library. aws-lc-rs verifies every public key of 1024 to 8192 bits; the
//! `rsa` crate only derives public keys and, when the caller allows it,
//! verifies with 512-1023-bit keys, which involves no secret.

mod short_rsa;

use crate::dkim::algorithm::Algorithm;
use crate::key::{KeyError, bit_length};
use aws_lc_rs::signature::{self as lc, KeyPair, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// RSA moduli below this size are refused for signing and, unless allowed,
/// for verifying (RFC 8301 §3.2).
pub const MIN_RSA_BITS: usize = 1024;

/// A private key ready to sign.
#[derive(Debug)]
pub struct SigningKey {
    inner: SigningInner,
    /// The p= value of the matching key record.
    public_key_b64: String,
}

enum SigningInner {
    RsaFast(lc::RsaKeyPair, usize),
    RsaShort(short_rsa::ShortRsaKey, usize),
    Ed25519(lc::Ed25519KeyPair),
}

impl std::fmt::Debug for SigningInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        match self {
            SigningInner::RsaFast(_, bits) | SigningInner::RsaShort(_, bits) => {
                write!(f, "RSA-{bits}")
            }
            SigningInner::Ed25519(_) => f.write_str("Ed25519"),
        }
    }
}

impl SigningKey {
    /// An RSA key from a PKCS#1 RSAPrivateKey DER.
    pub fn rsa_from_pkcs1(der: &[u8]) -> Result<SigningKey, KeyError> {
        let parsed = pkcs1::RsaPrivateKeyRef::try_from(der)
            .map_err(|e| crate::key::rejected("RSA private key", &e))?;
        let bits = bit_length(parsed.modulus.as_bytes());
        if bits < MIN_RSA_BITS {
            return Err(KeyError::TooShort { bits });
        }
        let public = pkcs1::RsaPublicKeyRef {
            modulus: parsed.modulus,
            public_exponent: parsed.public_exponent,
        };
        let public = pkcs1::der::Encode::to_der(&public)
            .map_err(|e| crate::key::rejected("RSA public key", &e))?;
        let public_key_b64 = BASE64.encode(crate::key::decode::rsa_spki(&public)?);
        let inner = if bits >= 2048 {
            let pair = lc::RsaKeyPair::from_der(der)
                .map_err(|e| crate::key::rejected("RSA private key", &e))?;
            SigningInner::RsaFast(pair, bits)
        } else {
            let key = short_rsa::ShortRsaKey::from_pkcs1_der(der)
                .ok_or_else(|| KeyError::Invalid("AWS-LC refuses the RSA private key".into()))?;
            SigningInner::RsaShort(key, bits)
        };
        Ok(SigningKey {
            inner,
            public_key_b64,
        })
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519_from_seed(seed: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = lc::Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|e| crate::key::rejected("Ed25519 private key", &e))?;
        let public_key_b64 = BASE64.encode(pair.public_key().as_ref());
        Ok(SigningKey {
            inner: SigningInner::Ed25519(pair),
            public_key_b64,
        })
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            SigningInner::RsaFast(..) | SigningInner::RsaShort(..) => Algorithm::RsaSha256,
            SigningInner::Ed25519(_) => Algorithm::Ed25519Sha256,
        }
    }

    /// The RSA modulus size, or `None` for Ed25519.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self.inner {
            SigningInner::RsaFast(_, bits) | SigningInner::RsaShort(_, bits) => Some(bits),
            SigningInner::Ed25519(_) => None,
        }
    }

    /// The key record this key needs: `v=DKIM1; k=...; p=...`.
    pub fn key_record(&self) -> String {
        format!(
            "v=DKIM1; k={}; p={}",
            self.algorithm().key_type(),
            self.public_key_b64
        )
    }

    /// Signs the canonicalized header data (the hash is taken here).
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        let failed = |e: &dyn std::fmt::Display| KeyError::Invalid(format!("signing failed: {e}"));
        match &self.inner {
            SigningInner::RsaFast(pair, _) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                pair.sign(&lc::RSA_PKCS1_SHA256, &rng, data, &mut sig)
                    .map_err(|e| failed(&e))?;
                Ok(sig)
            }
            SigningInner::RsaShort(key, _) => key
                .sign_sha256(&Sha256::digest(data).into())
                .ok_or_else(|| failed(&"AWS-LC refused")),
            SigningInner::Ed25519(pair) => Ok(pair.sign(&Sha256::digest(data)).as_ref().to_vec()),
        }
    }
}

/// The 32-byte public key of an Ed25519 seed.
pub fn ed25519_public_from_seed(seed: &[u8]) -> Result<Vec<u8>, KeyError> {
    let pair = lc::Ed25519KeyPair::from_seed_unchecked(seed)
        .map_err(|e| crate::key::rejected("Ed25519 private key", &e))?;
    Ok(pair.public_key().as_ref().to_vec())
}

/// A public key from a key record, parsed once so that verifying many
/// messages with it costs only the signature check.
#[derive(Debug, Clone)]
pub struct VerifyingKey {
    inner: VerifyingInner,
}

#[derive(Clone)]
enum VerifyingInner {
    Rsa {
        /// PKCS#1 RSAPublicKey DER.
        der: Vec<u8>,
        bits: usize,
        /// The aws-lc-rs key for rsa-sha256, for sizes it accepts.
        sha256: Option<ParsedPublicKey>,
    },
    Ed25519(ParsedPublicKey),
}

impl std::fmt::Debug for VerifyingInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyingInner::Rsa { bits, .. } => write!(f, "RSA-{bits}"),
            VerifyingInner::Ed25519(_) => f.write_str("Ed25519"),
        }
    }
}

impl VerifyingKey {
    /// An RSA key from SubjectPublicKeyInfo DER or, as some records carry,
    /// a bare PKCS#1 RSAPublicKey.
    pub fn rsa_from_der(der: &[u8]) -> Result<VerifyingKey, KeyError> {
        let pkcs1_der = match spki::SubjectPublicKeyInfoRef::try_from(der) {
            Ok(info) if info.algorithm.oid == crate::key::OID_RSA => {
                info.subject_public_key.raw_bytes().to_vec()
            }
            Ok(info) => {
                return Err(KeyError::UnsupportedAlgorithm(
                    crate::key::decode::algorithm_name(info.algorithm.oid),
                ));
            }
            Err(_) => der.to_vec(),
        };
        let parsed = pkcs1::RsaPublicKeyRef::try_from(pkcs1_der.as_slice())
            .map_err(|_| KeyError::Invalid("p= is not an RSA public key".into()))?;
        let bits = bit_length(parsed.modulus.as_bytes());
        let sha256 = if (MIN_RSA_BITS..=8192).contains(&bits) {
            Some(
                ParsedPublicKey::new(
                    &lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                    &pkcs1_der,
                )
                .map_err(|e| crate::key::rejected("RSA public key", &e))?,
            )
        } else if bits > 8192 {
            return Err(KeyError::Invalid(format!(
                "RSA key of {bits} bits is too large"
            )));
        } else {
            None
        };
        Ok(VerifyingKey {
            inner: VerifyingInner::Rsa {
                der: pkcs1_der,
                bits,
                sha256,
            },
        })
    }

    /// An Ed25519 key from its 32 raw bytes (RFC 8463 §4).
    pub fn ed25519(raw: &[u8]) -> Result<VerifyingKey, KeyError> {
        if raw.len() != 32 {
            return Err(KeyError::Invalid(format!(
                "an Ed25519 key has 32 bytes, this one {}",
                raw.len()
            )));
        }
        let key = ParsedPublicKey::new(&lc::ED25519, raw)
            .map_err(|e| crate::key::rejected("Ed25519 public key", &e))?;
        Ok(VerifyingKey {
            inner: VerifyingInner::Ed25519(key),
        })
    }

    /// The RSA modulus size, or `None` for Ed25519.
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.inner {
            VerifyingInner::Rsa { bits, .. } => Some(*bits),
            VerifyingInner::Ed25519(_) => None,
        }
    }

    /// The key type as k= names it.
    pub fn key_type(&self) -> &'static str {
        match self.inner {
            VerifyingInner::Rsa { .. } => "rsa",
            VerifyingInner::Ed25519(_) => "ed25519",
        }
    }

    /// Whether `signature` signs `data` (canonicalized header data) under
    /// `algorithm`. Policy (sha1, short keys) is the caller's business.
    pub fn verify(&self, algorithm: Algorithm, data: &[u8], signature: &[u8]) -> bool {
        match (&self.inner, algorithm) {
            (VerifyingInner::Ed25519(key), Algorithm::Ed25519Sha256) => {
                key.verify_sig(&Sha256::digest(data), signature).is_ok()
            }
            (
                VerifyingInner::Rsa {
                    sha256: Some(key), ..
                },
                Algorithm::RsaSha256,
            ) => key.verify_sig(data, signature).is_ok(),
            (VerifyingInner::Rsa { der, bits, .. }, Algorithm::RsaSha1)
                if *bits >= MIN_RSA_BITS =>
            {
                lc::UnparsedPublicKey::new(&lc::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, der)
                    .verify(data, signature)
                    .is_ok()
            }
            (VerifyingInner::Rsa { der, .. }, Algorithm::RsaSha256) => legacy_rsa_verify(
                der,
                rsa::Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(data),
                signature,
            ),
            (VerifyingInner::Rsa { der, .. }, Algorithm::RsaSha1) => legacy_rsa_verify(
                der,
                rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                &sha1::Sha1::digest(data),
                signature,
            ),
            _ => false,
        }
    }

    /// The block an RSA signature opens to under this key (`s^e mod n`,
    /// RSAVP1 of RFC 8017 §5.2.2), as many bytes as the modulus: for
    /// forensics, which checks whether it is a PKCS#1 v1.5 block at all.
    /// `None` for Ed25519 keys, and for a signature that is not an integer
    /// below the modulus written in exactly the modulus's length.
    pub fn recover_rsa_block(&self, signature: &[u8]) -> Option<Vec<u8>> {
        use rsa::traits::PublicKeyParts;
        let VerifyingInner::Rsa { der, .. } = &self.inner else {
            return None;
        };
        let parts = pkcs1::RsaPublicKeyRef::try_from(der.as_slice()).ok()?;
        let n = rsa::BoxedUint::from_be_slice_vartime(parts.modulus.as_bytes());
        let e = rsa::BoxedUint::from_be_slice_vartime(parts.public_exponent.as_bytes());
        let key = rsa::RsaPublicKey::new_with_size_limits(n, e, 512..=8192).ok()?;
        let size = key.size();
        if signature.len() != size {
            return None;
        }
        let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision()).ok()?;
        if s >= *key.n().as_ref() {
            return None;
        }
        let m = rsa::hazmat::rsa_encrypt(&key, &s).ok()?.to_be_bytes();
        // m < n, so every byte before the last `size` is zero.
        let mut block = vec![0u8; size.saturating_sub(m.len())];
        block.extend_from_slice(&m[m.len().saturating_sub(size)..]);
        Some(block)
    }
}

/// Verifies with the `rsa` crate, for moduli aws-lc-rs refuses.
fn legacy_rsa_verify(
    der: &[u8],
    scheme: rsa::Pkcs1v15Sign,
    digest: &[u8],
    signature: &[u8],
) -> bool {
    let Ok(parts) = pkcs1::RsaPublicKeyRef::try_from(der) else {
        return false;
    };
    let n = rsa::BoxedUint::from_be_slice_vartime(parts.modulus.as_bytes());
    let e = rsa::BoxedUint::from_be_slice_vartime(parts.public_exponent.as_bytes());
    rsa::RsaPublicKey::new_with_size_limits(n, e, 256..=8192)
        .and_then(|key| key.verify(scheme, digest, signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;

    /// RSASSA-PKCS1-v1_5 is deterministic: AWS-LC through the short-key
    /// seam must give, byte for byte, what the independent `rsa` crate
    /// gives for the same key and data, and aws-lc-rs must verify it.
    #[test]
    fn short_rsa_keys_sign_as_the_rsa_crate_does() {
        let pem = String::from_utf8(crate::fixture("keys/rsa1024.pem")).unwrap();
        let reference = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        let key = crate::key::load_private_key(pem.as_bytes()).unwrap();
        assert!(matches!(key.inner, SigningInner::RsaShort(_, 1024)));
        let public = BASE64.decode(&key.public_key_b64).unwrap();
        let verifier = VerifyingKey::rsa_from_der(&public).unwrap();
        for data in [&b""[..], b"from:a@example.com\r\n", &[0xff; 4096]] {
            let ours = key.sign(data).unwrap();
            let theirs = reference
                .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data))
                .unwrap();
            assert_eq!(ours, theirs);
            assert!(verifier.verify(Algorithm::RsaSha256, data, &ours));
        }
    }

    #[test]
    fn a_key_aws_lc_finds_inconsistent_is_refused() {
        // A PKCS#1 structure whose CRT exponent is off by one.
        let pem = String::from_utf8(crate::fixture("keys/rsa1024.pem")).unwrap();
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        let der = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_der(&key).unwrap();
        let mut parsed = pkcs1::RsaPrivateKeyRef::try_from(der.as_bytes()).unwrap();
        let mut dp = parsed.exponent1.as_bytes().to_vec();
        *dp.last_mut().unwrap() ^= 2;
        parsed.exponent1 = pkcs1::UintRef::new(&dp).unwrap();
        let bad = pkcs1::der::Encode::to_der(&parsed).unwrap();
        assert!(short_rsa::ShortRsaKey::from_pkcs1_der(&bad).is_none());
        assert!(short_rsa::ShortRsaKey::from_pkcs1_der(der.as_bytes()).is_some());
    }
}
