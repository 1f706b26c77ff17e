//! Restoring and verifying backups in the store.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::Store;
use super::error::{StoreError, io_error};
use crate::backup::Engine;
use crate::error::EngineError;
use crate::manifest::{Digest, Manifest};
use crate::params::CodingParams;

/// A shard file that is absent or does not match its manifest hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardProblem {
    /// The shard file's path inside the store.
    pub path: String,
    /// `missing` or `corrupt`.
    pub kind: &'static str,
}

/// What verifying one backup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The backup checked.
    pub backup_id: String,
    /// Every missing or corrupt shard file, copies included.
    pub problems: Vec<ShardProblem>,
    /// Stripes with fewer than k valid shards, each with its valid count.
    pub unrecoverable_stripes: Vec<(usize, usize)>,
    /// Backups whose packs this one needs and which are gone.
    pub missing_links: Vec<String>,
    /// Backups whose packs this one needs and which cannot be restored themselves.
    pub damaged_links: Vec<String>,
    /// Why the backup could not be checked at all, such as a manifest that fails its
    /// MAC or does not parse.
    pub error: Option<String>,
}

impl VerifyReport {
    fn new(backup_id: &str) -> Self {
        Self {
            backup_id: backup_id.to_string(),
            problems: Vec::new(),
            unrecoverable_stripes: Vec::new(),
            missing_links: Vec::new(),
            damaged_links: Vec::new(),
            error: None,
        }
    }

    /// Whether the backup can be restored.
    pub fn restorable(&self) -> bool {
        self.unrecoverable_stripes.is_empty()
            && self.missing_links.is_empty()
            && self.damaged_links.is_empty()
            && self.error.is_none()
    }
}

impl Store {
    /// Restores a backup's exact bytes, with every pack of its chain it needs.
    ///
    /// # Errors
    ///
    /// [`StoreError::BackupNotFound`]; [`EngineError::MissingLink`] naming a backup of the
    /// chain that is gone; [`EngineError::StripeUnrecoverable`] naming the stripe with
    /// too few valid shards; [`EngineError::Authentication`] for altered data.
    pub fn restore_backup(&mut self, backup_id: &str) -> Result<Vec<u8>, StoreError> {
        let manifest = self.manifest(backup_id)?;
        let mut packs = BTreeMap::new();
        packs.insert(manifest.backup_id.clone(), self.restore_pack(&manifest)?);

        for holder in manifest.referenced_packs() {
            let linked = match self.manifest(holder) {
                Ok(linked) => linked,
                Err(StoreError::BackupNotFound { .. }) => {
                    return Err(EngineError::MissingLink {
                        backup_id: backup_id.to_string(),
                        missing: holder.to_string(),
                    }
                    .into());
                }
                Err(other) => return Err(other),
            };
            packs.insert(holder.to_string(), self.restore_pack(&linked)?);
        }
        Ok(crate::restore::assemble(&manifest, &packs)?)
    }

    /// Restores a backup made with [`crate::pack_folder`] into `target`. Everything is
    /// rebuilt and verified in memory first, so a failed restore writes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::TargetNotEmpty`] when `target` holds files and `force` is false;
    /// the errors of [`Store::restore_backup`]; I/O errors naming the path.
    pub fn restore_to(
        &mut self,
        backup_id: &str,
        target: &Path,
        force: bool,
    ) -> Result<(), StoreError> {
        let unsuitable = |reason: &str| StoreError::UnsuitableTarget {
            path: target.to_path_buf(),
            reason: reason.to_string(),
        };
        if !matches!(
            target.components().next_back(),
            Some(std::path::Component::Normal(_))
        ) {
            return Err(unsuitable(
                "it does not end in a folder name, as in restored/docs",
            ));
        }
        if fs::symlink_metadata(target).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(unsuitable(
                "it is a symbolic link; give the folder it points to",
            ));
        }
        if inside(target, &self.root) {
            return Err(unsuitable("it lies inside the store; restore outside it"));
        }
        let is_empty = match fs::read_dir(target) {
            Ok(mut entries) => entries.next().is_none(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => true,
            Err(error) => return Err(io_error(target)(error)),
        };
        if !is_empty && !force {
            return Err(StoreError::TargetNotEmpty {
                path: target.to_path_buf(),
            });
        }
        let archive = self.restore_backup(backup_id)?;
        if !is_empty {
            return crate::archive::unpack_archive(&archive, target).map_err(io_error(target));
        }

        // Unpack beside the target and rename, so the target appears whole or not at all.
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        let staging = tempfile::Builder::new()
            .prefix(".restore-")
            .tempdir_in(&parent)
            .map_err(io_error(&parent))?;
        crate::archive::unpack_archive(&archive, staging.path()).map_err(io_error(target))?;
        if target.exists() {
            fs::remove_dir(target).map_err(io_error(target))?;
        }
        fs::rename(staging.keep(), target).map_err(io_error(target))
    }

    /// Checks every shard of one backup, or of all, against the manifests, and each
    /// manifest's MAC.
    ///
    /// # Errors
    ///
    /// [`StoreError::BackupNotFound`]; [`EngineError::Authentication`] for a manifest whose
    /// MAC fails; I/O errors other than a missing shard.
    pub fn verify(&mut self, backup_id: Option<&str>) -> Result<Vec<VerifyReport>, StoreError> {
        let ids: Vec<String> = match backup_id {
            Some(id) => vec![id.to_string()],
            None => self
                .list()?
                .into_iter()
                .map(|record| record.backup_id)
                .collect(),
        };
        let committed: Vec<String> = self.list()?.into_iter().map(|r| r.backup_id).collect();

        if let Some(id) = backup_id {
            self.version(id)?;
        }

        let mut reports = Vec::new();
        for id in ids {
            let mut report = match self.verify_one(&id) {
                Ok(report) => report,
                Err(error) => {
                    let mut report = VerifyReport::new(&id);
                    report.error = Some(error.to_string());
                    reports.push(report);
                    continue;
                }
            };

            // A backup is only as restorable as the packs of its chain that it reads.
            let manifest = self.manifest(&id)?;
            for holder in manifest.referenced_packs() {
                if !committed.iter().any(|committed| committed == holder) {
                    report.missing_links.push(holder.to_string());
                } else if !self
                    .verify_one(holder)
                    .is_ok_and(|linked| linked.restorable())
                {
                    report.damaged_links.push(holder.to_string());
                }
            }
            reports.push(report);
        }
        Ok(reports)
    }

    /// Checks one backup's MAC and its own shards.
    fn verify_one(&mut self, backup_id: &str) -> Result<VerifyReport, StoreError> {
        let manifest = self.manifest(backup_id)?;
        let keys = self.unwrap_keys(&manifest)?;
        manifest.verify_mac(&keys[0])?;
        self.verify_shards(&manifest)
    }

    fn verify_shards(&self, manifest: &Manifest) -> Result<VerifyReport, StoreError> {
        let copies = self.copy_count(&manifest.backup_id)?;
        let mut report = VerifyReport::new(&manifest.backup_id);
        for (stripe, record) in manifest.stripes.iter().enumerate() {
            let mut valid = 0;
            for (position, hash) in record.shard_hashes.iter().enumerate() {
                let index = stripe * manifest.n + position;
                let mut any_valid = false;
                for copy in 0..copies {
                    let path = self
                        .shard_dir(&manifest.backup_id, copy)
                        .join(manifest.shard_name(index));
                    let kind = match fs::read(&path) {
                        Ok(bytes) if Digest::of(&bytes) == *hash => None,
                        Ok(_) => Some("corrupt"),
                        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                            Some("missing")
                        }
                        Err(error) => return Err(io_error(&path)(error)),
                    };
                    match kind {
                        None => any_valid = true,
                        Some(kind) => report.problems.push(ShardProblem {
                            path: self.relative(&path),
                            kind,
                        }),
                    }
                }
                valid += usize::from(any_valid);
            }
            if valid < manifest.k {
                report.unrecoverable_stripes.push((stripe, valid));
            }
        }
        Ok(report)
    }

    /// Restores one backup's own pack from the first valid copy of each shard.
    fn restore_pack(&mut self, manifest: &Manifest) -> Result<Vec<u8>, StoreError> {
        let keys = self.unwrap_keys(manifest)?;
        let params = CodingParams::new(manifest.k, manifest.n, manifest.shard_size)?;
        let engine = Engine::new(params);
        let copies = self.copy_count(&manifest.backup_id)?;
        let hashes: Vec<&Digest> = manifest
            .stripes
            .iter()
            .flat_map(|s| &s.shard_hashes)
            .collect();

        // The first copy that matches its hash is used; when none does, the first that
        // exists is handed over, so the engine counts the shard as corrupt, not missing.
        let mut source = |index: usize| {
            let mut found = (0..copies).filter_map(|copy| {
                let dir = self.shard_dir(&manifest.backup_id, copy);
                fs::read(dir.join(manifest.shard_name(index))).ok()
            });
            let first = found.next()?;
            if Digest::of(&first) == *hashes[index] {
                return Some(first);
            }
            Some(
                found
                    .find(|bytes| Digest::of(bytes) == *hashes[index])
                    .unwrap_or(first),
            )
        };
        Ok(engine.restore_pack(manifest, &keys, &mut source)?)
    }

    /// Copies of a backup's shards, as its version record states.
    fn copy_count(&self, backup_id: &str) -> Result<usize, StoreError> {
        Ok(self.version(backup_id)?.replication.max(1))
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// Whether `path` lies inside `folder`, comparing the canonical forms of the longest
/// existing prefixes.
pub fn inside(path: &Path, folder: &Path) -> bool {
    let Ok(folder) = folder.canonicalize() else {
        return false;
    };
    let mut probe = path.to_path_buf();
    let mut rest = Vec::new();
    while !probe.exists() {
        match (probe.file_name(), probe.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                probe = if parent.as_os_str().is_empty() {
                    std::path::PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
            }
            _ => return false,
        }
    }
    let Ok(mut resolved) = probe.canonicalize() else {
        return false;
    };
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved.starts_with(&folder)
}
