//! `shardsim run`: the report folder, its replacement, and the exit codes.

use std::fs;

use crate::{SMALL, shardsim, stderr, stdout, write};

#[test]
fn writes_every_report_file() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    let output = shardsim(dir.path(), &["run", "small.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let report = dir.path().join("reports/small");
    for name in shardsim_sim::REPORT_FILES {
        let size = fs::metadata(report.join(name)).map(|meta| meta.len());
        assert!(size.is_ok_and(|size| size > 0), "{name} missing or empty");
    }
    let text = stdout(&output);
    assert!(text.contains("wrote reports/small/"), "{text}");
    assert!(text.contains("wall time"), "{text}");

    // The terminal shows wall time; the report files never do.
    let summary = fs::read_to_string(report.join("summary.csv")).expect("summary");
    assert!(!summary.contains("wall"), "{summary}");
    for (stem, caption) in [
        ("recovery", "Recovery over time"),
        ("durability", "Durability"),
        ("repair-traffic", "Repair traffic"),
        ("restore-latency", "Restore latency"),
    ] {
        let png = fs::read(report.join(format!("{stem}.png"))).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = fs::read_to_string(report.join(format!("{stem}.svg"))).expect("svg");
        assert!(svg.contains("virtual time (days)"), "{stem}");
        assert!(svg.contains(caption), "{stem}");
    }
}

#[test]
fn timeline_is_sampled_hourly() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    let output = shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let mut reader = csv::Reader::from_path(dir.path().join("out/timeline.csv")).expect("csv");
    let times: Vec<u64> = reader
        .records()
        .map(|record| record.expect("row")[0].parse().expect("integer time"))
        .collect();
    assert_eq!(times.len(), 3 * 24 + 1);
    assert!(times.iter().enumerate().all(|(i, &t)| t == i as u64 * 3600));
}

#[test]
fn backups_csv_has_one_row_per_backup() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);

    let mut reader = csv::Reader::from_path(dir.path().join("out/backups.csv")).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 12);
    for row in &rows {
        assert!(row[0].starts_with("backup_"), "{:?}", row);
        let stripes: u64 = row[5].parse().expect("stripes");
        let shards_total: u64 = row[6].parse().expect("shards");
        assert_eq!(shards_total, stripes * 5);
        let drills: u64 =
            row[8].parse::<u64>().expect("passed") + row[9].parse::<u64>().expect("failed");
        assert!(drills > 0, "every backup is drilled at least once: {row:?}");
    }
}

#[test]
fn rerun_replaces_the_earlier_report() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);
    let first = fs::read(dir.path().join("out/timeline.csv")).expect("timeline");

    let output = shardsim(
        dir.path(),
        &["run", "small.toml", "--out", "out", "--seed", "8"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let second = fs::read(dir.path().join("out/timeline.csv")).expect("timeline");
    assert_ne!(first, second);

    // No staging or retired folders are left beside the report.
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("listing")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn foreign_folder_is_left_untouched() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    fs::create_dir(dir.path().join("precious")).expect("mkdir");
    write(&dir.path().join("precious"), "thesis.tex", "do not lose me");

    let output = shardsim(dir.path(), &["run", "small.toml", "--out", "precious"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("holds an entry that a report would delete (thesis.tex)"),
        "{}",
        stderr(&output)
    );
    let kept = fs::read_to_string(dir.path().join("precious/thesis.tex")).expect("kept");
    assert_eq!(kept, "do not lose me");
    assert_eq!(
        fs::read_dir(dir.path().join("precious"))
            .expect("listing")
            .count(),
        1
    );
}

#[test]
fn failed_expectation_exits_1() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let strict = format!("{SMALL}\n[expect]\ndrill_success_rate_min = 1.0\n");
    // Churn at availability 0.71 fails some drills, so a perfect record is impossible.
    write(dir.path(), "strict.toml", &strict);
    let output = shardsim(dir.path(), &["run", "strict.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("expect.drill_success_rate_min: "));
    assert!(stdout(&output).contains(", minimum 1: FAILED"));
    assert!(
        dir.path().join("out/summary.csv").is_file(),
        "the report is still written"
    );

    let lenient = format!("{SMALL}\n[expect]\ndrill_success_rate_min = 0.1\n");
    write(dir.path(), "lenient.toml", &lenient);
    let output = shardsim(dir.path(), &["run", "lenient.toml", "--out", "out2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn extra_file_beside_a_report_is_kept() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);
    write(&dir.path().join("out"), "notes.txt", "mine");

    let output = shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("(notes.txt)"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stdout(&output).contains("running"),
        "checked before the run"
    );
    let kept = fs::read_to_string(dir.path().join("out/notes.txt")).expect("kept");
    assert_eq!(kept, "mine");
}

#[test]
fn unsuitable_out_paths_exit_2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    write(dir.path(), "afile", "x");
    fs::create_dir(dir.path().join("real")).expect("mkdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink("real", dir.path().join("link")).expect("symlink");

    for (out, expected) in [
        ("afile", "it is a file"),
        (".", "does not end in a folder name"),
        ("real/..", "does not end in a folder name"),
        ("link", "symbolic link"),
    ] {
        let output = shardsim(dir.path(), &["run", "small.toml", "--out", out]);
        assert_eq!(output.status.code(), Some(2), "--out {out}");
        assert!(
            stderr(&output).contains(expected),
            "--out {out}: {}",
            stderr(&output)
        );
    }
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("listing")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(
        fs::read_to_string(dir.path().join("afile")).expect("kept"),
        "x"
    );
}

#[test]
fn last_sample_falls_at_the_end() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let odd = format!("{SMALL}\n[report]\nsample_interval = \"5h\"\n");
    write(dir.path(), "odd.toml", &odd);
    let output = shardsim(dir.path(), &["run", "odd.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let timeline = read_table(&dir.path().join("out/timeline.csv"));
    assert_eq!(timeline.last().map(|row| row["time_s"]), Some(259_200));
    let timeline_drills: u64 = timeline
        .iter()
        .map(|row| row["drills_passed"] + row["drills_failed"])
        .sum();
    let summary = read_table(&dir.path().join("out/summary.csv"));
    let total = summary[0]["drills_passed"] + summary[0]["drills_failed"];
    assert_eq!(timeline_drills, total);
}

/// Reads the integer columns of a CSV file into one map per row, keyed by column name.
fn read_table(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, u64>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("row");
            headers
                .iter()
                .zip(record.iter())
                .filter_map(|(name, value)| Some((name.to_string(), value.parse().ok()?)))
                .collect()
        })
        .collect()
}

#[test]
fn scripted_events_report_what_they_did() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let text = format!(
        "{SMALL}\n[[timeline]]\nat = \"0s\"\naction = \"restore_burst\"\nfraction = 1.0\n\n\
         [[timeline]]\nat = \"1d\"\naction = \"mass_departure\"\nregion = \"eu\"\nfraction = 0.5\n"
    );
    write(dir.path(), "small.toml", &text);
    let output = shardsim(dir.path(), &["run", "small.toml", "--out", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // A burst before the first backup restores nothing, and the output reports it.
    let text = stdout(&output);
    assert!(
        text.contains(
            "timeline[0] restore_burst at 0d 00:00:00: 0 owners restored their latest backup, 0 passed"
        ),
        "{text}"
    );
    assert!(
        text.contains("timeline[1] mass_departure at 1d 00:00:00: 30 peers left for good"),
        "{text}"
    );
}
