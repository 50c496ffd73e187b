//! ARC: the field parsers, chain validation (down to the oldest pass) and
//! sealing of any input never panic; and a message with no ARC field,
//! sealed with the fuzzed input as its body, validates as cv=pass.
#![no_main]

use dkimctl::arc::ChainStatus;
use dkimctl::arc::fields::{AuthResults, MessageSignature, Seal};
use dkimctl::arc::seal::{Assessment, SealOptions, seal};
use dkimctl::arc::validate::{ValidateOptions, validate_message};
use dkimctl::dkim::key_source::LiteralKeySource;
use dkimctl::dkim::verify::{Verifier, VerifyOptions};
use dkimctl::key::crypto::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

/// The RFC 8463 Appendix A key pair (brisbane._domainkey.football.example.com).
const RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c,
    0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae,
    0x7f, 0x60,
];

const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let _ = Seal::parse(data);
    let _ = MessageSignature::parse(data);
    let _ = AuthResults::parse(data);
    let _ = dkimctl::arc::results::split(&String::from_utf8_lossy(data));

    let source = LiteralKeySource::new(RECORD);
    let verifier = Verifier::new(&source, VerifyOptions::strict(NOW));
    let options = SealOptions {
        domain: "football.example.com".into(),
        selector: "brisbane".into(),
        key: Arc::new(SigningKey::ed25519_from_seed(&SEED).expect("the RFC 8463 seed")),
        authserv_id: "mx.example.org".into(),
        headers: None,
    };
    if let Ok(verdict) = validate_message(&verifier, data, ValidateOptions { oldest_pass: true }) {
        if let Ok((header, mut body)) = dkimctl::dkim::message::split(data) {
            if let Ok(assessment) = Assessment::own(&header, "mx.example.org", &verdict, &[]) {
                let _ = seal(&header, &mut body, &options, &assessment, NOW);
            }
        }
    }

    // The input as the body of a fresh message: sealed, it must validate.
    let mut message = b"From: a@football.example.com\r\nSubject: x\r\n\r\n".to_vec();
    message.extend_from_slice(data);
    let (header, mut body) = dkimctl::dkim::message::split(&message).expect("a fixed header");
    let assessment = Assessment { cv: ChainStatus::None, results: vec!["arc=none".into()] };
    let sealed = seal(&header, &mut body, &options, &assessment, NOW).expect("sealable");
    let mut out = Vec::new();
    sealed.fields.iter().for_each(|f| out.extend_from_slice(f));
    out.extend_from_slice(&message);
    out.extend_from_slice(sealed.body_end);
    let verdict = validate_message(&verifier, &out, ValidateOptions::default()).expect("a message");
    assert_eq!(verdict.cv, ChainStatus::Pass, "{:?}", verdict.reason);
});
