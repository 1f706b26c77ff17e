//! The reference engine of shardsim: it seals a backup with ChaCha20-Poly1305 under a
//! per-backup data key, cuts it into stripes of k data shards plus n - k Reed-Solomon
//! parity shards, hashes every shard with BLAKE3 into a JSON manifest, and restores the
//! exact bytes from any k verified shards of each stripe.
//!
//! The engine reads no clock and no OS generator: the caller passes the creation time
//! and a cryptographically secure generator. The simulator passes virtual time and a
//! seeded stream, which makes every run reproducible.
//!
//! Modules: `params` (k, n and shard size), `seal` (AEAD and keys), `erasure`
//! (Reed-Solomon), `manifest` (the JSON record), `backup` (create) and `restore`.
//!
//! ```
//! use rand::SeedableRng;
//! use shardsim_engine::{CodingParams, Engine};
//!
//! let engine = Engine::new(CodingParams::new(3, 5, 4096)?);
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let backup = engine.create(b"family photos", 1_767_225_600, &mut rng);
//!
//! // Lose two of the five shards: any three still restore the bytes.
//! let mut source = |index: usize| (index >= 2).then(|| backup.shards[index].clone());
//! let restored = engine.restore(&backup.manifest, &backup.key, &mut source)?;
//! assert_eq!(restored, b"family photos");
//! # Ok::<(), shardsim_engine::EngineError>(())
//! ```

#![deny(missing_docs)]

mod backup;
mod erasure;
mod error;
mod hex;
mod manifest;
mod params;
mod restore;
mod seal;

pub use backup::{CreatedBackup, Engine};
pub use error::EngineError;
pub use manifest::{BackupKind, Digest, Manifest, StripeRecord};
pub use params::{CodingParams, MAX_TOTAL_SHARDS, MIN_SHARD_SIZE};
pub use restore::ShardSource;
pub use seal::{ALGORITHM, DataKey, KeyId, TAG_LEN};
