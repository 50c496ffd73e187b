//! What Amazon SES says about an identity, read from the AWS CLI's own
//! JSON output, so `records` can write the record set from the real
//! tokens and `diagnose` can check exactly those records and explain the
//! status SES reports.
//!
//! Four documented output shapes are read (unknown fields are ignored):
//! - `aws sesv2 get-email-identity`: `IdentityType`, `VerifiedForSendingStatus`,
//!   `DkimAttributes` { `SigningEnabled`, `Status`, `Tokens`,
//!   `SigningAttributesOrigin`, `CurrentSigningKeyLength`, ... }. The
//!   document does not name its identity: the caller supplies it.
//! - `aws ses get-identity-dkim-attributes`: `DkimAttributes` {
//!   "<identity>": { `DkimEnabled`, `DkimVerificationStatus`, `DkimTokens` } }.
//! - `aws ses verify-domain-dkim`: `{ "DkimTokens": [...] }`.
//! - `aws ses get-identity-verification-attributes`: `VerificationAttributes`
//!   { "<identity>": { `VerificationStatus`, `VerificationToken` } }.

use crate::input::Limit;
use serde_json::{Map, Value};
use thiserror::Error;

/// An SES identity document: the CLI's output is a few KB; 1 MiB holds
/// the 100 identities one v1 call answers for, many times over.
pub const LIMIT: Limit = Limit {
    what: "an SES identity document",
    bytes: 1024 * 1024,
};

/// The shapes accepted, for error messages.
pub const SHAPES: &str = "the JSON output of aws sesv2 get-email-identity, aws ses get-identity-dkim-attributes, aws ses verify-domain-dkim or aws ses get-identity-verification-attributes";

/// Which AWS CLI command wrote a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `aws sesv2 get-email-identity`.
    Sesv2Identity,
    /// `aws ses get-identity-dkim-attributes`.
    V1DkimAttributes,
    /// `aws ses verify-domain-dkim`.
    V1VerifyDomainDkim,
    /// `aws ses get-identity-verification-attributes`.
    V1VerificationAttributes,
}

impl Shape {
    /// The command, as the user ran it.
    pub fn command(self) -> &'static str {
        match self {
            Shape::Sesv2Identity => "aws sesv2 get-email-identity",
            Shape::V1DkimAttributes => "aws ses get-identity-dkim-attributes",
            Shape::V1VerifyDomainDkim => "aws ses verify-domain-dkim",
            Shape::V1VerificationAttributes => "aws ses get-identity-verification-attributes",
        }
    }
}

/// A DKIM (or domain-verification) status as SES reports it; SES v1
/// spells them `Pending`, `Success`, ..., v2 `PENDING`, `SUCCESS`, ....
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// SES has not yet found the records.
    Pending,
    /// SES found the records.
    Success,
    /// SES could not find the records and stopped looking.
    Failed,
    /// A temporary issue kept SES from deciding.
    TemporaryFailure,
    /// Verification has not been started.
    NotStarted,
}

impl Status {
    fn parse(text: &str) -> Option<Status> {
        let squashed: String = text
            .chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match squashed.as_str() {
            "pending" => Status::Pending,
            "success" => Status::Success,
            "failed" => Status::Failed,
            "temporaryfailure" => Status::TemporaryFailure,
            "notstarted" => Status::NotStarted,
            _ => return None,
        })
    }

    /// The v2 spelling, `PENDING`, `TEMPORARY_FAILURE`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::TemporaryFailure => "TEMPORARY_FAILURE",
            Status::NotStarted => "NOT_STARTED",
        }
    }
}

/// Who holds the signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Easy DKIM: SES's keys behind three CNAMEs (`AWS_SES`, or v1).
    EasyDkim,
    /// Deterministic Easy DKIM: the tokens of another region's identity
    /// (`AWS_SES_<REGION>`), e.g. `us-east-1`.
    EasyDkimFrom(String),
    /// BYODKIM (`EXTERNAL`): the user's key at one selector.
    External,
}

/// What one document says about one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesIdentity {
    /// The input it came from, as the user named it (a path, or
    /// "standard input").
    pub source: String,
    /// The command that wrote it.
    pub shape: Shape,
    /// The identity (a domain or an address, lowercase), from the document
    /// or supplied by the caller; `None` when neither names it.
    pub identity: Option<String>,
    /// `DOMAIN` or `EMAIL_ADDRESS` (sesv2), or from the identity's form.
    pub is_address: bool,
    /// Whether SES signs the identity's mail with DKIM.
    pub signing_enabled: Option<bool>,
    /// The DKIM status.
    pub status: Option<Status>,
    /// Easy DKIM tokens (lowercase), or the BYODKIM selector.
    pub tokens: Vec<String>,
    /// Who holds the key (sesv2; v1 documents are Easy DKIM).
    pub origin: Option<Origin>,
    /// `CurrentSigningKeyLength`, as bits (`RSA_2048_BIT` is 2048).
    pub current_key_bits: Option<usize>,
    /// `NextSigningKeyLength`, as bits.
    pub next_key_bits: Option<usize>,
    /// The `_amazonses` verification token.
    pub verification_token: Option<String>,
    /// The domain-verification status.
    pub verification_status: Option<Status>,
}

impl SesIdentity {
    fn new(source: &str, shape: Shape, identity: Option<String>) -> Self {
        SesIdentity {
            source: source.to_string(),
            shape,
            is_address: identity.as_deref().is_some_and(|i| i.contains('@')),
            identity,
            signing_enabled: None,
            status: None,
            tokens: Vec::new(),
            origin: None,
            current_key_bits: None,
            next_key_bits: None,
            verification_token: None,
            verification_status: None,
        }
    }

    /// Whether the tokens are a BYODKIM selector rather than Easy DKIM
    /// tokens.
    pub fn is_byodkim(&self) -> bool {
        self.origin == Some(Origin::External)
    }

    /// The region, when the document says it (`AWS_SES_<REGION>`).
    pub fn region(&self) -> Option<&str> {
        match &self.origin {
            Some(Origin::EasyDkimFrom(region)) => Some(region),
            _ => None,
        }
    }

    /// How output names this document: the input, and the identity when
    /// the document holds several.
    pub fn label(&self) -> String {
        match (&self.identity, self.shape) {
            (Some(identity), Shape::V1DkimAttributes | Shape::V1VerificationAttributes) => {
                format!("{} ({identity})", self.source)
            }
            _ => self.source.clone(),
        }
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_name}: {problem}")]
pub struct SesError {
    /// The input, as the user named it.
    pub source_name: String,
    /// What is wrong, in words.
    pub problem: String,
}

/// A `--ses-identity` argument: `FILE`, or `IDENTITY=FILE` where
/// IDENTITY (a domain or an address: it holds a dot and no slash) names
/// the identity an sesv2 document is about. `-` is standard input.
pub fn split_argument(argument: &str) -> (Option<&str>, &str) {
    match argument.split_once('=') {
        Some((identity, file))
            if !file.is_empty()
                && identity.contains('.')
                && !identity.contains('/')
                && !identity.contains(std::path::MAIN_SEPARATOR) =>
        {
            (Some(identity), file)
        }
        _ => (None, argument),
    }
}

/// Reads one document from `bytes` (named `source` in errors and output).
/// `identity` names the identity of an sesv2 document (which does not name
/// its own); v1 documents name theirs, one entry per identity.
pub fn parse(
    bytes: &[u8],
    source: &str,
    identity: Option<&str>,
) -> Result<Vec<SesIdentity>, SesError> {
    let fail = |problem: String| SesError {
        source_name: source.to_string(),
        problem,
    };
    let not_shape = || fail(format!("not an SES identity document: expected {SHAPES}"));
    let value: Value = serde_json::from_slice(bytes).map_err(|_| not_shape())?;
    let Some(top) = value.as_object() else {
        return Err(not_shape());
    };
    let named = identity.map(|i| i.trim().to_ascii_lowercase());
    if let Some(dkim) = top.get("DkimAttributes").and_then(Value::as_object) {
        let v2_keys = [
            "SigningEnabled",
            "Status",
            "Tokens",
            "SigningAttributesOrigin",
        ];
        if top.contains_key("IdentityType") || v2_keys.iter().any(|k| dkim.contains_key(*k)) {
            return sesv2(top, dkim, source, named)
                .map(|one| vec![one])
                .map_err(fail);
        }
        if !dkim.is_empty() && dkim.values().all(Value::is_object) {
            return v1_dkim(dkim, source).map_err(fail);
        }
        return Err(not_shape());
    }
    if let Some(tokens) = top.get("DkimTokens") {
        let mut one = SesIdentity::new(source, Shape::V1VerifyDomainDkim, named);
        one.tokens = easy_tokens(tokens, "DkimTokens").map_err(fail)?;
        one.origin = Some(Origin::EasyDkim);
        one.is_address = false;
        return Ok(vec![one]);
    }
    if let Some(attributes) = top.get("VerificationAttributes").and_then(Value::as_object)
        && !attributes.is_empty()
    {
        return v1_verification(attributes, source).map_err(fail);
    }
    Err(not_shape())
}

fn sesv2(
    top: &Map<String, Value>,
    dkim: &Map<String, Value>,
    source: &str,
    identity: Option<String>,
) -> Result<SesIdentity, String> {
    let mut one = SesIdentity::new(source, Shape::Sesv2Identity, identity);
    match top.get("IdentityType").and_then(Value::as_str) {
        Some("EMAIL_ADDRESS") => one.is_address = true,
        Some("DOMAIN") | Some("MANAGED_DOMAIN") => one.is_address = false,
        _ => {}
    }
    if one.is_address && !one.identity.as_deref().is_some_and(|i| i.contains('@')) {
        return Err(
            "this is the output for an e-mail address identity, which does not name the address: give it as ADDRESS=FILE".into(),
        );
    }
    one.signing_enabled = boolean(dkim, "SigningEnabled", "DkimAttributes.SigningEnabled")?;
    one.status = status(dkim, "Status", "DkimAttributes.Status")?;
    one.origin = match dkim.get("SigningAttributesOrigin").and_then(Value::as_str) {
        None | Some("AWS_SES") => Some(Origin::EasyDkim),
        Some("EXTERNAL") => Some(Origin::External),
        Some(other) => match other.strip_prefix("AWS_SES_") {
            Some(region) if !region.is_empty() => Some(Origin::EasyDkimFrom(
                region.to_ascii_lowercase().replace('_', "-"),
            )),
            _ => {
                return Err(format!(
                    "DkimAttributes.SigningAttributesOrigin {other:?} is not AWS_SES, EXTERNAL or AWS_SES_<REGION>"
                ));
            }
        },
    };
    if let Some(tokens) = dkim.get("Tokens") {
        one.tokens = if one.is_byodkim() {
            selectors(tokens)?
        } else {
            easy_tokens(tokens, "DkimAttributes.Tokens")?
        };
    }
    one.current_key_bits = key_bits(dkim, "CurrentSigningKeyLength")?;
    one.next_key_bits = key_bits(dkim, "NextSigningKeyLength")?;
    one.verification_status = status(top, "VerificationStatus", "VerificationStatus")?;
    Ok(one)
}

fn v1_dkim(map: &Map<String, Value>, source: &str) -> Result<Vec<SesIdentity>, String> {
    let mut out = Vec::new();
    for (name, attributes) in map {
        let Some(attributes) = attributes.as_object() else {
            continue;
        };
        let mut one = SesIdentity::new(source, Shape::V1DkimAttributes, Some(identity_name(name)?));
        let at = |field: &str| format!("DkimAttributes.{name}.{field}");
        one.signing_enabled = boolean(attributes, "DkimEnabled", &at("DkimEnabled"))?;
        one.status = status(
            attributes,
            "DkimVerificationStatus",
            &at("DkimVerificationStatus"),
        )?;
        if let Some(tokens) = attributes.get("DkimTokens") {
            one.tokens = easy_tokens(tokens, &at("DkimTokens"))?;
        }
        one.origin = Some(Origin::EasyDkim);
        out.push(one);
    }
    Ok(out)
}

fn v1_verification(map: &Map<String, Value>, source: &str) -> Result<Vec<SesIdentity>, String> {
    let mut out = Vec::new();
    for (name, attributes) in map {
        let Some(attributes) = attributes.as_object() else {
            continue;
        };
        let mut one = SesIdentity::new(
            source,
            Shape::V1VerificationAttributes,
            Some(identity_name(name)?),
        );
        let at = |field: &str| format!("VerificationAttributes.{name}.{field}");
        one.verification_status =
            status(attributes, "VerificationStatus", &at("VerificationStatus"))?;
        if let Some(token) = attributes.get("VerificationToken") {
            let token = token
                .as_str()
                .ok_or_else(|| format!("{} is not a string", at("VerificationToken")))?;
            one.verification_token = Some(
                crate::records::check_verification_token(token)
                    .map_err(|e| format!("{}: {e}", at("VerificationToken")))?,
            );
        }
        out.push(one);
    }
    Ok(out)
}

/// An identity key of a v1 map: a domain or an address, lowercase.
fn identity_name(name: &str) -> Result<String, String> {
    let lower = name.trim().to_ascii_lowercase();
    let (local, domain) = match lower.rsplit_once('@') {
        Some((local, domain)) => (Some(local), domain),
        None => (None, lower.as_str()),
    };
    if let Some(local) = local
        && (local.is_empty() || !local.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(format!(
            "identity '{}' is not an e-mail address (local@domain, visible ASCII)",
            name.escape_default()
        ));
    }
    crate::records::normalize_domain(domain)
        .map_err(|e| format!("identity '{}': {e}", name.escape_default()))?;
    Ok(lower)
}

fn boolean(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<bool>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{at} is not true or false")),
    }
}

fn status(map: &Map<String, Value>, key: &str, at: &str) -> Result<Option<Status>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Status::parse(text).map(Some).ok_or_else(|| {
            format!(
                "{at} '{}' is not PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED",
                text.escape_default()
            )
        }),
        Some(_) => Err(format!("{at} is not a string")),
    }
}

fn strings(value: &Value, at: &str) -> Result<Vec<String>, String> {
    let Some(items) = value.as_array() else {
        return Err(format!("{at} is not a list of strings"));
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(|s| s.trim().to_ascii_lowercase())
                .ok_or_else(|| format!("{at} is not a list of strings"))
        })
        .collect()
}

fn easy_tokens(value: &Value, at: &str) -> Result<Vec<String>, String> {
    let tokens = strings(value, at)?;
    for token in &tokens {
        crate::records::check_token(token).map_err(|e| format!("{at}: {e}"))?;
    }
    Ok(tokens)
}

fn selectors(value: &Value) -> Result<Vec<String>, String> {
    let at = "DkimAttributes.Tokens";
    let selectors = strings(value, at)?;
    for selector in &selectors {
        crate::dkim::selector::check_selector(
            selector,
            None,
            crate::dkim::selector::SelectorRules::SesByodkim,
        )
        .map_err(|e| format!("{at} (the BYODKIM selector): {e}"))?;
    }
    Ok(selectors)
}

fn key_bits(map: &Map<String, Value>, key: &str) -> Result<Option<usize>, String> {
    let at = format!("DkimAttributes.{key}");
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => text
            .strip_prefix("RSA_")
            .and_then(|rest| rest.strip_suffix("_BIT"))
            .and_then(|bits| bits.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{at} '{}' is not RSA_<N>_BIT", text.escape_default())),
        Some(_) => Err(format!("{at} is not a string")),
    }
}

/// Whether `doc` is about `domain`: the domain itself, or an address in it.
fn about(doc: &SesIdentity, domain: &str) -> bool {
    match &doc.identity {
        None => true,
        Some(identity) => {
            identity == domain
                || identity
                    .rsplit_once('@')
                    .is_some_and(|(_, host)| host == domain)
        }
    }
}

/// The documents about `domain` (a domain document without a name is
/// taken to be about it); a document of which no identity is about
/// `domain` is an error naming what it is about.
pub fn about_domain(docs: Vec<SesIdentity>, domain: &str) -> Result<Vec<SesIdentity>, SesError> {
    let mut sources: Vec<(String, Vec<String>, bool)> = Vec::new();
    let mut kept = Vec::new();
    for mut doc in docs {
        let fits = about(&doc, domain);
        match sources.iter_mut().find(|(s, ..)| *s == doc.source) {
            Some(entry) => {
                entry.2 |= fits;
                entry.1.extend(doc.identity.clone());
            }
            None => sources.push((
                doc.source.clone(),
                doc.identity.iter().cloned().collect(),
                fits,
            )),
        }
        if fits {
            if doc.identity.is_none() {
                if doc.is_address {
                    return Err(SesError {
                        source_name: doc.source.clone(),
                        problem: format!(
                            "the {} output of an address identity does not name the address: give it as ADDRESS=FILE",
                            doc.shape.command()
                        ),
                    });
                }
                doc.identity = Some(domain.to_string());
            }
            kept.push(doc);
        }
    }
    if let Some((source, names, _)) = sources.iter().find(|(_, _, fits)| !fits) {
        return Err(SesError {
            source_name: source.clone(),
            problem: format!(
                "the document is about {}, not {domain} or an address in it",
                names.join(", ")
            ),
        });
    }
    Ok(kept)
}

/// What a record set takes from the documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInputs {
    /// The three Easy DKIM tokens, or empty for BYODKIM.
    pub tokens: Vec<String>,
    /// The BYODKIM selector, whose key record needs the key.
    pub byodkim_selector: Option<String>,
    /// The `_amazonses` verification token, when a document gives it.
    pub verification_token: Option<String>,
}

/// The one record set the documents about `domain` describe (see
/// [`about_domain`]): their DKIM tokens (every document that has some
/// must hold the same) and the verification token.
pub fn record_inputs(docs: &[SesIdentity]) -> Result<RecordInputs, SesError> {
    let mut inputs = RecordInputs {
        tokens: Vec::new(),
        byodkim_selector: None,
        verification_token: None,
    };
    let mut first: Option<&SesIdentity> = None;
    for doc in docs {
        if inputs.verification_token.is_none() {
            inputs.verification_token = doc.verification_token.clone();
        }
        if doc.tokens.is_empty() || doc.is_address {
            continue;
        }
        let mut sorted = doc.tokens.clone();
        sorted.sort();
        match first {
            None => {
                first = Some(doc);
                if doc.is_byodkim() {
                    inputs.byodkim_selector = doc.tokens.first().cloned();
                } else {
                    inputs.tokens = doc.tokens.clone();
                }
            }
            Some(earlier) => {
                let mut before = earlier.tokens.clone();
                before.sort();
                if before != sorted || earlier.is_byodkim() != doc.is_byodkim() {
                    return Err(SesError {
                        source_name: doc.label(),
                        problem: format!(
                            "its DKIM set-up ({}) differs from that of {} ({}); a record set holds one: run records once per document (diagnose checks them all at once)",
                            doc.tokens.join(", "),
                            earlier.label(),
                            earlier.tokens.join(", ")
                        ),
                    });
                }
            }
        }
    }
    if first.is_none() {
        let source = docs.first().map(SesIdentity::label).unwrap_or_default();
        return Err(SesError {
            source_name: source,
            problem: "no DKIM tokens in the documents given: add the output of aws sesv2 get-email-identity or aws ses get-identity-dkim-attributes".into(),
        });
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn sesv2_document() {
        let doc = format!(
            r#"{{"IdentityType":"DOMAIN","DkimAttributes":{{"SigningEnabled":false,"Status":"TEMPORARY_FAILURE","Tokens":["{T}"],"SigningAttributesOrigin":"AWS_SES_EU_WEST_1","CurrentSigningKeyLength":"RSA_2048_BIT"}},"Extra":1}}"#
        );
        let got = parse(doc.as_bytes(), "f.json", Some("Example.com")).unwrap();
        assert_eq!(got.len(), 1);
        let one = &got[0];
        assert_eq!(one.identity.as_deref(), Some("example.com"));
        assert_eq!(one.signing_enabled, Some(false));
        assert_eq!(one.status, Some(Status::TemporaryFailure));
        assert_eq!(one.region(), Some("eu-west-1"));
        assert_eq!(one.current_key_bits, Some(2048));
        assert_eq!(one.tokens, [T]);
    }

    #[test]
    fn arguments_name_an_identity_before_the_file() {
        assert_eq!(split_argument("a.json"), (None, "a.json"));
        assert_eq!(split_argument("-"), (None, "-"));
        assert_eq!(
            split_argument("bob@example.com=b.json"),
            (Some("bob@example.com"), "b.json")
        );
        assert_eq!(split_argument("dir/x=y.json"), (None, "dir/x=y.json"));
        assert_eq!(split_argument("k=v"), (None, "k=v"));
    }

    #[test]
    fn other_shapes_are_refused_in_words() {
        for bad in [&b"not json"[..], b"[]", b"{}", b"{\"DkimAttributes\":{}}"] {
            let err = parse(bad, "x", None).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("x: not an SES identity document: expected {SHAPES}")
            );
        }
        let err = parse(br#"{"DkimTokens":["short"]}"#, "x", None).unwrap_err();
        assert!(
            err.problem.starts_with("DkimTokens: token 'short'"),
            "{err}"
        );
    }
}
