//! `dkimctl diagnose` against the in-process test DNS server serving
//! fixtures/diagnose/*.zone: one mistake per name, plus SERVFAIL and a
//! server that never answers. Each test asserts the exact findings (code,
//! subject) and the exit code.

use crate::dns_server::{DnsServer, DnsServerBuilder};
use crate::util::{TestDir, diagnose_json, findings, fixture, pairs, verdicts};
use std::time::{Duration, Instant};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccc";
const E: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
const F: &str = "ffffffffffffffffffffffffffffffff";
const H: &str = "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh";

fn zone(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("diagnose/{name}"))).expect("diagnose fixture")
}

/// example.com. and the provider zone dkim.amazonses.com.
fn servers() -> DnsServerBuilder {
    DnsServer::builder()
        .zone("example.com.", &zone("example.com.zone"))
        .zone("dkim.amazonses.com.", &zone("provider.zone"))
}

#[test]
fn good_selectors_exit_0_with_a_verdict_each() {
    let dns = servers().start();
    let dir = TestDir::new();
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &ns,
            "-s",
            "s1",
            "-s",
            "ed25519",
        ])
        .run();
    run.assert_exit(0).assert_stdout(
        "Domain: example.com (zone example.com)\n\
         Name servers: ns1.example.com (serial 2024010101)\n\
         No findings.\n\
         s1: ok (RSA-2048)\n\
         ed25519: ok (Ed25519)\n",
    );
}

#[test]
fn key_record_mistakes() {
    let dns = servers().start();
    let selectors = [
        "weak", "short", "revoked", "testing", "v2", "dsa", "pem", "two",
    ];
    let mut args = Vec::new();
    for s in &selectors {
        args.extend(["-s", s]);
    }
    let (code, doc) = diagnose_json(&dns, "example.com", &args);
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
    let fixes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"].as_str().unwrap_or(""))
        .collect();
    // The armour fix is the record with p= as one line of base64.
    assert!(
        fixes[6].starts_with("pem._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=rsa; p=MIIB"),
        "{}",
        fixes[6]
    );
    assert!(!fixes[6].contains("BEGIN"));
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
}

#[test]
fn warnings_exit_0_unless_strict() {
    let dns = servers().start();
    let (code, doc) = diagnose_json(&dns, "example.com", &["-s", "weak"]);
    assert_eq!(
        findings(&doc),
        pairs(&[("key-weak", "weak._domainkey.example.com")])
    );
    assert_eq!(code, 0);
    let (code, _) = diagnose_json(&dns, "example.com", &["-s", "weak", "--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn records_at_the_wrong_name() {
    let dns = servers().start();
    let (code, doc) = diagnose_json(
        &dns,
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
    let fix = doc["findings"][0]["fix"].as_str().unwrap();
    assert_eq!(
        fix,
        "delete the record at dup._domainkey.example.com.example.com. and publish: \
         dup._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\""
    );
    assert_eq!(verdicts(&doc)[3], "missing: record-missing");
}

#[test]
fn subdomain_in_its_parent_zone() {
    let dns = servers().start();
    let (code, doc) = diagnose_json(&dns, "sub.example.com", &["-s", "s1"]);
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
fn provider_tokens() {
    let dns = servers().start();
    let (code, doc) = diagnose_json(
        &dns,
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
    assert_eq!(
        doc["findings"][3]["fix"],
        format!("{H}._domainkey.example.com. 3600 IN CNAME {H}.dkim.amazonses.com.")
    );
    assert_eq!(code, 1);
    assert_eq!(
        doc["findings"][1]["fix"],
        format!("{C}._domainkey.example.com. 3600 IN CNAME {C}.dkim.amazonses.com.")
    );
    assert_eq!(verdicts(&doc)[0], format!("{A}: ok (RSA-2048)"));
}

#[test]
fn records_csv_checked_row_by_row() {
    let dns = servers().start();
    let dir = TestDir::new();
    let csv = format!(
        "Type,Name,Value\r\n\
         CNAME,{A}._domainkey.example.com,{A}.dkim.amazonses.com\r\n\
         CNAME,{E}._domainkey.example.com,{E}.dkim.amazonses.com\r\n\
         CNAME,gggggggggggggggggggggggggggggggg._domainkey.example.com,gggggggggggggggggggggggggggggggg.dkim.amazonses.com\r\n\
         TXT,_amazonses.example.com,expected-token=\r\n"
    );
    let path = dir.write("set.csv", csv);
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &ns,
            "--records",
            path.to_str().unwrap(),
            "--json",
        ])
        .run();
    let doc = run.json();
    assert_eq!(
        findings(&doc),
        vec![
            (
                "cname-dangling".to_string(),
                format!("{E}._domainkey.example.com")
            ),
            (
                "record-missing".to_string(),
                "gggggggggggggggggggggggggggggggg._domainkey.example.com".to_string()
            ),
            (
                "verification-missing".to_string(),
                "_amazonses.example.com".to_string()
            ),
        ]
    );
    assert_eq!(
        doc["findings"][2]["fix"],
        "_amazonses.example.com. 3600 IN TXT \"expected-token=\""
    );
    run.assert_exit(1);
    // The right token is accepted.
    let (code, doc) = diagnose_json(
        &dns,
        "example.com",
        &["--token", A, "--verification-token", "published-token="],
    );
    assert_eq!(findings(&doc), []);
    assert_eq!(code, 0);
}

#[test]
fn selectors_from_a_message() {
    let dns = servers().start();
    let dir = TestDir::new();
    let msg = dir.write(
        "m.eml",
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AA==; b=AA==\r\n\
         DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=missing; h=from; bh=AA==; b=AA==\r\n\
         From: a@example.com\r\n\r\nhi\r\n",
    );
    let (code, doc) = diagnose_json(&dns, "example.com", &["--message", msg.to_str().unwrap()]);
    assert_eq!(
        findings(&doc),
        pairs(&[("record-missing", "missing._domainkey.example.com")])
    );
    assert_eq!(
        verdicts(&doc),
        ["s1: ok (RSA-2048)", "missing: record-missing"]
    );
    assert_eq!(code, 1);
}

#[test]
fn probing_common_selectors() {
    let dns = servers()
        .zone("example.net.", "www IN A 192.0.2.1\n")
        .start();
    let (code, doc) = diagnose_json(&dns, "example.com", &[]);
    assert!(doc["probed"].as_array().unwrap().len() >= 15);
    assert_eq!(
        verdicts(&doc),
        ["google: ok (RSA-2048)", "s1: ok (RSA-2048)"]
    );
    assert_eq!(findings(&doc), []);
    assert_eq!(code, 0);
    let (code, doc) = diagnose_json(&dns, "example.net", &[]);
    assert_eq!(
        findings(&doc),
        pairs(&[("record-missing", "_domainkey.example.net")])
    );
    assert_eq!(code, 0);
}

#[test]
fn txt_servfail_behind_a_working_cname() {
    let dns = servers()
        .servfail_under(&format!("{F}.dkim.amazonses.com."))
        .start();
    let (code, doc) = diagnose_json(&dns, "example.com", &["--token", F, "--retries", "0"]);
    assert_eq!(
        findings(&doc),
        vec![(
            "txt-servfail".to_string(),
            format!("{F}._domainkey.example.com")
        )]
    );
    assert_eq!(code, 1);
}

#[test]
fn servfail_and_timeout_are_undecided_exit_3() {
    let dns = servers()
        .servfail_under("broken._domainkey.example.com.")
        .drop_under("slow._domainkey.example.com.")
        .start();
    let started = Instant::now();
    let (code, doc) = diagnose_json(
        &dns,
        "example.com",
        &[
            "-s",
            "broken",
            "-s",
            "slow",
            "-s",
            "s1",
            "--timeout",
            "0.3",
            "--retries",
            "0",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        findings(&doc),
        pairs(&[
            ("dns-temporary", "broken._domainkey.example.com"),
            ("dns-temporary", "slow._domainkey.example.com"),
        ])
    );
    assert_eq!(doc["dns_trouble"], true);
    assert_eq!(
        verdicts(&doc),
        [
            "broken: undecided (DNS failure)",
            "slow: undecided (DNS failure)",
            "s1: ok (RSA-2048)"
        ]
    );
    assert_eq!(code, 3);
    // An error found elsewhere decides the run: exit 1.
    let (code, _) = diagnose_json(
        &dns,
        "example.com",
        &["-s", "broken", "-s", "missing", "--retries", "0"],
    );
    assert_eq!(code, 1);
}

#[test]
fn bad_usage_exits_2() {
    let dir = TestDir::new();
    for args in [
        vec!["diagnose", "not a domain", "--nameserver", "127.0.0.1:1"],
        vec!["diagnose", "example.com", "--records", "absent.csv"],
        vec!["diagnose", "example.com", "--timeout", "0"],
    ] {
        dir.cmd(&args).run().assert_exit(2).assert_stdout("");
    }
}

/// A UDP relay on 127.0.0.1 that holds every query `delay` before passing
/// it to `upstream`: a server one round trip of `delay` away.
fn slow_relay(upstream: std::net::SocketAddr, delay: Duration) -> std::net::SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP port on 127.0.0.1");
    let addr = socket.local_addr().expect("bound");
    std::thread::spawn(move || {
        let socket = std::sync::Arc::new(socket);
        let mut buf = [0u8; 4096];
        while let Ok((len, client)) = socket.recv_from(&mut buf) {
            let query = buf[..len].to_vec();
            let socket = socket.clone();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let up = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
                up.set_read_timeout(Some(Duration::from_secs(2))).ok();
                up.send_to(&query, upstream).ok();
                let mut answer = [0u8; 4096];
                if let Ok(n) = up.recv(&mut answer) {
                    socket.send_to(&answer[..n], client).ok();
                }
            });
        }
    });
    addr
}

/// Not a timed assertion: prints how long one and three selectors take
/// through a relay that adds 100 ms per query, next to the cost of a run
/// with no latency, to show the queries of all selectors go out at once.
#[test]
fn speed_three_selectors_about_one_round_trip() {
    let dns = servers().start();
    let delay = Duration::from_millis(100);
    let relay = slow_relay(dns.addr(), delay).to_string();
    let time = |ns: &str, selectors: &[&str]| {
        let dir = TestDir::new();
        let mut args = vec![
            "diagnose",
            "example.com",
            "--nameserver",
            ns,
            "--json",
            "--no-ns-check",
        ];
        for s in selectors {
            args.extend(["-s", s]);
        }
        let started = Instant::now();
        dir.cmd(&args).run().assert_exit(0);
        started.elapsed()
    };
    let local = dns.nameserver();
    let base = time(&local, &["s1"]);
    let one = time(&relay, &["s1"]);
    let three = time(&relay, &["s1", "ed25519", "google"]);
    let before = dns.queries().len();
    time(&local, &["s1", "ed25519", "google"]);
    let queries = dns.queries().len() - before;
    // With the authoritative comparison: the NS set (with glue) is asked in
    // the first round, each server directly in the second. The direct
    // queries go to ns1's address 127.0.0.1 at the --nameserver port, i.e.
    // through the relay too.
    let with_ns = {
        let dir = TestDir::new();
        let started = Instant::now();
        dir.cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &relay,
            "--json",
            "-s",
            "s1",
            "-s",
            "ed25519",
            "-s",
            "google",
        ])
        .run()
        .assert_exit(0);
        started.elapsed()
    };
    eprintln!(
        "diagnose speed: round trip {delay:?}; no latency {base:?}; 1 selector {one:?}; \
         3 selectors {three:?} ({queries} queries); 3 selectors with the NS comparison {with_ns:?}"
    );
    assert_eq!(queries, 7, "SOA, then CNAME and TXT per selector");
}

/// Prints the run shown in README.md: `cargo test --test tests
/// diagnose::readme_example -- --ignored --nocapture`.
#[test]
#[ignore]
fn readme_example() {
    let dns = servers().start();
    let dir = TestDir::new();
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &ns,
            "-s",
            "s1",
            "-s",
            "weak",
            "-s",
            "nous",
            "--token",
            C,
        ])
        .run();
    eprintln!("NS={ns}\n{}EXIT={}", run.stdout(), run.code());
}

/// example.org on three loopback servers, one port: the resolver's
/// (127.0.0.1, primary), ns1 (127.0.0.2, primary copy) and ns2 (127.0.0.3,
/// serving `ns2_zone`).
fn ns_set(ns2_zone: &str) -> (DnsServer, DnsServer, DnsServer) {
    let primary = zone("ns-primary.zone");
    let main = DnsServer::builder().zone("example.org.", &primary).start();
    let port = main.addr().port();
    let at = |ip: [u8; 4], text: &str| {
        DnsServer::builder()
            .zone("example.org.", text)
            .bind(std::net::SocketAddr::from((ip, port)))
            .start()
    };
    let ns1 = at([127, 0, 0, 2], &primary);
    let ns2 = at([127, 0, 0, 3], &zone(ns2_zone));
    (main, ns1, ns2)
}

#[test]
fn stale_secondary_is_named() {
    let (main, ns1, ns2) = ns_set("ns-stale.zone");
    let (code, doc) = diagnose_json(&main, "example.org", &["-s", "s1", "-s", "s2"]);
    assert_eq!(
        findings(&doc),
        pairs(&[("ns-inconsistent", "ns2.example.org")])
    );
    let message = doc["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "ns2.example.org ({}) is behind: SOA serial 4, the newest is 5; s2._domainkey.example.org: NXDOMAIN here, TXT v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvE... on the others",
            ns2.addr()
        )),
        "{message}"
    );
    assert_eq!(doc["findings"][0]["severity"], "error");
    let serials: Vec<(String, u64)> = doc["name_servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["host"].as_str().unwrap().to_string(),
                n["serial"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        serials,
        [
            ("ns1.example.org".to_string(), 5),
            ("ns2.example.org".to_string(), 4)
        ]
    );
    assert_eq!(code, 1);
    // Both were asked directly, without recursion.
    assert!(!ns1.queries().is_empty() && !ns2.queries().is_empty());
    // Skipping the comparison skips the finding.
    let (code, doc) = diagnose_json(
        &main,
        "example.org",
        &["-s", "s1", "-s", "s2", "--no-ns-check"],
    );
    assert_eq!(findings(&doc), []);
    assert_eq!(code, 0);
}

#[test]
fn secondary_behind_with_the_same_answers_is_a_warning() {
    let (main, _ns1, _ns2) = ns_set("ns-stale.zone");
    let (code, doc) = diagnose_json(&main, "example.org", &["-s", "s1"]);
    assert_eq!(
        findings(&doc),
        pairs(&[("ns-inconsistent", "ns2.example.org")])
    );
    assert_eq!(doc["findings"][0]["severity"], "warning");
    assert_eq!(code, 0);
    let (main, _ns1, _ns2) = ns_set("ns-primary.zone");
    let (code, doc) = diagnose_json(&main, "example.org", &["-s", "s1", "-s", "s2"]);
    assert_eq!(findings(&doc), []);
    assert_eq!(doc["name_servers"].as_array().unwrap().len(), 2);
    assert_eq!(code, 0);
}

#[test]
fn batch_of_domains() {
    let dns = servers().start();
    let dir = TestDir::new();
    let list = dir.write(
        "domains.txt",
        "# one a line\nexample.com\nsub.example.com  # in example.com's zone\n\nnot a domain\n",
    );
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "--batch",
            list.to_str().unwrap(),
            "--nameserver",
            &ns,
            "-s",
            "s1",
            "--json",
        ])
        .run();
    // A bad line is reported and the run goes on, ending with 2.
    run.assert_exit(2);
    assert!(
        run.stderr()
            .contains("domains.txt:5: 'not a domain' is not a valid domain"),
        "{}",
        run.stderr()
    );
    let doc = run.json();
    let domains = doc["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 2);
    assert_eq!(verdicts(&domains[0]), ["s1: ok (RSA-2048)"]);
    assert_eq!(
        findings(&domains[1]),
        pairs(&[(
            "duplicated-suffix",
            "s1._domainkey.sub.example.com.example.com"
        )])
    );
    assert_eq!(doc["summary"]["domains"], 2);
    assert_eq!(doc["summary"]["with_errors"], 1);
    // The table form, good lines only: exit 1.
    let list = dir.write("good.txt", "example.com\nsub.example.com\n");
    let run = dir
        .cmd(&[
            "diagnose",
            "--batch",
            list.to_str().unwrap(),
            "--nameserver",
            &ns,
            "-s",
            "s1",
        ])
        .run();
    run.assert_exit(1);
    assert!(run.stdout().contains("s1: ok (RSA-2048)"));
    assert!(run.stdout().contains("error duplicated-suffix"));
}

/// A benchmark, run by hand: `cargo test --release --test tests
/// diagnose::batch_speed -- --ignored --nocapture`. 10,000 domains, one
/// selector each, against the local server; prints domains per second.
#[test]
#[ignore]
fn batch_speed() {
    let n = 10_000;
    let key = "\"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\"";
    let zone: String = (0..n)
        .map(|i| format!("s1._domainkey.d{i} IN TXT {key}\n"))
        .collect();
    let dns = DnsServer::builder().zone("batch.test.", &zone).start();
    let dir = TestDir::new();
    let list: String = (0..n).map(|i| format!("d{i}.batch.test\n")).collect();
    let list = dir.write("domains.txt", list);
    let ns = dns.nameserver();
    for extra in [vec!["--no-ns-check"], vec![]] {
        for concurrency in ["16", "64", "256"] {
            let mut args = vec![
                "diagnose",
                "--batch",
                list.to_str().unwrap(),
                "--nameserver",
                &ns,
                "-s",
                "s1",
                "--json",
                "--concurrency",
                concurrency,
            ];
            args.extend(&extra);
            let started = Instant::now();
            let run = dir.cmd(&args).run();
            let elapsed = started.elapsed();
            // 0, or 3 when the (single-threaded) test server dropped queries.
            assert!(matches!(run.code(), 0 | 3), "{}", run.stderr());
            let doc = run.json();
            assert_eq!(doc["summary"]["domains"], n);
            eprintln!(
                "batch {n} domains {extra:?} concurrency {concurrency}: {elapsed:?}, {:.0} domains/s, {} undecided (DNS timeouts)",
                n as f64 / elapsed.as_secs_f64(),
                doc["summary"]["dns_trouble"]
            );
        }
    }
}

#[test]
fn identity_override() {
    let dns = servers().start();
    let dir = TestDir::new();
    let csv = "identity,dkim\nexample.com,on\nsub.example.com,off\nalice@example.com,on\n";
    let toml = "# verified identities\n\
                [[identity]]\nname = \"example.com\"\ndkim = true\n\n\
                [[identity]]\nname = \"sub.example.com\"\ndkim = false\n\n\
                [[identity]]\nname = \"alice@example.com\"\ndkim = true\n";
    // CSV and TOML, by extension and (no or another extension) by content.
    for (file, text) in [
        ("identities.csv", csv),
        ("identities.toml", toml),
        ("identities", toml),
        ("identities.txt", csv),
    ] {
        let ids = dir.write(file, text);
        let ids = ids.to_str().unwrap();
        let run = |from: &str| {
            diagnose_json(
                &dns,
                "example.com",
                &["-s", "s1", "--identities", ids, "--from", from],
            )
        };
        let (code, doc) = run("bob@example.com");
        assert_eq!(findings(&doc), [], "{file}");
        assert_eq!(code, 0, "{file}");
        let (code, doc) = run("carol@sub.example.com");
        assert_eq!(
            findings(&doc),
            pairs(&[("identity-override", "carol@sub.example.com")]),
            "{file}"
        );
        assert_eq!(doc["findings"][0]["severity"], "error", "{file}");
        assert_eq!(code, 1, "{file}");
        let (code, doc) = run("alice@example.com");
        assert_eq!(
            findings(&doc),
            pairs(&[("identity-override", "alice@example.com")]),
            "{file}"
        );
        assert_eq!(doc["findings"][0]["severity"], "warning", "{file}");
        assert_eq!(code, 0, "{file}");
    }
    // A malformed TOML file is bad usage, with the file named.
    let bad = dir.write(
        "bad.toml",
        "[[identity]]\nname = \"example.com\"\ndkim = \"on\"\n",
    );
    let ns = dns.nameserver();
    let run = dir
        .cmd(&[
            "diagnose",
            "example.com",
            "--nameserver",
            &ns,
            "-s",
            "s1",
            "--identities",
            bad.to_str().unwrap(),
            "--from",
            "a@example.com",
        ])
        .run();
    run.assert_exit(2);
    assert!(run.stderr().contains("bad.toml"), "{}", run.stderr());
    // --from without --identities is bad usage.
    dir.cmd(&["diagnose", "example.com", "--from", "a@example.com"])
        .run()
        .assert_exit(2);
}

/// loop.test.: a CNAME loop through another zone, a name pointing at
/// itself, and a chain of ten CNAMEs to a key; example.net. holds the
/// loop's other half.
fn loop_zones() -> [(&'static str, String); 2] {
    let mut loops = String::from(
        "s1._domainkey IN CNAME b.example.net.\n\
         self._domainkey IN CNAME self._domainkey\n\
         long._domainkey IN CNAME h1\n",
    );
    for i in 1..=10 {
        loops.push_str(&format!("h{i} IN CNAME h{}\n", i + 1));
    }
    loops.push_str(
        "h11 IN TXT \"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\"\n",
    );
    [
        ("loop.test.", loops),
        (
            "example.net.",
            "b IN CNAME s1._domainkey.loop.test.\n".to_string(),
        ),
    ]
}

/// `(code, subject, message)` of every finding, in order.
fn messages(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_string();
            (field("code"), field("subject"), field("message"))
        })
        .collect()
}

#[test]
fn cname_loops_and_too_long_chains_are_named_live_and_offline() {
    let zones = loop_zones();
    let dns = DnsServer::start(&[(zones[0].0, &zones[0].1), (zones[1].0, &zones[1].1)]);
    let args = ["-s", "s1", "-s", "self", "-s", "long"];
    let expected: Vec<(String, String, String)> = [
        (
            "cname-loop",
            "s1._domainkey.loop.test",
            "the CNAME chain comes back to a name it already visited: \
             s1._domainkey.loop.test → b.example.net → s1._domainkey.loop.test",
        ),
        (
            "cname-loop",
            "self._domainkey.loop.test",
            "the CNAME chain comes back to a name it already visited: \
             self._domainkey.loop.test → self._domainkey.loop.test",
        ),
        (
            "cname-chain-too-long",
            "long._domainkey.loop.test",
            "the CNAME chain from long._domainkey.loop.test has more than 8 CNAMEs: \
             h8.loop.test, the last name followed, points on to h9.loop.test",
        ),
    ]
    .iter()
    .map(|(c, s, m)| (c.to_string(), s.to_string(), m.to_string()))
    .collect();
    let (code, live) = diagnose_json(&dns, "loop.test", &args);
    assert_eq!(messages(&live), expected);
    assert_eq!(code, 1);
    assert_eq!(live["dns_trouble"], false);
    assert_eq!(
        verdicts(&live),
        [
            "s1: cname-loop",
            "self: cname-loop",
            "long: cname-chain-too-long"
        ]
    );
    let chain: Vec<String> = (1..=8).map(|i| format!("h{i}.loop.test")).collect();
    assert_eq!(
        live["selectors"][2]["cname_chain"],
        serde_json::json!(chain)
    );
    assert_eq!(
        live["selectors"][0]["cname_chain"],
        serde_json::json!(["b.example.net"])
    );

    // The same from the same zones read as files.
    let dir = TestDir::new();
    let a = dir.write("loop.test.zone", &zones[0].1);
    let b = dir.write("example.net.zone", &zones[1].1);
    let mut all = vec!["diagnose", "loop.test", "--json", "--no-ns-check"];
    all.extend(["--zone", a.to_str().unwrap(), "--zone", b.to_str().unwrap()]);
    all.extend(args);
    let run = dir.cmd(&all).run();
    run.assert_exit(1);
    let offline = run.json();
    assert_eq!(messages(&offline), expected);
    assert_eq!(offline["selectors"], live["selectors"]);
}

#[test]
fn refused_is_an_error_not_a_found_selector_nor_exit_3() {
    let dns = servers()
        .refuse_under("acl._domainkey.example.com.")
        .start();
    // A given selector the server refuses: dns-refused, exit 1, not undecided.
    let (code, doc) = diagnose_json(&dns, "example.com", &["-s", "s1", "-s", "acl"]);
    assert_eq!(
        messages(&doc),
        [(
            "dns-refused".to_string(),
            "acl._domainkey.example.com".to_string(),
            "the DNS server refused to answer (REFUSED) for acl._domainkey.example.com; \
             nothing could be looked up"
                .to_string()
        )]
    );
    assert_eq!(verdicts(&doc), ["s1: ok (RSA-2048)", "acl: dns-refused"]);
    assert_eq!(doc["selectors"][1]["status"], "refused");
    assert_eq!(doc["dns_trouble"], false);
    assert_eq!(code, 1);

    // Probing a domain the server does not serve (it refuses every
    // question): no probed selector is found, one finding says why.
    let (code, doc) = diagnose_json(&dns, "example.org", &[]);
    assert_eq!(
        messages(&doc),
        [(
            "dns-refused".to_string(),
            "_domainkey.example.org".to_string(),
            "the DNS server refused to answer (REFUSED) for 17 of the 17 common selectors \
             probed; nothing could be looked up"
                .to_string()
        )]
    );
    assert_eq!(verdicts(&doc), Vec::<String>::new());
    assert_eq!(doc["dns_trouble"], false);
    assert_eq!(code, 1);
    let dir = TestDir::new();
    let ns = dns.nameserver();
    let run = dir
        .cmd(&["diagnose", "example.org", "--nameserver", &ns])
        .run();
    run.assert_exit(1);
    assert!(run.stdout().contains("\nFound: none\n"), "{}", run.stdout());
    assert!(run.stdout().contains("dns-refused"), "{}", run.stdout());
}

/// Runs `diagnose --batch` of `n` domains (each with a good key) against a
/// fresh test server, with at most `open_files` open files.
#[cfg(unix)]
fn batch_with_open_files(n: usize, open_files: u64, extra: &[&str]) -> crate::util::Run {
    let key = "\"v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=\"";
    let zone: String = (0..n)
        .map(|i| format!("s1._domainkey.d{i} IN TXT {key}\n"))
        .collect();
    let dns = DnsServer::builder().zone("batch.test.", &zone).start();
    let dir = TestDir::new();
    let list: String = (0..n).map(|i| format!("d{i}.batch.test\n")).collect();
    let list = dir.write("domains.txt", list);
    let ns = dns.nameserver();
    let mut args = vec![
        "diagnose",
        "--batch",
        list.to_str().unwrap(),
        "--nameserver",
        &ns,
        "-s",
        "s1",
        "--json",
    ];
    args.extend(extra);
    dir.cmd(&args).open_files_limit(open_files).run()
}

#[test]
#[cfg(unix)]
fn running_out_of_open_files_is_an_error_line_not_a_finding() {
    // 256 questions at once cannot have a socket each under 32 open files:
    // one error line in words, exit 2, no finding blaming any domain.
    let run = batch_with_open_files(300, 32, &["--concurrency", "256"]);
    run.assert_exit(2).assert_stdout("").assert_stderr(
        "error: could not ask DNS: too many open files \
         (lower --concurrency, or raise the open-file limit)\n",
    );
    // The default bound (16 in flight) fits in 64 open files: every
    // domain checked, nothing found wrong.
    let run = batch_with_open_files(300, 64, &[]);
    run.assert_exit(0);
    let doc = run.json();
    assert_eq!(doc["summary"]["domains"], 300);
    assert_eq!(doc["summary"]["with_errors"], 0);
    assert_eq!(doc["summary"]["dns_trouble"], 0);
    for code in ["txt-servfail", "dns-temporary", "ns-inconsistent"] {
        assert!(!run.stdout().contains(code), "{code}");
    }
}

#[test]
fn concurrency_is_checked_with_its_range() {
    let dir = TestDir::new();
    for n in ["0", "257", "x"] {
        let run = dir
            .cmd(&["diagnose", "example.com", "--concurrency", n])
            .run();
        run.assert_exit(2).assert_stdout("");
        assert!(
            run.stderr().starts_with(&format!(
                "error: invalid value '{n}' for '--concurrency <N>': "
            )),
            "{}",
            run.stderr()
        );
        if n != "x" {
            assert!(
                run.stderr().contains("is not in 1..=256"),
                "{}",
                run.stderr()
            );
        }
    }
}

#[test]
#[cfg(unix)]
fn a_records_csv_of_many_rows_is_asked_within_the_bound() {
    let key = "v=DKIM1; k=ed25519; p=YxFLneSqY75GZhTKvEeBURV28GXum3RB8EZ4cOK+nmY=";
    let n = 400;
    let zone: String = (0..n)
        .map(|i| format!("s{i}._domainkey IN TXT \"{key}\"\n"))
        .collect();
    let dns = DnsServer::builder().zone("records.test.", &zone).start();
    let dir = TestDir::new();
    let csv: String = std::iter::once("Type,Name,Value\n".to_string())
        .chain((0..n).map(|i| format!("TXT,s{i}._domainkey.records.test,{key}\n")))
        .collect();
    let path = dir.write("set.csv", csv);
    let ns = dns.nameserver();
    let args = |extra: &'static [&'static str]| {
        let mut args = vec![
            "diagnose".to_string(),
            "records.test".into(),
            "--nameserver".into(),
            ns.clone(),
            "--records".into(),
            path.to_string_lossy().into_owned(),
            "--json".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run_with = |extra: &'static [&'static str], open_files| {
        let args = args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        dir.cmd(&args).open_files_limit(open_files).run()
    };
    let run = run_with(&[], 64);
    run.assert_exit(0);
    let doc = run.json();
    assert_eq!(findings(&doc), []);
    assert_eq!(doc["selectors"].as_array().unwrap().len(), n);
    run_with(&["--concurrency", "256"], 32)
        .assert_exit(2)
        .assert_stdout("")
        .assert_stderr(
            "error: could not ask DNS: too many open files \
             (lower --concurrency, or raise the open-file limit)\n",
        );
}
