//! The manifest: everything needed to find, verify and open a backup's shards, except
//! the key.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::compress::Compression;
use crate::error::EngineError;
use crate::params::CodingParams;
use crate::seal::{Algorithm, DataKey, KeyId, TAG_LEN};

/// Context string that separates the manifest MAC key from other derivations.
const MAC_CONTEXT: &str = "shardsim 2026 manifest mac";

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

/// Relation of a backup to earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    /// Self-contained, and the base of later differentials.
    Full,
    /// Stores only chunks that its parent chain lacks; the parent is the newest backup
    /// of the chain.
    Incremental,
    /// Stores only chunks that the newest full backup lacks.
    Differential,
    /// Self-contained point-in-time copy that is never chosen as a parent.
    Snapshot,
}

impl BackupKind {
    /// Whether the kind stores every chunk itself.
    pub fn is_self_contained(self) -> bool {
        matches!(self, Self::Full | Self::Snapshot)
    }
}

impl std::str::FromStr for BackupKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "full" => Ok(Self::Full),
            "incremental" => Ok(Self::Incremental),
            "differential" => Ok(Self::Differential),
            "snapshot" => Ok(Self::Snapshot),
            _ => Err(format!(
                "unknown backup kind {text:?}: use full, incremental, differential or snapshot"
            )),
        }
    }
}

impl std::fmt::Display for BackupKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Full => "full",
            Self::Incremental => "incremental",
            Self::Differential => "differential",
            Self::Snapshot => "snapshot",
        })
    }
}

/// One content-defined chunk of the plaintext, and where its bytes are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkRef {
    /// BLAKE3 digest of the chunk's bytes.
    pub id: Digest,
    /// Length in bytes.
    pub len: u64,
    /// Backup whose pack holds the bytes; absent for this backup's own pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
    /// Offset of the bytes in that pack.
    pub offset: u64,
}

/// Locations of known chunks, built from the manifests of a backup chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkIndex {
    locations: BTreeMap<Digest, (String, u64)>,
}

impl ChunkIndex {
    /// Adds every chunk a manifest references; earlier entries win.
    pub fn add(&mut self, manifest: &Manifest) {
        for chunk in &manifest.chunks {
            let pack = chunk
                .pack
                .clone()
                .unwrap_or_else(|| manifest.backup_id.clone());
            self.locations
                .entry(chunk.id)
                .or_insert((pack, chunk.offset));
        }
    }

    /// The pack and offset that hold chunk `id`, if known.
    pub fn get(&self, id: &Digest) -> Option<(&str, u64)> {
        self.locations
            .get(id)
            .map(|(pack, offset)| (pack.as_str(), *offset))
    }

    pub(crate) fn insert_own(&mut self, id: Digest, offset: u64) {
        self.locations.insert(id, (String::new(), offset));
    }

    /// Number of distinct chunks.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    /// Whether no chunk is known.
    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }
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
    pub algorithm: Algorithm,
    /// Storage form of the pack before sealing.
    pub compression: Compression,
    /// Ids of the data keys, in order; the keys themselves are never written here.
    pub key_ids: Vec<KeyId>,
    /// Stripes sealed under one data key: stripe s uses key `s / key_max_uses`.
    pub key_max_uses: u64,
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
    /// Length of this backup's pack: the chunks it stores, before compression. Without
    /// chunks the pack is the plaintext.
    pub pack_len: u64,
    /// Length of the pack as sealed, after compression.
    pub stored_len: u64,
    /// The plaintext's chunks in order; empty when the backup is not chunked.
    pub chunks: Vec<ChunkRef>,
    /// The stripes in order.
    pub stripes: Vec<StripeRecord>,
    /// Keyed BLAKE3 of the manifest with this field empty, under a key derived from the
    /// first data key; a changed byte anywhere else fails the check.
    pub mac: String,
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

    /// Index of the data key that seals stripe `stripe`.
    pub fn key_index(&self, stripe: usize) -> usize {
        usize::try_from(stripe as u64 / self.key_max_uses.max(1)).unwrap_or(usize::MAX)
    }

    /// Number of data keys a backup of `stripes` stripes needs.
    pub fn keys_needed(stripes: usize, key_max_uses: u64) -> usize {
        usize::try_from((stripes as u64).div_ceil(key_max_uses.max(1))).unwrap_or(usize::MAX)
    }

    /// Other backups whose packs hold chunks of this one, in first-use order.
    pub fn referenced_packs(&self) -> Vec<&str> {
        let mut packs: Vec<&str> = Vec::new();
        for pack in self.chunks.iter().filter_map(|chunk| chunk.pack.as_deref()) {
            if !packs.contains(&pack) {
                packs.push(pack);
            }
        }
        packs
    }

    fn compute_mac(&self, key: &DataKey) -> String {
        let mut unsigned = self.clone();
        unsigned.mac.clear();
        let mac_key = blake3::derive_key(MAC_CONTEXT, key.material());
        blake3::keyed_hash(&mac_key, unsigned.to_json().as_bytes())
            .to_hex()
            .to_string()
    }

    /// Sets the MAC under the backup's first data key.
    pub(crate) fn seal_mac(&mut self, key: &DataKey) {
        self.mac = self.compute_mac(key);
    }

    /// Checks the MAC under the backup's first data key.
    ///
    /// # Errors
    ///
    /// [`EngineError::Authentication`] when any field was changed.
    pub fn verify_mac(&self, key: &DataKey) -> Result<(), EngineError> {
        let expected = self.compute_mac(key);
        let matches = blake3::Hash::from_hex(&expected)
            .ok()
            .zip(blake3::Hash::from_hex(&self.mac).ok())
            .is_some_and(|(expected, stored)| expected == stored);
        if matches {
            Ok(())
        } else {
            Err(EngineError::Authentication)
        }
    }

    /// Checks that the stripes agree with the coding parameters and stored length.
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

        let stored_len = usize::try_from(self.stored_len).unwrap_or(usize::MAX);
        let expected_stripes = params.stripes_for(stored_len);
        if self.stripes.len() != expected_stripes || carried != self.stored_len {
            return Err(invalid(format!(
                "{} stripes carry {carried} bytes, but the pack stores {} bytes in \
                 {expected_stripes} stripes",
                self.stripes.len(),
                self.stored_len
            )));
        }
        if self.key_ids.len() != Self::keys_needed(self.stripes.len(), self.key_max_uses) {
            return Err(invalid(format!(
                "{} key ids for {} stripes at {} stripes per key",
                self.key_ids.len(),
                self.stripes.len(),
                self.key_max_uses
            )));
        }
        let chunked_len: u64 = self.chunks.iter().map(|chunk| chunk.len).sum();
        if !self.chunks.is_empty() && chunked_len != self.plaintext_len {
            return Err(invalid(format!(
                "chunks cover {chunked_len} bytes of a {}-byte plaintext",
                self.plaintext_len
            )));
        }
        if self.chunks.is_empty() && self.pack_len != self.plaintext_len {
            return Err(invalid(format!(
                "an unchunked pack of {} bytes holds a {}-byte plaintext",
                self.pack_len, self.plaintext_len
            )));
        }
        Ok(params)
    }
}
