//! The network of regions: a petgraph graph whose edges are the directions traffic may
//! flow, and which partitions cut.
//!
//! Regions are fully meshed at the start. A partition removes the edges between its
//! side and the other regions, in both directions or only outbound, and a heal puts
//! them back. Traffic may be relayed through other regions, so a region reaches another
//! when any path connects them.
//!
//! Limitations: links have neither latency nor bandwidth yet, so transfers take no time.

use petgraph::algo::has_path_connecting;
use petgraph::graph::{DiGraph, NodeIndex};

/// Which regions can send traffic to which.
pub struct Network {
    graph: DiGraph<(), ()>,
    /// Cuts in force per directed region pair, so that overlapping partitions heal
    /// independently.
    cuts: Vec<u16>,
    regions: usize,
    /// `reach[from * regions + to]`, recomputed after every cut or heal.
    reach: Vec<bool>,
}

impl Network {
    /// A full mesh of `regions` regions.
    pub fn new(regions: usize) -> Self {
        let mut network = Self {
            graph: DiGraph::new(),
            cuts: vec![0; regions * regions],
            regions,
            reach: vec![true; regions * regions],
        };
        for _ in 0..regions {
            network.graph.add_node(());
        }
        network.rebuild();
        network
    }

    /// Regions with a direct link from `region`, in index order.
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

    /// Whether traffic from region `from` arrives in region `to`.
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        self.reach[from * self.regions + to]
    }

    /// Cuts (`cut = true`) or heals the links between `side` and the other regions:
    /// outbound from `side` only when `one_way`, else both directions.
    pub fn set_partition(&mut self, side: &[usize], one_way: bool, cut: bool) {
        for from in 0..self.regions {
            for to in 0..self.regions {
                let leaves = side.contains(&from) && !side.contains(&to);
                let enters = !side.contains(&from) && side.contains(&to);
                if leaves || (enters && !one_way) {
                    let count = &mut self.cuts[from * self.regions + to];
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
        for from in 0..self.regions {
            for to in 0..self.regions {
                if from != to && self.cuts[from * self.regions + to] == 0 {
                    self.graph
                        .add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
                }
            }
        }
        for from in 0..self.regions {
            for to in 0..self.regions {
                self.reach[from * self.regions + to] = from == to
                    || has_path_connecting(
                        &self.graph,
                        NodeIndex::new(from),
                        NodeIndex::new(to),
                        None,
                    );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cut_and_heal() {
        let mut network = Network::new(3);
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
}
