use super::*;
use crate::time::SimDuration;

const VALID: &str = r#"name = "unit"
seed = 5
duration = "2d"

[[peers]]
region = "eu"
count = 10
capacity = "1GiB"
churn = { mean_online = "8h", mean_offline = "2h" }

[workload]
owners = 2
backups_per_owner = 2
interval = "12h"
size_min = "1MiB"
size_max = "8MiB"

[engine]
k = 3
n = 5
"#;

/// Parses `source` and returns its problems, failing the test if it parses.
fn problems(source: &str) -> Vec<Problem> {
    match Scenario::parse(source, "unit.toml") {
        Ok(_) => panic!("expected an invalid scenario:\n{source}"),
        Err(ScenarioError::Invalid(problems)) => problems,
        Err(other) => panic!("unexpected error {other}"),
    }
}

fn single_problem(source: &str) -> Problem {
    let mut found = problems(source);
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

#[test]
fn valid_scenario_fills_defaults() {
    let scenario = Scenario::parse(VALID, "unit.toml").expect("valid");
    assert_eq!(scenario.engine.shard_size.0, 1 << 20);
    assert_eq!(scenario.engine.materialised_shard_size.0, 4096);
    assert_eq!(scenario.drills.interval, SimDuration::from_hours(24));
    assert_eq!(scenario.report.sample_interval, SimDuration::from_hours(1));
}

#[test]
fn normalised_form_round_trips() {
    let scenario = Scenario::parse(VALID, "unit.toml").expect("valid");
    let text = scenario.to_normalised_toml();
    let again = Scenario::parse(&text, "normalised.toml").expect("normalised text is valid");
    assert_eq!(again, scenario);
    assert_eq!(again.hash(), scenario.hash());
    assert!(text.contains("duration = \"2d\""), "{text}");
}

#[test]
fn hash_changes_with_content() {
    let scenario = Scenario::parse(VALID, "unit.toml").expect("valid");
    let mut other = scenario.clone();
    other.seed += 1;
    assert_ne!(other.hash(), scenario.hash());
}

#[test]
fn unknown_key_is_located() {
    let source = VALID.replace("k = 3\n", "k = 3\nreplicas = 2\n");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(20));
    assert_eq!(problem.key, "engine.replicas");
    assert!(
        problem.message.contains("unknown field `replicas`"),
        "{}",
        problem.message
    );
}

#[test]
fn unknown_key_in_inline_table_is_located() {
    let source = VALID.replace(
        "mean_offline = \"2h\"",
        "mean_offline = \"2h\", mean_up = \"1h\"",
    );
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(9));
    assert!(problem.message.contains("mean_up"), "{}", problem.message);
}

#[test]
fn malformed_duration_is_located() {
    let source = VALID.replace("interval = \"12h\"", "interval = \"12x\"");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(14));
    assert_eq!(problem.key, "workload.interval");
    assert!(
        problem.message.contains("invalid duration \"12x\""),
        "{}",
        problem.message
    );
    assert_eq!(
        problem
            .to_string()
            .lines()
            .next()
            .map(|line| line.starts_with("unit.toml:14: ")),
        Some(true)
    );
}

#[test]
fn negative_count_is_located() {
    let source = VALID.replace("count = 10", "count = -10");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(7));
    assert_eq!(problem.key, "peers[0].count");
    assert!(
        problem.message.contains("write a whole number"),
        "{}",
        problem.message
    );
}

#[test]
fn zero_count_is_located() {
    let source = VALID.replace("owners = 2", "owners = 0");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(12));
    assert_eq!(problem.key, "workload.owners");
    assert_eq!(problem.message, "must be at least 1");
}

#[test]
fn k_above_n_is_located() {
    let source = VALID.replace("k = 3", "k = 6");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(19));
    assert_eq!(problem.key, "engine.k");
    assert!(
        problem.message.contains("k = 6 exceeds n = 5"),
        "{}",
        problem.message
    );
}

#[test]
fn n_over_coding_limit_is_located() {
    let source = VALID
        .replace("n = 5", "n = 300")
        .replace("count = 10", "count = 400");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(20));
    assert_eq!(problem.key, "engine.n");
    assert!(problem.message.contains("256"), "{}", problem.message);
}

#[test]
fn too_few_peers_for_n() {
    let source = VALID.replace("count = 10", "count = 4");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "engine.n");
    assert!(problem.message.contains("has 4"), "{}", problem.message);
}

#[test]
fn every_problem_is_reported() {
    let source = VALID
        .replace("owners = 2", "owners = 0")
        .replace("k = 3", "k = 9")
        .replace("duration = \"2d\"", "duration = \"0s\"");
    let keys: Vec<String> = problems(&source).into_iter().map(|p| p.key).collect();
    assert_eq!(keys, vec!["duration", "workload.owners", "engine.k"]);
}

#[test]
fn second_group_problem_names_its_index() {
    let source = format!("{VALID}\n[[peers]]\nregion = \"us\"\ncount = 0\ncapacity = \"1GiB\"\n");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "peers[1].count");
    assert_eq!(problem.line, Some(24));
}

#[test]
fn shard_size_outside_limits() {
    let source = VALID.replace("n = 5", "n = 5\nshard_size = \"64KiB\"");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "engine.shard_size");
    assert!(
        problem.message.contains("256KiB to 20MiB"),
        "{}",
        problem.message
    );
}

#[test]
fn size_max_below_min() {
    let source = VALID.replace("size_max = \"8MiB\"", "size_max = \"512KiB\"");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "workload.size_max");
    assert_eq!(problem.line, Some(16));
}

#[test]
fn syntax_error_is_located() {
    let source = VALID.replace("seed = 5", "seed = = 5");
    let problem = single_problem(&source);
    assert_eq!(problem.line, Some(2));
}

#[test]
fn missing_file_is_a_read_error() {
    let error =
        Scenario::load(std::path::Path::new("no/such/scenario.toml")).expect_err("missing file");
    assert!(matches!(error, ScenarioError::Read { .. }));
    assert!(error.to_string().contains("no/such/scenario.toml"));
}

#[test]
fn missing_field_is_named() {
    let source = VALID.replace("duration = \"2d\"\n", "");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "duration");
    assert_eq!(problem.line, None);
    assert!(
        problem.message.contains("missing field `duration`"),
        "{}",
        problem.message
    );

    let source = VALID.replace("n = 5\n", "");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "engine.n");
    assert_eq!(problem.line, Some(18));
}

#[test]
fn number_for_duration_gets_a_hint() {
    let source = VALID.replace("duration = \"2d\"", "duration = 2");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "duration");
    assert!(
        problem.message.contains("for example \"30d\""),
        "{}",
        problem.message
    );
}

#[test]
fn seed_above_toml_range_is_rejected() {
    let source = VALID.replace("seed = 5", "seed = 9223372036854775808");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "seed");
}

#[test]
fn zero_n_is_reported_on_n() {
    let source = VALID.replace("n = 5", "n = 0");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "engine.n");
    assert_eq!(problem.message, "must be at least 1");
}

#[test]
fn name_must_start_with_letter_or_digit() {
    for bad in ["-rf", "_x", ".hidden", "a/b", ""] {
        let source = VALID.replace("name = \"unit\"", &format!("name = {bad:?}"));
        assert_eq!(single_problem(&source).key, "name", "{bad}");
    }
    let long = "x".repeat(101);
    let source = VALID.replace("name = \"unit\"", &format!("name = {long:?}"));
    assert_eq!(single_problem(&source).key, "name");
}

#[test]
fn memory_estimate_saturates() {
    let source = VALID
        .replace("k = 3", "k = 1")
        .replace(
            "n = 5",
            "n = 256\nshard_size = \"256KiB\"\nmaterialised_shard_size = \"2KiB\"",
        )
        .replace("size_max = \"8MiB\"", "size_max = \"8388608TiB\"")
        .replace("count = 10", "count = 300");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "engine.materialised_shard_size");
    assert!(problem.message.contains("of memory"), "{}", problem.message);
}

#[test]
fn huge_peer_count_is_rejected() {
    let source = VALID.replace("count = 10", "count = 4000000000");
    let found = problems(&source);
    assert!(
        found.iter().any(|p| p.message.contains("of memory")),
        "{found:?}"
    );
}

#[test]
fn endless_churn_is_rejected() {
    let source = VALID
        .replace(
            "mean_online = \"8h\", mean_offline = \"2h\"",
            "mean_online = \"1ms\", mean_offline = \"1ms\"",
        )
        .replace("count = 10", "count = 10000");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "duration");
    assert!(problem.message.contains("events"), "{}", problem.message);
}

#[test]
fn unmeasurable_drill_expectation_is_rejected() {
    let source =
        format!("{VALID}\n[drills]\ninterval = \"3d\"\n\n[expect]\ndrill_success_rate_min = 0.5\n");
    let problem = single_problem(&source);
    assert_eq!(problem.key, "expect.drill_success_rate_min");
}

#[test]
fn churn_takes_mean_or_median() {
    let both = VALID.replace(
        "mean_offline = \"2h\"",
        "mean_offline = \"2h\", median_offline = \"1h\"",
    );
    assert_eq!(single_problem(&both).key, "peers[0].churn.median_offline");

    let neither = VALID.replace(", mean_offline = \"2h\"", "");
    let problem = single_problem(&neither);
    assert_eq!(problem.key, "peers[0].churn");
    assert!(
        problem
            .message
            .contains("add mean_offline or median_offline"),
        "{}",
        problem.message
    );

    let median = VALID.replace("mean_offline = \"2h\"", "median_offline = \"90m\"");
    assert!(Scenario::parse(&median, "unit.toml").is_ok());
}

#[test]
fn shape_rules_follow_the_distribution() {
    let with = |churn: &str| VALID.replace("mean_online = \"8h\", mean_offline = \"2h\"", churn);
    let cases = [
        (
            "distribution = \"weibull\", mean_online = \"8h\", mean_offline = \"2h\"",
            "peers[0].churn.distribution",
        ),
        (
            "mean_online = \"8h\", mean_offline = \"2h\", shape = 2.0",
            "peers[0].churn.shape",
        ),
        (
            "distribution = \"pareto\", mean_online = \"8h\", mean_offline = \"2h\", shape = 0.9",
            "peers[0].churn.shape",
        ),
        (
            "distribution = \"lognormal\", mean_online = \"8h\", mean_offline = \"2h\", shape = -1.0",
            "peers[0].churn.shape",
        ),
        (
            "mean_online = \"8h\", mean_offline = \"2h\", lifetime = \"0s\"",
            "peers[0].churn.lifetime",
        ),
    ];
    for (churn, key) in cases {
        assert_eq!(single_problem(&with(churn)).key, key, "{churn}");
    }
    let good = with(
        "distribution = \"pareto\", median_online = \"3h\", mean_offline = \"2h\", shape = 1.5, lifetime = \"30d\"",
    );
    assert!(Scenario::parse(&good, "unit.toml").is_ok());
}

#[test]
fn negative_arrival_rate_is_rejected() {
    let source = VALID.replace(
        "capacity = \"1GiB\"",
        "capacity = \"1GiB\"\narrivals_per_day = -1.0",
    );
    assert_eq!(single_problem(&source).key, "peers[0].arrivals_per_day");
}

#[test]
fn timeline_events_are_checked() {
    let cases = [
        (
            "at = \"1d\"\naction = \"regional_outage\"\nregion = \"eu\"",
            "timeline[0]",
            "needs duration",
        ),
        (
            "at = \"1d\"\naction = \"regional_outage\"\nregion = \"mars\"\nduration = \"1h\"",
            "timeline[0].region",
            "belongs to no",
        ),
        (
            "at = \"5d\"\naction = \"mass_departure\"\nfraction = 0.5",
            "timeline[0].at",
            "not before the end",
        ),
        (
            "at = \"1d\"\naction = \"mass_departure\"\nfraction = 1.5",
            "timeline[0].fraction",
            "at most 1",
        ),
        (
            "at = \"1d\"\naction = \"join_wave\"\ngroup = 3\ncount = 5",
            "timeline[0].group",
            "names no",
        ),
        (
            "at = \"1d\"\naction = \"join_wave\"\ngroup = 0\ncount = 5\nfraction = 0.1",
            "timeline[0].fraction",
            "takes no fraction",
        ),
        (
            "at = \"1d\"\naction = \"partition\"\nduration = \"1h\"",
            "timeline[0]",
            "needs regions or zones",
        ),
        (
            "at = \"1d\"\naction = \"partition\"\nregions = [\"moon\"]\nduration = \"1h\"",
            "timeline[0].regions",
            "belongs to no",
        ),
        (
            "at = \"1d\"\naction = \"overload_failure\"\nregion = \"eu\"\nfraction = 0.2\nduration = \"1h\"",
            "timeline[0]",
            "needs delay",
        ),
        (
            "at = \"1d\"\naction = \"restore_burst\"\nfraction = 0",
            "timeline[0].fraction",
            "above 0",
        ),
        (
            "at = \"1d\"\naction = \"restore_burst\"\nfraction = 1.0\nduration = \"1h\"",
            "timeline[0].duration",
            "takes no duration",
        ),
    ];
    for (event, key, message) in cases {
        let source = format!("{VALID}\n[[timeline]]\n{event}\n");
        let problem = single_problem(&source);
        assert_eq!(problem.key, key, "{event}");
        assert!(
            problem.message.contains(message),
            "{event}: {}",
            problem.message
        );
    }
    let good = format!(
        "{VALID}\n[[timeline]]\nat = \"1d\"\naction = \"join_wave\"\ngroup = 0\ncount = 5\n"
    );
    assert!(Scenario::parse(&good, "unit.toml").is_ok());
}

#[test]
fn repair_threshold_counts_lost_shards() {
    // k = 3 of n = 5: a stripe survives two losses, so thresholds 1, 2 and 5 are valid.
    let resolved = |repair: &str| {
        let scenario =
            Scenario::parse(&format!("{VALID}\n[repair]\n{repair}\n"), "unit.toml").expect("valid");
        let repair = scenario.repair;
        (
            repair.policy,
            repair.threshold,
            repair.losses_before_repair(),
        )
    };
    assert_eq!(
        resolved("threshold = 1"),
        (Some(RepairPolicy::Eager), Some(1), Some(1))
    );
    assert_eq!(
        resolved("threshold = 2"),
        (Some(RepairPolicy::Lazy), Some(2), Some(2))
    );
    assert_eq!(
        resolved("threshold = 5"),
        (Some(RepairPolicy::None), Some(5), None)
    );
    assert_eq!(
        resolved("policy = \"eager\""),
        (Some(RepairPolicy::Eager), Some(1), Some(1))
    );
    let unset = Scenario::parse(VALID, "unit.toml").expect("valid").repair;
    assert_eq!(unset.policy, Some(RepairPolicy::None));
    assert_eq!(unset.threshold, Some(5));

    let cases = [
        ("threshold = 0", "cannot start a repair"),
        ("threshold = 3", "survives at most 2"),
        ("threshold = 6", "cannot start a repair"),
        ("policy = \"none\"\nthreshold = 1", "conflicts"),
        ("policy = \"eager\"\nthreshold = 2", "conflicts"),
        (
            "policy = \"lazy\"\nthreshold = 1",
            "between 2 and n - k = 2",
        ),
    ];
    for (repair, message) in cases {
        let problem = single_problem(&format!("{VALID}\n[repair]\n{repair}\n"));
        assert_eq!(problem.key, "repair.threshold", "{repair}");
        assert!(
            problem.message.contains(message),
            "{repair}: {}",
            problem.message
        );
    }
    let lazy = single_problem(&format!("{VALID}\n[repair]\npolicy = \"lazy\"\n"));
    assert_eq!(lazy.key, "repair.policy");
}

#[test]
fn network_settings_are_checked() {
    let two_regions = VALID.replace(
        "[workload]",
        "[[peers]]\nregion = \"us\"\ncount = 5\ncapacity = \"1GiB\"\n\n[workload]",
    );
    let cases = [
        (
            "[network]\nbandwidth = \"0bit/s\"",
            "network.bandwidth",
            "zero",
        ),
        (
            "[network]\nbandwidth = \"fast\"",
            "network.bandwidth",
            "invalid bandwidth",
        ),
        (
            "[[network.links]]\nbetween = [\"eu\"]",
            "network.links[0].between",
            "exactly two",
        ),
        (
            "[[network.links]]\nbetween = [\"eu\", \"eu\"]",
            "network.links[0].between",
            "two different",
        ),
        (
            "[[network.links]]\nbetween = [\"eu\", \"mars\"]",
            "network.links[0].between",
            "belongs to no",
        ),
        (
            "[[network.links]]\nbetween = [\"eu\", \"us\"]\n[[network.links]]\nbetween = [\"us\", \"eu\"]",
            "network.links[1].between",
            "already joins",
        ),
    ];
    for (table, key, message) in cases {
        let problem = single_problem(&format!("{two_regions}\n{table}\n"));
        assert_eq!(problem.key, key, "{table}");
        assert!(
            problem.message.contains(message),
            "{table}: {}",
            problem.message
        );
    }
    let upload = two_regions.replace(
        "capacity = \"1GiB\"\nchurn",
        "capacity = \"1GiB\"\nupload = \"0MB/s\"\nchurn",
    );
    assert_eq!(single_problem(&upload).key, "peers[0].upload");

    let linked = format!(
        "{two_regions}\n[network]\nfull_mesh = false\n[[network.links]]\nbetween = [\"us\", \"eu\"]\nlatency = \"120ms\"\nbandwidth = \"1Gbit/s\"\n"
    );
    let scenario = Scenario::parse(&linked, "unit.toml").expect("valid");
    assert_eq!(
        scenario.network.links[0].latency,
        Some(SimDuration(120_000))
    );
    assert!(
        scenario
            .to_normalised_toml()
            .contains("bandwidth = \"1Gbit/s\"")
    );
}

#[test]
fn zones_are_checked() {
    let zoned = |first: &str, second: &str| {
        VALID.replace(
            "[workload]",
            &format!(
                "[[peers]]\nregion = \"{first}\"\nzone = \"z1\"\ncount = 5\ncapacity = \"1GiB\"\n\n\
                 [[peers]]\nregion = \"{second}\"\nzone = \"z1\"\ncount = 5\ncapacity = \"1GiB\"\n\n[workload]"
            ),
        )
    };
    let scenario = Scenario::parse(&zoned("eu", "eu"), "unit.toml").expect("valid");
    assert_eq!(scenario.zones(), vec![("z1", 0)]);
    assert_eq!(scenario.node_of(&scenario.peers[1]), 1);
    assert_eq!(scenario.node_of(&scenario.peers[0]), 0);

    let split = single_problem(&zoned("eu", "us"));
    assert_eq!(split.key, "peers[2].zone");
    assert!(
        split.message.contains("belongs to one region"),
        "{}",
        split.message
    );

    let clash =
        single_problem(&VALID.replace("capacity = \"1GiB\"", "capacity = \"1GiB\"\nzone = \"eu\""));
    assert_eq!(clash.key, "peers[0].zone");

    let partition = |side: &str| {
        format!(
            "{}\n[[timeline]]\nat = \"1d\"\naction = \"partition\"\nduration = \"1h\"\n{side}\n",
            zoned("eu", "eu")
        )
    };
    assert!(Scenario::parse(&partition("zones = [\"z1\"]"), "unit.toml").is_ok());
    let outage = |place: &str| {
        format!(
            "{}\n[[timeline]]\nat = \"1d\"\naction = \"regional_outage\"\nduration = \"1h\"\n{place}\n",
            zoned("eu", "eu")
        )
    };
    assert!(Scenario::parse(&outage("zone = \"z1\""), "unit.toml").is_ok());
    assert_eq!(
        single_problem(&outage("zone = \"z9\"")).key,
        "timeline[0].zone"
    );
    assert!(
        single_problem(&outage(""))
            .message
            .contains("either region or zone")
    );
    assert!(
        single_problem(&outage("zone = \"z1\"\nregion = \"eu\""))
            .message
            .contains("not both")
    );
    assert_eq!(
        single_problem(&partition("zones = [\"z9\"]")).key,
        "timeline[0].zones"
    );
    assert!(
        single_problem(&partition(""))
            .message
            .contains("regions or zones")
    );
}

#[test]
fn action_names_match_the_file_format() {
    for action in [
        ScriptedAction::RegionalOutage,
        ScriptedAction::Partition,
        ScriptedAction::MassDeparture,
        ScriptedAction::JoinWave,
        ScriptedAction::CascadingFailure,
        ScriptedAction::OverloadFailure,
        ScriptedAction::RestoreBurst,
    ] {
        let text = format!("at = \"1d\"\naction = \"{}\"\n", action.name());
        let event: ScriptedEvent = toml::from_str(&text).expect("known action name");
        assert_eq!(event.action, action);
    }
    let missing = single_problem(&format!(
        "{VALID}\n[[timeline]]\nat = \"1d\"\naction = \"overload_failure\"\nregion = \"eu\"\nfraction = 0.5\nduration = \"1h\"\n"
    ));
    assert!(
        missing.message.contains("overload_failure needs delay"),
        "{}",
        missing.message
    );
}

#[test]
fn disconnected_owners_are_rejected() {
    let far = VALID.replace(
        "[workload]",
        "[[peers]]\nregion = \"far\"\ncount = 10\ncapacity = \"1GiB\"\n\n[workload]\nowner_region = \"far\"",
    );
    let tiny = far.replace(
        "count = 10\ncapacity = \"1GiB\"\n\n[workload]",
        "count = 2\ncapacity = \"1GiB\"\n\n[workload]",
    );
    let unlinked = format!("{tiny}\n[network]\nfull_mesh = false\n");
    let problem = single_problem(&unlinked);
    assert_eq!(problem.key, "network.full_mesh");
    assert!(
        problem.message.contains("reach only 2 peers"),
        "{}",
        problem.message
    );

    let linked = format!("{unlinked}[[network.links]]\nbetween = [\"far\", \"eu\"]\n");
    assert!(Scenario::parse(&linked, "unit.toml").is_ok());
}

#[test]
fn pointless_settings_are_rejected() {
    let everything = single_problem(&format!(
        "{VALID}\n[[timeline]]\nat = \"1d\"\naction = \"partition\"\nregions = [\"eu\"]\nduration = \"1h\"\n"
    ));
    assert_eq!(everything.key, "timeline[0].regions");
    assert!(
        everything.message.contains("cuts nothing"),
        "{}",
        everything.message
    );

    let no_spare = VALID.replace("k = 3\nn = 5", "k = 5\nn = 5");
    let repair = single_problem(&format!("{no_spare}\n[repair]\npolicy = \"eager\"\n"));
    assert_eq!(repair.key, "repair.policy");
    assert!(repair.message.contains("k = n = 5"), "{}", repair.message);
    assert!(Scenario::parse(&no_spare, "unit.toml").is_ok());

    let zoned = VALID.replace(
        "capacity = \"1GiB\"",
        "capacity = \"1GiB\"\nzone = \"eu-1\"",
    );
    let zoned = zoned.replace(
        "[workload]",
        "[[peers]]\nregion = \"us\"\ncount = 5\ncapacity = \"1GiB\"\n\n[workload]",
    );
    let link = single_problem(&format!(
        "{zoned}\n[[network.links]]\nbetween = [\"eu-1\", \"us\"]\n"
    ));
    assert!(link.message.contains("is a zone"), "{}", link.message);
    let no_zones = single_problem(&format!(
        "{VALID}\n[[timeline]]\nat = \"1d\"\naction = \"partition\"\nzones = [\"z\"]\nduration = \"1h\"\n"
    ));
    assert!(
        no_zones.message.contains("no [[peers]] group names a zone"),
        "{}",
        no_zones.message
    );
}

#[test]
fn type_errors_get_hints_for_their_key() {
    let bandwidth = single_problem(&format!("{VALID}\n[network]\nbandwidth = 100\n"));
    assert!(
        bandwidth.message.contains("100Mbit/s"),
        "{}",
        bandwidth.message
    );
    let between = single_problem(&format!(
        "{VALID}\n[[network.links]]\nbetween = \"eu,us\"\n"
    ));
    assert!(
        between.message.contains("between = ["),
        "{}",
        between.message
    );
}

#[test]
fn partial_tables_keep_their_defaults() {
    let text = format!("{VALID}\n[drills]\ntimeout = \"2d\"\n[report]\n");
    let scenario = Scenario::parse(&text, "unit.toml").expect("valid");
    assert_eq!(scenario.drills.interval, SimDuration::from_hours(24));
    assert_eq!(scenario.drills.timeout, SimDuration::from_hours(48));
    assert_eq!(scenario.report.sample_interval, SimDuration::from_hours(1));
}
