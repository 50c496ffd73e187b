//! `dkimctl lint` on Route 53 record sets (fixtures/route53/): the same
//! checks as on master files, positions in the JSON file, --expect; and
//! the README's lint example.

use crate::util::{TestDir, fx};

/// (line, column, code) of each finding in a `--format json` run.
fn findings(stdout: &str) -> Vec<(u64, u64, String)> {
    let doc: serde_json::Value = serde_json::from_str(stdout).expect("lint --format json is JSON");
    doc["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn clean_documents_are_silent_and_say_where_the_origin_came_from() {
    let dir = TestDir::new();
    let list = fx("route53/example.com.list.json");
    let batch = fx("route53/example.com.batch.json");
    let run = dir.cmd(&["lint", &list, &batch]).run();
    run.assert_exit(0).assert_stdout(&format!(
        "{list} (origin example.com. from the SOA record set, 15 records): no findings\n\n\
         {batch} (origin example.com. from the file name, 2 records): no findings\n\n\
         0 errors, 0 warnings in 2 files (17 records)\n"
    ));
}

#[test]
fn mistakes_are_found_at_their_json_positions() {
    let dir = TestDir::new();
    let file = fx("route53/mistakes.example.com.json");
    let run = dir.cmd(&["lint", "--format", "json", &file]).run();
    run.assert_exit(1);
    let expected: Vec<(u64, u64, String)> = [
        // A console that appended the zone to a full CNAME target.
        (39, 30, "duplicated-suffix"),
        // An Easy DKIM token whose target carries another token.
        (49, 30, "cname-target-mismatch"),
        // A record set name with the zone twice.
        (54, 21, "duplicated-suffix"),
        // t=y, and a first string grown past 255 bytes by adding it.
        (69, 30, "key-testing"),
        (69, 30, "txt-string-too-long"),
    ]
    .iter()
    .map(|(l, c, code)| (*l, *c, code.to_string()))
    .collect();
    assert_eq!(findings(&run.stdout()), expected);
}

#[test]
fn expect_checks_a_route53_document_and_reports_one_finding_per_mistake() {
    let dir = TestDir::new();
    let file = fx("route53/mistakes.example.com.json");
    let csv = fx("records/hosted.csv");
    let run = dir
        .cmd(&["lint", "--format", "json", "--expect", &csv, &file])
        .run();
    run.assert_exit(1);
    let doc = run.json();
    let got: Vec<(String, u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("");
            let short = file.rsplit('/').next().unwrap_or(file).to_string();
            (
                short,
                f["line"].as_u64().unwrap_or(0),
                f["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want = |f: &str, l: u64, c: &str| (f.to_string(), l, c.to_string());
    assert_eq!(
        got,
        [
            // The third token's CNAME is absent: reported at its CSV row
            // (the file has CRLF line ends).
            want("hosted.csv", 4, "record-missing"),
            // The appended zone and --expect's mismatch are one finding.
            want("mistakes.example.com.json", 39, "duplicated-suffix"),
            want("mistakes.example.com.json", 49, "cname-target-mismatch"),
            want("mistakes.example.com.json", 54, "duplicated-suffix"),
            want("mistakes.example.com.json", 69, "key-testing"),
            want("mistakes.example.com.json", 69, "txt-string-too-long"),
            // Another token in _amazonses.
            want("mistakes.example.com.json", 79, "verification-missing"),
        ]
    );
    assert_eq!(doc["summary"]["errors"], 6);
    assert_eq!(doc["files"][0]["origin_source"], "soa");
}

#[test]
fn malformed_json_is_an_error_with_its_position() {
    let dir = TestDir::new();
    let path = dir.write(
        "broken.json",
        "{\"ResourceRecordSets\": [\n  {\"Name\": \"a.example.com.\", \"Type\": \"A\",, }\n]}\n",
    );
    let run = dir.cmd(&["lint", path.to_str().unwrap()]).run();
    run.assert_exit(2).assert_stdout("");
    let err = run.stderr();
    assert!(
        err.starts_with(&format!("error: {}:2:", path.display())) && err.lines().count() == 1,
        "{err}"
    );
}

/// The `lint` run shown in README.md is what the binary prints today.
#[test]
fn readme_lint_example_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md is readable");
    let command = "$ dkimctl lint fixtures/zone/mistakes.example.zone\n";
    let start = readme.find(command).expect("README shows a lint run") + command.len();
    let end = start
        + readme[start..]
            .find("$ echo $?")
            .expect("the run ends with echo $?");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dkimctl"))
        .args(["lint", "fixtures/zone/mistakes.example.zone"])
        .current_dir(root)
        .env_clear()
        .env("NO_COLOR", "1")
        .output()
        .expect("dkimctl runs");
    assert_eq!(output.status.code(), Some(1));
    crate::util::assert_text(
        &String::from_utf8_lossy(&output.stdout),
        &readme[start..end],
    );
}
