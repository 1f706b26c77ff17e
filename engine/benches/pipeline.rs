//! Throughput of backup creation and restore beside the raw primitives they use, all
//! measured in one run so that ratios between them hold on a noisy machine.
//!
//! Run with `cargo bench -p shardsim-engine --bench pipeline`. Inputs are random bytes
//! from a fixed seed, so zstd finds nothing to gain and the pipeline stores them raw.

use std::hint::black_box;

use aes_gcm::Aes256Gcm;
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use reed_solomon_erasure::galois_8::ReedSolomon;
use shardsim_engine::{CodingParams, Engine};

const PIPELINE_BYTES: usize = 64 << 20;
const PRIMITIVE_BYTES: usize = 1 << 20;
const SHARD_SIZE: usize = 1 << 20;

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    ChaCha20Rng::seed_from_u64(2026).fill_bytes(&mut bytes);
    bytes
}

fn primitives(c: &mut Criterion) {
    let mut group = c.benchmark_group("primitive");
    group.throughput(Throughput::Bytes(PRIMITIVE_BYTES as u64));
    let data = random_bytes(PRIMITIVE_BYTES);
    let key = [7u8; 32];
    let nonce = [0u8; 12];

    group.bench_function("chacha20poly1305_seal", |b| {
        let cipher = ChaCha20Poly1305::new(&key.into());
        b.iter(|| {
            let mut buffer = data.clone();
            cipher
                .encrypt_in_place(&nonce.into(), b"", &mut buffer)
                .expect("seals");
            black_box(buffer)
        })
    });
    group.bench_function("aes256gcm_seal", |b| {
        let cipher = Aes256Gcm::new(&key.into());
        b.iter(|| {
            let mut buffer = data.clone();
            cipher
                .encrypt_in_place(&nonce.into(), b"", &mut buffer)
                .expect("seals");
            black_box(buffer)
        })
    });
    group.bench_function("blake3", |b| b.iter(|| black_box(blake3::hash(&data))));

    for (k, n) in [(3usize, 5usize), (10, 14)] {
        let codec = ReedSolomon::new(k, n - k).expect("valid code");
        let shard_len = PRIMITIVE_BYTES / k;
        let mut shards: Vec<Vec<u8>> = (0..n)
            .map(|i| data[(i % k) * shard_len..][..shard_len].to_vec())
            .collect();
        group.bench_function(
            BenchmarkId::new("reed_solomon_encode", format!("{k}of{n}")),
            |b| b.iter(|| codec.encode(&mut shards).expect("encodes")),
        );
    }
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(PIPELINE_BYTES as u64));
    group.sample_size(10);
    let data = random_bytes(PIPELINE_BYTES);

    for (k, n) in [(3usize, 5usize), (10, 14)] {
        let engine = Engine::new(CodingParams::new(k, n, SHARD_SIZE).expect("valid parameters"));
        let label = format!("{k}of{n}");
        group.bench_function(BenchmarkId::new("create", &label), |b| {
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            b.iter(|| engine.create(&data, 0, &mut rng).expect("within limits"))
        });

        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let backup = engine.create(&data, 0, &mut rng).expect("within limits");
        group.bench_function(BenchmarkId::new("restore", &label), |b| {
            b.iter(|| {
                // Drop the first n - k shards of every stripe so that decoding is needed.
                let mut source =
                    |index: usize| (index % n >= n - k).then(|| backup.shards[index].clone());
                engine
                    .restore(&backup.manifest, &backup.keys, &mut source)
                    .expect("restores")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, primitives, pipeline);
criterion_main!(benches);
