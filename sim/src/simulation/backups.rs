//! Owners creating backups, and restore drills.

use std::cell::RefCell;

use super::landing::Upload;
use super::{Event, Simulation};
use crate::ledger::{BackupEntry, NO_HOLDER};
use crate::placement;
use crate::workload::{self, Layout};

impl Simulation<'_> {
    /// Runs the engine on a new backup of `owner`, places its shards and schedules its
    /// first drill and the owner's next backup.
    pub(super) fn create_backup(&mut self, owner: u32) {
        let scenario = self.scenario;
        let owner_state = &mut self.owners[owner as usize];
        let size_bytes = workload::draw_size(&scenario.workload, &mut owner_state.rng);
        let layout = Layout::new(size_bytes, &scenario.engine);
        let plaintext = workload::draw_plaintext(layout.materialised_len, &mut owner_state.rng);
        let created = self
            .engine
            .create(&plaintext, self.now.as_unix_secs(), &mut owner_state.rng)
            .expect("validation keeps materialised backups far below the engine's size limit");
        assert_eq!(created.manifest.stripes.len(), layout.stripes);

        let holders = self.place(&layout, owner as usize);
        let entry = BackupEntry {
            owner,
            created: self.now,
            size_bytes,
            materialised_bytes: plaintext.len() as u64,
            manifest: created.manifest,
            keys: created.keys,
            first_stripe: self.ledger.next_stripe(),
            shards_placed: 0,
            short_stripes: 0,
            drills_passed: 0,
            drills_failed: 0,
        };
        let backup = u32::try_from(self.ledger.backups().len()).expect("fewer than 2^32 backups");
        let first_shard = self.ledger.next_stripe() as usize * scenario.engine.n as usize;
        self.ledger
            .add_backup(entry, created.shards, &vec![NO_HOLDER; holders.len()]);

        // Every shard counts as stored once its upload lands.
        let n = scenario.engine.n as usize;
        let placed: Vec<(usize, u32, u64)> = holders
            .iter()
            .enumerate()
            .filter(|&(_, &holder)| holder != NO_HOLDER)
            .map(|(offset, &holder)| (offset, holder, layout.shard_bytes_of(offset / n)))
            .collect();
        let pieces: Vec<(u32, u64)> = placed
            .iter()
            .map(|&(_, holder, bytes)| (holder, bytes))
            .collect();
        let arrivals = self.send_from_owner(owner as usize, self.now, &pieces);
        for (&(offset, holder, bytes), arrives) in placed.iter().zip(arrivals) {
            let shard = u32::try_from(first_shard + offset).expect("fewer than 2^32 shards");
            self.start_upload(shard, holder, bytes, arrives, Upload::Placement);
        }

        self.queue.push(
            self.now.after(scenario.drills.interval),
            Event::Drill(backup),
        );
        self.repair_attempts.push(0);
        self.schedule_first_audit(backup);
        let owner_state = &mut self.owners[owner as usize];
        owner_state.created += 1;
        if owner_state.created < scenario.workload.backups_per_owner {
            self.queue.push(
                self.now.after(scenario.workload.interval),
                Event::CreateBackup(owner),
            );
        }
    }

    /// Chooses holders for every shard of a backup and charges them; unplaced shards
    /// get [`NO_HOLDER`].
    fn place(&mut self, layout: &Layout, owner: usize) -> Vec<u32> {
        let n = self.scenario.engine.n as usize;
        let allowed = self.nodes_reached_from(self.owner_region[owner]);
        let mut holders = Vec::with_capacity(layout.stripes * n);
        for stripe in 0..layout.stripes {
            let bytes = layout.shard_bytes_of(stripe);
            let found = placement::choose_holders(
                &self.population,
                n,
                bytes,
                &[],
                &allowed,
                &mut self.placement_rng,
                &mut holders,
            );
            // Placement reserves each holder's room as it goes, so one peer is not
            // chosen for more than it can take.
            let placed = holders[holders.len() - found..].to_vec();
            for peer in placed {
                self.population.store(peer, bytes);
            }
            self.recorder.upload_bytes += bytes * found as u64;
            self.recorder.shards_unplaced += (n - found) as u64;
            holders.resize(holders.len() + n - found, NO_HOLDER);
        }
        holders
    }

    /// Runs a backup's restore drill, records whether the exact bytes came back and
    /// schedules the next drill.
    pub(super) fn drill(&mut self, backup: u32) {
        let passed = self.restore(backup).is_some();
        self.recorder.record_drill(passed);
        let entry = self.ledger.backup_mut(backup as usize);
        if passed {
            entry.drills_passed += 1;
        } else {
            entry.drills_failed += 1;
        }
        self.queue.push(
            self.now.after(self.scenario.drills.interval),
            Event::Drill(backup),
        );
    }

    /// Restores a backup through the engine from the shards on online peers that reach
    /// its owner. Returns the restore's latency in virtual microseconds when the exact
    /// bytes came back within the restore timeout, and records it. The fetched shards
    /// occupy the bandwidth of their holders and of the owner either way.
    pub(super) fn restore(&mut self, backup: u32) -> Option<u64> {
        let entry = &self.ledger.backups()[backup as usize];
        let layout = Layout::new(entry.size_bytes, &self.scenario.engine);
        let n = entry.manifest.n;
        let owner = entry.owner as usize;
        let owner_region = self.owner_region[owner];
        let pieces = RefCell::new(Vec::new());

        let mut source = |shard: usize| {
            let id = self.ledger.shard_id(entry, shard / n, shard % n);
            let holder = self.ledger.holder(id);
            let holder_node = usize::from(*self.population.node.get(holder as usize)?);
            if !self.network.reaches(holder_node, owner_region) {
                return None;
            }
            let bytes = self.ledger.fetch(id, &self.population.online)?;
            pieces
                .borrow_mut()
                .push((holder, layout.shard_bytes_of(shard / n)));
            Some(bytes)
        };
        // The engine compares the restored bytes with the manifest's BLAKE3 checksum of
        // the original plaintext, so Ok means the exact bytes came back.
        let passed = self
            .engine
            .restore(&entry.manifest, &entry.keys, &mut source)
            .is_ok();

        let mut pieces = pieces.into_inner();
        self.recorder.drill_download_bytes += pieces.iter().map(|&(_, bytes)| bytes).sum::<u64>();
        let arrived = self.fetch_to_owner(owner, &mut pieces);
        let latency_us = arrived.0 - self.now.0;
        let passed = passed && latency_us <= self.scenario.drills.timeout.0;
        if passed {
            self.recorder.restore_latencies_us.push(latency_us);
        }
        passed.then_some(latency_us)
    }

    /// Marks the network nodes an owner at node `node` can send shards to.
    pub(super) fn nodes_reached_from(&self, node: usize) -> Vec<bool> {
        (0..self.network.nodes())
            .map(|to| self.network.reaches(node, to))
            .collect()
    }
}
