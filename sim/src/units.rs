//! Quantities written as a whole number and a unit, as in `"64MiB"`, `"6h"` or
//! `"100Mbit/s"`, shared by sizes, durations and bandwidths.

/// The reason a quantity's text was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    /// Not a whole number followed by a known unit.
    Malformed,
    /// The value does not fit in 64 bits of the base unit.
    Overflow,
}

/// Parses `text` as a whole number and one of `units`, each a name and its size in the
/// base unit, and returns the value in the base unit.
pub fn parse(text: &str, units: &[(&str, u64)]) -> Result<u64, QuantityError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or(QuantityError::Malformed)?;
    let (number, unit) = text.split_at(digits_end);
    let count: u64 = number.parse().map_err(|_| QuantityError::Malformed)?;
    let (_, scale) = units
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or(QuantityError::Malformed)?;
    count.checked_mul(*scale).ok_or(QuantityError::Overflow)
}

/// Writes `value` in the largest of `units` that divides it exactly; `units` must be
/// ordered largest first. Returns `None` for zero and for a value no unit divides.
pub fn format(value: u64, units: &[(&str, u64)]) -> Option<String> {
    units
        .iter()
        .find(|(_, scale)| value != 0 && value.is_multiple_of(*scale))
        .map(|(name, scale)| format!("{}{name}", value / scale))
}

/// Implements the conversions to and from `String` through which serde reads and
/// writes a quantity type as text, given its `Display` and `FromStr`.
macro_rules! quantity_as_text {
    ($quantity:ty) => {
        impl From<$quantity> for String {
            fn from(quantity: $quantity) -> Self {
                quantity.to_string()
            }
        }

        impl TryFrom<String> for $quantity {
            type Error = String;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    };
}
pub(crate) use quantity_as_text;

#[cfg(test)]
mod tests {
    use super::*;

    const UNITS: [(&str, u64); 2] = [("k", 1000), ("u", 1)];

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("3k", &UNITS), Ok(3000));
        assert_eq!(parse("3", &UNITS), Err(QuantityError::Malformed));
        assert_eq!(parse("k", &UNITS), Err(QuantityError::Malformed));
        assert_eq!(parse("3 k", &UNITS), Err(QuantityError::Malformed));
        assert_eq!(
            parse("99999999999999999k", &UNITS),
            Err(QuantityError::Overflow)
        );
        assert_eq!(format(3000, &UNITS).as_deref(), Some("3k"));
        assert_eq!(format(3001, &UNITS).as_deref(), Some("3001u"));
        assert_eq!(format(0, &UNITS), None);
    }
}
