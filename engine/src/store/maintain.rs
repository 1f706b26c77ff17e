//! Deleting backups and rotating the key-encryption key.

use std::fs;

use rand::CryptoRng;

use super::error::{StoreError, io_error};
use super::{Store, atomic};
use crate::keys::{Kdf, Kek};

impl Store {
    /// Deletes a backup that no other backup builds on.
    ///
    /// The version record goes first, so a crash midway leaves an invisible backup
    /// rather than a visible one with missing shards.
    ///
    /// # Errors
    ///
    /// [`StoreError::HasDependents`] listing the backups that name it as parent or read
    /// chunks from its pack; [`StoreError::BackupNotFound`].
    pub fn delete(&mut self, backup_id: &str) -> Result<(), StoreError> {
        let manifest = self.manifest(backup_id)?;
        let mut dependents = Vec::new();
        for record in self.list()? {
            if record.backup_id == backup_id {
                continue;
            }
            let other = self.manifest(&record.backup_id)?;
            let builds_on = other.parent.as_deref() == Some(backup_id)
                || other.referenced_packs().contains(&backup_id);
            if builds_on {
                dependents.push(record.backup_id);
            }
        }
        if !dependents.is_empty() {
            return Err(StoreError::HasDependents {
                backup_id: backup_id.to_string(),
                dependents,
            });
        }

        let version = self.version_path(backup_id);
        fs::remove_file(&version).map_err(io_error(&version))?;
        atomic::sync_dir(&self.root.join("versions"))?;
        let manifest_path = self.manifest_path(backup_id);
        fs::remove_file(&manifest_path).map_err(io_error(&manifest_path))?;
        let shards = self.shard_dir(backup_id, 0);
        if shards.exists() {
            fs::remove_dir_all(&shards).map_err(io_error(&shards))?;
        }

        self.data_keys
            .retain(|wrapped| !manifest.key_ids.contains(&wrapped.key_id));
        self.save_keys()
    }

    /// Derives a new KEK from `new_passphrase` with a fresh salt and re-wraps every data
    /// key under it. Shards and manifests are untouched, so every backup still restores.
    /// Returns how many data keys were re-wrapped.
    ///
    /// # Errors
    ///
    /// [`crate::EngineError::InvalidKdf`] for unusable parameters; I/O errors. On error
    /// the key file on disk is unchanged.
    pub fn rotate_keys<R: CryptoRng + ?Sized>(
        &mut self,
        new_passphrase: &str,
        kdf: Kdf,
        now_unix_s: u64,
        rng: &mut R,
    ) -> Result<usize, StoreError> {
        let mut next = Kek::create(new_passphrase, kdf, now_unix_s, rng)?;
        let mut rewrapped = Vec::with_capacity(self.data_keys.len());
        for wrapped in &self.data_keys.clone() {
            let key = self.kek.unwrap(wrapped)?;
            rewrapped.push(next.wrap(&key, wrapped.uses, rng));
        }
        let count = rewrapped.len();
        let previous = std::mem::replace(&mut self.kek, next);
        let previous_keys = std::mem::replace(&mut self.data_keys, rewrapped);
        if let Err(error) = self.save_keys() {
            self.kek = previous;
            self.data_keys = previous_keys;
            return Err(error);
        }
        Ok(count)
    }
}
