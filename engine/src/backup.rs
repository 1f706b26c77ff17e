//! Creating a backup: chunk, compress, seal each stripe, erasure-code it and hash every
//! shard.

use rand::CryptoRng;

use crate::chunking::ChunkingParams;
use crate::compress::{self, Compression};
use crate::erasure::Erasure;
use crate::error::EngineError;
use crate::manifest::{BackupKind, ChunkIndex, ChunkRef, Digest, Manifest, StripeRecord};
use crate::params::CodingParams;
use crate::seal::{self, Algorithm, DataKey, StripeContext};

/// Default maximum backup size, 10 GiB.
pub const DEFAULT_MAX_BACKUP_BYTES: u64 = 10 << 30;

/// Default number of stripes one data key seals before the next key takes over.
pub const DEFAULT_KEY_MAX_USES: u64 = 10_000;

/// A backup fresh from the engine: its manifest, its data keys and its shards.
///
/// `shards[i]` is shard `i` of the backup, numbered stripe by stripe: shard `j` of stripe
/// `s` has index `s * n + j`.
#[derive(Debug)]
pub struct CreatedBackup {
    /// The manifest to store beside the shards.
    pub manifest: Manifest,
    /// The data keys, in the order of `manifest.key_ids`; the caller wraps or keeps them,
    /// because the manifest holds only their ids.
    pub keys: Vec<DataKey>,
    /// Every shard, in index order.
    pub shards: Vec<Vec<u8>>,
}

/// The reference engine for one configuration.
///
/// It keeps its Reed-Solomon codec so that the coding matrices are built once. It reads
/// neither a clock nor an OS generator: callers pass both in.
#[derive(Debug)]
pub struct Engine {
    pub(crate) params: CodingParams,
    pub(crate) erasure: Erasure,
    algorithm: Algorithm,
    compression_level: Option<i32>,
    key_max_uses: u64,
    max_backup_bytes: u64,
    chunking: ChunkingParams,
}

/// Builds an [`Engine`] with options other than the defaults.
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    params: CodingParams,
    algorithm: Algorithm,
    compression_level: Option<i32>,
    key_max_uses: u64,
    max_backup_bytes: u64,
    chunking: ChunkingParams,
}

impl EngineBuilder {
    /// Sets the AEAD; ChaCha20-Poly1305 by default.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the zstd level, or `None` to never compress; level 1 by default.
    pub fn compression(mut self, level: Option<i32>) -> Self {
        self.compression_level = level;
        self
    }

    /// Sets how many stripes one data key seals; 10,000 by default.
    pub fn key_max_uses(mut self, uses: u64) -> Self {
        self.key_max_uses = uses;
        self
    }

    /// Sets the largest plaintext accepted; 10 GiB by default.
    pub fn max_backup_bytes(mut self, bytes: u64) -> Self {
        self.max_backup_bytes = bytes;
        self
    }

    /// Sets the chunk size bounds of chunked backups.
    pub fn chunking(mut self, chunking: ChunkingParams) -> Self {
        self.chunking = chunking;
        self
    }

    /// Validates the options and builds the engine.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidOption`] for a zero key use limit or a zstd level outside
    /// 1 to 22; [`EngineError::InvalidChunking`] for bad chunk bounds.
    pub fn build(self) -> Result<Engine, EngineError> {
        if self.key_max_uses == 0 {
            return Err(EngineError::InvalidOption {
                option: "key_max_uses",
                value: "0".to_string(),
                reason: "a data key must seal at least one stripe".to_string(),
            });
        }
        if let Some(level) = self.compression_level
            && !(1..=22).contains(&level)
        {
            return Err(EngineError::InvalidOption {
                option: "compression level",
                value: level.to_string(),
                reason: "zstd levels run from 1 to 22".to_string(),
            });
        }
        self.chunking.validate()?;
        Ok(Engine {
            erasure: Erasure::new(&self.params),
            params: self.params,
            algorithm: self.algorithm,
            compression_level: self.compression_level,
            key_max_uses: self.key_max_uses,
            max_backup_bytes: self.max_backup_bytes,
            chunking: self.chunking,
        })
    }
}

/// What to back up against: the kind, its parent and the chunks the parent chain holds.
#[derive(Debug, Clone, Copy)]
pub struct BackupPlan<'a> {
    /// The kind recorded in the manifest.
    pub kind: BackupKind,
    /// Id of the parent backup, for incrementals and differentials.
    pub parent: Option<&'a str>,
    /// Chunks already stored by the parent chain; they are referenced, not stored again.
    pub known_chunks: Option<&'a ChunkIndex>,
}

impl Engine {
    /// An engine with default options: ChaCha20-Poly1305, zstd level 1, 10,000 stripes
    /// per data key, backups up to 10 GiB.
    pub fn new(params: CodingParams) -> Self {
        Self::builder(params)
            .build()
            .expect("the default options are valid")
    }

    /// A builder starting from the defaults of [`Engine::new`].
    pub fn builder(params: CodingParams) -> EngineBuilder {
        EngineBuilder {
            params,
            algorithm: Algorithm::default(),
            compression_level: Some(1),
            key_max_uses: DEFAULT_KEY_MAX_USES,
            max_backup_bytes: DEFAULT_MAX_BACKUP_BYTES,
            chunking: ChunkingParams::default(),
        }
    }

    /// The coding parameters of new backups.
    pub fn params(&self) -> &CodingParams {
        &self.params
    }

    /// Creates a full, unchunked backup of `plaintext` at `created_unix_s`, drawing its
    /// data keys from `rng`.
    ///
    /// # Errors
    ///
    /// [`EngineError::BackupTooLarge`] over the configured maximum size.
    pub fn create<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        created_unix_s: u64,
        rng: &mut R,
    ) -> Result<CreatedBackup, EngineError> {
        self.check_size(plaintext)?;
        let pack = std::borrow::Cow::Borrowed(plaintext);
        let header = Header {
            kind: BackupKind::Full,
            parent: None,
            plaintext,
            chunks: Vec::new(),
        };
        Ok(self.seal_pack(header, pack, created_unix_s, rng))
    }

    /// Creates a chunked backup: the plaintext is cut into content-defined chunks, and
    /// only chunks absent from `plan.known_chunks` are stored in this backup's pack.
    ///
    /// # Errors
    ///
    /// [`EngineError::BackupTooLarge`] over the configured maximum size.
    pub fn create_chunked<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        plan: BackupPlan<'_>,
        created_unix_s: u64,
        rng: &mut R,
    ) -> Result<CreatedBackup, EngineError> {
        self.check_size(plaintext)?;
        let mut own = ChunkIndex::default();
        let mut pack = Vec::new();
        let mut chunks = Vec::new();

        for range in self.chunking.split(plaintext) {
            let bytes = &plaintext[range];
            let id = Digest::of(bytes);
            let known = plan.known_chunks.and_then(|index| index.get(&id));
            let (pack_id, offset) = match (known, own.get(&id)) {
                (Some((holder, offset)), _) => (Some(holder.to_string()), offset),
                (None, Some((_, offset))) => (None, offset),
                (None, None) => {
                    let offset = pack.len() as u64;
                    pack.extend_from_slice(bytes);
                    own.insert_own(id, offset);
                    (None, offset)
                }
            };
            chunks.push(ChunkRef {
                id,
                len: bytes.len() as u64,
                pack: pack_id,
                offset,
            });
        }

        let header = Header {
            kind: plan.kind,
            parent: plan.parent,
            plaintext,
            chunks,
        };
        Ok(self.seal_pack(header, std::borrow::Cow::Owned(pack), created_unix_s, rng))
    }

    fn check_size(&self, plaintext: &[u8]) -> Result<(), EngineError> {
        let size = plaintext.len() as u64;
        if size > self.max_backup_bytes {
            return Err(EngineError::BackupTooLarge {
                size,
                max: self.max_backup_bytes,
            });
        }
        Ok(())
    }

    /// Compresses, seals and codes a pack, and writes the manifest.
    fn seal_pack<R: CryptoRng + ?Sized>(
        &self,
        header: Header<'_>,
        pack: std::borrow::Cow<'_, [u8]>,
        created_unix_s: u64,
        rng: &mut R,
    ) -> CreatedBackup {
        let pack_len = pack.len() as u64;
        let compressed = self
            .compression_level
            .and_then(|level| compress::compress(&pack, level));
        let (stored, compression) = match &compressed {
            Some(bytes) => (bytes.as_slice(), Compression::Zstd),
            None => (pack.as_ref(), Compression::None),
        };

        let stripe_count = self.params.stripes_for(stored.len());
        let key_count = Manifest::keys_needed(stripe_count, self.key_max_uses);
        let keys: Vec<DataKey> = (0..key_count).map(|_| DataKey::generate(rng)).collect();
        let backup_id = backup_id(created_unix_s, &keys[0]);
        // The plaintext checksum does not feed the stripes, so it is computed alongside.
        let (plaintext_blake3, (stripes, shards)) = rayon::join(
            || Digest::of(header.plaintext),
            || self.seal_stripes(stored, &backup_id, &keys),
        );

        let mut manifest = Manifest {
            backup_id,
            kind: header.kind,
            parent: header.parent.map(str::to_string),
            created_unix_s,
            algorithm: self.algorithm,
            compression,
            key_ids: keys.iter().map(DataKey::id).collect(),
            key_max_uses: self.key_max_uses,
            k: self.params.k(),
            n: self.params.n(),
            shard_size: self.params.shard_size(),
            plaintext_len: header.plaintext.len() as u64,
            plaintext_blake3,
            pack_len,
            stored_len: stored.len() as u64,
            chunks: header.chunks,
            stripes,
            mac: String::new(),
        };
        manifest.seal_mac(&keys[0]);
        CreatedBackup {
            manifest,
            keys,
            shards,
        }
    }

    /// Seals, codes and hashes every stripe. Stripes are independent, so they run in
    /// parallel on rayon's pool; the results are collected in stripe order, so the
    /// output does not depend on scheduling.
    fn seal_stripes(
        &self,
        stored: &[u8],
        backup_id: &str,
        keys: &[DataKey],
    ) -> (Vec<StripeRecord>, Vec<Vec<u8>>) {
        use rayon::prelude::*;

        // An empty pack still yields one stripe, so chunks() alone is not enough.
        let stripe_count = self.params.stripes_for(stored.len());
        let capacity = self.params.stripe_capacity();
        let sealed: Vec<(StripeRecord, Vec<Vec<u8>>)> = (0..stripe_count)
            .into_par_iter()
            .map(|stripe| {
                let start = stripe * capacity;
                let end = (start + capacity).min(stored.len());
                let key = &keys[usize::try_from(stripe as u64 / self.key_max_uses).unwrap_or(0)];
                self.seal_stripe(&stored[start..end], backup_id, stripe, key)
            })
            .collect();

        let mut stripes = Vec::with_capacity(stripe_count);
        let mut shards = Vec::with_capacity(stripe_count * self.params.n());
        for (record, stripe_shards) in sealed {
            stripes.push(record);
            shards.extend(stripe_shards);
        }
        (stripes, shards)
    }

    fn seal_stripe(
        &self,
        bytes: &[u8],
        backup_id: &str,
        stripe: usize,
        key: &DataKey,
    ) -> (StripeRecord, Vec<Vec<u8>>) {
        let mut sealed = Vec::with_capacity(bytes.len() + seal::TAG_LEN);
        sealed.extend_from_slice(bytes);
        let context = StripeContext {
            backup_id,
            stripe,
            key_id: key.id(),
        };
        seal::seal(self.algorithm, key, &context, &mut sealed);

        let shards = self.erasure.encode(&sealed);
        let record = StripeRecord {
            sealed_len: sealed.len(),
            shard_hashes: shards.iter().map(|shard| Digest::of(shard)).collect(),
        };
        (record, shards)
    }
}

/// The manifest fields that come from the plan rather than from sealing.
struct Header<'a> {
    kind: BackupKind,
    parent: Option<&'a str>,
    plaintext: &'a [u8],
    chunks: Vec<ChunkRef>,
}

/// Builds `backup_{unix seconds}_{hash}`, where the hash covers the first data key's
/// id: keys are random, so two backups made in the same second still get distinct ids,
/// and the id is known before the plaintext has been hashed.
fn backup_id(created_unix_s: u64, key: &DataKey) -> String {
    let hash = blake3::hash(String::from(key.id()).as_bytes());
    format!("backup_{created_unix_s}_{}", &hash.to_hex()[..16])
}
