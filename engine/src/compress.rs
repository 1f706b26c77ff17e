//! Compression of a backup's pack with zstd, kept only when it pays.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// Smallest saving that keeps a compressed pack: 5% of its size.
pub const MIN_GAIN_PERCENT: u64 = 5;

/// Storage form of a backup's pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Stored as it is.
    #[default]
    None,
    /// Compressed with zstd.
    Zstd,
}

/// Bytes in each of the windows compressed to decide whether a large pack is worth
/// compressing whole.
const SAMPLE_WINDOW: usize = 128 << 10;

/// Windows sampled, spread evenly over the pack.
const SAMPLE_WINDOWS: usize = 8;

/// Compresses `pack` at `level` when that saves at least [`MIN_GAIN_PERCENT`], and
/// returns the compressed bytes, or `None` to store the pack unchanged.
///
/// A pack larger than the sample windows is first judged by compressing those windows;
/// only if they save enough is the whole pack compressed and judged again.
// NOTE: a pack whose compressible part lies wholly between the sampled windows is
// stored raw; the sample keeps incompressible packs from costing a full zstd pass.
pub(crate) fn compress(pack: &[u8], level: i32) -> Option<Vec<u8>> {
    if pack.is_empty() {
        return None;
    }
    if pack.len() > SAMPLE_WINDOW * SAMPLE_WINDOWS && !saves_enough(&sample(pack), level) {
        return None;
    }
    // zstd fails only on allocation or an invalid level; storing raw is always valid.
    let compressed = zstd::bulk::compress(pack, level).ok()?;
    pays(pack.len(), compressed.len()).then_some(compressed)
}

fn sample(pack: &[u8]) -> Vec<u8> {
    let stride = pack.len() / SAMPLE_WINDOWS;
    let mut sample = Vec::with_capacity(SAMPLE_WINDOW * SAMPLE_WINDOWS);
    for window in 0..SAMPLE_WINDOWS {
        sample.extend_from_slice(&pack[window * stride..][..SAMPLE_WINDOW]);
    }
    sample
}

fn saves_enough(bytes: &[u8], level: i32) -> bool {
    zstd::bulk::compress(bytes, level).is_ok_and(|compressed| pays(bytes.len(), compressed.len()))
}

fn pays(raw_len: usize, compressed_len: usize) -> bool {
    compressed_len as u64 <= raw_len as u64 * (100 - MIN_GAIN_PERCENT) / 100
}

/// Reverses [`compress`], expecting exactly `pack_len` bytes.
pub(crate) fn decompress(
    stored: Vec<u8>,
    compression: Compression,
    pack_len: usize,
    backup_id: &str,
) -> Result<Vec<u8>, EngineError> {
    let pack = match compression {
        Compression::None => stored,
        Compression::Zstd => zstd::bulk::decompress(&stored, pack_len).map_err(|error| {
            EngineError::InvalidManifest {
                backup_id: backup_id.to_string(),
                reason: format!("the authenticated pack does not decompress: {error}"),
            }
        })?,
    };
    if pack.len() != pack_len {
        return Err(EngineError::InvalidManifest {
            backup_id: backup_id.to_string(),
            reason: format!("pack has {} bytes, manifest says {pack_len}", pack.len()),
        });
    }
    Ok(pack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compressed_and_restored() {
        for repeats in [200, 100_000] {
            let text = b"the same sentence again and again. ".repeat(repeats);
            let stored = compress(&text, 1).expect("text compresses");
            assert!(stored.len() < text.len() / 5);
            assert_eq!(
                decompress(stored, Compression::Zstd, text.len(), "b"),
                Ok(text)
            );
        }
    }

    #[test]
    fn incompressible_bytes_stay_raw() {
        for len in [4096, 4 << 20] {
            let mut noise = vec![0u8; len];
            blake3::Hasher::new().finalize_xof().fill(&mut noise);
            assert_eq!(compress(&noise, 1), None, "{len} random bytes");
        }
    }

    #[test]
    fn wrong_length_is_an_error() {
        let stored = compress(&[7u8; 1000], 1).expect("compresses");
        assert!(decompress(stored, Compression::Zstd, 999, "b").is_err());
    }
}
