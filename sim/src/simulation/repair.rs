//! Audits: owners check their stripes on an interval and repair those that lost as
//! many shards as the repair threshold.
//!
//! A shard is lost when its holder has left for good or has been offline longer than
//! the loss timeout, and a shorter absence is transient. The rebuild itself is in the
//! rebuild module.

use super::{Event, Simulation};
use crate::ledger::NO_HOLDER;
use crate::time::SimDuration;

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

    /// Returns whether a shard on `holder` counts as lost: the holder left for good or
    /// has been offline for at least the loss timeout, or there is no holder.
    pub(super) fn is_lost(&self, holder: u32) -> bool {
        if holder == NO_HOLDER {
            return true;
        }
        let peer = holder as usize;
        let population = &self.population;
        let absent_us = self.now.0.saturating_sub(population.offline_since[peer]);
        population.departed[peer]
            || (!population.online[peer] && absent_us >= self.scenario.repair.loss_timeout.0)
    }

    /// Shards of a stripe that are not lost, counting those whose repair is under way.
    fn healthy_shards(&self, backup: usize, stripe: usize) -> usize {
        let global = self.ledger.backups()[backup].first_stripe as usize + stripe;
        let n = self.scenario.engine.n as usize;
        self.ledger
            .stripe_holders(global)
            .iter()
            .enumerate()
            .filter(|&(position, &holder)| {
                !self.is_lost(holder)
                    || self
                        .in_flight
                        .contains_key(&((global * n + position) as u32))
            })
            .count()
    }
}
