//! The `dkimctl` binary: parses flags, calls the library, renders results
//! and picks the exit code. Every decision lives in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
