//! The `smoke` binary: everything is in the library, so tests can run it in-process.

fn main() -> std::process::ExitCode {
    smoke::run(std::env::args_os())
}
