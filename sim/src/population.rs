//! The peers: plain arrays indexed by peer id, and the list of those online.
//!
//! A peer is a row across these vectors rather than an object with its own task, so
//! a hundred thousand peers cost a few hundred bytes each and no thread.

use std::collections::BTreeMap;

use rand::RngExt;

use crate::bandwidth::Bandwidth;
use crate::churn::SessionModel;
use crate::scenario::{Scenario, StorageClass};
use crate::streams::{self, Stream};

/// Index of a peer in every per-peer vector.
pub type PeerId = u32;

/// What every peer of one scenario group shares.
struct Group {
    region: u16,
    node: u16,
    capacity_bytes: u64,
    sessions: Option<SessionModel>,
    class: StorageClass,
    upload: Bandwidth,
    download: Bandwidth,
    trace: Option<std::sync::Arc<crate::trace::Trace>>,
    /// Peers created in the group so far; names the next peer's stream.
    created: u32,
}

/// All peers of a run.
pub struct Population {
    seed: u64,
    groups: Vec<Group>,
    /// Region index of each peer, in order of first appearance in the scenario.
    pub region: Vec<u16>,
    /// Network node of each peer: its zone's, or its region's when it has no zone.
    pub node: Vec<u16>,
    /// Scenario group of each peer.
    pub group: Vec<u32>,
    /// Index of each peer within its group, which is also its trace node.
    pub member: Vec<u32>,
    /// Capacity of each peer in logical bytes.
    pub capacity_bytes: Vec<u64>,
    /// Logical bytes each peer stores.
    pub used_bytes: Vec<u64>,
    /// Logical bytes stored per storage class, in [`StorageClass::ALL`] order.
    pub used_by_class: [u64; 4],
    /// Whether each peer is online now.
    pub online: Vec<bool>,
    /// Whether each peer's own sessions or trace say it is online; an outage of its
    /// region can hold it offline all the same.
    pub session_online: Vec<bool>,
    /// Outages in force per region.
    pub region_outages: Vec<u16>,
    /// Outages in force per network node, for outages of one zone.
    pub node_outages: Vec<u16>,
    /// Failures in force per peer, from overload cascades.
    pub failures: Vec<u16>,
    /// Online peers per region.
    pub online_by_region: Vec<u64>,
    /// Whether each peer has left for good.
    pub departed: Vec<bool>,
    /// When each offline peer went offline, in virtual microseconds.
    pub offline_since: Vec<u64>,
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
    /// Creates every initial peer of the scenario; see [`Population::add_peer`].
    pub fn new(scenario: &Scenario) -> Self {
        let region_index: BTreeMap<&str, usize> = scenario
            .regions()
            .into_iter()
            .enumerate()
            .map(|(index, name)| (name, index))
            .collect();
        let groups = scenario
            .peers
            .iter()
            .enumerate()
            .map(|(index, group)| Group {
                region: u16::try_from(region_index[group.region.as_str()])
                    .expect("validation allows at most 65,535 regions"),
                node: u16::try_from(scenario.node_of(group))
                    .expect("validation allows at most 65,535 regions and zones"),
                capacity_bytes: group.capacity.0,
                sessions: group.churn.as_ref().map(SessionModel::new),
                class: group.class,
                upload: group.upload,
                download: group.download,
                trace: scenario.traces.get(index).cloned().flatten(),
                created: 0,
            })
            .collect();

        let total = usize::try_from(scenario.peer_count()).expect("peer count fits in memory");
        let region_count = region_index.len();
        let mut population = Population {
            seed: scenario.seed,
            groups,
            region: Vec::with_capacity(total),
            node: Vec::with_capacity(total),
            group: Vec::with_capacity(total),
            member: Vec::with_capacity(total),
            capacity_bytes: Vec::with_capacity(total),
            used_bytes: Vec::with_capacity(total),
            used_by_class: [0; 4],
            online: Vec::with_capacity(total),
            session_online: Vec::with_capacity(total),
            region_outages: vec![0; region_count],
            failures: Vec::with_capacity(total),
            node_outages: vec![0; region_count + scenario.zones().len()],
            online_by_region: vec![0; region_count],
            departed: Vec::with_capacity(total),
            offline_since: Vec::with_capacity(total),
            rng: Vec::with_capacity(total),
            held_shards: Vec::with_capacity(total),
            online_list: Vec::with_capacity(total),
            online_position: Vec::with_capacity(total),
        };
        for (group_index, group) in scenario.peers.iter().enumerate() {
            for _ in 0..group.count {
                population.add_peer(group_index);
            }
        }
        population
    }

    /// Adds a peer to a group, with its stream named `peer/{group}/{index in group}`,
    /// and draws whether it starts online. Peers that arrive later continue the same
    /// numbering, so adding arrivals leaves every earlier peer's stream unchanged.
    pub fn add_peer(&mut self, group_index: usize) -> PeerId {
        let group = &mut self.groups[group_index];
        let member = group.created;
        let name = format!("peer/{group_index}/{member}");
        group.created += 1;
        let mut rng = streams::stream(self.seed, &name);
        let starts_online = match (&group.trace, &group.sessions) {
            (Some(trace), _) => trace.state_at(member as usize, 0).0,
            (None, Some(model)) => rng.random_bool(model.availability()),
            (None, None) => true,
        };

        let id = PeerId::try_from(self.online.len()).expect("validation keeps peers below 2^32");
        self.region.push(group.region);
        self.node.push(group.node);
        self.group
            .push(u32::try_from(group_index).expect("fewer groups than peers"));
        self.member.push(member);
        self.capacity_bytes.push(group.capacity_bytes);
        self.used_bytes.push(0);
        self.rng.push(rng);
        self.held_shards.push(Vec::new());
        self.online.push(false);
        self.session_online.push(starts_online);
        self.departed.push(false);
        self.failures.push(0);
        self.offline_since.push(0);
        self.online_position.push(NOT_LISTED);
        if self.should_be_online(id) {
            self.set_online(id, true);
        }
        id
    }

    /// The session model of a peer's group, or `None` for peers that never go offline.
    pub fn sessions(&self, peer: PeerId) -> Option<&SessionModel> {
        self.groups[self.group[peer as usize] as usize]
            .sessions
            .as_ref()
    }

    /// The trace a peer replays, with its node index, if its group has one.
    pub fn trace(&self, peer: PeerId) -> Option<(&crate::trace::Trace, usize)> {
        let index = peer as usize;
        let trace = self.groups[self.group[index] as usize].trace.as_deref()?;
        Some((trace, self.member[index] as usize))
    }

    /// The storage class of a peer's group.
    pub fn class(&self, peer: PeerId) -> StorageClass {
        self.groups[self.group[peer as usize] as usize].class
    }

    /// Upload and download bandwidth of a peer.
    pub fn bandwidth(&self, peer: PeerId) -> (Bandwidth, Bandwidth) {
        let group = &self.groups[self.group[peer as usize] as usize];
        (group.upload, group.download)
    }

    /// Charges `bytes` more to a peer's storage.
    pub fn store(&mut self, peer: PeerId, bytes: u64) {
        self.used_bytes[peer as usize] += bytes;
        self.used_by_class[self.class(peer).index()] += bytes;
    }

    /// Releases `bytes` of a peer's storage.
    pub fn release(&mut self, peer: PeerId, bytes: u64) {
        self.used_bytes[peer as usize] -= bytes;
        self.used_by_class[self.class(peer).index()] -= bytes;
    }

    /// Number of peers ever created, departed ones included.
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

    /// Whether a peer ought to be online: its sessions say so, it has not left, and no
    /// outage holds its region down.
    pub fn should_be_online(&self, peer: PeerId) -> bool {
        let index = peer as usize;
        self.session_online[index]
            && !self.departed[index]
            && self.region_outages[usize::from(self.region[index])] == 0
            && self.failures[index] == 0
            && self.node_outages[usize::from(self.node[index])] == 0
    }

    /// Marks a peer online or offline and keeps the online list in step.
    pub fn set_online(&mut self, peer: PeerId, online: bool) {
        let index = peer as usize;
        if self.online[index] == online {
            return;
        }
        assert!(
            !(online && self.departed[index]),
            "peer {peer} came back after leaving"
        );
        self.online[index] = online;
        let region = usize::from(self.region[index]);
        if online {
            self.online_by_region[region] += 1;
        } else {
            self.online_by_region[region] -= 1;
        }

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
