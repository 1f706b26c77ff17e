//! Scenario files: TOML read with serde and validated before anything runs.
//!
//! Every error names the file, the line and the key, and says how to fix the value.
//! All broken rules are reported at once, not only the first.

mod locate;
mod model;
mod validate;

use std::path::Path;

pub use model::{
    Churn, Drills, EngineSettings, Expectations, PeerGroup, ReportSettings, Scenario,
    SessionDistribution, Workload,
};

use crate::error::{Problem, ScenarioError};

impl Scenario {
    /// Reads, parses and validates a scenario file.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Read`] when the file cannot be read, and
    /// [`ScenarioError::Invalid`] with every problem found in it.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let source = std::fs::read_to_string(path).map_err(|error| ScenarioError::Read {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        Scenario::parse(&source, &path.display().to_string())
    }

    /// Parses and validates scenario text; `file` names it in error messages.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] with every problem found.
    pub fn parse(source: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(source)
            .map_err(|error| ScenarioError::Invalid(vec![parse_problem(source, file, &error)]))?;

        let violations = validate::validate(&scenario);
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

    /// Total number of peers over all groups.
    pub fn peer_count(&self) -> u64 {
        self.peers.iter().map(|group| u64::from(group.count)).sum()
    }

    /// Distinct regions, in order of first appearance.
    pub fn regions(&self) -> Vec<&str> {
        let mut regions: Vec<&str> = Vec::new();
        for group in &self.peers {
            if !regions.contains(&group.region.as_str()) {
                regions.push(&group.region);
            }
        }
        regions
    }
}

/// Turns a TOML or serde error into a located problem.
fn parse_problem(source: &str, file: &str, error: &toml::de::Error) -> Problem {
    let line = error.span().map(|span| locate::line_at(source, span.start));
    let key = line
        .and_then(|line| locate::key_on_line(source, line))
        .unwrap_or_else(|| "(document)".to_string());
    Problem {
        file: file.to_string(),
        line,
        key,
        message: error.message().trim().to_string(),
    }
}

#[cfg(test)]
mod tests;
