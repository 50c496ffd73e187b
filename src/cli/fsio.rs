//! Files: reading an input whose error names it, and atomic replacement
//! on output (temp file in the same folder, fsync, rename), so a reader
//! never sees half a file and a failure leaves the old one untouched.

use anyhow::Context;
use std::fs::{self, File, Permissions};
use std::io::Write;
use std::path::Path;

/// Writes `path` atomically with what `fill` writes, with `mode` when given
/// (an in-place edit keeps the file's permissions), else the mode of the
/// file being replaced, else 0644.
pub fn write_atomic(
    path: &Path,
    mode: Option<Permissions>,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut out)?;
        out.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mode = mode
        .or_else(|| fs::metadata(path).ok().map(|m| m.permissions()))
        .unwrap_or_else(|| std::os::unix::fs::PermissionsExt::from_mode(0o644));
    tmp.as_file()
        .set_permissions(mode)
        .with_context(|| format!("setting the mode of {}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    if let Ok(dir) = File::open(dir) {
        // Make the rename itself durable; not all file systems allow it.
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The permissions of an existing file.
pub fn permissions(path: &Path) -> anyhow::Result<Permissions> {
    Ok(fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .permissions())
}

/// How much of an input is read, and what to call it when there is more.
/// Devices and pipes have no size to check first, so the limit is checked
/// while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The input's kind, for the message ("a key file").
    pub what: &'static str,
    /// The most bytes read.
    pub bytes: u64,
}

/// Key files: a 4096-bit PEM key is about 3 KB.
pub const KEY: Limit = Limit {
    what: "a key file",
    bytes: 64 * 1024,
};
/// A message held whole (`inspect`, `diagnose --message`, `sign -`).
pub const MESSAGE: Limit = Limit {
    what: "a message",
    bytes: 256 * 1024 * 1024,
};
/// Lists: `--batch` domains, `--identities`.
pub const LIST: Limit = Limit {
    what: "a list",
    bytes: 16 * 1024 * 1024,
};

/// All of `reader`, or an error once it holds more than `limit`.
pub fn read_limited(
    reader: impl std::io::Read,
    name: &str,
    limit: Limit,
) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut reader.take(limit.bytes + 1), &mut bytes)
        .with_context(|| format!("reading {name}"))?;
    if bytes.len() as u64 > limit.bytes {
        anyhow::bail!(
            "{name} is larger than {} bytes, the limit for {}",
            limit.bytes,
            limit.what
        );
    }
    Ok(bytes)
}

/// The whole of a file, or of standard input for `-`, up to `limit`.
pub fn read_input(path: &Path, limit: Limit) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        return read_limited(std::io::stdin().lock(), "standard input", limit);
    }
    read_file(path, limit)
}

/// The whole of a file up to `limit`; an error names it ("reading PATH: ...").
pub fn read_file(path: &Path, limit: Limit) -> anyhow::Result<Vec<u8>> {
    let name = path.display().to_string();
    let file = File::open(path).with_context(|| format!("reading {name}"))?;
    read_limited(file, &name, limit)
}

/// The whole of a UTF-8 text file up to `limit`; an error names it.
pub fn read_text(path: &Path, limit: Limit) -> anyhow::Result<String> {
    let bytes = read_file(path, limit)?;
    String::from_utf8(bytes).with_context(|| format!("reading {}: not UTF-8 text", path.display()))
}
