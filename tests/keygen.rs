//! `dkimctl keygen`: every key type and size signs a message that verifies
//! against the printed record; the file is 0600 and never replaced without
//! --force; PKCS#1/PKCS#8, the one-line BYODKIM form, zone lines and JSON.

use crate::util::{NOW, TestDir, fx};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::os::unix::fs::PermissionsExt;

/// Runs keygen with `args`, expecting success; returns stdout.
fn keygen(dir: &TestDir, args: &[&str]) -> String {
    let run = dir.cmd(&[&["keygen"], args].concat()).run();
    run.assert_exit(0);
    assert_eq!(run.stderr(), "");
    run.stdout()
}

/// Signs plain.eml with `key` and verifies it with `record`; panics unless
/// the result is a pass with algorithm `a`.
fn sign_and_verify(dir: &TestDir, key: &str, record: &str, a: &str) {
    let message = fx("messages/plain.eml");
    let signed = dir
        .cmd(&[
            "sign",
            &message,
            "--domain",
            "example.com",
            "--selector",
            "s1",
            "--key",
            key,
            "--now",
            NOW,
            "-o",
            "signed.eml",
        ])
        .run();
    signed.assert_exit(0);
    dir.cmd(&["verify", "signed.eml", "--key-record", record, "--now", NOW])
        .run()
        .assert_exit(0)
        .assert_stdout(&format!("pass d=example.com s=s1 a={a}\n"));
}

fn mode(dir: &TestDir, name: &str) -> u32 {
    std::fs::metadata(dir.join(name))
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// The DER inside a PEM file.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    BASE64.decode(body).unwrap()
}

#[test]
fn every_type_and_size_signs_and_verifies() {
    let dir = TestDir::new();
    for (args, label, k, a) in [
        (&["--bits", "1024"][..], "PRIVATE KEY", "rsa", "rsa-sha256"),
        (
            &["--bits", "1024", "--pkcs1"][..],
            "RSA PRIVATE KEY",
            "rsa",
            "rsa-sha256",
        ),
        (&[][..], "PRIVATE KEY", "rsa", "rsa-sha256"),
        (&["--pkcs1"][..], "RSA PRIVATE KEY", "rsa", "rsa-sha256"),
        (&["--bits", "3072"][..], "PRIVATE KEY", "rsa", "rsa-sha256"),
        (
            &["--type", "ed25519"][..],
            "PRIVATE KEY",
            "ed25519",
            "ed25519-sha256",
        ),
    ] {
        let out = keygen(&dir, &[&["-o", "key.pem", "--force"], args].concat());
        let record = out.strip_suffix('\n').unwrap();
        assert!(!record.contains('\n'), "{args:?}: one line expected: {out}");
        assert!(
            record.starts_with(&format!("v=DKIM1; k={k}; p=")),
            "{args:?}: {record}"
        );
        let pem = String::from_utf8(dir.read("key.pem")).unwrap();
        assert!(
            pem.starts_with(&format!("-----BEGIN {label}-----\n")),
            "{args:?}: {pem}"
        );
        assert_eq!(mode(&dir, "key.pem"), 0o600, "{args:?}");
        sign_and_verify(&dir, "key.pem", record, a);
    }
}

#[test]
fn rsa_4096_signs_and_verifies() {
    let dir = TestDir::new();
    let out = keygen(&dir, &["--bits", "4096", "--out", "big.pem", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["bits"], 4096);
    // A 4096-bit record needs three TXT strings.
    assert_eq!(doc["txt_strings"].as_array().unwrap().len(), 3);
    sign_and_verify(
        &dir,
        "big.pem",
        doc["record"].as_str().unwrap(),
        "rsa-sha256",
    );
}

#[test]
fn key_file_is_0600_even_when_replacing_a_readable_file() {
    let dir = TestDir::new();
    keygen(&dir, &["-t", "ed25519", "-o", "new.pem"]);
    assert_eq!(mode(&dir, "new.pem"), 0o600);
    let old = dir.write("old.pem", "old");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    keygen(&dir, &["-t", "ed25519", "-o", "old.pem", "--force"]);
    assert_eq!(mode(&dir, "old.pem"), 0o600);
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = TestDir::new();
    dir.write("key.pem", "precious");
    let run = dir.cmd(&["keygen", "-t", "ed25519", "-o", "key.pem"]).run();
    run.assert_exit(2).assert_stdout("");
    assert_eq!(
        run.stderr(),
        format!("error: key.pem exists; give --force to replace it\n")
    );
    assert_eq!(dir.read("key.pem"), b"precious");
    // Nothing else was written either.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);

    keygen(&dir, &["-t", "ed25519", "-o", "key.pem", "--force"]);
    let pem = String::from_utf8(dir.read("key.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
}

#[test]
fn usage_errors_write_nothing() {
    let dir = TestDir::new();
    for (args, error) in [
        (
            &["-t", "ed25519", "--pkcs1", "-o", "k.pem"][..],
            Some("error: PKCS#1 holds only RSA keys; Ed25519 keys are written as PKCS#8\n"),
        ),
        (
            &["-t", "ed25519", "--bits", "2048", "-o", "k.pem"][..],
            Some("error: --bits applies to RSA keys, not Ed25519\n"),
        ),
        (
            &[
                "-o",
                "k.pem",
                "--selector",
                "bad selector",
                "--domain",
                "example.com",
            ][..],
            Some(
                "error: invalid value 'bad selector' for '--selector <SELECTOR>': selector 'bad selector' is not valid: label 'bad selector' contains ' '; the rule is RFC 6376 §3.1: dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen\n",
            ),
        ),
        // clap's own messages: no --out, a size it does not make, a
        // selector without a domain.
        (&[][..], None),
        (&["--bits", "512", "-o", "k.pem"][..], None),
        (&["--selector", "s1", "-o", "k.pem"][..], None),
    ] {
        let run = dir.cmd(&[&["keygen"], args].concat()).run();
        run.assert_exit(2).assert_stdout("");
        if let Some(error) = error {
            assert_eq!(run.stderr(), error, "{args:?}");
        }
        assert!(!dir.join("k.pem").exists(), "{args:?}");
    }
}

#[test]
fn byodkim_is_one_line_of_base64_of_the_key() {
    let dir = TestDir::new();
    for (args, label) in [
        (&[][..], "PRIVATE KEY"),
        (&["--pkcs1"][..], "RSA PRIVATE KEY"),
    ] {
        let out = keygen(
            &dir,
            &[
                &["--bits", "1024", "-o", "k.pem", "--force", "--byodkim"],
                args,
            ]
            .concat(),
        );
        let lines: Vec<&str> = out.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("Private key, one line for a BYODKIM upload"))
            .unwrap_or_else(|| panic!("no BYODKIM label in {out}"));
        let one_line = lines[at + 1];
        assert!(
            !one_line.contains("-----") && !one_line.contains(' '),
            "{one_line}"
        );
        assert_eq!(
            at + 2,
            lines.len(),
            "the one-line key ends the output: {out}"
        );
        let pem = String::from_utf8(dir.read("k.pem")).unwrap();
        assert!(pem.starts_with(&format!("-----BEGIN {label}-----\n")));
        assert_eq!(BASE64.decode(one_line).unwrap(), pem_der(&pem), "{args:?}");
        // The record is printed too.
        assert!(
            lines.iter().any(|l| l.starts_with("v=DKIM1; k=rsa; p=")),
            "{out}"
        );
    }
}

#[test]
fn zone_line_strings_fit_in_255_bytes() {
    let dir = TestDir::new();
    let out = keygen(
        &dir,
        &["-o", "k.pem", "--selector", "s1", "--domain", "example.com"],
    );
    let zone_line = out
        .lines()
        .find(|l| l.starts_with("s1._domainkey.example.com. TXT \""))
        .unwrap_or_else(|| panic!("no zone line in {out}"));
    let record = out
        .lines()
        .find(|l| l.starts_with("v=DKIM1; k=rsa; p="))
        .unwrap_or_else(|| panic!("no record in {out}"));
    let strings: Vec<&str> = zone_line
        .strip_prefix("s1._domainkey.example.com. TXT \"")
        .and_then(|s| s.strip_suffix('"'))
        .unwrap()
        .split("\" \"")
        .collect();
    assert!(
        strings.len() >= 2,
        "a 2048-bit record needs two strings: {zone_line}"
    );
    assert!(strings.iter().all(|s| s.len() <= 255), "{zone_line}");
    assert_eq!(strings.concat(), record);
    assert!(
        !out.contains("PRIVATE"),
        "no private key without --byodkim: {out}"
    );
    sign_and_verify(&dir, "k.pem", record, "rsa-sha256");
}

#[test]
fn json_document() {
    let dir = TestDir::new();
    let out = keygen(
        &dir,
        &[
            "-t",
            "ed25519",
            "-o",
            "k.pem",
            "-s",
            "s1",
            "-d",
            "example.com.",
            "--json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["file"], "k.pem");
    assert_eq!(doc["key_type"], "ed25519");
    assert_eq!(doc["bits"], serde_json::Value::Null);
    assert_eq!(doc["format"], "pkcs8");
    assert_eq!(doc["name"], "s1._domainkey.example.com.");
    let record = doc["record"].as_str().unwrap();
    assert!(record.starts_with("v=DKIM1; k=ed25519; p="), "{record}");
    assert_eq!(
        doc["zone_line"].as_str().unwrap(),
        format!("s1._domainkey.example.com. TXT \"{record}\"")
    );
    assert!(doc.get("byodkim").is_none(), "{out}");

    let out = keygen(
        &dir,
        &["-o", "k.pem", "--force", "--json", "--byodkim", "--pkcs1"],
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["bits"], 2048);
    assert_eq!(doc["format"], "pkcs1");
    assert_eq!(doc["name"], serde_json::Value::Null);
    let pem = String::from_utf8(dir.read("k.pem")).unwrap();
    assert_eq!(
        BASE64.decode(doc["byodkim"].as_str().unwrap()).unwrap(),
        pem_der(&pem)
    );
}
