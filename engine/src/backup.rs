//! Creating a backup: seal each stripe, erasure-code it and hash every shard.

use rand::CryptoRng;

use crate::erasure::Erasure;
use crate::manifest::{BackupKind, Digest, Manifest, StripeRecord};
use crate::params::CodingParams;
use crate::seal::{self, ALGORITHM, DataKey, StripeContext};

/// A backup fresh from the engine: its manifest, its data key and its shards.
///
/// `shards[i]` is shard `i` of the backup, numbered stripe by stripe: shard `j` of stripe
/// `s` has index `s * n + j`.
#[derive(Debug)]
pub struct CreatedBackup {
    /// The manifest to store beside the shards.
    pub manifest: Manifest,
    /// The data key; the caller wraps or keeps it, because the manifest holds only its id.
    pub key: DataKey,
    /// Every shard, in index order.
    pub shards: Vec<Vec<u8>>,
}

/// The reference engine for one set of coding parameters.
///
/// It keeps its Reed-Solomon codec so that the coding matrices are built once. It reads
/// neither a clock nor an OS generator: callers pass both in.
#[derive(Debug)]
pub struct Engine {
    pub(crate) params: CodingParams,
    pub(crate) erasure: Erasure,
}

impl Engine {
    /// Builds an engine for the given coding parameters.
    pub fn new(params: CodingParams) -> Self {
        Self {
            erasure: Erasure::new(&params),
            params,
        }
    }

    /// The coding parameters of new backups.
    pub fn params(&self) -> &CodingParams {
        &self.params
    }

    /// Creates a full backup of `plaintext` at `created_unix_s`, drawing its data key
    /// from `rng`.
    pub fn create<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        created_unix_s: u64,
        rng: &mut R,
    ) -> CreatedBackup {
        let key = DataKey::generate(rng);
        let key_id = key.id();
        let plaintext_blake3 = Digest::of(plaintext);
        let backup_id = backup_id(created_unix_s, &key, &plaintext_blake3);

        let n = self.params.n();
        let stripe_count = self.params.stripes_for(plaintext.len());
        let mut stripes = Vec::with_capacity(stripe_count);
        let mut shards = Vec::with_capacity(stripe_count * n);

        // An empty plaintext still yields one stripe, so chunks() alone is not enough.
        let capacity = self.params.stripe_capacity();
        for stripe in 0..stripe_count {
            let start = stripe * capacity;
            let end = (start + capacity).min(plaintext.len());
            let mut sealed = Vec::with_capacity(end - start + seal::TAG_LEN);
            sealed.extend_from_slice(&plaintext[start..end]);
            let context = StripeContext {
                backup_id: &backup_id,
                stripe,
                key_id,
            };
            seal::seal(&key, &context, &mut sealed);

            let stripe_shards = self.erasure.encode(&sealed);
            stripes.push(StripeRecord {
                sealed_len: sealed.len(),
                shard_hashes: stripe_shards
                    .iter()
                    .map(|shard| Digest::of(shard))
                    .collect(),
            });
            shards.extend(stripe_shards);
        }

        let manifest = Manifest {
            backup_id,
            kind: BackupKind::Full,
            parent: None,
            created_unix_s,
            algorithm: ALGORITHM.to_string(),
            key_id,
            k: self.params.k(),
            n,
            shard_size: self.params.shard_size(),
            plaintext_len: plaintext.len() as u64,
            plaintext_blake3,
            stripes,
        };
        CreatedBackup {
            manifest,
            key,
            shards,
        }
    }
}

/// Builds `backup_{unix seconds}_{hash}`, where the hash covers the key id and the
/// plaintext digest, so that two backups of the same bytes still get distinct ids.
fn backup_id(created_unix_s: u64, key: &DataKey, plaintext: &Digest) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&String::from(key.id()).into_bytes());
    hasher.update(plaintext.as_bytes());
    let hash = hasher.finalize();
    format!("backup_{created_unix_s}_{}", &hash.to_hex()[..16])
}
