//! `dkimctl verify` offline (`--zone`, `--key-record`): one line per
//! signature, the reasons, the notes, JSON, and the exit codes.

use crate::util::{NOW, TestDir, fx};

/// The test message signed with the 2048-bit test key, optionally with
/// more sign flags.
pub(crate) fn signed(dir: &TestDir, extra: &[&str]) -> Vec<u8> {
    let (m, key) = (fx("messages/plain.eml"), fx("keys/rsa2048.pem"));
    let mut args = vec![
        "sign",
        &m,
        "--domain",
        "example.com",
        "--selector",
        "rsa2048",
        "--key",
        &key,
        "--now",
        NOW,
    ];
    args.extend(extra);
    let run = dir.cmd(&args).run();
    run.assert_exit(0);
    run.0.stdout
}

fn verify(dir: &TestDir, message: &[u8], extra: &[&str]) -> crate::util::Run {
    dir.write("msg.eml", message);
    let zone = fx("keys/keys.zone");
    let mut args = vec!["verify", "msg.eml", "--zone", &zone];
    if !extra.contains(&"--now") {
        args.extend(["--now", NOW]);
    }
    args.extend(extra);
    dir.cmd(&args).run()
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .replacen(from, to, 1)
        .into_bytes()
}

#[test]
fn pass_exits_0() {
    let dir = TestDir::new();
    let message = signed(&dir, &[]);
    verify(&dir, &message, &[])
        .assert_exit(0)
        .assert_stdout("pass d=example.com s=rsa2048 a=rsa-sha256\n");
}

#[test]
fn changed_body_and_changed_header_fail_with_exit_1() {
    let dir = TestDir::new();
    let message = signed(&dir, &[]);
    verify(&dir, &replace(&message, "hungry", "thirsty"), &[])
        .assert_exit(1)
        .assert_stdout("fail d=example.com s=rsa2048 a=rsa-sha256 [body-hash-mismatch] the body was changed after signing (body hash mismatch)\n");
    verify(&dir, &replace(&message, "Subject: Is dinner", "Subject: Was dinner"), &[])
        .assert_exit(1)
        .assert_stdout("fail d=example.com s=rsa2048 a=rsa-sha256 [signature-mismatch] the signature does not match the signed header fields and key\n");
}

#[test]
fn an_added_from_field_breaks_the_oversigned_signature() {
    let dir = TestDir::new();
    let message = signed(&dir, &[]);
    let forged = replace(
        &message,
        "From: Joe",
        "From: Mallory <m@evil.example>\r\nFrom: Joe",
    );
    verify(&dir, &forged, &[]).assert_exit(1);
}

#[test]
fn every_signature_gets_a_line_and_all_must_pass() {
    let dir = TestDir::new();
    let ed = fx("keys/ed25519.pem");
    let message = signed(
        &dir,
        &[
            "--selector",
            "ed25519",
            "--key",
            &ed,
            "--selector",
            "nokey",
            "--key",
            &ed,
        ],
    );
    verify(&dir, &message, &[]).assert_exit(1).assert_stdout(
        "pass d=example.com s=rsa2048 a=rsa-sha256\n\
         pass d=example.com s=ed25519 a=ed25519-sha256\n\
         permerror d=example.com s=nokey a=ed25519-sha256 [record-missing] no DKIM key record at nokey._domainkey.example.com\n",
    );
}

#[test]
fn no_signature_exits_1() {
    let dir = TestDir::new();
    let message = std::fs::read(fx("messages/plain.eml")).unwrap();
    verify(&dir, &message, &[])
        .assert_exit(1)
        .assert_stdout("none: no DKIM-Signature field\n");
}

#[test]
fn rsa_sha1_and_short_keys_need_the_legacy_allowances() {
    let dir = TestDir::new();
    let zone = fx("keys/keys.zone");
    let (sha1, short) = (fx("verify/sha1.eml"), fx("verify/short-key.eml"));
    dir.cmd(&["verify", &sha1, &short, "--zone", &zone])
        .run()
        .assert_exit(1)
        .assert_stdout(&format!(
            "{sha1}: permerror d=example.com s=rsa2048 a=rsa-sha1 [sha1] rsa-sha1 is no longer accepted (RFC 8301)\n\
             {short}: permerror d=example.com s=rsa512 a=rsa-sha256 [key-too-short] the RSA key has 512 bits; RFC 8301 requires at least 1024\n"
        ));
    dir.cmd(&[
        "verify",
        &sha1,
        &short,
        "--zone",
        &zone,
        "--allow-sha1",
        "--allow-short-keys",
    ])
    .run()
    .assert_exit(0)
    .assert_stdout(&format!(
        "{sha1}: pass d=example.com s=rsa2048 a=rsa-sha1\n\
             {sha1}:   note: rsa-sha1 accepted because of --allow-sha1\n\
             {short}: pass d=example.com s=rsa512 a=rsa-sha256\n\
             {short}:   note: 512-bit RSA key accepted because of --allow-short-keys\n"
    ));
}

#[test]
fn expired_and_future_signatures() {
    let dir = TestDir::new();
    let message = signed(&dir, &["--expire", "1h"]);
    verify(&dir, &message, &["--now", "1700003599"]).assert_exit(0);
    verify(&dir, &message, &["--now", "1700003601"])
        .assert_exit(1)
        .assert_stdout("permerror d=example.com s=rsa2048 a=rsa-sha256 [signature-expired] the signature expired at 1700003600 (x=)\n");
    verify(&dir, &message, &["--now", "1699990000"])
        .assert_exit(1)
        .assert_stdout("permerror d=example.com s=rsa2048 a=rsa-sha256 [signature-future] the signature is dated in the future, t=1700000000\n");
}

#[test]
fn key_record_flags_and_revocation() {
    let dir = TestDir::new();
    let testing = signed(&dir, &[]);
    let testing = replace(&testing, "s=rsa2048", "s=testing");
    // The selector is signed, so renaming it breaks the signature; the key
    // note still appears before the verdict is reached.
    let run = verify(&dir, &testing, &[]);
    run.assert_exit(1);
    assert!(
        run.stdout().contains("note: the key record has t=y"),
        "{}",
        run.stdout()
    );
    let revoked = replace(&signed(&dir, &[]), "s=rsa2048", "s=revoked");
    verify(&dir, &revoked, &[])
        .assert_exit(1)
        .assert_stdout("permerror d=example.com s=revoked a=rsa-sha256 [key-revoked] the key was revoked (empty p=)\n");
}

#[test]
fn a_literal_key_record() {
    let dir = TestDir::new();
    let message = signed(
        &dir,
        &["--selector", "ed25519", "--key", &fx("keys/ed25519.pem")],
    );
    dir.write("msg.eml", &message);
    let zone = std::fs::read_to_string(fx("keys/keys.zone")).unwrap();
    let record: String = zone
        .lines()
        .find(|l| l.starts_with("ed25519._domainkey"))
        .and_then(|l| l.split('"').nth(1))
        .unwrap()
        .to_string();
    let run = dir
        .cmd(&["verify", "msg.eml", "--key-record", &record, "--now", NOW])
        .run();
    run.assert_exit(1).assert_stdout(
        "permerror d=example.com s=rsa2048 a=rsa-sha256 [key-invalid] the key record is k=ed25519, which does not match a=\n\
         pass d=example.com s=ed25519 a=ed25519-sha256\n",
    );
}

#[test]
fn json_document() {
    let dir = TestDir::new();
    let message = signed(&dir, &[]);
    let run = verify(&dir, &replace(&message, "hungry", "thirsty"), &["--json"]);
    run.assert_exit(1);
    let doc = run.json();
    let msg = &doc["messages"][0];
    assert_eq!(msg["file"], "msg.eml");
    assert_eq!(msg["result"], "fail");
    let sig = &msg["signatures"][0];
    assert_eq!(sig["result"], "fail");
    assert_eq!(sig["domain"], "example.com");
    assert_eq!(sig["selector"], "rsa2048");
    assert_eq!(sig["algorithm"], "rsa-sha256");
    assert_eq!(sig["reason"]["code"], "body-hash-mismatch");
    assert_eq!(
        sig["reason"]["message"],
        "the body was changed after signing (body hash mismatch)"
    );
    assert_eq!(sig["warnings"], serde_json::json!([]));
}

#[test]
fn lf_stored_messages_verify() {
    let dir = TestDir::new();
    let message = signed(&dir, &[]);
    let lf = String::from_utf8(message).unwrap().replace("\r\n", "\n");
    verify(&dir, lf.as_bytes(), &[]).assert_exit(0);
}

#[test]
fn an_unreadable_file_does_not_hide_the_others() {
    let dir = TestDir::new();
    let sha1 = fx("verify/sha1.eml");
    let zone = fx("keys/keys.zone");
    let line = "permerror d=example.com s=rsa2048 a=rsa-sha1 [sha1] rsa-sha1 is no longer accepted (RFC 8301)";
    dir.cmd(&["verify", &sha1, "missing.eml", &sha1, "--zone", &zone])
        .run()
        .assert_exit(2)
        .assert_stdout(&format!("{sha1}: {line}\n{sha1}: {line}\n"))
        .assert_stderr("error: reading missing.eml: no such file or directory\n");
    let run = dir
        .cmd(&["verify", &sha1, "missing.eml", "--zone", &zone, "--json"])
        .run();
    run.assert_exit(2);
    let doc = run.json();
    assert_eq!(doc["messages"][0]["result"], "fail");
    assert_eq!(
        doc["messages"][1],
        serde_json::json!({
            "file": "missing.eml",
            "result": "error",
            "signatures": [],
            "error": "reading missing.eml: no such file or directory"
        })
    );
}
