//! The one result type of `inspect`, `diagnose`, `lint` and `key check`:
//! a [`Finding`] with a stable [`Code`] from the catalogue in design.md, a
//! severity, what it is about, what is wrong, and the fix.

use serde::Serialize;

/// How much a finding matters; `Error` decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing is broken.
    Info,
    /// Works today, but fragile or discouraged.
    Warning,
    /// DKIM fails, or will.
    Error,
}

impl Severity {
    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $word:literal, $severity:ident,)*) => {
        /// A finding code: stable, part of the JSON contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])* #[serde(rename = $word)] $variant,)*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The kebab-case code word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $word,)*
                }
            }

            /// How much a finding of this code matters unless its context
            /// says otherwise (a failed signature is an error whatever
            /// the code; see [`Finding::with_severity`]).
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What the code means, in one sentence (its doc comment), for
            /// rule lists such as SARIF's.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),*).trim_ascii_start(),)*
                }
            }
        }
    };
}

codes! {
    /// Nothing at `<selector>._domainkey.<domain>`.
    RecordMissing => "record-missing", Error,
    /// The key record is revoked (empty p=).
    KeyRevoked => "key-revoked", Error,
    /// The key record does not parse.
    KeySyntax => "key-syntax", Error,
    /// The key record's p= is unusable, or its k=/h=/s= do not fit.
    KeyInvalid => "key-invalid", Error,
    /// An RSA key under 1024 bits (RFC 8301).
    KeyTooShort => "key-too-short", Error,
    /// The key record has t=y.
    KeyTesting => "key-testing", Warning,
    /// The published key is not the one that signed.
    KeyMismatch => "key-mismatch", Error,
    /// The body hash does not match.
    BodyHashMismatch => "body-hash-mismatch", Error,
    /// The signer canonicalized a last line without a line break unlike RFC 6376; the message is intact.
    BodyFinalLine => "body-final-line", Error,
    /// A header line is not a field (RFC 5322).
    MessageSyntax => "message-syntax", Warning,
    /// The signature does not match the signed fields.
    SignatureMismatch => "signature-mismatch", Error,
    /// The DKIM-Signature field is malformed.
    SignatureSyntax => "signature-syntax", Error,
    /// The message has more DKIM-Signature fields than are verified.
    SignatureLimit => "signature-limit", Warning,
    /// x= has passed.
    SignatureExpired => "signature-expired", Error,
    /// t= is in the future.
    SignatureFuture => "signature-future", Error,
    /// h= does not include From.
    FromNotSigned => "from-not-signed", Error,
    /// l= limits the signed body.
    LengthLimit => "length-limit", Warning,
    /// rsa-sha1.
    Sha1 => "sha1", Error,
    /// d= is not aligned with the From domain.
    NotAligned => "not-aligned", Warning,
    /// A signature by the sending provider's own domain.
    ProviderSignature => "provider-signature", Info,
    /// More than one From field.
    DuplicateFrom => "duplicate-from", Error,
    /// A temporary DNS failure kept the key from being read.
    DnsTemporary => "dns-temporary", Error,
    /// The DNS server refused to answer (REFUSED).
    DnsRefused => "dns-refused", Error,
    /// Another verifier on the path disagrees with this one.
    ResultsDisagree => "results-disagree", Warning,
    /// The ARC chain's shape is broken: a set lacks a field, has one twice, or a seal's cv= is out of place.
    ArcStructure => "arc-structure", Error,
    /// The newest ARC-Seal says the chain had failed before it.
    ArcSealedFail => "arc-sealed-fail", Error,
    /// An ARC hop changed the message before sealing it (the chain says which and how).
    ArcChangedInTransit => "arc-changed-in-transit", Info,
    /// The message has no DKIM-Signature.
    NoSignature => "no-signature", Error,
    /// PEM header/footer or line breaks where one line of base64 is wanted.
    KeyPemArmor => "key-pem-armor", Error,
    /// An RSA key of 1024 to 2047 bits: allowed, but 2048 is recommended.
    KeyWeak => "key-weak", Warning,
    /// A key algorithm DKIM (or the profile) does not use.
    KeyUnknownAlgorithm => "key-unknown-algorithm", Error,
    /// A key size the profile refuses (e.g. 4096-bit RSA for SES BYODKIM).
    KeySizeUnsupported => "key-size-unsupported", Error,
    /// The private key is encrypted with a passphrase.
    KeyEncrypted => "key-encrypted", Error,
    /// A public key where the private key is needed.
    KeyNotPrivate => "key-not-private", Error,
    /// The selector breaks the profile's rules.
    SelectorInvalid => "selector-invalid", Error,
    /// The record sits at `<name>.<zone>`, or a CNAME target ends in the zone twice.
    DuplicatedSuffix => "duplicated-suffix", Error,
    /// The record sits at `<selector>.domainkey.<domain>` or a variant without the underscore.
    MissingUnderscore => "missing-underscore", Error,
    /// The record sits at `<selector>.<domain>`, without `_domainkey`.
    MissingDomainkeyLabel => "missing-domainkey-label", Error,
    /// The CNAME target's token differs from the owner's.
    CnameTargetMismatch => "cname-target-mismatch", Error,
    /// The CNAME target has no DKIM key record.
    CnameDangling => "cname-dangling", Error,
    /// The CNAME chain comes back to a name it already visited.
    CnameLoop => "cname-loop", Error,
    /// The CNAME chain has more CNAMEs than are followed.
    CnameChainTooLong => "cname-chain-too-long", Error,
    /// A CNAME shares its owner with other records.
    CnameAndOtherData => "cname-and-other-data", Error,
    /// TXT queries fail (SERVFAIL/timeout) where CNAME queries work.
    TxtServfail => "txt-servfail", Error,
    /// Authoritative servers disagree.
    NsInconsistent => "ns-inconsistent", Warning,
    /// The `_amazonses` verification TXT is absent or holds another token.
    VerificationMissing => "verification-missing", Error,
    /// v= is not DKIM1, or not the first tag.
    KeyVersion => "key-version", Error,
    /// More than one DKIM key record at one name.
    KeyMultipleRecords => "key-multiple-records", Error,
    /// One TXT character-string longer than 255 bytes.
    TxtStringTooLong => "txt-string-too-long", Error,
    // Damage done to a key record pasted into a DNS host's form (issue 16).
    /// The key record's value is wrapped in double quotes the DNS host kept.
    KeyQuoted => "key-quoted", Error,
    /// The key record holds zone-file escapes (`\;`) pasted into a web form.
    KeyEscaped => "key-escaped", Error,
    /// p= is cut where the first TXT string ends.
    KeyTruncated => "key-truncated", Error,
    /// p= holds whitespace and its key does not decode (`+` turned into spaces).
    KeyWhitespace => "key-whitespace", Error,
    /// k= (or its absence) does not fit the key in p=.
    KeyWrongType => "key-wrong-type", Error,
    /// h= allows no hash verifiers accept (sha1 only).
    KeyHashUnusable => "key-hash-unusable", Error,
    /// Two TXT records at one name where one record with two strings was meant.
    KeySplitRecords => "key-split-records", Error,
    /// A more specific verified identity (address or subdomain) governs the sender.
    IdentityOverride => "identity-override", Warning,
    /// SES reports PENDING: it has not yet seen the records.
    SesPending => "ses-pending", Warning,
    /// SES reports FAILED: it could not find the records and stopped looking.
    SesFailed => "ses-failed", Error,
    /// SES reports TEMPORARY_FAILURE: it could not decide, and will move to FAILED unless the records are found.
    SesTemporaryFailure => "ses-temporary-failure", Error,
    /// SES reports SUCCESS, but the records it verified are now missing or changed.
    SesRecordsChanged => "ses-records-changed", Error,
    /// SES reports NOT_STARTED: DKIM verification was never started.
    SesNotStarted => "ses-not-started", Warning,
    /// SES does not sign this identity's mail with DKIM (SigningEnabled / DkimEnabled false).
    SesSigningDisabled => "ses-signing-disabled", Error,
    /// The key SES signs with (CurrentSigningKeyLength) is not the size of the published key.
    SesKeyLength => "ses-key-length", Warning,
    /// Two SES documents (regions) of one identity disagree: one lacks the set-up, or they hold other tokens.
    SesRegionsDiffer => "ses-regions-differ", Warning,
}

/// One thing found, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// How much it matters.
    pub severity: Severity,
    /// What it is about: a DNS name, file:line:column, or a header field.
    pub subject: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Exactly what to publish or change; the literal record where one applies.
    pub fix: Option<String>,
}

impl Finding {
    /// A finding of the code's default severity, without a fix.
    pub fn new(code: Code, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            subject: subject.into(),
            message: message.into(),
            fix: None,
        }
    }

    /// Sets a severity other than the code's default, where the context
    /// decides it (an expected record that is missing, a failed verdict).
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds the fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_words() {
        for code in [
            Code::RecordMissing,
            Code::NotAligned,
            Code::DuplicateFrom,
            Code::Sha1,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
