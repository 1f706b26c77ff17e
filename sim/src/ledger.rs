//! Which peer holds which shard, and how many stripes and backups are restorable now.
//!
//! Shards and stripes live in flat vectors. Shard `j` of global stripe `s` has id
//! `s * n + j`, so a shard's stripe is its id divided by n. Each stripe counts its
//! shards on online peers, and each backup counts its stripes below k, so a peer going
//! offline costs work in proportion to the shards it holds, not to the whole world.

use shardsim_engine::{DataKey, Manifest};

use crate::population::PeerId;
use crate::time::SimTime;

/// Marks a shard that no peer holds.
pub const NO_HOLDER: PeerId = PeerId::MAX;

/// One backup and what has happened to it.
pub struct BackupEntry {
    /// Index of the owner that created it.
    pub owner: u32,
    /// Virtual time of creation.
    pub created: SimTime,
    /// Logical size in bytes.
    pub size_bytes: u64,
    /// Bytes actually run through the engine.
    pub materialised_bytes: u64,
    /// The engine's manifest.
    pub manifest: Manifest,
    /// The data keys, kept by the owner.
    pub keys: Vec<DataKey>,
    /// Global index of its first stripe.
    pub first_stripe: u32,
    /// Shards that found a holder.
    pub shards_placed: u32,
    /// Stripes with fewer than k shards on online peers.
    pub short_stripes: u32,
    /// Restore drills that rebuilt the exact bytes.
    pub drills_passed: u32,
    /// Restore drills that failed.
    pub drills_failed: u32,
}

impl BackupEntry {
    /// Number of stripes.
    pub fn stripe_count(&self) -> usize {
        self.manifest.stripes.len()
    }
}

/// The shard table of a run.
pub struct Ledger {
    k: u16,
    n: u16,
    backups: Vec<BackupEntry>,
    stripe_backup: Vec<u32>,
    stripe_online: Vec<u16>,
    shard_holder: Vec<PeerId>,
    shard_bytes: Vec<Box<[u8]>>,
    restorable_backups: u64,
    restorable_stripes: u64,
}

impl Ledger {
    /// An empty ledger for stripes of k of n shards.
    pub fn new(k: usize, n: usize) -> Self {
        Self {
            k: u16::try_from(k).expect("k <= 256"),
            n: u16::try_from(n).expect("n <= 256"),
            backups: Vec::new(),
            stripe_backup: Vec::new(),
            stripe_online: Vec::new(),
            shard_holder: Vec::new(),
            shard_bytes: Vec::new(),
            restorable_backups: 0,
            restorable_stripes: 0,
        }
    }

    /// Global index the next backup's first stripe will get.
    pub fn next_stripe(&self) -> u32 {
        u32::try_from(self.stripe_backup.len()).expect("fewer than 2^32 stripes")
    }

    /// Records a new backup. `holders[i]` stores `shards[i]`, or is [`NO_HOLDER`] while
    /// its upload is under way or when it found no holder. Every holder is online at this
    /// moment.
    pub fn add_backup(&mut self, mut entry: BackupEntry, shards: Vec<Vec<u8>>, holders: &[PeerId]) {
        let n = usize::from(self.n);
        let backup = u32::try_from(self.backups.len()).expect("fewer than 2^32 backups");
        assert_eq!(entry.first_stripe, self.next_stripe());
        assert_eq!(shards.len(), holders.len());
        assert_eq!(shards.len(), entry.stripe_count() * n);

        entry.short_stripes = 0;
        entry.shards_placed = 0;
        for stripe_holders in holders.chunks(n) {
            let online = stripe_holders.iter().filter(|&&h| h != NO_HOLDER).count();
            self.stripe_backup.push(backup);
            self.stripe_online
                .push(u16::try_from(online).expect("n <= 256"));
            entry.shards_placed += online as u32;
            if online >= usize::from(self.k) {
                self.restorable_stripes += 1;
            } else {
                entry.short_stripes += 1;
            }
        }
        if entry.short_stripes == 0 {
            self.restorable_backups += 1;
        }

        self.shard_holder.extend_from_slice(holders);
        self.shard_bytes
            .extend(shards.into_iter().map(Vec::into_boxed_slice));
        self.backups.push(entry);
    }

    /// Global id of shard `position` of a backup's stripe `stripe`.
    pub fn shard_id(&self, backup: &BackupEntry, stripe: usize, position: usize) -> u32 {
        let global_stripe = backup.first_stripe as usize + stripe;
        u32::try_from(global_stripe * usize::from(self.n) + position)
            .expect("fewer than 2^32 shards")
    }

    /// Updates the counters for shards whose holder came online or went offline.
    pub fn peer_changed(&mut self, held_shards: &[u32], online: bool) {
        let k = self.k;
        for &shard in held_shards {
            let stripe = shard as usize / usize::from(self.n);
            let backup = self.stripe_backup[stripe] as usize;
            let count = &mut self.stripe_online[stripe];
            let entry = &mut self.backups[backup];

            if online {
                *count += 1;
                if *count == k {
                    self.restorable_stripes += 1;
                    entry.short_stripes -= 1;
                    if entry.short_stripes == 0 {
                        self.restorable_backups += 1;
                    }
                }
            } else {
                assert!(*count > 0, "stripe {stripe} lost a shard it did not count");
                if *count == k {
                    self.restorable_stripes -= 1;
                    if entry.short_stripes == 0 {
                        self.restorable_backups -= 1;
                    }
                    entry.short_stripes += 1;
                }
                *count -= 1;
            }
        }
    }

    /// Holders of global stripe `stripe`, one per position; [`NO_HOLDER`] where none.
    pub fn stripe_holders(&self, stripe: usize) -> &[PeerId] {
        let n = usize::from(self.n);
        &self.shard_holder[stripe * n..(stripe + 1) * n]
    }

    /// Moves shard `shard` to `holder`, which is online, and updates the counters for
    /// both the previous holder, online or not, and the new one.
    pub fn move_shard(&mut self, shard: u32, holder: PeerId, online: &[bool]) {
        assert!(
            online[holder as usize],
            "shard {shard} is moved to an offline peer"
        );
        let previous = self.shard_holder[shard as usize];
        if previous != NO_HOLDER && online[previous as usize] {
            self.peer_changed(&[shard], false);
        }
        self.shard_holder[shard as usize] = holder;
        self.peer_changed(&[shard], true);
    }

    /// Counts a first placement of shard `shard` as landed on its backup's entry.
    pub fn count_placed(&mut self, shard: u32) {
        let stripe = shard as usize / usize::from(self.n);
        let backup = self.stripe_backup[stripe] as usize;
        self.backups[backup].shards_placed += 1;
    }

    /// The stored bytes of shard `shard`, independent of its holder. Repair hashes
    /// them to check what it would read.
    pub fn shard_bytes(&self, shard: u32) -> &[u8] {
        &self.shard_bytes[shard as usize]
    }

    /// Backups with a stripe whose shards on peers that have not left number fewer than
    /// k: no return of an offline peer can make them restorable again.
    /// A shard in flight counts as present on its new holder, which `landing_holder`
    /// returns.
    pub fn permanently_lost(
        &self,
        departed: &[bool],
        landing_holder: &dyn Fn(u32) -> Option<PeerId>,
    ) -> u64 {
        let n = usize::from(self.n);
        let present_on = |holder: PeerId| holder != NO_HOLDER && !departed[holder as usize];
        let mut lost = vec![false; self.backups.len()];
        for (stripe, holders) in self.shard_holder.chunks(n).enumerate() {
            let present = holders
                .iter()
                .enumerate()
                .filter(|&(position, &holder)| {
                    let shard =
                        u32::try_from(stripe * n + position).expect("fewer than 2^32 shards");
                    present_on(holder) || landing_holder(shard).is_some_and(present_on)
                })
                .count();
            if present < usize::from(self.k) {
                lost[self.stripe_backup[stripe] as usize] = true;
            }
        }
        lost.iter().filter(|&&gone| gone).count() as u64
    }

    /// Stripes with at least `losses` shards that are unplaced or whose holder is
    /// marked in `lost`.
    pub fn stripes_with_lost_at_least(&self, lost: &[bool], losses: usize) -> u64 {
        let n = usize::from(self.n);
        self.shard_holder
            .chunks(n)
            .filter(|holders| {
                holders
                    .iter()
                    .filter(|&&h| h == NO_HOLDER || lost[h as usize])
                    .count()
                    >= losses
            })
            .count() as u64
    }

    /// The peer holding shard `shard`, or [`NO_HOLDER`].
    pub fn holder(&self, shard: u32) -> PeerId {
        self.shard_holder[shard as usize]
    }

    /// The bytes of shard `shard` if its holder is online, as a restore would fetch them.
    pub fn fetch(&self, shard: u32, online: &[bool]) -> Option<Vec<u8>> {
        let holder = self.shard_holder[shard as usize];
        (holder != NO_HOLDER && online[holder as usize])
            .then(|| self.shard_bytes[shard as usize].to_vec())
    }

    /// Every backup, in creation order.
    pub fn backups(&self) -> &[BackupEntry] {
        &self.backups
    }

    /// A backup's entry, for drill bookkeeping.
    pub fn backup_mut(&mut self, backup: usize) -> &mut BackupEntry {
        &mut self.backups[backup]
    }

    /// Backups whose every stripe has at least k shards online now.
    pub fn restorable_backups(&self) -> u64 {
        self.restorable_backups
    }

    /// Stripes with at least k shards online now.
    pub fn restorable_stripes(&self) -> u64 {
        self.restorable_stripes
    }

    /// Stripes created so far.
    pub fn stripe_count(&self) -> u64 {
        self.stripe_backup.len() as u64
    }

    /// Recounts restorable stripes from scratch; tests compare it with the counters.
    #[cfg(test)]
    pub fn recount_restorable_stripes(&self, online: &[bool]) -> u64 {
        let n = usize::from(self.n);
        self.shard_holder
            .chunks(n)
            .filter(|holders| {
                let up = holders
                    .iter()
                    .filter(|&&h| h != NO_HOLDER && online[h as usize])
                    .count();
                up >= usize::from(self.k)
            })
            .count() as u64
    }
}
