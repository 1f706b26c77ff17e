//! Atomic file writes: a temporary file in the same folder, flushed to disk, then
//! renamed over the destination, and the folder flushed so the rename survives a crash.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::error::{StoreError, io_error};

/// Writes `bytes` to `path` so that readers see either the old file or the whole new one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir).map_err(io_error(dir))?;

    let mut file = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .map_err(io_error(dir))?;
    file.write_all(bytes).map_err(io_error(path))?;
    file.as_file().sync_all().map_err(io_error(path))?;
    file.persist(path).map_err(|error| StoreError::Io {
        path: path.to_path_buf(),
        source: error.error,
    })?;
    sync_dir(dir)
}

/// Flushes a folder's entries, so renames and removals in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_error(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("sub/file.json");
        write_atomic(&path, b"first").expect("writes");
        write_atomic(&path, b"second").expect("rewrites");
        assert_eq!(fs::read(&path).expect("reads"), b"second");
        let entries = fs::read_dir(dir.path().join("sub")).expect("lists").count();
        assert_eq!(entries, 1);
    }
}
