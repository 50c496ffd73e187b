//! `--ses-identity [IDENTITY=]FILE` of `records` and `diagnose`: each
//! document read (standard input for `-`, once per run as every input) and parsed by the library
//! ([`dkimctl::ses`]).

use dkimctl::ses::SesIdentity;
use std::path::Path;

/// Every document of `arguments`; an sesv2 document without `IDENTITY=`
/// is about `domain`.
pub fn read_all(arguments: &[String], domain: Option<&str>) -> anyhow::Result<Vec<SesIdentity>> {
    let mut docs = Vec::new();
    for argument in arguments {
        let (identity, file) = dkimctl::ses::split_argument(argument);
        let name = dkimctl::input::display_name(Path::new(file));
        let bytes = crate::cli::fsio::read_file(Path::new(file), dkimctl::ses::LIMIT)?;
        docs.extend(dkimctl::ses::parse(&bytes, &name, identity.or(domain))?);
    }
    Ok(docs)
}
