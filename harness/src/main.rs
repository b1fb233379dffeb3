//! `faultline`: see `faultline --help`. `cargo run --release` with no arguments runs the
//! default scenario and writes a report.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    faultline::cli::main()
}
