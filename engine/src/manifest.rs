//! The manifest: everything needed to find, verify and open a backup's shards, except
//! the key.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::params::CodingParams;
use crate::seal::{KeyId, TAG_LEN};

/// A BLAKE3 digest, written as 64 hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Digest([u8; 32]);

impl Digest {
    /// Hashes `bytes` with BLAKE3.
    pub fn of(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::hex::encode(&self.0))
    }
}

impl From<Digest> for String {
    fn from(digest: Digest) -> Self {
        digest.to_string()
    }
}

impl TryFrom<String> for Digest {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        crate::hex::decode::<32>(&text)
            .map(Self)
            .ok_or_else(|| format!("digest {text:?} is not 64 hexadecimal digits"))
    }
}

/// How a backup relates to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BackupKind {
    /// A self-contained backup.
    Full,
}

/// One stripe: its sealed length and the hash of each of its n shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeRecord {
    /// Bytes of ciphertext plus tag carried by the stripe, before zero padding.
    pub sealed_len: usize,
    /// BLAKE3 digest of each shard, data shards first, then parity.
    pub shard_hashes: Vec<Digest>,
}

/// The description of one backup, stored as JSON beside its shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Id of the form `backup_{unix seconds}_{16 hex digits}`.
    pub backup_id: String,
    /// Full, incremental, differential or snapshot.
    pub kind: BackupKind,
    /// The backup this one builds on, if any.
    pub parent: Option<String>,
    /// Creation time in seconds since the Unix epoch, from the caller's clock.
    pub created_unix_s: u64,
    /// The AEAD algorithm that sealed the stripes.
    pub algorithm: String,
    /// Id of the data key; the key itself is never written here.
    pub key_id: KeyId,
    /// Data shards per stripe.
    pub k: usize,
    /// Total shards per stripe.
    pub n: usize,
    /// Shard size of a full stripe, in bytes.
    pub shard_size: usize,
    /// Length of the original bytes.
    pub plaintext_len: u64,
    /// BLAKE3 digest of the original bytes, checked after every restore.
    pub plaintext_blake3: Digest,
    /// The stripes in order.
    pub stripes: Vec<StripeRecord>,
}

impl Manifest {
    /// Total number of shards, n for each stripe.
    pub fn shard_count(&self) -> usize {
        self.stripes.len() * self.n
    }

    /// File name of shard `index`, counted across the whole backup.
    pub fn shard_name(&self, index: usize) -> String {
        format!("{}_shard_{index:04}.shard", self.backup_id)
    }

    /// The coding parameters recorded in the manifest.
    ///
    /// # Errors
    ///
    /// The same as [`CodingParams::new`], for a manifest that records invalid values.
    pub fn coding(&self) -> Result<CodingParams, EngineError> {
        CodingParams::new(self.k, self.n, self.shard_size)
    }

    /// Serialises the manifest as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .expect("a manifest has only string keys and plain values")
    }

    /// Parses a manifest from JSON.
    ///
    /// # Errors
    ///
    /// [`EngineError::ManifestJson`] with the parser's message and position.
    pub fn from_json(text: &str) -> Result<Self, EngineError> {
        serde_json::from_str(text).map_err(|error| EngineError::ManifestJson(error.to_string()))
    }

    /// Checks that the stripes agree with the coding parameters and plaintext length.
    ///
    /// # Errors
    ///
    /// [`EngineError::InvalidManifest`] naming the first inconsistency found.
    pub fn check_consistency(&self) -> Result<CodingParams, EngineError> {
        let params = self.coding()?;
        let invalid = |reason: String| EngineError::InvalidManifest {
            backup_id: self.backup_id.clone(),
            reason,
        };

        let mut carried: u64 = 0;
        for (index, stripe) in self.stripes.iter().enumerate() {
            if stripe.shard_hashes.len() != self.n {
                return Err(invalid(format!(
                    "stripe {index} lists {} shard hashes, expected n = {}",
                    stripe.shard_hashes.len(),
                    self.n
                )));
            }
            if stripe.sealed_len < TAG_LEN || stripe.sealed_len > self.k * self.shard_size {
                return Err(invalid(format!(
                    "stripe {index} has sealed length {}, outside {TAG_LEN}..={}",
                    stripe.sealed_len,
                    self.k * self.shard_size
                )));
            }
            carried += (stripe.sealed_len - TAG_LEN) as u64;
        }

        let expected_stripes =
            params.stripes_for(usize::try_from(self.plaintext_len).unwrap_or(usize::MAX));
        if self.stripes.len() != expected_stripes || carried != self.plaintext_len {
            return Err(invalid(format!(
                "{} stripes carry {carried} bytes, but the plaintext has {} bytes in {expected_stripes} stripes",
                self.stripes.len(),
                self.plaintext_len
            )));
        }
        Ok(params)
    }
}
