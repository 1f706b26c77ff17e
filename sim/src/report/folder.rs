//! The report folder: staging beside the destination, then an atomic swap.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::ReportError;

use super::SUMMARY_FILE;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Rejects a destination that exists but is neither empty nor an earlier report.
pub(super) fn check_destination(dir: &Path) -> Result<(), ReportError> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(ReportError::NotAReport {
            path: dir.to_path_buf(),
        });
    }
    let is_empty = fs::read_dir(dir).map_err(io_error(dir))?.next().is_none();
    if is_empty || dir.join(SUMMARY_FILE).is_file() {
        Ok(())
    } else {
        Err(ReportError::NotAReport {
            path: dir.to_path_buf(),
        })
    }
}

/// Writes a file and flushes it to disk before the folder is renamed into place.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let mut file = fs::File::create(path).map_err(io_error(path))?;
    file.write_all(bytes).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// A hidden folder beside the destination; removed again unless committed.
pub(super) struct Staging {
    dir: tempfile::TempDir,
}

impl Staging {
    /// Creates the staging folder in the destination's parent, creating the parent if
    /// needed, so that the final rename stays on one file system.
    pub(super) fn create(destination: &Path) -> Result<Self, ReportError> {
        let parent = parent_of(destination);
        fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{}.partial-", file_name(destination)))
            .tempdir_in(&parent)
            .map_err(io_error(&parent))?;
        Ok(Self { dir })
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Moves the staged files into place. An earlier report at the destination is
    /// moved aside first and deleted only after the new one is in place.
    pub(super) fn commit(self, destination: &Path) -> Result<(), ReportError> {
        let parent = parent_of(destination);
        let staged = self.dir.keep();

        let retired = if destination.exists() {
            let aside = tempfile::Builder::new()
                .prefix(&format!(".{}.old-", file_name(destination)))
                .tempdir_in(&parent)
                .map_err(io_error(&parent))?
                .keep();
            // The empty placeholder reserved a unique name; the old report takes it.
            fs::remove_dir(&aside).map_err(io_error(&aside))?;
            fs::rename(destination, &aside).map_err(io_error(destination))?;
            Some(aside)
        } else {
            None
        };

        if let Err(source) = fs::rename(&staged, destination) {
            if let Some(aside) = &retired {
                // Put the earlier report back so that a failed run loses nothing.
                let _ = fs::rename(aside, destination);
            }
            let _ = fs::remove_dir_all(&staged);
            return Err(ReportError::Io {
                path: destination.to_path_buf(),
                source,
            });
        }
        if let Some(aside) = retired {
            fs::remove_dir_all(&aside).map_err(io_error(&aside))?;
        }
        Ok(())
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_string())
}
