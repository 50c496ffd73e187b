//! Every pass over input is linear: a hostile file four times the size
//! takes about four times as long, not sixteen. Each check times the built
//! binary on two sizes (the best of three runs each, so a busy machine
//! does not decide) and bounds the ratio, not the time.

use crate::util::{TestDir, serial};
use std::time::{Duration, Instant};

/// The best of three runs of `dkimctl args` in `dir`, which must exit `code`.
fn best_of_three(dir: &TestDir, args: &[&str], code: i32) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            dir.cmd(args).run().assert_exit(code);
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// Times `make(n)` and `make(4 * n)` through `args` (the input is written
/// to `file`) and fails when the larger takes more than 8 times as long
/// (linear work gives about 4, quadratic 16).
fn assert_linear(file: &str, args: &[&str], code: i32, n: usize, make: impl Fn(usize) -> String) {
    let _quiet = serial();
    let dir = TestDir::new();
    let mut times = Vec::new();
    for size in [n, 4 * n] {
        dir.write(file, make(size));
        times.push(best_of_three(&dir, args, code));
    }
    // Process start-up is a floor both sizes share; it only lowers the ratio.
    let ratio = times[1].as_secs_f64() / times[0].as_secs_f64();
    assert!(
        ratio < 8.0,
        "{args:?}: {n} took {:?}, {} took {:?} (ratio {ratio:.1})",
        times[0],
        4 * n,
        times[1]
    );
}

const ZONE_HEAD: &str = "$ORIGIN example.com.\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n  IN NS ns1\nns1 IN A 192.0.2.1\n";

#[test]
fn many_strings_on_one_line_are_lexed_in_one_pass() {
    assert_linear(
        "example.com.zone",
        &["lint", "example.com.zone"],
        0,
        25_000,
        |n| format!("{ZONE_HEAD}note IN TXT {}\n", vec!["\"ab\""; n].join(" ")),
    );
}

#[test]
fn a_long_expect_file_is_read_in_one_pass() {
    let _quiet = serial();
    let dir = TestDir::new();
    dir.write("example.com.zone", ZONE_HEAD);
    let mut times = Vec::new();
    for rows in [5_000, 20_000] {
        let mut csv = String::from("Type,Name,Value\n");
        for i in 0..rows {
            csv.push_str(&format!(
                "TXT,s{i}._domainkey.example.com,\"v=DKIM1; p=\"\n"
            ));
        }
        dir.write("expect.csv", csv);
        times.push(best_of_three(
            &dir,
            &["lint", "example.com.zone", "--expect", "expect.csv"],
            1,
        ));
    }
    let ratio = times[1].as_secs_f64() / times[0].as_secs_f64();
    assert!(ratio < 8.0, "--expect: {times:?} (ratio {ratio:.1})");
}
