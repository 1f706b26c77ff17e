//! The network of regions and zones: a petgraph graph whose edges are links with a
//! latency and a bandwidth, and which partitions cut.
//!
//! Each region is a node, and each zone a node joined to its region's by a link of the
//! local latency and no bandwidth limit. Two peers at one node, in one zone or both in
//! a region outside its zones, are one local latency apart. Peers in different zones of
//! one region are two apart, because traffic between zones crosses the region. A
//! partition can cut a zone off on its own. Regions are numbered first, then zones.
//!
//! Traffic between two nodes follows the path of lowest total latency, and of equal
//! ones the widest. The path's cost is that latency and its narrowest link. Traffic may
//! be relayed through other regions, so a node reaches another when any path connects
//! them. A partition removes the links between its side and the other nodes, in both
//! directions or only outbound, and a heal puts them back.
//!
//! How transfers share the bandwidth of peers and paths is in the simulation's transfer
//! module.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::bandwidth::Bandwidth;
use crate::scenario::Scenario;

/// Latency and bandwidth of one direction of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCost {
    /// One-way latency in microseconds.
    pub latency_us: u64,
    /// Rate a transfer over the link gets.
    pub bandwidth: Bandwidth,
}

/// Reachability, path latency and path bandwidth between every two network nodes.
pub struct Network {
    graph: DiGraph<(), LinkCost>,
    /// The links the scenario defines, per directed node pair.
    links: Vec<Option<LinkCost>>,
    /// Cuts in force per directed region pair, so that overlapping partitions heal
    /// independently.
    cuts: Vec<u16>,
    nodes: usize,
    /// Best path per `from * nodes + to`, `None` when unreachable; recomputed after
    /// every cut or heal.
    paths: Vec<Option<LinkCost>>,
    local_latency_us: u64,
}

impl Network {
    /// Builds the scenario's regions, zones and links. Regions form a full mesh unless
    /// `full_mesh` is false.
    pub fn new(scenario: &Scenario) -> Self {
        let names = scenario.regions();
        let zones = scenario.zones();
        let region_count = names.len();
        let nodes = region_count + zones.len();
        let settings = &scenario.network;
        let default_cost = LinkCost {
            latency_us: settings.latency.0,
            bandwidth: settings.bandwidth,
        };
        let mut links = vec![None; nodes * nodes];
        for from in 0..region_count {
            for to in 0..region_count {
                if from != to && settings.full_mesh {
                    links[from * nodes + to] = Some(default_cost);
                }
            }
        }
        let zone_link = LinkCost {
            latency_us: settings.local_latency.0,
            bandwidth: Bandwidth(u64::MAX),
        };
        for (offset, &(_, region)) in zones.iter().enumerate() {
            let zone = region_count + offset;
            links[zone * nodes + region] = Some(zone_link);
            links[region * nodes + zone] = Some(zone_link);
        }
        for link in &settings.links {
            let position = |name: &String| names.iter().position(|known| known == name);
            let (Some(a), Some(b)) = (position(&link.between[0]), position(&link.between[1]))
            else {
                unreachable!("validation checks that links join known regions");
            };
            let cost = LinkCost {
                latency_us: link
                    .latency
                    .map_or(default_cost.latency_us, |latency| latency.0),
                bandwidth: link.bandwidth.unwrap_or(default_cost.bandwidth),
            };
            links[a * nodes + b] = Some(cost);
            links[b * nodes + a] = Some(cost);
        }
        Self::from_links(nodes, links, settings.local_latency.0)
    }

    fn from_links(nodes: usize, links: Vec<Option<LinkCost>>, local_latency_us: u64) -> Self {
        let mut network = Self {
            graph: DiGraph::new(),
            links,
            cuts: vec![0; nodes * nodes],
            nodes,
            paths: vec![None; nodes * nodes],
            local_latency_us,
        };
        for _ in 0..nodes {
            network.graph.add_node(());
        }
        network.rebuild();
        network
    }

    /// Regions and zones together.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Nodes with a link from node `region` that no partition cuts, in index order.
    pub fn neighbours(&self, region: usize) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .graph
            .neighbors(NodeIndex::new(region))
            .map(NodeIndex::index)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Whether traffic from node `from` arrives at node `to`.
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        self.path(from, to).is_some()
    }

    /// Latency and bottleneck of the best path from `from` to `to`, or `None` when no
    /// path connects them. Within one region it is the local latency, and only the
    /// peers' own bandwidth limits the rate.
    pub fn path(&self, from: usize, to: usize) -> Option<LinkCost> {
        if from == to {
            return Some(LinkCost {
                latency_us: self.local_latency_us,
                bandwidth: Bandwidth(u64::MAX),
            });
        }
        self.paths[from * self.nodes + to]
    }

    /// Cuts (`cut = true`) or heals the links between the nodes of `side` and the
    /// others: outbound from `side` only when `one_way`, else both directions. A side
    /// that contains a region should contain its zones too.
    pub fn set_partition(&mut self, side: &[usize], one_way: bool, cut: bool) {
        for from in 0..self.nodes {
            for to in 0..self.nodes {
                let leaves = side.contains(&from) && !side.contains(&to);
                let enters = !side.contains(&from) && side.contains(&to);
                if leaves || (enters && !one_way) {
                    let count = &mut self.cuts[from * self.nodes + to];
                    if cut {
                        *count += 1;
                    } else {
                        *count -= 1;
                    }
                }
            }
        }
        self.rebuild();
    }

    fn rebuild(&mut self) {
        self.graph.clear_edges();
        for from in 0..self.nodes {
            for to in 0..self.nodes {
                let pair = from * self.nodes + to;
                if let Some(cost) = self.links[pair]
                    && self.cuts[pair] == 0
                {
                    self.graph
                        .add_edge(NodeIndex::new(from), NodeIndex::new(to), cost);
                }
            }
        }
        for from in 0..self.nodes {
            let best = self.best_paths_from(from);
            self.paths[from * self.nodes..(from + 1) * self.nodes].copy_from_slice(&best);
        }
    }

    /// Dijkstra's algorithm on latency from `source`, keeping for each region the widest
    /// bottleneck among its lowest-latency paths. Regions are settled in order of
    /// latency, then index, so ties resolve the same way every run.
    fn best_paths_from(&self, source: usize) -> Vec<Option<LinkCost>> {
        let mut best: Vec<Option<LinkCost>> = vec![None; self.nodes];
        let mut settled = vec![false; self.nodes];
        best[source] = Some(LinkCost {
            latency_us: 0,
            bandwidth: Bandwidth(u64::MAX),
        });
        loop {
            let next = (0..self.nodes)
                .filter(|&region| !settled[region])
                .filter_map(|region| best[region].map(|cost| (cost.latency_us, region)))
                .min();
            let Some((_, region)) = next else { break };
            settled[region] = true;
            let reached = best[region].expect("a settled region has a path");
            for edge in self.graph.edges(NodeIndex::new(region)) {
                let to = edge.target().index();
                let candidate = LinkCost {
                    latency_us: reached.latency_us.saturating_add(edge.weight().latency_us),
                    bandwidth: reached.bandwidth.min(edge.weight().bandwidth),
                };
                let better = match best[to] {
                    None => true,
                    Some(known) => {
                        (candidate.latency_us, std::cmp::Reverse(candidate.bandwidth))
                            < (known.latency_us, std::cmp::Reverse(known.bandwidth))
                    }
                };
                if better && !settled[to] {
                    best[to] = Some(candidate);
                }
            }
        }
        best[source] = None;
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mesh(regions: usize) -> Network {
        let cost = LinkCost {
            latency_us: 50_000,
            bandwidth: Bandwidth::from_mbit(1000),
        };
        let links = (0..regions * regions)
            .map(|pair| (pair / regions != pair % regions).then_some(cost))
            .collect();
        Network::from_links(regions, links, 5_000)
    }

    #[test]
    fn partitions_cut_and_heal() {
        let mut network = mesh(3);
        assert!(network.reaches(0, 2));

        network.set_partition(&[0], false, true);
        assert!(!network.reaches(0, 1));
        assert!(!network.reaches(2, 0));
        assert!(network.reaches(1, 2));

        // A second, overlapping cut outlives the heal of the first.
        network.set_partition(&[0, 1], true, true);
        network.set_partition(&[0], false, false);
        assert!(network.reaches(2, 0), "inbound to the side is open again");
        assert!(
            !network.reaches(0, 2),
            "outbound stays cut by the one-way partition"
        );
        assert!(network.reaches(0, 1));

        network.set_partition(&[0, 1], true, false);
        assert!(network.reaches(0, 2));
    }

    #[test]
    fn paths_add_latency_and_keep_the_bottleneck() {
        // A line 0 - 1 - 2: a fast short hop, then a slow long one.
        let mut links = vec![None; 9];
        let fast = LinkCost {
            latency_us: 10_000,
            bandwidth: Bandwidth::from_mbit(1000),
        };
        let slow = LinkCost {
            latency_us: 30_000,
            bandwidth: Bandwidth::from_mbit(10),
        };
        for (a, b, cost) in [(0, 1, fast), (1, 2, slow)] {
            links[a * 3 + b] = Some(cost);
            links[b * 3 + a] = Some(cost);
        }
        let mut network = Network::from_links(3, links, 1_000);

        let relayed = network.path(0, 2).expect("relayed through region 1");
        assert_eq!(relayed.latency_us, 40_000);
        assert_eq!(relayed.bandwidth, Bandwidth::from_mbit(10));
        assert_eq!(network.path(1, 1).map(|cost| cost.latency_us), Some(1_000));
        assert_eq!(network.neighbours(1), vec![0, 2]);

        network.set_partition(&[2], false, true);
        assert!(network.path(0, 2).is_none());
        network.set_partition(&[2], false, false);
        assert!(network.path(0, 2).is_some());
    }

    #[test]
    fn equal_latency_prefers_the_wider_path() {
        // 0 reaches 3 through 1 or 2 in the same time; the path through 2 is wider.
        let mut links = vec![None; 16];
        let link = |mbit| LinkCost {
            latency_us: 10_000,
            bandwidth: Bandwidth::from_mbit(mbit),
        };
        for (a, b, cost) in [
            (0, 1, link(100)),
            (1, 3, link(5)),
            (0, 2, link(100)),
            (2, 3, link(50)),
        ] {
            links[a * 4 + b] = Some(cost);
            links[b * 4 + a] = Some(cost);
        }
        let network = Network::from_links(4, links, 1_000);
        assert_eq!(
            network.path(0, 3).map(|cost| cost.bandwidth),
            Some(Bandwidth::from_mbit(50))
        );
    }
}
