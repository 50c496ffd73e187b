//! RSA signing with moduli of 1024 to 2047 bits, which RFC 8301 still
//! allows and SES BYODKIM offers, but aws-lc-rs's safe API refuses: the
//! same AWS-LC code that signs 2048-bit keys (constant-time, blinded, the
//! result checked against fault attacks), called through aws-lc-sys, the
//! C library aws-lc-rs already links, instead of the `rsa` crate's
//! variable-time private-key operation (RUSTSEC-2023-0071).
//!
//! The whole unsafe surface is here: parse a PKCS#1 RSAPrivateKey into an
//! AWS-LC `RSA`, sign a SHA-256 digest with it, free it.

use std::ffi::c_uint;
use std::ptr::NonNull;

use aws_lc_sys as ffi;

/// An AWS-LC RSA private key, owned.
pub(super) struct ShortRsaKey {
    rsa: NonNull<ffi::RSA>,
    /// The modulus length in bytes: the length of every signature.
    size: usize,
}

// SAFETY: the key is never changed after parsing, and AWS-LC documents the
// signing functions as non-mutating for thread-safety purposes, usable
// concurrently on one key (openssl/rsa.h, "Signing / Verification").
unsafe impl Send for ShortRsaKey {}
unsafe impl Sync for ShortRsaKey {}

impl ShortRsaKey {
    /// Parses PKCS#1 RSAPrivateKey DER; AWS-LC checks the key's
    /// consistency (primes, CRT values) while parsing. `None` when it
    /// refuses the key.
    pub(super) fn from_pkcs1_der(der: &[u8]) -> Option<ShortRsaKey> {
        // SAFETY: AWS-LC reads exactly `der.len()` bytes from `der` and
        // returns a new key we own, or null.
        let rsa = NonNull::new(unsafe { ffi::RSA_private_key_from_bytes(der.as_ptr(), der.len()) });
        let Some(rsa) = rsa else {
            clear_errors();
            return None;
        };
        // SAFETY: `rsa` is a valid key.
        let size = unsafe { ffi::RSA_size(rsa.as_ptr()) } as usize;
        Some(ShortRsaKey { rsa, size })
    }

    /// The RSASSA-PKCS1-v1_5 signature of a SHA-256 `digest`.
    pub(super) fn sign_sha256(&self, digest: &[u8; 32]) -> Option<Vec<u8>> {
        let mut signature = vec![0u8; self.size];
        let mut written: c_uint = 0;
        // SAFETY: AWS-LC reads 32 bytes of `digest` and writes at most
        // RSA_size bytes (the length of `signature`) and their count.
        let signed = unsafe {
            ffi::RSA_sign(
                ffi::NID_sha256,
                digest.as_ptr(),
                digest.len(),
                signature.as_mut_ptr(),
                &mut written,
                self.rsa.as_ptr(),
            )
        };
        if signed != 1 {
            clear_errors();
            return None;
        }
        signature.truncate(written as usize);
        Some(signature)
    }
}

impl Drop for ShortRsaKey {
    fn drop(&mut self) {
        // SAFETY: we own the key and free it once; AWS-LC wipes it.
        unsafe { ffi::RSA_free(self.rsa.as_ptr()) }
    }
}

/// Drops what a refused call left in AWS-LC's per-thread error queue, so
/// it cannot be mistaken for the cause of a later failure.
fn clear_errors() {
    // SAFETY: takes no arguments, touches only this thread's queue.
    unsafe { ffi::ERR_clear_error() }
}
