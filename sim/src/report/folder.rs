//! The report folder: staging beside the destination, then an atomic swap.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::ReportError;

use super::REPORT_FILES;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Rejects a destination that a report must not replace: a path without a folder name
/// of its own (`.` or `..`), a file, a symbolic link, or a folder holding anything but
/// the files of an earlier report.
pub fn check_destination(dir: &Path) -> Result<(), ReportError> {
    let unsuitable = |reason: String| ReportError::Unsuitable {
        path: dir.to_path_buf(),
        reason,
    };
    if !matches!(dir.components().next_back(), Some(Component::Normal(_))) {
        return Err(unsuitable(
            "it does not end in a folder name; name the report folder, as in reports/run1"
                .to_string(),
        ));
    }
    let metadata = match fs::symlink_metadata(dir) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(io_error(dir)(error)),
    };
    if metadata.file_type().is_symlink() {
        return Err(unsuitable(
            "it is a symbolic link; give the folder it points to, or another path".to_string(),
        ));
    }
    if !metadata.is_dir() {
        return Err(unsuitable("it is a file; choose a folder path".to_string()));
    }

    let mut foreign = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map_err(io_error(dir))?.is_file();
        if !(is_file && REPORT_FILES.contains(&name.as_str())) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    Err(unsuitable(format!(
        "it holds {} that a report would delete ({}); move them or choose another --out",
        if foreign.len() == 1 {
            "an entry"
        } else {
            "entries"
        },
        foreign.join(", ")
    )))
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
    /// moved aside first and deleted only after the new one is in place; on any
    /// failure the earlier report is put back and the staging folder removed.
    pub(super) fn commit(self, destination: &Path) -> Result<(), ReportError> {
        let parent = parent_of(destination);
        let retired = if destination.exists() {
            let aside = parent.join(format!(
                ".{}.old-{}",
                file_name(destination),
                file_name(self.dir.path())
            ));
            fs::rename(destination, &aside).map_err(io_error(destination))?;
            Some(aside)
        } else {
            None
        };

        // The staging folder stays owned by its TempDir, which removes it if we return
        // early, until the rename below succeeds.
        if let Err(source) = fs::rename(self.dir.path(), destination) {
            if let Some(aside) = &retired {
                let _ = fs::rename(aside, destination);
            }
            return Err(ReportError::Io {
                path: destination.to_path_buf(),
                source,
            });
        }
        let _ = self.dir.keep();
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
