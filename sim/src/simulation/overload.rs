//! Cascading failure by overload: peers that fail hand their stored load to the peers
//! left online nearby, and those pushed past their capacity fail in turn.
//!
//! The load a failed peer hands on is the logical bytes it stores plus any load it had
//! taken over. It goes in equal shares to the online peers of its own region, or, when
//! that region has none left, to those of the regions linked to it. Each round of
//! failures comes one `delay` after the overload that caused it, and each failed peer
//! stays down for the event's `duration`. A peer fails at most once per event, so the
//! cascade ends.

use std::collections::BTreeMap;

use super::{Event, Simulation};
use crate::population::PeerId;
use crate::streams;

/// The state of one overload cascade.
#[derive(Default)]
pub(super) struct Overload {
    /// Load taken over so far, in logical bytes, per peer.
    extra: BTreeMap<PeerId, u64>,
    /// Peers the cascade has taken down.
    failed: Vec<PeerId>,
    /// Peers overloaded in the last round, to fail at the next.
    pending: Vec<PeerId>,
}

impl Simulation<'_> {
    /// Starts the overload cascade of scripted event `index`: a share of the online
    /// peers of its region, drawn from the stream `timeline/{index}`, fail.
    pub(super) fn start_overload(&mut self, index: usize, region: usize, fraction: f64) {
        let mut online: Vec<PeerId> = self
            .population
            .online_peers()
            .iter()
            .copied()
            .filter(|&peer| usize::from(self.population.region[peer as usize]) == region)
            .collect();
        online.sort_unstable();
        let mut rng = streams::stream(self.scenario.seed, &format!("timeline/{index}"));
        self.overloads[index].pending = streams::choose_share(online, fraction, &mut rng);
        self.overload_round(index);
    }

    /// Fails the peers the last round overloaded and hands their load on.
    pub(super) fn overload_round(&mut self, index: usize) {
        let event = &self.scenario.timeline[index];
        let duration = event.duration.expect("validation requires a duration");
        let delay = event.delay.expect("validation requires a delay");
        let pending = std::mem::take(&mut self.overloads[index].pending);

        // Load to hand on, per region of the failed peers.
        let mut load_by_region: BTreeMap<usize, u64> = BTreeMap::new();
        let mut failed_now = 0u64;
        for peer in pending {
            let position = peer as usize;
            let state = &mut self.overloads[index];
            if !self.population.online[position] || state.failed.contains(&peer) {
                continue;
            }
            state.failed.push(peer);
            let carried = state.extra.remove(&peer).unwrap_or(0);
            let region = usize::from(self.population.region[position]);
            *load_by_region.entry(region).or_default() +=
                self.population.used_bytes[position] + carried;

            self.population.failures[position] += 1;
            self.apply_state(peer);
            self.recorder.cascade_failures += 1;
            failed_now += 1;
            self.queue
                .push(self.now.after(duration), Event::PeerRecovers(peer));
        }

        self.note_scripted(index, format!("{failed_now} peers failed"));

        let mut overloaded = Vec::new();
        for (region, load) in load_by_region {
            let takers = self.load_takers(region);
            if takers.is_empty() || load == 0 {
                continue;
            }
            let share = load.div_ceil(takers.len() as u64);
            for peer in takers {
                let position = peer as usize;
                let extra = self.overloads[index].extra.entry(peer).or_default();
                *extra += share;
                let load = self.population.used_bytes[position] + *extra;
                if load > self.population.capacity_bytes[position] {
                    overloaded.push(peer);
                }
            }
        }

        if !overloaded.is_empty() {
            overloaded.sort_unstable();
            overloaded.dedup();
            self.overloads[index].pending = overloaded;
            let code = u32::try_from(index).expect("fewer than 2^32 scripted events");
            self.queue
                .push(self.now.after(delay), Event::OverloadRound(code));
        }
    }

    /// Lists the online peers of `region`, or of the regions linked to it when it has
    /// none, in id order.
    fn load_takers(&self, region: usize) -> Vec<PeerId> {
        let in_regions = |regions: &[usize]| -> Vec<PeerId> {
            let mut found: Vec<PeerId> = self
                .population
                .online_peers()
                .iter()
                .copied()
                .filter(|&peer| {
                    regions.contains(&usize::from(self.population.region[peer as usize]))
                })
                .collect();
            found.sort_unstable();
            found
        };
        let local = in_regions(&[region]);
        if local.is_empty() {
            let regions = self.scenario.regions().len();
            let mut linked = self.network.neighbours(region);
            linked.retain(|&node| node < regions);
            in_regions(&linked)
        } else {
            local
        }
    }

    /// Ends one overload failure of `peer`.
    pub(super) fn peer_recovers(&mut self, peer: PeerId) {
        self.population.failures[peer as usize] -= 1;
        self.apply_state(peer);
    }
}
