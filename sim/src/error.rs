//! Errors of the simulator library.

use std::path::PathBuf;

use thiserror::Error;

/// One problem in a scenario file, located for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The scenario file as given.
    pub file: String,
    /// The 1-based line of the offending value, when it could be found.
    pub line: Option<usize>,
    /// The dotted key, as in `engine.k` or `peers[0].count`.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}: {}", self.file, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.key, self.message),
        }
    }
}

/// A scenario that could not be read or is invalid.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {reason}")]
    Read {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },

    /// The file was read but breaks one or more rules.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

fn render_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A report that could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or folder operation failed.
    #[error("cannot write report at {path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },

    /// The output path cannot take a report; it is left untouched.
    #[error("cannot write the report to {path}: {reason}")]
    Unsuitable {
        /// The path given.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },

    /// A CSV row could not be written.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The underlying failure.
        source: csv::Error,
    },

    /// A plot could not be drawn.
    #[error("cannot draw plot {path}: {reason}")]
    Plot {
        /// The image file.
        path: PathBuf,
        /// What the plotting library reported.
        reason: String,
    },
}
