//! Writing a run's report folder: the normalised scenario, four CSV files and four
//! plots, each as PNG and SVG.
//!
//! The files are written into a hidden temporary folder beside the destination and
//! renamed into place only when all of them are complete, so an interrupted run never
//! leaves half a report. A previous report at the destination is replaced; any other
//! existing folder is left untouched and the run fails instead.

mod folder;

pub use folder::check_destination;
mod plot;
mod tables;

use std::path::{Path, PathBuf};

use crate::error::ReportError;
use crate::metrics::RunOutcome;

/// Name of the normalised scenario inside a report.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// Name of the one-row summary.
pub const SUMMARY_FILE: &str = "summary.csv";
/// Name of the sampled timeline.
pub const TIMELINE_FILE: &str = "timeline.csv";
/// Name of the per-backup table.
pub const BACKUPS_FILE: &str = "backups.csv";
/// Name of the online peers per region over time.
pub const REGIONS_FILE: &str = "regions.csv";
/// Every file a report holds; a folder with anything else is never replaced.
pub const REPORT_FILES: [&str; 13] = [
    SCENARIO_FILE,
    SUMMARY_FILE,
    TIMELINE_FILE,
    REGIONS_FILE,
    BACKUPS_FILE,
    "recovery.png",
    "recovery.svg",
    "durability.png",
    "durability.svg",
    "repair-traffic.png",
    "repair-traffic.svg",
    "restore-latency.png",
    "restore-latency.svg",
];

/// Where a report was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// The report folder.
    pub dir: PathBuf,
    /// Every file in it, in the order written.
    pub files: Vec<PathBuf>,
}

/// Writes the report of `outcome` to the folder `dir`, replacing an earlier report
/// there.
///
/// # Errors
///
/// [`ReportError::Unsuitable`] when [`check_destination`] rejects `dir`;
/// [`ReportError::Io`], [`ReportError::Csv`] or [`ReportError::Plot`] when a file
/// cannot be written. On error the destination is unchanged.
pub fn write_report(outcome: &RunOutcome, dir: &Path) -> Result<ReportFiles, ReportError> {
    folder::check_destination(dir)?;
    let staging = folder::Staging::create(dir)?;

    let mut names = Vec::new();
    let scenario_text = outcome.scenario.to_normalised_toml();
    folder::write_file(
        &staging.path().join(SCENARIO_FILE),
        scenario_text.as_bytes(),
    )?;
    names.push(SCENARIO_FILE.to_string());

    tables::write_summary(&staging.path().join(SUMMARY_FILE), outcome)?;
    tables::write_timeline(&staging.path().join(TIMELINE_FILE), &outcome.timeline)?;
    tables::write_regions(&staging.path().join(REGIONS_FILE), outcome)?;
    tables::write_backups(&staging.path().join(BACKUPS_FILE), &outcome.backups)?;
    names.extend([SUMMARY_FILE, TIMELINE_FILE, REGIONS_FILE, BACKUPS_FILE].map(String::from));

    for stem in plot::PLOTS {
        for extension in ["png", "svg"] {
            let name = format!("{stem}.{extension}");
            plot::draw(&staging.path().join(&name), stem, outcome)?;
            names.push(name);
        }
    }

    staging.commit(dir)?;
    Ok(ReportFiles {
        dir: dir.to_path_buf(),
        files: names.into_iter().map(|name| dir.join(name)).collect(),
    })
}
