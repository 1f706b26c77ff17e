//! Checks of the scripted events of the timeline.

use super::{Fail, Index, Key, positive_count, positive_duration};
use crate::scenario::{Scenario, ScriptedAction};

pub(super) fn check_timeline(scenario: &Scenario, fail: &mut Fail<'_>) {
    let regions = scenario.regions();
    for (index, event) in scenario.timeline.iter().enumerate() {
        let at = |key| [Key("timeline"), Index(index), Key(key)];
        let action = event.action.name();
        if event.at >= scenario.duration {
            fail(
                &at("at"),
                format!(
                    "at = {} is not before the end of the run ({})",
                    event.at, scenario.duration
                ),
            );
        }
        if let Some(region) = &event.region
            && !regions.contains(&region.as_str())
        {
            fail(
                &at("region"),
                format!("region {region:?} belongs to no [[peers]] group; use one of {regions:?}"),
            );
        }
        let (needs, allows): (&[&str], &[&str]) = match event.action {
            ScriptedAction::RegionalOutage => (&["duration"], &["region", "zone", "duration"]),
            ScriptedAction::Partition => {
                (&["duration"], &["regions", "zones", "duration", "one_way"])
            }
            ScriptedAction::MassDeparture => (&["fraction"], &["fraction", "region"]),
            ScriptedAction::JoinWave => (&["group", "count"], &["group", "count"]),
            ScriptedAction::CascadingFailure => (
                &["region", "duration", "probability", "delay"],
                &["region", "duration", "probability", "delay"],
            ),
            ScriptedAction::OverloadFailure => (
                &["region", "fraction", "duration", "delay"],
                &["region", "fraction", "duration", "delay"],
            ),
            ScriptedAction::RestoreBurst => (&["fraction"], &["fraction", "region"]),
        };
        let given = [
            ("region", event.region.is_some()),
            ("regions", event.regions.is_some()),
            ("zones", event.zones.is_some()),
            ("zone", event.zone.is_some()),
            ("one_way", event.one_way.is_some()),
            ("duration", event.duration.is_some()),
            ("fraction", event.fraction.is_some()),
            ("group", event.group.is_some()),
            ("count", event.count.is_some()),
            ("probability", event.probability.is_some()),
            ("delay", event.delay.is_some()),
        ];
        for (key, present) in given {
            if needs.contains(&key) && !present {
                fail(
                    &[Key("timeline"), Index(index)],
                    format!("{action} needs {key}"),
                );
            }
            if present && !allows.contains(&key) {
                fail(&at(key), format!("{action} takes no {key}; remove it"));
            }
        }
        if let Some(duration) = event.duration {
            positive_duration(&at("duration"), duration, fail);
        }
        if event.action == ScriptedAction::Partition
            && event
                .regions
                .iter()
                .chain(&event.zones)
                .flatten()
                .next()
                .is_none()
        {
            fail(
                &[Key("timeline"), Index(index)],
                "partition needs regions or zones on one side of the cut".to_string(),
            );
        }
        let zones = scenario.zones();
        if event.action == ScriptedAction::RegionalOutage
            && event.region.is_some() == event.zone.is_some()
        {
            fail(
                &[Key("timeline"), Index(index)],
                "regional_outage needs either region or zone, not both".to_string(),
            );
        }
        let known: Vec<&str> = zones.iter().map(|(zone, _)| *zone).collect();
        for (key, name) in event
            .zone
            .iter()
            .map(|name| ("zone", name))
            .chain(event.zones.iter().flatten().map(|name| ("zones", name)))
        {
            if !known.contains(&name.as_str()) {
                fail(&at(key), unknown_zone(name, &known));
            }
        }
        let side = event.regions.iter().flatten();
        if event.action == ScriptedAction::Partition
            && regions
                .iter()
                .all(|region| side.clone().any(|name| name == region))
        {
            fail(
                &at("regions"),
                "every region is on the same side, so the partition cuts nothing; leave \
                 at least one region out"
                    .to_string(),
            );
        }
        for name in event.regions.iter().flatten() {
            if !regions.contains(&name.as_str()) {
                fail(
                    &at("regions"),
                    format!(
                        "region {name:?} belongs to no [[peers]] group; use one of {regions:?}"
                    ),
                );
            }
        }
        if let Some(fraction) = event.fraction
            && !(fraction > 0.0 && fraction <= 1.0)
        {
            fail(
                &at("fraction"),
                format!("fraction = {fraction} must lie above 0 and at most 1"),
            );
        }
        if let Some(group) = event.group
            && group as usize >= scenario.peers.len()
        {
            fail(
                &at("group"),
                format!(
                    "group = {group} names no [[peers]] group; groups count from 0 to {}",
                    scenario.peers.len().saturating_sub(1)
                ),
            );
        }
        if let Some(count) = event.count {
            positive_count(&at("count"), count, fail);
        }
        if let Some(probability) = event.probability
            && !(0.0..=1.0).contains(&probability)
        {
            fail(
                &at("probability"),
                format!("probability = {probability} must lie in 0.0 to 1.0"),
            );
        }
    }
}

/// The message for a zone name that no `[[peers]]` group uses.
fn unknown_zone(name: &str, known: &[&str]) -> String {
    let advice = if known.is_empty() {
        "no [[peers]] group names a zone; add zone = \"...\" to the groups in it".to_string()
    } else {
        format!("use one of {known:?}")
    };
    format!("zone {name:?} belongs to no [[peers]] group; {advice}")
}
