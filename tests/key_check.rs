//! `dkimctl key check`: keys as openssl writes them are recognised, each
//! broken key gets its own finding code, the SES upload form, selectors,
//! `--against` a key, a record and DNS, JSON, exit codes, and that private
//! key material is printed only with `--print-fix`.

use crate::dns_server::DnsServer;
use crate::util::{Run, TestDir, assert_golden, fixture, fx, required};
use std::process::Command;

fn check(dir: &TestDir, args: &[&str]) -> Run {
    let mut all = vec!["key", "check"];
    all.extend(args);
    dir.cmd(&all).run()
}

/// `severity:code` of every finding, from `--json`.
fn codes(dir: &TestDir, args: &[&str]) -> Vec<String> {
    let mut all = args.to_vec();
    all.push("--json");
    let doc = check(dir, &all).json();
    doc["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            )
        })
        .collect()
}

/// The base64 body of a PEM file, joined: the one-line upload form.
fn one_line(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// A stretch of a one-line private key that holds only private parts (the
/// CRT values at the end; the start holds the public modulus).
fn secret(line: &str) -> &str {
    &line[line.len() - 80..line.len() - 40]
}

fn read(path: &str) -> String {
    std::fs::read_to_string(fixture(path)).unwrap()
}

/// A record of keys.zone, its strings joined.
fn zone_record(selector: &str) -> String {
    let zone = read("keys/keys.zone");
    let line = zone
        .lines()
        .find(|l| l.starts_with(&format!("{selector}._domainkey ")))
        .unwrap();
    line.split('"').skip(1).step_by(2).collect()
}

/// Runs openssl in `dir`; false (and a notice) when it is not installed.
fn openssl(dir: &TestDir, args: &[&str]) -> bool {
    match Command::new("openssl")
        .args(args)
        .current_dir(dir.path())
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(e) if !required() => {
            eprintln!("openssl not runnable ({e}); skipping");
            false
        }
        Err(e) => panic!("openssl is required: {e}"),
    }
}

#[test]
fn keys_made_by_openssl_are_recognised() {
    let dir = TestDir::new();
    let steps: &[&[&str]] = &[
        &["genrsa", "-out", "genrsa.pem", "2048"],
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "pkcs8.pem",
        ],
        &[
            "rsa",
            "-in",
            "pkcs8.pem",
            "-traditional",
            "-out",
            "pkcs1.pem",
        ],
        &[
            "rsa",
            "-in",
            "pkcs1.pem",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "pkcs1.der",
        ],
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "pkcs8.pem",
            "-outform",
            "DER",
            "-out",
            "pkcs8.der",
        ],
        &["pkey", "-in", "pkcs8.pem", "-pubout", "-out", "public.pem"],
        &[
            "pkey",
            "-in",
            "pkcs8.pem",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            "public.der",
        ],
        &[
            "rsa",
            "-in",
            "pkcs8.pem",
            "-RSAPublicKey_out",
            "-out",
            "public-pkcs1.pem",
        ],
        &["genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem"],
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "ed25519.pem",
            "-outform",
            "DER",
            "-out",
            "ed25519.der",
        ],
    ];
    for step in steps {
        if !openssl(&dir, step) {
            return;
        }
    }
    dir.write(
        "pkcs8.b64",
        one_line(&String::from_utf8(dir.read("pkcs8.pem")).unwrap()),
    );
    for (file, summary) in [
        // OpenSSL 3 genrsa writes PKCS#8.
        ("genrsa.pem", "RSA-2048 private key, PKCS#8, PEM"),
        ("pkcs8.pem", "RSA-2048 private key, PKCS#8, PEM"),
        ("pkcs1.pem", "RSA-2048 private key, PKCS#1, PEM"),
        ("pkcs1.der", "RSA-2048 private key, PKCS#1, DER"),
        ("pkcs8.der", "RSA-2048 private key, PKCS#8, DER"),
        ("pkcs8.b64", "RSA-2048 private key, PKCS#8, base64"),
        ("public.pem", "RSA-2048 public key, SPKI, PEM"),
        ("public.der", "RSA-2048 public key, SPKI, DER"),
        ("public-pkcs1.pem", "RSA-2048 public key, PKCS#1, PEM"),
        ("ed25519.pem", "Ed25519 private key, PKCS#8, PEM"),
        ("ed25519.der", "Ed25519 private key, PKCS#8, DER"),
    ] {
        let run = check(&dir, &[file]);
        run.assert_exit(0);
        let out = run.stdout();
        assert_eq!(
            out.lines().next(),
            Some(format!("{file}: {summary}").as_str())
        );
        assert!(out.contains("No findings."), "{file}:\n{out}");
    }
    // Every form of the same key gives the same record.
    let record = |file: &str| check(&dir, &[file, "--json"]).json()["record"].clone();
    for file in [
        "pkcs1.pem",
        "pkcs1.der",
        "pkcs8.der",
        "pkcs8.b64",
        "public.pem",
        "public-pkcs1.pem",
    ] {
        assert_eq!(record(file), record("pkcs8.pem"), "{file}");
    }
    // And the key matches its own public half.
    check(&dir, &["pkcs1.der", "--against", "public-pkcs1.pem"]).assert_exit(0);
}

#[test]
fn committed_fixtures_are_recognised() {
    let dir = TestDir::new();
    for (file, summary) in [
        ("keys/rsa2048.pem", "RSA-2048 private key, PKCS#8, PEM"),
        (
            "keys/rsa2048-pkcs1.pem",
            "RSA-2048 private key, PKCS#1, PEM",
        ),
        ("keys/rsa2048.der", "RSA-2048 private key, PKCS#1, DER"),
        ("keys/rsa2048.pub.pem", "RSA-2048 public key, SPKI, PEM"),
        ("keys/ed25519.pem", "Ed25519 private key, PKCS#8, PEM"),
        ("key-check/ed25519.pub.pem", "Ed25519 public key, SPKI, PEM"),
        ("key-check/rsa4096.pem", "RSA-4096 private key, PKCS#8, PEM"),
    ] {
        let doc = check(&dir, &[&fx(file), "--json"]).json();
        assert_eq!(doc["summary"], summary, "{file}");
        assert_eq!(doc["findings"], serde_json::json!([]), "{file}");
    }
}

#[test]
fn ses_upload_wants_one_line_without_armour() {
    let dir = TestDir::new();
    let pem = read("keys/rsa2048.pem");
    let line = one_line(&pem);
    dir.write("dkim.pem", &pem);
    let run = check(&dir, &["dkim.pem", "--profile", "ses"]);
    run.assert_exit(1);
    assert_golden("key-check/ses-armor.out", &run.0.stdout);
    assert!(
        !run.stdout().contains(secret(&line)),
        "no key material without --print-fix"
    );
    assert_eq!(
        codes(&dir, &["dkim.pem", "--profile", "ses"]),
        ["error:key-pem-armor"]
    );

    // --print-fix: the one line, alone on the last line, and in the JSON.
    let run = check(&dir, &["dkim.pem", "--profile", "ses", "--print-fix"]);
    run.assert_exit(1);
    assert_eq!(run.stdout().lines().last(), Some(line.as_str()));
    let doc = check(
        &dir,
        &["dkim.pem", "--profile", "ses", "--print-fix", "--json"],
    )
    .json();
    assert_eq!(doc["upload_key"], line.as_str());
    assert!(doc["findings"][0]["fix"].as_str().unwrap().ends_with(&line));

    // The one line passes; the body with its line breaks does not; nor DER.
    dir.write("one-line.txt", &line);
    check(&dir, &["one-line.txt", "--profile", "ses"]).assert_exit(0);
    dir.write(
        "body.txt",
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(
        codes(&dir, &["body.txt", "--profile", "ses"]),
        ["error:key-pem-armor"]
    );
    assert_eq!(
        codes(&dir, &[&fx("keys/rsa2048.der"), "--profile", "ses"]),
        ["error:key-pem-armor"]
    );
    // The generic profile takes PEM as it is.
    check(&dir, &["dkim.pem"]).assert_exit(0);
}

#[test]
fn each_broken_key_gets_its_own_finding() {
    let dir = TestDir::new();
    let pem = read("keys/rsa2048.pem");
    dir.write("truncated.pem", &pem[..pem.len() / 2]);
    dir.write("garbage.txt", "this is not a key\n");
    dir.write("empty.pem", "");
    let public = fx("keys/rsa2048.pub.pem");
    for (args, expected) in [
        (vec!["truncated.pem"], "error:key-invalid"),
        (vec!["garbage.txt"], "error:key-syntax"),
        (vec!["empty.pem"], "error:key-syntax"),
        (vec![&fx("keys/rsa512.pem")[..]], "error:key-too-short"),
        (vec![&fx("keys/rsa1024.pem")[..]], "warning:key-weak"),
        (
            vec![&fx("keys/rsa1024.pem")[..], "--profile", "ses"],
            "warning:key-weak",
        ),
        (
            vec![
                &fx("key-check/rsa4096.pem")[..],
                "--profile",
                "ses",
                "--print-fix",
            ],
            "error:key-size-unsupported",
        ),
        (
            vec![&fx("keys/rsa2048-encrypted.pem")[..]],
            "error:key-encrypted",
        ),
        (
            vec![&fx("key-check/rsa2048-legacy-encrypted.pem")[..]],
            "error:key-encrypted",
        ),
        (
            vec![&fx("key-check/ec-p256.pem")[..]],
            "error:key-unknown-algorithm",
        ),
        (
            vec![&fx("keys/ed25519.pem")[..], "--profile", "ses"],
            "error:key-unknown-algorithm",
        ),
        (
            vec![&public[..], "--profile", "ses"],
            "error:key-not-private",
        ),
    ] {
        let mut found = codes(&dir, &args);
        // The SES upload form is its own finding (tested above).
        found.retain(|c| c != "error:key-pem-armor");
        assert_eq!(found, [expected], "{args:?}");
    }
    // Exit codes: errors 1, a warning 0 unless --strict.
    check(&dir, &["truncated.pem"]).assert_exit(1);
    check(&dir, &[&fx("keys/rsa1024.pem")]).assert_exit(0);
    check(&dir, &[&fx("keys/rsa1024.pem"), "--strict"]).assert_exit(1);
    // The truncated key says what was recognised and how to fix it.
    let out = check(&dir, &["truncated.pem"]).stdout();
    assert!(
        out.contains("a PEM PRIVATE KEY block") && out.contains("truncated"),
        "{out}"
    );
    // An encrypted key's fix is the openssl command.
    let doc = check(&dir, &[&fx("keys/rsa2048-encrypted.pem"), "--json"]).json();
    assert!(
        doc["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("openssl pkey -in")
    );
    assert_eq!(doc["key"]["encrypted"], true);
}

#[test]
fn selectors_follow_the_profile() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let selector = |profile: &str, s: &str| {
        let flag = format!("--selector={s}");
        let mut found = codes(&dir, &[&key, "--profile", profile, &flag]);
        found.retain(|c| c != "error:key-pem-armor");
        found
    };
    let long = "a".repeat(64);
    for s in ["s1", "dkim2025", "my-selector", &long[..63]] {
        assert!(selector("ses", s).is_empty(), "{s}");
    }
    for s in ["s1.eu", "my_selector", "-s1", &long[..], "s1._domainkey"] {
        assert_eq!(selector("ses", s), ["error:selector-invalid"], "{s}");
    }
    for s in ["s1", "s1.eu", "2025-01"] {
        assert!(selector("generic", s).is_empty(), "{s}");
    }
    for s in ["s1..eu", "s 1", &long[..]] {
        assert_eq!(selector("generic", s), ["error:selector-invalid"], "{s}");
    }
    assert_eq!(selector("generic", "my_sel"), ["warning:selector-invalid"]);
    // The rule is in the message.
    let out = check(&dir, &[&key, "--profile", "ses", "--selector", "s1.eu"]).stdout();
    assert!(out.contains("no periods"), "{out}");
}

#[test]
fn against_a_key_or_a_record() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let run = check(&dir, &[&key, "--against", &fx("keys/rsa2048.pub.pem")]);
    run.assert_exit(0);
    assert!(run.stdout().contains(": matches"), "{}", run.stdout());
    check(
        &dir,
        &[
            &fx("keys/ed25519.pem"),
            "--against",
            &fx("key-check/ed25519.pub.pem"),
        ],
    )
    .assert_exit(0);
    check(&dir, &[&key, "--against", &zone_record("rsa2048")]).assert_exit(0);
    // The public key file against the published record: the same key.
    check(
        &dir,
        &[
            &fx("keys/rsa2048.pub.pem"),
            "--against",
            &zone_record("rsa2048"),
        ],
    )
    .assert_exit(0);

    let own_record = zone_record("rsa2048");
    for other in [
        fx("key-check/rsa1024.pub.pem"),
        zone_record("rsa1024"),
        zone_record("ed25519"),
    ] {
        let run = check(&dir, &[&key, "--against", &other, "--json"]);
        run.assert_exit(1);
        let doc = run.json();
        assert_eq!(doc["against"]["matches"], false);
        assert_eq!(doc["findings"][0]["code"], "key-mismatch");
        assert!(
            doc["findings"][0]["fix"]
                .as_str()
                .unwrap()
                .ends_with(&own_record),
            "{doc}"
        );
    }
    // A record with armour in p= is its own finding.
    let armoured = "v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY-----MIIB-----END PUBLIC KEY-----";
    assert_eq!(
        codes(&dir, &[&key, "--against", armoured]),
        ["error:key-pem-armor"]
    );
    // Neither a file nor a record: bad usage.
    check(&dir, &[&key, "--against", "nonexistent.pem"]).assert_exit(2);
}

#[test]
fn against_dns() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let zone = fx("keys/keys.zone");
    let dns = |selector: &str, extra: &[&str]| {
        let mut args = vec![
            &key[..],
            "--against",
            "dns",
            "--domain",
            "example.com",
            "--selector",
            selector,
        ];
        args.extend(extra);
        check(&dir, &args)
    };
    // Offline, from the zone file.
    dns("rsa2048", &["--zone", &zone]).assert_exit(0);
    let run = dns("rsa1024", &["--zone", &zone, "--json"]);
    run.assert_exit(1);
    assert_eq!(run.json()["findings"][0]["code"], "key-mismatch");
    let run = dns("nothere", &["--zone", &zone, "--json"]);
    run.assert_exit(1);
    let doc = run.json();
    assert_eq!(doc["findings"][0]["code"], "record-missing");
    assert!(
        doc["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("nothere._domainkey.example.com.")
    );

    // Live, from the test server on 127.0.0.1.
    let server = DnsServer::builder()
        .zone("example.com.", &read("keys/keys.zone"))
        .servfail_under("broken._domainkey.example.com.")
        .start();
    let ns = server.nameserver();
    dns("rsa2048", &["--nameserver", &ns]).assert_exit(0);
    dns("rsa1024", &["--nameserver", &ns]).assert_exit(1);
    let run = dns("broken", &["--nameserver", &ns, "--timeout", "2", "--json"]);
    run.assert_exit(3);
    assert_eq!(run.json()["findings"][0]["code"], "dns-temporary");

    // --against dns needs the domain and selector.
    check(&dir, &[&key, "--against", "dns", "--selector", "s1"]).assert_exit(2);
}

#[test]
fn json_document_and_inputs() {
    let dir = TestDir::new();
    let pem = read("keys/rsa2048-pkcs1.pem");
    let run = dir
        .cmd(&["key", "check", "-", "--json"])
        .stdin(pem.clone())
        .run();
    run.assert_exit(0);
    let doc = run.json();
    assert_eq!(doc["file"], "-");
    assert_eq!(doc["profile"], "generic");
    assert_eq!(doc["summary"], "RSA-2048 private key, PKCS#1, PEM");
    assert_eq!(
        doc["key"],
        serde_json::json!({"kind": "private", "algorithm": "rsa", "bits": 2048,
            "encoding": "pkcs1", "form": "pem", "encrypted": false})
    );
    assert_eq!(doc["record"], zone_record("rsa2048").as_str());
    assert!(doc.get("upload_key").is_none());
    assert!(!run.stdout().contains(secret(&one_line(&pem))));
    // Unreadable input: exit 2, one error line.
    let run = check(&dir, &["missing.pem"]);
    run.assert_exit(2);
    assert!(
        run.stderr().starts_with("error: reading missing.pem"),
        "{}",
        run.stderr()
    );
}
