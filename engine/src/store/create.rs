//! Creating a backup in the store: choose the parent, run the engine, write the shards,
//! the manifest and finally the version record.

use std::fs;

use rand::CryptoRng;

use super::error::{StoreError, io_error};
use super::{Store, VersionRecord, atomic, write_json};
use crate::backup::{BackupPlan, Engine};
use crate::manifest::{BackupKind, ChunkIndex, Manifest};
use crate::params::CodingParams;
use crate::seal::Algorithm;

/// Options of one backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// Full, incremental, differential or snapshot.
    pub kind: BackupKind,
    /// Parent to build on; by default the newest suitable backup.
    pub parent: Option<String>,
    /// Erasure coding and shard size.
    pub coding: CodingParams,
    /// Copies of each shard, at least 1.
    pub replication: usize,
    /// The AEAD.
    pub algorithm: Algorithm,
    /// Largest plaintext accepted.
    pub max_backup_bytes: u64,
    /// The folder or file backed up, recorded in the version record.
    pub source: String,
}

impl Store {
    /// Backs up `plaintext` (normally an archive from [`crate::pack_folder`]) and commits
    /// it. `progress` is called with the shards written so far and their total.
    ///
    /// # Errors
    ///
    /// [`StoreError::NoParent`] or [`StoreError::InvalidParent`] when an incremental or
    /// differential backup has nothing suitable to build on; engine errors for invalid
    /// options or an oversized backup; I/O errors naming the file.
    pub fn create_backup<R: CryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        options: &CreateOptions,
        now_unix_s: u64,
        rng: &mut R,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Manifest, StoreError> {
        if options.replication == 0 {
            return Err(crate::EngineError::InvalidOption {
                option: "replication r",
                value: "0".to_string(),
                reason: "store at least one copy of each shard".to_string(),
            }
            .into());
        }
        let parent = self.choose_parent(options)?;
        let index = match &parent {
            Some(parent) => self.chain_index(parent)?,
            None => ChunkIndex::default(),
        };

        let engine = Engine::builder(options.coding)
            .algorithm(options.algorithm)
            .key_max_uses(self.policy.max_key_uses)
            .max_backup_bytes(options.max_backup_bytes)
            .build()?;
        let plan = BackupPlan {
            kind: options.kind,
            parent: parent.as_deref(),
            known_chunks: parent.is_some().then_some(&index),
        };
        let created = engine.create_chunked(plaintext, plan, now_unix_s, rng)?;
        let manifest = created.manifest;

        // Keys first: a crash after this leaves unused wrapped keys, never a backup whose
        // keys are lost.
        for (key, stripes) in created.keys.iter().zip(stripes_per_key(&manifest)) {
            let wrapped = self.kek.wrap(key, stripes, rng);
            self.data_keys.push(wrapped);
        }
        self.save_keys()?;

        self.write_shards(&manifest, &created.shards, options.replication, progress)?;
        atomic::write_atomic(
            &self.manifest_path(&manifest.backup_id),
            manifest.to_json().as_bytes(),
        )?;
        let sequence = versions_max_sequence(&self.list()?) + 1;
        let record = VersionRecord {
            sequence,
            backup_id: manifest.backup_id.clone(),
            kind: manifest.kind,
            parent: manifest.parent.clone(),
            created_unix_s: manifest.created_unix_s,
            source: options.source.clone(),
            plaintext_len: manifest.plaintext_len,
            pack_len: manifest.pack_len,
            replication: options.replication,
        };
        write_json(&self.version_path(&manifest.backup_id), &record)?;
        Ok(manifest)
    }

    /// The parent a new backup builds on, checked against its kind.
    fn choose_parent(&self, options: &CreateOptions) -> Result<Option<String>, StoreError> {
        let kind = options.kind;
        if kind.is_self_contained() {
            return Ok(None);
        }
        let versions = self.list()?;
        let needs_full = kind == BackupKind::Differential;

        if let Some(parent) = &options.parent {
            let record = versions
                .iter()
                .find(|record| record.backup_id == *parent)
                .ok_or_else(|| StoreError::BackupNotFound {
                    backup_id: parent.clone(),
                })?;
            let reason = match record.kind {
                BackupKind::Snapshot => Some("snapshots are never parents"),
                BackupKind::Full => None,
                _ if needs_full => Some("a differential builds on a full backup"),
                _ => None,
            };
            if let Some(reason) = reason {
                return Err(StoreError::InvalidParent {
                    parent: parent.clone(),
                    kind: kind.to_string(),
                    reason,
                });
            }
            return Ok(Some(parent.clone()));
        }

        versions
            .iter()
            .rev()
            .find(|record| match record.kind {
                BackupKind::Snapshot => false,
                BackupKind::Full => true,
                _ => !needs_full,
            })
            .map(|record| Some(record.backup_id.clone()))
            .ok_or(StoreError::NoParent {
                kind: match kind {
                    BackupKind::Incremental => "an incremental".to_string(),
                    other => format!("a {other}"),
                },
                needs: if needs_full {
                    "a full backup"
                } else {
                    "a full, incremental or differential backup"
                },
            })
    }

    /// Where the chunks of `parent`'s plaintext are stored. The parent's chunk list
    /// already points into every pack of its chain, so its manifest alone suffices.
    fn chain_index(&mut self, parent: &str) -> Result<ChunkIndex, StoreError> {
        let manifest = self.manifest(parent)?;
        // The chunk list is trusted only once the parent's MAC holds.
        let keys = self.unwrap_keys(&manifest)?;
        manifest.verify_mac(&keys[0])?;
        let mut index = ChunkIndex::default();
        index.add(&manifest);
        Ok(index)
    }

    fn write_shards(
        &self,
        manifest: &Manifest,
        shards: &[Vec<u8>],
        replication: usize,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), StoreError> {
        let total = (shards.len() * replication) as u64;
        let mut written = 0;
        for copy in 0..replication {
            let dir = self.shard_dir(&manifest.backup_id, copy);
            fs::create_dir_all(&dir).map_err(io_error(&dir))?;
            for (index, shard) in shards.iter().enumerate() {
                atomic::write_atomic(&dir.join(manifest.shard_name(index)), shard)?;
                written += 1;
                progress(written, total);
            }
        }
        Ok(())
    }
}

/// Stripes each of the manifest's data keys seals.
fn stripes_per_key(manifest: &Manifest) -> Vec<u64> {
    let stripes = manifest.stripes.len() as u64;
    (0..manifest.key_ids.len() as u64)
        .map(|key| {
            let first = key * manifest.key_max_uses;
            (stripes - first).min(manifest.key_max_uses)
        })
        .collect()
}

fn versions_max_sequence(versions: &[VersionRecord]) -> u64 {
    versions
        .iter()
        .map(|record| record.sequence)
        .max()
        .unwrap_or(0)
}
