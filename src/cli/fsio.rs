//! Files: reading an input whose error names it, and writing an output
//! that a hostile path cannot break. Every file dkimctl writes goes
//! through [`write_file`] (or [`Output`] where the write must wait for
//! something else to succeed):
//!
//! - a regular file, or a path where nothing is, is replaced atomically:
//!   a temporary file in the same folder, synced, renamed over it, the
//!   folder synced, so a reader never sees half a file and a failure leaves
//!   the old one untouched. The new file keeps the replaced file's mode,
//!   owner and group (a `notice:` says when the owner cannot be kept). A
//!   file with more than one hard link is refused: renaming over one name
//!   would split it from the others.
//! - a device, FIFO or terminal is opened and written as it is: no
//!   temporary file, no rename, no change of mode.
//! - a symbolic link is followed, link after link, and the file it ends at
//!   is replaced in that file's folder, so the link stays a link; a link
//!   to nothing creates the file it names, as a shell's `>` does.
//!
//! A batch of new files ([`Replace::batch`]) skips the per-file sync: each
//! file still appears whole under its name, and [`sync_batch`] then makes
//! them all durable at once.
//!
//! Temporary files are registered while they live; SIGINT or SIGTERM
//! removes them and ends the process with 130 or 143
//! ([`watch_signals`]). No error names a temporary file: each names
//! the path the user gave.

use anyhow::anyhow;
use dkimctl::input::os_words;
use std::collections::BTreeSet;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// How an output replaces what is at its path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Replace {
    /// The mode of the new file; by default the replaced file's, else 0644.
    pub mode: Option<u32>,
    /// Never replace a file that exists, even one created while writing.
    pub no_clobber: bool,
    /// One file of a batch: renamed into place without its own sync; the
    /// batch ends with one [`sync_batch`] of its folder.
    pub batch: bool,
}

/// Writes `path` with what `fill` writes, as the module doc says.
pub fn write_file(
    path: &Path,
    replace: Replace,
    fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut output = Output::create(path, replace)?;
    output.fill(fill)?;
    output.commit()
}

/// An output being written. Dropped before [`Output::commit`], it leaves
/// the path as it was (a device or FIFO has had what was written).
pub struct Output {
    /// The path the user gave, the one errors name.
    shown: PathBuf,
    sink: Sink,
}

enum Sink {
    /// Written directly: a device, FIFO or terminal.
    Direct(File),
    /// A temporary file beside `real`, renamed over it on commit.
    Temp {
        file: File,
        temp: PathBuf,
        real: PathBuf,
        replaced: Option<Box<Metadata>>,
        replace: Replace,
        committed: bool,
    },
}

impl Output {
    /// Opens the output for `path`: follows symbolic links, then opens a
    /// device or FIFO, or creates a temporary file beside a regular file.
    pub fn create(path: &Path, replace: Replace) -> anyhow::Result<Output> {
        let shown = path.to_path_buf();
        let failed = |error: io::Error| write_failed(path, &error);
        let (real, found) = resolve(path).map_err(failed)?;
        let sink = match found {
            Some(meta) if meta.is_dir() => {
                return Err(anyhow!("writing {}: is a directory", path.display()));
            }
            Some(meta) if meta.file_type().is_socket() => {
                return Err(anyhow!("writing {}: a socket, not a file", path.display()));
            }
            Some(meta) if !meta.is_file() => {
                Sink::Direct(OpenOptions::new().write(true).open(&real).map_err(failed)?)
            }
            found => {
                if let Some(meta) = &found
                    && meta.nlink() > 1
                {
                    return Err(anyhow!(
                        "{} has {} hard links; replacing it would split them, so it is left as it is",
                        path.display(),
                        meta.nlink()
                    ));
                }
                // A new file is created with its final mode, so its commit
                // needs no fchmod; one that replaces a file is private
                // (0600) until it has that file's owner and mode.
                let mode = match &found {
                    None => wanted_mode(replace, None) & 0o777,
                    Some(_) => 0o600,
                };
                let (file, temp) = create_temp(&real, mode).map_err(failed)?;
                Sink::Temp {
                    file,
                    temp,
                    real,
                    replaced: found.map(Box::new),
                    replace,
                    committed: false,
                }
            }
        };
        Ok(Output { shown, sink })
    }

    /// Writes what `fill` writes; a failed write is named by the output's path.
    pub fn fill(
        &mut self,
        fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let file = match &mut self.sink {
            Sink::Direct(file) | Sink::Temp { file, .. } => file,
        };
        let mut sink = Recorder {
            inner: file,
            error: None,
        };
        let mut out = BufWriter::with_capacity(64 * 1024, &mut sink);
        let result = fill(&mut out).and_then(|()| Ok(out.flush()?));
        drop(out);
        match (result, sink.error) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(error)) => Err(write_failed(&self.shown, &error)),
            (Err(error), None) => Err(error),
        }
    }

    /// Makes the output final: the temporary file gets its owner and mode,
    /// is synced and renamed over the path.
    pub fn commit(self) -> anyhow::Result<()> {
        self.finish()?.commit()
    }

    /// Readies the output for its rename and closes it: the temporary
    /// file gets its owner and mode and is synced (unless part of a
    /// batch). [`Pending::commit`] then renames it over the path; a
    /// [`Pending`] dropped instead removes it. A batch writes all its
    /// files this way and renames them only once every input proved good,
    /// holding paths, not open files.
    pub fn finish(mut self) -> anyhow::Result<Pending> {
        let shown = self.shown.clone();
        let failed = |error: io::Error| write_failed(&shown, &error);
        let Sink::Temp {
            file,
            temp,
            real,
            replaced,
            replace,
            committed,
        } = &mut self.sink
        else {
            return Ok(Pending { shown, temp: None });
        };
        let mode = wanted_mode(*replace, replaced.as_deref());
        if let Some(old) = &replaced {
            keep_owner(file, old, &shown);
        }
        // A new file was created with its mode already (see create_temp).
        if replaced.is_some() || !created_with(mode) {
            file.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(failed)?;
        }
        if !replace.batch {
            file.sync_all().map_err(failed)?;
        }
        // From here the temporary file is the Pending's to rename or remove.
        *committed = true;
        let temp = PendingTemp {
            temp: std::mem::take(temp),
            real: std::mem::take(real),
            replace: *replace,
        };
        Ok(Pending {
            shown,
            temp: Some(temp),
        })
    }
}

/// An output written and closed, waiting for its rename
/// ([`Output::finish`]).
pub struct Pending {
    shown: PathBuf,
    /// None for a device or FIFO, written as it is.
    temp: Option<PendingTemp>,
}

struct PendingTemp {
    temp: PathBuf,
    real: PathBuf,
    replace: Replace,
}

impl Pending {
    /// Renames the temporary file over the path and, unless part of a
    /// batch, syncs its folder.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let Some(PendingTemp {
            temp,
            real,
            replace,
        }) = self.temp.take()
        else {
            return Ok(());
        };
        let shown = &self.shown;
        let failed = |error: io::Error| write_failed(shown, &error);
        let live = live();
        let renamed = if replace.no_clobber {
            fs::hard_link(&temp, &real)
                .map_err(|error| match error.kind() {
                    io::ErrorKind::AlreadyExists => {
                        anyhow!("{} exists; it is left as it is", shown.display())
                    }
                    _ => failed(error),
                })
                .map(|()| drop(fs::remove_file(&temp)))
        } else {
            fs::rename(&temp, &real).map_err(failed)
        };
        if renamed.is_err() {
            let _ = fs::remove_file(&temp);
        }
        forget(live, &temp);
        renamed?;
        if replace.batch {
            return Ok(());
        }
        if let Ok(dir) = File::open(folder(&real)) {
            // Makes the rename itself durable; not all file systems allow it.
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(PendingTemp { temp, .. }) = &self.temp {
            let live = live();
            let _ = fs::remove_file(temp);
            forget(live, temp);
        }
    }
}

/// The mode a new file gets: the one asked for, else the replaced file's,
/// else 0644.
fn wanted_mode(replace: Replace, replaced: Option<&Metadata>) -> u32 {
    match (replace.mode, replaced) {
        (Some(mode), _) => mode,
        (None, Some(old)) => old.mode() & 0o7777,
        (None, None) => 0o644,
    }
}

/// Whether a file created with `mode` has it exactly: the process's umask
/// (read once) takes none of its bits, and it has no set-id or sticky bit.
fn created_with(mode: u32) -> bool {
    mode & !0o777 == 0 && umask().is_some_and(|mask| mode & mask == 0)
}

/// The process's umask, from /proc/self/status (Linux 4.7 and later);
/// None where that cannot be read. umask(2) cannot read it without
/// setting it, a race with threads creating files.
fn umask() -> Option<u32> {
    static UMASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(line.trim(), 8).ok()
    })
}

/// Makes a batch of files written into `dir` durable with one call: the
/// file system holding `dir` is flushed as a whole (`syncfs`), then `dir`
/// itself. One flush costs what one file's sync costs, where a sync per
/// file made a batch of small files wait on the disk thousands of times.
pub fn sync_batch(dir: &Path) -> anyhow::Result<()> {
    let failed = |error: io::Error| anyhow!("syncing {}: {}", dir.display(), os_words(&error));
    let folder = File::open(dir).map_err(failed)?;
    flush_file_system(&folder).map_err(failed)?;
    // Some file systems refuse to sync a folder; the flush above holds it.
    let _ = folder.sync_all();
    Ok(())
}

/// Writes a batch's files back while the batch goes on, so that its
/// closing [`sync_batch`] waits only for the last of them: every
/// [`Flusher::EVERY`] files written, a thread flushes the file system
/// holding the folder. A head start, not a promise: its errors are left to
/// the closing sync, which alone makes the batch durable. Dropping the
/// flusher waits for a flush under way.
pub struct Flusher {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    written: std::sync::atomic::AtomicUsize,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    /// Files written between two flushes.
    const EVERY: usize = 256;

    /// A flusher for the batch written into `dir`.
    pub fn start(dir: &Path) -> Flusher {
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let dir = dir.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("flush".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    if let Ok(folder) = File::open(&dir) {
                        let _ = flush_file_system(&folder);
                    }
                }
            })
            .ok();
        Flusher {
            wake: Some(wake),
            written: std::sync::atomic::AtomicUsize::new(0),
            thread,
        }
    }

    /// Counts one file written; every [`Flusher::EVERY`] wakes the thread
    /// (a wake-up while it flushes is dropped, not queued).
    pub fn written(&self) {
        let n = self
            .written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        if n.is_multiple_of(Self::EVERY)
            && let Some(wake) = &self.wake
        {
            let _ = wake.try_send(());
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(target_os = "linux")]
fn flush_file_system(folder: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs on a descriptor owned by `folder` for the whole call.
    match unsafe { libc::syncfs(folder.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn flush_file_system(_folder: &File) -> io::Result<()> {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    Ok(())
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Sink::Temp {
            temp,
            committed: false,
            ..
        } = &self.sink
        {
            let live = live();
            let _ = fs::remove_file(temp);
            forget(live, temp);
        }
    }
}

/// A writer that keeps the first error of the file under it, so a failed
/// write is told apart from a failure of whatever fills the output.
struct Recorder<'a> {
    inner: &'a mut File,
    error: Option<io::Error>,
}

impl Write for Recorder<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.record(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.record(result)
    }
}

impl Recorder<'_> {
    fn record<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        result.inspect_err(|error| {
            let copy = match error.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::new(error.kind(), error.to_string()),
            };
            self.error.get_or_insert(copy);
        })
    }
}

/// The file a path ends at, following symbolic links one by one (a
/// relative link from its own folder), and what is there if anything.
fn resolve(path: &Path) -> io::Result<(PathBuf, Option<Metadata>)> {
    let mut real = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&real) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&real)?;
                real = real.parent().unwrap_or(Path::new("")).join(target);
            }
            Ok(meta) => return Ok((real, Some(meta))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok((real, None)),
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// The folder a file is in (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// A new, registered temporary file `.NAME.XXXXXXXX.tmp` (`mode`, less
/// the umask) beside `real`.
fn create_temp(real: &Path, mode: u32) -> io::Result<(File, PathBuf)> {
    use std::hash::{BuildHasher, Hasher};
    let name = real
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    watch_signals();
    let mut live = live();
    let random = std::collections::hash_map::RandomState::new();
    for attempt in 0u64..100 {
        let mut hasher = random.build_hasher();
        hasher.write_u64(attempt);
        let tag = format!("{:08x}", hasher.finish() as u32);
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{tag}.tmp"));
        let temp = folder(real).join(temp_name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)
        {
            Ok(file) => {
                live.insert(temp.clone());
                return Ok((file, temp));
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::from_raw_os_error(libc::EEXIST))
}

/// Gives the temporary file the owner and group of the file it replaces;
/// says so in a notice when that is not allowed.
fn keep_owner(file: &File, old: &Metadata, shown: &Path) {
    let Ok(new) = file.metadata() else { return };
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return;
    }
    if let Err(error) = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())) {
        let now = file
            .metadata()
            .map_or((new.uid(), new.gid()), |m| (m.uid(), m.gid()));
        crate::cli::print_notice(format_args!(
            "{}: the owner {}:{} could not be kept ({}); the new file is owned by {}:{}",
            shown.display(),
            old.uid(),
            old.gid(),
            os_words(&error),
            now.0,
            now.1
        ));
    }
}

/// A failed write of the user's `path`.
fn write_failed(path: &Path, error: &io::Error) -> anyhow::Error {
    anyhow!("writing {}: {}", path.display(), os_words(error))
}

/// The temporary files alive now, for the signal handler to remove.
/// A set, not a list: a batch keeps thousands alive until its renames,
/// and each rename forgets one (a list's retain made that quadratic).
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn live() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn forget(mut live: MutexGuard<'static, BTreeSet<PathBuf>>, temp: &Path) {
    live.remove(temp);
}

/// Makes SIGINT and SIGTERM remove the live temporary files and end the
/// process with 128 + the signal (130, 143), from the first temporary file
/// on; before it a signal ends the process as usual, so a run that writes
/// no file (a one-shot `sign` to standard output, `verify`) starts no
/// thread for it. The handler only writes the signal's number to a pipe;
/// a thread reading the pipe removes the files and ends the process,
/// holding the registry's lock, under which every temporary file is
/// created and renamed: none is removed half-way through a rename. A
/// signal the parent set to be ignored (a background job) stays ignored.
fn watch_signals() {
    static WATCHING: std::sync::Once = std::sync::Once::new();
    WATCHING.call_once(|| {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two new descriptors into `fds`.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        // SAFETY: the read end is new and owned by the thread from here.
        let mut signals = unsafe { <File as std::os::fd::FromRawFd>::from_raw_fd(fds[0]) };
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let mut signal = [0u8];
                if io::Read::read_exact(&mut signals, &mut signal).is_err() {
                    return;
                }
                let live = live();
                for temp in live.iter() {
                    let _ = fs::remove_file(temp);
                }
                // SAFETY: ends the process at once, holding the registry, so
                // no other thread creates or renames a temporary file meanwhile.
                unsafe { libc::_exit(128 + i32::from(signal[0])) }
            });
        if spawned.is_err() {
            // SAFETY: closes the write end, which nothing else holds.
            unsafe { libc::close(fds[1]) };
            return;
        }
        SIGNAL_PIPE.store(fds[1], std::sync::atomic::Ordering::Relaxed);
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: reads, then sets, the disposition of `signal` with
            // sigaction structs owned here; `on_signal` is async-signal-safe.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

/// The write end of [`watch_signals`]' pipe.
static SIGNAL_PIPE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// The handler of SIGINT and SIGTERM: hands the signal to the watching
/// thread (write(2) is async-signal-safe), keeping the interrupted code's errno.
extern "C" fn on_signal(signal: libc::c_int) {
    let byte = signal as u8;
    // SAFETY: errno is this thread's; the pipe's write end stays open for
    // the life of the process, and one byte is written from `byte`.
    unsafe {
        let errno = *libc::__errno_location();
        libc::write(
            SIGNAL_PIPE.load(std::sync::atomic::Ordering::Relaxed),
            (&raw const byte).cast(),
            1,
        );
        *libc::__errno_location() = errno;
    }
}

pub use dkimctl::input::{KEY, LIST, Limit, MESSAGE};

/// The whole of a file (standard input for `-`) up to `limit`; an error
/// names it ("reading PATH: ...").
pub fn read_file(path: &Path, limit: Limit) -> anyhow::Result<Vec<u8>> {
    Ok(dkimctl::input::read_file(path, limit)?)
}

/// Standard input for `-` (once per run), else the file at `path`, for
/// streaming; an error names it ("reading PATH: ...").
pub fn open_input(path: &Path) -> anyhow::Result<Box<dyn std::io::Read>> {
    if dkimctl::input::is_stdin(path) {
        return Ok(Box::new(dkimctl::input::take_stdin()?.lock()));
    }
    Ok(Box::new(open(path)?))
}

/// The files of a run's inputs ([`expand_inputs`]).
pub struct Expanded {
    /// The files, in order.
    pub files: Vec<PathBuf>,
    /// Whether the user asked for several messages: more than one
    /// argument, or a directory (even one holding a single file).
    pub several: bool,
}

/// Files named on the command line, with directories replaced by the
/// regular files directly inside them (sorted), leaving out dot-files:
/// hidden files, and the `.NAME.XXXX.tmp` files an interrupted
/// `--in-place` run leaves, which must not be signed as messages.
pub fn expand_inputs(inputs: &[PathBuf]) -> anyhow::Result<Expanded> {
    let mut files = Vec::new();
    let mut several = inputs.len() > 1;
    for input in inputs {
        if input.is_dir() {
            several = true;
            let mut inside: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|error| read_failed(&input.display().to_string(), error))?
                .filter_map(Result::ok)
                .filter(|e| !e.file_name().as_encoded_bytes().starts_with(b"."))
                .filter(is_regular_file)
                .map(|e| e.path())
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(input.clone());
        }
    }
    Ok(Expanded { files, several })
}

/// Whether a directory entry is a regular file, or a link to one. The
/// type comes with the listing on most file systems, so thousands of
/// entries cost no stat each.
fn is_regular_file(entry: &fs::DirEntry) -> bool {
    match entry.file_type() {
        Ok(kind) if kind.is_symlink() => entry.path().is_file(),
        Ok(kind) => kind.is_file(),
        Err(_) => entry.path().is_file(),
    }
}

/// A file that can be read twice: the file at `path`, or standard input
/// for `-` spooled to an anonymous temporary file (at most `MESSAGE`).
pub fn open_rewindable(path: &Path) -> anyhow::Result<File> {
    if dkimctl::input::is_stdin(path) {
        let stdin = dkimctl::input::take_stdin()?.lock();
        return Ok(dkimctl::input::spool(
            stdin,
            dkimctl::input::STDIN_NAME,
            MESSAGE,
        )?);
    }
    open(path)
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

/// The whole of a UTF-8 text file (standard input for `-`) up to
/// `limit`; an error names it.
pub fn read_text(path: &Path, limit: Limit) -> anyhow::Result<String> {
    let bytes = read_file(path, limit)?;
    String::from_utf8(bytes).map_err(|_| {
        let name = dkimctl::input::display_name(path);
        anyhow::anyhow!("reading {name}: not UTF-8 text")
    })
}
