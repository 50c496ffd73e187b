//! The architecture the README's layout table describes, checked on the
//! source: the library never prints or exits, and the layers import
//! downwards only (`dkim` below `diagnosis`, the catalogue apart).

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (path relative to src/, text) of every library source file.
fn library() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .filter(|(rel, _)| !rel.starts_with("cli/") && rel != "main.rs")
        .collect()
}

/// The code of a file before its unit tests.
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

#[test]
fn the_library_neither_prints_nor_exits() {
    let mut seen = 0;
    for (path, text) in library() {
        for banned in [
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "std::process::exit",
        ] {
            assert!(!code(&text).contains(banned), "src/{path} uses {banned}");
        }
        seen += 1;
    }
    assert!(seen >= 40, "only {seen} files read");
}

#[test]
fn layers_import_downwards() {
    for (path, text) in library() {
        let code = code(&text);
        let uses = |module: &str| {
            code.lines()
                .filter(|l| l.trim_start().starts_with("use ") || l.contains("crate::"))
                .any(|l| l.contains(module))
        };
        if path.starts_with("dkim/") || path.starts_with("key/") || path.starts_with("dns/") {
            // The finding catalogue is the one vocabulary every layer speaks;
            // the rest of diagnosis sits above.
            let above = code
                .match_indices("crate::diagnosis::")
                .any(|(at, _)| !code[at..].starts_with("crate::diagnosis::finding"));
            assert!(!above, "src/{path} imports from diagnosis above it");
            assert!(
                !uses("crate::records"),
                "src/{path} imports the record-set generator"
            );
        }
        if path == "dkim/verify.rs" {
            let from_sign = ["dkim::sign::", "dkim::sign;", "dkim::sign,", "dkim::sign}"];
            assert!(
                !from_sign.iter().any(|m| uses(m)),
                "verify imports from sign"
            );
        }
        if path == "diagnosis/checks.rs" {
            assert!(
                !uses("crate::records"),
                "checks imports the record-set generator"
            );
        }
    }
}

/// The dependency names in a manifest's `[dependencies]` table.
fn dependencies(manifest: &str) -> Vec<String> {
    manifest
        .split("\n[")
        .find(|table| table.starts_with("dependencies]"))
        .unwrap_or("")
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The fuzz crate compiles `src/cli/` by path (the `cli_args` target), so
/// a crate `src/cli/` starts using must be listed there too, or the fuzz
/// crate stops building while `cargo test` stays green.
#[test]
fn the_fuzz_crate_lists_every_crate_the_cli_uses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let fuzz = dependencies(&read("tests/fuzz/Cargo.toml"));
    let mut files = Vec::new();
    sources(&root.join("src/cli"), &mut files);
    let cli: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut missing = Vec::new();
    for name in dependencies(&read("Cargo.toml")) {
        let path = format!("{}::", name.replace('-', "_"));
        if cli.contains(&path) && !fuzz.contains(&name) && name != "dkimctl" {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "src/cli/ uses {missing:?}, which tests/fuzz/Cargo.toml does not list (cli_args would not build)"
    );
    assert!(fuzz.contains(&"clap".to_string()), "{fuzz:?}");
}
