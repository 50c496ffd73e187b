//! What `diagnose` is told to look for, read from the user's files: the
//! selectors of a message's signatures, a `records --csv` file, and the
//! identity lists of `--identities`.

use super::{SelectorOrigin, SelectorSpec};
use crate::diagnosis::checks;

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
        let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
        if domain.is_none_or(|want| want.eq_ignore_ascii_case(&d)) {
            let pair = (d, s.trim().to_string());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    Ok(out)
}

/// What a `dkimctl records --csv` file says should be published for
/// `domain`: one [`SelectorSpec`] per DKIM row (origin `Records`) and the
/// verification token, if a row has one. Names may be absolute or relative.
pub fn expectations_from_csv(
    text: &str,
    domain: &str,
) -> Result<(Vec<SelectorSpec>, Option<String>), crate::Error> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut specs = Vec::new();
    let mut verification = None;
    for (i, row) in reader.records().enumerate() {
        let row =
            row.map_err(|e| crate::Error::Options(format!("records CSV row {}: {e}", i + 2)))?;
        let (Some(kind), Some(name), Some(value)) = (row.get(0), row.get(1), row.get(2)) else {
            return Err(crate::Error::Options(format!(
                "records CSV row {}: expected Type,Name,Value",
                i + 2
            )));
        };
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let relative = name
            .strip_suffix(&format!(".{domain}"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                if name == domain {
                    "@".into()
                } else {
                    name.clone()
                }
            });
        match (kind.trim().to_ascii_uppercase().as_str(), relative.as_str()) {
            ("TXT", "_amazonses") => verification = Some(value.trim().to_string()),
            ("TXT", "@") if value.starts_with("amazonses:") => {
                verification = Some(value["amazonses:".len()..].trim().to_string())
            }
            ("CNAME", r) | ("TXT", r) if r.ends_with("._domainkey") => {
                let selector = r.trim_end_matches("._domainkey");
                let mut spec = SelectorSpec::new(selector, SelectorOrigin::Records);
                if kind.trim().eq_ignore_ascii_case("CNAME") {
                    spec.expected_target =
                        Some(value.trim().trim_end_matches('.').to_ascii_lowercase());
                } else {
                    spec.expected_txt = Some(value.trim().to_string());
                }
                specs.push(spec);
            }
            _ => {
                return Err(crate::Error::Options(format!(
                    "records CSV row {}: {kind} {name} is not a record of {domain}'s DKIM set",
                    i + 2
                )));
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
        let row = row.map_err(|e| crate::Error::Options(format!("identities row {line}: {e}")))?;
        let (Some(name), Some(dkim)) = (row.get(0), row.get(1)) else {
            return Err(crate::Error::Options(format!(
                "identities row {line}: expected identity,dkim"
            )));
        };
        let dkim = match dkim.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "enabled" => true,
            "off" | "false" | "no" | "disabled" => false,
            other => {
                return Err(crate::Error::Options(format!(
                    "identities row {line}: dkim must be on or off, not {other:?}"
                )));
            }
        };
        out.push(checks::Identity {
            name: name.trim_end_matches('.').to_ascii_lowercase(),
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
    let file: File = toml::from_str(text).map_err(|e| {
        crate::Error::Options(format!(
            "identities TOML: {}",
            e.to_string().trim_end().replace('\n', " ")
        ))
    })?;
    file.identity
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let name = entry.name.trim().trim_end_matches('.').to_ascii_lowercase();
            if name.is_empty() {
                return Err(crate::Error::Options(format!(
                    "identities TOML: [[identity]] {} has an empty name",
                    i + 1
                )));
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
        let text = "Type,Name,Value\r\n\
                    CNAME,aaaa._domainkey.example.com,aaaa.dkim.amazonses.com\r\n\
                    TXT,_amazonses.example.com,tok=\r\n";
        let (specs, token) = expectations_from_csv(text, "example.com").unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].selector, "aaaa");
        assert_eq!(
            specs[0].expected_target.as_deref(),
            Some("aaaa.dkim.amazonses.com")
        );
        assert_eq!(token.as_deref(), Some("tok="));
        assert!(
            expectations_from_csv("Type,Name,Value\nA,www.example.com,1\n", "example.com").is_err()
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
