//! Identifier alignment (RFC 7489 §3.1.1): whether a signature's d= matches
//! the RFC5322.From domain strictly or through the organizational domain,
//! which decides whether DMARC can pass on that signature; and which
//! signing domains belong to sending providers rather than to the sender.

use crate::dkim::message::Header;
use crate::dns::DomainName;
use serde::Serialize;

/// How a signing domain relates to the From domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// d= is the From domain itself: aligned under `adkim=s` and `adkim=r`.
    Strict,
    /// d= shares the From domain's organizational domain: aligned under `adkim=r` only.
    Relaxed,
    /// Unrelated domains: this signature cannot make DMARC pass.
    None,
}

/// The From field as DMARC sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FromDomain {
    /// The address of the From field.
    pub address: String,
    /// Its domain, lowercased.
    pub domain: String,
    /// The organizational domain (public suffix list).
    pub organizational_domain: String,
}

/// Why the From domain cannot be determined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FromProblem {
    /// No From field.
    #[error("no From field")]
    Missing,
    /// Several From fields (RFC 5322 allows one; DMARC rejects the rest).
    #[error("{count} From fields")]
    Duplicate {
        /// How many.
        count: usize,
    },
    /// A From field without a usable address.
    #[error("no address in From")]
    NoAddress,
    /// One From field with addresses in different domains.
    #[error("addresses in several domains: {}", domains.join(", "))]
    SeveralDomains {
        /// The domains.
        domains: Vec<String>,
    },
}

/// Reads the From domain of a message.
pub fn from_domain(header: &Header) -> Result<FromDomain, FromProblem> {
    let froms: Vec<_> = header.fields().filter(|f| f.is("From")).collect();
    let field = match froms.as_slice() {
        [] => return Err(FromProblem::Missing),
        [one] => one,
        many => return Err(FromProblem::Duplicate { count: many.len() }),
    };
    let mut raw = field.raw.to_vec();
    raw.extend_from_slice(b"\r\n");
    let parsed = mail_parser::MessageParser::default().parse_headers(&raw);
    let addresses: Vec<String> = parsed
        .as_ref()
        .and_then(|m| m.from())
        .map(|from| {
            from.iter()
                .filter_map(|a| a.address())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let domains: Vec<String> = addresses
        .iter()
        .filter_map(|a| a.rsplit_once('@'))
        .map(|(_, d)| String::from(DomainName::new(d)))
        .filter(|d| !d.is_empty())
        .collect();
    let Some(first) = domains.first() else {
        return Err(FromProblem::NoAddress);
    };
    if domains.iter().any(|d| d != first) {
        let mut distinct = domains.clone();
        distinct.dedup();
        return Err(FromProblem::SeveralDomains { domains: distinct });
    }
    Ok(FromDomain {
        address: addresses[0].clone(),
        domain: first.clone(),
        organizational_domain: organizational_domain(first),
    })
}

/// The organizational domain of `name`: one label below its public suffix
/// (RFC 7489 §3.2), or the name itself when the list does not know it.
pub fn organizational_domain(name: &str) -> String {
    let name = String::from(DomainName::new(name));
    psl::domain_str(&name).map_or(name.clone(), str::to_string)
}

/// How `signing_domain` aligns with `from`.
pub fn alignment(signing_domain: &str, from: &FromDomain) -> Alignment {
    let d = String::from(DomainName::new(signing_domain));
    if d == from.domain {
        Alignment::Strict
    } else if organizational_domain(&d) == from.organizational_domain {
        Alignment::Relaxed
    } else {
        Alignment::None
    }
}

/// A sending provider that signs with its own domain besides yours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// The provider's name.
    pub name: &'static str,
    /// The organizational domain it signs with.
    pub domain: &'static str,
    /// What it means and what to do about it.
    pub note: &'static str,
}

/// Signing domains of well-known sending services.
const PROVIDERS: &[Provider] = &[
    Provider {
        name: "Amazon SES",
        domain: "amazonses.com",
        note: "Amazon SES adds its own d=amazonses.com signature to every message; with Easy DKIM or BYODKIM set up, a second signature with your domain is added too",
    },
    Provider {
        name: "SendGrid",
        domain: "sendgrid.net",
        note: "SendGrid signs with sendgrid.net until domain authentication is set up for your domain",
    },
    Provider {
        name: "Mailgun",
        domain: "mailgun.org",
        note: "Mailgun signs with its shared domain until your sending domain is verified",
    },
    Provider {
        name: "Mailchimp",
        domain: "mcsv.net",
        note: "Mailchimp signs with its own domain unless your domain is authenticated",
    },
    Provider {
        name: "Mandrill",
        domain: "mandrillapp.com",
        note: "Mandrill signs with its own domain unless a sending domain is set up",
    },
    Provider {
        name: "Postmark",
        domain: "mtasv.net",
        note: "Postmark signs with its own domain besides your DKIM signature",
    },
    Provider {
        name: "SparkPost",
        domain: "sparkpostmail.com",
        note: "SparkPost signs with its own domain until a sending domain is verified",
    },
    Provider {
        name: "Google Workspace",
        domain: "gappssmtp.com",
        note: "Google Workspace signs with <yourdomain>.gappssmtp.com until DKIM is turned on in the admin console",
    },
    Provider {
        name: "Microsoft 365",
        domain: "onmicrosoft.com",
        note: "Microsoft 365 signs with the tenant's onmicrosoft.com domain until DKIM is enabled for your domain",
    },
    Provider {
        name: "Zendesk",
        domain: "zendesk.com",
        note: "Zendesk signs with its own domain unless you set up DKIM for your support address",
    },
];

/// The provider whose domain `signing_domain` is in, if any.
pub fn provider(signing_domain: &str) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| crate::dkim::signature::is_same_or_subdomain(signing_domain, p.domain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::message::split;

    fn from(raw: &str) -> Result<FromDomain, FromProblem> {
        from_domain(&split(raw.as_bytes()).unwrap().0)
    }

    #[test]
    fn alignment_table() {
        let f = from("From: \"Joe, Sales\" <joe@Mail.Example.co.uk>\r\n\r\n").unwrap();
        assert_eq!(f.domain, "mail.example.co.uk");
        assert_eq!(f.organizational_domain, "example.co.uk");
        for (d, expected) in [
            ("mail.example.co.uk", Alignment::Strict),
            ("MAIL.example.co.uk.", Alignment::Strict),
            ("example.co.uk", Alignment::Relaxed),
            ("bounce.example.co.uk", Alignment::Relaxed),
            ("co.uk", Alignment::None),
            ("example.com", Alignment::None),
            ("amazonses.com", Alignment::None),
        ] {
            assert_eq!(alignment(d, &f), expected, "{d}");
        }
    }

    #[test]
    fn from_problems() {
        assert_eq!(from("To: a@b.c\r\n\r\n"), Err(FromProblem::Missing));
        assert_eq!(
            from("From: a@b.c\r\nFrom: d@e.f\r\n\r\n"),
            Err(FromProblem::Duplicate { count: 2 })
        );
        assert_eq!(
            from("From: undisclosed\r\n\r\n"),
            Err(FromProblem::NoAddress)
        );
        assert!(matches!(
            from("From: a@x.com, b@y.com\r\n\r\n"),
            Err(FromProblem::SeveralDomains { .. })
        ));
    }

    #[test]
    fn providers() {
        assert_eq!(
            provider("amazonses.com").map(|p| p.name),
            Some("Amazon SES")
        );
        assert_eq!(
            provider("us-east-1.amazonses.com").map(|p| p.name),
            Some("Amazon SES")
        );
        assert_eq!(provider("example.com"), None);
    }
}
