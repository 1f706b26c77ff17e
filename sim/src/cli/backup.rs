//! `shardsim backup`: the engine on real folders, with a local store.
//!
//! This is the one place where the wall clock and the OS generator enter: the engine
//! takes both as arguments, and here they are the real ones.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use shardsim_engine::{
    Algorithm, BackupKind, CodingParams, CreateOptions, EngineError, Kdf, Store, StoreError,
    pack_folder,
};

use super::{EXIT_EXPECTATION_FAILED, EXIT_INVALID_INPUT, EXIT_OK};
use crate::scenario::SHARD_SIZE_RANGE;
use crate::size::ByteSize;

/// Environment variable that contains the store's passphrase.
pub const PASSPHRASE_VAR: &str = "SHARDSIM_PASSPHRASE";
/// Environment variable that contains the new passphrase for `rotate-keys`.
pub const NEW_PASSPHRASE_VAR: &str = "SHARDSIM_NEW_PASSPHRASE";

/// The store folder, shared by every backup command.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// Store folder; `backup create` creates it when absent.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
}

/// Backup commands.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up a folder or file into the store.
    Create(CreateArgs),
    /// Restore a backup into a folder.
    Restore {
        /// Backup id, as `backup list` shows it.
        id: String,
        #[command(flatten)]
        store: StoreArg,
        /// Folder to restore into; must be empty or absent unless --force.
        #[arg(long, value_name = "PATH")]
        to: PathBuf,
        /// Restore into a folder that already contains files, overwriting same-named ones.
        #[arg(long)]
        force: bool,
    },
    /// Check every shard of one backup, or of all, and name each missing or corrupt one.
    Verify {
        /// Backup id; all backups when absent.
        id: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List the committed backups.
    List {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Re-wrap every data key under a new key-encryption key.
    RotateKeys {
        #[command(flatten)]
        store: StoreArg,
        /// Key derivation for the new key: argon2id, scrypt or pbkdf2-sha256.
        #[arg(long, default_value = "argon2id")]
        kdf: String,
    },
    /// Delete a backup that no other backup builds on.
    Delete {
        /// Backup id.
        id: String,
        #[command(flatten)]
        store: StoreArg,
    },
}

/// Options of `backup create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Folder or file to back up.
    path: PathBuf,
    #[command(flatten)]
    store: StoreArg,
    /// full, incremental, differential or snapshot.
    #[arg(long, default_value = "full")]
    kind: String,
    /// Parent backup id; by default the newest suitable one.
    #[arg(long)]
    parent: Option<String>,
    /// Data shards per stripe.
    #[arg(long, default_value_t = 3)]
    k: usize,
    /// Total shards per stripe (at most 256).
    #[arg(long, default_value_t = 5)]
    n: usize,
    /// Copies of each shard.
    #[arg(long, default_value_t = 2)]
    r: usize,
    /// Shard size, 256KiB to 20MiB.
    #[arg(long, default_value = "1MiB")]
    shard_size: String,
    /// chacha20-poly1305 or aes-256-gcm.
    #[arg(long, default_value = "chacha20-poly1305")]
    algorithm: String,
    /// Key derivation of a new store: argon2id (default), scrypt or pbkdf2-sha256.
    #[arg(long)]
    kdf: Option<String>,
    /// Largest backup accepted.
    #[arg(long, default_value = "10GiB")]
    max_size: String,
}

/// Runs a backup command and returns its exit code.
pub fn run(command: BackupCommand) -> u8 {
    let result = match command {
        BackupCommand::Create(args) => create(&args),
        BackupCommand::Restore {
            id,
            store,
            to,
            force,
        } => restore(&id, &store.store, &to, force),
        BackupCommand::Verify { id, store } => verify(id.as_deref(), &store.store),
        BackupCommand::List { store } => list(&store.store),
        BackupCommand::RotateKeys { store, kdf } => rotate(&store.store, &kdf),
        BackupCommand::Delete { id, store } => delete(&id, &store.store),
    };
    result.unwrap_or_else(|failure| {
        eprintln!("error: {}", failure.message);
        failure.code
    })
}

/// A failed command: what to print and the exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_INVALID_INPUT,
        }
    }
}

impl From<StoreError> for Failure {
    /// Damage to backups exits with 1; everything the user can fix by changing the
    /// command, the passphrase or the paths exits with 2.
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::Engine(
                EngineError::StripeUnrecoverable { .. }
                | EngineError::Authentication
                | EngineError::ChecksumMismatch { .. }
                | EngineError::InvalidManifest { .. }
                | EngineError::MissingLink { .. },
            )
            | StoreError::InvalidFile { .. } => EXIT_EXPECTATION_FAILED,
            _ => EXIT_INVALID_INPUT,
        };
        Self {
            message: error.to_string(),
            code,
        }
    }
}

type CommandResult = Result<u8, Failure>;

fn create(args: &CreateArgs) -> CommandResult {
    let options = create_options(args)?;
    let store_dir = &args.store.store;
    let is_new = !store_dir.join("config/keys.json").is_file();
    let kdf = Kdf::by_name(args.kdf.as_deref().unwrap_or("argon2id")).map_err(Failure::invalid)?;
    if !is_new && args.kdf.is_some() {
        eprintln!(
            "note: --kdf applies to new stores; {} keeps its key derivation until \
             `shardsim backup rotate-keys --kdf ...`",
            store_dir.display()
        );
    }

    // Everything that can be checked without the store is checked before it is created,
    // so a failed first backup leaves no store behind.
    if is_new && !options.kind.is_self_contained() {
        let kind = match options.kind {
            BackupKind::Incremental => "an incremental",
            _ => "a differential",
        };
        return Err(Failure::invalid(format!(
            "{kind} backup needs a parent, and {} holds no backups yet; create a full \
             backup first",
            store_dir.display()
        )));
    }
    if shardsim_engine::path_is_inside(store_dir, &args.path) {
        return Err(Failure::invalid(format!(
            "the store {} lies inside {}, so every backup would contain the store; put \
             the store elsewhere",
            store_dir.display(),
            args.path.display()
        )));
    }
    let archive = pack_folder(&args.path)
        .map_err(|error| Failure::invalid(format!("cannot back up the source: {error}")))?;
    if archive.len() as u64 > options.max_backup_bytes {
        return Err(Failure::invalid(format!(
            "the archive of {} has {} bytes, over --max-size {}; raise --max-size or back \
             up less at once",
            args.path.display(),
            archive.len(),
            options.max_backup_bytes
        )));
    }

    let passphrase = passphrase(PASSPHRASE_VAR, "passphrase", is_new)?;
    let (now, mut rng) = clock_and_rng()?;
    let mut store = Store::open_or_create(store_dir, &passphrase, kdf, now, &mut rng)?;
    let bar = progress_bar("writing shards");
    let manifest = store.create_backup(&archive, &options, now, &mut rng, &mut |done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    outln!(
        "created {} ({}, {} bytes archived, {} bytes stored in {} stripes, {})",
        manifest.backup_id,
        manifest.kind,
        manifest.plaintext_len,
        manifest.stored_len,
        manifest.stripes.len(),
        match manifest.compression {
            shardsim_engine::Compression::Zstd => "zstd",
            _ => "uncompressed",
        }
    );
    warn_if_rotation_due(&store, now);
    Ok(EXIT_OK)
}

fn create_options(args: &CreateArgs) -> Result<CreateOptions, Failure> {
    let kind: BackupKind = args.kind.parse().map_err(Failure::invalid)?;
    let algorithm: Algorithm = args.algorithm.parse().map_err(Failure::invalid)?;
    let shard_size: ByteSize = args
        .shard_size
        .parse()
        .map_err(|error| Failure::invalid(format!("--shard-size: {error}")))?;
    let (min, max) = SHARD_SIZE_RANGE;
    if !(min..=max).contains(&shard_size.0) {
        return Err(Failure::invalid(format!(
            "--shard-size {shard_size} is outside {} to {}",
            ByteSize(min),
            ByteSize(max)
        )));
    }
    let max_size: ByteSize = args
        .max_size
        .parse()
        .map_err(|error| Failure::invalid(format!("--max-size: {error}")))?;
    if args.r == 0 {
        return Err(Failure::invalid(
            "--r 0: store at least one copy of each shard",
        ));
    }
    if args.parent.is_some() && kind.is_self_contained() {
        return Err(Failure::invalid(format!(
            "--parent applies to incremental and differential backups, not {kind}"
        )));
    }
    let shard_size =
        usize::try_from(shard_size.0).map_err(|_| Failure::invalid("--shard-size too large"))?;
    let coding = CodingParams::new(args.k, args.n, shard_size)
        .map_err(|error| Failure::invalid(format!("--k {} --n {}: {error}", args.k, args.n)))?;
    Ok(CreateOptions {
        kind,
        parent: args.parent.clone(),
        coding,
        replication: args.r,
        algorithm,
        max_backup_bytes: max_size.0,
        source: args.path.display().to_string(),
    })
}

fn restore(id: &str, store_dir: &Path, to: &Path, force: bool) -> CommandResult {
    let passphrase = passphrase(PASSPHRASE_VAR, "passphrase", false)?;
    let mut store = Store::open(store_dir, &passphrase)?;
    let bar = progress_bar("restoring");
    let restored = store.restore_to(id, to, force);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    restored?;
    outln!("restored {id} into {}", to.display());
    Ok(EXIT_OK)
}

fn verify(id: Option<&str>, store_dir: &Path) -> CommandResult {
    let passphrase = passphrase(PASSPHRASE_VAR, "passphrase", false)?;
    let mut store = Store::open(store_dir, &passphrase)?;
    let reports = store.verify(id)?;

    let mut damaged = false;
    for report in &reports {
        let verdict = if !report.restorable() {
            "UNRESTORABLE"
        } else if report.problems.is_empty() {
            "ok"
        } else {
            "damaged, still restorable"
        };
        outln!("{}: {verdict}", report.backup_id);
        for problem in &report.problems {
            outln!("  {} shard {}", problem.kind, problem.path);
        }
        for (stripe, valid) in &report.unrecoverable_stripes {
            outln!("  stripe {stripe} has {valid} valid shards, fewer than k");
        }
        for missing in &report.missing_links {
            outln!("  needs {missing}, which is missing");
        }
        for damaged in &report.damaged_links {
            outln!("  needs {damaged}, which cannot be restored");
        }
        if let Some(error) = &report.error {
            outln!("  cannot be checked: {error}");
        }
        damaged |= !report.problems.is_empty() || !report.restorable();
    }
    if reports.is_empty() {
        outln!("the store holds no backups");
    }
    Ok(if damaged {
        EXIT_EXPECTATION_FAILED
    } else {
        EXIT_OK
    })
}

fn list(store_dir: &Path) -> CommandResult {
    let (records, damaged) = Store::scan_versions(store_dir)?;
    if records.is_empty() {
        outln!("the store holds no backups");
    }
    for record in records {
        let parent = record.parent.as_deref().unwrap_or("-");
        outln!(
            "{}  {:<12}  {:>12} bytes  parent {parent}  from {}",
            record.backup_id,
            record.kind,
            record.plaintext_len,
            record.source
        );
    }
    for error in &damaged {
        eprintln!("error: {error}");
    }
    Ok(if damaged.is_empty() {
        EXIT_OK
    } else {
        EXIT_EXPECTATION_FAILED
    })
}

fn rotate(store_dir: &Path, kdf: &str) -> CommandResult {
    let kdf = Kdf::by_name(kdf).map_err(Failure::invalid)?;
    let passphrase = passphrase(PASSPHRASE_VAR, "current passphrase", false)?;
    let mut store = Store::open(store_dir, &passphrase)?;
    let new_passphrase = match std::env::var(NEW_PASSPHRASE_VAR) {
        Ok(value) if value.is_empty() => {
            return Err(Failure::invalid(format!(
                "{NEW_PASSPHRASE_VAR} is set but empty; an empty passphrase would lock the \
                 store"
            )));
        }
        Ok(value) => value,
        Err(_) if std::io::stdin().is_terminal() => passphrase_prompt("new passphrase", true)?,
        // Without a new passphrase the key is rotated under the same one, with a new salt.
        Err(_) => passphrase,
    };
    let (now, mut rng) = clock_and_rng()?;
    let count = store.rotate_keys(&new_passphrase, kdf, now, &mut rng)?;
    outln!(
        "re-wrapped {count} data keys under key-encryption key {}",
        store.kek_record().id
    );
    Ok(EXIT_OK)
}

fn delete(id: &str, store_dir: &Path) -> CommandResult {
    let passphrase = passphrase(PASSPHRASE_VAR, "passphrase", false)?;
    let mut store = Store::open(store_dir, &passphrase)?;
    store.delete(id)?;
    outln!("deleted {id}");
    Ok(EXIT_OK)
}

fn warn_if_rotation_due(store: &Store, now: u64) {
    if store.rotation_due(now) {
        eprintln!(
            "warning: the key-encryption key is due for rotation (older than {} days or used \
             {} times); run `shardsim backup rotate-keys`",
            store.policy().rotation_days,
            store.policy().max_key_uses
        );
    }
}

/// The passphrase from the environment, or from a prompt when stdin is a terminal.
fn passphrase(var: &str, label: &str, confirm: bool) -> Result<String, Failure> {
    if let Ok(value) = std::env::var(var) {
        if value.is_empty() {
            return Err(Failure::invalid(format!("{var} is set but empty")));
        }
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::invalid(format!(
            "no passphrase: set {var} or run in a terminal to be asked"
        )));
    }
    passphrase_prompt(label, confirm)
}

fn passphrase_prompt(label: &str, confirm: bool) -> Result<String, Failure> {
    let read = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map_err(|error| Failure::invalid(format!("cannot read the {label}: {error}")))
    };
    let first = read(format!("{label}: "))?;
    if first.is_empty() {
        return Err(Failure::invalid(format!("the {label} is empty")));
    }
    if confirm && read(format!("repeat the {label}: "))? != first {
        return Err(Failure::invalid(format!("the two {label} entries differ")));
    }
    Ok(first)
}

/// The wall clock in Unix seconds, and a generator seeded from the operating system.
fn clock_and_rng() -> Result<(u64, ChaCha20Rng), Failure> {
    #[allow(
        clippy::disallowed_methods,
        reason = "real backups carry real timestamps"
    )]
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Failure::invalid("the system clock is before 1970"))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|error| Failure::invalid(format!("the OS random generator failed: {error}")))?;
    Ok((now, ChaCha20Rng::from_seed(seed)))
}

/// A progress bar on stderr, or none when stderr is not a terminal.
fn progress_bar(message: &'static str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_message(message);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}") {
        bar.set_style(style);
    }
    Some(bar)
}
