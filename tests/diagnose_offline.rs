//! `dkimctl diagnose --zone`: the checks of tests/diagnose.rs run offline,
//! every query answered from fixtures/diagnose/*.zone by the zone side of
//! the DNS seam. Each test asserts the exact findings (code, subject) and
//! the exit code; one compares every finding with what the in-process DNS
//! server serving the same files gives; SERVFAIL and timeouts are injected
//! through the library.

use crate::dns_server::DnsServer;
use crate::util::{TestDir, assert_golden, findings, fx, pairs, verdicts};
use dkimctl::diagnosis::diagnose::{DiagnoseOptions, SelectorOrigin, SelectorSpec, diagnose};
use dkimctl::dns::{Dns, DnsFailure, RecordType, ZoneDns};
use std::sync::Arc;

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccc";
const E: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
const F: &str = "ffffffffffffffffffffffffffffffff";
const H: &str = "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh";

/// `--zone` for example.com. and the provider zone dkim.amazonses.com.
fn zones() -> Vec<String> {
    let (example, provider) = (
        fx("diagnose/example.com.zone"),
        fx("diagnose/provider.zone"),
    );
    vec!["--zone".into(), example, "--zone".into(), provider]
}

/// Runs `diagnose DOMAIN --zone ... --json ARGS` and returns the exit code
/// and the document.
fn offline_json(domain: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let zones = zones();
    let mut all: Vec<&str> = vec!["diagnose", domain, "--json"];
    all.extend(zones.iter().map(String::as_str));
    all.extend(args);
    json_of(&TestDir::new(), &all)
}

fn json_of(dir: &TestDir, args: &[&str]) -> (i32, serde_json::Value) {
    let run = dir.cmd(args).run();
    (run.code(), run.json())
}

fn selectors(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|s| ["-s".to_string(), s.to_string()])
        .collect()
}

#[test]
fn good_selectors_exit_0_with_a_verdict_each() {
    let zones = zones();
    let mut args = vec!["diagnose", "example.com", "-s", "s1", "-s", "ed25519"];
    args.extend(zones.iter().map(String::as_str));
    TestDir::new()
        .cmd(&args)
        .run()
        .assert_exit(0)
        .assert_stdout(
            "Domain: example.com (zone example.com)\n\
             Name servers: example.com.zone (serial 2024010101)\n\
             No findings.\n\
             s1: ok (RSA-2048)\n\
             ed25519: ok (Ed25519)\n",
        );
}

/// The run README.md shows, offline: the same table, the zone file named
/// where the live run names ns1.example.com.
#[test]
fn readme_example_offline() {
    let zones = zones();
    let mut args = vec![
        "diagnose",
        "example.com",
        "-s",
        "s1",
        "-s",
        "weak",
        "-s",
        "nous",
    ];
    args.extend(["--token", C]);
    args.extend(zones.iter().map(String::as_str));
    let run = TestDir::new().cmd(&args).run();
    run.assert_exit(1);
    assert_golden("diagnose/readme-offline.out", run.stdout().as_bytes());
}

#[test]
fn key_record_mistakes() {
    let args = selectors(&[
        "weak", "short", "revoked", "testing", "v2", "dsa", "pem", "two",
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, doc) = offline_json("example.com", &args);
    assert_eq!(
        findings(&doc),
        pairs(&[
            ("key-weak", "weak._domainkey.example.com"),
            ("key-too-short", "short._domainkey.example.com"),
            ("key-revoked", "revoked._domainkey.example.com"),
            ("key-testing", "testing._domainkey.example.com"),
            ("key-version", "v2._domainkey.example.com"),
            ("key-unknown-algorithm", "dsa._domainkey.example.com"),
            ("key-pem-armor", "pem._domainkey.example.com"),
            ("key-multiple-records", "two._domainkey.example.com"),
        ])
    );
    assert_eq!(code, 1);
    let fix = doc["findings"][6]["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("pem._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=rsa; p=MIIB"),
        "{fix}"
    );
    assert!(!fix.contains("BEGIN"));
    assert_eq!(
        verdicts(&doc),
        [
            "weak: ok (RSA-1024) with key-weak",
            "short: key-too-short",
            "revoked: key-revoked",
            "testing: ok (RSA-2048) with key-testing",
            "v2: key-version",
            "dsa: key-unknown-algorithm",
            "pem: key-pem-armor",
            "two: key-multiple-records",
        ]
    );
    // A warning alone exits 0, unless --strict.
    let (code, doc) = offline_json("example.com", &["-s", "weak"]);
    assert_eq!(
        findings(&doc),
        pairs(&[("key-weak", "weak._domainkey.example.com")])
    );
    assert_eq!(code, 0);
    let (code, _) = offline_json("example.com", &["-s", "weak", "--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn missing_records_and_records_at_the_wrong_name() {
    let (code, doc) = offline_json(
        "example.com",
        &["-s", "dup", "-s", "nous", "-s", "nolabel", "-s", "missing"],
    );
    assert_eq!(
        findings(&doc),
        pairs(&[
            (
                "duplicated-suffix",
                "dup._domainkey.example.com.example.com"
            ),
            ("missing-underscore", "nous.domainkey.example.com"),
            ("missing-domainkey-label", "nolabel.example.com"),
            ("record-missing", "missing._domainkey.example.com"),
        ])
    );
    assert_eq!(code, 1);
    assert_eq!(
        doc["findings"][0]["fix"],
        "delete the record at dup._domainkey.example.com.example.com. and publish: \
         dup._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\""
    );
    // NXDOMAIN, told apart from a name that exists without TXT.
    assert_eq!(
        doc["findings"][3]["message"],
        "nothing is published at missing._domainkey.example.com (NXDOMAIN)"
    );
    assert_eq!(verdicts(&doc)[3], "missing: record-missing");
    // A subdomain in its parent's zone: the apex comes from the SOA.
    let (code, doc) = offline_json("sub.example.com", &["-s", "s1"]);
    assert_eq!(doc["zone"], "example.com");
    assert_eq!(
        findings(&doc),
        pairs(&[(
            "duplicated-suffix",
            "s1._domainkey.sub.example.com.example.com"
        )])
    );
    assert_eq!(code, 1);
}

#[test]
fn provider_tokens_and_their_cnames() {
    let (code, doc) = offline_json(
        "example.com",
        &[
            "--token", A, "--token", B, "--token", C, "--token", E, "--token", H,
        ],
    );
    let owner = |t: &str| format!("{t}._domainkey.example.com");
    assert_eq!(
        findings(&doc),
        vec![
            ("duplicated-suffix".to_string(), owner(B)),
            ("cname-target-mismatch".to_string(), owner(C)),
            ("cname-dangling".to_string(), owner(E)),
            ("duplicated-suffix".to_string(), owner(H)),
        ]
    );
    assert_eq!(code, 1);
    assert_eq!(
        doc["findings"][1]["fix"],
        format!("{C}._domainkey.example.com. 3600 IN CNAME {C}.dkim.amazonses.com.")
    );
    assert_eq!(
        doc["findings"][2]["message"],
        format!("the CNAME points to {E}.dkim.amazonses.com, which has no key record (NXDOMAIN)")
    );
    assert_eq!(verdicts(&doc)[0], format!("{A}: ok (RSA-2048)"));
    let chain = &doc["selectors"][0]["cname_chain"];
    assert_eq!(
        chain,
        &serde_json::json!([format!("{A}.dkim.amazonses.com")])
    );
}

#[test]
fn verification_txt_missing_or_other() {
    let dir = TestDir::new();
    let csv = format!(
        "Type,Name,Value\r\n\
         CNAME,{A}._domainkey.example.com,{A}.dkim.amazonses.com\r\n\
         CNAME,{E}._domainkey.example.com,{E}.dkim.amazonses.com\r\n\
         TXT,_amazonses.example.com,expected-token=\r\n"
    );
    let path = dir.write("set.csv", csv);
    let zones = zones();
    let mut args = vec![
        "diagnose",
        "example.com",
        "--records",
        path.to_str().unwrap(),
        "--json",
    ];
    args.extend(zones.iter().map(String::as_str));
    let (code, doc) = json_of(&dir, &args);
    assert_eq!(
        findings(&doc),
        vec![
            (
                "cname-dangling".to_string(),
                format!("{E}._domainkey.example.com")
            ),
            (
                "verification-missing".to_string(),
                "_amazonses.example.com".to_string()
            ),
        ]
    );
    assert_eq!(
        doc["findings"][1]["message"],
        "_amazonses.example.com holds published-token=, not the expected token"
    );
    assert_eq!(
        doc["findings"][1]["fix"],
        "_amazonses.example.com. 3600 IN TXT \"expected-token=\""
    );
    assert_eq!(code, 1);
    // The right token is accepted; a zone without the TXT is missing it.
    let (code, doc) = offline_json(
        "example.com",
        &["--token", A, "--verification-token", "published-token="],
    );
    assert_eq!(findings(&doc), []);
    assert_eq!(code, 0);
    let (code, doc) = offline_json(
        "sub.example.com",
        &["--no-ns-check", "--verification-token", "t=", "-s", "s1"],
    );
    assert_eq!(doc["findings"][1]["code"], "verification-missing");
    assert_eq!(
        doc["findings"][1]["message"],
        "no verification TXT at _amazonses.sub.example.com (NXDOMAIN)"
    );
    assert_eq!(code, 1);
}

#[test]
fn probing_common_selectors() {
    let (code, doc) = offline_json("example.com", &[]);
    assert!(doc["probed"].as_array().unwrap().len() >= 15);
    assert_eq!(
        verdicts(&doc),
        ["google: ok (RSA-2048)", "s1: ok (RSA-2048)"]
    );
    assert_eq!(findings(&doc), []);
    assert_eq!(code, 0);
}

/// Two copies of example.org (the primary's, a stale secondary's) are the
/// zone's two servers.
#[test]
fn stale_copy_of_a_zone_is_named() {
    let (primary, stale) = (fx("diagnose/ns-primary.zone"), fx("diagnose/ns-stale.zone"));
    let run = |files: &[&str], args: &[&str]| {
        let mut all = vec!["diagnose", "example.org", "--json"];
        for file in files {
            all.extend(["--zone", file]);
        }
        all.extend(args);
        json_of(&TestDir::new(), &all)
    };
    let (code, doc) = run(&[&primary, &stale], &["-s", "s1", "-s", "s2"]);
    assert_eq!(
        findings(&doc),
        pairs(&[("ns-inconsistent", "ns-stale.zone")])
    );
    assert_eq!(
        doc["findings"][0]["message"],
        format!(
            "ns-stale.zone ({stale}) is behind: SOA serial 4, the newest is 5; \
             s2._domainkey.example.org: NXDOMAIN here, TXT v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvE... on the others"
        )
    );
    assert_eq!(doc["findings"][0]["severity"], "error");
    let servers: Vec<(&str, &str, u64)> = doc["name_servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["host"].as_str().unwrap(),
                n["address"].as_str().unwrap(),
                n["serial"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        servers,
        [
            ("ns-primary.zone", primary.as_str(), 5),
            ("ns-stale.zone", stale.as_str(), 4)
        ]
    );
    // The first copy answers: s2 is found.
    assert_eq!(verdicts(&doc), ["s1: ok (Ed25519)", "s2: ok (Ed25519)"]);
    assert_eq!(code, 1);
    // Behind with the same answers: a warning.
    let (code, doc) = run(&[&primary, &stale], &["-s", "s1"]);
    assert_eq!(doc["findings"][0]["severity"], "warning");
    assert_eq!(code, 0);
    // Skipped on request; two equal copies agree.
    let (code, doc) = run(&[&primary, &stale], &["-s", "s2", "--no-ns-check"]);
    assert_eq!((findings(&doc), code), (vec![], 0));
    assert_eq!(doc["name_servers"], serde_json::json!([]));
    let (code, doc) = run(&[&primary, &primary], &["-s", "s1", "-s", "s2"]);
    assert_eq!((findings(&doc), code), (vec![], 0));
}

/// Every finding (code, severity, subject, message, fix) and every
/// selector verdict, from the zone files and from the DNS server serving
/// them: the two sides of the seam agree.
#[test]
fn zone_files_and_the_server_serving_them_agree() {
    let text = |name: &str| std::fs::read_to_string(fx(&format!("diagnose/{name}"))).unwrap();
    let dns = DnsServer::builder()
        .zone("example.com.", &text("example.com.zone"))
        .zone("dkim.amazonses.com.", &text("provider.zone"))
        .start();
    let ns = dns.nameserver();
    let all = [
        "s1", "ed25519", "weak", "short", "revoked", "testing", "v2", "dsa", "pem", "two", "dup",
        "nous", "nolabel", "missing",
    ];
    let mut cases: Vec<(&str, Vec<String>)> = vec![
        ("example.com", selectors(&all)),
        ("sub.example.com", selectors(&["s1", "missing"])),
        ("example.com", Vec::new()),
    ];
    let mut tokens: Vec<String> = [A, B, C, E, H, F]
        .iter()
        .flat_map(|t| ["--token".to_string(), t.to_string()])
        .collect();
    tokens.extend(["--verification-token".into(), "other=".into()]);
    cases.push(("example.com", tokens));
    for (domain, args) in cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--no-ns-check");
        let (offline_code, offline) = offline_json(domain, &args);
        let mut live_args = vec!["diagnose", domain, "--json", "--nameserver", &ns];
        live_args.extend(&args);
        let (live_code, live) = json_of(&TestDir::new(), &live_args);
        for field in ["zone", "probed", "selectors", "findings", "dns_trouble"] {
            assert_eq!(offline[field], live[field], "{domain} {args:?}: {field}");
        }
        assert_eq!(offline_code, live_code, "{domain} {args:?}");
    }
}

#[test]
fn batch_of_domains_offline() {
    let dir = TestDir::new();
    let list = dir.write("domains.txt", "example.com\nsub.example.com\n");
    let zones = zones();
    let mut args = vec![
        "diagnose",
        "--batch",
        list.to_str().unwrap(),
        "-s",
        "s1",
        "--json",
    ];
    args.extend(zones.iter().map(String::as_str));
    let (code, doc) = json_of(&dir, &args);
    let domains = doc["domains"].as_array().unwrap();
    assert_eq!(verdicts(&domains[0]), ["s1: ok (RSA-2048)"]);
    assert_eq!(
        findings(&domains[1]),
        pairs(&[(
            "duplicated-suffix",
            "s1._domainkey.sub.example.com.example.com"
        )])
    );
    assert_eq!(doc["summary"]["with_errors"], 1);
    assert_eq!(code, 1);
}

#[test]
fn zone_files_refused_as_lint_refuses_them() {
    let dir = TestDir::new();
    let bad = dir.write("bad.zone", "$ORIGIN example.com.\ns1 TXT \"open\n");
    let run = dir
        .cmd(&["diagnose", "example.com", "--zone", bad.to_str().unwrap()])
        .run();
    run.assert_exit(2).assert_stdout("");
    assert_eq!(
        run.stderr(),
        format!("error: {}:2:8: unterminated quoted string\n", bad.display())
    );
    dir.cmd(&["diagnose", "example.com", "--zone", "absent.zone"])
        .run()
        .assert_exit(2)
        .assert_stdout("");
    // Zone data or a DNS server, not both.
    let zone = fx("diagnose/example.com.zone");
    dir.cmd(&[
        "diagnose",
        "example.com",
        "--zone",
        &zone,
        "--nameserver",
        "127.0.0.1",
    ])
    .run()
    .assert_exit(2)
    .assert_stdout("");
}

/// Zone data with failures injected, diagnosed in-process.
fn diagnose_injected(
    failures: &[(&str, Option<RecordType>, DnsFailure)],
    options: DiagnoseOptions,
) -> dkimctl::diagnosis::diagnose::DiagnoseReport {
    let mut zone = ZoneDns::read_all(&[
        fx("diagnose/example.com.zone"),
        fx("diagnose/provider.zone"),
    ])
    .unwrap();
    for (name, record_type, failure) in failures {
        zone.fail(name, *record_type, failure.clone());
    }
    let dns: Arc<dyn Dns> = Arc::new(zone);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(diagnose(&dns, &options))
        .unwrap()
}

fn options(selectors: Vec<SelectorSpec>) -> DiagnoseOptions {
    DiagnoseOptions {
        domain: "example.com".into(),
        selectors,
        verification_token: None,
        compare_servers: false,
        sender: None,
        ses: Vec::new(),
    }
}

#[test]
fn txt_servfail_behind_a_working_cname_injected() {
    let target = format!("{F}.dkim.amazonses.com");
    let token = SelectorSpec::token(F, "dkim.amazonses.com", SelectorOrigin::Token);
    let report = diagnose_injected(
        &[(&target, None, DnsFailure::ServFail)],
        options(vec![token.clone()]),
    );
    let got: Vec<(&str, &str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str(), f.message.as_str()))
        .collect();
    let message = format!("the CNAME to {target} answers, but TXT at {target} gives SERVFAIL");
    assert_eq!(
        got,
        [(
            "txt-servfail",
            format!("{F}._domainkey.example.com").as_str(),
            message.as_str()
        )]
    );
    assert!(!report.dns_trouble);
    // TXT failing where CNAME answers, at the owner itself.
    let owner = format!("{A}._domainkey.example.com");
    let a = SelectorSpec::token(A, "dkim.amazonses.com", SelectorOrigin::Token);
    let report = diagnose_injected(
        &[(&owner, Some(RecordType::Txt), DnsFailure::Timeout)],
        options(vec![a]),
    );
    // The CNAME is followed and the target's key judged: nothing wrong.
    assert_eq!(report.findings, []);
}

#[test]
fn servfail_and_timeout_are_undecided() {
    let specs = ["broken", "slow", "s1"]
        .map(|s| SelectorSpec::new(s, SelectorOrigin::Given))
        .to_vec();
    let report = diagnose_injected(
        &[
            ("broken._domainkey.example.com", None, DnsFailure::ServFail),
            ("slow._domainkey.example.com", None, DnsFailure::Timeout),
        ],
        options(specs),
    );
    let got: Vec<(&str, &str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "dns-temporary",
                "broken._domainkey.example.com",
                "DNS answered SERVFAIL for broken._domainkey.example.com; nothing could be decided"
            ),
            (
                "dns-temporary",
                "slow._domainkey.example.com",
                "DNS answered a timeout for slow._domainkey.example.com; nothing could be decided"
            ),
        ]
    );
    assert!(report.dns_trouble);
    let verdicts: Vec<String> = report.selectors.iter().map(|s| s.verdict()).collect();
    assert_eq!(
        verdicts,
        [
            "broken: undecided (DNS failure)",
            "slow: undecided (DNS failure)",
            "s1: ok (RSA-2048)"
        ]
    );
}

/// A batch's table ends with its summary row, and in a pipe no name is
/// cut across lines (the 41-character duplicated name stays whole).
#[test]
fn batch_table_ends_with_a_summary_and_keeps_names_whole() {
    let dir = TestDir::new();
    let list = dir.write("domains.txt", "example.com\nsub.example.com\n# comment\n");
    let mut args = vec!["diagnose", "--batch", list.to_str().unwrap()];
    args.extend(["-s", "s1", "-s", "weak", "--no-ns-check"]);
    let zones = zones();
    args.extend(zones.iter().map(String::as_str));
    let run = dir.cmd(&args).run();
    run.assert_exit(1);
    assert_golden("diagnose/batch-offline.out", run.stdout().as_bytes());
    assert!(
        run.stdout()
            .contains("(s1._domainkey.sub.example.com.example.com)")
    );
    let json = dir.cmd(&[args.as_slice(), &["--json"]].concat()).run();
    let doc = json.json();
    assert_eq!(
        doc["summary"],
        serde_json::json!({"domains": 2, "with_errors": 1, "with_warnings": 1, "dns_trouble": 0})
    );
}
