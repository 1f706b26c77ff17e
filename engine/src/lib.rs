//! The reference engine of shardsim: it cuts a backup into content-defined chunks,
//! compresses the new ones with zstd when that pays, seals the result with
//! ChaCha20-Poly1305 or AES-256-GCM under per-backup data keys, splits it into stripes
//! of k data shards plus n - k Reed-Solomon parity shards, hashes every shard with
//! BLAKE3 into an authenticated JSON manifest, and restores the exact bytes from any k
//! verified shards of each stripe. Data keys are wrapped under a key-encryption key
//! derived from a passphrase, and a local [`Store`] keeps backups on disk.
//!
//! The engine reads no clock and no OS generator: the caller passes the creation time
//! and a cryptographically secure generator. The simulator passes virtual time and a
//! seeded stream, which makes every run reproducible.
//!
//! Modules: `params` (k, n and shard size), `chunking` (FastCDC), `compress` (zstd),
//! `seal` (AEADs and data keys), `keys` (passphrase-derived key wrapping), `erasure`
//! (Reed-Solomon), `manifest` (the JSON record), `backup` (create), `restore`,
//! `archive` (folders as tar streams) and `store` (the on-disk layout).
//!
//! ```
//! use rand::SeedableRng;
//! use shardsim_engine::{CodingParams, Engine};
//!
//! let engine = Engine::new(CodingParams::new(3, 5, 4096)?);
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let backup = engine.create(b"family photos", 1_767_225_600, &mut rng)?;
//!
//! // Lose two of the five shards: any three still restore the bytes.
//! let mut source = |index: usize| (index >= 2).then(|| backup.shards[index].clone());
//! let restored = engine.restore(&backup.manifest, &backup.keys, &mut source)?;
//! assert_eq!(restored, b"family photos");
//! # Ok::<(), shardsim_engine::EngineError>(())
//! ```

#![deny(missing_docs)]

mod archive;
mod backup;
mod chunking;
mod compress;
mod erasure;
mod error;
mod hex;
mod keys;
mod manifest;
mod params;
mod restore;
mod seal;
mod store;

pub use archive::{pack_folder, unpack_archive};
pub use backup::{
    BackupPlan, CreatedBackup, DEFAULT_KEY_MAX_USES, DEFAULT_MAX_BACKUP_BYTES, Engine,
    EngineBuilder,
};
pub use chunking::ChunkingParams;
pub use compress::{Compression, MIN_GAIN_PERCENT};
pub use error::EngineError;
pub use keys::{Kdf, Kek, KekRecord, WrappedKey};
pub use manifest::{BackupKind, ChunkIndex, ChunkRef, Digest, Manifest, StripeRecord};
pub use params::{CodingParams, MAX_TOTAL_SHARDS, MIN_SHARD_SIZE};
pub use restore::{ShardSource, assemble};
pub use seal::{Algorithm, DataKey, KeyId, TAG_LEN};
pub use store::{
    CreateOptions, KeyPolicy, ShardProblem, Store, StoreError, VerifyReport, VersionRecord,
    is_backup_id, path_is_inside,
};
