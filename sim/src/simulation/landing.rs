//! Uploads in flight: a shard sent to a new holder counts as stored only once its
//! upload lands.
//!
//! Until then the new holder's room is reserved and the shard is in flight, so audits
//! neither count it lost nor repair it again, and placement gives the new holder no
//! other shard of the stripe. A repaired shard's old holder keeps its copy until the
//! new one lands. An upload whose new holder is offline or gone when it would land
//! fails: the reserved room is freed and the shard stays where it was, or unplaced.

use super::{Event, Simulation};
use crate::ledger::NO_HOLDER;
use crate::population::PeerId;
use crate::time::SimTime;

/// The reason for a shard's upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Upload {
    /// The first placement of a new backup's shard.
    Placement,
    /// A repair that started at this virtual time, in microseconds.
    Repair { started_us: u64 },
}

/// A shard on its way to its new holder.
#[derive(Debug, Clone, Copy)]
pub(super) struct Landing {
    shard: u32,
    holder: PeerId,
    bytes: u64,
    upload: Upload,
}

impl Landing {
    /// Returns whether this is the first placement of a new backup's shard.
    pub(super) fn is_placement(&self) -> bool {
        self.upload == Upload::Placement
    }
}

impl Simulation<'_> {
    /// Schedules the landing of `shard` on `holder` at `arrives`. The caller has
    /// reserved `bytes` of the holder's room.
    pub(super) fn start_upload(
        &mut self,
        shard: u32,
        holder: PeerId,
        bytes: u64,
        arrives: SimTime,
        upload: Upload,
    ) {
        let landing = Landing {
            shard,
            holder,
            bytes,
            upload,
        };
        let slot = match self.free_landings.pop() {
            Some(slot) => {
                self.landings[slot as usize] = Some(landing);
                slot
            }
            None => {
                self.landings.push(Some(landing));
                u32::try_from(self.landings.len() - 1).expect("fewer than 2^32 uploads")
            }
        };
        self.in_flight.insert(shard, slot);
        self.queue.push(arrives, Event::UploadLands(slot));
    }

    /// Returns the new holder of `shard` while its upload is in flight.
    pub(super) fn landing_holder(&self, shard: u32) -> Option<PeerId> {
        let slot = *self.in_flight.get(&shard)?;
        self.landings[slot as usize].map(|landing| landing.holder)
    }

    /// New holders of the shards in flight of global stripe `stripe`, which must not
    /// get another shard of it.
    pub(super) fn in_flight_holders(&self, stripe: usize, n: usize) -> Vec<PeerId> {
        let first = u32::try_from(stripe * n).expect("fewer than 2^32 shards");
        let last = first + u32::try_from(n).expect("n <= 256");
        self.in_flight
            .range(first..last)
            .filter_map(|(&shard, _)| self.landing_holder(shard))
            .collect()
    }

    /// Completes the upload in slot `slot`: the new holder takes the shard from its old
    /// holder, if any, or, when it is offline or gone, the upload fails.
    pub(super) fn land_upload(&mut self, slot: usize) {
        let landing = self.landings[slot]
            .take()
            .expect("each landing is scheduled once");
        self.in_flight.remove(&landing.shard);
        self.free_landings
            .push(u32::try_from(slot).expect("slots are numbered in u32"));
        let new_holder = landing.holder as usize;
        if !self.population.online[new_holder] {
            // A departed peer's room was freed when it left.
            if !self.population.departed[new_holder] {
                self.population.release(landing.holder, landing.bytes);
            }
            match landing.upload {
                Upload::Placement => self.recorder.shards_unplaced += 1,
                Upload::Repair { .. } => self.recorder.repair_failures += 1,
            }
            return;
        }

        let previous = self.ledger.holder(landing.shard);
        if previous != NO_HOLDER {
            let peer = previous as usize;
            self.population.held_shards[peer].retain(|&held| held != landing.shard);
            if !self.population.departed[peer] {
                self.population.release(previous, landing.bytes);
            }
        }
        self.ledger
            .move_shard(landing.shard, landing.holder, &self.population.online);
        self.population.held_shards[new_holder].push(landing.shard);
        match landing.upload {
            Upload::Placement => self.ledger.count_placed(landing.shard),
            Upload::Repair { started_us } => self
                .recorder
                .repair_latencies_us
                .push(self.now.0 - started_us),
        }
    }
}
