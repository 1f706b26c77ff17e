//! The scenario file's tables, as serde reads them. Every table rejects unknown keys.

use serde::{Deserialize, Serialize};

use crate::bandwidth::Bandwidth;
use crate::size::ByteSize;
use crate::time::SimDuration;
use crate::trace::{Trace, TraceFormat};

/// One simulated world: who takes part, what they back up, and what is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name of the scenario, also the default report folder under `reports/`.
    pub name: String,
    /// One line on what the scenario models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Master seed; every random stream of the run derives from it.
    pub seed: u64,
    /// Virtual time the run covers.
    pub duration: SimDuration,
    /// Groups of peers that store shards.
    pub peers: Vec<PeerGroup>,
    /// Owners and the backups they create.
    pub workload: Workload,
    /// Erasure coding of every backup.
    pub engine: EngineSettings,
    /// Restore drills.
    #[serde(default)]
    pub drills: Drills,
    /// What the report samples.
    #[serde(default)]
    pub report: ReportSettings,
    /// Outcomes the run must reach, for CI.
    #[serde(default)]
    pub expect: Expectations,
    /// Audits and repair of lost shards.
    #[serde(default)]
    pub repair: Repair,
    /// Retrieval delay and price of each storage class.
    #[serde(default)]
    pub storage_classes: StorageClasses,
    /// Links between regions: latency and bandwidth.
    #[serde(default)]
    pub network: NetworkSettings,
    /// Scripted events at fixed virtual times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<ScriptedEvent>,
    /// The parsed trace of each group that has one, in group order.
    #[serde(skip)]
    pub traces: Vec<Option<std::sync::Arc<Trace>>>,
}

/// A group of peers that share a region, a capacity and a churn model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerGroup {
    /// Region the peers sit in.
    pub region: String,
    /// Number of peers in the group.
    pub count: u32,
    /// Zone of the region the peers sit in. A zone is a failure domain that a partition
    /// or outage can take out on its own. Without it the peers sit outside any zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Storage each peer offers, charged at logical shard size.
    pub capacity: ByteSize,
    /// Storage class of the group's peers: hot, warm, cold or glacier.
    #[serde(default)]
    pub class: StorageClass,
    /// Online and offline sessions; without it the peers never go offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<Churn>,
    /// Upload bandwidth of each peer, shared by every transfer it sends.
    #[serde(default = "default_peer_upload")]
    pub upload: Bandwidth,
    /// Download bandwidth of each peer, shared by every transfer it receives.
    #[serde(default = "default_peer_download")]
    pub download: Bandwidth,
    /// Mean rate at which new peers join this group, per day, as a Poisson process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals_per_day: Option<f64>,
    /// An availability trace that replaces the churn model: peer i of the group
    /// replays the trace's i-th node in sorted order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceSource>,
}

/// Where a group's availability trace comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSource {
    /// Trace file, relative to the scenario file's folder.
    pub path: String,
    /// `sessions` or `fta`.
    pub format: TraceFormat,
    /// Skip and count invalid rows instead of rejecting the file.
    #[serde(default)]
    pub skip_invalid: bool,
}

/// Distribution of session lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionDistribution {
    /// Exponential sessions: memoryless, so a peer's future does not depend on how
    /// long it has been up.
    #[default]
    Exponential,
    /// Weibull sessions; `shape` below 1 gives many short sessions and a few long ones.
    Weibull,
    /// Pareto sessions, heavy-tailed; `shape` is the tail index and must exceed 1.
    Pareto,
    /// Log-normal sessions; `shape` is the standard deviation of the logarithm.
    Lognormal,
}

/// Alternating online and offline sessions of one peer group, and its lifetime.
///
/// Each session kind is given by its mean or by its median, not both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// Distribution of both session kinds.
    #[serde(default)]
    pub distribution: SessionDistribution,
    /// Mean length of an online session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_online: Option<SimDuration>,
    /// Median length of an online session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_online: Option<SimDuration>,
    /// Mean length of an offline session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_offline: Option<SimDuration>,
    /// Median length of an offline session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_offline: Option<SimDuration>,
    /// Shape of the Weibull, Pareto or log-normal distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// Mean time until a peer leaves for good, drawn per peer from an exponential
    /// distribution; without it peers never leave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<SimDuration>,
}

/// Owners, each creating backups on a fixed schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Number of owners.
    pub owners: u32,
    /// Region all owners sit in; by default owner i sits in the i-th region, cycling
    /// through the regions in order of first appearance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_region: Option<String>,
    /// Backups each owner creates.
    pub backups_per_owner: u32,
    /// Time of the first owner's first backup; the others follow, spread evenly over
    /// one interval.
    #[serde(default)]
    pub first_backup: SimDuration,
    /// Time between two backups of one owner.
    pub interval: SimDuration,
    /// Upload bandwidth of each owner, shared by the shards it sends.
    #[serde(default = "default_peer_upload")]
    pub owner_upload: Bandwidth,
    /// Download bandwidth of each owner, shared by the shards it fetches.
    #[serde(default = "default_peer_download")]
    pub owner_download: Bandwidth,
    /// Smallest logical backup size.
    pub size_min: ByteSize,
    /// Largest logical backup size; sizes are uniform between the two.
    pub size_max: ByteSize,
}

impl Workload {
    /// Total backups the workload creates if the run lasts long enough.
    pub fn total_backups(&self) -> u64 {
        u64::from(self.owners) * u64::from(self.backups_per_owner)
    }
}

fn default_peer_upload() -> Bandwidth {
    Bandwidth::from_mbit(20)
}

fn default_peer_download() -> Bandwidth {
    Bandwidth::from_mbit(100)
}

/// The links between regions. Every pair of regions is linked unless `full_mesh` is
/// false, and `links` overrides the latency and bandwidth of chosen pairs. Transfers
/// follow the lowest-latency path, and of equal ones the widest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// Whether every pair of regions is linked; when false only `links` exist.
    #[serde(default = "default_full_mesh")]
    pub full_mesh: bool,
    /// One-way latency of a link between two regions, unless the link sets its own.
    #[serde(default = "default_link_latency")]
    pub latency: SimDuration,
    /// Bandwidth of a link between two regions, unless the link sets its own. The
    /// transfers between two regions share the narrowest link of their path.
    #[serde(default = "default_link_bandwidth")]
    pub bandwidth: Bandwidth,
    /// One-way latency between two peers of one region.
    #[serde(default = "default_local_latency")]
    pub local_latency: SimDuration,
    /// Links with their own latency or bandwidth, or, without a full mesh, the only
    /// links. Each joins two regions in both directions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            full_mesh: default_full_mesh(),
            latency: default_link_latency(),
            bandwidth: default_link_bandwidth(),
            local_latency: default_local_latency(),
            links: Vec::new(),
        }
    }
}

fn default_full_mesh() -> bool {
    true
}

fn default_link_latency() -> SimDuration {
    SimDuration(50_000)
}

fn default_link_bandwidth() -> Bandwidth {
    Bandwidth::from_mbit(10_000)
}

fn default_local_latency() -> SimDuration {
    SimDuration(5_000)
}

/// A link between two regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The two regions joined, in either order.
    pub between: Vec<String>,
    /// One-way latency; the network's `latency` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<SimDuration>,
    /// Bandwidth; the network's `bandwidth` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<Bandwidth>,
}

/// Coding parameters, and how many bytes of each shard the simulator materialises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// Data shards per stripe.
    pub k: u32,
    /// Total shards per stripe.
    pub n: u32,
    /// Logical shard size, charged against capacity and bandwidth.
    #[serde(default = "default_shard_size")]
    pub shard_size: ByteSize,
    /// Bytes actually produced and stored per shard. The engine runs on real bytes of
    /// this size, so large populations fit in memory.
    #[serde(default = "default_materialised_shard_size")]
    pub materialised_shard_size: ByteSize,
}

fn default_shard_size() -> ByteSize {
    ByteSize(1 << 20)
}

fn default_materialised_shard_size() -> ByteSize {
    ByteSize(4 << 10)
}

/// Restore drills: each backup is restored on a fixed interval after its creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drills {
    /// Time between two drills of one backup.
    #[serde(default = "default_drill_interval")]
    pub interval: SimDuration,
    /// Maximum virtual time a restore, drill or burst, may take. A restore that would
    /// take longer counts as failed.
    #[serde(default = "default_restore_timeout")]
    pub timeout: SimDuration,
}

impl Default for Drills {
    fn default() -> Self {
        Self {
            interval: default_drill_interval(),
            timeout: default_restore_timeout(),
        }
    }
}

fn default_drill_interval() -> SimDuration {
    SimDuration::from_hours(24)
}

fn default_restore_timeout() -> SimDuration {
    SimDuration::from_hours(24)
}

/// What the report records over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Time between two rows of timeline.csv.
    #[serde(default = "default_sample_interval")]
    pub sample_interval: SimDuration,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            sample_interval: default_sample_interval(),
        }
    }
}

fn default_sample_interval() -> SimDuration {
    SimDuration::from_hours(1)
}

/// Outcomes a run must reach; a missed one makes `shardsim run` exit with code 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Lowest acceptable share of restore drills that succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_success_rate_min: Option<f64>,
    /// Lowest acceptable mean, over the timeline, of the fraction of created backups
    /// that are restorable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restorable_fraction_mean_min: Option<f64>,
}

/// When lost shards are rebuilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepairPolicy {
    /// Never repair; the same as `threshold = n`.
    None,
    /// Repair a stripe as soon as an audit finds one of its shards lost; the same as
    /// `threshold = 1`.
    Eager,
    /// Repair a stripe once `threshold` of its shards are lost, between 2 and n - k.
    Lazy,
}

/// Owners' audits of their shards and the repair of stripes that lost some.
///
/// The repair threshold counts lost shards: a stripe is repaired once audits find
/// `threshold` of its n shards lost. So 1 is eager repair, and n - k waits until only k
/// shards remain. n turns repair off, because a stripe that lost all n shards cannot be
/// rebuilt. Either key may be given alone; the normalised scenario shows both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repair {
    /// None, eager or lazy; derived from `threshold` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<RepairPolicy>,
    /// Lost shards of one stripe that start its repair: 1 to n - k, or n for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// Time between two audits of one backup.
    #[serde(default = "default_audit_interval")]
    pub audit_interval: SimDuration,
    /// Offline time after which a shard counts as lost rather than briefly absent.
    #[serde(default = "default_loss_timeout")]
    pub loss_timeout: SimDuration,
    /// Wait before retrying a failed repair; doubled after each failure up to one day.
    #[serde(default = "default_retry_backoff")]
    pub retry_backoff: SimDuration,
}

impl Repair {
    /// Lost shards that start a stripe's repair, or `None` when repair is off. Valid
    /// after [`crate::scenario::Scenario::parse`], which resolves policy and threshold.
    pub fn losses_before_repair(&self) -> Option<u32> {
        match self.policy {
            Some(RepairPolicy::None) | None => None,
            Some(RepairPolicy::Eager) => Some(1),
            Some(RepairPolicy::Lazy) => self.threshold,
        }
    }

    /// Returns whether owners audit and repair at all.
    pub fn is_on(&self) -> bool {
        self.losses_before_repair().is_some()
    }

    /// Fills in whichever of policy and threshold is missing, for stripes of `n`
    /// shards. Leaves a conflicting pair as it is, for validation to report.
    pub(crate) fn resolve(&mut self, n: u32) {
        match (self.policy, self.threshold) {
            (None, None) | (Some(RepairPolicy::None), None) => {
                self.policy = Some(RepairPolicy::None);
                self.threshold = Some(n);
            }
            (None, Some(threshold)) => {
                self.policy = Some(if threshold == 1 {
                    RepairPolicy::Eager
                } else if threshold >= n {
                    RepairPolicy::None
                } else {
                    RepairPolicy::Lazy
                });
            }
            (Some(RepairPolicy::Eager), None) => self.threshold = Some(1),
            _ => {}
        }
    }
}

impl Default for Repair {
    fn default() -> Self {
        Self {
            policy: None,
            threshold: None,
            audit_interval: default_audit_interval(),
            loss_timeout: default_loss_timeout(),
            retry_backoff: default_retry_backoff(),
        }
    }
}

fn default_audit_interval() -> SimDuration {
    SimDuration::from_hours(6)
}

fn default_loss_timeout() -> SimDuration {
    SimDuration::from_hours(72)
}

fn default_retry_backoff() -> SimDuration {
    SimDuration::from_hours(1)
}

/// What a scripted event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptedAction {
    /// Every peer of `region`, or of `zone`, goes offline for `duration`, then resumes
    /// its sessions.
    RegionalOutage,
    /// Traffic between one side and the rest of the network is cut for `duration`. The
    /// side is `regions`, with their zones, and `zones`. With `one_way = true` only
    /// traffic leaving that side is cut.
    Partition,
    /// A `fraction` of the present peers, of `region` or of all regions, leave for good.
    MassDeparture,
    /// `count` new peers join group `group` at once.
    JoinWave,
    /// `region` fails for `duration`; each region linked to a failed one then fails too
    /// with `probability`, `delay` later, each region at most once.
    CascadingFailure,
    /// A `fraction` of the online peers of `region` fail for `duration`. The peers left
    /// online in the region take over their stored load in equal shares, or those of the
    /// linked regions do when none are left. Any peer whose load then exceeds its
    /// capacity fails too, `delay` later, until no peer is overloaded.
    OverloadFailure,
    /// A `fraction` of the owners, of `region` or of all regions, restore their latest
    /// backup at once, so their transfers compete for the same peers.
    RestoreBurst,
}

impl ScriptedAction {
    /// Returns the action's name as scenario files write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RegionalOutage => "regional_outage",
            Self::Partition => "partition",
            Self::MassDeparture => "mass_departure",
            Self::JoinWave => "join_wave",
            Self::CascadingFailure => "cascading_failure",
            Self::OverloadFailure => "overload_failure",
            Self::RestoreBurst => "restore_burst",
        }
    }
}

/// One scripted event of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedEvent {
    /// Virtual time of the event.
    pub at: SimDuration,
    /// What happens.
    pub action: ScriptedAction,
    /// Region affected, for outages (required) and departures (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// One side of a partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// Zone affected, for an outage of one zone in place of a whole region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Zones on the same side of a partition as `regions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    /// Whether a partition cuts only the traffic leaving `regions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_way: Option<bool>,
    /// Length of an outage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<SimDuration>,
    /// Share of present peers that leave in a mass departure, above 0 and at most 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// Index of the `[[peers]]` group a join wave adds to, counted from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    /// Peers that join in a join wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Chance that a cascading failure spreads along one link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Time a cascading failure takes to cross one link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<SimDuration>,
}

/// How quickly and at what price a peer serves what it stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageClass {
    /// Served at once.
    #[default]
    Hot,
    /// Served after a short delay.
    Warm,
    /// Served after a long delay, cheaply stored.
    Cold,
    /// Served after hours, most cheaply stored.
    Glacier,
}

impl StorageClass {
    /// Every class, in the order of [`StorageClasses`]' fields.
    pub const ALL: [StorageClass; 4] = [Self::Hot, Self::Warm, Self::Cold, Self::Glacier];

    /// Position in [`StorageClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Retrieval delay and price of one storage class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSettings {
    /// Time before a stored shard can be read.
    pub retrieval_delay: SimDuration,
    /// Price of storing one GiB for 30 days, in any currency the scenario chooses.
    pub cost_per_gib_month: f64,
}

/// Settings of every storage class. The defaults are illustrative round figures that
/// order the classes the way cloud storage tiers are ordered; set them to the prices
/// being studied.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageClasses {
    /// Hot storage.
    #[serde(default = "hot_class")]
    pub hot: ClassSettings,
    /// Warm storage.
    #[serde(default = "warm_class")]
    pub warm: ClassSettings,
    /// Cold storage.
    #[serde(default = "cold_class")]
    pub cold: ClassSettings,
    /// Glacier storage.
    #[serde(default = "glacier_class")]
    pub glacier: ClassSettings,
}

impl StorageClasses {
    /// The settings of one class.
    pub fn get(&self, class: StorageClass) -> &ClassSettings {
        match class {
            StorageClass::Hot => &self.hot,
            StorageClass::Warm => &self.warm,
            StorageClass::Cold => &self.cold,
            StorageClass::Glacier => &self.glacier,
        }
    }
}

impl Default for StorageClasses {
    fn default() -> Self {
        Self {
            hot: hot_class(),
            warm: warm_class(),
            cold: cold_class(),
            glacier: glacier_class(),
        }
    }
}

fn class(delay: SimDuration, cost_per_gib_month: f64) -> ClassSettings {
    ClassSettings {
        retrieval_delay: delay,
        cost_per_gib_month,
    }
}

fn hot_class() -> ClassSettings {
    class(SimDuration(0), 0.02)
}

fn warm_class() -> ClassSettings {
    class(SimDuration::from_secs(10), 0.01)
}

fn cold_class() -> ClassSettings {
    class(SimDuration::from_hours(1), 0.004)
}

fn glacier_class() -> ClassSettings {
    class(SimDuration::from_hours(12), 0.001)
}
