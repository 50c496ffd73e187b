//! `dkimctl records`: every format byte for byte, CSV/JSON/Route 53 read
//! back structurally, zone lines through `named-checkzone`, generated
//! tokens, and bad input.

use crate::util::{NOW, TestDir, assert_golden, fx, required};

const TOKENS: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccccccc27";
/// The shape SES issues: 32 random bytes in standard base64.
const VERIFICATION: &str = "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=";

/// Runs `dkimctl records ARGS`, expects exit 0 and nothing on stderr;
/// returns stdout.
fn records(dir: &TestDir, args: &[&str]) -> String {
    let mut all = vec!["records"];
    all.extend(args);
    let run = dir.cmd(&all).run();
    run.assert_exit(0);
    assert_eq!(run.stderr(), "", "stderr of {args:?}");
    run.stdout()
}

/// The reproducible provider-hosted set plus `extra` flags.
fn hosted(dir: &TestDir, extra: &[&str]) -> String {
    let mut args = vec![
        "example.com",
        "--tokens",
        TOKENS,
        "--verification-token",
        VERIFICATION,
    ];
    args.extend(extra);
    records(dir, &args)
}

fn key_set(dir: &TestDir, key: &str, selector: &str, extra: &[&str]) -> String {
    let key = fx(key);
    let mut args = vec!["example.com", "--key", &key, "--selector", selector];
    args.extend(extra);
    records(dir, &args)
}

#[test]
fn golden_outputs() {
    let dir = TestDir::new();
    for (file, out) in [
        ("hosted.table.out", hosted(&dir, &[])),
        ("hosted.relative.table.out", hosted(&dir, &["--relative"])),
        ("hosted.csv", hosted(&dir, &["--csv"])),
        ("hosted.zone", hosted(&dir, &["--zone"])),
        ("hosted.json", hosted(&dir, &["--json"])),
        (
            "hosted.route53.json",
            hosted(&dir, &["--format", "route53"]),
        ),
        (
            "hosted-no-underscore.zone",
            hosted(&dir, &["--no-underscore", "--zone"]),
        ),
        (
            "hosted-target.zone",
            hosted(
                &dir,
                &[
                    "--target-host",
                    "DKIM.EU-WEST-1.example.net.",
                    "--ttl",
                    "300",
                    "--zone",
                ],
            ),
        ),
        (
            "rsa2048.table.out",
            key_set(&dir, "keys/rsa2048.pem", "s1", &[]),
        ),
        (
            "rsa2048.zone",
            key_set(&dir, "keys/rsa2048.pem", "s1", &["--zone"]),
        ),
        (
            "rsa2048.route53.json",
            key_set(&dir, "keys/rsa2048.pem", "s1", &["--format", "route53"]),
        ),
        (
            "ed25519.zone",
            key_set(&dir, "keys/ed25519.pem", "ed1", &["--zone"]),
        ),
    ] {
        assert_golden(&format!("records/{file}"), out.as_bytes());
    }
}

#[test]
fn format_flags_are_aliases() {
    let dir = TestDir::new();
    for (short, long) in [("--csv", "csv"), ("--zone", "zone"), ("--json", "json")] {
        assert_eq!(hosted(&dir, &[short]), hosted(&dir, &["--format", long]));
    }
    assert_eq!(hosted(&dir, &[]), hosted(&dir, &["--format", "table"]));
}

#[test]
fn public_key_gives_the_same_record_as_its_private_key() {
    let dir = TestDir::new();
    for (private, public) in [
        ("keys/rsa2048.pem", "keys/rsa2048.pub.pem"),
        ("keys/rsa2048-pkcs1.pem", "keys/rsa2048.pub.pem"),
    ] {
        let public = fx(public);
        let from_public = records(
            &dir,
            &["example.com", "--public-key", &public, "-s", "s1", "--zone"],
        );
        assert_eq!(key_set(&dir, private, "s1", &["--zone"]), from_public);
    }
}

#[test]
fn csv_reads_back() {
    let dir = TestDir::new();
    for (relative, names) in [
        (
            false,
            [
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com",
                "_amazonses.example.com",
            ],
        ),
        (
            true,
            ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey", "_amazonses"],
        ),
    ] {
        let mut args = vec![
            "example.com",
            "--tokens",
            TOKENS,
            "--verification-token",
            VERIFICATION,
            "--csv",
        ];
        if relative {
            args.push("--relative");
        }
        let run = dir.cmd(&[&["records"], &args[..]].concat()).run();
        run.assert_exit(0);
        // The note for --relative goes to stderr, so the CSV stays clean.
        assert_eq!(run.stderr().contains("Name/Host field"), relative);
        let mut reader = csv::Reader::from_reader(run.0.stdout.as_slice());
        assert_eq!(
            reader.headers().unwrap(),
            &csv::StringRecord::from(vec!["Type", "Name", "Value"])
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][0], "CNAME");
        assert_eq!(&rows[0][1], names[0]);
        assert_eq!(
            &rows[0][2],
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com"
        );
        assert_eq!(
            (&rows[3][0], &rows[3][1], &rows[3][2]),
            ("TXT", names[1], VERIFICATION)
        );
    }
    // A key record (with "; ") is one field, unsplit.
    let out = key_set(&dir, "keys/ed25519.pem", "ed1", &["--csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert!(row[2].starts_with("v=DKIM1; k=ed25519; p="), "{row:?}");
}

#[test]
fn json_reads_back() {
    let dir = TestDir::new();
    let doc: serde_json::Value = serde_json::from_str(&hosted(&dir, &["--json"])).unwrap();
    assert_eq!(doc["domain"], "example.com");
    assert_eq!(doc["kind"], "provider_hosted");
    assert_eq!(doc["dkim_tokens"].as_array().unwrap().len(), 3);
    assert_eq!(doc["dkim_tokens_generated"], false);
    assert_eq!(doc["verification_token"], VERIFICATION);
    let recs = doc["records"].as_array().unwrap();
    assert_eq!(recs.len(), 4);
    let first = &recs[0];
    assert_eq!(
        first["name"],
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com"
    );
    assert_eq!(
        first["relative_name"],
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey"
    );
    assert_eq!(first["type"], "CNAME");
    assert_eq!(first["ttl"], 1800);
    assert_eq!(first["purpose"], "dkim");
    assert!(first.get("txt_strings").is_none());
    assert_eq!(recs[3]["purpose"], "verification");
    assert_eq!(recs[3]["txt_strings"], serde_json::json!([VERIFICATION]));

    let doc: serde_json::Value =
        serde_json::from_str(&key_set(&dir, "keys/rsa2048.pem", "s1", &["--json"])).unwrap();
    assert_eq!(doc["kind"], "key_holder");
    assert_eq!(doc["selector"], "s1");
    assert!(doc.get("verification_token").is_none());
    let rec = &doc["records"][0];
    let strings: Vec<&str> = rec["txt_strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        strings.iter().map(|s| s.len()).collect::<Vec<_>>(),
        [255, 155]
    );
    assert_eq!(strings.concat(), rec["value"].as_str().unwrap());
}

/// The change batch has exactly the shape of the Route 53 API
/// (ChangeResourceRecordSets: Comment, Changes[Action, ResourceRecordSet
/// {Name, Type, TTL, ResourceRecords[{Value}]}]), TXT quoted and split.
#[test]
fn route53_batch_has_the_documented_shape() {
    let dir = TestDir::new();
    let batch: serde_json::Value =
        serde_json::from_str(&hosted(&dir, &["--format", "route53"])).unwrap();
    let top: Vec<&String> = batch.as_object().unwrap().keys().collect();
    assert_eq!(top, ["Changes", "Comment"]);
    assert!(batch["Comment"].as_str().unwrap().contains("example.com"));
    let changes = batch["Changes"].as_array().unwrap();
    assert_eq!(changes.len(), 4);
    for (i, change) in changes.iter().enumerate() {
        let keys: Vec<&String> = change.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Action", "ResourceRecordSet"]);
        assert_eq!(change["Action"], "UPSERT");
        let rrset = &change["ResourceRecordSet"];
        let keys: Vec<&String> = rrset.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Name", "ResourceRecords", "TTL", "Type"]);
        assert_eq!(rrset["TTL"], 1800);
        let values = rrset["ResourceRecords"].as_array().unwrap();
        assert_eq!(values.len(), 1);
        let value = values[0]["Value"].as_str().unwrap();
        if i < 3 {
            assert_eq!(rrset["Type"], "CNAME");
            let token = rrset["Name"]
                .as_str()
                .unwrap()
                .strip_suffix("._domainkey.example.com")
                .unwrap();
            assert_eq!(value, format!("{token}.dkim.amazonses.com"));
        } else {
            assert_eq!(rrset["Type"], "TXT");
            assert_eq!(rrset["Name"], "_amazonses.example.com");
            assert_eq!(value, format!("\"{VERIFICATION}\""));
        }
    }

    // A key record longer than 255 bytes: "part1" "part2".
    let batch: serde_json::Value = serde_json::from_str(&key_set(
        &dir,
        "keys/rsa2048.pem",
        "s1",
        &["--format", "route53"],
    ))
    .unwrap();
    let rrset = &batch["Changes"][0]["ResourceRecordSet"];
    assert_eq!(rrset["Name"], "s1._domainkey.example.com");
    assert_eq!(rrset["Type"], "TXT");
    let value = rrset["ResourceRecords"][0]["Value"].as_str().unwrap();
    let inner = value.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
    let parts: Vec<&str> = inner.split("\" \"").collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [255, 155]
    );
    assert!(parts[0].starts_with("v=DKIM1; k=rsa; p=MIIB"));
}

#[test]
fn route53_warns_that_upsert_replaces_apex_txt() {
    let dir = TestDir::new();
    let run = dir
        .cmd(&[
            "records",
            "example.com",
            "--tokens",
            TOKENS,
            "--no-underscore",
            "--format",
            "route53",
        ])
        .run();
    run.assert_exit(0);
    assert!(
        run.stderr()
            .contains("UPSERT replaces the whole TXT record set at example.com")
    );
    let batch = run.json();
    let rrset = &batch["Changes"][3]["ResourceRecordSet"];
    assert_eq!(rrset["Name"], "example.com");
    let value = rrset["ResourceRecords"][0]["Value"].as_str().unwrap();
    assert!(
        value.starts_with("\"amazonses:") && value.ends_with('"'),
        "{value}"
    );
}

fn is_token(t: &str) -> bool {
    t.len() == 32
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

#[test]
fn generated_tokens_are_fresh_and_well_formed() {
    let dir = TestDir::new();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let doc: serde_json::Value =
            serde_json::from_str(&records(&dir, &["example.com", "--json"])).unwrap();
        assert_eq!(doc["dkim_tokens_generated"], true);
        assert_eq!(doc["verification_token_generated"], true);
        let tokens: Vec<String> = doc["dkim_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(tokens.len(), 3);
        for (i, t) in tokens.iter().enumerate() {
            assert!(is_token(t), "{t}");
            assert!(!tokens[..i].contains(t), "repeated token {t}");
            assert!(!seen.contains(t), "token {t} came back in another run");
            let rec = &doc["records"][i];
            assert_eq!(rec["name"], format!("{t}._domainkey.example.com"));
            assert_eq!(rec["value"], format!("{t}.dkim.amazonses.com"));
        }
        seen.extend(tokens);
        let v = doc["verification_token"].as_str().unwrap();
        assert_eq!(v.len(), 44, "{v}");
        assert!(v.ends_with('='), "{v}");
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
            "{v}"
        );
    }
}

/// Every zone line dkimctl writes loads in BIND's own checker, inside a
/// zone with an SOA and NS.
#[test]
fn zone_lines_pass_named_checkzone() {
    let checker = std::path::Path::new("/usr/bin/named-checkzone");
    let checker = if checker.exists() {
        checker.to_path_buf()
    } else if let Some(found) = find_in_path("named-checkzone") {
        found
    } else {
        assert!(
            !required(),
            "named-checkzone is missing and DKIMCTL_REQUIRE_PEERS=1 (install bind9-utils)"
        );
        eprintln!("notice: named-checkzone not found (bind9-utils); zone-line check skipped");
        return;
    };
    let dir = TestDir::new();
    let long_token = "x".repeat(600);
    let outputs = [
        hosted(&dir, &["--zone"]),
        hosted(&dir, &["--zone", "--no-underscore"]),
        records(&dir, &["Example.COM.", "--zone"]),
        records(
            &dir,
            &[
                "example.com",
                "--zone",
                "--no-underscore",
                "--tokens",
                TOKENS,
            ],
        ),
        key_set(
            &dir,
            "keys/rsa2048.pem",
            "s1",
            &["--zone", "--verification-token", &long_token],
        ),
        key_set(&dir, "keys/ed25519.pem", "ed.sub", &["--zone"]),
        key_set(
            &dir,
            "keys/rsa1024.pem",
            "old-1",
            &[
                "--zone",
                "--verification-token",
                r#"q"uo\te"#,
                "--no-underscore",
            ],
        ),
    ];
    for (i, lines) in outputs.iter().enumerate() {
        assert!(
            lines
                .lines()
                .all(|l| l.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        );
        let zone = format!(
            "$TTL 3600\n\
             example.com. IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600\n\
             example.com. IN NS ns1.example.com.\n\
             ns1.example.com. IN A 192.0.2.53\n\
             {lines}"
        );
        let path = dir.write(&format!("zone{i}.db"), zone);
        let out = std::process::Command::new(&checker)
            .args(["-i", "full", "example.com"])
            .arg(&path)
            .output()
            .expect("named-checkzone runs");
        assert!(
            out.status.success(),
            "named-checkzone rejected:\n{lines}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn find_in_path(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The key record `records --key` writes is the one `sign` signs for:
/// `verify --zone` with the generated lines passes.
#[test]
fn generated_key_record_verifies_a_signature() {
    let dir = TestDir::new();
    for (key, selector) in [("keys/rsa2048.pem", "s1"), ("keys/ed25519.pem", "ed1")] {
        let zone = key_set(&dir, key, selector, &["--zone"]);
        let zone_path = dir.write("generated.zone", zone);
        let key = fx(key);
        let signed = dir
            .cmd(&[
                "sign",
                &fx("messages/plain.eml"),
                "--domain",
                "example.com",
                "--selector",
                selector,
                "--key",
                &key,
                "--now",
                NOW,
            ])
            .run();
        signed.assert_exit(0);
        let message = dir.write("signed.eml", &signed.0.stdout);
        dir.cmd(&[
            "verify",
            message.to_str().unwrap(),
            "--zone",
            zone_path.to_str().unwrap(),
            "--now",
            NOW,
        ])
        .run()
        .assert_exit(0);
    }
}

/// Bad input: exit 2, one `error:` line, nothing on stdout.
#[test]
fn bad_input_is_one_error_line() {
    let dir = TestDir::new();
    let key = fx("keys/rsa2048.pem");
    let public = fx("keys/rsa2048.pub.pem");
    for (args, expected) in [
        (vec!["exa_mple.com"], "label 'exa_mple' contains '_'"),
        (vec!["com"], "at least two labels"),
        (vec!["joe@example.com"], "not an e-mail address"),
        (vec!["example..com"], "empty label"),
        (
            vec!["s1._domainkey.example.com"],
            "adds <selector>._domainkey itself",
        ),
        (
            vec!["example.com", "--tokens", "abc,def"],
            "exactly 3 tokens",
        ),
        (
            vec![
                "example.com",
                "--tokens",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccccccc18",
            ],
            "32 characters of a-z and 2-7",
        ),
        (
            vec![
                "example.com",
                "--tokens",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ],
            "given twice",
        ),
        (
            vec!["example.com", "--target-host", "bad host"],
            "target host",
        ),
        (
            vec!["example.com", "--verification-token", "a b"],
            "no spaces",
        ),
        (
            vec!["example.com", "--key", &key, "-s", "s 1"],
            "selector 's 1'",
        ),
        (
            vec!["example.com", "--key", &key, "--selector=-s1"],
            "hyphen",
        ),
        (
            vec!["example.com", "--key", &public, "-s", "s1"],
            "--public-key",
        ),
        (
            vec!["example.com", "--public-key", &key, "-s", "s1"],
            "private key",
        ),
        (
            vec!["example.com", "--key", "missing.pem", "-s", "s1"],
            "reading missing.pem",
        ),
        (vec!["example.com", "-s", "s1"], "--selector needs --key"),
        (
            vec!["example.com", "--zone", "--relative"],
            "--relative applies",
        ),
        (
            vec!["example.com", "--format", "route53", "--relative"],
            "--relative applies",
        ),
        (
            vec!["example.com", "--key", &key, "-s", "s1", "--no-underscore"],
            "--no-underscore needs --verification-token",
        ),
    ] {
        let run = dir.cmd(&[&["records"], &args[..]].concat()).run();
        run.assert_exit(2);
        assert_eq!(run.stdout(), "", "{args:?}");
        let err = run.stderr();
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // Contradictory flags are clap usage errors: exit 2, no output.
    for args in [
        vec!["example.com", "--csv", "--json"],
        vec!["example.com", "--zone", "--format", "json"],
        vec!["example.com", "--key", &key, "-s", "s1", "--tokens", TOKENS],
        vec![
            "example.com",
            "--key",
            &key,
            "--public-key",
            &public,
            "-s",
            "s1",
        ],
        vec!["example.com", "--key", &key],
        vec!["example.com", "--no-verification", "--no-underscore"],
        vec!["example.com", "--format", "yaml"],
        vec!["example.com", "--ttl", "0"],
    ] {
        let run = dir.cmd(&[&["records"], &args[..]].concat()).run();
        run.assert_exit(2);
        assert_eq!(run.stdout(), "", "{args:?}");
        assert!(run.stderr().starts_with("error: "), "{args:?}");
    }
}

#[test]
fn no_verification_and_key_holder_verification() {
    let dir = TestDir::new();
    assert!(hosted(&dir, &["--zone"]).contains("_amazonses.example.com."));
    let zone = records(
        &dir,
        &[
            "example.com",
            "--tokens",
            TOKENS,
            "--no-verification",
            "--zone",
        ],
    );
    assert_eq!(zone.lines().count(), 3);
    assert!(!zone.contains("_amazonses"), "{zone}");
    let zone = key_set(
        &dir,
        "keys/ed25519.pem",
        "ed1",
        &["--zone", "--verification-token", "tok", "--no-underscore"],
    );
    let apex = zone.lines().nth(1).unwrap();
    assert!(apex.starts_with("example.com. "), "{zone}");
    assert!(apex.ends_with(" 1800 IN TXT   \"amazonses:tok\""), "{zone}");
}
