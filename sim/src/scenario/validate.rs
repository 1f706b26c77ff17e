//! Checks of a parsed scenario that serde's types cannot express.

use shardsim_engine::MAX_TOTAL_SHARDS;

use super::locate::PathPart::{self, Index, Key};
use super::model::{Churn, PeerGroup, Scenario, SessionDistribution, StorageClass};
use crate::size::ByteSize;

mod network;
mod repair;
mod timeline;
use crate::time::SimDuration;

/// Smallest logical shard size, 256 KiB, and largest, 20 MiB, as the modelled system
/// allows.
pub const SHARD_SIZE_RANGE: (u64, u64) = (256 << 10, 20 << 20);

/// Smallest materialised shard: enough that a stripe carries its tag and some data.
pub const MATERIALISED_SHARD_MIN: u64 = 64;

/// Most memory a run may need by the estimate of [`memory_estimate`], 8 GiB, so that a
/// scenario that would exhaust memory is rejected before it starts.
pub const MEMORY_MAX: u64 = 8 << 30;

/// Most events a run may process, so that a run that would take days is rejected
/// before it starts; at the loop's few million events per second this is minutes.
pub const EVENTS_MAX: f64 = 2e9;

/// Maximum scenario name length; the report folder's staging name adds about 20 bytes, and
/// file systems allow 255.
pub const NAME_LEN_MAX: usize = 100;

/// Bookkeeping bytes per peer, owner, backup and shard, measured from the structs they
/// live in and rounded up; the estimate adds materialised shard bytes to these.
const PEER_BYTES: u64 = 512;
const OWNER_BYTES: u64 = 384;
const BACKUP_BYTES: u64 = 512;
const SHARD_BYTES: u64 = 64;

/// Most regions and zones together. Each partition and heal recomputes the best path
/// between every two of them, which takes seconds at a thousand.
pub const NODES_MAX: usize = 1024;

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
    if scenario.seed > i64::MAX as u64 {
        fail(
            &[Key("seed")],
            format!(
                "seed = {} is above 2^63 - 1, the largest TOML integer; use 0 to {}",
                scenario.seed,
                i64::MAX
            ),
        );
    }
    positive_duration(&[Key("duration")], scenario.duration, &mut fail);
    check_peers(scenario, &mut fail);
    check_workload(scenario, &mut fail);
    check_engine(scenario, &mut fail);
    positive_duration(
        &[Key("drills"), Key("interval")],
        scenario.drills.interval,
        &mut fail,
    );
    positive_duration(
        &[Key("drills"), Key("timeout")],
        scenario.drills.timeout,
        &mut fail,
    );
    check_report(scenario, &mut fail);
    repair::check_repair(scenario, &mut fail);
    for class in StorageClass::ALL {
        let cost = scenario.storage_classes.get(class).cost_per_gib_month;
        if !(cost.is_finite() && cost >= 0.0) {
            let name = format!("{class:?}").to_lowercase();
            let key: &'static str = match class {
                StorageClass::Hot => "hot",
                StorageClass::Warm => "warm",
                StorageClass::Cold => "cold",
                StorageClass::Glacier => "glacier",
            };
            fail(
                &[Key("storage_classes"), Key(key), Key("cost_per_gib_month")],
                format!("the {name} class costs {cost} per GiB-month; use a price of 0 or more"),
            );
        }
    }
    network::check_network(scenario, &mut fail);
    timeline::check_timeline(scenario, &mut fail);
    check_expectations(scenario, &mut fail);
    // These checks assume the rest is valid.
    if found.is_empty() {
        let mut fail = |path: &[PathPart], message| {
            found.push(Violation {
                path: path.to_vec(),
                message,
            })
        };
        network::check_reach(scenario, &mut fail);
        check_cost(scenario, &mut fail);
    }
    found
}

type Fail<'a> = dyn FnMut(&[PathPart], String) + 'a;

fn check_name(scenario: &Scenario, fail: &mut Fail<'_>) {
    let name = &scenario.name;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if !starts_well || !name.chars().all(allowed) || name.len() > NAME_LEN_MAX {
        fail(
            &[Key("name")],
            format!(
                "name {name:?} is used as a folder name, so it must start with a letter or \
                 digit, hold only letters, digits, '-', '_' or '.', and have at most \
                 {NAME_LEN_MAX} characters"
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
            check_churn(index, churn, fail);
        }
        if group.trace.is_some() && group.churn.is_some() {
            fail(
                &at("trace"),
                "a group follows either a trace or a churn model; remove one".to_string(),
            );
        }
        if group.trace.is_some() && group.arrivals_per_day.is_some() {
            fail(
                &at("arrivals_per_day"),
                "peers of a trace group are the trace's nodes; remove arrivals_per_day".to_string(),
            );
        }
        if let Some(rate) = group.arrivals_per_day
            && !(rate.is_finite() && rate >= 0.0)
        {
            fail(
                &at("arrivals_per_day"),
                format!("arrivals_per_day = {rate} must be a number of peers per day, 0 or more"),
            );
        }
    }

    check_zones(scenario, fail);
    let regions = scenario.regions().len();
    if regions > usize::from(u16::MAX) {
        fail(
            &[Key("peers")],
            format!(
                "{regions} distinct regions exceed the limit of {}; merge regions",
                u16::MAX
            ),
        );
    }

    let total = scenario.peer_count();
    let n_is_valid = (1..=MAX_TOTAL_SHARDS).contains(&(scenario.engine.n as usize));
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

/// Checks that each zone lies in one region and is named unlike every region, and that
/// regions and zones together stay within [`NODES_MAX`].
fn check_zones(scenario: &Scenario, fail: &mut Fail<'_>) {
    let regions = scenario.regions();
    for (index, group) in scenario.peers.iter().enumerate() {
        let Some(zone) = &group.zone else { continue };
        let at = [Key("peers"), Index(index), Key("zone")];
        if zone.trim().is_empty() {
            fail(&at, "must name a zone, or be left out".to_string());
        } else if regions.contains(&zone.as_str()) {
            fail(
                &at,
                format!(
                    "zone {zone:?} is also the name of a region; name zones apart from regions"
                ),
            );
        } else if let Some(other) = scenario.peers[..index]
            .iter()
            .find(|earlier| earlier.zone.as_ref() == Some(zone) && earlier.region != group.region)
        {
            fail(
                &at,
                format!(
                    "zone {zone:?} lies in region {:?} in an earlier group, not in {:?}; a \
                     zone belongs to one region",
                    other.region, group.region
                ),
            );
        }
    }
    let nodes = regions.len() + scenario.zones().len();
    if nodes > NODES_MAX {
        fail(
            &[Key("peers")],
            format!(
                "{nodes} regions and zones together exceed the limit of {NODES_MAX}; merge \
                 some, since every partition recomputes the paths between all of them"
            ),
        );
    }
}

fn check_churn(group: usize, churn: &Churn, fail: &mut Fail<'_>) {
    let at = |key| [Key("peers"), Index(group), Key("churn"), Key(key)];
    for (state, mean, median) in [
        ("online", churn.mean_online, churn.median_online),
        ("offline", churn.mean_offline, churn.median_offline),
    ] {
        let mean_key = if state == "online" {
            "mean_online"
        } else {
            "mean_offline"
        };
        let median_key = if state == "online" {
            "median_online"
        } else {
            "median_offline"
        };
        match (mean, median) {
            (Some(_), Some(_)) => fail(
                &at(median_key),
                format!("give {mean_key} or {median_key}, not both"),
            ),
            (None, None) => fail(
                &[Key("peers"), Index(group), Key("churn")],
                format!("add {mean_key} or {median_key}, for example {mean_key} = \"8h\""),
            ),
            (Some(value), None) => positive_duration(&at(mean_key), value, fail),
            (None, Some(value)) => positive_duration(&at(median_key), value, fail),
        }
    }

    let needs_shape = churn.distribution != SessionDistribution::Exponential;
    match (needs_shape, churn.shape) {
        (false, Some(_)) => fail(
            &at("shape"),
            "exponential sessions take no shape; remove it or choose weibull, pareto or \
             lognormal"
                .to_string(),
        ),
        (true, None) => fail(
            &at("distribution"),
            format!(
                "{:?} sessions need a shape, for example shape = 1.5",
                churn.distribution
            )
            .to_lowercase(),
        ),
        (true, Some(shape)) if !(shape.is_finite() && shape > 0.0) => fail(
            &at("shape"),
            format!("shape = {shape} must be a positive number"),
        ),
        (true, Some(shape))
            if churn.distribution == SessionDistribution::Pareto && shape <= 1.0 =>
        {
            fail(
                &at("shape"),
                format!(
                    "Pareto sessions with shape = {shape} have no finite mean, so availability \
                     is undefined; use a shape above 1"
                ),
            )
        }
        _ => {}
    }
    if let Some(lifetime) = churn.lifetime {
        positive_duration(&at("lifetime"), lifetime, fail);
    }
}

fn check_workload(scenario: &Scenario, fail: &mut Fail<'_>) {
    let workload = &scenario.workload;
    let at = |key| [Key("workload"), Key(key)];
    if let Some(region) = &workload.owner_region
        && !scenario.regions().contains(&region.as_str())
    {
        fail(
            &at("owner_region"),
            format!(
                "region {region:?} belongs to no [[peers]] group; use one of {:?}",
                scenario.regions()
            ),
        );
    }
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
    positive_count(&at("n"), engine.n, fail);
    if engine.n > 0 && engine.k > engine.n {
        fail(
            &at("k"),
            format!(
                "k = {} exceeds n = {}; lower k or raise n, since a stripe of n shards \
                 is rebuilt from any k of them",
                engine.k, engine.n
            ),
        );
    }
    if engine.n as usize > MAX_TOTAL_SHARDS {
        fail(
            &at("n"),
            format!(
                "n = {} exceeds {MAX_TOTAL_SHARDS}, the most shards the GF(2^8) \
                 Reed-Solomon code supports; lower n to {MAX_TOTAL_SHARDS} or less",
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
    }
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
    let first_drill = scenario
        .workload
        .first_backup
        .0
        .saturating_add(scenario.drills.interval.0);
    if expect.drill_success_rate_min.is_some() && first_drill > scenario.duration.0 {
        fail(
            &[Key("expect"), Key("drill_success_rate_min")],
            format!(
                "no drill runs before the end: the first is due at first_backup + \
                 drills.interval = {}, after duration = {}; shorten drills.interval",
                SimDuration(first_drill),
                scenario.duration
            ),
        );
    }
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

/// Rejects a valid-looking scenario that would need too much memory or time. Runs only
/// when every other rule holds, so its arithmetic can trust the values.
fn check_cost(scenario: &Scenario, fail: &mut Fail<'_>) {
    let memory = memory_estimate(scenario);
    if memory > MEMORY_MAX {
        fail(
            &[Key("engine"), Key("materialised_shard_size")],
            format!(
                "the run would need about {} of memory, over the {} limit; lower \
                 materialised_shard_size, the number of backups or their size, or the \
                 number of peers",
                ByteSize(memory).human(),
                ByteSize(MEMORY_MAX).human()
            ),
        );
    }
    let events = event_estimate(scenario);
    if events > EVENTS_MAX {
        fail(
            &[Key("duration")],
            format!(
                "the run would process about {events:.1e} events, over the limit of \
                 {EVENTS_MAX:.0e}; lengthen churn sessions, the drill and sample intervals \
                 or repair.audit_interval, or shorten the run"
            ),
        );
    }
}

/// Bytes a run needs at most: materialised shards plus bookkeeping, saturating.
pub fn memory_estimate(scenario: &Scenario) -> u64 {
    let engine = &scenario.engine;
    let stripe_logical = u64::from(engine.k)
        .saturating_mul(engine.shard_size.0)
        .max(1);
    let stripes_max = scenario.workload.size_max.0.div_ceil(stripe_logical).max(1);
    let shards = stripes_max
        .saturating_mul(u64::from(engine.n))
        .saturating_mul(scenario.workload.total_backups());
    let per_shard = engine.materialised_shard_size.0.saturating_add(SHARD_BYTES);

    shards
        .saturating_mul(per_shard)
        .saturating_add(peers_max(scenario).saturating_mul(PEER_BYTES))
        .saturating_add(u64::from(scenario.workload.owners).saturating_mul(OWNER_BYTES))
        .saturating_add(
            scenario
                .workload
                .total_backups()
                .saturating_mul(BACKUP_BYTES),
        )
}

/// Events a run processes, roughly: session ends, backups, drills and samples.
pub fn event_estimate(scenario: &Scenario) -> f64 {
    let duration_s = scenario.duration.as_secs_f64();
    let sessions: f64 = scenario
        .peers
        .iter()
        .filter_map(|group| {
            let churn = group.churn.as_ref()?;
            let cycle_s = crate::churn::SessionModel::new(churn).mean_cycle_s();
            let peers = f64::from(group.count) + arrivals(group, duration_s);
            Some(peers * 2.0 * duration_s / cycle_s)
        })
        .sum();
    let backups = scenario.workload.total_backups() as f64;
    let drills = backups * duration_s / scenario.drills.interval.as_secs_f64();
    let audits = if !scenario.repair.is_on() {
        0.0
    } else {
        backups * duration_s / scenario.repair.audit_interval.as_secs_f64()
    };
    let samples = duration_s / scenario.report.sample_interval.as_secs_f64();
    sessions + backups + drills + audits + samples
}

/// Peers expected to join a group over `duration_s` seconds.
fn arrivals(group: &PeerGroup, duration_s: f64) -> f64 {
    group.arrivals_per_day.unwrap_or(0.0) * duration_s / 86_400.0
}

/// Peers at the start plus, with a generous margin, those expected to arrive.
fn peers_max(scenario: &Scenario) -> u64 {
    let duration_s = scenario.duration.as_secs_f64();
    let arriving: f64 = scenario
        .peers
        .iter()
        .map(|group| arrivals(group, duration_s))
        .sum();
    scenario
        .peer_count()
        .saturating_add((2.0 * arriving + 100.0).min(u64::MAX as f64 / 2.0) as u64)
}
