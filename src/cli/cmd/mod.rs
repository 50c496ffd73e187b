//! One module per subcommand: flags, conversion to library options, run.

pub mod arc;
pub mod completions;
pub mod diagnose;
pub mod inspect;
pub mod key_check;
pub mod keygen;
pub mod lint;
pub mod records;
pub mod sign;
pub mod verify;
