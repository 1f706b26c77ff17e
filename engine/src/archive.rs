//! A folder as one tar stream: files, sizes, modes, modification times, and symbolic
//! links stored as links. The tar crate writes and reads the format.
//!
//! Entries are added in sorted path order, so the same tree always gives the same
//! stream and content-defined chunking finds the same chunks in unchanged files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Packs the folder or file at `source` into a tar stream, with paths relative to it.
///
/// # Errors
///
/// Any I/O error from reading the tree, with the path that failed in its message.
pub fn pack_folder(source: &Path) -> io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Complete);

    // A symbolic link given as the source is followed, so `backup create link` backs
    // up the folder it names; links inside the tree stay links.
    let metadata = fs::metadata(source).map_err(|error| with_path(error, source))?;
    if metadata.is_dir() {
        for relative in sorted_tree(source)? {
            let full = source.join(&relative);
            builder
                .append_path_with_name(&full, &relative)
                .map_err(|error| with_path(error, &full))?;
        }
    } else {
        let name = source
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("file"));
        builder
            .append_path_with_name(source, name)
            .map_err(|error| with_path(error, source))?;
    }
    builder.into_inner()
}

/// Unpacks a tar stream made by [`pack_folder`] into `target`, creating it if needed,
/// restoring modes and modification times.
///
/// # Errors
///
/// Any I/O error from writing the tree, or a malformed stream.
pub fn unpack_archive(archive: &[u8], target: &Path) -> io::Result<()> {
    fs::create_dir_all(target)?;
    let mut reader = tar::Archive::new(archive);
    reader.set_preserve_permissions(true);
    reader.set_preserve_mtime(true);
    reader.set_overwrite(true);
    reader.unpack(target)?;
    restore_folder_times(archive, target)
}

/// Sets each folder's modification time from the archive, deepest first: unpacking
/// files into a folder changes its time after tar has set it.
fn restore_folder_times(archive: &[u8], target: &Path) -> io::Result<()> {
    let mut folders = Vec::new();
    for entry in tar::Archive::new(archive).entries()? {
        let entry = entry?;
        if entry.header().entry_type().is_dir() {
            let mtime = entry.header().mtime()?;
            folders.push((entry.path()?.into_owned(), mtime));
        }
    }
    for (path, mtime) in folders.into_iter().rev() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
        fs::File::open(target.join(&path))?.set_modified(time)?;
    }
    Ok(())
}

/// Every path below `root`, relative to it, parents before children, siblings sorted.
fn sorted_tree(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = root.join(&relative);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .map_err(|error| with_path(error, &dir))?
            .map(|entry| entry.map(|entry| entry.file_name()))
            .collect::<io::Result<_>>()
            .map_err(|error| with_path(error, &dir))?;
        names.sort();

        // Children are pushed in reverse so that the stack pops them in sorted order.
        let mut subdirs = Vec::new();
        for name in names {
            let child = relative.join(&name);
            let full = root.join(&child);
            let metadata = fs::symlink_metadata(&full).map_err(|error| with_path(error, &full))?;
            let kind = metadata.file_type();
            if !(kind.is_file() || kind.is_dir() || kind.is_symlink()) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is a FIFO, socket or device; only regular files, folders and \
                         symbolic links can be backed up, so move it out of the tree",
                        full.display()
                    ),
                ));
            }
            found.push(child.clone());
            if metadata.is_dir() {
                subdirs.push(child);
            }
        }
        pending.extend(subdirs.into_iter().rev());
    }
    Ok(found)
}

fn with_path(error: io::Error, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_round_trips_with_links_and_modes() {
        let source = tempfile::tempdir().expect("temporary folder");
        let root = source.path();
        fs::create_dir_all(root.join("b/inner")).expect("mkdir");
        fs::write(root.join("a.txt"), b"alpha").expect("write");
        fs::write(root.join("b/inner/c.bin"), [0u8, 1, 2, 255]).expect("write");
        fs::write(root.join("empty"), b"").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::os::unix::fs::symlink("a.txt", root.join("link")).expect("symlink");
            fs::set_permissions(root.join("a.txt"), fs::Permissions::from_mode(0o640))
                .expect("chmod");
        }

        let archive = pack_folder(root).expect("packs");
        assert_eq!(
            pack_folder(root).expect("packs again"),
            archive,
            "deterministic"
        );

        let target = tempfile::tempdir().expect("temporary folder");
        unpack_archive(&archive, target.path()).expect("unpacks");
        let out = target.path();
        assert_eq!(fs::read(out.join("a.txt")).expect("a"), b"alpha");
        assert_eq!(
            fs::read(out.join("b/inner/c.bin")).expect("c"),
            [0u8, 1, 2, 255]
        );
        assert_eq!(fs::read(out.join("empty")).expect("empty"), b"");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let link = fs::read_link(out.join("link")).expect("still a link");
            assert_eq!(link, PathBuf::from("a.txt"));
            let mode = fs::metadata(out.join("a.txt"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o640);
        }
    }

    #[cfg(unix)]
    #[test]
    fn folder_times_survive_and_fifos_are_rejected() {
        let source = tempfile::tempdir().expect("temporary folder");
        fs::create_dir_all(source.path().join("old/inner")).expect("mkdir");
        fs::write(source.path().join("old/inner/f"), b"x").expect("write");
        let past = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_046_660_706);
        fs::File::open(source.path().join("old"))
            .and_then(|folder| folder.set_modified(past))
            .expect("sets time");
        let archive = pack_folder(source.path()).expect("packs");
        let target = tempfile::tempdir().expect("temporary folder");
        unpack_archive(&archive, target.path()).expect("unpacks");
        let restored = fs::metadata(target.path().join("old")).and_then(|meta| meta.modified());
        assert_eq!(restored.expect("time"), past);

        let status = std::process::Command::new("mkfifo")
            .arg(source.path().join("pipe"))
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        let error = pack_folder(source.path()).expect_err("a FIFO is rejected");
        assert!(
            error.to_string().contains("FIFO, socket or device"),
            "{error}"
        );
    }

    #[test]
    fn sorted_tree_lists_parents_first() {
        let source = tempfile::tempdir().expect("temporary folder");
        fs::create_dir_all(source.path().join("z/y")).expect("mkdir");
        fs::write(source.path().join("a"), b"").expect("write");
        fs::write(source.path().join("z/y/x"), b"").expect("write");
        let listed = sorted_tree(source.path()).expect("lists");
        let names: Vec<String> = listed.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(names, vec!["a", "z", "z/y", "z/y/x"]);
    }
}
