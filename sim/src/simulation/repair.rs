//! Audits and repair: owners check their stripes on an interval and rebuild those that
//! lost too many shards onto new peers.
//!
//! A shard is lost when its holder has left for good or has been offline longer than
//! the loss timeout; a shorter absence is transient. Repair reads k verified shards from
//! online holders and places the lost ones on online peers with room that hold no
//! shard of the stripe. Its bytes are charged to the network at logical size: k shards
//! downloaded and one upload per replaced shard.

use shardsim_engine::Digest;

use super::{Event, Simulation};
use crate::ledger::NO_HOLDER;
use crate::placement;
use crate::time::SimDuration;
use crate::workload::Layout;

/// Maximum wait between two repair attempts of one backup.
const RETRY_BACKOFF_MAX: SimDuration = SimDuration::from_hours(24);

impl Simulation<'_> {
    /// Schedules a new backup's first audit, if repair is on.
    pub(super) fn schedule_first_audit(&mut self, backup: u32) {
        if self.scenario.repair.is_on() {
            let next = self.now.after(self.scenario.repair.audit_interval);
            self.queue.push(next, Event::Audit(backup));
        }
    }

    /// Audits every stripe of a backup and repairs those below the threshold. A failed
    /// repair is retried sooner, with a backoff that doubles up to one day.
    pub(super) fn audit(&mut self, backup: u32) {
        let index = backup as usize;
        let stripes = self.ledger.backups()[index].stripe_count();
        let mut failed = false;
        for stripe in 0..stripes {
            if self.healthy_shards(index, stripe) < self.repair_threshold() {
                failed |= !self.repair_stripe(index, stripe);
            }
        }

        let repair = &self.scenario.repair;
        let wait = if failed {
            self.repair_attempts[index] += 1;
            let doublings = (self.repair_attempts[index] - 1).min(16);
            SimDuration(repair.retry_backoff.0.saturating_mul(1 << doublings))
                .min(RETRY_BACKOFF_MAX)
        } else {
            self.repair_attempts[index] = 0;
            repair.audit_interval
        };
        self.queue.push(self.now.after(wait), Event::Audit(backup));
    }

    /// Healthy shards below which a stripe is repaired: n less one fewer than the lost
    /// shards that start a repair.
    fn repair_threshold(&self) -> usize {
        let n = self.scenario.engine.n as usize;
        match self.scenario.repair.losses_before_repair() {
            Some(losses) => n + 1 - losses as usize,
            None => 0,
        }
    }

    /// Stripes with at least the repair threshold's number of lost shards: those an
    /// audit now would repair. With repair off the threshold is n.
    pub(super) fn stripes_below_threshold(&self) -> u64 {
        let losses = self
            .scenario
            .repair
            .threshold
            .unwrap_or(self.scenario.engine.n);
        let lost: Vec<bool> = (0..self.population.len())
            .map(|peer| self.is_lost(peer as u32))
            .collect();
        self.ledger
            .stripes_with_lost_at_least(&lost, losses as usize)
    }

    /// Whether a shard on `holder` counts as lost: its holder left for good or has been
    /// offline for at least the loss timeout, or it has no holder.
    fn is_lost(&self, holder: u32) -> bool {
        if holder == NO_HOLDER {
            return true;
        }
        let peer = holder as usize;
        let population = &self.population;
        let absent_us = self.now.0.saturating_sub(population.offline_since[peer]);
        population.departed[peer]
            || (!population.online[peer] && absent_us >= self.scenario.repair.loss_timeout.0)
    }

    fn healthy_shards(&self, backup: usize, stripe: usize) -> usize {
        let global = self.ledger.backups()[backup].first_stripe as usize + stripe;
        self.ledger
            .stripe_holders(global)
            .iter()
            .filter(|&&holder| !self.is_lost(holder))
            .count()
    }

    /// Rebuilds one stripe's lost shards onto new holders; returns whether the stripe
    /// is whole again.
    fn repair_stripe(&mut self, backup: usize, stripe: usize) -> bool {
        let entry = &self.ledger.backups()[backup];
        let (k, n) = (entry.manifest.k, entry.manifest.n);
        let global = entry.first_stripe as usize + stripe;
        let bytes = Layout::new(entry.size_bytes, &self.scenario.engine).shard_bytes_of(stripe);
        let holders: Vec<u32> = self.ledger.stripe_holders(global).to_vec();
        let hashes = entry.manifest.stripes[stripe].shard_hashes.clone();
        let owner_region = self.owner_region[entry.owner as usize];

        // Rebuilding needs k shards that are online now and match their hashes.
        let readable: Vec<usize> = (0..n)
            .filter(|&position| {
                let holder = holders[position];
                holder != NO_HOLDER
                    && self.population.online[holder as usize]
                    && self.network.reaches(
                        usize::from(self.population.node[holder as usize]),
                        owner_region,
                    )
                    && Digest::of(self.ledger.shard_bytes((global * n + position) as u32))
                        == hashes[position]
            })
            .take(k)
            .collect();
        if readable.len() < k {
            self.recorder.repair_failures += 1;
            return false;
        }

        let lost: Vec<usize> = (0..n).filter(|&p| self.is_lost(holders[p])).collect();
        let mut chosen = Vec::with_capacity(lost.len());
        let exclude: Vec<u32> = holders
            .iter()
            .copied()
            .filter(|&h| h != NO_HOLDER)
            .collect();
        let allowed = self.nodes_reached_from(owner_region);
        let found = placement::choose_holders(
            &self.population,
            lost.len(),
            bytes,
            &exclude,
            &allowed,
            &mut self.placement_rng,
            &mut chosen,
        );
        let owner = entry.owner as usize;
        let mut sources: Vec<(u32, u64)> = readable
            .iter()
            .map(|&position| (holders[position], bytes))
            .collect();
        let rebuilt = self.fetch_to_owner(owner, &mut sources);
        let mut uploads: Vec<(u32, u64)> = chosen.iter().map(|&holder| (holder, bytes)).collect();
        self.send_from_owner(owner, rebuilt, &mut uploads);

        for (&position, &holder) in lost.iter().zip(&chosen) {
            let shard = u32::try_from(global * n + position).expect("fewer than 2^32 shards");
            let previous = holders[position];
            if previous != NO_HOLDER {
                let peer = previous as usize;
                self.population.held_shards[peer].retain(|&held| held != shard);
                self.population.release(previous, bytes);
            }
            self.ledger.reassign(shard, holder, &self.population.online);
            self.population.held_shards[holder as usize].push(shard);
            self.population.store(holder, bytes);
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
