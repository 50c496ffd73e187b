//! The integration tests: one binary, one module per area.

// Shared harness: temp dirs, running the built binary, line diffs.
mod util;

// Every case of the shared DKIM conformance corpus, with and without the
// legacy allowances.
mod corpus;

// `dkimctl sign`: output bytes, destinations, batches.
mod sign;

// Test DNS server: in-process, authoritative, on 127.0.0.1 (UDP + TCP), with
// SERVFAIL and never-answering names; shared by the live-DNS tests.
mod dns_server;

// `verify` against the test DNS server: pass, no key, revoked, SERVFAIL,
// timeout, CNAME, split TXT strings, JSON.
mod verify_dns;

// `dkimctl verify` offline: reasons, notes, JSON, exit codes.
mod verify;

// `--zone` through the project's zone reader: underscores in labels, relative
// $INCLUDE, origin from the file name, Route 53 JSON, lint's error lines.
mod verify_zone;

// Issue 10's verdict fixes on byte-exact fixtures: b= whitespace, a last
// line without a line break, several key records, broken header lines.
mod rfc_fixes;

// Garbage, wrong keys, bad flags, huge input: exit 2 and nothing written.
mod bad_input;

// `dkimctl inspect`: explanations, alignment, providers, A-R, JSON.
mod inspect;

// `dkimctl keygen`: every key type signs and verifies, 0600, --force, encodings.
mod keygen;

// `dkimctl records`: every format byte for byte, CSV/JSON/Route 53 read back,
// zone lines through named-checkzone, generated tokens, bad input.
mod records;

// `dkimctl key check`: openssl's keys recognised, a finding per broken key,
// the SES upload form, selectors, --against a key/record/DNS, JSON.
mod key_check;

// One key decoder: key check, records --key and sign -k agree on odd key
// files (armour, CRLF, two blocks, every structure, encrypted, truncated).
mod key_files;

// One records-CSV reader: lint --expect and diagnose --records take the same
// files and refuse the same bad ones with the same error line.
mod records_csv;

// `dkimctl diagnose` against the test DNS server: each mistake of
// fixtures/diagnose/*.zone, SERVFAIL, timeouts, exit codes.
mod diagnose;

// `dkimctl diagnose --zone`: the same checks offline through the zone side of
// the DNS seam, compared with the server; SERVFAIL and timeouts injected.
mod diagnose_offline;

// What a DNS form did to a pasted key record, named alike by verify, lint
// and diagnose (issue 16).
mod damage;

// The zone-file reader on fixtures/zone/: positions, errors, named-checkzone.
mod zone;

// `dkimctl lint` on fixtures/lint/: clean zones silent, annotated mistakes
// exact, --expect, every output format, bad input, named-checkzone.
mod lint;

// `dkimctl lint` on Route 53 JSON: positions in the document, --expect.
mod lint_route53;

// `--ses-identity`: the AWS CLI's SES output as input to records and
// diagnose, each shape and status, regions and address identities.
mod ses;

// One vocabulary: catalogue words only, verify and inspect agree per failure.
mod vocabulary;

// Every zone fixture: the records lint reads are the records the zone-data
// DNS source answers (verify --zone, diagnose --zone).
mod zone_sources;

// The architecture on the source: no printing below the CLI, layers import
// downwards.
mod layout;

// Linear passes over hostile input: ratios of two sizes, not times.
mod linear;

// Output paths: devices, FIFOs, symlinks, hard links, owners, full disks
// and signals never break what is at the path or leave temporary files.
mod output_paths;

// `-` reads standard input wherever a file is read, once per run.
mod stdin;

// One command line: -d/-s, -o/--output and --json alike everywhere, a
// trailing dot on domains, folders for verify and inspect, --out-dir made.
mod command_line;

// The whole argument surface: random vectors from every command's -h with
// hostile values, a fresh printed seed (DKIMCTL_CLI_SEED, DKIMCTL_CLI_CASES):
// no panic, exits 0-3, an `error:` line for every 2, nothing written outside.
mod cli_surface;

// The public ARC test suite: every validation and sealing scenario.
mod arc_suite;

// `arc verify` and `arc seal`: a chain through a list, changes after the
// last seal, broken chains, what sealing writes.
mod arc;
