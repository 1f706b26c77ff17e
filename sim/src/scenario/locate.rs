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

/// The dotted key at byte `offset`, as in `engine.k` or `peers[1].churn.mean_online`;
/// used for parse errors, which report a position but not a key. Returns the table
/// path alone when the offset is on a table header.
pub fn key_at(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line = &source[line_start..line_end];
    let column = offset - line_start;

    let table = table_path(&source[..line_start]);
    let text = strip_comment(line).trim();
    if text.starts_with('[') {
        return table_path(&source[..line_end]);
    }

    let mut parts: Vec<String> = table.into_iter().collect();
    if let Some((key, _)) = text.split_once('=') {
        parts.push(clean_key(key));
        // Inside an inline table the offending key is the last one before the offset.
        let first_equals = line.find('=').unwrap_or(0);
        let before = &line[..column.min(line.len())];
        if let Some(last_equals) = before.rfind('=')
            && last_equals > first_equals
        {
            let inner = before[..last_equals]
                .rsplit(['{', ','])
                .next()
                .map(clean_key)
                .unwrap_or_default();
            if !inner.is_empty() {
                parts.push(inner);
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// Path of the table that the text ends inside, with the index of an array of tables,
/// as in `peers[2]` or `engine`.
fn table_path(text: &str) -> Option<String> {
    let headers: Vec<&str> = text
        .lines()
        .map(|line| strip_comment(line).trim())
        .filter(|line| line.starts_with('['))
        .collect();
    let last = *headers.last()?;
    if let Some(name) = last
        .strip_prefix("[[")
        .and_then(|rest| rest.strip_suffix("]]"))
    {
        let name = name.trim();
        let index = headers
            .iter()
            .filter(|header| {
                header
                    .strip_prefix("[[")
                    .and_then(|r| r.strip_suffix("]]"))
                    .map(str::trim)
                    == Some(name)
            })
            .count()
            - 1;
        return Some(format!("{name}[{index}]"));
    }
    last.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .map(|name| name.trim().to_string())
}

/// The line without a trailing `#` comment; a `#` inside a string is rare in scenario
/// files, and only makes the reported key less precise.
fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or(line)
}

fn clean_key(key: &str) -> String {
    key.trim().trim_matches('"').to_string()
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

    fn offset_of(source: &str, needle: &str) -> usize {
        source.find(needle).expect("needle is in the source")
    }

    #[test]
    fn names_key_at_offset() {
        let at = |needle| key_at(SOURCE, offset_of(SOURCE, needle));
        assert_eq!(at("k = 3"), Some("engine.k".to_string()));
        assert_eq!(at("\"demo\""), Some("name".to_string()));
        assert_eq!(at("[engine]"), Some("engine".to_string()));
        assert_eq!(at("count = 4"), Some("peers[1].count".to_string()));
        assert_eq!(at("count = 3"), Some("peers[0].count".to_string()));
    }

    #[test]
    fn names_inline_and_commented_keys() {
        let source = "[[peers]] # first\nchurn = { mean_online = \"8x\", mean_offline = \"1h\" }\n";
        let offset = offset_of(source, "\"8x\"");
        assert_eq!(
            key_at(source, offset),
            Some("peers[0].churn.mean_online".to_string())
        );
        let source = "[engine]  # coding\nk = \"3\"\n";
        assert_eq!(
            key_at(source, offset_of(source, "\"3\"")),
            Some("engine.k".to_string())
        );
    }
}
