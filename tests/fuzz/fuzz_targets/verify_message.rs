//! Verifier::verify_message with a fixed ed25519 key record: never panics.
#![no_main]

use dkimctl::dkim::key_source::LiteralKeySource;
use dkimctl::dkim::verify::{Verifier, VerifyOptions};
use libfuzzer_sys::fuzz_target;

/// The RFC 8463 Appendix A key (brisbane._domainkey.football.example.com).
const RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fuzz_target!(|data: &[u8]| {
    let source = LiteralKeySource::new(RECORD);
    let verifier = Verifier::new(&source, VerifyOptions::strict(1_700_000_000));
    if let Ok(verdicts) = verifier.verify_message(data) {
        let _ = dkimctl::dkim::verify::summarize(&verdicts);
    }
});
