//! `shardsim backup`: real folders through the engine and the local store.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::repository;

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs `shardsim backup ARGS` in `dir` with the passphrase in the environment.
fn backup(dir: &Path, args: &[&str]) -> Output {
    backup_with(dir, args, &[("SHARDSIM_PASSPHRASE", PASSPHRASE)])
}

fn backup_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shardsim"));
    command.arg("backup").args(args).current_dir(dir);
    command
        .env_remove("SHARDSIM_PASSPHRASE")
        .env_remove("SHARDSIM_NEW_PASSPHRASE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the shardsim binary starts")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Creates a backup and returns its id.
fn create(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["create"];
    all.extend_from_slice(args);
    let output = backup(dir, &all);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .split_whitespace()
        .nth(1)
        .expect("created line names the id")
        .to_string()
}

/// Every path below `root` with its contents: file bytes or a link target.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("readable") {
            let path = entry.expect("entry").path();
            let relative = path.strip_prefix(root).expect("below root").to_path_buf();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).expect("link");
                found.push((relative, target.display().to_string().into_bytes()));
            } else if meta.is_dir() {
                found.push((relative, b"<dir>".to_vec()));
                pending.push(path);
            } else {
                found.push((relative, fs::read(&path).expect("file")));
            }
        }
    }
    found.sort();
    found
}

/// A folder with text, incompressible bytes, an empty file and a symlink.
fn sample_tree(root: &Path) {
    fs::create_dir_all(root.join("docs/deep")).expect("mkdir");
    fs::write(
        root.join("docs/readme.txt"),
        "shardsim test tree\n".repeat(5000),
    )
    .expect("write");
    let mut noise = vec![0u8; 8_000_000];
    blake3::Hasher::new().finalize_xof().fill(&mut noise);
    fs::write(root.join("docs/deep/noise.bin"), &noise).expect("write");
    fs::write(root.join("empty"), b"").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("docs/readme.txt", root.join("link")).expect("symlink");
}

fn shard_path(store: &Path, id: &str, index: usize) -> PathBuf {
    store
        .join("shards")
        .join(id)
        .join(format!("{id}_shard_{index:04}.shard"))
}

#[test]
fn project_sources_round_trip() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let source = repository().join("engine");
    let source_text = source.display().to_string();
    let id = create(dir.path(), &[&source_text, "--store", "store"]);

    let output = backup(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(tree(&dir.path().join("out")), tree(&source));

    let output = backup(dir.path(), &["verify", "--store", "store"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains(&format!("{id}: ok")));
}

#[test]
fn damage_limit_is_n_minus_k() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let id = create(
        dir.path(),
        &[
            "src",
            "--store",
            "store",
            "--r",
            "1",
            "--shard-size",
            "256KiB",
        ],
    );
    let store = dir.path().join("store");

    // Stripe 0 of 3-of-5: delete shard 0 and corrupt shard 3.
    fs::remove_file(shard_path(&store, &id, 0)).expect("delete");
    let mut bytes = fs::read(shard_path(&store, &id, 3)).expect("read");
    bytes[100] ^= 0x40;
    fs::write(shard_path(&store, &id, 3), bytes).expect("corrupt");

    let output = backup(dir.path(), &["verify", &id, "--store", "store"]);
    assert_eq!(output.status.code(), Some(1), "damage is reported");
    let report = text(&output);
    assert!(report.contains("damaged, still restorable"), "{report}");
    assert!(
        report.contains(&format!("missing shard shards/{id}/{id}_shard_0000.shard")),
        "{report}"
    );
    assert!(
        report.contains(&format!("corrupt shard shards/{id}/{id}_shard_0003.shard")),
        "{report}"
    );

    let output = backup(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(tree(&dir.path().join("out")), tree(&dir.path().join("src")));

    // A third bad shard leaves two of five: the restore names the stripe and writes nothing.
    fs::remove_file(shard_path(&store, &id, 1)).expect("delete");
    let output = backup(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out2"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("stripe 0 is unrecoverable: found 2 valid shards"),
        "{}",
        text(&output)
    );
    assert!(
        !dir.path().join("out2").exists(),
        "nothing written to the target"
    );
    let output = backup(dir.path(), &["verify", &id, "--store", "store"]);
    assert!(text(&output).contains("UNRESTORABLE"), "{}", text(&output));
}

#[test]
fn replicas_absorb_a_lost_primary() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let id = create(
        dir.path(),
        &[
            "src", "--store", "store", "--r", "2", "--k", "2", "--n", "2",
        ],
    );
    let store = dir.path().join("store");
    fs::remove_file(shard_path(&store, &id, 0)).expect("delete primary");

    let output = backup(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "the copy stands in: {}",
        text(&output)
    );
    assert_eq!(tree(&dir.path().join("out")), tree(&dir.path().join("src")));
}

#[test]
fn wrong_passphrase_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let id = create(dir.path(), &["src", "--store", "store"]);

    let wrong = [("SHARDSIM_PASSPHRASE", "not the passphrase")];
    let output = backup_with(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out"],
        &wrong,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("wrong passphrase"),
        "{}",
        text(&output)
    );
    assert!(!dir.path().join("out").exists());

    let output = backup_with(dir.path(), &["verify", "--store", "store"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("set SHARDSIM_PASSPHRASE"),
        "{}",
        text(&output)
    );
}

#[test]
fn chain_restores_every_point() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let src = dir.path().join("src");
    sample_tree(&src);
    let full = create(
        dir.path(),
        &["src", "--store", "store", "--shard-size", "256KiB"],
    );
    let first = tree(&src);

    fs::write(src.join("docs/new.txt"), "added after the full backup").expect("write");
    let incremental = create(
        dir.path(),
        &[
            "src",
            "--store",
            "store",
            "--kind",
            "incremental",
            "--shard-size",
            "256KiB",
        ],
    );
    let second = tree(&src);

    fs::remove_file(src.join("empty")).expect("remove");
    let differential = create(
        dir.path(),
        &[
            "src",
            "--store",
            "store",
            "--kind",
            "differential",
            "--shard-size",
            "256KiB",
        ],
    );
    let third = tree(&src);

    for (id, expected) in [
        (&full, &first),
        (&incremental, &second),
        (&differential, &third),
    ] {
        let out = format!("out-{id}");
        let output = backup(
            dir.path(),
            &["restore", id, "--store", "store", "--to", &out],
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        assert_eq!(&tree(&dir.path().join(&out)), expected, "restore of {id}");
    }

    // The incremental stored only the chunks around the change: under half of the
    // archive, whose chunks average 1 MiB.
    let manifest = fs::read_to_string(
        dir.path()
            .join(format!("store/metadata/{incremental}.json")),
    )
    .expect("manifest");
    let stored: u64 = manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix("\"pack_len\": "))
        .and_then(|value| value.trim_end_matches(',').parse().ok())
        .expect("pack_len");
    assert!(stored < 4_000_000, "incremental pack holds {stored} bytes");

    let output = backup(dir.path(), &["delete", &full, "--store", "store"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("build on it"), "{}", text(&output));

    // Removing the full backup behind the store's back breaks the chain, by name.
    fs::remove_file(dir.path().join(format!("store/versions/{full}.json"))).expect("remove");
    let output = backup(
        dir.path(),
        &[
            "restore",
            &incremental,
            "--store",
            "store",
            "--to",
            "broken",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("needs {full}, which is missing")),
        "{}",
        text(&output)
    );
}

#[test]
fn rotation_keeps_backups_restorable() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let id = create(
        dir.path(),
        &[
            "src",
            "--store",
            "store",
            "--algorithm",
            "aes-256-gcm",
            "--kdf",
            "pbkdf2-sha256",
        ],
    );
    let keys_before = fs::read_to_string(dir.path().join("store/config/keys.json")).expect("keys");
    let shards_before = fs::read(shard_path(&dir.path().join("store"), &id, 0)).expect("shard");

    let env = [
        ("SHARDSIM_PASSPHRASE", PASSPHRASE),
        ("SHARDSIM_NEW_PASSPHRASE", "a new one"),
    ];
    let output = backup_with(
        dir.path(),
        &["rotate-keys", "--store", "store", "--kdf", "scrypt"],
        &env,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("re-wrapped 1 data keys"),
        "{}",
        text(&output)
    );
    let keys_after = fs::read_to_string(dir.path().join("store/config/keys.json")).expect("keys");
    assert_ne!(keys_before, keys_after);
    assert!(keys_after.contains("\"scrypt\""));
    let shards_after = fs::read(shard_path(&dir.path().join("store"), &id, 0)).expect("shard");
    assert_eq!(shards_before, shards_after, "shards are not re-uploaded");

    let new = [("SHARDSIM_PASSPHRASE", "a new one")];
    let output = backup_with(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "out"],
        &new,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(tree(&dir.path().join("out")), tree(&dir.path().join("src")));
    let output = backup(dir.path(), &["verify", "--store", "store"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "the old passphrase no longer opens the store"
    );
}

#[test]
fn restore_refuses_non_empty_target() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let id = create(dir.path(), &["src", "--store", "store"]);
    fs::create_dir(dir.path().join("busy")).expect("mkdir");
    fs::write(dir.path().join("busy/keep.txt"), "mine").expect("write");

    let output = backup(
        dir.path(),
        &["restore", &id, "--store", "store", "--to", "busy"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("not empty"), "{}", text(&output));

    let output = backup(
        dir.path(),
        &[
            "restore", &id, "--store", "store", "--to", "busy", "--force",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        fs::read_to_string(dir.path().join("busy/keep.txt")).expect("kept"),
        "mine"
    );
    assert!(dir.path().join("busy/docs/readme.txt").is_file());
}

#[test]
fn invalid_options_are_rejected() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let cases: [(&[&str], &str); 7] = [
        (&["--shard-size", "64KiB"], "outside 256KiB to 20MiB"),
        (&["--k", "6", "--n", "5"], "k must not exceed n"),
        (&["--n", "300"], "at most 256"),
        (&["--r", "0"], "at least one copy"),
        (&["--kind", "weekly"], "unknown backup kind"),
        (&["--algorithm", "des"], "unknown algorithm"),
        (&["--kind", "incremental"], "create a full backup first"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["create", "src", "--store", "store"];
        args.extend_from_slice(extra);
        let output = backup(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(
            text(&output).contains(expected),
            "{extra:?}: {}",
            text(&output)
        );
    }

    let output = backup(
        dir.path(),
        &["create", "src", "--store", "store", "--max-size", "1KiB"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("over --max-size 1024"),
        "{}",
        text(&output)
    );
    assert!(
        !dir.path().join("store").exists(),
        "a failed first backup creates no store"
    );
}

#[cfg(unix)]
#[test]
fn killed_create_leaves_earlier_backups_intact() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let first = create(dir.path(), &["src", "--store", "store"]);

    // A large input keeps the second create busy long enough to be killed midway.
    let big = dir.path().join("big");
    fs::create_dir(&big).expect("mkdir");
    let mut noise = vec![0u8; 96 << 20];
    blake3::Hasher::new_derive_key("kill test")
        .finalize_xof()
        .fill(&mut noise);
    fs::write(big.join("noise.bin"), &noise).expect("write");

    for delay_ms in [150u64, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shardsim"))
            .args([
                "backup",
                "create",
                "big",
                "--store",
                "store",
                "--shard-size",
                "256KiB",
            ])
            .env("SHARDSIM_PASSPHRASE", PASSPHRASE)
            .current_dir(dir.path())
            .spawn()
            .expect("starts");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();

        let output = backup(dir.path(), &["verify", &first, "--store", "store"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "after kill at {delay_ms} ms: {}",
            text(&output)
        );
        let output = backup(
            dir.path(),
            &[
                "restore",
                &first,
                "--store",
                "store",
                "--to",
                &format!("out-{delay_ms}"),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }

    // Unfinished backups are invisible: verifying the whole store finds only the first.
    let output = backup(dir.path(), &["verify", "--store", "store"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let listed = backup(dir.path(), &["list", "--store", "store"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count(),
        1,
        "{}",
        text(&listed)
    );
}

#[test]
fn concurrent_creates_keep_every_key() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    create(
        dir.path(),
        &["src", "--store", "store", "--kdf", "pbkdf2-sha256"],
    );

    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_shardsim"))
                .args(["backup", "create", "src", "--store", "store"])
                .env("SHARDSIM_PASSPHRASE", PASSPHRASE)
                .current_dir(dir.path())
                .spawn()
                .expect("starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("finishes");
        assert_eq!(output.status.code(), Some(0));
    }
    let output = backup(dir.path(), &["verify", "--store", "store"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        text(&output).matches(": ok").count(),
        5,
        "{}",
        text(&output)
    );
}

#[test]
fn tampered_store_is_caught() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let first = create(
        dir.path(),
        &[
            "src",
            "--store",
            "store",
            "--r",
            "3",
            "--kdf",
            "pbkdf2-sha256",
        ],
    );
    fs::write(dir.path().join("src/extra.txt"), "more").expect("write");
    let second = create(
        dir.path(),
        &["src", "--store", "store", "--kind", "incremental"],
    );
    let store = dir.path().join("store");

    // An id that walks out of the store's folders names no backup.
    let output = backup(
        dir.path(),
        &[
            "delete",
            &format!("../metadata/{first}"),
            "--store",
            "store",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("not found"), "{}", text(&output));

    // A removed copy folder is reported shard by shard, not silently ignored.
    fs::remove_dir_all(store.join("shards").join(&first).join("copy-1")).expect("remove");
    let output = backup(dir.path(), &["verify", &first, "--store", "store"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("copy-1"), "{}", text(&output));

    // The incremental reads the full backup's pack, so its damage shows there too.
    fs::remove_dir_all(store.join("shards").join(&first)).expect("remove");
    let output = backup(dir.path(), &["verify", &second, "--store", "store"]);
    assert_eq!(output.status.code(), Some(1));
    let expected = format!("needs {first}, which cannot be restored");
    assert!(text(&output).contains(&expected), "{}", text(&output));

    // A manifest copied over another is refused, not restored as the other backup.
    fs::copy(
        store.join(format!("metadata/{first}.json")),
        store.join(format!("metadata/{second}.json")),
    )
    .expect("copy");
    let output = backup(
        dir.path(),
        &["restore", &second, "--store", "store", "--to", "out"],
    );
    assert_eq!(output.status.code(), Some(1));
    let expected = format!("holds the manifest of {first}");
    assert!(text(&output).contains(&expected), "{}", text(&output));
}

#[test]
fn unsafe_paths_are_rejected() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let output = backup(dir.path(), &["create", "src", "--store", "src/store"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("lies inside src"),
        "{}",
        text(&output)
    );

    let id = create(dir.path(), &["src", "--store", "store"]);
    for (target, expected) in [
        ("store/inside", "inside the store"),
        (".", "does not end in a folder name"),
    ] {
        let output = backup(
            dir.path(),
            &["restore", &id, "--store", "store", "--to", target],
        );
        assert_eq!(output.status.code(), Some(2), "--to {target}");
        assert!(
            text(&output).contains(expected),
            "--to {target}: {}",
            text(&output)
        );
    }

    let empty = [
        ("SHARDSIM_PASSPHRASE", PASSPHRASE),
        ("SHARDSIM_NEW_PASSPHRASE", ""),
    ];
    let output = backup_with(dir.path(), &["rotate-keys", "--store", "store"], &empty);
    assert_eq!(output.status.code(), Some(2));
    let output = backup(dir.path(), &["verify", "--store", "store"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the old passphrase still opens the store"
    );
}

#[test]
fn list_shows_what_survives_damage() {
    let dir = tempfile::tempdir().expect("temporary folder");
    sample_tree(&dir.path().join("src"));
    let first = create(
        dir.path(),
        &["src", "--store", "store", "--kdf", "pbkdf2-sha256"],
    );
    let second = create(dir.path(), &["src", "--store", "store"]);
    fs::write(dir.path().join(format!("store/versions/{first}.json")), "{").expect("damage");

    let output = backup(dir.path(), &["list", "--store", "store"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&second));
    assert!(
        text(&output).contains(&format!("{first}.json is not valid")),
        "{}",
        text(&output)
    );
}
