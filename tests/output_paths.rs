//! Output paths a user (or an attacker) may hand us: devices, FIFOs,
//! symlinks, hard links, files owned by others, full disks, signals. Each
//! case checks the exit code, the exact `error:` line, and that nothing
//! else in the folder was created or changed.

use crate::util::{TestDir, fx, sign_args};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

const MESSAGE: &[u8] = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n";

/// Every name in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mknod_null(dir: &TestDir) -> std::path::PathBuf {
    let path = dir.join("null");
    let status = Command::new("mknod")
        .arg(&path)
        .args(["c", "1", "3"])
        .status()
        .unwrap();
    assert!(status.success(), "mknod needs root");
    path
}

#[test]
fn a_device_is_written_as_it_is_not_replaced() {
    let dir = TestDir::new();
    let null = mknod_null(&dir);
    dir.write("msg.eml", MESSAGE);
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["msg.eml", "-o", "null"]))
        .run()
        .assert_exit(0)
        .assert_stderr("");
    dir.cmd(&["keygen", "-t", "ed25519", "-o", "null", "--force"])
        .run()
        .assert_exit(0);
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device());
    assert_eq!(meta.mode() & 0o777, 0o644);
    assert_eq!(listing(dir.path()), ["msg.eml", "null"]);
}

#[test]
fn a_symlink_to_a_device_stays_a_link_to_it() {
    let dir = TestDir::new();
    mknod_null(&dir);
    std::os::unix::fs::symlink("null", dir.join("out")).unwrap();
    dir.write("msg.eml", MESSAGE);
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["msg.eml", "-o", "out"]))
        .run()
        .assert_exit(0);
    let link = std::fs::symlink_metadata(dir.join("out")).unwrap();
    assert!(link.file_type().is_symlink());
    let null = std::fs::symlink_metadata(dir.join("null")).unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!(listing(dir.path()), ["msg.eml", "null", "out"]);
}

#[test]
fn a_fifo_gets_the_message_and_stays_a_fifo() {
    let dir = TestDir::new();
    let fifo = dir.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    dir.write("msg.eml", MESSAGE);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["msg.eml", "-o", "pipe"]))
        .run()
        .assert_exit(0);
    let got = reader.join().unwrap();
    assert!(got.starts_with(b"DKIM-Signature: "));
    assert!(got.ends_with(MESSAGE));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(listing(dir.path()), ["msg.eml", "pipe"]);
}

#[test]
fn in_place_through_a_symlink_replaces_its_target() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("real")).unwrap();
    dir.write("real/msg.eml", MESSAGE);
    std::os::unix::fs::symlink("real/msg.eml", dir.join("link.eml")).unwrap();
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["link.eml", "--in-place"]))
        .run()
        .assert_exit(0)
        .assert_stderr("");
    assert!(
        std::fs::symlink_metadata(dir.join("link.eml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(dir.read("real/msg.eml").starts_with(b"DKIM-Signature: "));
    assert_eq!(listing(dir.path()), ["link.eml", "real"]);
    assert_eq!(listing(&dir.join("real")), ["msg.eml"]);
}

#[test]
fn a_dangling_symlink_creates_the_file_it_names() {
    let dir = TestDir::new();
    std::os::unix::fs::symlink("target.pem", dir.join("key.pem")).unwrap();
    dir.cmd(&["keygen", "-t", "ed25519", "-o", "key.pem", "--force"])
        .run()
        .assert_exit(0);
    assert!(
        std::fs::symlink_metadata(dir.join("key.pem"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let target = std::fs::metadata(dir.join("target.pem")).unwrap();
    assert_eq!(target.mode() & 0o777, 0o600);
    assert_eq!(listing(dir.path()), ["key.pem", "target.pem"]);
}

#[test]
fn in_place_refuses_a_hard_linked_file_and_goes_on() {
    let dir = TestDir::new();
    dir.write("a.eml", MESSAGE);
    std::fs::hard_link(dir.join("a.eml"), dir.join("b.eml")).unwrap();
    dir.write("c.eml", MESSAGE);
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["a.eml", "c.eml", "--in-place"]))
        .run()
        .assert_exit(2)
        .assert_stderr(
            "error: a.eml has 2 hard links; replacing it would split them, so it is left as it is\n",
        );
    assert_eq!(dir.read("a.eml"), MESSAGE);
    assert_eq!(std::fs::metadata(dir.join("b.eml")).unwrap().nlink(), 2);
    assert!(dir.read("c.eml").starts_with(b"DKIM-Signature: "));
    assert_eq!(listing(dir.path()), ["a.eml", "b.eml", "c.eml"]);
}

#[test]
fn in_place_keeps_owner_group_and_mode() {
    let dir = TestDir::new();
    let path = dir.write("msg.eml", MESSAGE);
    std::os::unix::fs::chown(&path, Some(1234), Some(1234)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let key = fx("keys/ed25519.pem");
    dir.cmd(&sign_args(&key, &["msg.eml", "--in-place"]))
        .run()
        .assert_exit(0)
        .assert_stderr("");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o7777),
        (1234, 1234, 0o640)
    );
    assert!(dir.read("msg.eml").starts_with(b"DKIM-Signature: "));
    assert_eq!(listing(dir.path()), ["msg.eml"]);
}

#[test]
fn keygen_to_a_full_stdout_leaves_no_key() {
    let dir = TestDir::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dkimctl"))
        .args(["keygen", "-t", "ed25519", "-o", "k.pem"])
        .current_dir(dir.path())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: writing standard output: no space left on device\n"
    );
    assert!(listing(dir.path()).is_empty());
}

/// `completions --dir` under a 1-byte RLIMIT_FSIZE, SIGXFSZ ignored.
#[test]
fn completions_on_a_full_disk_name_the_file_and_leave_no_folder() {
    let dir = TestDir::new();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dkimctl"));
    command
        .args(["completions", "--dir", "new/sub"])
        .current_dir(dir.path());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1000,
                rlim_max: 1000,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: writing new/sub/dkimctl.bash: file too large\n"
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn completions_into_a_file_says_so_in_words() {
    let dir = TestDir::new();
    dir.write("f", b"x");
    dir.cmd(&["completions", "--dir", "f"])
        .run()
        .assert_exit(2)
        .assert_stderr("error: --dir f: not a directory\n");
    assert_eq!(dir.read("f"), b"x");
    assert_eq!(listing(dir.path()), ["f"]);
}

/// A temporary key file is alive while keygen waits on a full pipe; the
/// signal removes it and the exit code says which signal it was.
#[test]
fn a_signal_removes_the_live_temporary_file() {
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let dir = TestDir::new();
        let mut fds = [0; 2];
        // SAFETY: a plain pipe(2).
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        use std::os::fd::FromRawFd;
        // SAFETY: the fds are fresh and owned here.
        let (read_end, mut write_end) = unsafe {
            (
                std::fs::File::from_raw_fd(fds[0]),
                std::fs::File::from_raw_fd(fds[1]),
            )
        };
        // SAFETY: F_GETPIPE_SZ on our pipe.
        let size = unsafe { libc::fcntl(fds[1], libc::F_GETPIPE_SZ) };
        std::io::Write::write_all(&mut write_end, &vec![b'x'; size as usize]).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_dkimctl"))
            .args(["keygen", "-t", "ed25519", "-o", "k.pem"])
            .current_dir(dir.path())
            .stdout(write_end)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !listing(dir.path()).iter().any(|n| n.ends_with(".tmp")) {
            assert!(
                std::time::Instant::now() < deadline,
                "no temporary file appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        assert_eq!(child.wait().unwrap().code(), Some(code));
        drop(read_end);
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    }
}

/// SIGTERM while `sign --in-place` writes a large message: exit 143, the
/// message whole (old or new), no temporary file left.
#[test]
fn sigterm_during_in_place_leaves_no_temporary_file() {
    let dir = TestDir::new();
    let mut big = MESSAGE.to_vec();
    big.extend(
        std::iter::repeat_n(
            b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n".as_slice(),
            1 << 20,
        )
        .flatten(),
    );
    dir.write("big.eml", &big);
    let key = fx("keys/ed25519.pem");
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dkimctl"))
            .args(sign_args(&key, &["big.eml", "--in-place", "--force"]))
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut seen = false;
        while child.try_wait().unwrap().is_none() {
            if listing(dir.path()).iter().any(|n| n.ends_with(".tmp")) {
                // SAFETY: a signal to our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
                seen = true;
                break;
            }
        }
        let code = child.wait().unwrap().code();
        assert_eq!(listing(dir.path()), ["big.eml"]);
        let now = dir.read("big.eml");
        assert!(now.ends_with(&big[big.len() - 100..]));
        if seen && code == Some(143) {
            return;
        }
    }
    panic!("SIGTERM never landed while the temporary file was alive");
}
