//! Content-defined chunking with FastCDC, so an edit moves only nearby chunk
//! boundaries and unchanged data keeps its chunk ids across backups.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// Chunk size bounds in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkingParams {
    /// Smallest chunk, except the last one.
    pub min: usize,
    /// Target average chunk.
    pub avg: usize,
    /// Largest chunk.
    pub max: usize,
}

impl Default for ChunkingParams {
    /// 256 KiB minimum, 1 MiB average, 4 MiB maximum: coarse enough that the chunk list
    /// of a 10 GiB backup stays near ten thousand entries.
    fn default() -> Self {
        Self {
            min: 256 << 10,
            avg: 1 << 20,
            max: 4 << 20,
        }
    }
}

impl ChunkingParams {
    /// Checks the bounds against FastCDC's limits.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidChunking`] naming the bound that is out of range.
    pub fn validate(&self) -> Result<(), EngineError> {
        use fastcdc::v2020::{
            AVERAGE_MAX, AVERAGE_MIN, MAXIMUM_MAX, MAXIMUM_MIN, MINIMUM_MAX, MINIMUM_MIN,
        };
        let checks = [
            ("min", self.min, MINIMUM_MIN, MINIMUM_MAX),
            ("avg", self.avg, AVERAGE_MIN, AVERAGE_MAX),
            ("max", self.max, MAXIMUM_MIN, MAXIMUM_MAX),
        ];
        for (name, value, low, high) in checks {
            if !(low..=high).contains(&value) {
                return Err(EngineError::InvalidChunking {
                    reason: format!("{name} = {value} bytes is outside {low}..={high}"),
                });
            }
        }
        if !(self.min <= self.avg && self.avg <= self.max) {
            return Err(EngineError::InvalidChunking {
                reason: format!(
                    "need min <= avg <= max, got {} <= {} <= {}",
                    self.min, self.avg, self.max
                ),
            });
        }
        Ok(())
    }

    /// Byte ranges of the chunks of `data`, in order and covering it exactly.
    pub(crate) fn split(&self, data: &[u8]) -> Vec<std::ops::Range<usize>> {
        fastcdc::v2020::FastCDC::new(data, self.min, self.avg, self.max)
            .map(|chunk| chunk.offset..chunk.offset + chunk.length)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> ChunkingParams {
        ChunkingParams {
            min: 1024,
            avg: 4096,
            max: 16384,
        }
    }

    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn chunks_cover_the_data() {
        let data = noise(100_000, 1);
        let chunks = small().split(&data);
        assert_eq!(chunks.first().map(|c| c.start), Some(0));
        assert_eq!(chunks.last().map(|c| c.end), Some(data.len()));
        assert!(chunks.windows(2).all(|pair| pair[0].end == pair[1].start));
    }

    #[test]
    fn an_insert_keeps_later_chunks() {
        let data = noise(200_000, 2);
        let mut edited = data[..50_000].to_vec();
        edited.extend_from_slice(b"inserted bytes");
        edited.extend_from_slice(&data[50_000..]);

        let before: Vec<&[u8]> = small().split(&data).into_iter().map(|r| &data[r]).collect();
        let after: Vec<&[u8]> = small()
            .split(&edited)
            .into_iter()
            .map(|r| &edited[r])
            .collect();
        let shared = after.iter().filter(|chunk| before.contains(chunk)).count();
        assert!(
            shared * 10 >= after.len() * 8,
            "{shared} of {} chunks kept",
            after.len()
        );
    }

    #[test]
    fn rejects_bad_bounds() {
        let mut params = small();
        params.min = 10;
        assert!(params.validate().is_err());
        let inverted = ChunkingParams {
            min: 8192,
            avg: 4096,
            max: 16384,
        };
        assert!(inverted.validate().is_err());
        assert!(ChunkingParams::default().validate().is_ok());
    }
}
