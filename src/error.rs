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
    #[error("{0}")]
    Options(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
