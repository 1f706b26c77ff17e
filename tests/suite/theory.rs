//! Agreement with theory: with independent churn and no repair, the fraction of
//! restorable stripes matches the binomial probability that at least k of n holders
//! are online.
//!
//! Independence holds by construction: every peer's capacity is one shard, so no two
//! stripes share a holder, and each peer churns on its own stream. Samples are taken
//! 16 hours apart; the online state of a peer with exponential sessions forgets its past
//! at rate 1/8h + 1/2h = 0.625 per hour, so two samples correlate by at most
//! exp(-10) = 0.00005 and count as independent observations.

use shardsim_sim::{Scenario, run};

const AVAILABILITY: f64 = 0.8;
const K: u64 = 3;
const N: u64 = 5;
const STRIPES: u64 = 400;
/// Samples before this time are skipped: all backups are placed by day 2, and the
/// states of their holders decorrelate from the placement moment within hours.
const WARM_UP_S: u64 = 3 * 86_400;

const SCENARIO: &str = r#"
name = "theory"
seed = 2026
duration = "120d"

[[peers]]
region = "anywhere"
count = 2500
capacity = "1MiB"
churn = { mean_online = "8h", mean_offline = "2h" }

[workload]
owners = 400
backups_per_owner = 1
interval = "2d"
size_min = "3MiB"
size_max = "3MiB"

[engine]
k = 3
n = 5
shard_size = "1MiB"
materialised_shard_size = "64B"

[drills]
interval = "30d"

[report]
sample_interval = "16h"
"#;

/// P(at least k of n independent holders online), each online with probability a.
fn binomial_tail(k: u64, n: u64, a: f64) -> f64 {
    (k..=n)
        .map(|j| choose(n, j) * a.powi(j as i32) * (1.0 - a).powi((n - j) as i32))
        .sum()
}

fn choose(n: u64, j: u64) -> f64 {
    (0..j).map(|i| (n - i) as f64 / (i + 1) as f64).product()
}

#[test]
fn restorable_stripes_match_the_binomial() {
    let scenario = Scenario::parse(SCENARIO, "theory.toml").expect("valid");
    let outcome = run(&scenario);
    assert_eq!(outcome.summary.stripes, STRIPES);
    assert_eq!(
        outcome.summary.shards_unplaced, 0,
        "every stripe has n distinct holders"
    );

    let samples: Vec<f64> = outcome
        .timeline
        .iter()
        .filter(|row| row.time_s >= WARM_UP_S)
        .map(|row| row.stripes_restorable as f64)
        .collect();
    let observations = samples.len() as f64 * STRIPES as f64;
    let simulated = samples.iter().sum::<f64>() / observations;

    // Each observation is a Bernoulli trial with success probability p, so the mean of
    // m of them has standard error sqrt(p (1 - p) / m). A correct model lands within
    // 4.5 standard errors with probability above 0.99999.
    let expected = binomial_tail(K, N, AVAILABILITY);
    let standard_error = (expected * (1.0 - expected) / observations).sqrt();
    let tolerance = 4.5 * standard_error;
    assert!(
        (simulated - expected).abs() <= tolerance,
        "simulated {simulated:.5}, binomial {expected:.5}, tolerance {tolerance:.5} \
         from {observations} observations"
    );

    // The test can tell k = 3 from its neighbours: both lie far outside the tolerance.
    for wrong_k in [2, 4] {
        let wrong = binomial_tail(wrong_k, N, AVAILABILITY);
        assert!(
            (simulated - wrong).abs() > 10.0 * tolerance,
            "k = {wrong_k}"
        );
    }
}

#[test]
fn binomial_tail_known_values() {
    assert!((binomial_tail(3, 5, 0.8) - 0.94208).abs() < 1e-12);
    assert!((binomial_tail(1, 1, 0.3) - 0.3).abs() < 1e-12);
    assert!((binomial_tail(0, 4, 0.5) - 1.0).abs() < 1e-12);
}
