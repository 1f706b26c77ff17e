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

    // Every shard is placed, found no holder, or is on its way at the end.
    assert_eq!(
        summary.shards_placed + summary.shards_unplaced + summary.shards_in_flight,
        summary.stripes * u64::from(summary.n)
    );

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
    year_of_departures_outcome(repair).summary
}

fn year_of_departures_outcome(repair: &str) -> shardsim_sim::RunOutcome {
    let scenario = Scenario::parse(&year_text(repair), "year.toml").expect("valid");
    run(&scenario)
}

/// Builds the scenario text of [`year_of_departures`].
fn year_text(repair: &str) -> String {
    format!(
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
    )
}

#[test]
fn repair_takes_longer_on_a_slower_uplink() {
    let repair = "[repair]\npolicy = \"eager\"\nloss_timeout = \"2d\"";
    let latency = |owner_upload: &str| {
        let text = year_text(repair).replace(
            "size_min",
            &format!("owner_upload = \"{owner_upload}\"\nsize_min"),
        );
        let summary = run(&Scenario::parse(&text, "year.toml").expect("valid")).summary;
        assert_eq!(summary.backups_lost, 0);
        summary.repair_latency_p50_s.expect("repairs landed")
    };

    // A rebuilt shard of 1 MiB takes 0.4 s to upload at 20 Mbit/s and 4.2 s at 2.
    let fast = latency("20Mbit/s");
    let slow = latency("2Mbit/s");
    assert!(slow > fast + 3.0, "{slow} s vs {fast} s");
}

#[test]
fn timeline_tracks_repairs_and_stripes_below_threshold() {
    let without = year_of_departures_outcome("");
    let with = year_of_departures_outcome("[repair]\npolicy = \"eager\"\nloss_timeout = \"2d\"");

    // The intervals add up to the run's totals.
    for outcome in [&without, &with] {
        let timeline = &outcome.timeline;
        let summary = &outcome.summary;
        assert_eq!(
            timeline.iter().map(|row| row.repairs).sum::<u64>(),
            summary.repairs
        );
        assert_eq!(
            timeline.iter().map(|row| row.repair_bytes).sum::<u64>(),
            summary.repair_bytes
        );
        assert_eq!(
            timeline.iter().map(|row| row.restores).sum::<u64>(),
            summary.drills_passed
        );
        let measured: Vec<(f64, f64)> = timeline
            .iter()
            .filter_map(|row| Some((row.restore_latency_p50_s?, row.restore_latency_p99_s?)))
            .collect();
        assert!(!measured.is_empty());
        assert!(measured.iter().all(|(p50, p99)| p50 <= p99));
    }

    // Without repair the threshold is n, so only stripes that lost all their shards
    // count, and departures make more of them over the year. Repair keeps the stripes
    // below its threshold of one lost shard few.
    let at_end = |outcome: &shardsim_sim::RunOutcome| {
        outcome
            .timeline
            .last()
            .expect("samples")
            .stripes_below_threshold
    };
    assert!(at_end(&without) > 0);
    let stripes = with.summary.stripes;
    assert!(
        with.summary.stripes_below_threshold_max * 4 < stripes,
        "{} of {stripes}",
        with.summary.stripes_below_threshold_max
    );
    assert!(
        with.timeline
            .iter()
            .any(|row| row.stripes_below_threshold > 0)
    );
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
fn threshold_of_n_turns_repair_off() {
    let without = year_of_departures("");
    let off = year_of_departures("[repair]\nthreshold = 6\nloss_timeout = \"2d\"");
    assert_eq!(off.repairs, 0);
    assert_eq!(off.repair_bytes, 0);
    assert_eq!(off.backups_lost, without.backups_lost);
}

#[test]
fn lazy_repair_repairs_less_often() {
    let eager = year_of_departures("[repair]\npolicy = \"eager\"\nloss_timeout = \"2d\"");
    let lazy =
        year_of_departures("[repair]\npolicy = \"lazy\"\nthreshold = 2\nloss_timeout = \"2d\"");
    assert!(
        lazy.repairs < eager.repairs,
        "lazy {} vs eager {}",
        lazy.repairs,
        eager.repairs
    );
    assert!(lazy.repair_bytes < eager.repair_bytes);
}

#[test]
fn storage_class_sets_latency_and_cost() {
    let steady = SMALL.replace(
        "churn = { mean_online = \"10h\", mean_offline = \"4h\" }\n",
        "",
    );
    let glacier = steady.replace(
        "capacity = \"1GiB\"",
        "capacity = \"1GiB\"\nclass = \"glacier\"",
    );
    let hot = run(&Scenario::parse(&steady, "hot.toml").expect("valid")).summary;
    let cold = run(&Scenario::parse(&glacier, "glacier.toml").expect("valid")).summary;

    // Glacier delays every shard by 12 hours before the transfer, which takes seconds
    // at the default bandwidths.
    let hot_p50 = hot.restore_latency_p50_s.expect("drills passed");
    let cold_p50 = cold.restore_latency_p50_s.expect("drills passed");
    assert!((0.05..60.0).contains(&hot_p50), "{hot_p50}");
    assert!(
        (cold_p50 - 12.0 * 3600.0 - hot_p50).abs() < 1.0,
        "{cold_p50}"
    );

    // The same bytes stored for the same time cost 20 times less in glacier (0.001 per
    // GiB-month against 0.02).
    assert!(hot.storage_cost > 0.0);
    assert!((hot.storage_cost / cold.storage_cost - 20.0).abs() < 1e-9);
    assert!(hot.egress_bytes >= hot.drill_download_bytes);

    // Each backup's n / k logical bytes are stored from its creation to the end; the
    // run integrates storage hourly, so it may charge up to an hour more per backup.
    let outcome = run(&Scenario::parse(&steady, "hot.toml").expect("valid"));
    let duration_s = outcome.summary.duration_s as f64;
    let byte_seconds: f64 = outcome
        .backups
        .iter()
        .map(|b| b.size_bytes as f64 * 5.0 / 3.0 * (duration_s - b.created_s as f64))
        .sum();
    let expected = byte_seconds / ((1u64 << 30) as f64 * 30.0 * 86_400.0) * 0.02;
    let relative = outcome.summary.storage_cost / expected - 1.0;
    assert!(
        (0.0..0.03).contains(&relative),
        "cost {} vs {expected}",
        outcome.summary.storage_cost
    );
}

/// Runs the churn-free small scenario with the given peer upload and owner download
/// bandwidths and returns its median restore latency.
fn restore_p50(peer_upload: &str, owner_download: &str) -> f64 {
    let text = SMALL
        .replace(
            "churn = { mean_online = \"10h\", mean_offline = \"4h\" }\n",
            &format!("upload = \"{peer_upload}\"\n"),
        )
        .replace(
            "size_min",
            &format!("owner_download = \"{owner_download}\"\nsize_min"),
        );
    let summary = run(&Scenario::parse(&text, "bandwidth.toml").expect("valid")).summary;
    assert_eq!(summary.drills_failed, 0);
    summary.restore_latency_p50_s.expect("drills passed")
}

#[test]
fn restore_latency_grows_when_bandwidth_shrinks() {
    // With fast holders the owner's download is the bottleneck: a tenth of the rate
    // takes ten times as long, less the fixed path latency.
    let fast = restore_p50("1Gbit/s", "100Mbit/s");
    let slow = restore_p50("1Gbit/s", "10Mbit/s");
    assert!((8.0..10.5).contains(&(slow / fast)), "{slow} s vs {fast} s");

    // Restoring a backup of 2 to 24 MiB at 10 Mbit/s takes 1.7 to 20 seconds.
    assert!((1.7..20.2).contains(&slow), "{slow}");

    // With a fast owner the holders' uploads are the bottleneck.
    let fast_holders = restore_p50("10Mbit/s", "1Gbit/s");
    let slow_holders = restore_p50("1Mbit/s", "1Gbit/s");
    assert!(
        slow_holders > 5.0 * fast_holders,
        "{slow_holders} s vs {fast_holders} s"
    );
}

/// Median restore latency in the world of [`cross_region_text`].
fn cross_region_p50(link: &str) -> f64 {
    let text = cross_region_text(link);
    let summary = run(&Scenario::parse(&text, "link.toml").expect("valid")).summary;
    assert!(summary.drills_passed > 0);
    summary.restore_latency_p50_s.expect("drills passed")
}

/// Builds a world whose owners sit in one region and whose shards all sit in another,
/// across a link with the given settings.
fn cross_region_text(link: &str) -> String {
    format!(
        r#"
name = "link"
seed = 9
duration = "2d"
[[peers]]
region = "home"
count = 1
capacity = "1B"
[[peers]]
region = "far"
count = 20
capacity = "1GiB"
upload = "1Gbit/s"
[workload]
owners = 2
owner_region = "home"
owner_download = "1Gbit/s"
backups_per_owner = 1
interval = "1d"
size_min = "8MiB"
size_max = "8MiB"
[engine]
k = 2
n = 4
[[network.links]]
between = ["home", "far"]
{link}
"#
    )
}

/// Drills passed and failed in the cross-region world with the given link settings.
fn cross_region_drills(link: &str) -> (u64, u64) {
    let text = cross_region_text(link);
    let summary = run(&Scenario::parse(&text, "link.toml").expect("valid")).summary;
    (summary.drills_passed, summary.drills_failed)
}

#[test]
fn link_latency_and_bandwidth_reach_restores() {
    // 8 MiB over a 1 Gbit/s link takes 0.07 s; at 8 Mbit/s it takes 8.4 s.
    let wide = cross_region_p50("latency = \"10ms\"");
    let narrow = cross_region_p50("latency = \"10ms\"\nbandwidth = \"8Mbit/s\"");
    assert!((0.07..0.2).contains(&wide), "{wide}");
    assert!((8.3..8.6).contains(&narrow), "{narrow}");

    // A restore that outlasts the timeout fails.
    let text = "latency = \"2s\"\n[drills]\ninterval = \"1d\"\ntimeout = \"1s\"";
    let (passed, failed) = cross_region_drills(text);
    assert_eq!(passed, 0);
    assert!(failed > 0);

    // Two seconds of one-way latency add two seconds.
    let distant = cross_region_p50("latency = \"2s\"");
    assert!((distant - wide - 1.99).abs() < 0.02, "{distant} vs {wide}");
}

#[test]
fn partition_cuts_restores_until_healed() {
    assert_cut_holds_until_healed(CUT_SCENARIO);
}

/// Owners in region "home", where no peer has room, and every shard in region
/// "remote", which a partition cuts off from day 2 to day 4.
const CUT_SCENARIO: &str = r#"
name = "cut"
seed = 4
duration = "6d"
[[peers]]
region = "home"
count = 5
capacity = "1B"
[[peers]]
region = "remote"
count = 20
capacity = "1GiB"
[workload]
owners = 4
owner_region = "home"
backups_per_owner = 1
interval = "12h"
size_min = "4MiB"
size_max = "8MiB"
[engine]
k = 3
n = 5
[drills]
interval = "6h"
[[timeline]]
at = "2d"
action = "partition"
regions = ["home"]
duration = "2d"
"#;

#[test]
fn partition_cuts_a_zone_off_its_region() {
    // The owners sit in region "home" outside any zone, where no peer has room, so
    // every shard lands in zone "home-b", which the partition cuts off on its own.
    let text = CUT_SCENARIO
        .replace(
            "region = \"remote\"",
            "region = \"home\"\nzone = \"home-b\"",
        )
        .replace("regions = [\"home\"]", "zones = [\"home-b\"]");
    assert!(text.contains("zone = \"home-b\""));
    assert!(text.contains("zones = [\"home-b\"]"));
    assert_cut_holds_until_healed(&text);
}

/// Runs a scenario whose owners' shards all sit behind a partition from day 2 to day 4
/// and checks that drills pass before, fail during and pass after the cut.
fn assert_cut_holds_until_healed(text: &str) {
    let outcome = run(&Scenario::parse(text, "cut.toml").expect("valid"));
    assert_eq!(
        outcome.summary.shards_unplaced, 0,
        "every shard sits behind the cut"
    );

    let day = 86_400;
    let drills = |from: u64, to: u64| {
        outcome
            .timeline
            .iter()
            .filter(|row| row.time_s > from && row.time_s <= to)
            .fold((0, 0), |(passed, failed), row| {
                (passed + row.drills_passed, failed + row.drills_failed)
            })
    };
    // Drills due at the instant of the cut or the heal run after it, so the sample rows
    // of those instants are left out of both sides.
    let hour = 3_600;
    let (before_passed, before_failed) = drills(0, 2 * day - hour);
    let (cut_passed, cut_failed) = drills(2 * day, 4 * day - hour);
    let (after_passed, after_failed) = drills(4 * day, 6 * day);
    assert!(before_passed > 0);
    assert_eq!(before_failed, 0);
    assert_eq!(cut_passed, 0, "no shard crosses the cut");
    assert!(cut_failed > 0);
    assert!(after_passed > 0);
    assert_eq!(after_failed, 0, "the heal restores every backup");
}

/// A world of three steady regions, 30 peers each, with one cascading failure from
/// region "a" at 10 h that spreads with probability `probability`.
fn cascade_outcome(probability: f64) -> shardsim_sim::RunOutcome {
    let group = |region: &str| {
        format!("[[peers]]\nregion = \"{region}\"\ncount = 30\ncapacity = \"1GiB\"\n")
    };
    let text = format!(
        "name = \"cascade\"\nseed = 6\nduration = \"2d\"\n{}{}{}\
         [workload]\nowners = 2\nbackups_per_owner = 1\ninterval = \"1d\"\n\
         size_min = \"1MiB\"\nsize_max = \"1MiB\"\n[engine]\nk = 3\nn = 5\n\
         [[timeline]]\nat = \"10h\"\naction = \"cascading_failure\"\nregion = \"a\"\n\
         duration = \"12h\"\nprobability = {probability:?}\ndelay = \"2h\"\n",
        group("a"),
        group("b"),
        group("c")
    );
    run(&Scenario::parse(&text, "cascade.toml").expect("valid"))
}

#[test]
fn cascade_spreads_beyond_its_origin() {
    let online_at = |outcome: &shardsim_sim::RunOutcome, hours: u64| {
        let sample = outcome
            .timeline
            .iter()
            .position(|row| row.time_s == hours * 3_600)
            .expect("hourly samples");
        outcome.regions[sample].clone()
    };

    let spreading = cascade_outcome(1.0);
    assert_eq!(online_at(&spreading, 9), vec![30, 30, 30]);
    assert_eq!(
        online_at(&spreading, 11),
        vec![0, 30, 30],
        "the origin fails first"
    );
    assert_eq!(
        online_at(&spreading, 13),
        vec![0, 0, 0],
        "then every linked region"
    );
    assert_eq!(
        online_at(&spreading, 23),
        vec![30, 0, 0],
        "the origin recovers first"
    );
    assert_eq!(online_at(&spreading, 25), vec![30, 30, 30]);

    let contained = cascade_outcome(0.0);
    assert_eq!(
        online_at(&contained, 13),
        vec![0, 30, 30],
        "with probability 0 it stays put"
    );
}

/// Peers taken down when a third of a full region fails, with every peer offering
/// `capacity`.
fn overload_failures(capacity: &str) -> u64 {
    let text = format!(
        r#"
name = "overload"
seed = 13
duration = "3d"
[[peers]]
region = "grid"
count = 60
capacity = "{capacity}"
[workload]
owners = 10
owner_region = "grid"
backups_per_owner = 4
interval = "6h"
size_min = "16MiB"
size_max = "16MiB"
[engine]
k = 2
n = 4
[[timeline]]
at = "2d"
action = "overload_failure"
region = "grid"
fraction = 0.3
duration = "12h"
delay = "10m"
"#
    );
    run(&Scenario::parse(&text, "overload.toml").expect("valid"))
        .summary
        .cascade_failures
}

#[test]
fn overload_spreads_a_failure_past_its_origin() {
    // 40 backups of 16 MiB stored twice over: 1280 MiB on 60 peers, 21 MiB each on
    // average. The 18 peers that fail first hand about 9 MiB to each of the other 42.
    let roomy = overload_failures("1GiB");
    assert_eq!(roomy, 18, "with room to spare only the origin fails");
    let tight = overload_failures("28MiB");
    assert!(tight > 18, "{tight} peers failed");
}

/// Burst restores' 99th percentile latency when a share of the owners restore at once
/// from peers with slow uploads.
fn burst_p99(fraction: f64) -> f64 {
    let text = SMALL
        .replace(
            "churn = { mean_online = \"10h\", mean_offline = \"4h\" }\n",
            "upload = \"2Mbit/s\"\n",
        )
        .replace("owners = 6", "owners = 40")
        .replace("count = 60", "count = 12");
    let text = format!(
        "{text}\n[[timeline]]\nat = \"2d\"\naction = \"restore_burst\"\nfraction = {fraction}\n"
    );
    let summary = run(&Scenario::parse(&text, "burst.toml").expect("valid")).summary;
    assert_eq!(summary.burst_restores_failed, 0);
    assert_eq!(
        summary.burst_restores_passed,
        (40.0 * fraction).round() as u64
    );
    summary.burst_latency_p99_s.expect("burst restores passed")
}

#[test]
fn restore_bursts_compete_for_peers() {
    // 24 peers serve every shard; a burst of all 40 owners queues on their uploads.
    let few = burst_p99(0.1);
    let all = burst_p99(1.0);
    assert!(
        all > 2.0 * few,
        "{all} s for all owners vs {few} s for a tenth"
    );
}

#[test]
fn shards_count_once_their_upload_lands() {
    // 16 MiB coded 2 of 4 is 32 shards of 1 MiB, sent stripe by stripe through a
    // 10 kbit/s uplink at 839 s each. The last stripe has its k = 2 shards once 30 have
    // landed, after 25,166 s (6.99 h), so the drills at 1 h to 6 h fail.
    let text = r#"
name = "uplink"
seed = 3
duration = "1d"
[[peers]]
region = "eu"
count = 20
capacity = "1GiB"
[workload]
owners = 1
owner_upload = "10kbit/s"
backups_per_owner = 1
interval = "1d"
size_min = "16MiB"
size_max = "16MiB"
[engine]
k = 2
n = 4
[drills]
interval = "1h"
"#;
    let outcome = run(&Scenario::parse(text, "uplink.toml").expect("valid"));
    let summary = &outcome.summary;
    assert_eq!(summary.shards_placed, 32);
    assert_eq!(summary.shards_in_flight, 0);
    assert_eq!(summary.drills_failed, 6);
    assert_eq!(summary.drills_passed, 18);

    let restorable_from = outcome
        .timeline
        .iter()
        .find(|row| row.backups_restorable == 1)
        .expect("the backup becomes restorable")
        .time_s;
    assert_eq!(restorable_from, 7 * 3_600);
}

#[test]
fn failed_repairs_back_off_until_healthy() {
    // Five peers hold the five shards of one stripe. One leaves at 24 h, and no other
    // peer can take its shard until a sixth joins at 72 h. The owner retries after
    // 1, 2, 4, 8 and 16 hours, at 25, 27, 31, 39 and 55 h, then after the one-day cap,
    // at 79 h, when the repair succeeds and audits return to every 6 hours.
    let text = r#"
name = "backoff"
seed = 2
duration = "5d"
[[peers]]
region = "eu"
count = 5
capacity = "1GiB"
[workload]
owners = 1
backups_per_owner = 1
interval = "5d"
size_min = "1MiB"
size_max = "1MiB"
[engine]
k = 3
n = 5
[repair]
policy = "eager"
audit_interval = "6h"
retry_backoff = "1h"
[[timeline]]
at = "1d"
action = "mass_departure"
fraction = 0.2
[[timeline]]
at = "3d"
action = "join_wave"
group = 0
count = 1
"#;
    let outcome = run(&Scenario::parse(text, "backoff.toml").expect("valid"));
    let summary = &outcome.summary;
    assert_eq!(summary.peers_departed, 1);
    assert_eq!(
        summary.repair_failures, 6,
        "attempts at 24, 25, 27, 31, 39 and 55 h"
    );
    assert_eq!(summary.repairs, 1, "the attempt at 79 h");
    assert_eq!(summary.backups_lost, 0);

    let hour = 3_600;
    let repairs_by = |time_s: u64| -> u64 {
        outcome
            .timeline
            .iter()
            .filter(|row| row.time_s <= time_s)
            .map(|row| row.repairs)
            .sum()
    };
    assert_eq!(repairs_by(78 * hour), 0);
    assert_eq!(repairs_by(80 * hour), 1);
    let last = outcome.timeline.last().expect("samples");
    assert_eq!(last.stripes_below_threshold, 0, "the stripe is whole again");
}
