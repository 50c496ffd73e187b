//! Where key records come from: any [`Dns`] source (live DNS, zone data
//! read by [`crate::zone`], as `lint` reads it), or one literal record.
//! Verification takes a `&dyn KeySource`, so the same code runs online,
//! offline and in tests.

use crate::dns::{self, Dns, DnsFailure, RData, RecordType};
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

/// Zone data as a key source: the [`dns::ZoneDns`] behind every `--zone`.
pub type ZoneKeySource = dns::ZoneDns;

/// Every DNS source is a key source: the TXT records a TXT question at the
/// name gives, CNAMEs followed.
impl<D: Dns + ?Sized> KeySource for D {
    fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        let name = name.to_string();
        match dns::block_on(self.query(&name, RecordType::Txt)) {
            Ok(answer) => {
                let records: Vec<String> = answer
                    .reached(&name, RecordType::Txt)
                    .into_iter()
                    .filter_map(|data| match data {
                        RData::Txt(strings) => Some(crate::dns::join_txt(strings)),
                        _ => None,
                    })
                    .collect();
                if records.is_empty() {
                    Err(LookupError::NotFound(name))
                } else {
                    Ok(records)
                }
            }
            Err(DnsFailure::NxDomain { .. } | DnsFailure::NoData { .. }) => {
                Err(LookupError::NotFound(name))
            }
            Err(DnsFailure::ServFail) => Err(LookupError::ServFail(name)),
            Err(DnsFailure::Timeout) => Err(LookupError::Timeout(name)),
            Err(failure) => Err(LookupError::Failed {
                name,
                detail: failure.to_string(),
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
