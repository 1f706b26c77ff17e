//! Round trips and failure cases of the engine through its public API.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;

use shardsim_engine::{
    Algorithm, BackupKind, BackupPlan, ChunkIndex, ChunkingParams, CodingParams, Compression,
    CreatedBackup, DataKey, Engine, EngineError, Manifest, assemble,
};

const SHARD_SIZE: usize = 64;
const CREATED_UNIX_S: u64 = 1_767_225_600;

fn engine(k: usize, n: usize) -> Engine {
    Engine::new(CodingParams::new(k, n, SHARD_SIZE).expect("valid parameters"))
}

fn create(engine: &Engine, plaintext: &[u8], seed: u64) -> CreatedBackup {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    engine
        .create(plaintext, CREATED_UNIX_S, &mut rng)
        .expect("small backups are within the size limit")
}

fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut bytes = vec![0u8; len];
    rand::Rng::fill_bytes(&mut rng, &mut bytes);
    bytes
}

/// Restores with only the shards whose index passes `keep`.
fn restore_keeping(
    engine: &Engine,
    backup: &CreatedBackup,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<u8>, EngineError> {
    let mut source = |index: usize| keep(index).then(|| backup.shards[index].clone());
    engine.restore(&backup.manifest, &backup.keys, &mut source)
}

#[test]
fn boundary_sizes_round_trip() {
    let engine = engine(3, 5);
    let capacity = engine.params().stripe_capacity();
    for len in [
        0,
        1,
        SHARD_SIZE - 1,
        SHARD_SIZE,
        SHARD_SIZE + 1,
        capacity - 1,
        capacity,
    ]
    .into_iter()
    .chain([capacity + 1, 3 * SHARD_SIZE, 7 * capacity + 5])
    {
        let plaintext = pattern(len, len as u64);
        let backup = create(&engine, &plaintext, 1);
        assert_eq!(backup.manifest.plaintext_len, len as u64);
        assert_eq!(backup.shards.len(), backup.manifest.shard_count());
        let restored = restore_keeping(&engine, &backup, |_| true).expect("all shards present");
        assert_eq!(restored, plaintext, "length {len}");
    }
}

#[test]
fn ids_and_names_follow_the_scheme() {
    let backup = create(&engine(3, 5), b"abc", 9);
    let id = &backup.manifest.backup_id;
    let hash = id
        .strip_prefix("backup_1767225600_")
        .expect("id starts with the timestamp");
    assert_eq!(hash.len(), 16);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        backup.manifest.shard_name(4),
        format!("{id}_shard_0004.shard")
    );
}

#[test]
fn manifest_holds_key_id_not_key() {
    let backup = create(&engine(3, 5), b"secret", 3);
    let json = backup.manifest.to_json();
    assert!(json.contains(&backup.keys[0].id().to_string()));
    assert_eq!(Manifest::from_json(&json), Ok(backup.manifest.clone()));
}

#[test]
fn too_few_shards_names_stripe_and_count() {
    let engine = engine(3, 5);
    let capacity = engine.params().stripe_capacity();
    let backup = create(&engine, &pattern(3 * capacity, 4), 4);

    // Stripe 1 keeps only positions 0 and 4; the other stripes keep everything.
    let result = restore_keeping(&engine, &backup, |index| {
        index / 5 != 1 || matches!(index % 5, 0 | 4)
    });
    assert_eq!(
        result,
        Err(EngineError::StripeUnrecoverable {
            stripe: 1,
            valid: 2,
            corrupt: 0,
            missing: 3,
            k: 3,
            n: 5
        })
    );
    let message = result.expect_err("stripe 1 is short").to_string();
    assert!(message.contains("stripe 1"), "{message}");
    assert!(message.contains("found 2 valid shards"), "{message}");
}

#[test]
fn wrong_key_fails_authentication() {
    let engine = engine(3, 5);
    let backup = create(&engine, b"payload", 5);
    let other = DataKey::generate(&mut ChaCha20Rng::seed_from_u64(99));
    let mut source = |index: usize| Some(backup.shards[index].clone());
    let result = engine.restore(&backup.manifest, &[other], &mut source);
    assert_eq!(result, Err(EngineError::Authentication));
}

#[test]
fn manifest_from_other_backup_fails() {
    let engine = engine(3, 5);
    let first = create(&engine, b"first backup", 6);
    let second = create(&engine, b"other backup", 7);

    // The second backup's shards under the first manifest fail their hash checks.
    let mut source = |index: usize| Some(second.shards[index].clone());
    let result = engine.restore(&first.manifest, &first.keys, &mut source);
    assert!(matches!(
        result,
        Err(EngineError::StripeUnrecoverable { corrupt: 5, .. })
    ));
}

#[test]
fn manifest_with_other_params_restores() {
    let backup = create(&engine(2, 4), &pattern(500, 8), 8);
    let restored = restore_keeping(&engine(3, 5), &backup, |index| index % 4 >= 2)
        .expect("a 2-of-4 manifest restores through a 3-of-5 engine");
    assert_eq!(restored, pattern(500, 8));
}

#[test]
fn altered_manifest_fails_authentication() {
    let engine = engine(3, 5);
    let mut backup = create(&engine, &pattern(300, 10), 10);
    backup.manifest.plaintext_len += 1;
    let result = restore_keeping(&engine, &backup, |_| true);
    assert_eq!(result, Err(EngineError::Authentication));
}

proptest! {
    // A fixed seed makes every run test the same cases; a failure prints its inputs.
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: RngSeed::Fixed(0x5ba2_d51a),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_k_shards_restore(
        len in 0usize..2000,
        k in 1usize..6,
        extra in 0usize..4,
        seed in any::<u64>(),
    ) {
        let n = k + extra;
        let engine = engine(k, n);
        let plaintext = pattern(len, seed);
        let backup = create(&engine, &plaintext, seed);

        // Drop a seed-chosen set of n - k positions in every stripe.
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5eed);
        let mut positions: Vec<usize> = (0..n).collect();
        rand::seq::SliceRandom::shuffle(positions.as_mut_slice(), &mut rng);
        let dropped = &positions[..n - k];

        let restored = restore_keeping(&engine, &backup, |index| !dropped.contains(&(index % n)));
        prop_assert_eq!(restored, Ok(plaintext));
    }

    #[test]
    fn flipped_bit_is_detected_and_rebuilt(
        len in 1usize..1500,
        seed in any::<u64>(),
        shard_pick in any::<usize>(),
        bit_pick in any::<usize>(),
    ) {
        let engine = engine(3, 5);
        let plaintext = pattern(len, seed);
        let mut backup = create(&engine, &plaintext, seed);

        let shard = shard_pick % backup.shards.len();
        let bit = bit_pick % (backup.shards[shard].len() * 8);
        backup.shards[shard][bit / 8] ^= 1 << (bit % 8);

        let restored = restore_keeping(&engine, &backup, |_| true);
        prop_assert_eq!(restored, Ok(plaintext));
    }

    #[test]
    fn flipped_manifest_byte_never_yields_wrong_bytes(
        len in 0usize..600,
        seed in any::<u64>(),
        byte_pick in any::<usize>(),
    ) {
        let engine = engine(3, 5);
        let plaintext = pattern(len, seed);
        let backup = create(&engine, &plaintext, seed);
        let mut json = backup.manifest.to_json().into_bytes();
        let at = byte_pick % json.len();
        json[at] ^= 0x01;

        // A changed manifest either fails to parse or, when it parses to other values,
        // fails its MAC; a flip that parses to the same values (say, in whitespace)
        // restores the same bytes.
        let Ok(text) = String::from_utf8(json) else { return Ok(()) };
        let Ok(manifest) = Manifest::from_json(&text) else { return Ok(()) };
        let mut source = |index: usize| backup.shards.get(index).cloned();
        let result = engine.restore(&manifest, &backup.keys, &mut source);
        if manifest == backup.manifest {
            prop_assert_eq!(result, Ok(plaintext));
        } else {
            prop_assert_eq!(result, Err(EngineError::Authentication));
        }
    }
}

fn chunked_engine(algorithm: Algorithm) -> Engine {
    Engine::builder(CodingParams::new(3, 5, 1024).expect("valid parameters"))
        .algorithm(algorithm)
        .chunking(ChunkingParams {
            min: 256,
            avg: 1024,
            max: 4096,
        })
        .build()
        .expect("valid options")
}

/// Restores a chunked backup whose chunks may live in `parent`'s pack.
fn restore_chain(
    engine: &Engine,
    backup: &CreatedBackup,
    parent: Option<&CreatedBackup>,
) -> Result<Vec<u8>, EngineError> {
    let mut packs = BTreeMap::new();
    for created in std::iter::once(backup).chain(parent) {
        let mut source = |index: usize| Some(created.shards[index].clone());
        let pack = engine.restore_pack(&created.manifest, &created.keys, &mut source)?;
        packs.insert(created.manifest.backup_id.clone(), pack);
    }
    assemble(&backup.manifest, &packs)
}

#[test]
fn compressible_text_is_compressed() {
    let engine = chunked_engine(Algorithm::ChaCha20Poly1305);
    let text = b"a line of very ordinary text\n".repeat(2000);
    let plan = BackupPlan {
        kind: BackupKind::Full,
        parent: None,
        known_chunks: None,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let backup = engine
        .create_chunked(&text, plan, CREATED_UNIX_S, &mut rng)
        .expect("creates");
    assert_eq!(backup.manifest.compression, Compression::Zstd);
    assert!(backup.manifest.stored_len * 10 < text.len() as u64);
    assert_eq!(restore_chain(&engine, &backup, None), Ok(text));
}

#[test]
fn data_keys_rotate_after_max_uses() {
    let engine = Engine::builder(CodingParams::new(2, 3, 64).expect("valid parameters"))
        .key_max_uses(4)
        .compression(None)
        .build()
        .expect("valid options");
    let plaintext = pattern(2000, 6);
    let backup = create(&engine, &plaintext, 6);
    let stripes = backup.manifest.stripes.len();
    assert_eq!(backup.keys.len(), stripes.div_ceil(4));
    assert!(backup.keys.len() > 1);
    let restored = restore_keeping(&engine, &backup, |_| true);
    assert_eq!(restored, Ok(plaintext));

    // Swapping two keys is caught before any stripe is opened.
    let mut swapped = backup.keys.clone();
    swapped.swap(0, 1);
    let mut source = |index: usize| Some(backup.shards[index].clone());
    let result = engine.restore(&backup.manifest, &swapped, &mut source);
    assert_eq!(result, Err(EngineError::Authentication));
}

#[test]
fn oversized_backup_is_rejected() {
    let engine = Engine::builder(CodingParams::new(3, 5, 64).expect("valid parameters"))
        .max_backup_bytes(100)
        .build()
        .expect("valid options");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let result = engine.create(&[0u8; 101], CREATED_UNIX_S, &mut rng);
    assert!(matches!(
        result,
        Err(EngineError::BackupTooLarge {
            size: 101,
            max: 100
        })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: RngSeed::Fixed(0x5ba2_d51b),
        ..ProptestConfig::default()
    })]

    #[test]
    fn chunked_chain_restores_both_points(
        len in 0usize..20_000,
        seed in any::<u64>(),
        edit_at in any::<usize>(),
        edit in proptest::collection::vec(any::<u8>(), 0..300),
        aes in any::<bool>(),
    ) {
        let algorithm = if aes { Algorithm::Aes256Gcm } else { Algorithm::ChaCha20Poly1305 };
        let engine = chunked_engine(algorithm);
        let first = pattern(len, seed);
        let mut second = first.clone();
        let at = if first.is_empty() { 0 } else { edit_at % first.len() };
        second.splice(at..at, edit.iter().copied());

        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let full_plan = BackupPlan { kind: BackupKind::Full, parent: None, known_chunks: None };
        let full = engine.create_chunked(&first, full_plan, CREATED_UNIX_S, &mut rng).expect("creates");
        let mut index = ChunkIndex::default();
        index.add(&full.manifest);
        let plan = BackupPlan {
            kind: BackupKind::Incremental,
            parent: Some(&full.manifest.backup_id),
            known_chunks: Some(&index),
        };
        let incremental = engine.create_chunked(&second, plan, CREATED_UNIX_S + 1, &mut rng).expect("creates");

        prop_assert!(incremental.manifest.pack_len <= second.len() as u64);
        prop_assert_eq!(restore_chain(&engine, &full, None), Ok(first));
        prop_assert_eq!(restore_chain(&engine, &incremental, Some(&full)), Ok(second));
        if !incremental.manifest.referenced_packs().is_empty() {
            let missing = restore_chain(&engine, &incremental, None);
            let is_missing_link = matches!(missing, Err(EngineError::MissingLink { .. }));
            prop_assert!(is_missing_link);
        }
    }
}
