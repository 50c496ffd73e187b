//! The tag=value list of RFC 6376 §3.2, shared by DKIM-Signature fields and
//! key records. [`TagList::parse`] is total and strict: every input gives a
//! list or a typed error. [`scan`] splits the same way but checks nothing,
//! for the diagnosis of records that do not parse.
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//!                   ; Prohibits WSP and FWS at beginning and end
//! tval      =  1*VALCHAR
//! VALCHAR   =  %x21-3A / %x3C-7E
//! ALNUMPUNC =  ALPHA / DIGIT / "_"
//! ```

use std::ops::Range;
use thiserror::Error;

/// Why a tag list does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TagListError {
    /// A tag-spec has no `=`.
    #[error("tag-spec {index} has no '='")]
    MissingEquals {
        /// 1-based position of the tag-spec.
        index: usize,
    },
    /// A tag name is empty or has characters outside ALPHA/DIGIT/"_".
    #[error("invalid tag name {name:?}")]
    InvalidName {
        /// The name as written.
        name: String,
    },
    /// A tag value holds a byte outside VALCHAR and folding whitespace.
    #[error("tag {name}= holds an invalid character (byte 0x{byte:02x})")]
    InvalidValue {
        /// The tag name.
        name: String,
        /// The offending byte.
        byte: u8,
    },
    /// The same tag appears twice.
    #[error("tag {name}= appears more than once")]
    Duplicate {
        /// The tag name.
        name: String,
    },
    /// An empty tag-spec (`;;`, or a list starting with `;`).
    #[error("empty tag-spec at position {index}")]
    Empty {
        /// 1-based position of the tag-spec.
        index: usize,
    },
}

/// One tag: its name, its value (surrounding whitespace removed) and where
/// the value lies in the parsed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The tag name, case-sensitive as RFC 6376 requires.
    pub name: &'a str,
    /// The value with leading and trailing whitespace removed.
    pub value: &'a str,
    /// Byte range of `value` within the input.
    pub value_range: Range<usize>,
}

/// A parsed tag list in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagList<'a> {
    tags: Vec<Tag<'a>>,
}

impl<'a> TagList<'a> {
    /// Parses `input` (the value of a field, or a record's text).
    pub fn parse(input: &'a [u8]) -> Result<TagList<'a>, TagListError> {
        let mut tags: Vec<Tag<'a>> = Vec::new();
        for (i, Range { start, end }) in spec_ranges(input).enumerate() {
            let index = i + 1;
            let spec = &input[start..end];
            let is_last = end == input.len();
            if spec.iter().all(|&b| is_fws(b)) {
                // Only a final empty spec (after a trailing ";", or an
                // empty list) is allowed.
                if !is_last || (index > 1 && input[..start].iter().all(|&b| is_fws(b))) {
                    return Err(TagListError::Empty { index });
                }
                break;
            }
            let tag = parse_spec(input, start, end, index)?;
            if tags.iter().any(|t| t.name == tag.name) {
                return Err(TagListError::Duplicate {
                    name: tag.name.to_string(),
                });
            }
            tags.push(tag);
        }
        Ok(TagList { tags })
    }

    /// The value of tag `name`, if present.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.tag(name).map(|t| t.value)
    }

    /// The whole tag `name`, if present.
    pub fn tag(&self, name: &str) -> Option<&Tag<'a>> {
        self.tags.iter().find(|t| t.name == name)
    }

    /// All tags in input order.
    pub fn iter(&self) -> impl Iterator<Item = &Tag<'a>> {
        self.tags.iter()
    }

    /// The first tag, if any.
    pub fn first(&self) -> Option<&Tag<'a>> {
        self.tags.first()
    }
}

/// The byte ranges of the tag-specs: the text between semicolons, the
/// last one running to the end of the input (empty after a final `;`).
fn spec_ranges(input: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut next = Some(0);
    std::iter::from_fn(move || {
        let start = next?;
        let end = memchr::memchr(b';', &input[start..]).map_or(input.len(), |i| start + i);
        next = (end < input.len()).then_some(end + 1);
        Some(start..end)
    })
}

/// One tag-spec as written, from [`scan`]: nothing checked or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSpec<'a> {
    /// The tag-spec without surrounding whitespace.
    pub text: &'a str,
    /// The text before the first `=` (the whole spec without one), without
    /// surrounding whitespace.
    pub name: &'a str,
    /// Everything after the first `=`, untouched; `None` without an `=`.
    pub value: Option<&'a str>,
}

/// Splits `input` into tag-specs as [`TagList::parse`] does, but tolerates
/// what it rejects (empty specs, no `=`, bad names or values, duplicates)
/// and returns every spec as written, in order.
pub fn scan(input: &str) -> impl Iterator<Item = RawSpec<'_>> {
    spec_ranges(input.as_bytes()).map(move |range| {
        // `;` is ASCII, so every range falls on character boundaries.
        let spec = &input[range];
        let (name, value) = match spec.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (spec, None),
        };
        RawSpec {
            text: spec.trim_matches(|c: char| c.is_ascii() && is_fws(c as u8)),
            name: name.trim_matches(|c: char| c.is_ascii() && is_fws(c as u8)),
            value,
        }
    })
}

fn parse_spec<'a>(
    input: &'a [u8],
    start: usize,
    end: usize,
    index: usize,
) -> Result<Tag<'a>, TagListError> {
    let spec = &input[start..end];
    let eq = spec
        .iter()
        .position(|&b| b == b'=')
        .ok_or(TagListError::MissingEquals { index })?;
    let name = trim_fws(&spec[..eq]);
    let name_ok = name.first().is_some_and(u8::is_ascii_alphabetic)
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    let name_str = std::str::from_utf8(name)
        .ok()
        .filter(|_| name_ok)
        .ok_or_else(|| TagListError::InvalidName {
            name: String::from_utf8_lossy(name).into_owned(),
        })?;
    let raw_value = &spec[eq + 1..];
    let lead = raw_value.iter().take_while(|&&b| is_fws(b)).count();
    let value = trim_fws(raw_value);
    let value_start = start + eq + 1 + lead;
    check_value(value, name_str)?;
    // check_value admitted only ASCII, so this cannot fail.
    let value_str = std::str::from_utf8(value).map_err(|_| TagListError::InvalidValue {
        name: name_str.to_string(),
        byte: 0,
    })?;
    Ok(Tag {
        name: name_str,
        value: value_str,
        value_range: value_start..value_start + value.len(),
    })
}

/// VALCHAR runs separated by WSP or FWS (a line break must be followed by
/// whitespace; a bare LF stands for CRLF).
fn check_value(value: &[u8], name: &str) -> Result<(), TagListError> {
    let bad = |byte| TagListError::InvalidValue {
        name: name.to_string(),
        byte,
    };
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        match b {
            0x21..=0x3a | 0x3c..=0x7e | b' ' | b'\t' => {}
            b'\r' if value.get(i + 1) == Some(&b'\n') => {}
            b'\n' if matches!(value.get(i + 1), Some(b' ' | b'\t')) => {}
            _ => return Err(bad(b)),
        }
        i += 1;
    }
    Ok(())
}

/// Whether `b` can be part of folding whitespace.
pub(crate) fn is_fws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim_fws(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_fws(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_fws(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Removes folding whitespace inside a value (base64 in b= and bh=, p=).
pub fn strip_fws(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Replaces (or adds) one tag's value in a record text; `None` drops it.
pub fn with_tag(text: &str, tag: &str, value: Option<&str>) -> String {
    let mut parts: Vec<(&str, String)> = scan(text)
        .filter(|s| !s.text.is_empty())
        .map(|s| (s.name, s.text.to_string()))
        .collect();
    match value {
        Some(v) => match parts.iter_mut().find(|(name, _)| *name == tag) {
            Some((_, p)) => *p = format!("{tag}={v}"),
            None => parts.push((tag, format!("{tag}={v}"))),
        },
        None => parts.retain(|(name, _)| *name != tag),
    }
    let parts: Vec<String> = parts.into_iter().map(|(_, p)| p).collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_ranges() {
        let input = b" v=1; a = rsa-sha256 ;\r\n\tb=ab\r\n cd ; d=x;";
        let list = TagList::parse(input).unwrap();
        let got: Vec<_> = list.iter().map(|t| (t.name, t.value)).collect();
        assert_eq!(
            got,
            [
                ("v", "1"),
                ("a", "rsa-sha256"),
                ("b", "ab\r\n cd"),
                ("d", "x")
            ]
        );
        let b = list.tag("b").unwrap();
        assert_eq!(&input[b.value_range.clone()], b"ab\r\n cd");
        assert_eq!(strip_fws(b.value), "abcd");
    }

    #[test]
    fn empty_values_and_lists() {
        assert_eq!(TagList::parse(b"").unwrap().iter().count(), 0);
        assert_eq!(TagList::parse(b"p=").unwrap().get("p"), Some(""));
        assert_eq!(TagList::parse(b"p= ;").unwrap().get("p"), Some(""));
    }

    #[test]
    fn scan_keeps_what_parse_rejects() {
        let specs = |input| {
            scan(input)
                .map(|s| (s.text, s.name, s.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(specs(""), [("", "", None)]);
        assert_eq!(
            specs(" v=DKIM1 ; p= a\r\n b ;;x; 1k=rsa=y;p=2;"),
            [
                ("v=DKIM1", "v", Some("DKIM1 ")),
                ("p= a\r\n b", "p", Some(" a\r\n b ")),
                ("", "", None),
                ("x", "x", None),
                ("1k=rsa=y", "1k", Some("rsa=y")),
                ("p=2", "p", Some("2")),
                ("", "", None),
            ]
        );
        assert_eq!(specs("é=ü"), [("é=ü", "é", Some("ü"))]);
        // Where parse succeeds, the two agree on every tag.
        let input = " v=1; a = rsa-sha256 ;\r\n\tb=ab\r\n cd ; d=x;";
        let parsed = TagList::parse(input.as_bytes()).unwrap();
        let scanned: Vec<_> = scan(input)
            .filter(|s| !s.text.is_empty())
            .map(|s| (s.name, s.value.map(str::trim)))
            .collect();
        let strict: Vec<_> = parsed.iter().map(|t| (t.name, Some(t.value))).collect();
        assert_eq!(scanned, strict);
    }

    #[test]
    fn strict_errors() {
        for (input, err) in [
            (&b"v=1; x"[..], TagListError::MissingEquals { index: 2 }),
            (b"v=1;;a=b", TagListError::Empty { index: 2 }),
            (b";", TagListError::Empty { index: 1 }),
            (b"1v=1", TagListError::InvalidName { name: "1v".into() }),
            (b"v=1; v=2", TagListError::Duplicate { name: "v".into() }),
            (
                b"a=b\x00",
                TagListError::InvalidValue {
                    name: "a".into(),
                    byte: 0,
                },
            ),
            (
                b"a=\xc3\xa9",
                TagListError::InvalidValue {
                    name: "a".into(),
                    byte: 0xc3,
                },
            ),
            (
                b"a=x\r\ny",
                TagListError::InvalidValue {
                    name: "a".into(),
                    byte: b'\n',
                },
            ),
        ] {
            assert_eq!(
                TagList::parse(input),
                Err(err),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
