//! End-to-end tests: scenarios run through the `shardsim` binary and the library.

mod backup;
mod check;
mod determinism;
mod library;
mod run;
mod theory;
mod trace;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small scenario that runs in well under a second.
pub const SMALL: &str = r#"
name = "small"
seed = 7
duration = "3d"

[[peers]]
region = "eu"
count = 60
capacity = "1GiB"
churn = { mean_online = "10h", mean_offline = "4h" }

[[peers]]
region = "us"
count = 60
capacity = "1GiB"
churn = { mean_online = "10h", mean_offline = "4h" }

[workload]
owners = 6
backups_per_owner = 2
first_backup = "30m"
interval = "1d"
size_min = "2MiB"
size_max = "24MiB"

[engine]
k = 3
n = 5

[drills]
interval = "6h"
"#;

/// Runs the binary with `args` in `dir`.
pub fn shardsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shardsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the shardsim binary starts")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the temporary folder is writable");
    path
}

/// Standard error of a finished command, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output of a finished command, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The repository root, where scenarios/ lives.
pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
