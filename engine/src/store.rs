//! A local store of backups on disk.
//!
//! Layout under the store's root:
//!
//! ```text
//! config/keys.json              KEK record (derivation, salt, check) and wrapped data keys
//! config/store.json             key policy: rotation age and maximum uses
//! metadata/{backup_id}.json     manifests
//! shards/{backup_id}/{name}     shards, named {backup_id}_shard_{index:04}.shard
//! shards/{backup_id}/copy-{j}/  further copies when replication r > 1
//! versions/{backup_id}.json     one record per committed backup
//! ```
//!
//! Every file is written atomically. A backup is committed by its version record,
//! written last: shards and manifest first, so a crash at any moment leaves every earlier
//! backup intact and the unfinished one invisible.

mod atomic;
mod create;
mod error;
mod maintain;
mod restore;

use std::fs;
use std::path::{Path, PathBuf};

use rand::CryptoRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::keys::{Kdf, Kek, KekRecord, WrappedKey};
use crate::manifest::{BackupKind, Manifest};
use crate::seal::{DataKey, KeyId};

pub use create::CreateOptions;
pub use error::StoreError;
pub use restore::{ShardProblem, VerifyReport, inside as path_is_inside};

use error::io_error;

/// When the key-encryption key is due for rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPolicy {
    /// Age in days after which rotation is due; 90 by default.
    pub rotation_days: u64,
    /// Wraps and unwraps under one KEK after which rotation is due, and stripes one data
    /// key seals; 10,000 by default.
    pub max_key_uses: u64,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        Self {
            rotation_days: 90,
            max_key_uses: crate::backup::DEFAULT_KEY_MAX_USES,
        }
    }
}

/// The key file: the KEK's description and every wrapped data key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kek: KekRecord,
    data_keys: Vec<WrappedKey>,
}

/// A committed backup, as `versions/` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRecord {
    /// Position in the store's history: 1 for the first backup, one more for each
    /// later one, so backups made within one second keep their order.
    pub sequence: u64,
    /// The backup's id.
    pub backup_id: String,
    /// Its kind.
    pub kind: BackupKind,
    /// The backup it builds on.
    pub parent: Option<String>,
    /// Creation time, seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// The folder or file that was backed up, as given.
    pub source: String,
    /// Bytes of the archive stream.
    pub plaintext_len: u64,
    /// Bytes this backup stores in its own pack, before compression.
    pub pack_len: u64,
    /// Copies of each shard.
    pub replication: usize,
}

/// Whether `id` has the form `backup_{digits}_{16 lower-case hex digits}`, so that it
/// can name files without leaving the store's folders.
pub fn is_backup_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("backup_") else {
        return false;
    };
    let Some((seconds, hash)) = rest.split_once('_') else {
        return false;
    };
    !seconds.is_empty()
        && seconds.bytes().all(|b| b.is_ascii_digit())
        && hash.len() == 16
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An open store, with its key-encryption key derived from the passphrase.
pub struct Store {
    root: PathBuf,
    /// The store's lock file, held exclusively while the store is open, so that two
    /// processes never interleave their updates of the key file or the history.
    _lock: fs::File,
    kek: Kek,
    data_keys: Vec<WrappedKey>,
    policy: KeyPolicy,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.root.display())
    }
}

impl Store {
    /// Opens the store at `root`, or creates it there with a KEK derived from the
    /// passphrase by `kdf` when it has no key file yet.
    ///
    /// # Errors
    ///
    /// [`crate::EngineError::WrongPassphrase`] for an existing store and another passphrase;
    /// I/O and parse errors naming the file.
    pub fn open_or_create<R: CryptoRng + ?Sized>(
        root: &Path,
        passphrase: &str,
        kdf: Kdf,
        now_unix_s: u64,
        rng: &mut R,
    ) -> Result<Self, StoreError> {
        if keys_path(root).is_file() {
            return Self::open(root, passphrase);
        }
        let lock = lock_store(root)?;
        // Another process may have created the store while this one waited for the lock.
        if keys_path(root).is_file() {
            drop(lock);
            return Self::open(root, passphrase);
        }
        let kek = Kek::create(passphrase, kdf, now_unix_s, rng)?;
        let store = Self {
            root: root.to_path_buf(),
            _lock: lock,
            kek,
            data_keys: Vec::new(),
            policy: KeyPolicy::default(),
        };
        for folder in ["metadata", "shards", "versions", "config"] {
            fs::create_dir_all(root.join(folder)).map_err(io_error(root.join(folder)))?;
        }
        store.save_policy()?;
        store.save_keys()?;
        Ok(store)
    }

    /// Opens an existing store.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAStore`] without a key file; [`crate::EngineError::WrongPassphrase`]
    /// when the passphrase does not derive the store's KEK.
    pub fn open(root: &Path, passphrase: &str) -> Result<Self, StoreError> {
        let path = keys_path(root);
        if !path.is_file() {
            return Err(StoreError::NotAStore {
                path: root.to_path_buf(),
            });
        }
        let lock = lock_store(root)?;
        let key_file: KeyFile = read_json(&path)?;
        let policy = read_json(&root.join("config/store.json"))?;
        let kek = Kek::open(passphrase, &key_file.kek)?;
        Ok(Self {
            root: root.to_path_buf(),
            _lock: lock,
            kek,
            data_keys: key_file.data_keys,
            policy,
        })
    }

    /// The committed backups of the store at `root`, oldest first. Needs no passphrase:
    /// version records hold no secrets.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAStore`], or I/O and parse errors naming the file.
    pub fn list_at(root: &Path) -> Result<Vec<VersionRecord>, StoreError> {
        let (records, mut damaged) = Self::scan_versions(root)?;
        match damaged.pop() {
            Some(error) => Err(error),
            None => Ok(records),
        }
    }

    /// Reads every version record of the store at `root`: the readable ones, oldest
    /// first, and an error for each damaged one, so a listing can show what survives.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAStore`], or an I/O error on the `versions` folder itself.
    pub fn scan_versions(root: &Path) -> Result<(Vec<VersionRecord>, Vec<StoreError>), StoreError> {
        if !keys_path(root).is_file() {
            return Err(StoreError::NotAStore {
                path: root.to_path_buf(),
            });
        }
        let dir = root.join("versions");
        let mut records: Vec<VersionRecord> = Vec::new();
        let mut damaged = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let path = entry.map_err(io_error(&dir))?.path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                match read_json(&path) {
                    Ok(record) => records.push(record),
                    Err(error) => damaged.push(error),
                }
            }
        }
        records.sort_by_key(|record| record.sequence);
        damaged.sort_by_key(|error| error.to_string());
        Ok((records, damaged))
    }

    /// The committed backups, oldest first.
    ///
    /// # Errors
    ///
    /// As [`Store::list_at`].
    pub fn list(&self) -> Result<Vec<VersionRecord>, StoreError> {
        Self::list_at(&self.root)
    }

    /// The key policy.
    pub fn policy(&self) -> KeyPolicy {
        self.policy
    }

    /// Whether the KEK is older than the policy allows or has been used too often.
    pub fn rotation_due(&self, now_unix_s: u64) -> bool {
        let record = self.kek.record();
        let age_days = now_unix_s.saturating_sub(record.created_unix_s) / 86_400;
        age_days >= self.policy.rotation_days || record.uses >= self.policy.max_key_uses
    }

    /// The description of the current KEK.
    pub fn kek_record(&self) -> &KekRecord {
        self.kek.record()
    }

    /// Reads a committed backup's manifest.
    ///
    /// # Errors
    ///
    /// [`StoreError::BackupNotFound`] when no version record has this id.
    pub fn manifest(&self, backup_id: &str) -> Result<Manifest, StoreError> {
        self.version(backup_id)?;
        let path = self.manifest_path(backup_id);
        let text = fs::read_to_string(&path).map_err(io_error(&path))?;
        let manifest = Manifest::from_json(&text).map_err(|error| StoreError::InvalidFile {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        if manifest.backup_id != backup_id {
            return Err(StoreError::InvalidFile {
                path,
                reason: format!("it holds the manifest of {}", manifest.backup_id),
            });
        }
        Ok(manifest)
    }

    /// Reads a committed backup's version record.
    ///
    /// # Errors
    ///
    /// [`StoreError::BackupNotFound`] for an id of the wrong form or without a record.
    pub fn version(&self, backup_id: &str) -> Result<VersionRecord, StoreError> {
        let path = self.version_path(backup_id);
        if !is_backup_id(backup_id) || !path.is_file() {
            return Err(StoreError::BackupNotFound {
                backup_id: backup_id.to_string(),
            });
        }
        read_json(&path)
    }

    /// Unwraps the data keys a manifest names, in its order.
    fn unwrap_keys(&mut self, manifest: &Manifest) -> Result<Vec<DataKey>, StoreError> {
        if manifest.key_ids.is_empty() {
            return Err(crate::EngineError::Authentication.into());
        }
        let mut keys = Vec::with_capacity(manifest.key_ids.len());
        for id in &manifest.key_ids {
            let wrapped = self.wrapped_key(*id)?.clone();
            keys.push(self.kek.unwrap(&wrapped)?);
        }
        Ok(keys)
    }

    fn wrapped_key(&self, id: KeyId) -> Result<&WrappedKey, StoreError> {
        self.data_keys
            .iter()
            .find(|wrapped| wrapped.key_id == id)
            .ok_or_else(|| StoreError::InvalidFile {
                path: keys_path(&self.root),
                reason: format!("it holds no data key with id {id}"),
            })
    }

    fn save_keys(&self) -> Result<(), StoreError> {
        let file = KeyFile {
            kek: self.kek.record().clone(),
            data_keys: self.data_keys.clone(),
        };
        write_json(&keys_path(&self.root), &file)
    }

    fn save_policy(&self) -> Result<(), StoreError> {
        write_json(&self.root.join("config/store.json"), &self.policy)
    }

    fn manifest_path(&self, backup_id: &str) -> PathBuf {
        self.root.join("metadata").join(format!("{backup_id}.json"))
    }

    fn version_path(&self, backup_id: &str) -> PathBuf {
        self.root.join("versions").join(format!("{backup_id}.json"))
    }

    /// Folder of copy `copy` of a backup's shards; copy 0 is the primary.
    fn shard_dir(&self, backup_id: &str, copy: usize) -> PathBuf {
        let base = self.root.join("shards").join(backup_id);
        if copy == 0 {
            base
        } else {
            base.join(format!("copy-{copy}"))
        }
    }
}

/// Opens the store's lock file and waits for an exclusive lock on it.
fn lock_store(root: &Path) -> Result<fs::File, StoreError> {
    let config = root.join("config");
    fs::create_dir_all(&config).map_err(io_error(&config))?;
    let path = config.join("lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    file.lock().map_err(io_error(&path))?;
    Ok(file)
}

fn keys_path(root: &Path) -> PathBuf {
    root.join("config/keys.json")
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, StoreError> {
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    serde_json::from_str(&text).map_err(|error| StoreError::InvalidFile {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let text = serde_json::to_string_pretty(value).map_err(|error| StoreError::InvalidFile {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
    atomic::write_atomic(path, text.as_bytes())
}
