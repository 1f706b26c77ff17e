//! What a run measured: timeline rows, per-backup rows, the summary and the
//! expectation checks. Nothing here depends on the machine or the wall clock.

use crate::scenario::Scenario;

/// One sample of the world, taken every `report.sample_interval`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// Virtual time of the sample, in seconds.
    pub time_s: u64,
    /// Peers that have joined and not left for good.
    pub peers_present: u64,
    /// Peers online at that moment.
    pub online_peers: u64,
    /// Backups created so far.
    pub backups_created: u64,
    /// Backups whose every stripe has at least k shards on online peers.
    pub backups_restorable: u64,
    /// Stripes created so far.
    pub stripes_created: u64,
    /// Stripes with at least k shards on online peers.
    pub stripes_restorable: u64,
    /// Drills that passed since the previous sample.
    pub drills_passed: u64,
    /// Drills that failed since the previous sample.
    pub drills_failed: u64,
    /// Stripes with at least the repair threshold's number of shards lost: unplaced, or
    /// on a peer that left or has been offline for the loss timeout.
    pub stripes_below_threshold: u64,
    /// Repairs since the previous sample.
    pub repairs: u64,
    /// Logical bytes moved by repairs since the previous sample.
    pub repair_bytes: u64,
    /// Restores that brought the exact bytes back since the previous sample.
    pub restores: u64,
    /// Median latency of those restores, in virtual seconds.
    pub restore_latency_p50_s: Option<f64>,
    /// 99th percentile latency of those restores, in virtual seconds.
    pub restore_latency_p99_s: Option<f64>,
}

impl TimelineRow {
    /// Fraction of created backups that are restorable, if any were created.
    pub fn restorable_fraction(&self) -> Option<f64> {
        ratio(self.backups_restorable, self.backups_created)
    }

    /// Fraction of created stripes that are restorable, if any were created.
    pub fn stripes_restorable_fraction(&self) -> Option<f64> {
        ratio(self.stripes_restorable, self.stripes_created)
    }
}

/// The fate of one backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRow {
    /// The engine's backup id.
    pub backup_id: String,
    /// Index of the owner.
    pub owner: u32,
    /// Virtual creation time, in seconds.
    pub created_s: u64,
    /// Logical size in bytes.
    pub size_bytes: u64,
    /// Bytes run through the engine.
    pub materialised_bytes: u64,
    /// Stripes.
    pub stripes: u64,
    /// Shards the backup was coded into, n per stripe.
    pub shards_total: u64,
    /// Shards that found a holder.
    pub shards_placed: u64,
    /// Drills that rebuilt the exact bytes.
    pub drills_passed: u64,
    /// Drills that failed.
    pub drills_failed: u64,
    /// Whether the backup was restorable when the run ended.
    pub restorable_at_end: bool,
}

/// Totals of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Hash of the normalised scenario.
    pub scenario_hash: String,
    /// Version of shardsim that ran it.
    pub version: String,
    /// Master seed.
    pub seed: u64,
    /// Virtual time covered, in seconds.
    pub duration_s: u64,
    /// Peers at the start.
    pub peers: u64,
    /// Peers that joined during the run.
    pub peers_arrived: u64,
    /// Peers that left for good during the run.
    pub peers_departed: u64,
    /// Data shards per stripe.
    pub k: u32,
    /// Total shards per stripe.
    pub n: u32,
    /// Backups created.
    pub backups_created: u64,
    /// Backups whose every shard found a holder.
    pub backups_fully_placed: u64,
    /// Stripes created.
    pub stripes: u64,
    /// Shards that found a holder.
    pub shards_placed: u64,
    /// Shards that did not.
    pub shards_unplaced: u64,
    /// Shards whose first upload was still under way when the run ended.
    pub shards_in_flight: u64,
    /// Logical bytes stored on peers.
    pub stored_bytes: u64,
    /// Logical bytes uploaded to place shards.
    pub upload_bytes: u64,
    /// Logical bytes fetched by restore drills.
    pub drill_download_bytes: u64,
    /// Drills that passed.
    pub drills_passed: u64,
    /// Drills that failed.
    pub drills_failed: u64,
    /// Events the loop processed.
    pub events: u64,
    /// Mean over the timeline of the restorable fraction of backups.
    pub restorable_fraction_mean: Option<f64>,
    /// Lowest restorable fraction of backups seen in the timeline.
    pub restorable_fraction_min: Option<f64>,
    /// Backups restorable when the run ended.
    pub backups_restorable_at_end: u64,
    /// Backups with a stripe that has fewer than k shards left on peers that have not
    /// left: lost for good.
    pub backups_lost: u64,
    /// Stripe repairs that placed at least one shard.
    pub repairs: u64,
    /// Repair attempts that could not make a stripe whole.
    pub repair_failures: u64,
    /// Logical bytes moved by repairs: k shards read and each replaced shard written.
    pub repair_bytes: u64,
    /// Logical bytes read out of peers by drills and repairs.
    pub egress_bytes: u64,
    /// Price of the storage used over the run, from each class's price per GiB-month.
    pub storage_cost: f64,
    /// Median latency of the restores that passed, in seconds: retrieval delay,
    /// transfer through the queues of holders, paths and owner, and path latency.
    pub restore_latency_p50_s: Option<f64>,
    /// 99th percentile of the same latency, in seconds.
    pub restore_latency_p99_s: Option<f64>,
    /// Median time from the start of a repair to the landing of a shard it rebuilt, in
    /// virtual seconds.
    pub repair_latency_p50_s: Option<f64>,
    /// 99th percentile of the same time, in virtual seconds.
    pub repair_latency_p99_s: Option<f64>,
    /// Most stripes below the repair threshold at any sample.
    pub stripes_below_threshold_max: u64,
    /// Restores of scripted restore bursts that brought the exact bytes back.
    pub burst_restores_passed: u64,
    /// Restores of scripted restore bursts that failed.
    pub burst_restores_failed: u64,
    /// Median latency of the burst restores that passed, in seconds.
    pub burst_latency_p50_s: Option<f64>,
    /// 99th percentile latency of the burst restores that passed, in seconds.
    pub burst_latency_p99_s: Option<f64>,
    /// Peers taken down by cascading failures: every online peer of a region a
    /// cascade reached, and every peer an overload failed.
    pub cascade_failures: u64,
}

impl Summary {
    /// Share of drills that passed, if any ran.
    pub fn drill_success_rate(&self) -> Option<f64> {
        ratio(self.drills_passed, self.drills_passed + self.drills_failed)
    }
}

/// The outcome of one expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectationCheck {
    /// The scenario key, as in `expect.drill_success_rate_min`.
    pub key: String,
    /// The required minimum.
    pub minimum: f64,
    /// What the run reached, if it was measurable.
    pub actual: Option<f64>,
}

impl ExpectationCheck {
    /// Whether the run reached the minimum. An unmeasurable value fails.
    pub fn passed(&self) -> bool {
        self.actual.is_some_and(|actual| actual >= self.minimum)
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The scenario as run, with any seed override applied.
    pub scenario: Scenario,
    /// Totals.
    pub summary: Summary,
    /// Samples over virtual time.
    pub timeline: Vec<TimelineRow>,
    /// One row per backup, in creation order.
    pub backups: Vec<BackupRow>,
    /// Online peers per region at each timeline sample, regions in scenario order.
    pub regions: Vec<Vec<u64>>,
    /// The scenario's expectations and whether each held.
    pub expectations: Vec<ExpectationCheck>,
    /// Effects of the scripted events, one line per step, in the order they ran.
    pub scripted: Vec<String>,
}

impl RunOutcome {
    /// Whether every expectation held.
    pub fn expectations_met(&self) -> bool {
        self.expectations.iter().all(ExpectationCheck::passed)
    }
}

/// Checks the scenario's expectations against a summary.
pub fn check_expectations(scenario: &Scenario, summary: &Summary) -> Vec<ExpectationCheck> {
    let expect = &scenario.expect;
    let mut checks = Vec::new();
    if let Some(minimum) = expect.drill_success_rate_min {
        checks.push(ExpectationCheck {
            key: "expect.drill_success_rate_min".to_string(),
            minimum,
            actual: summary.drill_success_rate(),
        });
    }
    if let Some(minimum) = expect.restorable_fraction_mean_min {
        checks.push(ExpectationCheck {
            key: "expect.restorable_fraction_mean_min".to_string(),
            minimum,
            actual: summary.restorable_fraction_mean,
        });
    }
    checks
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
