//! Owners and the backups they create: sizes, schedule and materialised bytes.
//!
//! A backup has a logical size, which is charged to capacity and bandwidth, and a
//! smaller materialised size, which the engine really seals and codes. The
//! materialised plaintext is chosen so that the engine cuts it into exactly as many
//! stripes as the logical backup would have, with the last stripe filled in the same
//! proportion.

use rand::{Rng, RngExt};
use shardsim_engine::TAG_LEN;

use crate::scenario::{EngineSettings, Workload};
use crate::streams::Stream;
use crate::time::{SimDuration, SimTime};

/// An owner: its own random stream and how many backups it has made.
pub struct Owner {
    /// Stream for sizes, contents and data keys.
    pub rng: Stream,
    /// Backups created so far.
    pub created: u32,
}

/// Time of owner `owner`'s first backup: owners start spread evenly over one interval.
pub fn first_backup_time(workload: &Workload, owner: u32) -> SimTime {
    let offset = u128::from(workload.interval.0) * u128::from(owner) / u128::from(workload.owners);
    let offset = u64::try_from(offset).expect("offset is below one interval");
    SimTime::ZERO
        .after(workload.first_backup)
        .after(SimDuration(offset))
}

/// How a backup of a given logical size maps onto stripes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Stripes of the backup, at least one.
    pub stripes: usize,
    /// Logical size of each shard of a full stripe.
    pub shard_bytes: u64,
    /// Logical size of each shard of the last stripe.
    pub last_shard_bytes: u64,
    /// Plaintext bytes to materialise for the engine.
    pub materialised_len: usize,
}

impl Layout {
    /// Lays out a backup of `size_bytes` logical bytes.
    pub fn new(size_bytes: u64, engine: &EngineSettings) -> Self {
        let k = u64::from(engine.k);
        let stripe_bytes = k * engine.shard_size.0;
        let stripes = size_bytes.div_ceil(stripe_bytes).max(1);
        let last_logical = size_bytes - (stripes - 1) * stripe_bytes;

        let capacity = k * engine.materialised_shard_size.0 - TAG_LEN as u64;
        let last_materialised =
            (u128::from(last_logical) * u128::from(capacity) / u128::from(stripe_bytes)).max(1);
        let last_materialised = u64::try_from(last_materialised).expect("at most one stripe");
        let materialised = (stripes - 1) * capacity + last_materialised;

        Self {
            stripes: usize::try_from(stripes).expect("stripe count fits in memory"),
            shard_bytes: engine.shard_size.0,
            last_shard_bytes: last_logical.div_ceil(k),
            materialised_len: usize::try_from(materialised).expect("validated memory bound"),
        }
    }

    /// Logical size of each shard of stripe `stripe`.
    pub fn shard_bytes_of(&self, stripe: usize) -> u64 {
        if stripe + 1 == self.stripes {
            self.last_shard_bytes
        } else {
            self.shard_bytes
        }
    }
}

/// Draws a logical backup size, uniform between the workload's bounds.
pub fn draw_size(workload: &Workload, rng: &mut Stream) -> u64 {
    rng.random_range(workload.size_min.0..=workload.size_max.0)
}

/// Draws the plaintext the engine will back up.
pub fn draw_plaintext(len: usize, rng: &mut Stream) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::ByteSize;
    use shardsim_engine::CodingParams;

    fn settings() -> EngineSettings {
        EngineSettings {
            k: 3,
            n: 5,
            shard_size: ByteSize(1 << 20),
            materialised_shard_size: ByteSize(4096),
        }
    }

    #[test]
    fn materialised_backup_has_the_logical_stripe_count() {
        let engine = settings();
        let params = CodingParams::new(3, 5, 4096).expect("valid parameters");
        let stripe = 3u64 << 20;
        for size in [
            1,
            1000,
            stripe - 1,
            stripe,
            stripe + 1,
            64 << 20,
            10 * stripe + 7,
        ] {
            let layout = Layout::new(size, &engine);
            assert_eq!(layout.stripes as u64, size.div_ceil(stripe), "size {size}");
            assert_eq!(
                params.stripes_for(layout.materialised_len),
                layout.stripes,
                "size {size}"
            );
        }
    }

    #[test]
    fn last_stripe_shards_are_charged_by_remainder() {
        let layout = Layout::new((3 << 20) + 300, &settings());
        assert_eq!(layout.stripes, 2);
        assert_eq!(layout.shard_bytes_of(0), 1 << 20);
        assert_eq!(layout.shard_bytes_of(1), 100);
    }

    #[test]
    fn owners_start_spread_over_one_interval() {
        let workload = Workload {
            owners: 4,
            owner_region: None,
            backups_per_owner: 1,
            first_backup: SimDuration::from_hours(1),
            interval: SimDuration::from_hours(8),
            owner_upload: crate::bandwidth::Bandwidth::from_mbit(20),
            owner_download: crate::bandwidth::Bandwidth::from_mbit(100),
            size_min: ByteSize(1),
            size_max: ByteSize(1),
        };
        let starts: Vec<u64> = (0..4)
            .map(|o| first_backup_time(&workload, o).as_secs() / 3600)
            .collect();
        assert_eq!(starts, vec![1, 3, 5, 7]);
    }
}
