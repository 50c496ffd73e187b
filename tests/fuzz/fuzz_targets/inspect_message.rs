//! `inspect_reader` (verdicts, alignment, provider signatures, the body and
//! header forensics that run when a hash fails) and `canonical_forms` for
//! every signature, with a fixed ed25519 key record: never panic.
#![no_main]

use dkimctl::diagnosis::inspect::{canonical_forms, inspect_reader};
use dkimctl::dkim::key_source::LiteralKeySource;
use dkimctl::dkim::verify::VerifyOptions;
use libfuzzer_sys::fuzz_target;

/// The RFC 8463 Appendix A key (brisbane._domainkey.football.example.com).
const RECORD: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

fuzz_target!(|data: &[u8]| {
    let source = LiteralKeySource::new(RECORD);
    let options = VerifyOptions::strict(1_700_000_000);
    let Ok(report) = inspect_reader(std::io::Cursor::new(data), &source, options) else {
        return;
    };
    for signature in &report.signatures {
        let _ = canonical_forms(data, signature.field_index);
    }
});
