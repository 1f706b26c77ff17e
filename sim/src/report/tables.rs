//! The CSV files: tidy, one observation per row, units in column names.

use std::path::Path;

use crate::error::ReportError;
use crate::metrics::{BackupRow, RunOutcome, TimelineRow};

const SUMMARY_COLUMNS: [&str; 43] = [
    "scenario",
    "scenario_hash",
    "shardsim_version",
    "seed",
    "duration_s",
    "peers",
    "peers_arrived",
    "peers_departed",
    "k",
    "n",
    "backups_created",
    "backups_fully_placed",
    "backups_restorable_at_end",
    "backups_lost",
    "stripes",
    "shards_placed",
    "shards_unplaced",
    "shards_in_flight",
    "stored_bytes",
    "upload_bytes",
    "drill_download_bytes",
    "repairs",
    "repair_failures",
    "repair_bytes",
    "egress_bytes",
    "storage_cost",
    "restore_latency_p50_s",
    "restore_latency_p99_s",
    "repair_latency_p50_s",
    "repair_latency_p99_s",
    "stripes_below_threshold_max",
    "burst_restores_passed",
    "burst_restores_failed",
    "burst_latency_p50_s",
    "burst_latency_p99_s",
    "cascade_failures",
    "drills_passed",
    "drills_failed",
    "drill_success_rate",
    "restorable_fraction_mean",
    "restorable_fraction_min",
    "events",
    "expectations_failed",
];

const TIMELINE_COLUMNS: [&str; 17] = [
    "time_s",
    "peers_present",
    "online_peers",
    "backups_created",
    "backups_restorable",
    "restorable_fraction",
    "stripes_created",
    "stripes_restorable",
    "stripes_restorable_fraction",
    "drills_passed",
    "drills_failed",
    "stripes_below_threshold",
    "repairs",
    "repair_bytes",
    "restores",
    "restore_latency_p50_s",
    "restore_latency_p99_s",
];

const BACKUP_COLUMNS: [&str; 11] = [
    "backup_id",
    "owner",
    "created_s",
    "size_bytes",
    "materialised_bytes",
    "stripes",
    "shards_total",
    "shards_placed",
    "drills_passed",
    "drills_failed",
    "restorable_at_end",
];

/// Writes the one-row summary.
pub(super) fn write_summary(path: &Path, outcome: &RunOutcome) -> Result<(), ReportError> {
    let s = &outcome.summary;
    let failed = outcome
        .expectations
        .iter()
        .filter(|check| !check.passed())
        .count();
    let row = vec![
        s.scenario.clone(),
        s.scenario_hash.clone(),
        s.version.clone(),
        s.seed.to_string(),
        s.duration_s.to_string(),
        s.peers.to_string(),
        s.peers_arrived.to_string(),
        s.peers_departed.to_string(),
        s.k.to_string(),
        s.n.to_string(),
        s.backups_created.to_string(),
        s.backups_fully_placed.to_string(),
        s.backups_restorable_at_end.to_string(),
        s.backups_lost.to_string(),
        s.stripes.to_string(),
        s.shards_placed.to_string(),
        s.shards_unplaced.to_string(),
        s.shards_in_flight.to_string(),
        s.stored_bytes.to_string(),
        s.upload_bytes.to_string(),
        s.drill_download_bytes.to_string(),
        s.repairs.to_string(),
        s.repair_failures.to_string(),
        s.repair_bytes.to_string(),
        s.egress_bytes.to_string(),
        format!("{:.6}", s.storage_cost),
        decimal(s.restore_latency_p50_s),
        decimal(s.restore_latency_p99_s),
        decimal(s.repair_latency_p50_s),
        decimal(s.repair_latency_p99_s),
        s.stripes_below_threshold_max.to_string(),
        s.burst_restores_passed.to_string(),
        s.burst_restores_failed.to_string(),
        decimal(s.burst_latency_p50_s),
        decimal(s.burst_latency_p99_s),
        s.cascade_failures.to_string(),
        s.drills_passed.to_string(),
        s.drills_failed.to_string(),
        decimal(s.drill_success_rate()),
        decimal(s.restorable_fraction_mean),
        decimal(s.restorable_fraction_min),
        s.events.to_string(),
        failed.to_string(),
    ];
    write_csv(path, &SUMMARY_COLUMNS, std::iter::once(row))
}

/// Writes one row per timeline sample.
pub(super) fn write_timeline(path: &Path, timeline: &[TimelineRow]) -> Result<(), ReportError> {
    let rows = timeline.iter().map(|row| {
        vec![
            row.time_s.to_string(),
            row.peers_present.to_string(),
            row.online_peers.to_string(),
            row.backups_created.to_string(),
            row.backups_restorable.to_string(),
            decimal(row.restorable_fraction()),
            row.stripes_created.to_string(),
            row.stripes_restorable.to_string(),
            decimal(row.stripes_restorable_fraction()),
            row.drills_passed.to_string(),
            row.drills_failed.to_string(),
            row.stripes_below_threshold.to_string(),
            row.repairs.to_string(),
            row.repair_bytes.to_string(),
            row.restores.to_string(),
            decimal(row.restore_latency_p50_s),
            decimal(row.restore_latency_p99_s),
        ]
    });
    write_csv(path, &TIMELINE_COLUMNS, rows)
}

/// Writes one row per timeline sample and region: time, region, online peers.
pub(super) fn write_regions(path: &Path, outcome: &RunOutcome) -> Result<(), ReportError> {
    let names = outcome.scenario.regions();
    let rows = outcome
        .timeline
        .iter()
        .zip(&outcome.regions)
        .flat_map(|(row, online)| {
            names.iter().zip(online).map(move |(region, count)| {
                vec![
                    row.time_s.to_string(),
                    (*region).to_string(),
                    count.to_string(),
                ]
            })
        });
    write_csv(path, &["time_s", "region", "online_peers"], rows)
}

/// Writes one row per backup.
pub(super) fn write_backups(path: &Path, backups: &[BackupRow]) -> Result<(), ReportError> {
    let rows = backups.iter().map(|row| {
        vec![
            row.backup_id.clone(),
            row.owner.to_string(),
            row.created_s.to_string(),
            row.size_bytes.to_string(),
            row.materialised_bytes.to_string(),
            row.stripes.to_string(),
            row.shards_total.to_string(),
            row.shards_placed.to_string(),
            row.drills_passed.to_string(),
            row.drills_failed.to_string(),
            row.restorable_at_end.to_string(),
        ]
    });
    write_csv(path, &BACKUP_COLUMNS, rows)
}

/// A number with six decimals, or an empty field when it is undefined, which pandas, R
/// and polars all read as missing.
fn decimal(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn write_csv(
    path: &Path,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(csv_error)?;
    writer.write_record(header).map_err(csv_error)?;
    for row in rows {
        debug_assert_eq!(row.len(), header.len());
        writer.write_record(&row).map_err(csv_error)?;
    }
    let file = writer.into_inner().map_err(|error| ReportError::Io {
        path: path.to_path_buf(),
        source: error.into_error(),
    })?;
    file.sync_all().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
