//! Seeded random streams: one master seed, and a child stream per named part.
//!
//! A child's seed is a BLAKE3 key derivation of the master seed and a stable name such
//! as `peer/0/17` or `owner/3`, so adding a peer leaves every other stream unchanged.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Context string that separates stream seeds from every other use of BLAKE3 here.
const STREAM_CONTEXT: &str = "shardsim 2026 random stream";

/// The generator behind every stream. ChaCha8 is fast and, being a stream cipher
/// generator, good enough for the engine's key draws inside a simulation.
pub type Stream = ChaCha8Rng;

/// Derives the stream named `name` from the master seed.
pub fn stream(master_seed: u64, name: &str) -> Stream {
    let mut material = Vec::with_capacity(8 + name.len());
    material.extend_from_slice(&master_seed.to_le_bytes());
    material.extend_from_slice(name.as_bytes());
    Stream::from_seed(blake3::derive_key(STREAM_CONTEXT, &material))
}

/// Draws a uniform float in the open interval (0, 1), never 0 or 1, so that
/// logarithms of it and of its complement stay finite.
pub fn open_unit<R: rand::Rng + ?Sized>(rng: &mut R) -> f64 {
    // 53 random bits, offset by half a step, lie strictly inside (0, 1).
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Keeps a share `fraction` of `items`, rounded to the nearest count, drawn without
/// replacement by a partial Fisher-Yates shuffle, and returns them sorted.
pub fn choose_share<T: Ord>(mut items: Vec<T>, fraction: f64, rng: &mut Stream) -> Vec<T> {
    let count = ((items.len() as f64) * fraction).round() as usize;
    let count = count.min(items.len());
    for slot in 0..count {
        let pick = slot + rand::RngExt::random_range(rng, 0..items.len() - slot);
        items.swap(slot, pick);
    }
    items.truncate(count);
    items.sort_unstable();
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_depend_on_seed_and_name_only() {
        let first = stream(7, "peer/0/1").next_u64();
        assert_eq!(stream(7, "peer/0/1").next_u64(), first);
        assert_ne!(stream(7, "peer/0/2").next_u64(), first);
        assert_ne!(stream(8, "peer/0/1").next_u64(), first);
    }

    #[test]
    fn choose_share_draws_distinct_items() {
        let mut rng = stream(3, "test");
        let chosen = choose_share((0..100).collect(), 0.25, &mut rng);
        assert_eq!(chosen.len(), 25);
        assert!(chosen.windows(2).all(|pair| pair[0] < pair[1]));
        assert_ne!(chosen, (0..25).collect::<Vec<_>>());
        assert_eq!(choose_share(vec![1, 2], 1.0, &mut rng), vec![1, 2]);
    }

    #[test]
    fn open_unit_stays_inside() {
        let mut rng = stream(1, "test");
        for _ in 0..10_000 {
            let u = open_unit(&mut rng);
            assert!(u > 0.0 && u < 1.0);
        }
    }
}
