//! Checks of a parsed scenario that serde's types cannot express.

use shardsim_engine::{MAX_TOTAL_SHARDS, TAG_LEN};

use super::locate::PathPart::{self, Index, Key};
use super::model::Scenario;
use crate::size::ByteSize;
use crate::time::SimDuration;

/// Smallest logical shard size, 256 KiB, and largest, 20 MiB, as the modelled system
/// allows.
pub const SHARD_SIZE_RANGE: (u64, u64) = (256 << 10, 20 << 20);

/// Smallest materialised shard: enough that a stripe carries its tag and some data.
pub const MATERIALISED_SHARD_MIN: u64 = 64;

/// Most materialised bytes a run may hold, 8 GiB, so that a scenario that would
/// exhaust memory is rejected before it starts.
pub const MATERIALISED_TOTAL_MAX: u64 = 8 << 30;

/// Most timeline rows a run may write.
pub const TIMELINE_ROWS_MAX: u64 = 1_000_000;

/// A rule a scenario breaks, at a key path.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Where the offending value sits.
    pub path: Vec<PathPart>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Returns every rule the scenario breaks, in file order.
pub fn validate(scenario: &Scenario) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut fail = |path: &[PathPart], message: String| {
        found.push(Violation {
            path: path.to_vec(),
            message,
        });
    };

    check_name(scenario, &mut fail);
    positive_duration(&[Key("duration")], scenario.duration, &mut fail);
    check_peers(scenario, &mut fail);
    check_workload(scenario, &mut fail);
    check_engine(scenario, &mut fail);
    positive_duration(
        &[Key("drills"), Key("interval")],
        scenario.drills.interval,
        &mut fail,
    );
    check_report(scenario, &mut fail);
    check_expectations(scenario, &mut fail);
    found
}

type Fail<'a> = dyn FnMut(&[PathPart], String) + 'a;

fn check_name(scenario: &Scenario, fail: &mut Fail<'_>) {
    let name = &scenario.name;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || !name.chars().all(allowed) || name.starts_with('.') {
        fail(
            &[Key("name")],
            format!(
                "name {name:?} is used as a folder name, so it must be non-empty, start \
                 with a letter or digit, and hold only letters, digits, '-', '_' or '.'"
            ),
        );
    }
}

fn positive_duration(path: &[PathPart], duration: SimDuration, fail: &mut Fail<'_>) {
    if duration.0 == 0 {
        fail(
            path,
            "must be longer than zero, for example \"1h\"".to_string(),
        );
    }
}

fn positive_count(path: &[PathPart], count: u32, fail: &mut Fail<'_>) {
    if count == 0 {
        fail(path, "must be at least 1".to_string());
    }
}

fn check_peers(scenario: &Scenario, fail: &mut Fail<'_>) {
    if scenario.peers.is_empty() {
        fail(
            &[Key("peers")],
            "add at least one [[peers]] group".to_string(),
        );
    }
    for (index, group) in scenario.peers.iter().enumerate() {
        let at = |key| [Key("peers"), Index(index), Key(key)];
        if group.region.trim().is_empty() {
            fail(&at("region"), "must name a region".to_string());
        }
        positive_count(&at("count"), group.count, fail);
        if group.capacity.0 == 0 {
            fail(&at("capacity"), "must be larger than 0B".to_string());
        }
        if let Some(churn) = &group.churn {
            let churn_at = |key| [Key("peers"), Index(index), Key("churn"), Key(key)];
            positive_duration(&churn_at("mean_online"), churn.mean_online, fail);
            positive_duration(&churn_at("mean_offline"), churn.mean_offline, fail);
        }
    }

    let total: u64 = scenario
        .peers
        .iter()
        .map(|group| u64::from(group.count))
        .sum();
    let n_is_valid = scenario.engine.n as usize <= MAX_TOTAL_SHARDS;
    if n_is_valid && total > 0 && total < u64::from(scenario.engine.n) {
        fail(
            &[Key("engine"), Key("n")],
            format!(
                "n = {} needs at least that many peers to hold a stripe, but the scenario \
                 has {total}; add peers or lower n",
                scenario.engine.n
            ),
        );
    }
}

fn check_workload(scenario: &Scenario, fail: &mut Fail<'_>) {
    let workload = &scenario.workload;
    let at = |key| [Key("workload"), Key(key)];
    positive_count(&at("owners"), workload.owners, fail);
    positive_count(&at("backups_per_owner"), workload.backups_per_owner, fail);
    positive_duration(&at("interval"), workload.interval, fail);
    if workload.size_min.0 == 0 {
        fail(&at("size_min"), "must be larger than 0B".to_string());
    }
    if workload.size_max < workload.size_min {
        fail(
            &at("size_max"),
            format!(
                "size_max = {} is below size_min = {}; raise size_max or lower size_min",
                workload.size_max, workload.size_min
            ),
        );
    }
    if workload.first_backup >= scenario.duration && scenario.duration.0 > 0 {
        fail(
            &at("first_backup"),
            format!(
                "first_backup = {} is not before the end of the run (duration = {}), so no \
                 backup would be created",
                workload.first_backup, scenario.duration
            ),
        );
    }
}

fn check_engine(scenario: &Scenario, fail: &mut Fail<'_>) {
    let engine = &scenario.engine;
    let at = |key| [Key("engine"), Key(key)];
    positive_count(&at("k"), engine.k, fail);
    if engine.k > engine.n {
        fail(
            &at("k"),
            format!(
                "k = {} exceeds n = {}; k of n needs k <= n",
                engine.k, engine.n
            ),
        );
    }
    if engine.n as usize > MAX_TOTAL_SHARDS {
        fail(
            &at("n"),
            format!(
                "n = {} exceeds {MAX_TOTAL_SHARDS}, the most shards the GF(2^8) \
                 Reed-Solomon code supports",
                engine.n
            ),
        );
    }

    let (min, max) = SHARD_SIZE_RANGE;
    if !(min..=max).contains(&engine.shard_size.0) {
        fail(
            &at("shard_size"),
            format!(
                "shard_size = {} is outside {} to {}",
                engine.shard_size,
                ByteSize(min),
                ByteSize(max)
            ),
        );
    }
    let materialised = engine.materialised_shard_size.0;
    if materialised < MATERIALISED_SHARD_MIN || materialised > engine.shard_size.0 {
        fail(
            &at("materialised_shard_size"),
            format!(
                "materialised_shard_size = {} must be between {} and shard_size = {}",
                engine.materialised_shard_size,
                ByteSize(MATERIALISED_SHARD_MIN),
                engine.shard_size
            ),
        );
    } else if engine.k > 0 && engine.k <= engine.n {
        check_memory(scenario, fail);
    }
}

/// Rejects a scenario whose materialised shards would not fit in memory.
fn check_memory(scenario: &Scenario, fail: &mut Fail<'_>) {
    let engine = &scenario.engine;
    let k = u64::from(engine.k);
    let stripe_logical = k * engine.shard_size.0;
    let stripes_max = scenario.workload.size_max.0.div_ceil(stripe_logical).max(1);
    let per_backup = stripes_max * u64::from(engine.n) * engine.materialised_shard_size.0;
    let total = per_backup.saturating_mul(scenario.workload.total_backups());
    if total > MATERIALISED_TOTAL_MAX {
        fail(
            &[Key("engine"), Key("materialised_shard_size")],
            format!(
                "the run would hold up to {} of materialised shards, over the {} limit; \
                 lower materialised_shard_size or the workload",
                ByteSize(total),
                ByteSize(MATERIALISED_TOTAL_MAX)
            ),
        );
    }
    debug_assert!(engine.materialised_shard_size.0 * k > TAG_LEN as u64);
}

fn check_report(scenario: &Scenario, fail: &mut Fail<'_>) {
    let interval = scenario.report.sample_interval;
    let path = [Key("report"), Key("sample_interval")];
    if interval.0 == 0 {
        fail(
            &path,
            "must be longer than zero, for example \"1h\"".to_string(),
        );
        return;
    }
    let rows = scenario.duration.0 / interval.0 + 1;
    if rows > TIMELINE_ROWS_MAX {
        fail(
            &path,
            format!(
                "sample_interval = {interval} gives {rows} timeline rows over {}, over the \
                 limit of {TIMELINE_ROWS_MAX}; sample less often",
                scenario.duration
            ),
        );
    }
}

fn check_expectations(scenario: &Scenario, fail: &mut Fail<'_>) {
    let expect = &scenario.expect;
    let fractions = [
        ("drill_success_rate_min", expect.drill_success_rate_min),
        (
            "restorable_fraction_mean_min",
            expect.restorable_fraction_mean_min,
        ),
    ];
    for (key, value) in fractions {
        if let Some(value) = value
            && !(0.0..=1.0).contains(&value)
        {
            fail(
                &[Key("expect"), Key(key)],
                format!("{key} = {value} is a fraction and must lie in 0.0 to 1.0"),
            );
        }
    }
}
