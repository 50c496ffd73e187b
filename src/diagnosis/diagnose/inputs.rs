//! What `diagnose` is told to look for, read from the user's files: the
//! selectors of a message's signatures, a `records --csv` file, and the
//! identity lists of `--identities`.

use super::{SelectorOrigin, SelectorSpec};
use crate::diagnosis::checks;
use crate::dns::DomainName;
use crate::records::RecordType;
use crate::records::csv::CsvRecord;
use std::path::Path;
use std::path::PathBuf;

/// A list given to `diagnose` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A `--records` row for a name outside the domain's DKIM set.
    #[error("{}:{line}: {record_type} {name} is not a record of {domain}'s DKIM set", file.display())]
    RecordOutsideSet {
        /// The records file.
        file: PathBuf,
        /// Its line.
        line: u32,
        /// CNAME or TXT.
        record_type: &'static str,
        /// The row's name.
        name: String,
        /// The domain diagnosed.
        domain: String,
    },
    /// A row of an identities CSV.
    #[error("identities row {line}: {problem}")]
    IdentitiesCsv {
        /// The row's line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// An identities TOML document.
    #[error("identities TOML: {0}")]
    IdentitiesToml(String),
}

/// The selectors of the DKIM-Signatures in a raw message whose d= is
/// `domain` (any d= when `domain` is `None`), with their d=.
pub fn selectors_from_message(
    raw: &[u8],
    domain: Option<&str>,
) -> Result<Vec<(String, String)>, crate::Error> {
    let (header, _) = crate::dkim::message::split(raw).map_err(crate::Error::Message)?;
    let mut out = Vec::new();
    for field in header.fields() {
        if !field.is("DKIM-Signature") {
            continue;
        }
        // A damaged signature may still name its selector; take d=/s= from
        // the tag list alone.
        let Ok(tags) = crate::dkim::tag_list::TagList::parse(field.value) else {
            continue;
        };
        let (Some(d), Some(s)) = (tags.get("d"), tags.get("s")) else {
            continue;
        };
        let d = String::from(DomainName::new(d));
        if domain.is_none_or(|want| want.eq_ignore_ascii_case(&d)) {
            let pair = (d, s.trim().to_string());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    Ok(out)
}

/// What the rows of a `dkimctl records --csv` file (read by
/// [`crate::records::csv`]) say should be published for `domain`: one
/// [`SelectorSpec`] per DKIM row (origin `Records`) and the verification
/// token, if a row has one. A row of another domain is an error at its
/// line, in the reader's form (`FILE:LINE: ...`).
pub fn expectations_from_csv(
    rows: &[CsvRecord],
    path: &Path,
    domain: &str,
) -> Result<(Vec<SelectorSpec>, Option<String>), crate::Error> {
    let domain = String::from(DomainName::new(domain));
    let mut specs = Vec::new();
    let mut verification = None;
    for row in rows {
        let name = row.name.as_str();
        let relative = match name.strip_suffix(domain.as_str()) {
            Some("") => "@",
            Some(head) => head.strip_suffix('.').unwrap_or(name),
            None => name,
        };
        match (row.record_type, relative) {
            (RecordType::Txt, "_amazonses") => verification = Some(row.value.clone()),
            (RecordType::Txt, "@") if row.value.starts_with("amazonses:") => {
                verification = Some(row.value["amazonses:".len()..].trim().to_string())
            }
            (kind, r) if r.ends_with("._domainkey") => {
                let selector = r.trim_end_matches("._domainkey");
                let mut spec = SelectorSpec::new(selector, SelectorOrigin::Records);
                match kind {
                    RecordType::Cname => spec.expected_target = Some(row.value.clone()),
                    RecordType::Txt => spec.expected_txt = Some(row.value.clone()),
                }
                specs.push(spec);
            }
            (kind, _) => {
                return Err(InputError::RecordOutsideSet {
                    file: path.to_path_buf(),
                    line: row.line,
                    record_type: kind.as_str(),
                    name: name.to_string(),
                    domain: domain.to_string(),
                }
                .into());
            }
        }
    }
    Ok((specs, verification))
}

/// Reads a CSV list of verified identities: a header, then
/// `identity,dkim` rows where `dkim` is `on`/`off` (also `true`/`false`,
/// `yes`/`no`, `enabled`/`disabled`).
pub fn identities_from_csv(text: &str) -> Result<Vec<checks::Identity>, crate::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| InputError::IdentitiesCsv {
            line,
            problem: e.to_string(),
        })?;
        let (Some(name), Some(dkim)) = (row.get(0), row.get(1)) else {
            return Err(InputError::IdentitiesCsv {
                line,
                problem: "expected identity,dkim".into(),
            }
            .into());
        };
        let dkim = match dkim.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "enabled" => true,
            "off" | "false" | "no" | "disabled" => false,
            other => {
                return Err(InputError::IdentitiesCsv {
                    line,
                    problem: format!("dkim must be on or off, not {other:?}"),
                }
                .into());
            }
        };
        out.push(checks::Identity {
            name: DomainName::new(name).into(),
            dkim,
        });
    }
    Ok(out)
}

/// The format of a `--identities` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitiesFormat {
    /// A header, then `identity,dkim` rows.
    Csv,
    /// `[[identity]]` tables with `name` and `dkim`.
    Toml,
}

impl IdentitiesFormat {
    /// The format of a file: by extension (`.toml`, `.csv`), else by
    /// content (TOML when the first line that is not blank or a `#`
    /// comment starts with `[` or is a `key = value` line).
    pub fn detect(extension: Option<&str>, text: &str) -> IdentitiesFormat {
        match extension.map(str::to_ascii_lowercase).as_deref() {
            Some("toml") => return IdentitiesFormat::Toml,
            Some("csv") => return IdentitiesFormat::Csv,
            _ => {}
        }
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        match first {
            Some(line) if line.starts_with('[') || line.contains('=') => IdentitiesFormat::Toml,
            _ => IdentitiesFormat::Csv,
        }
    }
}

/// Reads a list of verified identities in `format`.
pub fn identities_from_str(
    text: &str,
    format: IdentitiesFormat,
) -> Result<Vec<checks::Identity>, crate::Error> {
    match format {
        IdentitiesFormat::Csv => identities_from_csv(text),
        IdentitiesFormat::Toml => identities_from_toml(text),
    }
}

/// Reads a TOML list of verified identities:
///
/// ```toml
/// [[identity]]
/// name = "example.com"
/// dkim = true
///
/// [[identity]]
/// name = "alice@example.com"
/// dkim = false
/// ```
pub fn identities_from_toml(text: &str) -> Result<Vec<checks::Identity>, crate::Error> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        identity: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        name: String,
        dkim: bool,
    }
    let file: File = toml::from_str(text)
        .map_err(|e| InputError::IdentitiesToml(e.to_string().trim_end().replace('\n', " ")))?;
    file.identity
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let name = String::from(DomainName::new(&entry.name));
            if name.is_empty() {
                return Err(InputError::IdentitiesToml(format!(
                    "[[identity]] {} has an empty name",
                    i + 1
                ))
                .into());
            }
            Ok(checks::Identity {
                name,
                dkim: entry.dkim,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_rows() {
        let ids =
            identities_from_csv("identity,dkim\nExample.com, on\nalice@example.com,off\n").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!((ids[0].name.as_str(), ids[0].dkim), ("example.com", true));
        assert!(!ids[1].dkim);
        assert!(identities_from_csv("identity,dkim\nexample.com,maybe\n").is_err());
    }

    #[test]
    fn identity_toml() {
        let text = "# verified identities\n[[identity]]\nname = \"Example.com.\"\ndkim = true\n\n[[identity]]\nname = \"alice@example.com\"\ndkim = false\n";
        let ids = identities_from_toml(text).unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!((ids[0].name.as_str(), ids[0].dkim), ("example.com", true));
        assert_eq!(
            (ids[1].name.as_str(), ids[1].dkim),
            ("alice@example.com", false)
        );
        assert!(
            identities_from_toml("[[identity]]\nname = \"a.com\"\ndkim = \"maybe\"\n").is_err()
        );
        assert!(identities_from_toml("[[identity]]\nname = \"a.com\"\ndkm = true\n").is_err());
        assert!(identities_from_toml("[[identity]]\nname = \"\"\ndkim = true\n").is_err());
        assert_eq!(IdentitiesFormat::detect(None, text), IdentitiesFormat::Toml);
        assert_eq!(
            IdentitiesFormat::detect(None, "identity,dkim\nexample.com,on\n"),
            IdentitiesFormat::Csv
        );
        assert_eq!(
            IdentitiesFormat::detect(Some("TOML"), "identity,dkim\n"),
            IdentitiesFormat::Toml
        );
        assert_eq!(
            IdentitiesFormat::detect(Some("csv"), text),
            IdentitiesFormat::Csv
        );
    }

    #[test]
    fn csv_rows() {
        let text = b"Type,Name,Value\r\n\
                    CNAME,aaaa._domainkey.example.com,aaaa.dkim.amazonses.com\r\n\
                    TXT,_amazonses.example.com,tok=\r\n\
                    CNAME,bbbb._domainkey.example.org,bbbb.dkim.amazonses.com\r\n";
        let path = Path::new("set.csv");
        let rows = crate::records::csv::parse_csv(text, path).unwrap();
        let (specs, token) = expectations_from_csv(&rows[..2], path, "example.com").unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].selector, "aaaa");
        assert_eq!(
            specs[0].expected_target.as_deref(),
            Some("aaaa.dkim.amazonses.com")
        );
        assert_eq!(token.as_deref(), Some("tok="));
        let e = expectations_from_csv(&rows, path, "example.com").unwrap_err();
        assert_eq!(
            e.to_string(),
            "set.csv:4: CNAME bbbb._domainkey.example.org is not a record of example.com's DKIM set"
        );
    }

    #[test]
    fn message_selectors() {
        let raw =
            b"DKIM-Signature: v=1; a=rsa-sha256; d=Example.com; s=s1; b=AA; bh=AA; h=from\r\n\
                    DKIM-Signature: v=1; d=other.net; s=x; b=; bh=; h=from\r\n\
                    From: a@example.com\r\n\r\nbody\r\n";
        assert_eq!(
            selectors_from_message(raw, Some("example.com")).unwrap(),
            [("example.com".to_string(), "s1".to_string())]
        );
        assert_eq!(selectors_from_message(raw, None).unwrap().len(), 2);
    }
}
