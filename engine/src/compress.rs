//! Compression of a backup's pack with zstd, kept only when it pays.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// Smallest saving that keeps a compressed pack: 5% of its size.
pub const MIN_GAIN_PERCENT: u64 = 5;

/// How a backup's pack is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Stored as it is.
    #[default]
    None,
    /// Compressed with zstd.
    Zstd,
}

/// Compresses `pack` at `level` and returns the bytes to seal with how they were
/// stored: compressed when that saves at least [`MIN_GAIN_PERCENT`], else unchanged.
pub(crate) fn compress(pack: Vec<u8>, level: i32) -> (Vec<u8>, Compression) {
    if pack.is_empty() {
        return (pack, Compression::None);
    }
    let Ok(compressed) = zstd::bulk::compress(&pack, level) else {
        // zstd fails only on allocation or an invalid level; storing raw is always valid.
        return (pack, Compression::None);
    };
    let limit = pack.len() as u64 * (100 - MIN_GAIN_PERCENT) / 100;
    if (compressed.len() as u64) <= limit {
        (compressed, Compression::Zstd)
    } else {
        (pack, Compression::None)
    }
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
        let text = b"the same sentence again and again. ".repeat(200);
        let (stored, how) = compress(text.clone(), 1);
        assert_eq!(how, Compression::Zstd);
        assert!(stored.len() < text.len() / 5);
        assert_eq!(decompress(stored, how, text.len(), "b"), Ok(text));
    }

    #[test]
    fn incompressible_bytes_stay_raw() {
        let mut noise = vec![0u8; 4096];
        blake3::Hasher::new().finalize_xof().fill(&mut noise);
        let (stored, how) = compress(noise.clone(), 1);
        assert_eq!(how, Compression::None);
        assert_eq!(stored, noise);
    }

    #[test]
    fn wrong_length_is_an_error() {
        let (stored, how) = compress(vec![7u8; 1000], 1);
        assert!(decompress(stored, how, 999, "b").is_err());
    }
}
