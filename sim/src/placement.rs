//! Random placement: the n shards of a stripe go to n distinct online peers with room.

use rand::RngExt;

use crate::population::{PeerId, Population};
use crate::streams::Stream;

/// Random draws tried per wanted holder before falling back to a scan.
const DRAWS_PER_HOLDER: usize = 4;

/// Chooses up to `wanted` distinct online peers outside `exclude`, in network nodes
/// that `nodes_allowed` marks, that can each take `bytes` more, and appends them to
/// `chosen`. Returns how many it found; fewer than `wanted` means the
/// online peers with room ran out.
///
/// Random draws find holders quickly while most peers have room; when they keep
/// missing, a scan from a random start over the online list finds any that remain, so
/// a full world ends in a shortfall, never in a loop.
pub fn choose_holders(
    population: &Population,
    wanted: usize,
    bytes: u64,
    exclude: &[PeerId],
    nodes_allowed: &[bool],
    rng: &mut Stream,
    chosen: &mut Vec<PeerId>,
) -> usize {
    let start_len = chosen.len();
    let online = population.online_peers();
    if online.is_empty() {
        return 0;
    }
    let eligible = |peer: PeerId, chosen: &[PeerId]| {
        population.has_room(peer, bytes)
            && nodes_allowed[usize::from(population.node[peer as usize])]
            && !chosen[start_len..].contains(&peer)
            && !exclude.contains(&peer)
    };

    for _ in 0..wanted * DRAWS_PER_HOLDER {
        if chosen.len() - start_len == wanted {
            return wanted;
        }
        let peer = online[rng.random_range(0..online.len())];
        if eligible(peer, chosen) {
            chosen.push(peer);
        }
    }

    let offset = rng.random_range(0..online.len());
    for step in 0..online.len() {
        if chosen.len() - start_len == wanted {
            break;
        }
        let peer = online[(offset + step) % online.len()];
        if eligible(peer, chosen) {
            chosen.push(peer);
        }
    }
    chosen.len() - start_len
}
