//! shardsim's simulator: a deterministic discrete-event world of peers, owners and
//! restore drills that runs the real [`shardsim_engine`] on virtual time.
//!
//! A scenario file describes the peers (regions, capacity, churn), the workload
//! (owners, backup sizes, schedule), the erasure coding and the drills. [`run`] plays
//! it from one master seed and returns a [`RunOutcome`]; [`write_report`] turns that
//! into CSV files and plots. The same scenario and seed give the same bytes.
//!
//! Modules: `scenario` (file format and validation), `time` and `size` (units),
//! `streams` (seeded generators), `queue` (events ordered by time and sequence),
//! `population` and `churn` (peers), `workload` and `placement` (backups), `ledger`
//! (who holds what), `simulation` (the loop), `metrics` and `report` (outputs), `cli`.
//!
//! ```
//! let text = r#"
//!     name = "doc"
//!     seed = 1
//!     duration = "2d"
//!     [[peers]]
//!     region = "eu"
//!     count = 20
//!     capacity = "1GiB"
//!     churn = { mean_online = "8h", mean_offline = "2h" }
//!     [workload]
//!     owners = 2
//!     backups_per_owner = 1
//!     interval = "1d"
//!     size_min = "4MiB"
//!     size_max = "4MiB"
//!     [engine]
//!     k = 3
//!     n = 5
//! "#;
//! let scenario = shardsim_sim::Scenario::parse(text, "doc.toml")?;
//! let outcome = shardsim_sim::run(&scenario);
//! assert_eq!(outcome.summary.backups_created, 2);
//! assert_eq!(outcome.timeline.len(), 49);
//! # Ok::<(), shardsim_sim::ScenarioError>(())
//! ```

#![deny(missing_docs)]

mod bandwidth;
mod churn;
pub mod cli;
mod error;
mod ledger;
mod metrics;
mod network;
mod placement;
mod population;
mod queue;
mod report;
mod scenario;
mod simulation;
mod size;
mod streams;
mod time;
mod trace;
mod units;
mod workload;

pub use error::{Problem, ReportError, ScenarioError};
pub use metrics::{BackupRow, ExpectationCheck, RunOutcome, Summary, TimelineRow};
pub use report::{REPORT_FILES, ReportFiles, check_destination, write_report};
pub use scenario::{
    Churn, Drills, EngineSettings, Expectations, PeerGroup, RepairPolicy, ReportSettings, Scenario,
    ScriptedAction, ScriptedEvent, SessionDistribution, Workload,
};
pub use simulation::run;
pub use size::ByteSize;
pub use time::{EPOCH_UNIX_S, SimDuration, SimTime};
pub use trace::{Trace, TraceFormat};
