//! Restoring a backup from any k verified shards of each stripe.

use crate::backup::Engine;
use crate::erasure::Erasure;
use crate::error::EngineError;
use crate::manifest::{Digest, Manifest};
use crate::seal::{self, DataKey, StripeContext};

/// Supplies shards to a restore, by index across the backup (`stripe * n + position`).
///
/// Returning `None` means the shard cannot be had now: its holder is offline, it was
/// lost, or it was never stored. Any closure `FnMut(usize) -> Option<Vec<u8>>` is a
/// source.
pub trait ShardSource {
    /// Fetches shard `index`, or returns `None` when it is unavailable.
    fn fetch(&mut self, index: usize) -> Option<Vec<u8>>;
}

impl<F: FnMut(usize) -> Option<Vec<u8>>> ShardSource for F {
    fn fetch(&mut self, index: usize) -> Option<Vec<u8>> {
        self(index)
    }
}

impl Engine {
    /// Restores the exact bytes of a backup.
    ///
    /// For each stripe it fetches shards in order until k of them match their manifest
    /// hash, rebuilds the stripe, opens it and finally compares the whole plaintext with
    /// the manifest checksum. A shard with a wrong hash is never used.
    ///
    /// # Errors
    ///
    /// [`EngineError::StripeUnrecoverable`] naming the first stripe with fewer than k
    /// valid shards; [`EngineError::Authentication`] for a wrong key or altered data;
    /// [`EngineError::InvalidManifest`] or [`EngineError::ChecksumMismatch`] for a
    /// manifest that does not describe the shards.
    pub fn restore<S: ShardSource + ?Sized>(
        &self,
        manifest: &Manifest,
        key: &DataKey,
        source: &mut S,
    ) -> Result<Vec<u8>, EngineError> {
        let params = manifest.check_consistency()?;
        if key.id() != manifest.key_id {
            return Err(EngineError::Authentication);
        }
        // A manifest written with other parameters gets its own codec.
        let other_codec;
        let erasure = if params == self.params {
            &self.erasure
        } else {
            other_codec = Erasure::new(&params);
            &other_codec
        };

        let capacity = usize::try_from(manifest.plaintext_len).unwrap_or(usize::MAX);
        let mut plaintext = Vec::with_capacity(capacity);
        for (stripe, record) in manifest.stripes.iter().enumerate() {
            let shard_len = erasure.shard_len(record.sealed_len);
            let mut shards = collect_valid(manifest, stripe, shard_len, source)?;
            let mut sealed = erasure.decode(&mut shards, record.sealed_len);

            let context = StripeContext {
                backup_id: &manifest.backup_id,
                stripe,
                key_id: manifest.key_id,
            };
            seal::open(key, &context, &mut sealed)?;
            plaintext.extend_from_slice(&sealed);
        }

        if Digest::of(&plaintext) != manifest.plaintext_blake3 {
            return Err(EngineError::ChecksumMismatch {
                backup_id: manifest.backup_id.clone(),
            });
        }
        Ok(plaintext)
    }
}

/// Fetches shards of one stripe until k of them verify, leaving the rest `None`.
fn collect_valid<S: ShardSource + ?Sized>(
    manifest: &Manifest,
    stripe: usize,
    shard_len: usize,
    source: &mut S,
) -> Result<Vec<Option<Vec<u8>>>, EngineError> {
    let (k, n) = (manifest.k, manifest.n);
    let hashes = &manifest.stripes[stripe].shard_hashes;
    let mut shards: Vec<Option<Vec<u8>>> = vec![None; n];
    let (mut valid, mut corrupt, mut missing) = (0, 0, 0);

    for position in 0..n {
        if valid == k {
            break;
        }
        match source.fetch(stripe * n + position) {
            None => missing += 1,
            Some(shard) if shard.len() == shard_len && Digest::of(&shard) == hashes[position] => {
                shards[position] = Some(shard);
                valid += 1;
            }
            Some(_) => corrupt += 1,
        }
    }

    if valid < k {
        return Err(EngineError::StripeUnrecoverable {
            stripe,
            valid,
            corrupt,
            missing,
            k,
            n,
        });
    }
    Ok(shards)
}
