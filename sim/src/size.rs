//! Byte sizes written with units, as in `"64MiB"` or `"10GB"`.

use serde::{Deserialize, Serialize};

use crate::units::{self, QuantityError};

/// A size in bytes.
///
/// In scenario files it is a whole number and a unit: `B`, binary `KiB`, `MiB`, `GiB`,
/// `TiB`, or decimal `KB`, `MB`, `GB`, `TB`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct ByteSize(pub u64);

/// Units largest first, so that formatting picks the largest exact one.
const SIZE_UNITS: [(&str, u64); 9] = [
    ("TiB", 1 << 40),
    ("TB", 1_000_000_000_000),
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
    ("KiB", 1 << 10),
    ("KB", 1_000),
    ("B", 1),
];

impl ByteSize {
    /// The size in the largest binary unit that keeps it at or above 1, with one
    /// decimal, as in `9.5 GiB`; for messages, not for files.
    pub fn human(self) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < units.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            format!("{} B", self.0)
        } else {
            format!("{value:.1} {}", units[unit])
        }
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "invalid size {text:?}: expected a whole number and a unit (B, KiB, MiB, \
                 GiB, TiB, KB, MB, GB or TB), for example \"64MiB\""
            )
        };
        match units::parse(text, &SIZE_UNITS) {
            Ok(bytes) => Ok(ByteSize(bytes)),
            Err(QuantityError::Malformed) => Err(invalid()),
            Err(QuantityError::Overflow) => Err(format!("size {text:?} does not fit in 64 bits")),
        }
    }
}

impl std::fmt::Display for ByteSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&units::format(self.0, &SIZE_UNITS).unwrap_or_else(|| "0B".to_string()))
    }
}

units::quantity_as_text!(ByteSize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_and_decimal_units() {
        assert_eq!("64MiB".parse(), Ok(ByteSize(64 << 20)));
        assert_eq!("4KiB".parse(), Ok(ByteSize(4096)));
        assert_eq!("10GB".parse(), Ok(ByteSize(10_000_000_000)));
        assert_eq!("512B".parse(), Ok(ByteSize(512)));
    }

    #[test]
    fn rejects_malformed_sizes() {
        for bad in ["", "64", "MiB", "64mib", "1.5GiB", "-1B", "64 MiB"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
        assert!("20000000TiB".parse::<ByteSize>().is_err());
    }

    #[test]
    fn human_sizes_read_well() {
        assert_eq!(ByteSize(512).human(), "512 B");
        assert_eq!(ByteSize(10_560_000 << 10).human(), "10.1 GiB");
        assert_eq!(ByteSize(u64::MAX).human(), "16.0 EiB");
    }

    #[test]
    fn formats_round_trip() {
        for text in ["64MiB", "1GiB", "10GB", "4KiB", "1KB", "1001B", "0B"] {
            let size: ByteSize = text.parse().expect(text);
            assert_eq!(size.to_string(), text);
        }
    }
}
