//! What a selector may be: the one rule every command applies (`records`,
//! `keygen`, `key check`, `lint`, `verify`), under RFC 6376's grammar or
//! Amazon SES BYODKIM's narrower one.
//!
//! ```text
//! selector   = sub-domain *( "." sub-domain )    ; RFC 6376 §3.1
//! sub-domain = Let-dig [Ldh-str]                 ; RFC 5321
//! ```
//!
//! An underscore is outside that grammar but works in DNS, and verifiers
//! (dkimctl's too) accept it: under RFC 6376 it is a [`SelectorNote`], not
//! an error. SES refuses it, and periods too.

use crate::diagnosis::finding::{Code, Finding, Severity};
use thiserror::Error;

/// Whose selector rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorRules {
    /// RFC 6376 §3.1: dot-separated labels of letters, digits and inner
    /// hyphens.
    Rfc6376,
    /// Amazon SES BYODKIM: one label of 1-63 letters, digits and inner
    /// hyphens.
    SesByodkim,
}

impl SelectorRules {
    /// The rule in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SelectorRules::Rfc6376 => {
                "RFC 6376 §3.1: dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with a hyphen"
            }
            SelectorRules::SesByodkim => {
                "Amazon SES: 1-63 ASCII letters and digits, hyphens only inside; no periods or underscores"
            }
        }
    }
}

/// A selector that cannot be used under the rules.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("selector '{selector}' is not valid: {problem}; the rule is {}", rules.describe())]
pub struct SelectorError {
    /// The selector given.
    pub selector: String,
    /// What is wrong with it.
    pub problem: String,
    /// The rules it breaks.
    pub rules: SelectorRules,
}

impl SelectorError {
    /// What to do instead.
    pub fn fix(&self) -> String {
        if let Some(bare) = domainkey_prefix(&self.selector) {
            return format!("use the selector {bare:?}");
        }
        let rule = self.rules.describe();
        let cleaned: String = self
            .selector
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .trim_matches('-')
            .chars()
            .take(63)
            .collect();
        if cleaned.is_empty() {
            format!("choose a selector that fits the rule ({rule}), e.g. s1 or dkim2025")
        } else {
            format!("use a selector that fits the rule ({rule}), e.g. {cleaned}")
        }
    }
}

/// A usable selector that is outside RFC 6376's grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorNote {
    /// What is unusual, in one sentence.
    pub message: String,
    /// The selector that fits the grammar.
    pub fix: String,
}

/// Checks `selector` (and, given the domain, the length of the name it
/// makes) under `rules`: an error, a note, or nothing to say.
pub fn check_selector(
    selector: &str,
    domain: Option<&str>,
    rules: SelectorRules,
) -> Result<Option<SelectorNote>, SelectorError> {
    let fail = |problem: String| SelectorError {
        selector: selector.to_string(),
        problem,
        rules,
    };
    if domainkey_prefix(selector).is_some() {
        return Err(fail(
            "it includes _domainkey: give the selector alone; DKIM adds ._domainkey.<domain>"
                .into(),
        ));
    }
    if selector.is_empty() {
        return Err(fail("it is empty".into()));
    }
    let underscore_allowed = rules == SelectorRules::Rfc6376;
    if rules == SelectorRules::SesByodkim && selector.contains('.') {
        return Err(fail("it contains a period".into()));
    }
    for label in selector.split('.') {
        if label.is_empty() {
            return Err(fail(
                "it has an empty label (two periods in a row, or one at an end)".into(),
            ));
        }
        if label.len() > 63 {
            return Err(fail(format!(
                "label '{label}' has {} characters; at most 63",
                label.len()
            )));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !c.is_ascii_alphanumeric() && c != '-' && !(underscore_allowed && c == '_'))
        {
            return Err(fail(format!("label '{label}' contains {c:?}")));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(fail(format!(
                "label '{label}' starts or ends with a hyphen"
            )));
        }
    }
    if let Some(domain) = domain {
        let name = format!("{selector}._domainkey.{}", domain.trim_end_matches('.'));
        if name.len() > 253 {
            return Err(fail(format!(
                "{name} has {} characters; a DNS name has at most 253",
                name.len()
            )));
        }
    }
    Ok(selector.contains('_').then(|| SelectorNote {
        message: format!(
            "the selector contains an underscore: DNS allows it, but it is outside the grammar of {}, and some DNS web forms and verifiers refuse it",
            SelectorRules::Rfc6376.describe()
        ),
        fix: format!("use {:?}", selector.replace('_', "-")),
    }))
}

/// The `selector-invalid` finding about `selector`, if there is one: an
/// error for a selector the rules refuse, a warning for one outside
/// RFC 6376's grammar that DNS and verifiers take all the same.
pub fn selector_finding(
    subject: &str,
    selector: &str,
    domain: Option<&str>,
    rules: SelectorRules,
) -> Option<Finding> {
    match check_selector(selector, domain, rules) {
        Ok(None) => None,
        Ok(Some(note)) => Some(
            Finding::new(Code::SelectorInvalid, subject, note.message)
                .with_severity(Severity::Warning)
                .with_fix(note.fix),
        ),
        Err(error) => Some(
            Finding::new(Code::SelectorInvalid, subject, error.to_string()).with_fix(error.fix()),
        ),
    }
}

/// The selector before `._domainkey` (or `_domainkey`), when one was given
/// with it.
fn domainkey_prefix(selector: &str) -> Option<&str> {
    let lower = selector.to_ascii_lowercase();
    let at = lower
        .find("._domainkey")
        .or_else(|| lower.find("_domainkey"))?;
    Some(&selector[..at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use SelectorRules::{Rfc6376, SesByodkim};

    #[test]
    fn one_rule_per_profile() {
        let long = "a".repeat(64);
        for s in ["s1", "dkim2025", "my-selector", &long[..63]] {
            assert_eq!(check_selector(s, None, SesByodkim), Ok(None), "{s}");
            assert_eq!(check_selector(s, None, Rfc6376), Ok(None), "{s}");
        }
        for s in [
            "s1.eu",
            "my_selector",
            "-s1",
            &long[..],
            "s1._domainkey",
            "",
        ] {
            assert!(check_selector(s, None, SesByodkim).is_err(), "{s}");
        }
        assert_eq!(check_selector("s1.eu", None, Rfc6376), Ok(None));
        for s in [
            "s1..eu",
            "s 1",
            &long[..],
            "s1.",
            "-s1",
            "s1._domainkey",
            "",
        ] {
            assert!(check_selector(s, None, Rfc6376).is_err(), "{s}");
        }
        let note = check_selector("a_b", None, Rfc6376).unwrap().unwrap();
        assert_eq!(note.fix, "use \"a-b\"");
    }

    #[test]
    fn errors_name_the_problem_the_rule_and_a_fix() {
        let e = check_selector("a_b", None, SesByodkim).unwrap_err();
        assert_eq!(
            e.to_string(),
            "selector 'a_b' is not valid: label 'a_b' contains '_'; the rule is Amazon SES: 1-63 ASCII letters and digits, hyphens only inside; no periods or underscores"
        );
        assert!(e.fix().ends_with("e.g. ab"), "{}", e.fix());
        let e = check_selector("s1._domainkey", None, Rfc6376).unwrap_err();
        assert_eq!(e.fix(), "use the selector \"s1\"");
    }

    #[test]
    fn findings_are_errors_or_an_underscore_warning() {
        for (selector, severity) in [
            ("s1.eu", None),
            ("my_sel", Some(Severity::Warning)),
            ("s1..eu", Some(Severity::Error)),
            ("s1._domainkey.example.com", Some(Severity::Error)),
        ] {
            let finding = selector_finding("s", selector, Some("example.com"), Rfc6376);
            assert_eq!(finding.as_ref().map(|f| f.severity), severity, "{selector}");
            assert!(finding.iter().all(|f| f.code == Code::SelectorInvalid));
        }
    }

    #[test]
    fn the_whole_name_fits_dns() {
        let domain = format!("{}.com", "d".repeat(230));
        assert!(check_selector("selector1", Some(&domain), Rfc6376).is_err());
        assert_eq!(
            check_selector("s1", Some("example.com."), Rfc6376),
            Ok(None)
        );
    }
}
