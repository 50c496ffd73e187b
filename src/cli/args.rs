//! Flag groups shared by several subcommands, and value parsers for them.

use clap::Args;
use dkimctl::dkim::key_source::{KeySource, LiteralKeySource};
use dkimctl::dns::{DnsOptions, HickoryDns, ZoneDns};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where keys come from: live DNS (default), a zone file, or one record.
#[derive(Debug, Args)]
pub struct KeySourceArgs {
    /// Read key records from this zone file instead of DNS (offline).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key_record", "nameserver"])]
    zone: Option<PathBuf>,
    /// Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB...".
    #[arg(long, value_name = "RECORD", conflicts_with = "nameserver")]
    key_record: Option<String>,
    #[command(flatten)]
    dns: DnsArgs,
}

/// The live-DNS flags every command that asks DNS takes: `--nameserver`,
/// `--timeout`, `--retries`, each checked once, here, while parsing.
#[derive(Debug, Args)]
pub struct DnsArgs {
    /// Ask this DNS server instead of the system resolver.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_nameserver)]
    nameserver: Option<SocketAddr>,
    /// Seconds to wait for one DNS answer (more than 0, at most 3600).
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_timeout)]
    timeout: Duration,
    /// DNS retries after the first try (0 to 10).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u8).range(0..=MAX_RETRIES as i64)
    )]
    retries: u8,
}

/// The longest `--timeout`, in seconds.
const MAX_TIMEOUT_SECS: f64 = 3600.0;
/// The most `--retries`.
const MAX_RETRIES: u8 = 10;

impl DnsArgs {
    /// The flags as the library's DNS options.
    pub fn options(&self) -> DnsOptions {
        DnsOptions {
            nameserver: self.nameserver,
            timeout: self.timeout,
            retries: usize::from(self.retries),
            ..DnsOptions::default()
        }
    }

    /// Live DNS: the system resolver, or `--nameserver`.
    pub fn resolver(&self) -> anyhow::Result<HickoryDns> {
        Ok(HickoryDns::new(&self.options())?)
    }

    /// Live DNS as a key source.
    pub fn key_source(&self) -> anyhow::Result<Box<dyn KeySource>> {
        Ok(Box::new(self.resolver()?))
    }
}

impl KeySourceArgs {
    /// Builds the key source the flags ask for.
    pub fn build(&self) -> anyhow::Result<Box<dyn KeySource>> {
        if let Some(path) = &self.zone {
            return zone_source(path);
        }
        if let Some(record) = &self.key_record {
            return Ok(Box::new(LiteralKeySource::new(record.clone())));
        }
        self.dns.key_source()
    }
}

/// Key records read from a zone file (master file or Route 53 JSON) by the
/// reader `lint` uses. A file it refuses is the one message lint gives for
/// it, which names the file and position: no context is added.
pub fn zone_source(path: &Path) -> anyhow::Result<Box<dyn KeySource>> {
    Ok(Box::new(zone_data(&[path])?))
}

/// Zone data read from several files (see [`ZoneDns::read_all`]), refused
/// with lint's message for the first file it refuses.
pub fn zone_data<P: AsRef<Path>>(paths: &[P]) -> anyhow::Result<ZoneDns> {
    ZoneDns::read_all(paths).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `--timeout`: a number of seconds, more than 0 and at most 3600.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|secs| *secs > 0.0 && *secs <= MAX_TIMEOUT_SECS)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("'{s}' is not a number of seconds more than 0 and at most 3600"))
}

/// `--selector`: the one selector rule (RFC 6376); an underscore passes.
pub fn parse_selector(text: &str) -> Result<String, String> {
    let rules = dkimctl::dkim::selector::SelectorRules::Rfc6376;
    dkimctl::dkim::selector::check_selector(text, None, rules)
        .map(|_| text.to_string())
        .map_err(|e| e.to_string())
}

/// A domain (`-d`, or a command's DOMAIN): the one domain rule, which
/// takes a trailing dot and gives the name without it, lowercase.
pub fn parse_domain(text: &str) -> Result<String, String> {
    dkimctl::records::normalize_domain(text).map_err(|e| e.to_string())
}

/// `--token`: one DKIM token as providers issue them.
pub fn parse_token(text: &str) -> Result<String, String> {
    dkimctl::records::check_token(text).map_err(|e| e.to_string())
}

/// `--target-host`: a DNS name.
pub fn parse_target_host(text: &str) -> Result<String, String> {
    dkimctl::records::check_target_host(text).map_err(|e| e.to_string())
}

/// `IP` or `IP:PORT` (IPv6 as `[::1]:53`).
pub fn parse_nameserver(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    s.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("'{s}' is not an IP address or IP:PORT"))
}

/// A duration like `3600`, `90s`, `15m`, `12h`, `7d` or `2w`, in seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not a duration (examples: 3600, 90s, 15m, 12h, 7d, 2w)");
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(scale)
        .filter(|&secs| secs > 0)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, secs) in [
            ("3600", Some(3600)),
            ("90s", Some(90)),
            ("15m", Some(900)),
            ("7d", Some(604_800)),
            ("2w", Some(1_209_600)),
        ] {
            assert_eq!(parse_duration(text).ok(), secs, "{text}");
        }
        for text in ["", "d", "7x", "-1d", "0", "1.5h", "99999999999999999999"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn nameservers() {
        assert_eq!(
            parse_nameserver("127.0.0.1").unwrap().to_string(),
            "127.0.0.1:53"
        );
        assert_eq!(parse_nameserver("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_nameserver("[::1]:53").unwrap().port(), 53);
        assert!(parse_nameserver("example.com").is_err());
    }

    #[test]
    fn timeouts() {
        for (text, secs) in [("5", Some(5.0)), ("0.3", Some(0.3)), ("3600", Some(3600.0))] {
            assert_eq!(
                parse_timeout(text).ok().map(|d| d.as_secs_f64()),
                secs,
                "{text}"
            );
        }
        for text in ["0", "-1", "3600.5", "1e20", "inf", "NaN", "abc", ""] {
            assert!(parse_timeout(text).is_err(), "{text}");
        }
    }
}
