//! One vocabulary: the catalogue's words are the only failure words, and
//! `verify` and `inspect` name the same failure of the same message alike.

use crate::util::{TestDir, fx};
use dkimctl::diagnosis::finding::Code;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

#[test]
fn the_catalogue_has_one_word_and_one_severity_per_code() {
    let mut words = HashSet::new();
    for &code in Code::ALL {
        let word = code.as_str();
        assert!(words.insert(word), "{word} appears twice");
        assert!(
            word.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{word} is not kebab-case"
        );
        assert!(!code.description().is_empty(), "{word} has no description");
        assert_eq!(serde_json::to_value(code).unwrap(), word);
        let _ = code.severity();
    }
}

/// Every message fixture, read with the fixture keys.
fn messages() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["messages", "forensics", "verify", "verify-zone", "sign"] {
        let Ok(entries) = std::fs::read_dir(fx(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "eml") {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn json(dir: &TestDir, args: &[&str]) -> Value {
    let run = dir.cmd(args).run();
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}{}", run.stdout(), run.stderr()))
}

#[test]
fn verify_and_inspect_name_each_failure_alike() {
    let dir = TestDir::new();
    let zone = fx("keys/keys.zone");
    let catalogue: HashSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let mut compared = BTreeSet::new();
    for message in messages() {
        let verified = json(&dir, &["verify", "--json", &message, "--zone", &zone]);
        let text = dir
            .cmd(&["verify", &message, "--zone", &zone])
            .run()
            .stdout();
        let inspected = json(&dir, &["inspect", "--json", &message, "--zone", &zone]);
        let findings = inspected["findings"].as_array().unwrap();
        for finding in findings {
            let code = finding["code"].as_str().unwrap();
            assert!(catalogue.contains(code), "{message}: inspect said {code}");
        }
        for signature in verified["messages"][0]["signatures"].as_array().unwrap() {
            for warning in signature["warnings"].as_array().unwrap() {
                let code = warning["code"].as_str().unwrap();
                assert!(catalogue.contains(code), "{message}: verify noted {code}");
            }
            let Some(code) = signature["reason"]["code"].as_str() else {
                continue;
            };
            assert!(catalogue.contains(code), "{message}: verify said {code}");
            assert!(text.contains(&format!("[{code}] ")), "{message}: {text}");
            let subject = format!(
                "DKIM-Signature #{} (",
                signature["field_index"].as_u64().unwrap() + 1
            );
            let said: Vec<&str> = findings
                .iter()
                .filter(|f| {
                    f["severity"] == "error" && f["subject"].as_str().unwrap().starts_with(&subject)
                })
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            // inspect may know more than verify: forensics that find the
            // published key is not the signing one say key-mismatch.
            let agrees = said.first().is_some_and(|&s| {
                s == code || (code == "signature-mismatch" && s == "key-mismatch")
            });
            assert!(
                agrees,
                "{message}: verify says {code}, inspect says {said:?}"
            );
            compared.insert(code.to_string());
        }
    }
    assert!(
        compared.len() >= 6,
        "only {compared:?} were compared; the fixtures should cover more failures"
    );
}
