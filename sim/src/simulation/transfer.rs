//! Transfer times. A transfer crosses three resources: the sender's upload, the path
//! between the two network nodes and the receiver's download. Each works through its
//! transfers one after another at its own rate. A transfer is done when all three have
//! finished with it and the path latency has passed.
//!
//! So the transfers that meet at one peer, owner or region pair share its bandwidth: a
//! busy peer delays the restores that need it, and a slow link stretches everything
//! that crosses it. Stored shards wait for their storage class's retrieval delay before
//! they leave.
//!
//! Limitations: two region pairs whose paths share a link do not share its bandwidth.

use super::Simulation;
use crate::time::SimTime;

/// When each resource is next free, in virtual microseconds.
#[derive(Default)]
pub(super) struct Transfers {
    peer_upload_free: Vec<u64>,
    peer_download_free: Vec<u64>,
    owner_upload_free: Vec<u64>,
    owner_download_free: Vec<u64>,
    /// Per directed pair of network nodes, `from * nodes + to`.
    path_free: Vec<u64>,
    nodes: usize,
}

impl Transfers {
    /// Queues for `owners` owners and `nodes` regions and zones; peers are added as
    /// they are first used.
    pub(super) fn new(owners: usize, nodes: usize) -> Self {
        Self {
            owner_upload_free: vec![0; owners],
            owner_download_free: vec![0; owners],
            path_free: vec![0; nodes * nodes],
            nodes,
            ..Self::default()
        }
    }

    fn cover(&mut self, peer: usize) {
        if peer >= self.peer_upload_free.len() {
            self.peer_upload_free.resize(peer + 1, 0);
            self.peer_download_free.resize(peer + 1, 0);
        }
    }

    /// Queues `micros` of work on the path from node `from` to `to`, starting no
    /// earlier than `start`; returns when the path is done with it. Paths inside one
    /// node are not limited.
    fn cross(&mut self, from: usize, to: usize, start: u64, micros: u64) -> u64 {
        if from == to {
            return start;
        }
        occupy(&mut self.path_free[from * self.nodes + to], start, micros)
    }
}

/// Queues `micros` of work on a resource free from `*free`, starting no earlier than
/// `start`; returns when the work is done.
fn occupy(free: &mut u64, start: u64, micros: u64) -> u64 {
    *free = start.max(*free).saturating_add(micros);
    *free
}

/// Sorts `(peer, bytes)` pieces by peer and merges those of one peer.
fn merge_by_peer(pieces: &mut Vec<(u32, u64)>) {
    pieces.sort_unstable();
    pieces.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 += later.1;
            true
        } else {
            false
        }
    });
}

impl Simulation<'_> {
    /// Moves `pieces`, each a holder and the logical bytes it sends, to `owner`,
    /// starting now, and returns when the last byte has arrived.
    pub(super) fn fetch_to_owner(&mut self, owner: usize, pieces: &mut Vec<(u32, u64)>) -> SimTime {
        merge_by_peer(pieces);
        let now = self.now.0;
        let owner_node = self.owner_region[owner];
        let mut done = now;
        let mut first_arrival = u64::MAX;
        let mut total = 0u64;
        for &(holder, bytes) in pieces.iter() {
            let peer = holder as usize;
            let node = usize::from(self.population.node[peer]);
            let Some(path) = self.network.path(node, owner_node) else {
                continue;
            };
            let class = self.population.class(holder);
            let retrieval = self.scenario.storage_classes.get(class).retrieval_delay.0;
            let (upload, _) = self.population.bandwidth(holder);
            let transfers = &mut self.transfers;
            transfers.cover(peer);

            let start = now.saturating_add(retrieval);
            let uploaded = occupy(
                &mut transfers.peer_upload_free[peer],
                start,
                upload.micros_for(bytes),
            );
            let crossed =
                transfers.cross(node, owner_node, start, path.bandwidth.micros_for(bytes));
            done = done.max(uploaded.max(crossed).saturating_add(path.latency_us));
            first_arrival = first_arrival.min(start.saturating_add(path.latency_us));
            total += bytes;
        }
        if total == 0 {
            return self.now;
        }

        // The owner's download starts with the first byte to arrive.
        let download = self.scenario.workload.owner_download;
        let received = occupy(
            &mut self.transfers.owner_download_free[owner],
            first_arrival,
            download.micros_for(total),
        );
        SimTime(done.max(received))
    }

    /// Sends `pieces`, each a receiving peer and its logical bytes, from `owner` one
    /// after another, starting at `start`, and returns when each arrives, in order. A
    /// piece for a peer the owner cannot reach never arrives: its time is the end of
    /// representable time.
    pub(super) fn send_from_owner(
        &mut self,
        owner: usize,
        start: SimTime,
        pieces: &[(u32, u64)],
    ) -> Vec<SimTime> {
        let owner_node = self.owner_region[owner];
        let upload = self.scenario.workload.owner_upload;
        let mut arrivals = Vec::with_capacity(pieces.len());
        for &(receiver, bytes) in pieces {
            let peer = receiver as usize;
            let node = usize::from(self.population.node[peer]);
            let Some(path) = self.network.path(owner_node, node) else {
                arrivals.push(SimTime(u64::MAX));
                continue;
            };
            let (_, download) = self.population.bandwidth(receiver);
            let transfers = &mut self.transfers;
            transfers.cover(peer);

            let sent = occupy(
                &mut transfers.owner_upload_free[owner],
                start.0,
                upload.micros_for(bytes),
            );
            let crossed =
                transfers.cross(owner_node, node, start.0, path.bandwidth.micros_for(bytes));
            let received = occupy(
                &mut transfers.peer_download_free[peer],
                start.0,
                download.micros_for(bytes),
            );
            let done = sent.max(crossed).max(received);
            arrivals.push(SimTime(done.saturating_add(path.latency_us)));
        }
        arrivals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_one_peer_merge() {
        let mut pieces = vec![(7, 10), (2, 5), (7, 1), (2, 2), (3, 4)];
        merge_by_peer(&mut pieces);
        assert_eq!(pieces, vec![(2, 7), (3, 4), (7, 11)]);
    }
}
