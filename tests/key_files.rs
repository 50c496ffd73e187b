//! One key decoder: `key check`, `records --key` and `sign -k` give the same
//! verdict on each odd key file (text around the PEM, CRLF, two blocks,
//! every structure and armour, encrypted, truncated, garbage), and where a
//! command refuses the file, the same words.

use crate::util::{NOW, TestDir, fixture, fx};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// What every command should make of a file.
enum Verdict {
    /// A private key that signs; `key check` prints this summary.
    Private(&'static str),
    /// A public key: `key check` describes it, signing refuses it.
    Public(&'static str),
    /// Encrypted: every command says so.
    Encrypted,
    /// No usable key: `key check`'s finding (code and message) is the
    /// error the other commands print.
    Refused(&'static str),
}

fn read(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).unwrap()
}

/// The base64 body of a PEM text, joined.
fn body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn pem(label: &str, der: &[u8]) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        BASE64.encode(der)
    )
}

fn key_check(dir: &TestDir, file: &str) -> (i32, serde_json::Value) {
    let run = dir.cmd(&["key", "check", file, "--json"]).run();
    let doc = run.json();
    (run.code(), doc)
}

/// The odd files, written into `dir`, with their verdicts.
fn odd_files(dir: &TestDir) -> Vec<(&'static str, Verdict)> {
    let pkcs8 = read("keys/rsa2048.pem");
    let pkcs1 = read("keys/rsa2048-pkcs1.pem");
    let spki = read("keys/rsa2048.pub.pem");
    let spki_der = BASE64.decode(body(&spki)).unwrap();
    let info = spki::SubjectPublicKeyInfoRef::try_from(spki_der.as_slice()).unwrap();
    let pkcs1_public = info.subject_public_key.raw_bytes().to_vec();
    let encrypted = read("keys/rsa2048-encrypted.pem");
    dir.write(
        "text-around.pem",
        format!("my DKIM key, made 2025-01-01:\n\n{pkcs8}\nkeep it secret\n"),
    );
    dir.write("crlf.pem", pkcs1.replace('\n', "\r\n"));
    dir.write("private-then-public.pem", format!("{pkcs8}{spki}"));
    dir.write("public-then-private.pem", format!("{spki}{pkcs8}"));
    dir.write("pkcs8.pem", &pkcs8);
    dir.write("pkcs1.pem", &pkcs1);
    dir.write("spki.pem", &spki);
    dir.write("pkcs1-public.pem", pem("RSA PUBLIC KEY", &pkcs1_public));
    dir.write("spki.der", &spki_der);
    dir.write("encrypted.pem", &encrypted);
    dir.write("encrypted.der", BASE64.decode(body(&encrypted)).unwrap());
    dir.write(
        "legacy-encrypted.pem",
        read("key-check/rsa2048-legacy-encrypted.pem"),
    );
    dir.write(
        "pkcs1.der",
        std::fs::read(fixture("keys/rsa2048.der")).unwrap(),
    );
    dir.write("bare.b64", body(&pkcs8));
    dir.write(
        "bare-lines.b64",
        pkcs8
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\r\n"),
    );
    dir.write("truncated.pem", &pkcs8[..pkcs8.len() / 2]);
    let der = BASE64.decode(body(&pkcs8)).unwrap();
    dir.write("truncated.der", &der[..der.len() - 100]);
    dir.write("ed25519.pem", read("keys/ed25519.pem"));
    dir.write("ed25519.pub.pem", read("key-check/ed25519.pub.pem"));
    dir.write("rsa4096.pem", read("key-check/rsa4096.pem"));
    dir.write("ec.pem", read("key-check/ec-p256.pem"));
    dir.write("garbage.txt", "this is not a key\n");
    dir.write(
        "ssh.pub",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx user@host\n",
    );
    dir.write("certificate.pem", pem("CERTIFICATE", &der));
    vec![
        (
            "text-around.pem",
            Verdict::Private("RSA-2048 private key, PKCS#8, PEM"),
        ),
        (
            "crlf.pem",
            Verdict::Private("RSA-2048 private key, PKCS#1, PEM"),
        ),
        // The first PEM block is the key.
        (
            "private-then-public.pem",
            Verdict::Private("RSA-2048 private key, PKCS#8, PEM"),
        ),
        (
            "public-then-private.pem",
            Verdict::Public("RSA-2048 public key, SPKI, PEM"),
        ),
        (
            "pkcs8.pem",
            Verdict::Private("RSA-2048 private key, PKCS#8, PEM"),
        ),
        (
            "pkcs1.pem",
            Verdict::Private("RSA-2048 private key, PKCS#1, PEM"),
        ),
        (
            "spki.pem",
            Verdict::Public("RSA-2048 public key, SPKI, PEM"),
        ),
        (
            "pkcs1-public.pem",
            Verdict::Public("RSA-2048 public key, PKCS#1, PEM"),
        ),
        (
            "spki.der",
            Verdict::Public("RSA-2048 public key, SPKI, DER"),
        ),
        ("encrypted.pem", Verdict::Encrypted),
        ("encrypted.der", Verdict::Encrypted),
        ("legacy-encrypted.pem", Verdict::Encrypted),
        (
            "pkcs1.der",
            Verdict::Private("RSA-2048 private key, PKCS#1, DER"),
        ),
        (
            "bare.b64",
            Verdict::Private("RSA-2048 private key, PKCS#8, base64"),
        ),
        (
            "bare-lines.b64",
            Verdict::Private("RSA-2048 private key, PKCS#8, base64"),
        ),
        ("truncated.pem", Verdict::Refused("key-invalid")),
        ("truncated.der", Verdict::Refused("key-invalid")),
        (
            "ed25519.pem",
            Verdict::Private("Ed25519 private key, PKCS#8, PEM"),
        ),
        (
            "ed25519.pub.pem",
            Verdict::Public("Ed25519 public key, SPKI, PEM"),
        ),
        (
            "rsa4096.pem",
            Verdict::Private("RSA-4096 private key, PKCS#8, PEM"),
        ),
        ("ec.pem", Verdict::Refused("key-unknown-algorithm")),
        ("garbage.txt", Verdict::Refused("key-syntax")),
        ("ssh.pub", Verdict::Refused("key-syntax")),
        ("certificate.pem", Verdict::Refused("key-syntax")),
    ]
}

fn sign(dir: &TestDir, key: &str) -> crate::util::Run {
    let message = fx("messages/plain.eml");
    dir.cmd(&[
        "sign",
        "--domain",
        "example.com",
        "--selector",
        "s1",
        "--key",
        key,
        "--now",
        NOW,
        &message,
    ])
    .run()
}

fn records(dir: &TestDir, flag: &str, key: &str) -> crate::util::Run {
    dir.cmd(&[
        "records",
        "example.com",
        "--selector",
        "s1",
        flag,
        key,
        "--csv",
    ])
    .run()
}

/// The key record in `records --csv` output.
fn csv_record(out: &str) -> String {
    let row = out.lines().nth(1).expect("a record row");
    let value = row.splitn(3, ',').nth(2).unwrap();
    value.trim_matches('"').to_string()
}

#[test]
fn every_command_decodes_a_key_file_the_same_way() {
    let dir = TestDir::new();
    let pkcs8_record = {
        let (_, doc) = key_check(&dir, &fx("keys/rsa2048.pem"));
        doc["record"].clone()
    };
    for (file, verdict) in odd_files(&dir) {
        let (code, doc) = key_check(&dir, file);
        let signed = sign(&dir, file);
        let recorded = records(&dir, "--key", file);
        let sign_error = |reason: &str| format!("error: key {file}: {reason}\n");
        let records_error = |reason: &str| {
            format!("error: key {file} (a public key goes to --public-key): {reason}\n")
        };
        match verdict {
            Verdict::Private(summary) => {
                assert_eq!(
                    (code, doc["summary"].as_str()),
                    (0, Some(summary)),
                    "{file}: {doc}"
                );
                signed.assert_exit(0);
                assert!(signed.stdout().starts_with("DKIM-Signature:"), "{file}");
                recorded.assert_exit(0);
                assert_eq!(
                    csv_record(&recorded.stdout()),
                    doc["record"].as_str().unwrap(),
                    "{file}"
                );
            }
            Verdict::Public(summary) => {
                assert_eq!(
                    (code, doc["summary"].as_str()),
                    (0, Some(summary)),
                    "{file}: {doc}"
                );
                let refused = "this is a public key; signing needs the private key";
                signed
                    .assert_exit(2)
                    .assert_stdout("")
                    .assert_stderr(&sign_error(refused));
                recorded
                    .assert_exit(2)
                    .assert_stderr(&records_error(refused));
                let published = records(&dir, "--public-key", file);
                published.assert_exit(0);
                assert_eq!(
                    csv_record(&published.stdout()),
                    doc["record"].as_str().unwrap(),
                    "{file}"
                );
            }
            Verdict::Encrypted => {
                assert_eq!(code, 1, "{file}");
                assert_eq!(doc["key"]["encrypted"], true, "{file}");
                assert_eq!(doc["findings"][0]["code"], "key-encrypted", "{file}");
                let refused = "the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)";
                signed
                    .assert_exit(2)
                    .assert_stdout("")
                    .assert_stderr(&sign_error(refused));
                recorded
                    .assert_exit(2)
                    .assert_stderr(&records_error(refused));
            }
            Verdict::Refused(finding) => {
                assert_eq!(code, 1, "{file}");
                assert_eq!(doc["findings"][0]["code"], finding, "{file}: {doc}");
                let message = doc["findings"][0]["message"].as_str().unwrap();
                signed
                    .assert_exit(2)
                    .assert_stdout("")
                    .assert_stderr(&sign_error(message));
                recorded
                    .assert_exit(2)
                    .assert_stderr(&records_error(message));
            }
        }
    }
    // Every form of the one RSA-2048 key publishes one record.
    for file in [
        "text-around.pem",
        "crlf.pem",
        "pkcs1-public.pem",
        "spki.der",
        "bare-lines.b64",
    ] {
        assert_eq!(key_check(&dir, file).1["record"], pkcs8_record, "{file}");
    }
}
