//! The library API: a run's outcome agrees with itself and with its scenario.

use shardsim_sim::{Scenario, run};

use crate::SMALL;

#[test]
fn run_outcome_is_consistent() {
    let scenario = Scenario::parse(SMALL, "small.toml").expect("valid");
    let outcome = run(&scenario);
    let summary = &outcome.summary;

    assert_eq!(summary.backups_created, 12);
    assert_eq!(outcome.backups.len(), 12);
    assert_eq!(summary.peers, 120);
    let drills: u64 = outcome
        .backups
        .iter()
        .map(|b| b.drills_passed + b.drills_failed)
        .sum();
    assert_eq!(drills, summary.drills_passed + summary.drills_failed);
    let timeline_drills: u64 = outcome
        .timeline
        .iter()
        .map(|r| r.drills_passed + r.drills_failed)
        .sum();
    assert_eq!(timeline_drills, drills);

    // Logical bytes are charged at the logical size: n / k times the backup size.
    let logical: u64 = outcome.backups.iter().map(|b| b.size_bytes).sum();
    let stored = summary.stored_bytes as f64;
    let expected = logical as f64 * 5.0 / 3.0;
    assert!(
        (stored / expected - 1.0).abs() < 0.01,
        "stored {stored}, expected {expected}"
    );
    assert_eq!(summary.stored_bytes, summary.upload_bytes);

    // Materialised bytes are far smaller than logical ones.
    let materialised: u64 = outcome.backups.iter().map(|b| b.materialised_bytes).sum();
    assert!(materialised * 100 < logical);
}

#[test]
fn drills_fail_when_every_peer_is_mostly_offline() {
    let bleak = SMALL.replace(
        "mean_online = \"10h\", mean_offline = \"4h\"",
        "mean_online = \"1h\", mean_offline = \"9h\"",
    );
    let scenario = Scenario::parse(&bleak, "bleak.toml").expect("valid");
    let outcome = run(&scenario);
    let rate = outcome.summary.drill_success_rate().expect("drills ran");
    // At availability 0.1 a stripe needs 3 of 5 holders online: probability under 0.01.
    assert!(rate < 0.05, "drill success {rate}");
}

#[test]
fn drills_pass_without_churn() {
    let steady = SMALL.replace(
        "churn = { mean_online = \"10h\", mean_offline = \"4h\" }\n",
        "",
    );
    let scenario = Scenario::parse(&steady, "steady.toml").expect("valid");
    let outcome = run(&scenario);
    assert_eq!(outcome.summary.drills_failed, 0);
    assert!(outcome.summary.drills_passed > 0);
    assert_eq!(outcome.summary.restorable_fraction_min, Some(1.0));
}
