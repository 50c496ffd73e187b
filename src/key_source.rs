//! Where key records come from: live DNS, a zone file (read by
//! [`crate::zone`], as `lint` reads it), or one literal record.
//! Verification takes a `&dyn KeySource`, so the same code runs online,
//! offline and in tests.

use crate::zone::{self, Class, RData, Zone, ZoneError, ZoneOptions, ZoneRecord};
use hickory_proto::rr::RecordType;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// Why a look-up gave no record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LookupError {
    /// NXDOMAIN, or the name has no TXT data.
    #[error("no TXT record at {0}")]
    NotFound(String),
    /// The query timed out (temporary).
    #[error("DNS query for {0} timed out")]
    Timeout(String),
    /// The server answered SERVFAIL (temporary).
    #[error("DNS server failure (SERVFAIL) for {0}")]
    ServFail(String),
    /// Any other failure to ask (temporary).
    #[error("DNS look-up of {name} failed: {detail}")]
    Failed {
        /// The queried name.
        name: String,
        /// What went wrong.
        detail: String,
    },
}

impl LookupError {
    /// Whether trying again later might give an answer.
    pub fn is_temporary(&self) -> bool {
        !matches!(self, LookupError::NotFound(_))
    }
}

/// A source of TXT records by name.
pub trait KeySource: Send + Sync {
    /// The TXT records at `name` (no trailing dot needed), each with its
    /// strings concatenated.
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError>;
}

/// One record given on the command line, served for every name.
#[derive(Debug, Clone)]
pub struct LiteralKeySource {
    record: String,
}

impl LiteralKeySource {
    /// Serves `record` (e.g. `v=DKIM1; k=rsa; p=...`) for any name.
    pub fn new(record: impl Into<String>) -> Self {
        LiteralKeySource {
            record: record.into(),
        }
    }
}

impl KeySource for LiteralKeySource {
    fn txt(&self, _name: &str) -> Result<Vec<String>, LookupError> {
        Ok(vec![self.record.clone()])
    }
}

/// TXT records (and CNAMEs to follow) read from zone data: an RFC 1035
/// master file or Route 53 JSON, through [`crate::zone`], the reader `lint`
/// uses, so a file means the same to every command.
#[derive(Debug, Clone, Default)]
pub struct ZoneKeySource {
    /// The TXT records at each name, each as its character-strings.
    txt: HashMap<String, Vec<Vec<Vec<u8>>>>,
    /// The CNAME at each name (the first one, when a zone has several).
    cname: HashMap<String, String>,
}

/// The file name in-memory zone text has in error positions.
const TEXT_NAME: &str = "<zone text>";

impl ZoneKeySource {
    /// Reads a zone file as `lint` does: Route 53 JSON or a master file with
    /// its `$INCLUDE`s (relative to the including file), the origin from a
    /// `$ORIGIN` before the first record, the file name (`example.com.zone`)
    /// or the Route 53 SOA record set.
    pub fn read(path: &Path) -> Result<ZoneKeySource, ZoneError> {
        let bytes = zone::read_file(path)?;
        ZoneKeySource::from_bytes(&bytes, path, &ZoneOptions::default())
    }

    /// Parses zone text held in memory (master file or Route 53 JSON,
    /// `$INCLUDE` refused); relative names are under `origin`, else under a
    /// `$ORIGIN`.
    pub fn parse(text: &str, origin: Option<&str>) -> Result<ZoneKeySource, ZoneError> {
        let options = ZoneOptions {
            origin: origin.map(str::to_string),
            max_include_depth: 0,
        };
        ZoneKeySource::from_bytes(text.as_bytes(), Path::new(TEXT_NAME), &options)
    }

    /// The TXT records and CNAMEs of a zone already read.
    pub fn from_zone(zone: &Zone) -> ZoneKeySource {
        let mut source = ZoneKeySource::default();
        for record in &zone.records {
            source.add(record);
        }
        source
    }

    /// Reads record by record, keeping only TXT records and CNAMEs.
    fn from_bytes(
        bytes: &[u8],
        file: &Path,
        options: &ZoneOptions,
    ) -> Result<ZoneKeySource, ZoneError> {
        let mut source = ZoneKeySource::default();
        zone::parse_each(bytes, file, options, &mut |_, record| source.add(&record))?;
        Ok(source)
    }

    /// Keeps a record if a TXT look-up can see it: class IN, TXT or CNAME.
    fn add(&mut self, record: &ZoneRecord) {
        if record.class != Class::In {
            return;
        }
        match &record.rdata {
            RData::Txt { strings } => self
                .txt
                .entry(normalize(&record.owner.resolved))
                .or_default()
                .push(strings.iter().map(|s| s.bytes.clone()).collect()),
            RData::Cname { target } => {
                self.cname
                    .entry(normalize(&record.owner.resolved))
                    .or_insert_with(|| normalize(&target.resolved));
            }
            _ => {}
        }
    }

    /// Adds one TXT record by hand.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) {
        self.txt
            .entry(normalize(name))
            .or_default()
            .push(vec![text.into().into_bytes()]);
    }
}

impl KeySource for ZoneKeySource {
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        let mut name = normalize(name);
        // Follow a bounded CNAME chain, as a resolver would.
        for _ in 0..8 {
            if let Some(records) = self.txt.get(&name) {
                // DNS serves a record written twice once.
                let mut seen = HashSet::new();
                return Ok(records
                    .iter()
                    .filter(|strings| seen.insert(*strings))
                    .map(|strings| join_strings(strings.iter().map(Vec::as_slice)))
                    .collect());
            }
            match self.cname.get(&name) {
                Some(target) => name = target.clone(),
                None => break,
            }
        }
        Err(LookupError::NotFound(name))
    }
}

/// Lowercase, no trailing dot: the key of the maps above.
fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn join_strings<'a>(strings: impl Iterator<Item = &'a [u8]>) -> String {
    let bytes: Vec<u8> = strings.flatten().copied().collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// How to reach DNS.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Ask this server instead of the system resolver.
    pub nameserver: Option<SocketAddr>,
    /// Time allowed for one query.
    pub timeout: Duration,
    /// Retries after the first try.
    pub retries: usize,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            nameserver: None,
            timeout: Duration::from_secs(5),
            retries: 1,
        }
    }
}

/// Live DNS through hickory-resolver, behind a blocking interface.
pub struct DnsKeySource {
    runtime: tokio::runtime::Runtime,
    resolver: hickory_resolver::TokioResolver,
}

impl std::fmt::Debug for DnsKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DnsKeySource")
    }
}

impl DnsKeySource {
    /// A source asking the system resolver or `options.nameserver`.
    pub fn new(options: &DnsOptions) -> Result<DnsKeySource, crate::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let resolver = build_resolver(options)?;
        Ok(DnsKeySource { runtime, resolver })
    }
}

/// A hickory resolver for `options`: the system's servers, or the one
/// given, over UDP and TCP, with its timeout and retries.
pub(crate) fn build_resolver(
    options: &DnsOptions,
) -> Result<hickory_resolver::TokioResolver, crate::Error> {
    use hickory_resolver::config::{
        ConnectionConfig, NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts,
    };
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let dns_error = |e: &dyn std::fmt::Display| {
        crate::Error::Io(std::io::Error::other(format!("DNS resolver: {e}")))
    };
    let mut builder = match options.nameserver {
        Some(addr) => {
            let connections = [ProtocolConfig::Udp, ProtocolConfig::Tcp]
                .into_iter()
                .map(|protocol| {
                    let mut conn = ConnectionConfig::new(protocol);
                    conn.port = addr.port();
                    conn
                })
                .collect();
            let server = NameServerConfig::new(addr.ip(), true, connections);
            hickory_resolver::Resolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![server]),
                TokioRuntimeProvider::default(),
            )
        }
        None => hickory_resolver::Resolver::builder(TokioRuntimeProvider::default())
            .map_err(|e| dns_error(&e))?,
    };
    let mut opts = ResolverOpts::default();
    opts.timeout = options.timeout;
    opts.attempts = options.retries;
    *builder.options_mut() = opts;
    builder.build().map_err(|e| dns_error(&e))
}

impl KeySource for DnsKeySource {
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        use hickory_proto::op::ResponseCode;
        use hickory_proto::rr::RData;
        use hickory_resolver::net::{DnsError, NetError};
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let result = self
            .runtime
            .block_on(self.resolver.lookup(fqdn.as_str(), RecordType::TXT));
        match result {
            Ok(lookup) => {
                let records: Vec<String> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::TXT(txt) => Some(join_strings(txt.txt_data.iter().map(|s| &s[..]))),
                        _ => None,
                    })
                    .collect();
                if records.is_empty() {
                    Err(LookupError::NotFound(name.to_string()))
                } else {
                    Ok(records)
                }
            }
            Err(NetError::Dns(DnsError::NoRecordsFound(_))) => {
                Err(LookupError::NotFound(name.to_string()))
            }
            Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail))) => {
                Err(LookupError::ServFail(name.to_string()))
            }
            Err(NetError::Timeout) => Err(LookupError::Timeout(name.to_string())),
            Err(e) => Err(LookupError::Failed {
                name: name.to_string(),
                detail: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_source_joins_strings_and_follows_cnames() {
        let zone = "s1._domainkey.example.com. IN TXT \"v=DKIM1; \" \"p=AB\"\n\
                    s2._domainkey.example.com. IN CNAME s1._domainkey.example.com.\n";
        let source = ZoneKeySource::parse(zone, None).unwrap();
        assert_eq!(
            source.txt("S1._domainkey.example.com").unwrap(),
            ["v=DKIM1; p=AB"]
        );
        assert_eq!(
            source.txt("s2._domainkey.example.com.").unwrap(),
            ["v=DKIM1; p=AB"]
        );
        assert!(matches!(
            source.txt("x.example.com"),
            Err(LookupError::NotFound(_))
        ));
    }

    #[test]
    fn zone_text_reads_as_lint_reads_it() {
        let route53 = r#"{"ResourceRecordSets": [{"Name": "s1._domainkey.example.com.",
            "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": "\"v=DKIM1; \" \"p=AB\""}]}]}"#;
        // (zone text, origin, name looked up, records served)
        for (text, origin, name, served) in [
            (
                "ses_sha1._domainkey.example.com. TXT \"v=DKIM1; p=AB\"\n",
                None,
                "ses_sha1._domainkey.example.com",
                &["v=DKIM1; p=AB"][..],
            ),
            // No TTL anywhere, as in a key file written by hand.
            (
                "s1._domainkey TXT \"a\" \"b\"\n",
                Some("example.com"),
                "s1._domainkey.example.com",
                &["ab"],
            ),
            (
                "$ORIGIN example.org.\ns1._domainkey TXT \"x\"\n",
                None,
                "S1._domainkey.Example.ORG.",
                &["x"],
            ),
            // A record written twice is one record to DNS.
            (
                "s. TXT \"a\"\ns. TXT \"a\"\ns. TXT \"a\" \"\"\n",
                None,
                "s",
                &["a", "a"],
            ),
            // A look-up asks for class IN.
            ("s. CH TXT \"a\"\ns. IN TXT \"b\"\n", None, "s", &["b"]),
            (
                route53,
                None,
                "s1._domainkey.example.com",
                &["v=DKIM1; p=AB"],
            ),
        ] {
            let source = ZoneKeySource::parse(text, origin).unwrap();
            assert_eq!(source.txt(name).unwrap(), served, "{text}");
        }
    }

    #[test]
    fn cname_chains_are_bounded() {
        let source = ZoneKeySource::parse("a. CNAME b.\nb. CNAME a.\n", None).unwrap();
        assert!(matches!(source.txt("a"), Err(LookupError::NotFound(_))));
    }

    #[test]
    fn zone_text_that_lint_refuses_is_refused_with_its_position() {
        for (text, message) in [
            (
                "s1 TXT \"a\"\n",
                "<zone text>:1:1: relative name `s1` but no origin (use $ORIGIN or --origin)",
            ),
            (
                "$INCLUDE other.zone\n",
                "<zone text>:1:1: $INCLUDE is not allowed here",
            ),
            (
                "s. TXT \"a\n",
                "<zone text>:1:8: unterminated quoted string",
            ),
        ] {
            let error = ZoneKeySource::parse(text, None).unwrap_err();
            assert_eq!(error.to_string(), message, "{text}");
        }
    }
}
