//! Scripted events: regional outages, mass departures and join waves at fixed times.

use super::{Event, Simulation};
use crate::population::{PeerId, Population};
use crate::scenario::ScriptedAction;
use crate::streams;

impl Simulation<'_> {
    /// Carries out the scenario's scripted event `index`.
    pub(super) fn run_scripted(&mut self, index: usize) {
        let event = &self.scenario.timeline[index];
        match event.action {
            ScriptedAction::RegionalOutage => {
                let duration = event.duration.expect("validation requires a duration");
                let online_before = self.population.online_peers().len();
                self.set_outage(index, true);
                let down = online_before - self.population.online_peers().len();
                self.note_scripted(
                    index,
                    format!("{down} online peers went offline for {duration}"),
                );
                let end = u32::try_from(index).expect("fewer than 2^32 scripted events");
                self.queue
                    .push(self.now.after(duration), Event::OutageEnd(end));
            }
            ScriptedAction::Partition => {
                self.set_partition(index, true);
                let duration = event.duration.expect("validation requires a duration");
                self.note_scripted(index, format!("cut for {duration}"));
            }
            ScriptedAction::CascadingFailure => {
                let origin = self.region_index(event.region.as_deref());
                self.cascade(index, origin.expect("validation requires a region"));
            }
            ScriptedAction::OverloadFailure => {
                let region = self.region_index(event.region.as_deref());
                let fraction = event.fraction.expect("validation requires a fraction");
                self.start_overload(
                    index,
                    region.expect("validation requires a region"),
                    fraction,
                );
            }
            ScriptedAction::RestoreBurst => {
                let fraction = event.fraction.expect("validation requires a fraction");
                let region = self.region_index(event.region.as_deref());
                self.restore_burst(index, region, fraction);
            }
            ScriptedAction::MassDeparture => {
                let fraction = event.fraction.expect("validation requires a fraction");
                let region = self.region_index(event.region.as_deref());
                let before = self.recorder.peers_departed;
                self.depart_fraction(index, region, fraction);
                let left = self.recorder.peers_departed - before;
                self.note_scripted(index, format!("{left} peers left for good"));
            }
            ScriptedAction::JoinWave => {
                let group = event.group.expect("validation requires a group") as usize;
                let count = event.count.expect("validation requires a count");
                for _ in 0..count {
                    let peer = self.population.add_peer(group);
                    self.recorder.peers_arrived += 1;
                    self.schedule_peer(peer);
                }
                self.note_scripted(index, format!("{count} peers joined group {group}"));
            }
        }
    }

    /// Records what scripted event `index` did just now, for the run's output.
    pub(super) fn note_scripted(&mut self, index: usize, what: String) {
        let action = self.scenario.timeline[index].action.name();
        let at = self.now;
        self.recorder
            .scripted
            .push(format!("timeline[{index}] {action} at {at}: {what}"));
    }

    /// Ends the outage that scripted event `index` started.
    pub(super) fn end_outage(&mut self, index: usize) {
        self.set_outage(index, false);
    }

    /// Starts (`down = true`) or ends the outage of scripted event `index`, of a region
    /// or of one zone.
    fn set_outage(&mut self, index: usize, down: bool) {
        let event = &self.scenario.timeline[index];
        let change = |count: &mut u16| {
            if down {
                *count += 1;
            } else {
                *count -= 1;
            }
        };
        if let Some(zone) = event.zone.as_deref() {
            let node = self
                .scenario
                .zone_node(zone)
                .expect("validation checks that the zone exists");
            change(&mut self.population.node_outages[node]);
            self.refresh_where(|population, peer| usize::from(population.node[peer]) == node);
        } else {
            let region = self.region_index(event.region.as_deref());
            change(
                &mut self.population.region_outages[region.expect("validation requires a region")],
            );
            self.refresh_region(region);
        }
    }

    /// Cuts or heals the partition of scripted event `index`, and schedules its heal.
    pub(super) fn set_partition(&mut self, index: usize, cut: bool) {
        let event = &self.scenario.timeline[index];
        // A region's side of the cut contains its zones too.
        let regions = self.scenario.regions();
        let zones = self.scenario.zones();
        let mut side: Vec<usize> = event
            .regions
            .iter()
            .flatten()
            .filter_map(|name| self.region_index(Some(name)))
            .collect();
        for (offset, (zone, region)) in zones.iter().enumerate() {
            let named = event.zones.iter().flatten().any(|name| name == zone);
            if named || side.contains(region) {
                side.push(regions.len() + offset);
            }
        }
        self.network
            .set_partition(&side, event.one_way.unwrap_or(false), cut);
        if cut {
            let duration = event.duration.expect("validation requires a duration");
            let end = u32::try_from(index).expect("fewer than 2^32 scripted events");
            self.queue
                .push(self.now.after(duration), Event::PartitionEnd(end));
        }
    }

    fn region_index(&self, name: Option<&str>) -> Option<usize> {
        let name = name?;
        let index = self
            .scenario
            .regions()
            .iter()
            .position(|region| *region == name);
        Some(index.expect("validation checks that the region exists"))
    }

    /// Takes `region` down for the event's duration, unless the cascade already reached
    /// it, and sends the failure on to each linked region with the event's probability.
    pub(super) fn cascade(&mut self, index: usize, region: usize) {
        let event = &self.scenario.timeline[index];
        let (reached, _) = &mut self.cascades[index];
        if reached[region] {
            return;
        }
        reached[region] = true;

        let duration = event.duration.expect("validation requires a duration");
        let delay = event.delay.expect("validation requires a delay");
        let probability = event
            .probability
            .expect("validation requires a probability");
        let down = self.population.online_by_region[region];
        self.recorder.cascade_failures += down;
        let name = self.scenario.regions()[region];
        self.note_scripted(index, format!("region {name} failed, {down} online peers"));
        self.population.region_outages[region] += 1;
        self.refresh_region(Some(region));
        let code = u16::try_from(region).expect("validation allows at most 65,535 regions");
        self.queue
            .push(self.now.after(duration), Event::RegionRecovers(code));

        let event_code = u32::try_from(index).expect("fewer than 2^32 scripted events");
        let regions = self.scenario.regions().len();
        for next in self.network.neighbours(region) {
            if next >= regions {
                // A zone of the region, not a region of its own.
                continue;
            }
            let (reached, rng) = &mut self.cascades[index];
            if reached[next] || !rand::RngExt::random_bool(rng, probability) {
                continue;
            }
            let next = u16::try_from(next).expect("validation allows at most 65,535 regions");
            self.queue
                .push(self.now.after(delay), Event::CascadeHop(event_code, next));
        }
    }

    /// Re-applies the state of every peer in `region`, or of all peers.
    pub(super) fn refresh_region(&mut self, region: Option<usize>) {
        self.refresh_where(|population, peer| {
            region.is_none_or(|r| usize::from(population.region[peer]) == r)
        });
    }

    /// Re-applies the state of every peer for which `in_scope` is true.
    fn refresh_where(&mut self, in_scope: impl Fn(&Population, usize) -> bool) {
        for peer in 0..self.population.len() {
            if in_scope(&self.population, peer) {
                self.apply_state(PeerId::try_from(peer).expect("fewer than 2^32 peers"));
            }
        }
    }

    /// Makes a share of the owners of `region`, or of all, restore their latest backup
    /// now; which ones is drawn from the stream `timeline/{index}`. Owners without a
    /// backup yet take no part.
    fn restore_burst(&mut self, index: usize, region: Option<usize>, fraction: f64) {
        let mut latest: Vec<Option<u32>> = vec![None; self.owners.len()];
        for (backup, entry) in self.ledger.backups().iter().enumerate() {
            latest[entry.owner as usize] =
                Some(u32::try_from(backup).expect("fewer than 2^32 backups"));
        }
        let taking_part: Vec<u32> = (0..self.owners.len())
            .filter(|&owner| region.is_none_or(|r| self.owner_region[owner] == r))
            .filter_map(|owner| latest[owner])
            .collect();
        let mut rng = streams::stream(self.scenario.seed, &format!("timeline/{index}"));
        let taking_part = streams::choose_share(taking_part, fraction, &mut rng);

        let restoring = taking_part.len();
        let mut passed = 0;
        for backup in taking_part {
            match self.restore(backup) {
                Some(latency_us) => {
                    self.recorder.burst_latencies_us.push(latency_us);
                    passed += 1;
                }
                None => self.recorder.burst_restores_failed += 1,
            }
        }
        self.note_scripted(
            index,
            format!("{restoring} owners restored their latest backup, {passed} passed"),
        );
    }

    /// Makes a share of the present peers of `region`, or of all, leave for good; which
    /// ones is drawn from the stream `timeline/{index}`.
    fn depart_fraction(&mut self, index: usize, region: Option<usize>, fraction: f64) {
        let present: Vec<PeerId> = (0..self.population.len())
            .filter(|&peer| {
                !self.population.departed[peer]
                    && region.is_none_or(|r| usize::from(self.population.region[peer]) == r)
            })
            .map(|peer| PeerId::try_from(peer).expect("fewer than 2^32 peers"))
            .collect();
        let mut rng = streams::stream(self.scenario.seed, &format!("timeline/{index}"));
        for peer in streams::choose_share(present, fraction, &mut rng) {
            self.depart(peer);
        }
    }
}
