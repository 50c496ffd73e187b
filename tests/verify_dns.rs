//! `dkimctl verify` looking keys up in live DNS: the built binary against
//! the in-process test server (`dns_server`) through `--nameserver`. The
//! messages are signed at test time with the fixture keys, so `t=` is now.

use crate::dns_server::{DnsServer, DnsServerBuilder};
use crate::util::{TestDir, fixture};
use hickory_proto::rr::RecordType;
use std::path::Path;
use std::time::{Duration, Instant};

const MESSAGE: &str = "From: Alice <alice@example.com>\r\n\
                       To: Bob <bob@example.net>\r\n\
                       Subject: DNS test\r\n\
                       Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\
                       Message-ID: <dns-test@example.com>\r\n\
                       \r\n\
                       Hello Bob.\r\n";

/// fixtures/keys/keys.zone: the records of the fixture keys (origin example.com.).
fn keys_zone() -> String {
    std::fs::read_to_string(fixture("keys/keys.zone")).expect("fixtures/keys/keys.zone")
}

/// The key record of `selector` in keys.zone, its strings joined.
fn fixture_record(selector: &str) -> String {
    let prefix = format!("{selector}._domainkey ");
    let line = keys_zone()
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("keys.zone has no {selector} record"))
        .to_string();
    // The quoted strings, in order: every second piece between quotes.
    line.split('"').skip(1).step_by(2).collect()
}

/// `record` as a TXT RDATA of quoted strings of at most 255 bytes.
fn txt_strings(record: &str, size: usize) -> String {
    record
        .as_bytes()
        .chunks(size)
        .map(|chunk| format!("\"{}\"", std::str::from_utf8(chunk).expect("ASCII record")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A server for keys.zone plus `extra` lines (relative to example.com.).
fn server(extra: &str) -> DnsServerBuilder {
    DnsServer::builder().zone("example.com.", &format!("{}\n{extra}\n", keys_zone()))
}

/// Writes MESSAGE to `name` signed once per `(selector, key fixture)`, d=example.com.
fn sign(dir: &TestDir, name: &str, signers: &[(&str, &str)]) {
    let unsigned = format!("{name}.unsigned");
    dir.write(&unsigned, MESSAGE);
    let mut args = vec!["sign", &unsigned, "--domain", "example.com", "-o", name];
    let keys: Vec<String> = signers
        .iter()
        .map(|(_, key)| fixture(key).to_str().expect("UTF-8 path").to_string())
        .collect();
    for ((selector, _), key) in signers.iter().zip(&keys) {
        args.extend(["--selector", selector, "--key", key]);
    }
    dir.cmd(&args).run().assert_exit(0).assert_stdout("");
    assert!(Path::new(&dir.join(name)).exists());
}

/// `dkimctl verify --nameserver ADDR EXTRA... FILES...`
fn verify(dir: &TestDir, dns: &DnsServer, extra: &[&str], files: &[&str]) -> crate::util::Run {
    let nameserver = dns.nameserver();
    let mut args = vec!["verify", "--nameserver", &nameserver];
    args.extend(extra);
    args.extend(files);
    dir.cmd(&args).run()
}

/// How many times the server was asked for TXT at `name` (with its trailing dot).
fn txt_questions(dns: &DnsServer, name: &str) -> usize {
    dns.queries()
        .iter()
        .filter(|q| q.name == name && q.record_type == RecordType::TXT)
        .count()
}

/// Whether the server was asked for TXT at `name`.
fn asked_txt(dns: &DnsServer, name: &str) -> bool {
    txt_questions(dns, name) > 0
}

#[test]
fn rsa_and_ed25519_pass_via_dns() {
    let dir = TestDir::new();
    let dns = server("").start();
    sign(
        &dir,
        "signed.eml",
        &[
            ("rsa2048", "keys/rsa2048.pem"),
            ("ed25519", "keys/ed25519.pem"),
        ],
    );
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "pass d=example.com s=rsa2048 a=rsa-sha256\n\
             pass d=example.com s=ed25519 a=ed25519-sha256\n",
        )
        .assert_exit(0);
    assert!(asked_txt(&dns, "rsa2048._domainkey.example.com."));
    assert!(asked_txt(&dns, "ed25519._domainkey.example.com."));
}

#[test]
fn missing_key_is_permerror_no_key() {
    let dir = TestDir::new();
    let dns = server("").start();
    sign(&dir, "signed.eml", &[("nokey", "keys/rsa2048.pem")]);
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "permerror d=example.com s=nokey a=rsa-sha256 [record-missing] \
             no DKIM key record at nokey._domainkey.example.com\n",
        )
        .assert_exit(1);
    assert!(asked_txt(&dns, "nokey._domainkey.example.com."));
}

#[test]
fn many_files_ask_once_per_selector() {
    let dir = TestDir::new();
    let dns = server("").start();
    sign(
        &dir,
        "signed.eml",
        &[
            ("rsa2048", "keys/rsa2048.pem"),
            ("nokey", "keys/rsa2048.pem"),
        ],
    );
    let signed = dir.read("signed.eml");
    let files: Vec<String> = (0..12).map(|i| format!("copy{i:02}.eml")).collect();
    for name in &files {
        dir.write(name, &signed);
    }
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let run = verify(&dir, &dns, &[], &files);
    run.assert_exit(1);
    let verdicts = run.stdout();
    assert_eq!(
        verdicts.matches("pass d=example.com s=rsa2048").count(),
        12,
        "{verdicts}"
    );
    assert_eq!(
        verdicts.matches("[record-missing]").count(),
        12,
        "{verdicts}"
    );
    // A key found and a key missing are each asked for once in the run.
    assert_eq!(txt_questions(&dns, "rsa2048._domainkey.example.com."), 1);
    assert_eq!(txt_questions(&dns, "nokey._domainkey.example.com."), 1);
}

#[test]
fn revoked_key_is_permerror() {
    let dir = TestDir::new();
    let dns = server("").start();
    sign(&dir, "signed.eml", &[("revoked", "keys/rsa2048.pem")]);
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "permerror d=example.com s=revoked a=rsa-sha256 [key-revoked] \
             the key was revoked (empty p=)\n",
        )
        .assert_exit(1);
}

#[test]
fn servfail_is_temperror() {
    let dir = TestDir::new();
    let dns = server("")
        .servfail_under("broken._domainkey.example.com.")
        .start();
    sign(&dir, "signed.eml", &[("broken", "keys/rsa2048.pem")]);
    let started = Instant::now();
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "temperror d=example.com s=broken a=rsa-sha256 [dns-temporary] \
             DNS server failure (SERVFAIL) for broken._domainkey.example.com\n",
        )
        .assert_exit(3);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn timeout_is_temperror_and_quick() {
    let dir = TestDir::new();
    let dns = server("")
        .drop_under("slow._domainkey.example.com.")
        .start();
    sign(&dir, "signed.eml", &[("slow", "keys/rsa2048.pem")]);
    let started = Instant::now();
    let run = verify(
        &dir,
        &dns,
        &["--timeout", "1", "--retries", "0"],
        &["signed.eml"],
    );
    let elapsed = started.elapsed();
    run.assert_stdout(
        "temperror d=example.com s=slow a=rsa-sha256 [dns-temporary] \
         DNS query for slow._domainkey.example.com timed out\n",
    )
    .assert_exit(3);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(asked_txt(&dns, "slow._domainkey.example.com."));
}

#[test]
fn cname_at_selector_is_followed() {
    let dir = TestDir::new();
    // The selector is an alias for a record elsewhere in the zone, as when
    // keys rotate behind a fixed selector. The server answers the whole
    // chain (CNAME + TXT) in one response.
    let target = txt_strings(&fixture_record("rsa2048"), 255);
    let dns = server(&format!(
        "alias._domainkey IN CNAME rotating.keys.example.com.\n\
         rotating.keys IN TXT {target}"
    ))
    .start();
    sign(&dir, "signed.eml", &[("alias", "keys/rsa2048.pem")]);
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout("pass d=example.com s=alias a=rsa-sha256\n")
        .assert_exit(0);
    assert!(asked_txt(&dns, "alias._domainkey.example.com."));
}

#[test]
fn cname_into_another_zone_is_followed() {
    let dir = TestDir::new();
    // An email provider hosts the key: the answer for example.com holds
    // only the CNAME, and the resolver must ask again for the target.
    let target = txt_strings(&fixture_record("ed25519"), 255);
    let dns = server("esp._domainkey IN CNAME k1.dkim.esp.example.net.")
        .zone("esp.example.net.", &format!("k1.dkim IN TXT {target}"))
        .start();
    sign(&dir, "signed.eml", &[("esp", "keys/ed25519.pem")]);
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout("pass d=example.com s=esp a=ed25519-sha256\n")
        .assert_exit(0);
    assert!(asked_txt(&dns, "esp._domainkey.example.com."));
    assert!(asked_txt(&dns, "k1.dkim.esp.example.net."));
}

#[test]
fn no_txt_data_and_broken_cnames() {
    let dir = TestDir::new();
    let dns = server(
        "nodata._domainkey IN A 192.0.2.1\n\
         dangling._domainkey IN CNAME gone.example.com.\n\
         viabroken._domainkey IN CNAME k1.broken.example.com.",
    )
    .servfail_under("broken.example.com.")
    .start();
    sign(
        &dir,
        "signed.eml",
        &[
            ("nodata", "keys/rsa2048.pem"),
            ("dangling", "keys/rsa2048.pem"),
            ("viabroken", "keys/rsa2048.pem"),
        ],
    );
    // The name exists without TXT (NODATA), the CNAME target does not exist
    // (NXDOMAIN), the CNAME target fails (SERVFAIL): the error reported is
    // the target's, under the selector's name.
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "permerror d=example.com s=nodata a=rsa-sha256 [record-missing] \
             no DKIM key record at nodata._domainkey.example.com\n\
             permerror d=example.com s=dangling a=rsa-sha256 [record-missing] \
             no DKIM key record at dangling._domainkey.example.com\n\
             temperror d=example.com s=viabroken a=rsa-sha256 [dns-temporary] \
             DNS server failure (SERVFAIL) for viabroken._domainkey.example.com\n",
        )
        .assert_exit(1);
}

#[test]
fn txt_split_into_255_byte_strings_passes() {
    let dir = TestDir::new();
    let record = fixture_record("rsa2048");
    // Two strings (255 + rest), and with a long n= note four (255 x 3 +
    // rest), which also makes the answer longer than 512 bytes.
    let noted = record.replacen("k=rsa; ", &format!("k=rsa; n={}; ", "x".repeat(500)), 1);
    assert!(noted.len() > 3 * 255 && noted.len() < 4 * 255);
    let dns = server(&format!(
        "split2._domainkey IN TXT {}\n\
         split4._domainkey IN TXT {}",
        txt_strings(&record, 255),
        txt_strings(&noted, 255),
    ))
    .start();
    sign(
        &dir,
        "signed.eml",
        &[
            ("split2", "keys/rsa2048.pem"),
            ("split4", "keys/rsa2048.pem"),
        ],
    );
    verify(&dir, &dns, &[], &["signed.eml"])
        .assert_stdout(
            "pass d=example.com s=split2 a=rsa-sha256\n\
             pass d=example.com s=split4 a=rsa-sha256\n",
        )
        .assert_exit(0);
}

#[test]
fn json_document() {
    let dir = TestDir::new();
    let dns = server("").start();
    sign(
        &dir,
        "good.eml",
        &[
            ("rsa2048", "keys/rsa2048.pem"),
            ("ed25519", "keys/ed25519.pem"),
        ],
    );
    sign(
        &dir,
        "mixed.eml",
        &[
            ("rsa2048", "keys/rsa2048.pem"),
            ("nokey", "keys/rsa2048.pem"),
            ("revoked", "keys/rsa2048.pem"),
        ],
    );
    let run = verify(&dir, &dns, &["--json"], &["good.eml", "mixed.eml"]);
    run.assert_exit(1).assert_stderr("");
    let doc = run.json();
    let messages = doc["messages"].as_array().expect("messages is an array");
    assert_eq!(messages.len(), 2, "{doc:#}");

    let good = &messages[0];
    assert_eq!(good["file"], "good.eml");
    assert_eq!(good["result"], "pass");
    let sigs = good["signatures"].as_array().expect("signatures array");
    assert_eq!(sigs.len(), 2);
    for (i, (selector, algorithm)) in [("rsa2048", "rsa-sha256"), ("ed25519", "ed25519-sha256")]
        .into_iter()
        .enumerate()
    {
        let sig = &sigs[i];
        assert_eq!(sig["field_index"], i, "{sig:#}");
        assert_eq!(sig["domain"], "example.com");
        assert_eq!(sig["selector"], selector);
        assert_eq!(sig["algorithm"], algorithm);
        assert_eq!(sig["result"], "pass");
        assert!(sig["reason"].is_null(), "{sig:#}");
        assert_eq!(sig["warnings"], serde_json::json!([]));
    }

    let mixed = &messages[1];
    assert_eq!(mixed["file"], "mixed.eml");
    assert_eq!(mixed["result"], "fail");
    let sigs = mixed["signatures"].as_array().expect("signatures array");
    let results: Vec<_> = sigs.iter().map(|s| s["result"].as_str()).collect();
    assert_eq!(
        results,
        [Some("pass"), Some("permerror"), Some("permerror")],
        "{mixed:#}"
    );
    assert_eq!(
        sigs[1]["reason"],
        serde_json::json!({"code": "record-missing", "message": "no DKIM key record at nokey._domainkey.example.com"})
    );
    assert_eq!(
        sigs[2]["reason"],
        serde_json::json!({"code": "key-revoked", "message": "the key was revoked (empty p=)"})
    );
}

/// DNS trouble in JSON: temperror with the DNS reason, exit 3, nothing on
/// stderr.
#[test]
fn json_document_with_dns_temperrors() {
    let dir = TestDir::new();
    let dns = server("")
        .servfail_under("broken._domainkey.example.com.")
        .drop_under("slow._domainkey.example.com.")
        .start();
    sign(
        &dir,
        "signed.eml",
        &[
            ("rsa2048", "keys/rsa2048.pem"),
            ("broken", "keys/rsa2048.pem"),
            ("slow", "keys/rsa2048.pem"),
        ],
    );
    let run = verify(
        &dir,
        &dns,
        &["--json", "--timeout", "1", "--retries", "0"],
        &["signed.eml"],
    );
    run.assert_exit(3).assert_stderr("");
    let doc = run.json();
    let message = &doc["messages"][0];
    assert_eq!(message["result"], "temperror", "{doc:#}");
    let sigs = message["signatures"].as_array().expect("signatures array");
    let results: Vec<_> = sigs.iter().map(|s| s["result"].as_str()).collect();
    assert_eq!(
        results,
        [Some("pass"), Some("temperror"), Some("temperror")],
        "{doc:#}"
    );
    assert_eq!(
        sigs[1]["reason"],
        serde_json::json!({"code": "dns-temporary", "message": "DNS server failure (SERVFAIL) for broken._domainkey.example.com"})
    );
    assert_eq!(
        sigs[2]["reason"],
        serde_json::json!({"code": "dns-temporary", "message": "DNS query for slow._domainkey.example.com timed out"})
    );
}
