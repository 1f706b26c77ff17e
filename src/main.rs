//! The `shardsim` binary; the command line itself lives in `shardsim_sim::cli`.

fn main() -> std::process::ExitCode {
    shardsim_sim::cli::main()
}
