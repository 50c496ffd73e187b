//! Conformance: every case of the shared corpus (`DKIMCTL_CORPUS`), compared
//! by result class as its USING.md defines, with the legacy allowances
//! (rsa-sha1, short keys) on, and again without them, where every signature
//! relying on one must be a permerror.

use dkimctl::dkim::key_source::{KeySource, LookupError, ZoneKeySource};
use dkimctl::dkim::verify::{ResultClass, Verdict, Verifier, VerifyOptions, Warning};
use std::path::{Path, PathBuf};

/// Zone data plus the corpus's `;@ TIMEOUT` / `;@ SERVFAIL` directives.
struct CorpusDns {
    zone: ZoneKeySource,
    failures: Vec<(String, LookupError)>,
}

impl CorpusDns {
    fn load(path: &Path) -> CorpusDns {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut failures = Vec::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some(";@") {
                continue;
            }
            let (kind, name) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            match kind {
                "TIMEOUT" => failures.push((name.clone(), LookupError::Timeout(name))),
                "SERVFAIL" => failures.push((name.clone(), LookupError::ServFail(name))),
                _ => {}
            }
        }
        let zone =
            ZoneKeySource::parse(&text, None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        CorpusDns { zone, failures }
    }
}

impl KeySource for CorpusDns {
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match self.failures.iter().find(|(n, _)| *n == name) {
            Some((_, error)) => Err(error.clone()),
            None => self.zone.txt(&name),
        }
    }
}

struct Case {
    name: String,
    message: Vec<u8>,
    dns: CorpusDns,
    expected: Vec<String>,
    now: u64,
    disputed: bool,
}

fn load_case(dir: &Path) -> Case {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    let expected = read("expect-strict.txt")
        .or_else(|| read("expect.txt"))
        .unwrap_or_else(|| panic!("{}: no expect.txt", dir.display()));
    let now = read("verify-time.txt")
        .map(|t| t.trim().parse().expect("verify-time.txt holds a Unix time"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("the clock is after 1970")
                .as_secs()
        });
    Case {
        name: dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        message: std::fs::read(dir.join("message.eml")).expect("message.eml"),
        dns: CorpusDns::load(&dir.join("dns.txt")),
        expected: expected
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        now,
        disputed: read("notes.txt").is_some_and(|n| n.contains("class-disputed")),
    }
}

fn class_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

fn verify(case: &Case, legacy: bool) -> Vec<Verdict> {
    let options = VerifyOptions {
        allow_sha1: legacy,
        allow_short_keys: legacy,
        now: case.now,
    };
    Verifier::new(&case.dns, options)
        .verify_message(&case.message)
        .unwrap_or_else(|e| panic!("{}: message does not parse: {e}", case.name))
}

fn acceptable(expected: &str, got: ResultClass, disputed: bool) -> bool {
    let expected = class_of(expected);
    got.as_str() == expected
        || (disputed
            && matches!(expected, "fail" | "permerror")
            && matches!(got, ResultClass::Fail | ResultClass::Permerror))
}

fn describe(v: &Verdict) -> String {
    format!(
        "{} {}",
        v.result.as_str(),
        v.reason.as_ref().map(|r| r.code().as_str()).unwrap_or("")
    )
}

/// The case folders of the corpus, in order.
fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("message.eml").exists())
        .collect();
    dirs.sort();
    dirs
}

fn corpus_dir() -> Option<PathBuf> {
    match std::env::var_os("DKIMCTL_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                !crate::util::required(),
                "DKIMCTL_CORPUS is not set, and DKIMCTL_REQUIRE_PEERS=1 forbids skipping"
            );
            eprintln!("notice: DKIMCTL_CORPUS is not set; the conformance corpus test is skipped");
            None
        }
    }
}

#[test]
fn corpus_agrees_with_and_without_legacy_allowances() {
    let Some(root) = corpus_dir() else { return };
    let dirs = case_dirs(&root);
    let mut failures = Vec::new();
    let (mut signatures, mut strict_permerrors) = (0, 0);
    for dir in &dirs {
        let case = load_case(dir);
        let legacy = verify(&case, true);
        let strict = verify(&case, false);
        if legacy.len() != case.expected.len() {
            failures.push(format!(
                "{}: {} signatures found, {} expected",
                case.name,
                legacy.len(),
                case.expected.len()
            ));
            continue;
        }
        for (i, ((expected, with), without)) in
            case.expected.iter().zip(&legacy).zip(&strict).enumerate()
        {
            signatures += 1;
            if !acceptable(expected, with.result, case.disputed) {
                failures.push(format!(
                    "{} #{}: legacy: expected {expected}, got {}",
                    case.name,
                    i + 1,
                    describe(with)
                ));
            }
            let needs_allowance = with.algorithm
                == Some(dkimctl::dkim::signature::Algorithm::RsaSha1)
                || with
                    .warnings
                    .iter()
                    .any(|w| matches!(w, Warning::ShortKeyAllowed { .. }));
            if needs_allowance {
                strict_permerrors += 1;
                if without.result != ResultClass::Permerror {
                    failures.push(format!(
                        "{} #{}: strict: expected permerror, got {}",
                        case.name,
                        i + 1,
                        describe(without)
                    ));
                }
            } else if !acceptable(expected, without.result, case.disputed) {
                failures.push(format!(
                    "{} #{}: strict: expected {expected}, got {}",
                    case.name,
                    i + 1,
                    describe(without)
                ));
            }
        }
    }
    eprintln!(
        "corpus: {} cases, {signatures} signatures, {strict_permerrors} refused without the legacy allowances, {} disagreements",
        dirs.len(),
        failures.len()
    );
    assert!(
        dirs.len() >= 140,
        "only {} cases found under {}",
        dirs.len(),
        root.display()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `inspect` over every case: the same verdicts as `verify`, through the
/// library with the corpus DNS, and through the binary (`--json`, keys
/// from dns.txt) without an error exit other than 1.
#[test]
fn inspect_agrees_with_verify_on_the_corpus() {
    let Some(root) = corpus_dir() else { return };
    let dirs = case_dirs(&root);
    let scratch = crate::util::TestDir::new();
    let mut failures = Vec::new();
    for dir in &dirs {
        let case = load_case(dir);
        let verdicts = verify(&case, false);
        let options = VerifyOptions::strict(case.now);
        let report = dkimctl::diagnosis::inspect::inspect(&case.message, &case.dns, options)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let inspected: Vec<_> = report
            .signatures
            .iter()
            .map(|s| s.verdict.clone())
            .collect();
        if inspected != verdicts {
            failures.push(format!("{}: inspect and verify disagree", case.name));
        }
        let message = dir.join("message.eml");
        let zone = dir.join("dns.txt");
        let now = case.now.to_string();
        let run = scratch
            .cmd(&[
                "inspect",
                message.to_str().unwrap(),
                "--zone",
                zone.to_str().unwrap(),
                "--json",
                "--now",
                &now,
            ])
            .run();
        if !matches!(run.code(), 0 | 1) {
            failures.push(format!(
                "{}: inspect exited {}: {}",
                case.name,
                run.code(),
                run.stderr()
            ));
        } else if let Err(e) = serde_json::from_str::<serde_json::Value>(&run.stdout()) {
            failures.push(format!("{}: inspect --json is not JSON: {e}", case.name));
        }
    }
    eprintln!(
        "inspect over the corpus: {} cases, {} disagreements",
        dirs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
