//! The event loop: one run of a scenario over virtual time.
//!
//! The loop pops the earliest event, advances virtual time to it and handles it. A
//! handler may schedule later events; none runs in a thread of its own. Events past
//! the scenario's duration stay in the queue unprocessed.

mod backups;
mod landing;
mod overload;
mod rebuild;
mod record;
mod repair;
mod script;
mod transfer;

use shardsim_engine::{CodingParams, Engine};

use crate::ledger::Ledger;
use crate::metrics::RunOutcome;
use crate::population::{PeerId, Population};
use crate::queue::EventQueue;
use crate::scenario::Scenario;
use crate::streams::{self, Stream};
use crate::time::SimTime;
use crate::workload::{self, Owner};
use record::Recorder;

/// What can happen at a moment of virtual time. Kept to eight bytes, so queue entries
/// stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// A peer's online or offline session ends and the other kind begins.
    SessionEnd(PeerId),
    /// An owner creates its next backup.
    CreateBackup(u32),
    /// A backup's restore drill is due.
    Drill(u32),
    /// A peer leaves for good.
    Depart(PeerId),
    /// A new peer joins a scenario group.
    Arrive(u32),
    /// An owner audits one backup's stripes and repairs those below the threshold.
    Audit(u32),
    /// The scenario's scripted event with this index takes place.
    Scripted(u32),
    /// The outage started by the scripted event with this index ends.
    OutageEnd(u32),
    /// The partition started by the scripted event with this index heals.
    PartitionEnd(u32),
    /// The cascading failure of scripted event `.0` reaches region `.1`.
    CascadeHop(u32, u16),
    /// A region downed by a cascading failure recovers.
    RegionRecovers(u16),
    /// The next round of the overload cascade of scripted event `.0` fails the peers
    /// the last round overloaded.
    OverloadRound(u32),
    /// A peer downed by an overload cascade recovers.
    PeerRecovers(PeerId),
    /// The upload of a shard, in this slot of the landings, ends.
    UploadLands(u32),
    /// The timeline takes a sample.
    Sample,
}

/// A run in progress.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    engine: Engine,
    queue: EventQueue<Event>,
    now: SimTime,
    end: SimTime,
    population: Population,
    owners: Vec<Owner>,
    placement_rng: Stream,
    arrival_rng: Vec<Stream>,
    network: crate::network::Network,
    /// Region index of each owner, which is also its network node, since regions are
    /// numbered first.
    owner_region: Vec<usize>,
    ledger: Ledger,
    recorder: Recorder,
    events: u64,
    /// Whether the timeline's sample at the end has been taken.
    sampled_end: bool,
    /// Consecutive failed repair attempts of each backup, for the retry backoff.
    repair_attempts: Vec<u32>,
    /// Per scripted event, the state of its overload cascade.
    overloads: Vec<overload::Overload>,
    /// Shards whose upload has not landed, by slot; a free slot is `None`.
    landings: Vec<Option<landing::Landing>>,
    /// Free slots of `landings`, reused before it grows.
    free_landings: Vec<u32>,
    /// The slot in `landings` of each shard in flight, by shard id.
    in_flight: std::collections::BTreeMap<u32, u32>,
    /// When each peer's and owner's bandwidth is next free.
    transfers: transfer::Transfers,
    /// Per scripted event, the regions its cascading failure has reached, and its
    /// stream for the spreading draws.
    cascades: Vec<(Vec<bool>, Stream)>,
}

/// Runs a validated scenario to its end and returns what it measured.
pub fn run(scenario: &Scenario) -> RunOutcome {
    let mut simulation = Simulation::new(scenario);
    simulation.run_to_end();
    simulation.finish()
}

impl<'a> Simulation<'a> {
    /// Builds the world at time zero and schedules its first events.
    pub fn new(scenario: &'a Scenario) -> Self {
        let settings = &scenario.engine;
        let params = CodingParams::new(
            settings.k as usize,
            settings.n as usize,
            usize::try_from(settings.materialised_shard_size.0).expect("validated shard size"),
        )
        .expect("the scenario was validated against the engine's limits");

        let owners = (0..scenario.workload.owners)
            .map(|owner| Owner {
                rng: streams::stream(scenario.seed, &format!("owner/{owner}")),
                created: 0,
            })
            .collect();

        // Materialised payloads are random bytes, which never compress, so the attempt
        // would only cost time.
        let engine = Engine::builder(params)
            .compression(None)
            .build()
            .expect("the builder's options are valid");
        let mut simulation = Simulation {
            scenario,
            engine,
            queue: EventQueue::default(),
            now: SimTime::ZERO,
            end: SimTime::ZERO.after(scenario.duration),
            population: Population::new(scenario),
            owners,
            placement_rng: streams::stream(scenario.seed, "placement"),
            network: crate::network::Network::new(scenario),
            owner_region: owner_regions(scenario),
            arrival_rng: (0..scenario.peers.len())
                .map(|group| streams::stream(scenario.seed, &format!("arrivals/{group}")))
                .collect(),
            ledger: Ledger::new(params.k(), params.n()),
            recorder: Recorder::default(),
            events: 0,
            sampled_end: false,
            repair_attempts: Vec::new(),
            landings: Vec::new(),
            free_landings: Vec::new(),
            in_flight: std::collections::BTreeMap::new(),
            overloads: (0..scenario.timeline.len())
                .map(|_| overload::Overload::default())
                .collect(),
            transfers: transfer::Transfers::new(
                scenario.workload.owners as usize,
                scenario.regions().len() + scenario.zones().len(),
            ),
            cascades: (0..scenario.timeline.len())
                .map(|index| {
                    let stream = streams::stream(scenario.seed, &format!("cascade/{index}"));
                    (vec![false; scenario.regions().len()], stream)
                })
                .collect(),
        };
        simulation.schedule_start();
        simulation
    }

    fn schedule_start(&mut self) {
        for peer in 0..self.population.len() {
            let peer = PeerId::try_from(peer).expect("fewer than 2^32 peers");
            self.schedule_peer(peer);
        }
        for group in 0..self.scenario.peers.len() {
            self.schedule_arrival(group);
        }
        for owner in 0..self.scenario.workload.owners {
            let time = workload::first_backup_time(&self.scenario.workload, owner);
            self.queue.push(time, Event::CreateBackup(owner));
        }
        self.queue.push(SimTime::ZERO, Event::Sample);
        for (index, event) in self.scenario.timeline.iter().enumerate() {
            let index = u32::try_from(index).expect("fewer than 2^32 scripted events");
            self.queue
                .push(SimTime::ZERO.after(event.at), Event::Scripted(index));
        }
    }

    /// Processes every event up to and including the scenario's end.
    pub fn run_to_end(&mut self) {
        self.run_until(self.end);
    }

    /// Processes every event up to and including `until`, which is capped at the end.
    /// Reaching the end takes the timeline's last sample, even when the sample interval
    /// does not divide the duration, so the timeline's drill counts add up.
    pub fn run_until(&mut self, until: SimTime) {
        let until = until.min(self.end);
        while let Some(time) = self.queue.peek_time() {
            if time > until {
                break;
            }
            let (time, event) = self.queue.pop().expect("peek found an event");
            debug_assert!(time >= self.now, "virtual time never runs backwards");
            self.now = time;
            self.events += 1;
            self.handle(event);
        }
        if until == self.end && !self.sampled_end {
            self.now = self.end;
            self.take_sample();
            self.sampled_end = true;
        }
    }

    fn take_sample(&mut self) {
        let below = self.stripes_below_threshold();
        self.recorder
            .sample(self.now, &self.population, &self.ledger, below);
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::SessionEnd(peer) => self.end_session(peer),
            Event::CreateBackup(owner) => self.create_backup(owner),
            Event::Drill(backup) => self.drill(backup),
            Event::Audit(backup) => self.audit(backup),
            Event::Scripted(index) => self.run_scripted(index as usize),
            Event::OutageEnd(index) => self.end_outage(index as usize),
            Event::PartitionEnd(index) => self.set_partition(index as usize, false),
            Event::CascadeHop(index, region) => self.cascade(index as usize, usize::from(region)),
            Event::OverloadRound(index) => self.overload_round(index as usize),
            Event::PeerRecovers(peer) => self.peer_recovers(peer),
            Event::UploadLands(slot) => self.land_upload(slot as usize),
            Event::RegionRecovers(region) => {
                self.population.region_outages[usize::from(region)] -= 1;
                self.refresh_region(Some(usize::from(region)));
            }
            Event::Depart(peer) => self.depart(peer),
            Event::Arrive(group) => {
                let group = group as usize;
                let peer = self.population.add_peer(group);
                self.recorder.peers_arrived += 1;
                self.schedule_peer(peer);
                self.schedule_arrival(group);
            }
            Event::Sample => {
                self.take_sample();
                // The sample at the end is taken after the loop, once every event of
                // that instant has run.
                let next = self.now.after(self.scenario.report.sample_interval);
                if next < self.end {
                    self.queue.push(next, Event::Sample);
                }
            }
        }
    }

    /// Flips a peer between online and offline and schedules its next flip.
    fn end_session(&mut self, peer: PeerId) {
        let index = peer as usize;
        if self.population.departed[index] {
            return;
        }
        // A trace decides the state itself; a model flips it.
        let session_online = match self.population.trace(peer) {
            Some((trace, node)) => trace.state_at(node, self.now.0).0,
            None => !self.population.session_online[index],
        };
        self.population.session_online[index] = session_online;
        self.apply_state(peer);
        self.schedule_session_end(peer);
    }

    /// Brings a peer's online flag in line with its sessions, departure and region, and
    /// updates the shard counters when it changes.
    fn apply_state(&mut self, peer: PeerId) {
        let index = peer as usize;
        let online = self.population.should_be_online(peer);
        if online == self.population.online[index] {
            return;
        }
        if !online {
            self.population.offline_since[index] = self.now.0;
        }
        self.population.set_online(peer, online);
        self.ledger
            .peer_changed(&self.population.held_shards[index], online);
    }

    /// Takes a peer offline for good; the shards it held are lost with it, and its
    /// storage is no longer charged.
    fn depart(&mut self, peer: PeerId) {
        let index = peer as usize;
        if self.population.departed[index] {
            return;
        }
        self.population.departed[index] = true;
        self.apply_state(peer);
        let used = self.population.used_bytes[index];
        self.population.release(peer, used);
        self.recorder.peers_departed += 1;
    }

    /// Schedules a new peer's first session end and, if its group has lifetimes, its
    /// departure.
    fn schedule_peer(&mut self, peer: PeerId) {
        self.schedule_session_end(peer);
        let index = peer as usize;
        let model = self.population.sessions(peer).copied();
        let lifetime = model.and_then(|model| model.draw_lifetime(&mut self.population.rng[index]));
        if let Some(lifetime) = lifetime {
            self.queue
                .push(self.now.after(lifetime), Event::Depart(peer));
        }
    }

    fn schedule_session_end(&mut self, peer: PeerId) {
        let index = peer as usize;
        if let Some((trace, node)) = self.population.trace(peer) {
            let (_, next_us) = trace.state_at(node, self.now.0);
            self.queue.push(
                SimTime(next_us.max(self.now.0 + 1)),
                Event::SessionEnd(peer),
            );
            return;
        }
        let Some(model) = self.population.sessions(peer).copied() else {
            return;
        };
        let online = self.population.session_online[index];
        let length = model.draw(online, &mut self.population.rng[index]);
        self.queue
            .push(self.now.after(length), Event::SessionEnd(peer));
    }

    /// Schedules a group's next arrival: Poisson arrivals have exponential gaps.
    fn schedule_arrival(&mut self, group: usize) {
        let Some(rate_per_day) = self.scenario.peers[group].arrivals_per_day else {
            return;
        };
        if rate_per_day <= 0.0 {
            return;
        }
        let mean_gap_s = 86_400.0 / rate_per_day;
        let gap_s = -mean_gap_s * streams::open_unit(&mut self.arrival_rng[group]).ln();
        let group = u32::try_from(group).expect("fewer than 2^32 groups");
        self.queue.push(
            self.now
                .after(crate::time::SimDuration::from_secs_f64(gap_s)),
            Event::Arrive(group),
        );
    }

    /// Consumes the run and assembles its outcome.
    pub fn finish(self) -> RunOutcome {
        let landing_holder = |shard| self.landing_holder(shard);
        let backups_lost = self
            .ledger
            .permanently_lost(&self.population.departed, &landing_holder);
        let shards_in_flight = self
            .landings
            .iter()
            .flatten()
            .filter(|landing| landing.is_placement())
            .count() as u64;
        self.recorder.finish(record::Finish {
            scenario: self.scenario,
            population: &self.population,
            ledger: &self.ledger,
            events: self.events,
            backups_lost,
            shards_in_flight,
        })
    }
}

/// Region index of each owner: the scenario's owner region, or the regions in turn.
fn owner_regions(scenario: &Scenario) -> Vec<usize> {
    let regions = scenario.regions();
    let pinned = scenario
        .workload
        .owner_region
        .as_deref()
        .and_then(|name| regions.iter().position(|region| *region == name));
    (0..scenario.workload.owners as usize)
        .map(|owner| pinned.unwrap_or(owner % regions.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NO_HOLDER;
    use crate::time::SimDuration;

    const SCENARIO: &str = r#"
        name = "loop"
        seed = 11
        duration = "4d"
        [[peers]]
        region = "eu"
        count = 40
        capacity = "200MiB"
        churn = { mean_online = "6h", mean_offline = "3h" }
        [[peers]]
        region = "us"
        count = 10
        capacity = "200MiB"
        [workload]
        owners = 5
        backups_per_owner = 3
        interval = "1d"
        size_min = "1MiB"
        size_max = "40MiB"
        [engine]
        k = 2
        n = 4
        [drills]
        interval = "5h"
    "#;

    #[test]
    fn incremental_counters_match_a_recount() {
        let scenario = Scenario::parse(SCENARIO, "loop.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        run_checking_counters(&mut simulation, SimDuration::from_hours(7));
        assert_eq!(simulation.ledger.backups().len(), 15);
    }

    /// Runs to the end in steps, checking after each that the incremental counters
    /// match a recount and that the online list matches the online flags.
    fn run_checking_counters(simulation: &mut Simulation<'_>, step: SimDuration) {
        let mut checkpoint = SimTime::ZERO;
        while checkpoint < simulation.end {
            checkpoint = checkpoint.after(step);
            simulation.run_until(checkpoint);
            let online = &simulation.population.online;
            assert_eq!(
                simulation.ledger.restorable_stripes(),
                simulation.ledger.recount_restorable_stripes(online),
                "at {checkpoint:?}"
            );
            let listed = simulation.population.online_peers().len();
            assert_eq!(listed, online.iter().filter(|&&up| up).count());
        }
    }

    #[test]
    fn repair_keeps_holders_distinct_and_counts_exact() {
        let text = SCENARIO.replace(
            "churn = { mean_online = \"6h\", mean_offline = \"3h\" }",
            "churn = { mean_online = \"6h\", mean_offline = \"3h\", lifetime = \"3d\" }",
        ) + "[repair]\npolicy = \"eager\"\naudit_interval = \"2h\"\nloss_timeout = \"4h\"\n";
        let scenario = Scenario::parse(&text, "repair.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        run_checking_counters(&mut simulation, SimDuration::from_hours(5));
        assert!(simulation.recorder.repairs > 0);
        assert!(!simulation.recorder.repair_latencies_us.is_empty());

        // No peer ever holds, or is about to receive, two shards of one stripe.
        let n = scenario.engine.n as usize;
        let stripes = simulation.ledger.stripe_count() as usize;
        for stripe in 0..stripes {
            let mut holders: Vec<u32> = simulation
                .ledger
                .stripe_holders(stripe)
                .iter()
                .copied()
                .filter(|&holder| holder != NO_HOLDER)
                .collect();
            holders.extend(simulation.in_flight_holders(stripe, n));
            let count = holders.len();
            holders.sort_unstable();
            holders.dedup();
            assert_eq!(holders.len(), count, "stripe {stripe}");
        }
        let population = &simulation.population;
        for peer in 0..population.len() {
            assert!(population.used_bytes[peer] <= population.capacity_bytes[peer]);
        }
    }

    #[test]
    fn zone_outage_spares_other_zones() {
        let text = r#"
            name = "zones"
            seed = 3
            duration = "2d"
            [[peers]]
            region = "eu"
            zone = "eu-a"
            count = 10
            capacity = "1GiB"
            [[peers]]
            region = "eu"
            zone = "eu-b"
            count = 10
            capacity = "1GiB"
            [workload]
            owners = 1
            backups_per_owner = 1
            interval = "1d"
            size_min = "1MiB"
            size_max = "1MiB"
            [engine]
            k = 2
            n = 4
            [[timeline]]
            at = "1d"
            action = "regional_outage"
            zone = "eu-a"
            duration = "6h"
        "#;
        let scenario = Scenario::parse(text, "zones.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        let online_in = |simulation: &Simulation<'_>, peers: std::ops::Range<usize>| {
            peers
                .filter(|&peer| simulation.population.online[peer])
                .count()
        };

        simulation.run_until(SimTime::ZERO.after(SimDuration::from_hours(27)));
        assert_eq!(online_in(&simulation, 0..10), 0, "eu-a is down");
        assert_eq!(online_in(&simulation, 10..20), 10, "eu-b stays up");
        simulation.run_until(SimTime::ZERO.after(SimDuration::from_hours(31)));
        assert_eq!(online_in(&simulation, 0..10), 10, "eu-a is back");
    }

    #[test]
    fn peers_without_churn_stay_online() {
        let scenario = Scenario::parse(SCENARIO, "loop.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_to_end();
        assert!(simulation.population.online[40..].iter().all(|&up| up));
        assert!(simulation.population.online[..40].iter().any(|&up| !up));
    }

    #[test]
    fn departed_peers_stay_gone() {
        let text = SCENARIO.replace(
            "churn = { mean_online = \"6h\", mean_offline = \"3h\" }",
            "churn = { mean_online = \"6h\", mean_offline = \"3h\", lifetime = \"2d\" }",
        );
        let scenario = Scenario::parse(&text, "leave.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_to_end();
        let population = &simulation.population;
        let departed = population.departed.iter().filter(|&&gone| gone).count();
        // Over 4 days with a 2-day mean lifetime, 1 - exp(-2) = 86% of 40 peers leave.
        assert!((25..=40).contains(&departed), "{departed} departed");
        for peer in 0..population.len() {
            assert!(!(population.departed[peer] && population.online[peer]));
            if population.departed[peer] {
                assert_eq!(population.used_bytes[peer], 0, "peer {peer} left");
            }
        }
        let by_class: u64 = population.used_by_class.iter().sum();
        assert_eq!(by_class, population.used_bytes.iter().sum::<u64>());
        assert_eq!(
            simulation.ledger.restorable_stripes(),
            simulation
                .ledger
                .recount_restorable_stripes(&population.online)
        );
        let outcome = simulation.finish();
        assert_eq!(outcome.summary.peers_departed, departed as u64);
    }

    #[test]
    fn arrivals_leave_other_peers_unchanged() {
        let scenario = Scenario::parse(SCENARIO, "loop.toml").expect("valid");
        let mut base = Simulation::new(&scenario);
        base.run_to_end();

        let text = SCENARIO.replace(
            "region = \"us\"\n        count = 10",
            "region = \"us\"\n        count = 10\n        arrivals_per_day = 6.0",
        );
        let growing = Scenario::parse(&text, "grow.toml").expect("valid");
        let mut grown = Simulation::new(&growing);
        grown.run_to_end();

        let arrived = grown.population.len() - base.population.len();
        // A Poisson process at 6 a day over 4 days gives 24 on average.
        assert!((8..=45).contains(&arrived), "{arrived} arrived");
        assert_eq!(grown.population.online[..40], base.population.online[..40]);
        assert!(grown.population.group[50..].iter().all(|&group| group == 1));
    }

    #[test]
    fn scripted_events_take_effect() {
        let text = format!(
            "{SCENARIO}\n[[timeline]]\nat = \"1d\"\naction = \"regional_outage\"\nregion = \"us\"\nduration = \"12h\"\n\n[[timeline]]\nat = \"2d\"\naction = \"mass_departure\"\nregion = \"eu\"\nfraction = 0.5\n\n[[timeline]]\nat = \"3d\"\naction = \"join_wave\"\ngroup = 1\ncount = 7\n"
        );
        let scenario = Scenario::parse(&text, "script.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        let hour = SimDuration::from_hours(1);

        // The us peers never churn, so only the outage takes them offline.
        simulation.run_until(SimTime::ZERO.after(SimDuration::from_hours(30)));
        assert_eq!(simulation.population.online_by_region[1], 0, "us is down");
        simulation.run_until(SimTime::ZERO.after(SimDuration::from_hours(37)).after(hour));
        assert_eq!(simulation.population.online_by_region[1], 10, "us is back");

        simulation.run_until(SimTime::ZERO.after(SimDuration::from_hours(49)));
        let departed = simulation.population.departed[..40]
            .iter()
            .filter(|&&gone| gone)
            .count();
        assert_eq!(departed, 20, "half of the 40 eu peers leave");

        simulation.run_to_end();
        assert_eq!(simulation.population.len(), 57);
        assert!(
            simulation.population.group[50..]
                .iter()
                .all(|&group| group == 1)
        );
        assert_eq!(
            simulation.ledger.restorable_stripes(),
            simulation
                .ledger
                .recount_restorable_stripes(&simulation.population.online)
        );
    }

    #[test]
    fn capacity_is_never_exceeded() {
        let text = SCENARIO.replace("200MiB", "3MiB");
        let scenario = Scenario::parse(&text, "full.toml").expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_to_end();
        let population = &simulation.population;
        for peer in 0..population.len() {
            assert!(population.used_bytes[peer] <= population.capacity_bytes[peer]);
        }
        let outcome = simulation.finish();
        assert!(
            outcome.summary.shards_unplaced > 0,
            "a full world leaves shards unplaced"
        );
    }
}
