//! Authentication-Results (RFC 8601) and ARC-Authentication-Results
//! (RFC 8617) fields already on a message: what earlier verifiers said about
//! its DKIM signatures, so it can be set beside our own verdict.
//!
//! ```text
//! authres-header = "Authentication-Results:" [CFWS] authserv-id
//!                  [ CFWS authres-version ] ( no-result / 1*resinfo ) [CFWS] CRLF
//! resinfo        = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
//! methodspec     = [CFWS] method [CFWS] "=" [CFWS] result
//! propspec       = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
//! ```

use crate::dkim::message::Header;
use serde::Serialize;

/// One dkim= result reported by an earlier verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedResult {
    /// The field it came from: `Authentication-Results` or `ARC-Authentication-Results`.
    pub field: String,
    /// The ARC instance (i=), for ARC-Authentication-Results.
    pub arc_instance: Option<u32>,
    /// Who verified (authserv-id).
    pub authserv_id: String,
    /// The result word: pass, fail, neutral, policy, permerror, temperror, none.
    pub result: String,
    /// header.d=
    pub domain: Option<String>,
    /// header.s=
    pub selector: Option<String>,
    /// header.i=
    pub identity: Option<String>,
    /// header.b= (a prefix of the signature's b=).
    pub signature_prefix: Option<String>,
    /// reason=
    pub reason: Option<String>,
}

/// Every dkim= result in the message's (ARC-)Authentication-Results fields,
/// in header order.
pub fn reported_results(header: &Header) -> Vec<ReportedResult> {
    let mut out = Vec::new();
    for field in header.fields() {
        let (arc_instance, authserv_id, results) = if field.is("ARC-Authentication-Results") {
            match crate::arc::fields::AuthResults::parse(field.value) {
                Ok(aar) => (Some(aar.instance), aar.authserv_id, aar.results),
                Err(_) => continue,
            }
        } else if field.is("Authentication-Results") {
            let (id, results) = crate::arc::results::split(&String::from_utf8_lossy(field.value));
            (None, id, results)
        } else {
            continue;
        };
        for resinfo in &results {
            if let Some(result) = parse_dkim_resinfo(&strip_comments(resinfo)) {
                out.push(ReportedResult {
                    field: String::from_utf8_lossy(field.name).into_owned(),
                    arc_instance,
                    authserv_id: authserv_id.clone(),
                    ..result
                });
            }
        }
    }
    out
}

fn parse_dkim_resinfo(resinfo: &str) -> Option<ReportedResult> {
    let tokens = split_outside_quotes(resinfo, ' ');
    let mut tokens = tokens.iter().map(|t| t.trim()).filter(|t| !t.is_empty());
    let method = tokens.next()?;
    let (name, result) = method.split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("dkim") {
        return None;
    }
    let mut reported = ReportedResult {
        field: String::new(),
        arc_instance: None,
        authserv_id: String::new(),
        result: result.trim().to_ascii_lowercase(),
        domain: None,
        selector: None,
        identity: None,
        signature_prefix: None,
        reason: None,
    };
    for token in tokens {
        let Some((key, value)) = token.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "header.d" => reported.domain = Some(value.to_ascii_lowercase()),
            "header.s" => reported.selector = Some(value),
            "header.i" => reported.identity = Some(value),
            "header.b" => reported.signature_prefix = Some(value),
            "reason" => reported.reason = Some(value),
            _ => {}
        }
    }
    Some(reported)
}

/// Removes RFC 5322 comments (nested parentheses, quoted strings kept).
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth == 0 => out.push(if c == '\r' || c == '\n' || c == '\t' {
                ' '
            } else {
                c
            }),
            _ => {}
        }
    }
    out
}

/// Splits on `sep` outside double quotes.
fn split_outside_quotes(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in value.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::message::split;

    #[test]
    fn reads_dkim_results_from_both_fields() {
        let raw = "Authentication-Results: mx.example.net (Postfix);\r\n\
                   \tdkim=pass (2048-bit key; unprotected) header.d=Example.com header.i=@example.com\r\n\
                   \theader.s=s1 header.b=\"AbCdEf12\";\r\n\
                   \tspf=pass smtp.mailfrom=example.com;\r\n\
                   \tdkim=fail reason=\"signature verification failed\" header.d=amazonses.com header.s=x\r\n\
                   ARC-Authentication-Results: i=2; relay.example.org; dkim=neutral header.d=example.com\r\n\
                   From: a@example.com\r\n\r\n";
        let (header, _) = split(raw.as_bytes()).unwrap();
        let results = reported_results(&header);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].authserv_id, "mx.example.net");
        assert_eq!(results[0].result, "pass");
        assert_eq!(results[0].domain.as_deref(), Some("example.com"));
        assert_eq!(results[0].selector.as_deref(), Some("s1"));
        assert_eq!(results[0].signature_prefix.as_deref(), Some("AbCdEf12"));
        assert_eq!(results[1].result, "fail");
        assert_eq!(
            results[1].reason.as_deref(),
            Some("signature verification failed")
        );
        assert_eq!(results[2].field, "ARC-Authentication-Results");
        assert_eq!(results[2].arc_instance, Some(2));
        assert_eq!(results[2].authserv_id, "relay.example.org");
        assert_eq!(results[2].result, "neutral");
    }

    #[test]
    fn tolerates_junk() {
        for raw in [
            "Authentication-Results: x; none\r\n\r\n",
            "Authentication-Results: ;;;=;dkim\r\n\r\n",
            "Authentication-Results: (\r\n\r\n",
        ] {
            let (header, _) = split(raw.as_bytes()).unwrap();
            assert!(reported_results(&header).is_empty(), "{raw}");
        }
    }
}
