//! A DNS name as dkimctl compares names: ASCII-lowercase, without the
//! trailing dot. Every comparison of names (the DNS seam's answers, d= and
//! i=, From alignment, a zone's apex) goes through [`DomainName`] or
//! [`is_within`], so `Example.COM.` and `example.com` are one name
//! everywhere.

use serde::Serialize;
use std::fmt;

/// A name in the form names are compared in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DomainName(String);

impl DomainName {
    /// `text` without surrounding whitespace or trailing dots, lowercased
    /// (ASCII only: DNS compares names so, RFC 4343).
    pub fn new(text: &str) -> DomainName {
        DomainName(text.trim().trim_end_matches('.').to_ascii_lowercase())
    }

    /// The name without the trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The fully qualified form, with the trailing dot.
    pub fn fqdn(&self) -> String {
        format!("{}.", self.0)
    }

    /// Whether this name is `apex` or a name below it.
    pub fn is_within(&self, apex: &DomainName) -> bool {
        is_within(&self.0, &apex.0)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<DomainName> for String {
    fn from(name: DomainName) -> String {
        name.0
    }
}

/// Whether `name` is `apex` or a name below it, both already in the
/// compared form (see [`DomainName`]).
pub fn is_within(name: &str, apex: &str) -> bool {
    name.strip_suffix(apex)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_or_trailing_dot() {
        assert_eq!(
            DomainName::new(" Example.COM. "),
            DomainName::new("example.com")
        );
        assert_eq!(DomainName::new("example.com").fqdn(), "example.com.");
        let apex = DomainName::new("example.com");
        assert!(DomainName::new("Mail.Example.com.").is_within(&apex));
        assert!(DomainName::new("example.com").is_within(&apex));
        assert!(!DomainName::new("badexample.com").is_within(&apex));
        assert!(!DomainName::new("com").is_within(&apex));
    }
}
