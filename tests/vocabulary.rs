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
    dir.cmd(args).run().json()
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
        for (i, signature) in verified["messages"][0]["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            for warning in signature["warnings"].as_array().unwrap() {
                let code = warning["code"].as_str().unwrap();
                assert!(catalogue.contains(code), "{message}: verify noted {code}");
            }
            let Some(code) = signature["reason"]["code"].as_str() else {
                continue;
            };
            assert!(catalogue.contains(code), "{message}: verify said {code}");
            assert!(text.contains(&format!("[{code}] ")), "{message}: {text}");
            // Numbered among the signatures, wherever the field sits.
            let subject = format!("DKIM-Signature #{} at line ", i + 1);
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

/// A selector gets the same verdict, in the same words, from every command:
/// `a_b` is usable with a warning, `-s1` is refused.
#[test]
fn a_selector_gets_one_verdict_everywhere() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let underscore = "the selector contains an underscore: DNS allows it, but it is outside the grammar of RFC 6376 §3.1";
    let refused = "selector '-s1' is not valid: label '-s1' starts or ends with a hyphen; the rule is RFC 6376 §3.1";
    let zone = |selector: &str| {
        format!(
            "$ORIGIN example.com.\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n\
             {selector}._domainkey IN TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\"\n"
        )
    };
    for (selector, severity, words, lint_exit) in [
        ("a_b", "warning", underscore, 0),
        ("-s1", "error", refused, 1),
    ] {
        let checked = json(
            &dir,
            &[
                "key",
                "check",
                &key,
                &format!("--selector={selector}"),
                "--json",
            ],
        );
        let finding = checked["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "selector-invalid")
            .unwrap_or_else(|| panic!("key check {selector}: {checked}"));
        assert_eq!(finding["severity"], severity, "key check {selector}");
        assert!(
            finding["message"].as_str().unwrap().starts_with(words),
            "{finding}"
        );

        let path = dir.write("example.com.zone", zone(selector));
        let linted = dir
            .cmd(&["lint", "--format", "json", path.to_str().unwrap()])
            .run();
        linted.assert_exit(lint_exit);
        let doc = linted.json();
        let finding = &doc["findings"][0];
        assert_eq!(
            finding["code"], "selector-invalid",
            "lint {selector}: {doc}"
        );
        assert_eq!(finding["severity"], severity, "lint {selector}");
        assert!(
            finding["message"].as_str().unwrap().starts_with(words),
            "{finding}"
        );

        let records = dir
            .cmd(&[
                "records",
                "example.com",
                "--key",
                &key,
                &format!("--selector={selector}"),
                "--json",
            ])
            .run();
        if severity == "error" {
            records.assert_exit(2);
            assert!(
                records.stderr().starts_with(&format!("error: {words}")),
                "{}",
                records.stderr()
            );
        } else {
            records.assert_exit(0);
            assert!(records.stdout().contains(words), "{}", records.stdout());
        }
    }
}
