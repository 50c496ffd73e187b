//! Issue 16: what a DNS host's web form did to a pasted key record, named
//! the same way by `verify --key-record` (or `--zone`), `lint` and
//! `diagnose` (against the in-process DNS server): one fixture per
//! mistake in fixtures/damage/ (`<case>.zone`, `<case>.txt`), one code,
//! the exact message and the exact fix.

use crate::dns_server::DnsServer;
use crate::util::{NOW, TestDir, diagnose_json, fixture, fx};

/// The 2048-bit test key's p= and the Ed25519 one's.
fn test_key(selector: &str) -> String {
    let zone = std::fs::read_to_string(fixture("keys/keys.zone")).unwrap();
    let line = zone
        .lines()
        .find(|l| l.starts_with(&format!("{selector}._domainkey")))
        .unwrap();
    let joined: String = line.split('"').skip(1).step_by(2).collect();
    joined.split_once("p=").unwrap().1.to_string()
}

/// The record as it was meant, as a zone line cut in 255-byte strings.
fn meant(selector: &str, value: &str) -> String {
    let strings: Vec<String> = value
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", std::str::from_utf8(c).unwrap()))
        .collect();
    format!(
        "{selector}._domainkey.example.com. 3600 IN TXT {}",
        strings.join(" ")
    )
}

/// Writes msg.eml: the test message signed once, with the test key of
/// `selector`.
fn sign(dir: &TestDir, selector: &str) {
    let (message, key) = (
        fx("messages/plain.eml"),
        fx(&format!("keys/{selector}.pem")),
    );
    let args = [
        "sign",
        &message,
        "-d",
        "example.com",
        "-s",
        selector,
        "--key",
        &key,
        "--now",
        NOW,
        "-o",
        "msg.eml",
    ];
    dir.cmd(&args).run().assert_exit(0);
}

struct Case {
    name: &'static str,
    selector: &'static str,
    code: &'static str,
    message: &'static str,
    fix: String,
}

fn cases() -> Vec<Case> {
    let rsa = meant(
        "rsa2048",
        &format!("v=DKIM1; k=rsa; p={}", test_key("rsa2048")),
    );
    let ed = meant(
        "ed25519",
        &format!("v=DKIM1; k=ed25519; p={}", test_key("ed25519")),
    );
    let case = |name, selector, code, message, fix: &String| Case {
        name,
        selector,
        code,
        message,
        fix: fix.clone(),
    };
    vec![
        case(
            "quoted",
            "rsa2048",
            "key-quoted",
            "the value starts with a double quote: the DNS host kept the quotes you typed as part of the record; enter the value without quotes",
            &rsa,
        ),
        case(
            "escaped",
            "rsa2048",
            "key-escaped",
            "the value holds `\\;`: zone-file escaping was pasted into a web form, which stores the backslashes; remove the backslashes",
            &rsa,
        ),
        case(
            "truncated",
            "rsa2048",
            "key-truncated",
            "p= is cut short: 237 of the 392 characters a 2048-bit RSA key takes; the key is cut where the first TXT string ends (the DNS host kept only one string); publish all of it",
            &"publish the whole key at rsa2048._domainkey.example.com: one TXT record holding all of its strings (`dkimctl records --zone` writes them), or use a DNS host that joins them".to_string(),
        ),
        case(
            "pem",
            "rsa2048",
            "key-pem-armor",
            "p= holds PEM armour or line breaks; it must be one line of base64",
            &rsa,
        ),
        case(
            "split",
            "rsa2048",
            "key-split-records",
            "2 TXT records at one name make one key record only when joined: one record with 2 strings was meant, and a verifier reads each record alone",
            &rsa,
        ),
        case(
            "plus-as-space",
            "rsa2048",
            "key-whitespace",
            "p= holds 3 space(s) where its key needs `+`: whitespace is legal in p=, but the key decodes only with `+` in its place (a web form turned `+` into spaces)",
            &rsa,
        ),
        case(
            "no-k-ed25519",
            "ed25519",
            "key-wrong-type",
            "p= holds an Ed25519 key, but the record has no k=, which means k=rsa; add k=ed25519",
            &ed,
        ),
        case(
            "k-ed25519-rsa",
            "rsa2048",
            "key-wrong-type",
            "p= holds an RSA key, but the record says k=ed25519; write k=rsa",
            &rsa,
        ),
        case(
            "h-sha1",
            "rsa2048",
            "key-hash-unusable",
            "h=sha1 allows no hash verifiers accept (RFC 8301 forbids sha1): no signature verifies with this key; remove h= or write h=sha256",
            &rsa,
        ),
    ]
}

/// The one finding of a JSON document, as (code, message, fix).
fn only_finding(doc: &serde_json::Value) -> (String, String, String) {
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
    (s("code"), s("message"), s("fix"))
}

#[test]
fn verify_names_the_damage() {
    let dir = TestDir::new();
    for case in cases() {
        sign(&dir, case.selector);
        let source = match case.name {
            // Two records cannot be one --key-record.
            "split" => vec!["--zone".to_string(), fx("damage/split.zone")],
            name => {
                let text = std::fs::read_to_string(fixture(&format!("damage/{name}.txt"))).unwrap();
                vec![
                    "--key-record".to_string(),
                    text.trim_end_matches('\n').to_string(),
                ]
            }
        };
        let mut args = vec!["verify", "msg.eml", "--now", NOW];
        args.extend(source.iter().map(String::as_str));
        let algorithm = if case.selector == "ed25519" {
            "ed25519-sha256"
        } else {
            "rsa-sha256"
        };
        dir.cmd(&args).run().assert_exit(1).assert_stdout(&format!(
            "permerror d=example.com s={} a={algorithm} [{}] {}\n",
            case.selector, case.code, case.message
        ));
    }
}

#[test]
fn lint_names_the_damage_with_a_zone_line_fix() {
    let dir = TestDir::new();
    for case in cases() {
        let zone = fx(&format!("damage/{}.zone", case.name));
        let run = dir.cmd(&["lint", &zone, "--format", "json"]).run();
        run.assert_exit(1);
        let doc = run.json();
        assert_eq!(
            only_finding(&doc),
            (
                case.code.to_string(),
                case.message.to_string(),
                case.fix.clone()
            ),
            "{}",
            case.name
        );
    }
}

#[test]
fn diagnose_names_the_damage() {
    for case in cases() {
        let text = std::fs::read_to_string(fixture(&format!("damage/{}.zone", case.name))).unwrap();
        let dns = DnsServer::builder().zone("example.com.", &text).start();
        let (code, doc) = diagnose_json(&dns, "example.com", &["--selector", case.selector]);
        assert_eq!(code, 1, "{}", case.name);
        assert_eq!(
            only_finding(&doc),
            (
                case.code.to_string(),
                case.message.to_string(),
                case.fix.clone()
            ),
            "{}",
            case.name
        );
    }
}

#[test]
fn whitespace_added_inside_p_is_legal() {
    let dir = TestDir::new();
    let key = test_key("rsa2048");
    let record = format!("v=DKIM1; k=rsa; p={} {}", &key[..100], &key[100..]);
    sign(&dir, "rsa2048");
    dir.cmd(&["verify", "msg.eml", "--key-record", &record, "--now", NOW])
        .run()
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn inspect_gives_the_repaired_record_as_the_fix() {
    let dir = TestDir::new();
    sign(&dir, "rsa2048");
    let text = std::fs::read_to_string(fixture("damage/quoted.txt")).unwrap();
    let args = [
        "inspect",
        "msg.eml",
        "--key-record",
        text.trim_end(),
        "--now",
        NOW,
        "--json",
    ];
    let run = dir.cmd(&args).run();
    run.assert_exit(1);
    let doc = run.json();
    let finding = &doc["findings"][0];
    assert_eq!(finding["code"], "key-quoted");
    let rsa = meant(
        "rsa2048",
        &format!("v=DKIM1; k=rsa; p={}", test_key("rsa2048")),
    );
    assert_eq!(finding["fix"], rsa.as_str());
}

#[test]
fn a_lint_fix_line_is_a_valid_zone_line() {
    // A string over 255 bytes holding control characters: the fix is one
    // line that lint reads back, with the bytes escaped.
    let dir = TestDir::new();
    let value = format!("v=DKIM1; k=rsa; n={}\\007\\009\\010; p=", "x".repeat(300));
    let zone = format!("$ORIGIN example.com.\ns._domainkey 3600 IN TXT \"{value}\"\n");
    dir.write("long.zone", &zone);
    let run = dir.cmd(&["lint", "long.zone", "--format", "json"]).run();
    let doc = run.json();
    let fix = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "txt-string-too-long")
        .and_then(|f| f["fix"].as_str())
        .expect("txt-string-too-long has a fix")
        .to_string();
    assert!(
        !fix.contains('\n') && fix.bytes().all(|b| (b' '..=b'~').contains(&b)),
        "{fix:?}"
    );
    assert!(fix.ends_with("\\007\\009\\010; p=\""), "{fix}");
    dir.write("fixed.zone", format!("{fix}\n"));
    let again = dir.cmd(&["lint", "fixed.zone", "--format", "json"]).run();
    assert_ne!(again.code(), 2, "{}", again.stderr());
    let doc = again.json();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "txt-string-too-long"),
        "{doc:#}"
    );
}
