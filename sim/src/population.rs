//! The peers: plain arrays indexed by peer id, and the list of those online.
//!
//! A peer is a row across these vectors rather than an object with its own task, so
//! a hundred thousand peers cost a few hundred bytes each and no thread.

use rand::RngExt;

use crate::churn::SessionModel;
use crate::scenario::Scenario;
use crate::streams::{self, Stream};

/// Index of a peer in every per-peer vector.
pub type PeerId = u32;

/// All peers of a run.
pub struct Population {
    /// Region index of each peer, in order of first appearance in the scenario.
    pub region: Vec<u16>,
    /// Capacity of each peer in logical bytes.
    pub capacity_bytes: Vec<u64>,
    /// Logical bytes each peer stores.
    pub used_bytes: Vec<u64>,
    /// Whether each peer is online now.
    pub online: Vec<bool>,
    /// Session model of each peer, `None` for peers that never go offline.
    pub sessions: Vec<Option<SessionModel>>,
    /// Each peer's own random stream.
    pub rng: Vec<Stream>,
    /// Ids of the shards each peer holds.
    pub held_shards: Vec<Vec<u32>>,
    online_list: Vec<PeerId>,
    online_position: Vec<u32>,
}

/// Marks a peer that is not in the online list.
const NOT_LISTED: u32 = u32::MAX;

impl Population {
    /// Creates every peer of the scenario, each with its stream named
    /// `peer/{group}/{index in group}`, and draws whether it starts online.
    pub fn new(scenario: &Scenario) -> Self {
        let total = usize::try_from(scenario.peer_count()).expect("peer count fits in memory");
        let mut population = Population {
            region: Vec::with_capacity(total),
            capacity_bytes: Vec::with_capacity(total),
            used_bytes: vec![0; total],
            online: Vec::with_capacity(total),
            sessions: Vec::with_capacity(total),
            rng: Vec::with_capacity(total),
            held_shards: vec![Vec::new(); total],
            online_list: Vec::with_capacity(total),
            online_position: Vec::with_capacity(total),
        };

        let region_index: std::collections::BTreeMap<&str, usize> = scenario
            .regions()
            .into_iter()
            .enumerate()
            .map(|(index, name)| (name, index))
            .collect();
        for (group_index, group) in scenario.peers.iter().enumerate() {
            let region = region_index[group.region.as_str()];
            let model = group.churn.as_ref().map(SessionModel::new);
            for index in 0..group.count {
                let mut rng =
                    streams::stream(scenario.seed, &format!("peer/{group_index}/{index}"));
                let starts_online = model
                    .as_ref()
                    .is_none_or(|model| rng.random_bool(model.availability()));
                population.push_peer(region, group.capacity.0, model.clone(), rng, starts_online);
            }
        }
        population
    }

    fn push_peer(
        &mut self,
        region: usize,
        capacity_bytes: u64,
        sessions: Option<SessionModel>,
        rng: Stream,
        starts_online: bool,
    ) {
        let id = PeerId::try_from(self.online.len()).expect("fewer than 2^32 peers");
        self.region
            .push(u16::try_from(region).expect("fewer than 65,536 regions"));
        self.capacity_bytes.push(capacity_bytes);
        self.sessions.push(sessions);
        self.rng.push(rng);
        self.online.push(false);
        self.online_position.push(NOT_LISTED);
        if starts_online {
            self.set_online(id, true);
        }
    }

    /// Number of peers.
    pub fn len(&self) -> usize {
        self.online.len()
    }

    /// Ids of the peers online now, in no meaningful but deterministic order.
    pub fn online_peers(&self) -> &[PeerId] {
        &self.online_list
    }

    /// Whether `peer` can take `bytes` more without passing its capacity.
    pub fn has_room(&self, peer: PeerId, bytes: u64) -> bool {
        let peer = peer as usize;
        self.used_bytes[peer] + bytes <= self.capacity_bytes[peer]
    }

    /// Marks a peer online or offline and keeps the online list in step.
    pub fn set_online(&mut self, peer: PeerId, online: bool) {
        let index = peer as usize;
        if self.online[index] == online {
            return;
        }
        self.online[index] = online;

        if online {
            self.online_position[index] =
                u32::try_from(self.online_list.len()).expect("fewer than 2^32 peers");
            self.online_list.push(peer);
        } else {
            // Swap-remove keeps removal constant-time; the moved peer's position follows.
            let position = self.online_position[index] as usize;
            self.online_list.swap_remove(position);
            if let Some(&moved) = self.online_list.get(position) {
                self.online_position[moved as usize] = position as u32;
            }
            self.online_position[index] = NOT_LISTED;
        }
        debug_assert_eq!(
            self.online_list.len(),
            self.online.iter().filter(|&&up| up).count()
        );
    }
}
