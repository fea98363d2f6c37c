//! The `aquant` command-line tool: composes the library; no DSP here.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
