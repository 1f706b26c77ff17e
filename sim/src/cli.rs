//! The `shardsim` command line: `run` plays a scenario and writes its report, `check`
//! validates scenario files without running them.
//!
//! Exit codes: 0 when the run finished and every expectation held, 1 when an
//! expectation failed, 2 for invalid input (a bad or missing scenario file, bad
//! arguments, or an output folder that cannot be written).

/// Prints a line to stdout and ignores a closed pipe, so `shardsim run ... | head` ends
/// quietly instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod backup;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::metrics::RunOutcome;
use crate::report::{ReportFiles, check_destination, write_report};
use crate::scenario::Scenario;

/// Exit code when every expectation held.
pub const EXIT_OK: u8 = 0;
/// Exit code when the run finished but an expectation failed.
pub const EXIT_EXPECTATION_FAILED: u8 = 1;
/// Exit code for invalid input.
pub const EXIT_INVALID_INPUT: u8 = 2;

/// Deterministic simulator for peer-to-peer sharded backup.
#[derive(Debug, Parser)]
#[command(name = "shardsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its report folder.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Master seed, replacing the scenario's `seed` (0 to 2^63 - 1).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
        seed: Option<u64>,
        /// Report folder; defaults to reports/<scenario name> in the current folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Validate scenario files without running them.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Back up, restore and verify real folders with the reference engine.
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
}

/// Parses the process arguments, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with code 0, usage errors with 2.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_INVALID_INPUT));
        }
    };
    let code = match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
        } => run_command(&scenario, seed, out),
        Command::Check { scenarios } => check_command(&scenarios),
        Command::Backup { command } => backup::run(command),
    };
    ExitCode::from(code)
}

fn run_command(path: &Path, seed: Option<u64>, out: Option<PathBuf>) -> u8 {
    #[allow(
        clippy::disallowed_methods,
        reason = "wall time is shown on the terminal only"
    )]
    let started = std::time::Instant::now();

    let mut scenario = match Scenario::load(path) {
        Ok(scenario) => scenario,
        Err(error) => return report_invalid(&error),
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let out = out.unwrap_or_else(|| Path::new("reports").join(&scenario.name));
    // Checked before the run, so that a bad --out fails at once, not after hours.
    if let Err(error) = check_destination(&out) {
        eprintln!("error: {error}");
        return EXIT_INVALID_INPUT;
    }

    outln!(
        "running {} (seed {}, scenario hash {})",
        scenario.name,
        scenario.seed,
        scenario.hash()
    );
    let outcome = crate::simulation::run(&scenario);
    let files = match write_report(&outcome, &out) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return EXIT_INVALID_INPUT;
        }
    };

    print_outcome(&outcome, &files);
    let wall_s = started.elapsed().as_secs_f64();
    outln!("wall time {wall_s:.2} s");
    if outcome.expectations_met() {
        EXIT_OK
    } else {
        eprintln!(
            "error: an expectation failed; see above and {}",
            files.dir.display()
        );
        EXIT_EXPECTATION_FAILED
    }
}

fn print_outcome(outcome: &RunOutcome, files: &ReportFiles) {
    let summary = &outcome.summary;
    let rate = summary.drill_success_rate().map_or_else(
        || "no drills".to_string(),
        |rate| format!("{:.2}%", rate * 100.0),
    );
    outln!(
        "simulated {}: {} peers, {} backups, {} drills passed, {} failed ({rate})",
        outcome.scenario.duration,
        summary.peers,
        summary.backups_created,
        summary.drills_passed,
        summary.drills_failed
    );
    for line in &outcome.scripted {
        outln!("{line}");
    }
    let dir = files.dir.display().to_string();
    outln!("wrote {}/", dir.trim_end_matches('/'));
    for file in &files.files {
        let name = file.file_name().map(|name| name.to_string_lossy());
        outln!("  {}", name.unwrap_or_default());
    }
    for check in &outcome.expectations {
        let actual = check
            .actual
            .map_or_else(|| "not measured".to_string(), |value| format!("{value:.6}"));
        let verdict = if check.passed() { "ok" } else { "FAILED" };
        outln!(
            "{}: {actual}, minimum {}: {verdict}",
            check.key,
            check.minimum
        );
    }
}

fn check_command(paths: &[PathBuf]) -> u8 {
    let mut code = EXIT_OK;
    for path in paths {
        match Scenario::load(path) {
            Ok(scenario) => outln!(
                "{}: valid ({}, {}, k = {} of n = {}, {} over {})",
                path.display(),
                count(scenario.peer_count(), "peer"),
                count(scenario.regions().len() as u64, "region"),
                scenario.engine.k,
                scenario.engine.n,
                count(scenario.workload.total_backups(), "backup"),
                scenario.duration
            ),
            Err(error) => code = report_invalid(&error),
        }
        if let Ok(scenario) = Scenario::load(path) {
            print_traces(&scenario);
        }
    }
    code
}

/// One line per trace: its nodes, availability over observed time and skipped rows.
fn print_traces(scenario: &Scenario) {
    for (group, trace) in scenario.peers.iter().zip(&scenario.traces) {
        let (Some(source), Some(trace)) = (&group.trace, trace) else {
            continue;
        };
        outln!(
            "  trace {}: {}, availability {:.1}% of observed time, {} skipped",
            source.path,
            count(trace.nodes.len() as u64, "node"),
            trace.observed_availability() * 100.0,
            count(trace.skipped_rows as u64, "row")
        );
    }
}

fn report_invalid(error: &crate::ScenarioError) -> u8 {
    for line in error.to_string().lines() {
        eprintln!("error: {line}");
    }
    EXIT_INVALID_INPUT
}

/// `1 peer`, `2 peers`.
fn count(number: u64, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}
