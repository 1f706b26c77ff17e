//! Reed-Solomon coding of one sealed stripe into n shards, and its reconstruction.

use reed_solomon_erasure::galois_8::ReedSolomon;

use crate::params::CodingParams;

/// A Reed-Solomon codec for one (k, n), built once and reused for every stripe.
///
/// With n equal to k there is no parity: the stripe is only split, and every shard is
/// needed to rebuild it.
#[derive(Debug)]
pub(crate) struct Erasure {
    k: usize,
    n: usize,
    codec: Option<ReedSolomon>,
}

impl Erasure {
    pub(crate) fn new(params: &CodingParams) -> Self {
        let codec = (params.parity() > 0).then(|| {
            ReedSolomon::new(params.k(), params.parity())
                .expect("CodingParams keeps 1 <= k < n <= 256, which the codec accepts")
        });
        Self {
            k: params.k(),
            n: params.n(),
            codec,
        }
    }

    /// Shard length for a sealed stripe of `sealed_len` bytes.
    pub(crate) fn shard_len(&self, sealed_len: usize) -> usize {
        sealed_len.div_ceil(self.k).max(1)
    }

    /// Splits a sealed stripe into k zero-padded data shards and computes n - k parity
    /// shards.
    pub(crate) fn encode(&self, sealed: &[u8]) -> Vec<Vec<u8>> {
        let shard_len = self.shard_len(sealed.len());
        let mut shards: Vec<Vec<u8>> = (0..self.n).map(|_| vec![0u8; shard_len]).collect();
        for (shard, chunk) in shards.iter_mut().zip(sealed.chunks(shard_len)) {
            shard[..chunk.len()].copy_from_slice(chunk);
        }

        if let Some(codec) = &self.codec {
            codec
                .encode(&mut shards)
                .expect("n shards of equal, non-zero length always encode");
        }
        shards
    }

    /// Rebuilds the missing data shards in place from at least k present shards, then
    /// returns the sealed stripe truncated to `sealed_len`.
    ///
    /// The caller guarantees that at least k entries are `Some` and that every present
    /// shard has the stripe's shard length.
    pub(crate) fn decode(&self, shards: &mut [Option<Vec<u8>>], sealed_len: usize) -> Vec<u8> {
        let data_missing = shards[..self.k].iter().any(Option::is_none);
        if data_missing {
            let codec = self
                .codec
                .as_ref()
                .expect("with n = k every data shard must be present before decoding");
            codec
                .reconstruct_data(shards)
                .expect("at least k present shards of equal length reconstruct");
        }

        let mut sealed = Vec::with_capacity(sealed_len);
        for shard in shards[..self.k].iter().flatten() {
            sealed.extend_from_slice(shard);
        }
        sealed.truncate(sealed_len);
        sealed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erasure(k: usize, n: usize) -> Erasure {
        Erasure::new(&CodingParams::new(k, n, 64).expect("valid parameters"))
    }

    #[test]
    fn any_k_of_n_rebuild_the_stripe() {
        let coder = erasure(3, 5);
        let sealed: Vec<u8> = (0..100u8).collect();
        let shards = coder.encode(&sealed);
        assert_eq!(shards.len(), 5);
        assert!(shards.iter().all(|shard| shard.len() == 34));

        for lost_a in 0..5 {
            for lost_b in (lost_a + 1)..5 {
                let mut present: Vec<Option<Vec<u8>>> = shards.iter().cloned().map(Some).collect();
                present[lost_a] = None;
                present[lost_b] = None;
                assert_eq!(
                    coder.decode(&mut present, 100),
                    sealed,
                    "lost {lost_a}, {lost_b}"
                );
            }
        }
    }

    #[test]
    fn without_parity_the_stripe_is_split() {
        let coder = erasure(2, 2);
        let shards = coder.encode(b"abcde");
        assert_eq!(shards, vec![b"abc".to_vec(), b"de\0".to_vec()]);
        let mut present: Vec<Option<Vec<u8>>> = shards.into_iter().map(Some).collect();
        assert_eq!(coder.decode(&mut present, 5), b"abcde");
    }
}
