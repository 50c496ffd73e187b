//! Authentication results as ARC carries them (RFC 8601 §2.2 grammar):
//! splitting a payload into its authserv-id and results, and gathering the
//! results a sealing host recorded in its own Authentication-Results
//! fields for the ARC-Authentication-Results it adds (RFC 8617 §5.1).
//!
//! ```text
//! authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
//!                   ( no-result / 1*resinfo ) [CFWS]
//! resinfo         = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//! ```

use crate::arc::ChainStatus;
use crate::dkim::message::Header;

/// The authserv-id and each result of a payload, whitespace runs
/// collapsed to one space. Semicolons inside comments and quoted strings
/// do not split.
pub fn split(payload: &str) -> (String, Vec<String>) {
    let mut parts = split_resinfo(payload).into_iter();
    let authserv_id = parts
        .next()
        .map(|first| {
            let first = skip_cfws(&first);
            first
                .split(|c: char| c.is_whitespace() || c == '(')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    (authserv_id, parts.filter(|p| !p.is_empty()).collect())
}

/// `value` without leading folding whitespace and comments.
pub fn skip_cfws(value: &str) -> &str {
    let mut rest = value;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if !trimmed.starts_with('(') {
            return trimmed;
        }
        match comment_end(trimmed) {
            Some(end) => rest = &trimmed[end..],
            None => return "",
        }
    }
}

/// The byte offset just past the comment `text` starts with (nested, with
/// quoted pairs), if it closes.
fn comment_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on `;` outside comments and quoted strings, each part trimmed
/// and its whitespace runs collapsed: one pass.
pub fn split_resinfo(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        let current = parts.last_mut().expect("never empty");
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => escaped = true,
            '"' if depth == 0 => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            ';' if !quoted && depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if c.is_whitespace() {
            if !current.is_empty() && !current.ends_with(' ') {
                current.push(' ');
            }
        } else {
            current.push(c);
        }
    }
    for part in &mut parts {
        if part.ends_with(' ') {
            part.pop();
        }
    }
    parts
}

/// Every result the host `authserv_id` recorded in the message's
/// Authentication-Results fields, in header order, topmost first: what its
/// ARC-Authentication-Results repeats.
pub fn recorded_by(header: &Header, authserv_id: &str) -> Vec<String> {
    header
        .fields()
        .filter(|f| f.is("Authentication-Results"))
        .filter_map(|f| {
            let (id, results) = split(&String::from_utf8_lossy(f.value));
            id.eq_ignore_ascii_case(authserv_id).then_some(results)
        })
        .flatten()
        .filter(|r| !r.eq_ignore_ascii_case("none"))
        .collect()
}

/// The chain status an `arc=` result among `results` gives, if there is
/// one (`arc=pass`, `arc=fail`, `arc=none`).
pub fn arc_status(results: &[String]) -> Option<ChainStatus> {
    results.iter().find_map(|r| {
        let (method, rest) = r.split_once('=')?;
        if !method.trim().eq_ignore_ascii_case("arc") {
            return None;
        }
        let word = rest.trim_start().split([' ', '(']).next()?;
        ChainStatus::parse(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_comments_and_quotes() {
        let (id, results) = split(
            " mx.example.org 1 (a; b);\r\n\tdkim=pass (2048-bit; x) reason=\"a;b\";  spf=none ",
        );
        assert_eq!(id, "mx.example.org");
        assert_eq!(
            results,
            ["dkim=pass (2048-bit; x) reason=\"a;b\"", "spf=none"]
        );
    }

    #[test]
    fn gathers_one_hosts_results_in_order() {
        let raw = "Authentication-Results: lists.example.org; arc=none;\r\n  spf=pass smtp.mfrom=jqd@d1.example\r\n\
                   Authentication-Results: other.example; dkim=fail\r\n\
                   Authentication-Results: Lists.Example.org; dmarc=pass\r\n\
                   From: a@example.com\r\n\r\n";
        let (header, _) = crate::dkim::message::split(raw.as_bytes()).unwrap();
        let results = recorded_by(&header, "lists.example.org");
        assert_eq!(
            results,
            [
                "arc=none",
                "spf=pass smtp.mfrom=jqd@d1.example",
                "dmarc=pass"
            ]
        );
        assert_eq!(arc_status(&results), Some(ChainStatus::None));
        assert_eq!(
            arc_status(&["arc=Pass (ok)".to_string()]),
            Some(ChainStatus::Pass)
        );
        assert_eq!(arc_status(&[]), None);
    }

    #[test]
    fn an_unclosed_comment_is_no_panic() {
        assert_eq!(skip_cfws("  (open"), "");
        assert_eq!(split("(x").0, "");
    }
}
