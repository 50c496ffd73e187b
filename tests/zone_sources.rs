//! One zone file, one meaning: for every zone fixture under fixtures/
//! (master files and Route 53 JSON), the records `lint` reads
//! (`dkimctl::zone::parse_each`) are the records the zone-data DNS source
//! (`dkimctl::dns::ZoneDns`, behind `verify --zone` and `diagnose --zone`)
//! answers: the same names, types and data (TXT strings kept apart), and
//! a file one refuses the other refuses with the same error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dkimctl::dns::{self, Dns, RecordType, ZoneDns};
use dkimctl::zone::{self, Class, ZoneOptions};

/// The types the DNS seam asks for.
const TYPES: [RecordType; 6] = RecordType::ALL;

/// Every zone file under fixtures/: `*.zone`, `db.*` and Route 53 `*.json`
/// (files that `$INCLUDE` brings in are read through their includer).
fn zone_fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let json = name.ends_with(".json")
                && zone::route53::is_route53_json(&std::fs::read(&path).unwrap());
            if name.ends_with(".zone") || name.starts_with("db.") || json {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out.sort();
    out
}

/// A name as the seam writes it: lowercase, no trailing dot.
fn seam_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The records lint reads from `path`, class IN and of the seam's types,
/// by owner and type, each record once (DNS serves a duplicate once).
type Records = BTreeMap<(String, String), BTreeSet<dns::RData>>;

fn lint_reads(path: &Path) -> Result<Records, String> {
    let bytes = zone::read_file(path).map_err(|e| e.to_string())?;
    let mut records = Records::new();
    let mut owners = BTreeSet::new();
    zone::parse_each(&bytes, path, &ZoneOptions::default(), &mut |_, record| {
        owners.insert(seam_name(&record.owner.resolved));
        if record.class != Class::In {
            return;
        }
        let (record_type, data) = match &record.rdata {
            zone::RData::A { address } => (RecordType::A, dns::RData::A(*address)),
            zone::RData::Aaaa { address } => (RecordType::Aaaa, dns::RData::Aaaa(*address)),
            zone::RData::Cname { target } => (
                RecordType::Cname,
                dns::RData::Cname(seam_name(&target.resolved)),
            ),
            zone::RData::Ns { target } => {
                (RecordType::Ns, dns::RData::Ns(seam_name(&target.resolved)))
            }
            zone::RData::Soa(soa) => (RecordType::Soa, dns::RData::Soa { serial: soa.serial }),
            zone::RData::Txt { strings } => (
                RecordType::Txt,
                dns::RData::Txt(strings.iter().map(|s| s.bytes.clone()).collect()),
            ),
            _ => return,
        };
        records
            .entry((seam_name(&record.owner.resolved), record_type.to_string()))
            .or_default()
            .insert(data);
    })
    .map_err(|e| e.to_string())?;
    // Every owner is asked every type, so "nothing of this type here" is
    // compared too.
    for owner in owners {
        for record_type in TYPES {
            records
                .entry((owner.clone(), record_type.to_string()))
                .or_default();
        }
    }
    Ok(records)
}

/// What the zone-data DNS source answers for the same names and types:
/// the records owned by the name itself (a CNAME followed is the target's).
fn dns_answers(path: &Path, questions: &Records) -> Result<Records, String> {
    let source = ZoneDns::read(path).map_err(|e| e.to_string())?;
    let mut answers = Records::new();
    for (name, type_name) in questions.keys() {
        let record_type = *TYPES.iter().find(|t| t.to_string() == *type_name).unwrap();
        let data = match dns::block_on(source.query(name, record_type)) {
            Ok(answer) => answer.at(name, record_type).cloned().collect(),
            Err(failure) => {
                assert!(failure.is_negative(), "{name} {type_name}: {failure}");
                BTreeSet::new()
            }
        };
        answers.insert((name.clone(), type_name.clone()), data);
    }
    Ok(answers)
}

#[test]
fn lint_and_the_zone_dns_source_read_every_fixture_alike() {
    let fixtures = zone_fixtures();
    assert!(fixtures.len() >= 40, "{fixtures:?}");
    let (mut read, mut refused, mut json) = (0, 0, 0);
    for path in &fixtures {
        let shown = path.display();
        match lint_reads(path) {
            Ok(records) => {
                let answers = dns_answers(path, &records)
                    .unwrap_or_else(|e| panic!("{shown}: lint reads it, ZoneDns: {e}"));
                for (key, want) in &records {
                    assert_eq!(answers.get(key), Some(want), "{shown}: {key:?}");
                }
                assert!(records.values().any(|r| !r.is_empty()), "{shown}");
                read += 1;
                json += usize::from(path.extension().is_some_and(|e| e == "json"));
            }
            Err(lint_error) => {
                let dns_error = ZoneDns::read(path).err().map(|e| e.to_string());
                assert_eq!(dns_error.as_ref(), Some(&lint_error), "{shown}");
                refused += 1;
            }
        }
    }
    // Both kinds of file, and both verdicts, were compared.
    assert!(
        read >= 30 && json >= 4 && refused >= 3,
        "{read} {json} {refused}"
    );
}
