//! Transfer rates written with units, as in `"100Mbit/s"` or `"10MiB/s"`.

use serde::{Deserialize, Serialize};

use crate::units::{self, QuantityError};

/// A transfer rate in bits per second.
///
/// In scenario files it is a whole number and a unit: decimal bit rates `bit/s`,
/// `kbit/s`, `Mbit/s`, `Gbit/s`, `Tbit/s`, or byte rates `B/s`, `KB/s`, `MB/s`, `GB/s`,
/// `KiB/s`, `MiB/s`, `GiB/s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Bandwidth(pub u64);

/// Units in bits per second, largest first, so that formatting picks the largest
/// exact one.
const RATE_UNITS: [(&str, u64); 12] = [
    ("Tbit/s", 1_000_000_000_000),
    ("GiB/s", 8 << 30),
    ("GB/s", 8_000_000_000),
    ("Gbit/s", 1_000_000_000),
    ("MiB/s", 8 << 20),
    ("MB/s", 8_000_000),
    ("Mbit/s", 1_000_000),
    ("KiB/s", 8 << 10),
    ("KB/s", 8_000),
    ("kbit/s", 1_000),
    ("B/s", 8),
    ("bit/s", 1),
];

impl Bandwidth {
    /// Returns a rate of whole megabits per second.
    pub const fn from_mbit(megabits: u64) -> Self {
        Self(megabits * 1_000_000)
    }

    /// Microseconds needed to move `bytes` at this rate, rounded up; a zero rate
    /// never finishes and gives `u64::MAX`.
    pub fn micros_for(self, bytes: u64) -> u64 {
        if self.0 == 0 {
            return u64::MAX;
        }
        let bits = u128::from(bytes) * 8 * 1_000_000;
        u64::try_from(bits.div_ceil(u128::from(self.0))).unwrap_or(u64::MAX)
    }
}

impl std::str::FromStr for Bandwidth {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match units::parse(text, &RATE_UNITS) {
            Ok(bits) => Ok(Bandwidth(bits)),
            Err(QuantityError::Malformed) => Err(format!(
                "invalid bandwidth {text:?}: expected a whole number and a unit (bit/s, \
                 kbit/s, Mbit/s, Gbit/s, Tbit/s, B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s or \
                 GiB/s), for example \"100Mbit/s\""
            )),
            Err(QuantityError::Overflow) => {
                Err(format!("bandwidth {text:?} does not fit in 64 bits"))
            }
        }
    }
}

impl std::fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&units::format(self.0, &RATE_UNITS).unwrap_or_else(|| "0bit/s".to_string()))
    }
}

units::quantity_as_text!(Bandwidth);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bit_and_byte_rates() {
        assert_eq!("100Mbit/s".parse(), Ok(Bandwidth(100_000_000)));
        assert_eq!("1MiB/s".parse(), Ok(Bandwidth(8 << 20)));
        assert_eq!("2KB/s".parse(), Ok(Bandwidth(16_000)));
        for bad in ["100", "100Mbps", "1.5Gbit/s", "Mbit/s", "-1bit/s"] {
            assert!(bad.parse::<Bandwidth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in [
            "100Mbit/s",
            "1MiB/s",
            "10Gbit/s",
            "3B/s",
            "7bit/s",
            "0bit/s",
        ] {
            let rate: Bandwidth = text.parse().expect(text);
            assert_eq!(rate.to_string(), text);
        }
    }

    #[test]
    fn transfer_time_is_size_over_rate() {
        // 1 MiB at 8 Mbit/s: 8,388,608 bits in 1.048576 s.
        assert_eq!(Bandwidth::from_mbit(8).micros_for(1 << 20), 1_048_576);
        assert_eq!(Bandwidth(3).micros_for(1), 2_666_667);
        assert_eq!(Bandwidth(0).micros_for(1), u64::MAX);
    }
}
