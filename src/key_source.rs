//! Where key records come from: live DNS, a zone file, or one literal
//! record. Verification takes a `&dyn KeySource`, so the same code runs
//! online, offline and in tests.

use hickory_proto::rr::{Name, RData, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
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

/// TXT records (and CNAMEs to follow) read from an RFC 1035 zone file.
#[derive(Debug, Clone, Default)]
pub struct ZoneKeySource {
    txt: HashMap<String, Vec<String>>,
    cname: HashMap<String, String>,
}

impl ZoneKeySource {
    /// Parses zone text; relative names are under `origin` (root if none).
    pub fn parse(text: &str, origin: Option<&str>) -> Result<ZoneKeySource, crate::Error> {
        let origin = Name::from_ascii(origin.unwrap_or("."))
            .map_err(|e| crate::Error::Zone(format!("bad origin: {e}")))?;
        // Key files written by hand often have no $TTL; the TTL does not
        // matter here, so supply one.
        let text = format!("$TTL 300\n{text}");
        let (_, records) = hickory_proto::serialize::txt::Parser::new(&text, None, Some(origin))
            .parse()
            .map_err(|e| crate::Error::Zone(e.to_string()))?;
        let mut source = ZoneKeySource::default();
        for (key, rrset) in &records {
            let name = normalize(&key.name.to_string());
            for record in rrset.records_without_rrsigs() {
                match &record.data {
                    RData::TXT(txt) => source
                        .txt
                        .entry(name.clone())
                        .or_default()
                        .push(join_strings(txt.txt_data.iter().map(|s| &s[..]))),
                    RData::CNAME(target) => {
                        source
                            .cname
                            .insert(name.clone(), normalize(&target.0.to_string()));
                    }
                    _ => {}
                }
            }
        }
        Ok(source)
    }

    /// Adds one TXT record by hand.
    pub fn insert(&mut self, name: &str, text: impl Into<String>) {
        self.txt
            .entry(normalize(name))
            .or_default()
            .push(text.into());
    }
}

impl KeySource for ZoneKeySource {
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        let mut name = normalize(name);
        // Follow a bounded CNAME chain, as a resolver would.
        for _ in 0..8 {
            if let Some(records) = self.txt.get(&name) {
                return Ok(records.clone());
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
}
