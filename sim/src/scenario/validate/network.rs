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
