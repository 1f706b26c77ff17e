//! Scenario files: TOML read with serde and validated before anything runs.
//!
//! Every error names the file, the line and the key, and says how to fix the value.
//! All broken rules are reported at once, not only the first.

mod locate;
mod model;
mod validate;

use std::path::Path;

pub use model::{
    Churn, Drills, EngineSettings, Expectations, PeerGroup, RepairPolicy, ReportSettings, Scenario,
    ScriptedAction, ScriptedEvent, SessionDistribution, StorageClass, Workload,
};
pub use validate::SHARD_SIZE_RANGE;

use crate::error::{Problem, ScenarioError};

/// Largest scenario file read, 1 MiB: far above any hand-written scenario.
const SCENARIO_BYTES_MAX: u64 = 1 << 20;

impl Scenario {
    /// Reads, parses and validates a scenario file.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Read`] when the file cannot be read, and
    /// [`ScenarioError::Invalid`] with every problem found in it.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let read_error = |reason: String| ScenarioError::Read {
            path: shown.clone(),
            reason,
        };
        let metadata = std::fs::metadata(path).map_err(|error| read_error(error.to_string()))?;
        if !metadata.is_file() {
            return Err(read_error("it is not a regular file".to_string()));
        }
        if metadata.len() > SCENARIO_BYTES_MAX {
            return Err(read_error(format!(
                "it has {} bytes, and scenario files are limited to {SCENARIO_BYTES_MAX}",
                metadata.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|error| read_error(error.to_string()))?;
        let source = String::from_utf8(bytes)
            .map_err(|_| read_error("it is not UTF-8 text; save it as UTF-8".to_string()))?;
        Scenario::parse(&source, &shown)
    }

    /// Parses and validates scenario text; `file` names it in error messages.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] with every problem found.
    pub fn parse(source: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(source)
            .map_err(|error| ScenarioError::Invalid(vec![parse_problem(source, file, &error)]))?;

        let mut scenario = scenario;
        scenario.repair.resolve(scenario.engine.n);
        let mut violations = validate::validate(&scenario);
        if violations.is_empty() {
            violations = scenario.load_traces(file);
        }
        if violations.is_empty() {
            return Ok(scenario);
        }
        let problems = violations
            .into_iter()
            .map(|violation| Problem {
                file: file.to_string(),
                line: locate::line_of(source, &violation.path),
                key: locate::dotted(&violation.path),
                message: violation.message,
            })
            .collect();
        Err(ScenarioError::Invalid(problems))
    }

    /// The scenario as canonical TOML: defaults filled in, durations and sizes in their
    /// largest exact unit. Reports store it, and its hash names the configuration.
    pub fn to_normalised_toml(&self) -> String {
        toml::to_string(self).expect("a scenario holds only TOML-representable values")
    }

    /// First 16 hexadecimal digits of the BLAKE3 hash of the normalised TOML.
    pub fn hash(&self) -> String {
        blake3::hash(self.to_normalised_toml().as_bytes()).to_hex()[..16].to_string()
    }

    /// Reads each group's trace, relative to the scenario file's folder, and checks that
    /// it has enough nodes for the group.
    fn load_traces(&mut self, file: &str) -> Vec<validate::Violation> {
        use locate::PathPart::{Index, Key};
        let folder = Path::new(file).parent().unwrap_or(Path::new(""));
        let mut violations = Vec::new();
        self.traces = vec![None; self.peers.len()];
        for (index, group) in self.peers.iter().enumerate() {
            let Some(source) = &group.trace else { continue };
            let path = [Key("peers"), Index(index), Key("trace"), Key("path")];
            match crate::trace::Trace::load(
                &folder.join(&source.path),
                source.format,
                source.skip_invalid,
            ) {
                Ok(trace) if trace.nodes.len() < group.count as usize => {
                    violations.push(validate::Violation {
                        path: vec![Key("peers"), Index(index), Key("count")],
                        message: format!(
                            "count = {} exceeds the {} nodes of trace {}; lower count",
                            group.count,
                            trace.nodes.len(),
                            source.path
                        ),
                    });
                }
                Ok(trace) => self.traces[index] = Some(std::sync::Arc::new(trace)),
                Err(message) => violations.push(validate::Violation {
                    path: path.to_vec(),
                    message,
                }),
            }
        }
        violations
    }

    /// Total number of peers over all groups.
    pub fn peer_count(&self) -> u64 {
        self.peers.iter().map(|group| u64::from(group.count)).sum()
    }

    /// Distinct regions, in order of first appearance.
    pub fn regions(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        self.peers
            .iter()
            .map(|group| group.region.as_str())
            .filter(|region| seen.insert(*region))
            .collect()
    }

    /// Lists every zone, in order of first appearance, with the index of its region in
    /// [`Scenario::regions`].
    pub fn zones(&self) -> Vec<(&str, usize)> {
        let regions = self.regions();
        let mut zones: Vec<(&str, usize)> = Vec::new();
        for group in &self.peers {
            let Some(zone) = group.zone.as_deref() else {
                continue;
            };
            if zones.iter().all(|(known, _)| *known != zone) {
                let region = regions
                    .iter()
                    .position(|region| *region == group.region)
                    .expect("every group's region is listed");
                zones.push((zone, region));
            }
        }
        zones
    }

    /// Returns the network node of the zone named `zone`, if any group names it.
    pub fn zone_node(&self, zone: &str) -> Option<usize> {
        let offset = self.zones().iter().position(|(known, _)| *known == zone)?;
        Some(self.regions().len() + offset)
    }

    /// Network node of a group's peers: its zone's node when it has a zone, else its
    /// region's. Regions come first, then zones, in the orders of
    /// [`Scenario::regions`] and [`Scenario::zones`].
    pub fn node_of(&self, group: &PeerGroup) -> usize {
        let regions = self.regions();
        match group.zone.as_deref() {
            Some(zone) => self.zone_node(zone).expect("every group's zone is listed"),
            None => regions
                .iter()
                .position(|region| *region == group.region)
                .expect("every group's region is listed"),
        }
    }
}

/// Turns a TOML or serde error into a located problem.
fn parse_problem(source: &str, file: &str, error: &toml::de::Error) -> Problem {
    let message = error.message().trim().to_string();
    let span_key = error
        .span()
        .and_then(|span| locate::key_at(source, span.start));

    // A missing key has no line of its own: name it inside the table the error points
    // at, and give a line only when that is a table header.
    if let Some(field) = missing_field(&message) {
        let on_header = error
            .span()
            .filter(|span| source[span.start..].trim_start().starts_with('['));
        let key = match (&span_key, &on_header) {
            (Some(table), Some(_)) => format!("{table}.{field}"),
            _ => field.to_string(),
        };
        return Problem {
            file: file.to_string(),
            line: on_header.map(|span| locate::line_at(source, span.start)),
            key,
            message: format!("{message}; add it"),
        };
    }

    Problem {
        file: file.to_string(),
        line: error.span().map(|span| locate::line_at(source, span.start)),
        message: with_hint(message, span_key.as_deref()),
        key: span_key.unwrap_or_else(|| "(file)".to_string()),
    }
}

/// The field name of a serde "missing field" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// Adds what to write instead to the type errors serde reports in its own terms. `key`
/// is the dotted key the error points at, when known.
fn with_hint(message: String, key: Option<&str>) -> String {
    let last = key
        .and_then(|key| key.rsplit('.').next())
        .map(|last| last.split('[').next().unwrap_or(last))
        .unwrap_or("");
    let string_hint = match last {
        "bandwidth" | "upload" | "download" | "owner_upload" | "owner_download" => {
            "bandwidths are quoted with a unit, for example \"100Mbit/s\""
        }
        "name" | "region" | "zone" | "owner_region" | "description" | "path" => {
            "write the text in double quotes, for example \"eu-west\""
        }
        _ => "durations and sizes are quoted with a unit, for example \"30d\" or \"64MiB\"",
    };
    let sequence_hint = match last {
        "peers" => "write each peer group as a [[peers]] table, with double brackets",
        "between" => "write the two regions as a list, for example between = [\"eu\", \"us\"]",
        "regions" | "zones" => "write a list in square brackets, for example [\"eu\"]",
        _ => "write a list in square brackets",
    };
    let hints = [
        (
            "expected u32",
            "write a whole number without quotes, for example 200",
        ),
        (
            "expected u64",
            "write a whole number from 0 to 9223372036854775807 without quotes",
        ),
        (
            "expected f64",
            "write a number without quotes, for example 0.99",
        ),
        ("expected a string", string_hint),
        ("expected a sequence", sequence_hint),
        (
            "expected struct Churn",
            "write churn = { mean_online = \"16h\", mean_offline = \"4h\" }",
        ),
    ];
    match hints.iter().find(|(pattern, _)| message.contains(pattern)) {
        Some((_, hint)) => format!("{message}; {hint}"),
        None => message,
    }
}

#[cfg(test)]
mod tests;
