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

/// The whole of a file, or of standard input for `-`.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut raw)
            .context("reading standard input")?;
        return Ok(raw);
    }
    read_file(path)
}

/// The whole of a file; an error names it ("reading PATH: ...").
pub fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The whole of a UTF-8 text file; an error names it ("reading PATH: ...").
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
