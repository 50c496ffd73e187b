//! Zone-file text written: the writer beside the reader. Every record line
//! dkimctl prints (`records --zone`, `keygen`, the fixes of `lint` and
//! `diagnose`) and every Route 53 TXT value it writes is made here, so what
//! dkimctl writes is what [`super::lex`] and [`super::route53`] read back.
//!
//! ```text
//! RFC 1035 §3.3 and §5.1:
//!   <character-string> is a single length octet followed by that number
//!   of characters. ... <character-string> is expressed in one or two
//!   ways: as a contiguous set of characters without interior spaces, or
//!   as a string beginning with a " and ending with a ".
//!   <domain-name> [<TTL>] [<class>] <type> <RDATA>
//!   \DDD where each D is a digit is the octet corresponding to the decimal
//!   number described by DDD.
//! ```
//!
//! A TXT value longer than one character-string is cut into strings of at
//! most [`TXT_STRING_MAX`] bytes (a DKIM verifier joins them again, RFC
//! 6376 §3.6.2.2). The cut is made in the value, before quoting, so it
//! never falls inside an escape, and never inside a UTF-8 character.
//! Quoting escapes `"` and `\`, and writes control and non-ASCII bytes as
//! three-digit escapes: decimal in a master file, octal in a Route 53 value
//! (Route 53's own convention), so the text is valid in either whatever the
//! value holds.

/// The longest character-string a TXT record holds (RFC 1035 §3.3).
pub const TXT_STRING_MAX: usize = 255;

/// The widest type name dkimctl writes (`CNAME`): the type column of
/// aligned lines.
const TYPE_COLUMN: usize = 5;

/// How a three-digit escape writes a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// `\DDD` in decimal (RFC 1035 master files).
    Decimal,
    /// `\ooo` in octal (Route 53 values).
    Octal,
}

/// Splits a TXT value into character-strings of at most 255 bytes, never
/// inside a UTF-8 character; an empty value is one empty string.
pub fn split_txt(value: &str) -> Vec<String> {
    let mut strings = Vec::new();
    let mut rest = value;
    while rest.len() > TXT_STRING_MAX {
        let mut at = TXT_STRING_MAX;
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        let (head, tail) = rest.split_at(at);
        strings.push(head.to_string());
        rest = tail;
    }
    strings.push(rest.to_string());
    strings
}

/// One character-string in double quotes, in the given escape convention.
fn quote(string: &str, escape: Escape) -> String {
    let mut out = String::with_capacity(string.len() + 2);
    out.push('"');
    for &byte in string.as_bytes() {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            b' '..=b'~' => out.push(char::from(byte)),
            _ => match escape {
                Escape::Decimal => out.push_str(&format!("\\{byte:03}")),
                Escape::Octal => out.push_str(&format!("\\{byte:03o}")),
            },
        }
    }
    out.push('"');
    out
}

/// A TXT value as quoted character-strings joined by one space.
fn quote_txt_with(value: &str, escape: Escape) -> String {
    split_txt(value)
        .iter()
        .map(|s| quote(s, escape))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A TXT value as master-file data: split into 255-byte strings, each in
/// double quotes, joined by one space.
pub fn quote_txt(value: &str) -> String {
    quote_txt_with(value, Escape::Decimal)
}

/// A TXT value as a Route 53 `Value`: like [`quote_txt`], with octal
/// escapes.
pub fn route53_txt(value: &str) -> String {
    quote_txt_with(value, Escape::Octal)
}

/// The data of a record dkimctl writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordData<'a> {
    /// A CNAME to this absolute name (with or without its trailing dot).
    Cname(&'a str),
    /// A TXT record holding this value (split and quoted when written).
    Txt(&'a str),
}

impl RecordData<'_> {
    /// The type as DNS spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            RecordData::Cname(_) => "CNAME",
            RecordData::Txt(_) => "TXT",
        }
    }

    /// The data in master-file form: the target with its trailing dot, or
    /// the quoted strings.
    pub fn master_file(&self) -> String {
        match self {
            RecordData::Cname(target) => absolute(target),
            RecordData::Txt(value) => quote_txt(value),
        }
    }
}

/// Column widths for lines printed one under another; the default pads
/// nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    /// Width of the owner column, trailing dot included.
    pub owner: usize,
    /// Width of the type column.
    pub record_type: usize,
}

impl Columns {
    /// Columns that align lines for these owners: the owner column as wide
    /// as the longest owner, the type column as wide as `CNAME`.
    pub fn aligned<'a>(owners: impl IntoIterator<Item = &'a str>) -> Columns {
        Columns {
            owner: owners
                .into_iter()
                .map(|o| o.trim_end_matches('.').len() + 1)
                .max()
                .unwrap_or(0),
            record_type: TYPE_COLUMN,
        }
    }
}

/// One master-file line, without the newline: `OWNER. TTL IN TYPE DATA`,
/// or `OWNER. TYPE DATA` without a TTL (the class is then left out too,
/// as RFC 1035 allows). The owner gets its trailing dot.
pub fn record_line(
    owner: &str,
    ttl: Option<u32>,
    data: RecordData<'_>,
    columns: Columns,
) -> String {
    let owner = absolute(owner);
    let (type_name, rdata) = (data.type_name(), data.master_file());
    let (ow, tw) = (columns.owner, columns.record_type);
    match ttl {
        Some(ttl) => format!("{owner:<ow$} {ttl} IN {type_name:<tw$} {rdata}"),
        None => format!("{owner:<ow$} {type_name:<tw$} {rdata}"),
    }
}

/// A name with exactly one trailing dot.
fn absolute(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::{RData, ZoneOptions, parse_str, route53::parse_route53};
    use std::path::Path;

    #[test]
    fn splitting() {
        assert_eq!(split_txt(""), [""]);
        let long = "x".repeat(600);
        let lens = |v: Vec<String>| v.iter().map(String::len).collect::<Vec<_>>();
        assert_eq!(lens(split_txt(&long)), [255, 255, 90]);
        assert_eq!(lens(split_txt(&"y".repeat(255))), [255]);
        assert_eq!(lens(split_txt(&"y".repeat(256))), [255, 1]);
        // Never inside a character: 'é' is two bytes, straddling 255.
        assert_eq!(lens(split_txt(&format!("{}é", "z".repeat(254)))), [254, 2]);
    }

    #[test]
    fn quoting() {
        for (value, decimal, octal) in [
            ("", r#""""#, r#""""#),
            ("v=DKIM1; p=", r#""v=DKIM1; p=""#, r#""v=DKIM1; p=""#),
            (r#"a"b\c"#, r#""a\"b\\c""#, r#""a\"b\\c""#),
            ("tab\there", r#""tab\009here""#, r#""tab\011here""#),
            ("nl\r\n", r#""nl\013\010""#, r#""nl\015\012""#),
            ("\0\x7f", r#""\000\127""#, r#""\000\177""#),
            ("é", r#""\195\169""#, r#""\303\251""#),
            (";()$@", r#"";()$@""#, r#"";()$@""#),
        ] {
            assert_eq!(quote_txt(value), decimal, "{value:?}");
            assert_eq!(route53_txt(value), octal, "{value:?}");
        }
        // An escape is never cut: 254 bytes, then a quote that needs one.
        let value = format!("{}\"x", "a".repeat(254));
        assert_eq!(
            quote_txt(&value),
            format!("\"{}\\\"\" \"x\"", "a".repeat(254))
        );
        let long = "x".repeat(600);
        assert_eq!(
            quote_txt(&long),
            format!(
                "\"{}\" \"{}\" \"{}\"",
                "x".repeat(255),
                "x".repeat(255),
                "x".repeat(90)
            )
        );
    }

    #[test]
    fn lines() {
        let txt = RecordData::Txt("v=DKIM1; p=abc");
        let cname = RecordData::Cname("tok.dkim.amazonses.com");
        let none = Columns::default();
        for (line, expected) in [
            (
                record_line("s1._domainkey.example.com", Some(3600), txt, none),
                r#"s1._domainkey.example.com. 3600 IN TXT "v=DKIM1; p=abc""#,
            ),
            (
                record_line("s1._domainkey.example.com.", None, txt, none),
                r#"s1._domainkey.example.com. TXT "v=DKIM1; p=abc""#,
            ),
            (
                record_line("a.example.", Some(1800), cname, none),
                "a.example. 1800 IN CNAME tok.dkim.amazonses.com.",
            ),
        ] {
            assert_eq!(line, expected);
        }
        let columns = Columns::aligned(["a.example", "long.a.example."]);
        assert_eq!(
            columns,
            Columns {
                owner: 15,
                record_type: 5
            }
        );
        assert_eq!(
            record_line("a.example", Some(1800), txt, columns),
            r#"a.example.      1800 IN TXT   "v=DKIM1; p=abc""#
        );
        assert_eq!(
            Columns::aligned([]),
            Columns {
                owner: 0,
                record_type: 5
            }
        );
    }

    /// The TXT strings of the one record in a parsed zone.
    fn strings_of(zone: &crate::zone::Zone) -> Vec<Vec<u8>> {
        assert_eq!(zone.records.len(), 1, "{zone:?}");
        match &zone.records[0].rdata {
            RData::Txt { strings } => strings.iter().map(|s| s.bytes.clone()).collect(),
            other => panic!("not TXT: {other:?}"),
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let awkward = [
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC",
            r#"quote " and backslash \ and \" both"#,
            "controls \0 \x01 \t \r\n \x1b[31m \x7f end",
            "comment ; paren ( ) dollar $ORIGIN at @",
            "non-ASCII é ü € 🦀",
            "",
        ];
        let long = format!(
            "{}\\\"{}é{}",
            "a".repeat(253),
            "b".repeat(252),
            "\n".repeat(300)
        );
        for value in awkward.iter().copied().chain([long.as_str()]) {
            let want = split_txt(value)
                .into_iter()
                .map(String::into_bytes)
                .collect::<Vec<_>>();
            let line = record_line(
                "s1._domainkey.example.com",
                Some(3600),
                RecordData::Txt(value),
                Columns::default(),
            );
            let zone = parse_str(&format!("{line}\n"), None, Path::new("t.zone"))
                .unwrap_or_else(|e| panic!("{line:?}: {e}"));
            assert_eq!(strings_of(&zone), want, "{line}");
            assert_eq!(zone.records[0].owner.resolved, "s1._domainkey.example.com.");

            let json = serde_json::json!({"ResourceRecordSets": [{
                "Name": "s1._domainkey.example.com.", "Type": "TXT", "TTL": 300,
                "ResourceRecords": [{"Value": route53_txt(value)}],
            }]});
            let zone = parse_route53(
                json.to_string().as_bytes(),
                Path::new("t.json"),
                &ZoneOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(strings_of(&zone), want, "{json}");
        }
    }
}
