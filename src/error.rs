//! Operational failures: input that cannot be used at all. A signature that
//! does not verify is not an error but a [`crate::dkim::verify::Verdict`].

use thiserror::Error;

/// What went wrong when an input could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an RFC 5322 message.
    #[error("not an RFC 5322 message")]
    Message(#[from] crate::dkim::message::MessageError),
    /// A private or public key could not be loaded.
    #[error(transparent)]
    Key(#[from] crate::key::KeyError),
    /// The signing options contradict each other or the message.
    #[error(transparent)]
    Sign(#[from] crate::dkim::sign::SignError),
    /// The message cannot be sealed as asked (ARC).
    #[error(transparent)]
    Seal(#[from] crate::arc::seal::SealError),
    /// A list given to `diagnose` (records, identities) cannot be used.
    #[error(transparent)]
    Input(#[from] crate::diagnosis::diagnose::InputError),
    /// The DNS client could not be set up or its runtime failed.
    #[error("DNS {context}: {detail}")]
    DnsClient {
        /// Which part: `resolver` or `runtime`.
        context: &'static str,
        /// What it said.
        detail: String,
    },
    /// DNS could not be asked for want of our own resources (too many open
    /// files, no buffer space, no socket to bind): nothing was learnt about
    /// the names asked.
    #[error("could not ask DNS: {cause} (lower --concurrency, or raise the open-file limit)")]
    DnsLocal {
        /// What ran out, in words.
        cause: String,
    },
    /// Reading or writing failed.
    #[error("{}", crate::input::os_words(.0))]
    Io(#[from] std::io::Error),
}
