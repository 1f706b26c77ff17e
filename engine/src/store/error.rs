//! Errors of the local store.

use std::path::PathBuf;

use thiserror::Error;

use crate::error::EngineError;

/// Everything that can go wrong with a store on disk.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The engine rejected an operation.
    #[error(transparent)]
    Engine(#[from] EngineError),

    /// A file or folder operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },

    /// A store file does not parse.
    #[error("{path} is not valid: {reason}")]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },

    /// The folder is not a store.
    #[error(
        "{path} is not a shardsim store (it has no config/keys.json); create a backup there first"
    )]
    NotAStore {
        /// The folder given.
        path: PathBuf,
    },

    /// No committed backup has this id.
    #[error("backup {backup_id} not found; `shardsim backup list` shows the ids")]
    BackupNotFound {
        /// The id given.
        backup_id: String,
    },

    /// An incremental or differential backup has nothing to build on.
    #[error("{kind} backup needs {needs}, and the store has none; create a full backup first")]
    NoParent {
        /// The requested kind with its article, as in `an incremental`.
        kind: String,
        /// What kind of parent it needs.
        needs: &'static str,
    },

    /// The requested parent does not suit the kind.
    #[error("backup {parent} cannot be the parent of a {kind} backup: {reason}")]
    InvalidParent {
        /// The parent given.
        parent: String,
        /// The requested kind.
        kind: String,
        /// Why it does not suit.
        reason: &'static str,
    },

    /// Other backups build on the one to delete.
    #[error("backup {backup_id} cannot be deleted: {} build on it; delete those first", dependents.join(", "))]
    HasDependents {
        /// The backup to delete.
        backup_id: String,
        /// Backups that reference it.
        dependents: Vec<String>,
    },

    /// The restore target cannot take a restore.
    #[error("cannot restore into {path}: {reason}")]
    UnsuitableTarget {
        /// The target given.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },

    /// The restore target holds files.
    #[error("restore target {path} is not empty; choose an empty folder or pass --force")]
    TargetNotEmpty {
        /// The target folder.
        path: PathBuf,
    },
}

/// Wraps an I/O error with its path.
pub(crate) fn io_error(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { path, source }
}
