//! Erasure-coding parameters: k data shards of n per stripe, and the shard size.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// The largest n that the GF(2^8) Reed-Solomon code supports.
pub const MAX_TOTAL_SHARDS: usize = 256;

/// The smallest shard the engine accepts, so that a stripe always holds its 16-byte tag.
pub const MIN_SHARD_SIZE: usize = 16;

/// How a backup is cut into stripes and coded.
///
/// A stripe carries `k * shard_size` sealed bytes in k data shards and adds `n - k`
/// parity shards, so any k of its n shards rebuild it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingParams {
    k: usize,
    n: usize,
    shard_size: usize,
}

impl CodingParams {
    /// Validates and builds coding parameters.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidCoding`] when k is zero, k exceeds n or n exceeds
    /// [`MAX_TOTAL_SHARDS`]; [`EngineError::InvalidShardSize`] when the shard size is
    /// below [`MIN_SHARD_SIZE`].
    pub fn new(k: usize, n: usize, shard_size: usize) -> Result<Self, EngineError> {
        let invalid = |reason: &str| EngineError::InvalidCoding {
            k,
            n,
            reason: reason.to_string(),
        };
        if k == 0 {
            return Err(invalid("k must be at least 1"));
        }
        if k > n {
            return Err(invalid("k must not exceed n; raise n or lower k"));
        }
        if n > MAX_TOTAL_SHARDS {
            return Err(invalid(
                "n must be at most 256, the limit of the GF(2^8) code",
            ));
        }
        if shard_size < MIN_SHARD_SIZE {
            return Err(EngineError::InvalidShardSize {
                shard_size,
                min: MIN_SHARD_SIZE,
            });
        }
        Ok(Self { k, n, shard_size })
    }

    /// Data shards per stripe.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Total shards per stripe, data and parity.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Parity shards per stripe.
    pub fn parity(&self) -> usize {
        self.n - self.k
    }

    /// Bytes in each shard of a full stripe.
    pub fn shard_size(&self) -> usize {
        self.shard_size
    }

    /// Plaintext bytes that fill one stripe: k shards less the AEAD tag.
    pub fn stripe_capacity(&self) -> usize {
        self.k * self.shard_size - crate::seal::TAG_LEN
    }

    /// Stripes needed for a plaintext of `len` bytes. An empty backup still has one
    /// stripe, which carries its tag.
    pub fn stripes_for(&self, len: usize) -> usize {
        len.div_ceil(self.stripe_capacity()).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_k_above_n() {
        assert!(matches!(
            CodingParams::new(4, 3, 1024),
            Err(EngineError::InvalidCoding { k: 4, n: 3, .. })
        ));
    }

    #[test]
    fn rejects_zero_k_and_large_n() {
        assert!(CodingParams::new(0, 3, 1024).is_err());
        assert!(CodingParams::new(3, 257, 1024).is_err());
        assert!(CodingParams::new(3, 256, 1024).is_ok());
    }

    #[test]
    fn rejects_tiny_shards() {
        assert_eq!(
            CodingParams::new(3, 5, 15),
            Err(EngineError::InvalidShardSize {
                shard_size: 15,
                min: 16
            })
        );
    }

    #[test]
    fn stripe_count_covers_boundaries() {
        let params = CodingParams::new(3, 5, 100).expect("valid parameters");
        let capacity = params.stripe_capacity();
        assert_eq!(capacity, 284);
        assert_eq!(params.stripes_for(0), 1);
        assert_eq!(params.stripes_for(1), 1);
        assert_eq!(params.stripes_for(capacity), 1);
        assert_eq!(params.stripes_for(capacity + 1), 2);
    }
}
