//! The engine's error type.

use thiserror::Error;

/// Everything that can go wrong while creating or restoring a backup.
///
/// Authentication failures share one opaque variant, [`EngineError::Authentication`], so
/// that an error never reveals which part of a sealed stripe was wrong.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineError {
    /// The erasure-coding parameters are outside what the engine or the coding library
    /// supports.
    #[error("invalid coding parameters k = {k}, n = {n}: {reason}")]
    InvalidCoding {
        /// Data shards per stripe.
        k: usize,
        /// Total shards per stripe.
        n: usize,
        /// Which limit was broken and how to fix it.
        reason: String,
    },

    /// The shard size is zero or too large to index.
    #[error("invalid shard size {shard_size} bytes: it must be at least {min} bytes")]
    InvalidShardSize {
        /// The rejected size in bytes.
        shard_size: usize,
        /// The smallest accepted size in bytes.
        min: usize,
    },

    /// Fewer than k shards of a stripe were available with a matching hash.
    #[error(
        "stripe {stripe} is unrecoverable: found {valid} valid shards of {n} \
         ({corrupt} failed their hash check, {missing} missing), needs {k}"
    )]
    StripeUnrecoverable {
        /// Index of the stripe inside the backup.
        stripe: usize,
        /// Shards that were present and matched their manifest hash.
        valid: usize,
        /// Shards that were present but did not match their manifest hash.
        corrupt: usize,
        /// Shards that the source could not supply.
        missing: usize,
        /// Shards needed to rebuild the stripe.
        k: usize,
        /// Shards the stripe was coded into.
        n: usize,
    },

    /// A sealed stripe failed to open: wrong key, wrong backup or position, or
    /// tampered bytes. The variant carries no detail on purpose.
    #[error("authentication failed: the data key does not open this backup or it was altered")]
    Authentication,

    /// The restored bytes do not match the plaintext checksum in the manifest.
    #[error("restored bytes of {backup_id} do not match the manifest checksum")]
    ChecksumMismatch {
        /// The backup whose restore produced the wrong bytes.
        backup_id: String,
    },

    /// The manifest contradicts itself, for example a stripe whose length does not fit
    /// its shard size.
    #[error("invalid manifest for {backup_id}: {reason}")]
    InvalidManifest {
        /// The backup the manifest describes.
        backup_id: String,
        /// What is inconsistent.
        reason: String,
    },

    /// The manifest could not be serialised or parsed as JSON.
    #[error("manifest JSON is invalid: {0}")]
    ManifestJson(String),

    /// The passphrase does not derive the store's key-encryption key.
    #[error("wrong passphrase: it does not open this store's key-encryption key")]
    WrongPassphrase,

    /// Key derivation parameters are unusable.
    #[error("invalid key derivation: {reason}")]
    InvalidKdf {
        /// What the derivation reported.
        reason: String,
    },

    /// Chunking bounds are outside FastCDC's limits.
    #[error("invalid chunking parameters: {reason}")]
    InvalidChunking {
        /// Which bound is wrong.
        reason: String,
    },

    /// The backup is larger than the configured maximum.
    #[error(
        "backup of {size} bytes exceeds the maximum of {max} bytes; raise the limit or \
         back up less at once"
    )]
    BackupTooLarge {
        /// Size of the plaintext.
        size: u64,
        /// The configured maximum.
        max: u64,
    },

    /// An engine option is out of range.
    #[error("invalid {option} = {value}: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The rejected value.
        value: String,
        /// The accepted range.
        reason: String,
    },

    /// A backup of a chain cannot be restored because a backup it builds on is absent.
    #[error("backup {backup_id} needs {missing}, which is missing from the chain")]
    MissingLink {
        /// The backup being restored.
        backup_id: String,
        /// The absent backup.
        missing: String,
    },
}
