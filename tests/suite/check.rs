//! `shardsim check`: valid files pass, invalid ones fail with code 2 and a located
//! message.

use crate::{SMALL, repository, shardsim, stderr, stdout, write};

/// Each case: a change to the small scenario, and the `file:line: key` prefix its
/// error must start with.
const BAD_FILES: [(&str, &str, &str); 7] = [
    (
        "k = 3\n",
        "k = 3\nreplicas = 2\n",
        "bad.toml:28: engine.replicas: unknown field",
    ),
    (
        "count = 60\ncapacity = \"1GiB\"\nchurn = { mean_online = \"10h\", mean_offline = \"4h\" }\n\n[workload]",
        "count = 0\ncapacity = \"1GiB\"\nchurn = { mean_online = \"10h\", mean_offline = \"4h\" }\n\n[workload]",
        "bad.toml:14: peers[1].count: must be at least 1",
    ),
    (
        "owners = 6",
        "owners = -6",
        "bad.toml:19: workload.owners: invalid value",
    ),
    (
        "k = 3",
        "k = 6",
        "bad.toml:27: engine.k: k = 6 exceeds n = 5",
    ),
    (
        "n = 5",
        "n = 257",
        "bad.toml:28: engine.n: n = 257 exceeds 256",
    ),
    (
        "duration = \"3d\"",
        "duration = \"3days\"",
        "bad.toml:4: duration: invalid duration \"3days\"",
    ),
    (
        "interval = \"1d\"",
        "interval = \"1.5d\"",
        "bad.toml:22: workload.interval: invalid duration",
    ),
];

#[test]
fn quickstart_is_valid() {
    let output = shardsim(&repository(), &["check", "scenarios/quickstart.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .contains("valid (600 peers, 3 regions, k = 3 of n = 5, 120 backups over 30d)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn every_library_scenario_is_valid() {
    let mut paths: Vec<String> = std::fs::read_dir(repository().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .map(|path| path.display().to_string())
        .collect();
    paths.sort();
    assert!(!paths.is_empty());

    let mut args = vec!["check"];
    args.extend(paths.iter().map(String::as_str));
    let output = shardsim(&repository(), &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn every_library_scenario_runs() {
    let out = tempfile::tempdir().expect("temporary folder");
    let scenarios = repository().join("scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&scenarios)
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .to_string();
        let report = out.path().join(&name);
        let args = [
            "run",
            path.to_str().expect("UTF-8 path"),
            "--out",
            report.to_str().expect("UTF-8 path"),
        ];
        let output = shardsim(&repository(), &args);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));

        // The last timeline sample matches the world the summary describes.
        let mut summary = csv::Reader::from_path(report.join("summary.csv")).expect("summary");
        let header = summary.headers().expect("header").clone();
        let row = summary
            .records()
            .next()
            .expect("one row")
            .expect("readable row");
        let column = |name: &str| header.iter().position(|column| column == name).expect(name);
        let at_end = &row[column("backups_restorable_at_end")];

        let mut timeline = csv::Reader::from_path(report.join("timeline.csv")).expect("timeline");
        let header = timeline.headers().expect("header").clone();
        let last = timeline
            .records()
            .last()
            .expect("samples")
            .expect("readable row");
        let restorable = header
            .iter()
            .position(|column| column == "backups_restorable")
            .expect("backups_restorable");
        assert_eq!(&last[restorable], at_end, "{name}");
    }
}

#[test]
fn invalid_files_are_located() {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (from, to, expected) in BAD_FILES {
        assert!(
            SMALL.contains(from),
            "case {expected}: {from:?} not in the scenario"
        );
        write(dir.path(), "bad.toml", &SMALL.replacen(from, to, 1));
        let output = shardsim(dir.path(), &["check", "bad.toml"]);
        assert_eq!(output.status.code(), Some(2), "case {expected}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("error: {expected}")),
            "expected {expected:?}, got {message:?}"
        );
    }
}

#[test]
fn missing_file_exits_2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let output = shardsim(dir.path(), &["check", "absent.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read scenario file absent.toml"));

    let output = shardsim(dir.path(), &["run", "absent.toml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn one_bad_file_fails_the_check() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "good.toml", SMALL);
    write(dir.path(), "bad.toml", &SMALL.replace("k = 3", "k = 0"));
    let output = shardsim(dir.path(), &["check", "good.toml", "bad.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("good.toml: valid"));
    assert!(stderr(&output).contains("bad.toml:27: engine.k: must be at least 1"));
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "small.toml", SMALL);
    let output = shardsim(dir.path(), &["run", "small.toml", "--seed", "-1"]);
    assert_eq!(output.status.code(), Some(2));
    let output = shardsim(dir.path(), &["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}
