//! Zone data behind the seam: master files and Route 53 JSON read by
//! [`crate::zone`] (the reader `lint` uses, so a file means the same to
//! every command), answered the way a resolver answers from them.
//!
//! - A CNAME is the answer to a CNAME query and is followed for any other
//!   type, the chain kept in the answer, as far as [`CnameChain`] allows:
//!   a chain that loops or has more than [`MAX_CNAME_HOPS`](super::MAX_CNAME_HOPS) CNAMEs ends in
//!   its CNAMEs alone, each once.
//! - A name that owns records of other types, or has names below it (an
//!   empty non-terminal), is NODATA; any other name is NXDOMAIN. Negative
//!   answers name the zone they come from (the closest enclosing SOA owner
//!   or file origin).
//! - A record written twice is served once; only class IN is served.
//! - Several files: zones with different origins are served side by side.
//!   A file whose zone an earlier file already holds is another copy of it
//!   (a secondary's transfer, another provider's export): the first copy
//!   answers, and every copy is one of the zone's
//!   [`name_servers`](Dns::name_servers), to be compared.
//! - Tests make a name fail with [`ZoneDns::fail`] (or the conformance
//!   corpus's `;@ SERVFAIL name.` comment lines, with
//!   [`ZoneDns::fail_as_commented`]).

use super::normalize;
use super::{
    Answer, CnameChain, Dns, DnsFailure, NameServer, Query, RData, Record, RecordType, Servers,
};
use crate::zone::{self, Class, ZoneError, ZoneOptions, ZoneRecord};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// The file name in-memory zone text has in error positions.
const TEXT_NAME: &str = "<zone text>";

/// Zone data answering DNS questions; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct ZoneDns {
    /// The files that answer (the first copy of each zone).
    files: Vec<Arc<ZoneFile>>,
    /// Records added by hand ([`ZoneDns::insert`]).
    added: ZoneFile,
    /// Every file read, as a server holding its zone.
    copies: Vec<Arc<ZoneFile>>,
    /// Names made to fail: the name, the type (every type when `None`), and
    /// the failure.
    failures: Vec<(String, Option<RecordType>, DnsFailure)>,
}

/// The records of one file.
#[derive(Debug, Clone, Default)]
struct ZoneFile {
    /// The records at each name (lowercase, no trailing dot), each once, in
    /// file order; a name with only types the seam does not ask for has an
    /// empty list: it exists.
    names: HashMap<String, Vec<RData>>,
    /// Names that exist because names below them do.
    above: HashSet<String>,
    /// The zone's apex: the owner of its SOA record, else its origin.
    apex: Option<String>,
    /// The file's name, as a server's host name.
    host: String,
    /// The file's path, as a server's address.
    address: String,
}

impl ZoneFile {
    fn new(file: &Path) -> ZoneFile {
        ZoneFile {
            host: file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            address: file.display().to_string(),
            ..ZoneFile::default()
        }
    }

    /// Keeps a record a class IN question can see.
    fn add(&mut self, record: &ZoneRecord) {
        use crate::zone::RData as Z;
        if record.class != Class::In {
            return;
        }
        let owner = normalize(&record.owner.resolved);
        let data = match &record.rdata {
            Z::A { address } => Some(RData::A(*address)),
            Z::Aaaa { address } => Some(RData::Aaaa(*address)),
            Z::Cname { target } => Some(RData::Cname(normalize(&target.resolved))),
            Z::Ns { target } => Some(RData::Ns(normalize(&target.resolved))),
            Z::Soa(soa) => {
                self.apex.get_or_insert_with(|| owner.clone());
                Some(RData::Soa { serial: soa.serial })
            }
            Z::Txt { strings } => Some(RData::Txt(
                strings.iter().map(|s| s.bytes.clone()).collect(),
            )),
            _ => None,
        };
        self.insert(owner, data);
    }

    fn insert(&mut self, owner: String, data: Option<RData>) {
        let mut parent = owner.as_str();
        while let Some((_, rest)) = parent.split_once('.') {
            if !self.above.insert(rest.to_string()) {
                break;
            }
            parent = rest;
        }
        let records = self.names.entry(owner).or_default();
        if let Some(data) = data
            && !records.contains(&data)
        {
            records.push(data);
        }
    }
}

impl ZoneDns {
    /// Reads a zone file as `lint` does: Route 53 JSON or a master file with
    /// its `$INCLUDE`s (relative to the including file), the origin from a
    /// `$ORIGIN` before the first record, the file name (`example.com.zone`)
    /// or the Route 53 SOA record set.
    pub fn read(path: &Path) -> Result<ZoneDns, ZoneError> {
        let bytes = zone::read_file(path)?;
        ZoneDns::from_bytes(&bytes, path, &ZoneOptions::default())
    }

    /// Reads several zone files (see the module documentation for how they
    /// combine), stopping at the first that cannot be read.
    pub fn read_all<P: AsRef<Path>>(paths: &[P]) -> Result<ZoneDns, ZoneError> {
        let mut dns = ZoneDns::default();
        for path in paths {
            dns.merge(ZoneDns::read(path.as_ref())?);
        }
        Ok(dns)
    }

    /// Parses zone text held in memory (master file or Route 53 JSON,
    /// `$INCLUDE` refused); relative names are under `origin`, else under a
    /// `$ORIGIN`.
    pub fn parse(text: &str, origin: Option<&str>) -> Result<ZoneDns, ZoneError> {
        let options = ZoneOptions {
            origin: origin.map(str::to_string),
            max_include_depth: 0,
        };
        ZoneDns::from_bytes(text.as_bytes(), Path::new(TEXT_NAME), &options)
    }

    /// The records of a zone already read.
    pub fn from_zone(zone: &zone::Zone) -> ZoneDns {
        let file = zone
            .records
            .first()
            .map_or(Path::new(TEXT_NAME), |r| &*r.span.file);
        let mut data = ZoneFile::new(file);
        for record in &zone.records {
            data.add(record);
        }
        ZoneDns::single(data, zone.origin.as_deref())
    }

    /// Reads record by record.
    fn from_bytes(bytes: &[u8], file: &Path, options: &ZoneOptions) -> Result<ZoneDns, ZoneError> {
        let mut data = ZoneFile::new(file);
        let (origin, _) =
            zone::parse_each(bytes, file, options, &mut |_, record| data.add(&record))?;
        Ok(ZoneDns::single(data, origin.as_deref()))
    }

    /// One file's records, its apex the SOA owner, else `origin`.
    fn single(mut data: ZoneFile, origin: Option<&str>) -> ZoneDns {
        if data.apex.is_none() {
            data.apex = origin.map(normalize).filter(|o| !o.is_empty());
        }
        let data = Arc::new(data);
        ZoneDns {
            files: vec![data.clone()],
            copies: if data.apex.is_some() {
                vec![data]
            } else {
                Vec::new()
            },
            ..ZoneDns::default()
        }
    }

    /// Adds `other`'s files: a zone already held becomes one more copy of it.
    fn merge(&mut self, other: ZoneDns) {
        for file in other.files {
            let held = file.apex.is_some() && self.copies.iter().any(|copy| copy.apex == file.apex);
            if !held {
                self.files.push(file);
            }
        }
        self.copies.extend(other.copies);
        self.failures.extend(other.failures);
    }

    /// Adds one TXT record by hand.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) {
        self.added.insert(
            normalize(name),
            Some(RData::Txt(vec![text.into().into_bytes()])),
        );
    }

    /// Makes questions for `name` (of `record_type`, or of every type) fail
    /// with `failure`, also when a CNAME chain reaches it.
    pub fn fail(&mut self, name: &str, record_type: Option<RecordType>, failure: DnsFailure) {
        self.failures.push((normalize(name), record_type, failure));
    }

    /// Makes names fail as comment lines of zone text say, in the
    /// conformance corpus's convention: `;@ SERVFAIL name.`, `;@ TIMEOUT
    /// name.` or `;@ REFUSED name.`, optionally followed by a record type
    /// (`TXT`, `CNAME`, ...) for that type alone. Other lines are ignored.
    pub fn fail_as_commented(&mut self, text: &str) {
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some(";@") {
                continue;
            }
            let failure = match words.next() {
                Some(word) if word.eq_ignore_ascii_case("SERVFAIL") => DnsFailure::ServFail,
                Some(word) if word.eq_ignore_ascii_case("TIMEOUT") => DnsFailure::Timeout,
                Some(word) if word.eq_ignore_ascii_case("REFUSED") => DnsFailure::Refused,
                _ => continue,
            };
            let Some(name) = words.next() else {
                continue;
            };
            let record_type = words.next().and_then(parse_type);
            self.fail(name, record_type, failure);
        }
    }

    /// The failure made for `name` and `record_type`, if any.
    fn failure(&self, name: &str, record_type: RecordType) -> Option<DnsFailure> {
        self.failures
            .iter()
            .find(|(n, t, _)| n == name && t.is_none_or(|t| t == record_type))
            .map(|(_, _, failure)| failure.clone())
    }

    /// Every file that answers, the hand-added records last.
    fn answering(&self) -> impl Iterator<Item = &ZoneFile> {
        self.files.iter().map(|f| &**f).chain([&self.added])
    }

    /// The records at `name`, from every file that answers.
    fn at<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RData> + 'a {
        self.answering()
            .filter_map(move |file| file.names.get(name))
            .flatten()
    }

    /// Whether `name` exists: it owns records or names below it do.
    fn exists(&self, name: &str) -> bool {
        self.answering()
            .any(|file| file.names.contains_key(name) || file.above.contains(name))
    }

    /// The apex of the closest zone enclosing `name`.
    fn zone_of(&self, name: &str) -> Option<String> {
        let mut candidate = name;
        loop {
            if self
                .answering()
                .any(|file| file.apex.as_deref() == Some(candidate))
            {
                return Some(candidate.to_string());
            }
            candidate = candidate.split_once('.')?.1;
        }
    }

    /// The answer to one question; see the module documentation.
    fn answer(&self, name: &str, record_type: RecordType) -> Result<Answer, DnsFailure> {
        let mut chain = CnameChain::new(name);
        let mut answer = Answer {
            authoritative: true,
            ..Answer::default()
        };
        loop {
            let current = chain.last().to_string();
            if let Some(failure) = self.failure(&current, record_type) {
                return Err(failure);
            }
            let found: Vec<&RData> = self
                .at(&current)
                .filter(|data| data.record_type() == record_type)
                .collect();
            if !found.is_empty() {
                for data in found {
                    if let RData::Ns(host) = data {
                        answer.additional.extend(self.glue(host));
                    }
                    answer.records.push(Record {
                        name: current.clone(),
                        data: data.clone(),
                    });
                }
                return Ok(answer);
            }
            let target = match record_type {
                RecordType::Cname => None,
                _ => self.at(&current).find_map(|data| match data {
                    RData::Cname(target) => Some(target.clone()),
                    _ => None,
                }),
            };
            let Some(target) = target else {
                break;
            };
            answer.records.push(Record {
                name: current,
                data: RData::Cname(target.clone()),
            });
            if chain.follow(&target).is_err() {
                // A loop, or too long a chain: the CNAMEs alone.
                return Ok(answer);
            }
        }
        if !answer.records.is_empty() {
            // A chain that leads nowhere: the CNAMEs alone.
            return Ok(answer);
        }
        let current = chain.last();
        let zone = self.zone_of(current);
        if self.exists(current) {
            Err(DnsFailure::NoData { zone })
        } else {
            Err(DnsFailure::NxDomain { zone })
        }
    }

    /// The addresses of `host`, as glue.
    fn glue(&self, host: &str) -> Vec<Record> {
        self.at(host)
            .filter(|data| matches!(data, RData::A(_) | RData::Aaaa(_)))
            .map(|data| Record {
                name: host.to_string(),
                data: data.clone(),
            })
            .collect()
    }
}

impl Dns for ZoneDns {
    fn query(&self, name: &str, record_type: RecordType) -> Query {
        Box::pin(std::future::ready(self.answer(name, record_type)))
    }

    /// Every file read that holds `zone`, in the order given, each asked
    /// alone.
    fn name_servers(&self, zone: &str) -> Servers {
        let zone = normalize(zone);
        let servers = self
            .copies
            .iter()
            .filter(|copy| copy.apex.as_deref() == Some(zone.as_str()))
            .map(|copy| NameServer {
                host: copy.host.clone(),
                address: copy.address.clone(),
                dns: Arc::new(ZoneDns {
                    files: vec![copy.clone()],
                    failures: self.failures.clone(),
                    ..ZoneDns::default()
                }),
            })
            .collect();
        Box::pin(std::future::ready(servers))
    }
}

fn parse_type(word: &str) -> Option<RecordType> {
    RecordType::ALL
        .into_iter()
        .find(|t| t.to_string().eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::super::block_on;
    use super::*;

    const ZONE: &str = "$ORIGIN example.com.\n\
        @ IN SOA ns1 hostmaster ( 7 3600 600 86400 60 )\n\
        @ IN NS ns1\n\
        ns1 IN A 192.0.2.1\n\
        s1._domainkey IN TXT \"v=DKIM1; \" \"p=AB\"\n\
        s1._domainkey IN TXT \"v=DKIM1; \" \"p=AB\"\n\
        alias._domainkey IN CNAME s1._domainkey\n\
        away._domainkey IN CNAME k1.provider.net.\n\
        loop1 IN CNAME loop2\n\
        loop2 IN CNAME loop1\n\
        deep.a.b IN TXT \"x\"\n\
        mail IN MX 10 mx\n";

    fn ask(dns: &ZoneDns, name: &str, record_type: RecordType) -> Result<Answer, DnsFailure> {
        block_on(dns.query(name, record_type))
    }

    fn data(answer: &Answer) -> Vec<(&str, &RData)> {
        answer
            .records
            .iter()
            .map(|r| (r.name.as_str(), &r.data))
            .collect()
    }

    #[test]
    fn answers_as_a_resolver_answers() {
        let dns = ZoneDns::parse(ZONE, None).unwrap();
        let key = RData::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=AB".to_vec()]);
        let cname = |t: &str| RData::Cname(t.to_string());
        // A record written twice is served once, its strings kept apart.
        let answer = ask(&dns, "S1._domainkey.Example.com.", RecordType::Txt).unwrap();
        assert_eq!(data(&answer), [("s1._domainkey.example.com", &key)]);
        assert!(answer.authoritative);
        // A CNAME answers a CNAME query, and is followed for the others.
        let answer = ask(&dns, "alias._domainkey.example.com", RecordType::Cname).unwrap();
        assert_eq!(
            data(&answer),
            [(
                "alias._domainkey.example.com",
                &cname("s1._domainkey.example.com")
            )]
        );
        let answer = ask(&dns, "alias._domainkey.example.com", RecordType::Txt).unwrap();
        assert_eq!(
            data(&answer),
            [
                (
                    "alias._domainkey.example.com",
                    &cname("s1._domainkey.example.com")
                ),
                ("s1._domainkey.example.com", &key)
            ]
        );
        assert_eq!(
            answer
                .at("alias._domainkey.example.com", RecordType::Txt)
                .count(),
            0
        );
        // A chain to nowhere, or round in circles: the CNAMEs alone.
        let answer = ask(&dns, "away._domainkey.example.com", RecordType::Txt).unwrap();
        assert_eq!(
            data(&answer),
            [("away._domainkey.example.com", &cname("k1.provider.net"))]
        );
        let answer = ask(&dns, "loop1.example.com", RecordType::Txt).unwrap();
        assert_eq!(
            data(&answer),
            [
                ("loop1.example.com", &cname("loop2.example.com")),
                ("loop2.example.com", &cname("loop1.example.com"))
            ]
        );
        // Too long a chain: MAX_CNAME_HOPS CNAMEs followed, one more given.
        let long: String = (0..=super::super::MAX_CNAME_HOPS + 2)
            .map(|i| format!("h{i}.example.com. CNAME h{}.example.com.\n", i + 1))
            .collect();
        let chained = ZoneDns::parse(&long, None).unwrap();
        let answer = ask(&chained, "h0.example.com", RecordType::Txt).unwrap();
        assert_eq!(answer.records.len(), super::super::MAX_CNAME_HOPS + 1);
        assert_eq!(answer.records.last().unwrap().data, cname("h9.example.com"));
        // NS answers carry their glue.
        let answer = ask(&dns, "example.com", RecordType::Ns).unwrap();
        assert_eq!(
            answer.additional,
            [Record {
                name: "ns1.example.com".into(),
                data: RData::A([192, 0, 2, 1].into()),
            }]
        );
    }

    #[test]
    fn nxdomain_and_no_data_told_apart() {
        let dns = ZoneDns::parse(ZONE, None).unwrap();
        let zone = Some("example.com".to_string());
        let nx = DnsFailure::NxDomain { zone: zone.clone() };
        let nodata = DnsFailure::NoData { zone: zone.clone() };
        for (name, record_type, failure) in [
            ("missing._domainkey.example.com", RecordType::Txt, &nx),
            // Other types only (MX is not a type the seam asks for).
            ("mail.example.com", RecordType::Txt, &nodata),
            ("s1._domainkey.example.com", RecordType::Cname, &nodata),
            ("ns1.example.com", RecordType::Aaaa, &nodata),
            // Empty non-terminals.
            ("a.b.example.com", RecordType::Txt, &nodata),
            ("_domainkey.example.com", RecordType::Txt, &nodata),
            ("example.com", RecordType::Txt, &nodata),
            // Outside every zone read.
            (
                "example.net",
                RecordType::Txt,
                &DnsFailure::NxDomain { zone: None },
            ),
        ] {
            assert_eq!(
                ask(&dns, name, record_type).as_ref(),
                Err(failure),
                "{name} {record_type}"
            );
        }
        assert_eq!(
            ask(&dns, "sub.example.com", RecordType::Soa)
                .unwrap_err()
                .zone(),
            Some("example.com")
        );
    }

    #[test]
    fn failures_made_by_hand_and_by_comment() {
        let text = format!(
            "{ZONE};@ SERVFAIL k1.provider.net.\n;@ TIMEOUT s1._domainkey.example.com. TXT\n;@ nonsense\n"
        );
        let mut dns = ZoneDns::parse(&text, None).unwrap();
        dns.fail_as_commented(&text);
        dns.fail("ns1.example.com", None, DnsFailure::Refused);
        for (name, record_type, result) in [
            (
                "k1.provider.net",
                RecordType::Txt,
                Err(DnsFailure::ServFail),
            ),
            // Reached through a CNAME, the target's failure is the answer.
            (
                "away._domainkey.example.com",
                RecordType::Txt,
                Err(DnsFailure::ServFail),
            ),
            ("away._domainkey.example.com", RecordType::Cname, Ok(1)),
            (
                "s1._domainkey.example.com",
                RecordType::Txt,
                Err(DnsFailure::Timeout),
            ),
            (
                "s1._domainkey.example.com",
                RecordType::Cname,
                Err(DnsFailure::NoData {
                    zone: Some("example.com".into()),
                }),
            ),
            (
                "alias._domainkey.example.com",
                RecordType::Txt,
                Err(DnsFailure::Timeout),
            ),
            ("ns1.example.com", RecordType::A, Err(DnsFailure::Refused)),
        ] {
            let got = ask(&dns, name, record_type).map(|a| a.records.len());
            assert_eq!(got, result, "{name} {record_type}");
        }
    }

    #[test]
    fn copies_of_a_zone_are_its_servers() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let primary = write(
            "primary.zone",
            "$ORIGIN example.org.\n@ SOA ns1 h ( 5 1 1 1 1 )\ns1._domainkey TXT \"new\"\n",
        );
        let stale = write(
            "stale.zone",
            "$ORIGIN example.org.\n@ SOA ns1 h ( 4 1 1 1 1 )\ns1._domainkey TXT \"old\"\n",
        );
        let other = write("example.net.zone", "s1._domainkey TXT \"net\"\n");
        let dns = ZoneDns::read_all(&[&primary, &stale, &other]).unwrap();
        // The first copy answers; a zone without an SOA has its origin as apex.
        let txt = |dns: &dyn Dns, name: &str| {
            block_on(dns.query(name, RecordType::Txt))
                .map(|a| a.records[0].data.clone())
                .unwrap()
        };
        assert_eq!(
            txt(&dns, "s1._domainkey.example.org"),
            RData::Txt(vec![b"new".to_vec()])
        );
        assert_eq!(
            txt(&dns, "s1._domainkey.example.net"),
            RData::Txt(vec![b"net".to_vec()])
        );
        let servers = block_on(dns.name_servers("example.org."));
        let hosts: Vec<(&str, String)> = servers
            .iter()
            .map(|s| (s.host.as_str(), s.address.clone()))
            .collect();
        assert_eq!(
            hosts,
            [
                ("primary.zone", primary.display().to_string()),
                ("stale.zone", stale.display().to_string())
            ]
        );
        assert_eq!(
            txt(&*servers[1].dns, "s1._domainkey.example.org"),
            RData::Txt(vec![b"old".to_vec()])
        );
        assert_eq!(block_on(dns.name_servers("example.net")).len(), 1);
        assert!(block_on(dns.name_servers("example.com")).is_empty());
    }

    #[test]
    fn records_added_by_hand() {
        let mut dns = ZoneDns::default();
        dns.insert("S1._domainkey.example.com.", "v=DKIM1; p=AB");
        let answer = ask(&dns, "s1._domainkey.example.com", RecordType::Txt).unwrap();
        assert_eq!(
            answer.records[0].data,
            RData::Txt(vec![b"v=DKIM1; p=AB".to_vec()])
        );
        assert_eq!(
            ask(&dns, "x._domainkey.example.com", RecordType::Txt),
            Err(DnsFailure::NxDomain { zone: None })
        );
    }
}
