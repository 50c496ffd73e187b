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
    fs::metadata(path)
        .map(|m| m.permissions())
        .map_err(|e| read_failed(&path.display().to_string(), e))
}

pub use dkimctl::input::{KEY, LIST, Limit, MESSAGE};

/// All of `reader` (named `name` in errors), up to `limit`.
pub fn read_limited(
    reader: impl std::io::Read,
    name: &str,
    limit: Limit,
) -> anyhow::Result<Vec<u8>> {
    Ok(dkimctl::input::read_from(reader, name, limit)?)
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
    Ok(dkimctl::input::read_file(path, limit)?)
}

/// Opens `path` for streaming; an error names it ("reading PATH: ...").
pub fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).map_err(|error| read_failed(&path.display().to_string(), error))
}

/// A failed read of `name`, in the words every reader uses.
pub fn read_failed(name: &str, error: std::io::Error) -> anyhow::Error {
    dkimctl::input::ReadError::Io {
        name: name.to_string(),
        error,
    }
    .into()
}

/// An input that could not be used as a message: a failed read in the
/// readers' words, anything else under the input's name.
pub fn message_failed(name: &str, error: dkimctl::Error) -> anyhow::Error {
    match error {
        dkimctl::Error::Io(error) => read_failed(name, error),
        other => anyhow::Error::new(other).context(name.to_string()),
    }
}

/// The whole of a UTF-8 text file up to `limit`; an error names it.
pub fn read_text(path: &Path, limit: Limit) -> anyhow::Result<String> {
    let bytes = read_file(path, limit)?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("reading {}: not UTF-8 text", path.display()))
}
