//! Same seed, same bytes; another seed, another timeline.

use std::fs;
use std::path::Path;

use crate::{SMALL, shardsim, stderr, write};

fn run(dir: &Path, out: &str, seed: &str) {
    let output = shardsim(dir, &["run", "small.toml", "--out", out, "--seed", seed]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn same_seed_gives_identical_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    run(dir.path(), "first", "99");
    run(dir.path(), "second", "99");

    for name in shardsim_sim::REPORT_FILES {
        let first = fs::read(dir.path().join("first").join(name)).expect(name);
        let second = fs::read(dir.path().join("second").join(name)).expect(name);
        assert!(
            first == second,
            "{name} differs between two runs with seed 99"
        );
    }
}

#[test]
fn other_seed_gives_other_timeline() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    run(dir.path(), "first", "99");
    run(dir.path(), "other", "100");

    let timeline =
        |out: &str| fs::read(dir.path().join(out).join("timeline.csv")).expect("timeline");
    assert_ne!(timeline("first"), timeline("other"));

    let summary = fs::read_to_string(dir.path().join("other/summary.csv")).expect("summary");
    let row = summary.lines().nth(1).expect("one data row");
    assert_eq!(
        row.split(',').nth(3),
        Some("100"),
        "summary records the seed"
    );
}
