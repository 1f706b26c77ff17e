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

/// A year of churn with permanent departures and arrivals, with repair on or off.
fn year_of_departures(repair: &str) -> shardsim_sim::Summary {
    let text = format!(
        r#"
name = "year"
seed = 21
duration = "365d"
[[peers]]
region = "eu"
count = 300
capacity = "8GiB"
arrivals_per_day = 3.0
churn = {{ mean_online = "10h", mean_offline = "4h", lifetime = "90d" }}
[workload]
owners = 10
backups_per_owner = 2
interval = "1d"
size_min = "8MiB"
size_max = "16MiB"
[engine]
k = 3
n = 6
[drills]
interval = "7d"
{repair}
"#
    );
    let scenario = Scenario::parse(&text, "year.toml").expect("valid");
    run(&scenario).summary
}

#[test]
fn repair_keeps_what_no_repair_loses() {
    let without = year_of_departures("");
    let with = year_of_departures(
        "[repair]\npolicy = \"eager\"\naudit_interval = \"12h\"\nloss_timeout = \"2d\"",
    );

    // Most peers leave within the year (mean lifetime 90 days), taking their shards.
    assert!(
        without.peers_departed > 250,
        "{} departed",
        without.peers_departed
    );
    assert!(
        without.backups_lost > 0,
        "without repair some backups are lost"
    );
    assert_eq!(without.repairs, 0);
    assert_eq!(with.backups_lost, 0, "repair keeps every backup");
    assert!(with.repairs > 0);
    assert!(with.repair_bytes > 0);
}

#[test]
fn lazy_repair_repairs_less_often() {
    let eager = year_of_departures("[repair]\npolicy = \"eager\"\nloss_timeout = \"2d\"");
    let lazy =
        year_of_departures("[repair]\npolicy = \"lazy\"\nthreshold = 5\nloss_timeout = \"2d\"");
    assert!(
        lazy.repairs < eager.repairs,
        "lazy {} vs eager {}",
        lazy.repairs,
        eager.repairs
    );
    assert!(lazy.repair_bytes < eager.repair_bytes);
}
