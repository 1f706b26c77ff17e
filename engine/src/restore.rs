//! Restoring a backup from any k verified shards of each stripe.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::backup::Engine;
use crate::compress;
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
    /// Restores the exact bytes of a backup whose chunks all sit in its own pack: every
    /// unchunked backup, and chunked full backups and snapshots.
    ///
    /// # Errors
    ///
    /// Those of [`Engine::restore_pack`], and [`EngineError::MissingLink`] for a backup
    /// that references another backup's pack; restore those with [`assemble`].
    pub fn restore<S: ShardSource + ?Sized>(
        &self,
        manifest: &Manifest,
        keys: &[DataKey],
        source: &mut S,
    ) -> Result<Vec<u8>, EngineError> {
        let pack = self.restore_pack(manifest, keys, source)?;
        let mut packs = BTreeMap::new();
        packs.insert(manifest.backup_id.clone(), pack);
        assemble(manifest, &packs)
    }

    /// Restores a backup's pack: the bytes it stores itself, decompressed.
    ///
    /// It checks the manifest's MAC first, then for each stripe fetches shards in order
    /// until k of them match their manifest hash, rebuilds the stripe and opens it. A
    /// shard with a wrong hash is never used.
    ///
    /// # Errors
    ///
    /// [`EngineError::StripeUnrecoverable`] naming the first stripe with fewer than k
    /// valid shards; [`EngineError::Authentication`] for a wrong key or an altered
    /// manifest or stripe; [`EngineError::InvalidManifest`] for a manifest that
    /// contradicts itself.
    pub fn restore_pack<S: ShardSource + ?Sized>(
        &self,
        manifest: &Manifest,
        keys: &[DataKey],
        source: &mut S,
    ) -> Result<Vec<u8>, EngineError> {
        check_keys(manifest, keys)?;
        manifest.verify_mac(&keys[0])?;
        let params = manifest.check_consistency()?;

        // A manifest written with other parameters gets its own codec.
        let other_codec;
        let erasure = if params == self.params {
            &self.erasure
        } else {
            other_codec = Erasure::new(&params);
            &other_codec
        };

        // Fetching goes through the caller's source one shard at a time; decoding and
        // opening are independent per stripe and run in parallel, in stripe order.
        let mut fetched = Vec::with_capacity(manifest.stripes.len());
        for (stripe, record) in manifest.stripes.iter().enumerate() {
            let shard_len = erasure.shard_len(record.sealed_len);
            fetched.push(collect_valid(manifest, stripe, shard_len, source)?);
        }
        let opened: Vec<Result<Vec<u8>, EngineError>> = fetched
            .into_par_iter()
            .enumerate()
            .map(|(stripe, mut shards)| {
                let record = &manifest.stripes[stripe];
                let mut sealed = erasure.decode(&mut shards, record.sealed_len);
                let key = &keys[manifest.key_index(stripe)];
                let context = StripeContext {
                    backup_id: &manifest.backup_id,
                    stripe,
                    key_id: key.id(),
                };
                seal::open(manifest.algorithm, key, &context, &mut sealed)?;
                Ok(sealed)
            })
            .collect();

        let capacity = usize::try_from(manifest.stored_len).unwrap_or(usize::MAX);
        let mut stored = Vec::with_capacity(capacity);
        for stripe in opened {
            stored.extend_from_slice(&stripe?);
        }

        let pack_len = usize::try_from(manifest.pack_len).unwrap_or(usize::MAX);
        compress::decompress(stored, manifest.compression, pack_len, &manifest.backup_id)
    }
}

/// Rebuilds a backup's plaintext from its pack and the packs of the backups it
/// references, keyed by backup id, then checks every chunk and the whole plaintext
/// against the manifest.
///
/// # Errors
///
/// [`EngineError::MissingLink`] naming the first referenced backup whose pack is absent;
/// [`EngineError::ChecksumMismatch`] when a chunk or the plaintext does not match.
pub fn assemble(
    manifest: &Manifest,
    packs: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, EngineError> {
    let own = packs
        .get(&manifest.backup_id)
        .ok_or_else(|| EngineError::MissingLink {
            backup_id: manifest.backup_id.clone(),
            missing: manifest.backup_id.clone(),
        })?;
    let mismatch = || EngineError::ChecksumMismatch {
        backup_id: manifest.backup_id.clone(),
    };

    let plaintext = if manifest.chunks.is_empty() {
        own.clone()
    } else {
        let capacity = usize::try_from(manifest.plaintext_len).unwrap_or(usize::MAX);
        let mut plaintext = Vec::with_capacity(capacity);
        for chunk in &manifest.chunks {
            let holder = chunk.pack.as_deref().unwrap_or(&manifest.backup_id);
            let pack = packs.get(holder).ok_or_else(|| EngineError::MissingLink {
                backup_id: manifest.backup_id.clone(),
                missing: holder.to_string(),
            })?;
            let start = usize::try_from(chunk.offset).map_err(|_| mismatch())?;
            let len = usize::try_from(chunk.len).map_err(|_| mismatch())?;
            let bytes = pack.get(start..start + len).ok_or_else(mismatch)?;
            if Digest::of(bytes) != chunk.id {
                return Err(mismatch());
            }
            plaintext.extend_from_slice(bytes);
        }
        plaintext
    };

    if Digest::of(&plaintext) != manifest.plaintext_blake3 {
        return Err(mismatch());
    }
    Ok(plaintext)
}

/// Checks that the caller's keys are the ones the manifest names, in order.
fn check_keys(manifest: &Manifest, keys: &[DataKey]) -> Result<(), EngineError> {
    let ids_match = keys.len() == manifest.key_ids.len()
        && keys
            .iter()
            .zip(&manifest.key_ids)
            .all(|(key, id)| key.id() == *id);
    if ids_match && !keys.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Authentication)
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
