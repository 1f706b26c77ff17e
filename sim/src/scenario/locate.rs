//! Finding the line and key of a value in a scenario file, for error messages.

use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an index into an array of tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// A key of a table.
    Key(&'static str),
    /// A position in an array, counted from zero.
    Index(usize),
}

/// Writes a key path the way TOML users read it, as in `peers[1].count`.
pub fn dotted(path: &[PathPart]) -> String {
    let mut text = String::new();
    for part in path {
        match part {
            PathPart::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            PathPart::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// The 1-based line of the value at `path`, or of the deepest table on the path that
/// exists when the key itself is missing.
pub fn line_of(source: &str, path: &[PathPart]) -> Option<usize> {
    let document = DeTable::parse(source).ok()?;
    let mut span = None;
    let mut table = Some(document.get_ref());
    let mut value: Option<&DeValue<'_>> = None;

    for part in path {
        let next = match (part, table, value) {
            (PathPart::Key(key), Some(current), _) => current.get(*key),
            (PathPart::Index(index), _, Some(current)) => current.get(*index),
            _ => None,
        };
        let Some(next) = next else { break };
        span = Some(next.span());
        value = Some(next.get_ref());
        table = next.get_ref().as_table();
    }
    span.map(|range| line_at(source, range.start))
}

/// The 1-based line that contains byte `offset`.
pub fn line_at(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key written on `line`, prefixed by the table header above it, as in
/// `engine.k`; used for parse errors, which report a position but not a key.
pub fn key_on_line(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?.trim();
    let key = text
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_string());

    let header = lines[..line - 1]
        .iter()
        .rev()
        .map(|line| line.trim())
        .find(|line| line.starts_with('['))
        .map(|line| {
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string()
        });

    match (header, key) {
        (Some(header), Some(key)) => Some(format!("{header}.{key}")),
        (None, Some(key)) => Some(key),
        (_, None) if text.starts_with('[') => Some(header_of(text)),
        (Some(header), None) => Some(header),
        (None, None) => None,
    }
}

fn header_of(text: &str) -> String {
    text.trim_matches(|c| c == '[' || c == ']')
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str =
        "name = \"demo\"\n\n[[peers]]\ncount = 3\n\n[[peers]]\ncount = 4\n\n[engine]\nk = 3\n";

    #[test]
    fn finds_nested_values() {
        let path = [
            PathPart::Key("peers"),
            PathPart::Index(1),
            PathPart::Key("count"),
        ];
        assert_eq!(line_of(SOURCE, &path), Some(7));
        assert_eq!(
            line_of(SOURCE, &[PathPart::Key("engine"), PathPart::Key("k")]),
            Some(10)
        );
        assert_eq!(dotted(&path), "peers[1].count");
    }

    #[test]
    fn missing_key_points_at_its_table() {
        let path = [PathPart::Key("engine"), PathPart::Key("n")];
        assert_eq!(line_of(SOURCE, &path), Some(9));
    }

    #[test]
    fn names_key_on_line() {
        assert_eq!(key_on_line(SOURCE, 10), Some("engine.k".to_string()));
        assert_eq!(key_on_line(SOURCE, 1), Some("name".to_string()));
        assert_eq!(key_on_line(SOURCE, 9), Some("engine".to_string()));
    }
}
