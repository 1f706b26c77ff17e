//! Rebuilding a stripe: the owner reads k verified shards, recodes the lost ones and
//! uploads each to a new peer.
//!
//! New holders are online peers with room, reachable from the owner, that hold no
//! shard of the stripe. The transfers queue like any other (see the transfer module),
//! and a new copy counts only once its upload has landed. Until then the old holder
//! keeps its copy, the new holder's room stays reserved, and the shard is in flight,
//! so no other audit repairs it again. An upload whose new holder is offline or gone
//! when it lands fails, and the next audit retries. Repair bytes are counted at logical
//! size: k shards downloaded and one upload per replaced shard.

use shardsim_engine::Digest;

use super::{Event, Simulation};
use crate::ledger::NO_HOLDER;
use crate::placement;
use crate::population::PeerId;
use crate::workload::Layout;

/// A repaired shard on its way to its new holder.
#[derive(Debug, Clone, Copy)]
pub(super) struct Landing {
    shard: u32,
    holder: PeerId,
    bytes: u64,
    /// When the repair started, for its latency.
    started_us: u64,
}

impl Simulation<'_> {
    /// Rebuilds one stripe's lost shards and starts their uploads to new holders;
    /// returns whether every lost shard is on its way.
    pub(super) fn repair_stripe(&mut self, backup: usize, stripe: usize) -> bool {
        let entry = &self.ledger.backups()[backup];
        let (k, n) = (entry.manifest.k, entry.manifest.n);
        let global = entry.first_stripe as usize + stripe;
        let bytes = Layout::new(entry.size_bytes, &self.scenario.engine).shard_bytes_of(stripe);
        let holders: Vec<u32> = self.ledger.stripe_holders(global).to_vec();
        let hashes = entry.manifest.stripes[stripe].shard_hashes.clone();
        let owner = entry.owner as usize;
        let owner_node = self.owner_region[owner];
        let shard_id =
            |position: usize| u32::try_from(global * n + position).expect("fewer than 2^32 shards");

        // Rebuilding needs k shards that are online now and match their hashes.
        let readable: Vec<usize> = (0..n)
            .filter(|&position| {
                let holder = holders[position];
                holder != NO_HOLDER
                    && self.population.online[holder as usize]
                    && self.network.reaches(
                        usize::from(self.population.node[holder as usize]),
                        owner_node,
                    )
                    && Digest::of(self.ledger.shard_bytes(shard_id(position))) == hashes[position]
            })
            .take(k)
            .collect();
        if readable.len() < k {
            self.recorder.repair_failures += 1;
            return false;
        }

        let lost: Vec<usize> = (0..n)
            .filter(|&position| {
                self.is_lost(holders[position]) && !self.in_flight.contains_key(&shard_id(position))
            })
            .collect();
        let mut chosen = Vec::with_capacity(lost.len());
        let mut exclude: Vec<u32> = holders
            .iter()
            .copied()
            .filter(|&h| h != NO_HOLDER)
            .collect();
        exclude.extend(self.in_flight_holders(global, n));
        let allowed = self.nodes_reached_from(owner_node);
        let found = placement::choose_holders(
            &self.population,
            lost.len(),
            bytes,
            &exclude,
            &allowed,
            &mut self.placement_rng,
            &mut chosen,
        );

        let mut sources: Vec<(u32, u64)> = readable
            .iter()
            .map(|&position| (holders[position], bytes))
            .collect();
        let rebuilt = self.fetch_to_owner(owner, &mut sources);
        for (&position, &holder) in lost.iter().zip(&chosen) {
            // Each upload gets its own arrival time, queued behind the others.
            let mut upload = vec![(holder, bytes)];
            let landed = self.send_from_owner(owner, rebuilt, &mut upload);
            let shard = shard_id(position);
            self.population.store(holder, bytes);
            let landing = Landing {
                shard,
                holder,
                bytes,
                started_us: self.now.0,
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
            self.queue.push(landed, Event::RepairLands(slot));
        }

        self.recorder.repair_bytes += bytes * (k + found) as u64;
        self.recorder.repair_read_bytes += bytes * k as u64;
        self.recorder.repairs += 1;
        if found < lost.len() {
            self.recorder.repair_failures += 1;
            return false;
        }
        true
    }

    /// New holders of the stripe's shards in flight, which must not get another shard
    /// of it.
    pub(super) fn in_flight_holders(&self, global: usize, n: usize) -> Vec<PeerId> {
        let first = u32::try_from(global * n).expect("fewer than 2^32 shards");
        let last = first + u32::try_from(n).expect("n <= 256");
        self.in_flight
            .range(first..last)
            .filter_map(|(_, &slot)| self.landings[slot as usize].map(|landing| landing.holder))
            .collect()
    }

    /// Completes the upload in slot `slot` of the landings: the new holder takes the
    /// shard from its old holder, or, if it is offline or gone, the upload fails.
    pub(super) fn land_repair(&mut self, slot: usize) {
        let landing = self.landings[slot]
            .take()
            .expect("each landing is scheduled once");
        self.in_flight.remove(&landing.shard);
        self.free_landings
            .push(u32::try_from(slot).expect("slots are numbered in u32"));
        let new_holder = landing.holder as usize;
        if !self.population.online[new_holder] {
            self.population.release(landing.holder, landing.bytes);
            self.recorder.repair_failures += 1;
            return;
        }

        let previous = self.ledger.holder(landing.shard);
        if previous != NO_HOLDER {
            let peer = previous as usize;
            self.population.held_shards[peer].retain(|&held| held != landing.shard);
            self.population.release(previous, landing.bytes);
        }
        self.ledger
            .move_shard(landing.shard, landing.holder, &self.population.online);
        self.population.held_shards[new_holder].push(landing.shard);
        self.recorder
            .repair_latencies_us
            .push(self.now.0 - landing.started_us);
    }
}
