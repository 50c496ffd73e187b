//! zone::parse_bytes: never panics on any bytes ($INCLUDE disabled, so the
//! input never reaches the file system). Every error has a position inside
//! the input; every record's spans lie inside the input and TXT strings keep
//! their decoded length.
#![no_main]

use std::path::Path;

use dkimctl::zone::{RData, ZoneOptions, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = ZoneOptions {
        origin: Some("example.com".into()),
        max_include_depth: 0,
    };
    let lines = u32::try_from(data.iter().filter(|&&b| b == b'\n').count() + 1).unwrap();
    match parse_bytes(data, Path::new("fuzz.zone"), &options) {
        Ok(zone) => {
            for record in &zone.records {
                assert!(record.span.line >= 1 && record.span.line <= lines);
                assert!(record.owner.resolved.ends_with('.'));
                for span in &record.rdata_spans {
                    assert!(span.line >= record.span.line && span.line <= lines);
                    assert!(span.column >= 1);
                }
                if let RData::Txt { strings } = &record.rdata {
                    assert!(!strings.is_empty());
                    for s in strings {
                        assert!(s.len() <= data.len());
                    }
                }
            }
        }
        Err(e) => {
            let span = e.span().expect("in-memory errors are positioned");
            assert!(span.line >= 1 && span.line <= lines && span.column >= 1);
        }
    }
});
