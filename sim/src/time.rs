//! Virtual time: integer microseconds since the start of a run.

use serde::{Deserialize, Serialize};

use crate::units::{self, QuantityError};

/// Microseconds in one second.
pub const MICROS_PER_SECOND: u64 = 1_000_000;

/// The wall-clock date that virtual time zero stands for, 2026-01-01T00:00:00Z, as
/// seconds since the Unix epoch. Backup ids carry timestamps counted from it.
pub const EPOCH_UNIX_S: u64 = 1_767_225_600;

/// A point in virtual time, in microseconds since the run began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl std::fmt::Display for SimTime {
    /// Days, then hours, minutes and seconds of virtual time, as in `5d 00:15:00`, with
    /// microseconds when there are any.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.as_secs();
        let (days, rest) = (seconds / 86_400, seconds % 86_400);
        let (hours, minutes, secs) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
        write!(f, "{days}d {hours:02}:{minutes:02}:{secs:02}")?;
        match self.0 % MICROS_PER_SECOND {
            0 => Ok(()),
            micros => write!(f, ".{micros:06}"),
        }
    }
}

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// Whole seconds since the run began.
    pub fn as_secs(self) -> u64 {
        self.0 / MICROS_PER_SECOND
    }

    /// Seconds since the Unix epoch, for the engine's creation timestamps.
    pub fn as_unix_secs(self) -> u64 {
        EPOCH_UNIX_S + self.as_secs()
    }

    /// The time `duration` later, saturating at the end of representable time.
    pub fn after(self, duration: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(duration.0))
    }
}

/// A length of virtual time in microseconds.
///
/// In scenario files it is written as a whole number and a unit: `ms`, `s`, `m`, `h`,
/// `d` or `w`, as in `"30d"`, `"6h"` or `"15m"`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct SimDuration(pub u64);

/// Units of [`SimDuration`] text, largest first so that formatting picks the largest
/// exact one.
const DURATION_UNITS: [(&str, u64); 6] = [
    ("w", 7 * 86_400 * MICROS_PER_SECOND),
    ("d", 86_400 * MICROS_PER_SECOND),
    ("h", 3_600 * MICROS_PER_SECOND),
    ("m", 60 * MICROS_PER_SECOND),
    ("s", MICROS_PER_SECOND),
    ("ms", 1_000),
];

impl SimDuration {
    /// A duration of whole seconds.
    pub const fn from_secs(seconds: u64) -> Self {
        Self(seconds * MICROS_PER_SECOND)
    }

    /// A duration of whole hours.
    pub const fn from_hours(hours: u64) -> Self {
        Self::from_secs(hours * 3_600)
    }

    /// The duration in seconds, as a float for rates and distributions.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }

    /// A duration from float seconds, rounded to the microsecond and saturating.
    pub fn from_secs_f64(seconds: f64) -> Self {
        let micros = (seconds * MICROS_PER_SECOND as f64).round();
        if micros >= u64::MAX as f64 {
            Self(u64::MAX)
        } else {
            Self(micros.max(0.0) as u64)
        }
    }
}

impl std::str::FromStr for SimDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "invalid duration {text:?}: expected a whole number and a unit \
                 (ms, s, m, h, d or w), for example \"30d\", \"6h\" or \"15m\""
            )
        };
        match units::parse(text, &DURATION_UNITS) {
            Ok(micros) => Ok(SimDuration(micros)),
            Err(QuantityError::Malformed) => Err(invalid()),
            Err(QuantityError::Overflow) => Err(format!(
                "duration {text:?} is too long; the limit is about 584,000 years"
            )),
        }
    }
}

impl std::fmt::Display for SimDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match units::format(self.0, &DURATION_UNITS) {
            Some(text) => f.write_str(&text),
            None if self.0 == 0 => f.write_str("0s"),
            None => write!(f, "{}us", self.0),
        }
    }
}

units::quantity_as_text!(SimDuration);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_days_and_clock() {
        assert_eq!(SimTime(0).to_string(), "0d 00:00:00");
        let time = SimTime::ZERO.after(SimDuration::from_secs(5 * 86_400 + 15 * 60 + 7));
        assert_eq!(time.to_string(), "5d 00:15:07");
        assert_eq!(SimTime(1_500_000).to_string(), "0d 00:00:01.500000");
    }

    #[test]
    fn parses_the_documented_units() {
        assert_eq!("30d".parse(), Ok(SimDuration::from_hours(30 * 24)));
        assert_eq!("6h".parse(), Ok(SimDuration::from_hours(6)));
        assert_eq!("15m".parse(), Ok(SimDuration::from_secs(900)));
        assert_eq!("250ms".parse(), Ok(SimDuration(250_000)));
        assert_eq!("2w".parse(), Ok(SimDuration::from_hours(14 * 24)));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in ["", "30", "d", "30x", "-5d", "1.5h", "30 d", "h6"] {
            let error = bad.parse::<SimDuration>().expect_err(bad);
            assert!(error.contains("invalid duration"), "{bad}: {error}");
        }
        assert!("99999999999999w".parse::<SimDuration>().is_err());
    }

    #[test]
    fn formats_with_the_largest_exact_unit() {
        assert_eq!(SimDuration::from_hours(48).to_string(), "2d");
        assert_eq!(SimDuration::from_secs(5400).to_string(), "90m");
        assert_eq!(SimDuration(0).to_string(), "0s");
        assert_eq!(SimDuration(1_500).to_string(), "1500us");
    }
}
