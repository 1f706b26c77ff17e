//! Checks of bandwidths and of the links between regions.

use super::{Fail, Index, Key};
use crate::bandwidth::Bandwidth;
use crate::scenario::Scenario;
use crate::scenario::locate::PathPart;

/// Checks every bandwidth of the scenario and the `[[network.links]]` list.
pub(super) fn check_network(scenario: &Scenario, fail: &mut Fail<'_>) {
    for (index, group) in scenario.peers.iter().enumerate() {
        positive_rate(
            &[Key("peers"), Index(index), Key("upload")],
            group.upload,
            fail,
        );
        positive_rate(
            &[Key("peers"), Index(index), Key("download")],
            group.download,
            fail,
        );
    }
    let workload = &scenario.workload;
    positive_rate(
        &[Key("workload"), Key("owner_upload")],
        workload.owner_upload,
        fail,
    );
    positive_rate(
        &[Key("workload"), Key("owner_download")],
        workload.owner_download,
        fail,
    );
    positive_rate(
        &[Key("network"), Key("bandwidth")],
        scenario.network.bandwidth,
        fail,
    );

    let regions = scenario.regions();
    let mut pairs: Vec<(&str, &str, usize)> = Vec::new();
    for (index, link) in scenario.network.links.iter().enumerate() {
        let at = |key| [Key("network"), Key("links"), Index(index), Key(key)];
        if let Some(rate) = link.bandwidth {
            positive_rate(&at("bandwidth"), rate, fail);
        }
        let [a, b] = link.between.as_slice() else {
            fail(
                &at("between"),
                format!(
                    "a link joins exactly two regions, but between lists {}; write \
                     between = [\"eu\", \"us\"]",
                    link.between.len()
                ),
            );
            continue;
        };
        if a == b {
            fail(
                &at("between"),
                format!("a link joins two different regions, but both ends are {a:?}"),
            );
            continue;
        }
        let zones = scenario.zones();
        if let Some(zone) = [a, b]
            .into_iter()
            .find(|name| zones.iter().any(|(zone, _)| zone == name))
        {
            fail(
                &at("between"),
                format!(
                    "{zone:?} is a zone, and links join regions; a zone is linked to its \
                     region already, so name regions of {regions:?}"
                ),
            );
            continue;
        }
        let unknown: Vec<&String> = [a, b]
            .into_iter()
            .filter(|name| !regions.contains(&name.as_str()))
            .collect();
        if !unknown.is_empty() {
            fail(
                &at("between"),
                format!("{unknown:?} belongs to no [[peers]] group; use regions of {regions:?}"),
            );
            continue;
        }
        let pair = if a < b {
            (a.as_str(), b.as_str())
        } else {
            (b.as_str(), a.as_str())
        };
        if let Some(&(_, _, first)) = pairs.iter().find(|(x, y, _)| (*x, *y) == pair) {
            fail(
                &at("between"),
                format!(
                    "network.links[{first}] already joins {:?} and {:?}; merge the two",
                    pair.0, pair.1
                ),
            );
            continue;
        }
        pairs.push((pair.0, pair.1, index));
    }
}

/// Without a full mesh, checks that the owners of each region reach at least n peers
/// over the links, counting the peers present at the start.
pub(super) fn check_reach(scenario: &Scenario, fail: &mut Fail<'_>) {
    if scenario.network.full_mesh {
        return;
    }
    let regions = scenario.regions();

    // Label each region with the smallest region index it is linked to, directly or
    // through others.
    let mut component: Vec<usize> = (0..regions.len()).collect();
    loop {
        let mut changed = false;
        for link in &scenario.network.links {
            let ends: Vec<usize> = link
                .between
                .iter()
                .filter_map(|name| regions.iter().position(|region| region == name))
                .collect();
            if let [a, b] = ends[..] {
                let low = component[a].min(component[b]);
                changed |= component[a] != low || component[b] != low;
                component[a] = low;
                component[b] = low;
            }
        }
        if !changed {
            break;
        }
    }

    let owner_regions: Vec<usize> = match &scenario.workload.owner_region {
        Some(name) => regions
            .iter()
            .position(|region| region == name)
            .into_iter()
            .collect(),
        None => (0..regions.len().min(scenario.workload.owners as usize)).collect(),
    };
    let n = u64::from(scenario.engine.n);
    for owner_region in owner_regions {
        let reached: u64 = scenario
            .peers
            .iter()
            .filter(|group| {
                let region = regions.iter().position(|region| *region == group.region);
                region.is_some_and(|region| component[region] == component[owner_region])
            })
            .map(|group| u64::from(group.count))
            .sum();
        if reached < n {
            fail(
                &[Key("network"), Key("full_mesh")],
                format!(
                    "owners in region {:?} reach only {reached} peers over network.links, \
                     fewer than the n = {n} a stripe needs; add links or set full_mesh = true",
                    regions[owner_region]
                ),
            );
        }
    }
}

fn positive_rate(path: &[PathPart], rate: Bandwidth, fail: &mut Fail<'_>) {
    if rate.0 == 0 {
        fail(
            path,
            "a bandwidth of zero never finishes a transfer; use a rate above zero, for \
             example \"100Mbit/s\""
                .to_string(),
        );
    }
}
