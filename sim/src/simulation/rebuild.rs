//! Rebuilding a stripe: the owner reads k verified shards, recodes the lost ones and
//! uploads each to a new peer.
//!
//! New holders are online peers with room, reachable from the owner, that hold no
//! shard of the stripe. The transfers queue like any other (see the transfer module),
//! and a new copy counts once its upload lands (see the landing module). Repair bytes
//! are counted at logical size: k shards downloaded and one upload per replaced shard.

use shardsim_engine::Digest;

use super::Simulation;
use super::landing::Upload;
use crate::ledger::NO_HOLDER;
use crate::placement;
use crate::workload::Layout;

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
        if lost.is_empty() {
            return true;
        }
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

        // With no new holder to take a shard, the owner reads nothing.
        if found == 0 {
            self.recorder.repair_failures += 1;
            return false;
        }

        let mut sources: Vec<(u32, u64)> = readable
            .iter()
            .map(|&position| (holders[position], bytes))
            .collect();
        let rebuilt = self.fetch_to_owner(owner, &mut sources);
        let uploads: Vec<(u32, u64)> = chosen.iter().map(|&holder| (holder, bytes)).collect();
        let arrivals = self.send_from_owner(owner, rebuilt, &uploads);
        let started_us = self.now.0;
        for ((&position, &holder), arrives) in lost.iter().zip(&chosen).zip(arrivals) {
            let upload = Upload::Repair { started_us };
            self.population.store(holder, bytes);
            self.start_upload(shard_id(position), holder, bytes, arrives, upload);
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
}
