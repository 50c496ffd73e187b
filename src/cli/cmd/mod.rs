//! One module per subcommand: flags, conversion to library options, run.

pub mod inspect;
pub mod sign;
pub mod verify;
