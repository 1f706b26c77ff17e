//! Counters and samples gathered during a run, and the outcome assembled at its end.

use crate::ledger::Ledger;
use crate::metrics::{self, BackupRow, RunOutcome, Summary, TimelineRow};
use crate::population::Population;
use crate::scenario::Scenario;
use crate::time::SimTime;

/// Running totals and the timeline so far.
#[derive(Default)]
pub(super) struct Recorder {
    pub upload_bytes: u64,
    pub drill_download_bytes: u64,
    pub shards_unplaced: u64,
    pub peers_arrived: u64,
    pub peers_departed: u64,
    pub repairs: u64,
    pub repair_failures: u64,
    pub repair_bytes: u64,
    pub repair_read_bytes: u64,
    /// Latency of each restore that passed, drill or burst, in virtual microseconds.
    pub restore_latencies_us: Vec<u64>,
    /// Latency of each burst restore that passed, in virtual microseconds.
    pub burst_latencies_us: Vec<u64>,
    pub burst_restores_failed: u64,
    /// Time from the start of each repair to the landing of each shard it rebuilt, in
    /// virtual microseconds.
    pub repair_latencies_us: Vec<u64>,
    /// Peers taken down by cascading failures of either kind.
    pub cascade_failures: u64,
    /// Effects of the scripted events, one line per step.
    pub scripted: Vec<String>,
    /// Stored logical byte-seconds per storage class, integrated at each sample.
    byte_seconds: [f64; 4],
    last_sample_us: u64,
    drills_passed: u64,
    drills_failed: u64,
    interval_passed: u64,
    interval_failed: u64,
    timeline: Vec<TimelineRow>,
    regions: Vec<Vec<u64>>,
    /// Repairs and repair bytes at the previous sample, and the number of restore
    /// latencies recorded by then.
    previous_repairs: u64,
    previous_repair_bytes: u64,
    previous_restores: usize,
}

/// What the recorder reads from the world when the run ends.
pub(super) struct Finish<'a> {
    pub scenario: &'a Scenario,
    pub population: &'a Population,
    pub ledger: &'a Ledger,
    pub events: u64,
    /// Backups that can never be restored again, counted by the simulation.
    pub backups_lost: u64,
    /// First placements whose upload has not landed.
    pub shards_in_flight: u64,
}

impl Recorder {
    pub fn record_drill(&mut self, passed: bool) {
        if passed {
            self.drills_passed += 1;
            self.interval_passed += 1;
        } else {
            self.drills_failed += 1;
            self.interval_failed += 1;
        }
    }

    /// Appends a timeline row and starts a new interval.
    pub fn sample(
        &mut self,
        now: SimTime,
        population: &Population,
        ledger: &Ledger,
        stripes_below_threshold: u64,
    ) {
        // Storage is constant between samples up to placements and repairs inside the
        // interval, which this integration attributes to the interval's end.
        let elapsed_s =
            (now.0 - self.last_sample_us) as f64 / crate::time::MICROS_PER_SECOND as f64;
        for (total, used) in self.byte_seconds.iter_mut().zip(population.used_by_class) {
            *total += used as f64 * elapsed_s;
        }
        self.last_sample_us = now.0;

        let latencies = &self.restore_latencies_us[self.previous_restores..];
        self.timeline.push(TimelineRow {
            time_s: now.as_secs(),
            peers_present: population.len() as u64 - self.peers_departed,
            online_peers: population.online_peers().len() as u64,
            backups_created: ledger.backups().len() as u64,
            backups_restorable: ledger.restorable_backups(),
            stripes_created: ledger.stripe_count(),
            stripes_restorable: ledger.restorable_stripes(),
            drills_passed: self.interval_passed,
            drills_failed: self.interval_failed,
            stripes_below_threshold,
            repairs: self.repairs - self.previous_repairs,
            repair_bytes: self.repair_bytes - self.previous_repair_bytes,
            restores: latencies.len() as u64,
            restore_latency_p50_s: percentile_s(latencies, 50),
            restore_latency_p99_s: percentile_s(latencies, 99),
        });
        self.previous_repairs = self.repairs;
        self.previous_repair_bytes = self.repair_bytes;
        self.previous_restores = self.restore_latencies_us.len();
        self.regions.push(population.online_by_region.clone());
        self.interval_passed = 0;
        self.interval_failed = 0;
    }

    pub fn finish(self, world: Finish<'_>) -> RunOutcome {
        let Finish {
            scenario,
            population,
            ledger,
            events,
            backups_lost,
            shards_in_flight,
        } = world;
        let backups = backup_rows(ledger);
        let fractions: Vec<f64> = self
            .timeline
            .iter()
            .filter_map(TimelineRow::restorable_fraction)
            .collect();
        let shards_placed: u64 = backups.iter().map(|row| row.shards_placed).sum();

        let summary = Summary {
            scenario: scenario.name.clone(),
            scenario_hash: scenario.hash(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            seed: scenario.seed,
            duration_s: scenario.duration.0 / crate::time::MICROS_PER_SECOND,
            peers: population.len() as u64 - self.peers_arrived,
            peers_arrived: self.peers_arrived,
            peers_departed: self.peers_departed,
            k: scenario.engine.k,
            n: scenario.engine.n,
            backups_created: backups.len() as u64,
            backups_fully_placed: backups
                .iter()
                .filter(|row| row.shards_placed == row.shards_total)
                .count() as u64,
            stripes: ledger.stripe_count(),
            shards_placed,
            shards_unplaced: self.shards_unplaced,
            shards_in_flight,
            stored_bytes: population.used_bytes.iter().sum(),
            upload_bytes: self.upload_bytes,
            drill_download_bytes: self.drill_download_bytes,
            drills_passed: self.drills_passed,
            drills_failed: self.drills_failed,
            events,
            restorable_fraction_mean: mean(&fractions),
            restorable_fraction_min: fractions.iter().copied().reduce(f64::min),
            backups_restorable_at_end: ledger.restorable_backups(),
            backups_lost,
            repairs: self.repairs,
            repair_failures: self.repair_failures,
            repair_bytes: self.repair_bytes,
            egress_bytes: self.drill_download_bytes + self.repair_read_bytes,
            storage_cost: storage_cost(&self.byte_seconds, scenario),
            restore_latency_p50_s: percentile_s(&self.restore_latencies_us, 50),
            restore_latency_p99_s: percentile_s(&self.restore_latencies_us, 99),
            repair_latency_p50_s: percentile_s(&self.repair_latencies_us, 50),
            repair_latency_p99_s: percentile_s(&self.repair_latencies_us, 99),
            burst_restores_passed: self.burst_latencies_us.len() as u64,
            burst_restores_failed: self.burst_restores_failed,
            burst_latency_p50_s: percentile_s(&self.burst_latencies_us, 50),
            burst_latency_p99_s: percentile_s(&self.burst_latencies_us, 99),
            cascade_failures: self.cascade_failures,
            stripes_below_threshold_max: self
                .timeline
                .iter()
                .map(|row| row.stripes_below_threshold)
                .max()
                .unwrap_or(0),
        };
        let expectations = metrics::check_expectations(scenario, &summary);

        RunOutcome {
            scenario: scenario.clone(),
            summary,
            timeline: self.timeline,
            regions: self.regions,
            backups,
            expectations,
            scripted: self.scripted,
        }
    }
}

fn backup_rows(ledger: &Ledger) -> Vec<BackupRow> {
    ledger
        .backups()
        .iter()
        .map(|entry| BackupRow {
            backup_id: entry.manifest.backup_id.clone(),
            owner: entry.owner,
            created_s: entry.created.as_secs(),
            size_bytes: entry.size_bytes,
            materialised_bytes: entry.materialised_bytes,
            stripes: entry.stripe_count() as u64,
            shards_total: entry.manifest.shard_count() as u64,
            shards_placed: u64::from(entry.shards_placed),
            drills_passed: u64::from(entry.drills_passed),
            drills_failed: u64::from(entry.drills_failed),
            restorable_at_end: entry.short_stripes == 0,
        })
        .collect()
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Price of the stored byte-seconds: GiB-months of 30 days times each class's price.
fn storage_cost(byte_seconds: &[f64; 4], scenario: &Scenario) -> f64 {
    const GIB_MONTH_BYTE_SECONDS: f64 = (1u64 << 30) as f64 * 30.0 * 86_400.0;
    crate::scenario::StorageClass::ALL
        .iter()
        .map(|&class| {
            let price = scenario.storage_classes.get(class).cost_per_gib_month;
            byte_seconds[class.index()] / GIB_MONTH_BYTE_SECONDS * price
        })
        .sum()
}

/// The nearest-rank percentile of latencies, in seconds.
fn percentile_s(latencies_us: &[u64], percent: usize) -> Option<f64> {
    if latencies_us.is_empty() {
        return None;
    }
    let mut sorted = latencies_us.to_vec();
    sorted.sort_unstable();
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1] as f64 / crate::time::MICROS_PER_SECOND as f64)
}
