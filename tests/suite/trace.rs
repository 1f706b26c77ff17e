//! Trace replay: peers follow a trace's intervals, so the simulated availability matches
//! the trace's own.

use std::fmt::Write as _;

use shardsim_sim::{Scenario, run};

const NODES: usize = 300;
const DAYS: u64 = 60;
const SAMPLE_HOURS: u64 = 12;

/// A sessions-format trace of `NODES` nodes over `DAYS` days with exponential sessions
/// (mean 5 h online, 3 h offline) from a fixed xorshift generator, and its exact
/// time-weighted availability over the run.
fn synthetic_trace() -> (String, f64) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };

    let window_ms = DAYS * 86_400_000;
    let mut text = String::new();
    let mut online_ms = 0u64;
    for node in 0..NODES {
        let first_online = uniform() < 0.625;
        write!(text, "node{node:04} {} 0 0", u8::from(first_online)).expect("string");
        let (mut at, mut online) = (0u64, first_online);
        while at < window_ms {
            let mean_ms = if online {
                5.0 * 3_600_000.0
            } else {
                3.0 * 3_600_000.0
            };
            let length = ((-mean_ms * uniform().ln()) as u64).clamp(1, window_ms - at);
            write!(text, " {length}").expect("string");
            if online {
                online_ms += length;
            }
            at += length;
            online = !online;
        }
        text.push('\n');
    }
    (text, online_ms as f64 / (NODES as u64 * window_ms) as f64)
}

#[test]
fn replayed_availability_matches_the_trace() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (trace, availability) = synthetic_trace();
    std::fs::write(dir.path().join("phones.txt"), trace).expect("writes");
    let scenario_text = format!(
        r#"
name = "replay"
seed = 3
duration = "{DAYS}d"
[[peers]]
region = "phones"
count = {NODES}
capacity = "1GiB"
trace = {{ path = "phones.txt", format = "sessions" }}
[workload]
owners = 1
backups_per_owner = 1
interval = "1d"
size_min = "1MiB"
size_max = "1MiB"
[engine]
k = 1
n = 1
[report]
sample_interval = "{SAMPLE_HOURS}h"
"#
    );
    let path = dir.path().join("replay.toml");
    std::fs::write(&path, scenario_text).expect("writes");
    let scenario = Scenario::load(&path).expect("valid");
    let outcome = run(&scenario);

    // Samples 12 hours apart are independent up to exp(-12 (1/5 + 1/3)) = 0.002, so the
    // sample mean of NODES x samples Bernoulli observations has the standard error below.
    let samples: Vec<f64> = outcome
        .timeline
        .iter()
        .map(|row| row.online_peers as f64)
        .collect();
    let observations = (samples.len() * NODES) as f64;
    let simulated = samples.iter().sum::<f64>() / observations;
    let tolerance = 4.5 * (availability * (1.0 - availability) / observations).sqrt();
    assert!(
        (simulated - availability).abs() <= tolerance,
        "simulated {simulated:.4}, trace {availability:.4}, tolerance {tolerance:.4}"
    );
    assert!(
        (availability - 0.625).abs() < 0.02,
        "the generator gives about 5 / 8"
    );
}

#[test]
fn trace_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("bad.txt"), "a 1 0 0 1000\nb 1 0 0 -5\n").expect("writes");
    let text = |skip: bool| {
        format!(
            r#"
name = "bad"
seed = 1
duration = "1d"
[[peers]]
region = "x"
count = 1
capacity = "1GiB"
trace = {{ path = "bad.txt", format = "sessions", skip_invalid = {skip} }}
[workload]
owners = 1
backups_per_owner = 1
interval = "1d"
size_min = "1MiB"
size_max = "1MiB"
[engine]
k = 1
n = 1
"#
        )
    };
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text(false)).expect("writes");
    let error = Scenario::load(&path).expect_err("invalid row").to_string();
    assert!(error.contains("peers[0].trace.path"), "{error}");
    assert!(
        error.contains("bad.txt:2: duration -5 ms is negative"),
        "{error}"
    );

    std::fs::write(&path, text(true)).expect("writes");
    let scenario = Scenario::load(&path).expect("skips the row");
    let trace = scenario.traces[0].as_ref().expect("loaded");
    assert_eq!(trace.skipped_rows, 1);
}
