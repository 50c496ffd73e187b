//! `--ses-identity [IDENTITY=]FILE` of `records` and `diagnose`: each
//! document read (standard input once, for `-`) and parsed by the library
//! ([`dkimctl::ses`]).

use dkimctl::ses::SesIdentity;
use std::path::Path;

/// Every document of `arguments`; an sesv2 document without `IDENTITY=`
/// is about `domain`.
pub fn read_all(arguments: &[String], domain: Option<&str>) -> anyhow::Result<Vec<SesIdentity>> {
    let mut docs = Vec::new();
    let mut stdin_read = false;
    for argument in arguments {
        let (identity, file) = dkimctl::ses::split_argument(argument);
        let name = if file == "-" {
            if stdin_read {
                anyhow::bail!("standard input can be read once: give - to one --ses-identity only");
            }
            stdin_read = true;
            "standard input".to_string()
        } else {
            file.to_string()
        };
        let bytes = crate::cli::fsio::read_input(Path::new(file), dkimctl::ses::LIMIT)?;
        docs.extend(dkimctl::ses::parse(&bytes, &name, identity.or(domain))?);
    }
    Ok(docs)
}
