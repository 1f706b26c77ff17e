//! Availability traces: real per-node up and down intervals that replace the churn
//! model for the peers of a group.
//!
//! Two formats are read. `sessions`: one line per node and observation window,
//! `node first_state window_start_ms utc_offset_h d1 d2 ...`, where the durations in
//! milliseconds alternate state starting with `first_state` (1 online, 0 offline).
//! `fta`: the Failure Trace Archive's event table, whitespace separated with `#`
//! comments and nine fields per row. Of those, the third is the node id, the sixth the
//! event type (1 available, 0 unavailable), and the seventh and eighth the start and end
//! in seconds.
//!
//! Limitations: time a trace does not observe (gaps between windows) is replayed as
//! offline, so replayed availability can be lower than the availability over observed
//! time that trace studies quote.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::time::MICROS_PER_SECOND;

/// The format of a trace file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceFormat {
    /// Per-node windows of alternating session durations in milliseconds.
    Sessions,
    /// The Failure Trace Archive's nine-field event table.
    Fta,
}

/// A parsed trace: for each node, its online intervals in microseconds from the
/// trace's first observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Node names in sorted order, with their sorted, disjoint online intervals.
    pub nodes: Vec<(String, Vec<(u64, u64)>)>,
    /// Microseconds from the first observation to the last.
    pub span_us: u64,
    /// Microseconds observed over all nodes, online or offline.
    pub observed_us: u64,
    /// Rows that were invalid and skipped.
    pub skipped_rows: usize,
}

/// One interval of one node, in microseconds since the Unix epoch.
struct Interval {
    node: String,
    start_us: i128,
    end_us: i128,
    online: bool,
    line: usize,
}

impl Trace {
    /// Reads and checks a trace file. Invalid rows are errors naming the file and line,
    /// unless `skip_invalid`, when they are counted in `skipped_rows`.
    ///
    /// # Errors
    ///
    /// A message naming the file, the line and the fault.
    pub fn load(path: &Path, format: TraceFormat, skip_invalid: bool) -> Result<Self, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read trace {shown}: {error}"))?;

        let mut intervals = Vec::new();
        let mut skipped_rows = 0;
        for (index, line) in text.lines().enumerate() {
            let parsed = match format {
                TraceFormat::Sessions => parse_sessions_row(line, index + 1),
                TraceFormat::Fta => parse_fta_row(line, index + 1),
            };
            match parsed {
                Ok(rows) => intervals.extend(rows),
                Err(_) if skip_invalid => skipped_rows += 1,
                Err(reason) => return Err(format!("{shown}:{}: {reason}", index + 1)),
            }
        }

        let (nodes, observed_us, span_us) = assemble(intervals, &mut skipped_rows, skip_invalid)
            .map_err(|(line, reason)| format!("{shown}:{line}: {reason}"))?;
        if nodes.is_empty() {
            return Err(format!("trace {shown} holds no valid intervals"));
        }
        Ok(Self {
            nodes,
            span_us,
            observed_us,
            skipped_rows,
        })
    }

    /// Time-weighted availability: online time over observed time, over all nodes.
    pub fn observed_availability(&self) -> f64 {
        let online: u64 = self
            .nodes
            .iter()
            .flat_map(|(_, intervals)| intervals.iter().map(|(start, end)| end - start))
            .sum();
        online as f64 / self.observed_us.max(1) as f64
    }

    /// Whether node `node` is online at `time_us` after the trace's start, repeating the
    /// trace with its span as the period, and when its state next changes.
    pub fn state_at(&self, node: usize, time_us: u64) -> (bool, u64) {
        let span = self.span_us.max(1);
        let cycle_start = time_us - time_us % span;
        let offset = time_us % span;
        let intervals = &self.nodes[node].1;

        // The first interval that ends after the offset decides the state.
        let index = intervals.partition_point(|&(_, end)| end <= offset);
        match intervals.get(index) {
            Some(&(start, end)) if start <= offset => (true, cycle_start + end),
            Some(&(start, _)) => (false, cycle_start + start),
            None => {
                let next = intervals.first().map_or(span, |&(start, _)| span + start);
                (false, cycle_start + next)
            }
        }
    }
}

fn parse_sessions_row(line: &str, number: usize) -> Result<Vec<Interval>, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    if fields.len() < 4 {
        return Err(format!(
            "expected node, first state, window start and UTC offset, got {} fields",
            fields.len()
        ));
    }
    let mut online = match fields[1] {
        "1" => true,
        "0" => false,
        other => return Err(format!("first state {other:?} must be 0 or 1")),
    };
    let start_ms: i128 = fields[2].parse().map_err(|_| {
        format!(
            "window start {:?} is not a whole number of milliseconds",
            fields[2]
        )
    })?;
    let mut at_us = start_ms * 1000;
    let mut rows = Vec::new();
    for duration in &fields[4..] {
        let ms: i128 = duration
            .parse()
            .map_err(|_| format!("duration {duration:?} is not a whole number of milliseconds"))?;
        if ms < 0 {
            return Err(format!("duration {ms} ms is negative"));
        }
        rows.push(Interval {
            node: fields[0].to_string(),
            start_us: at_us,
            end_us: at_us + ms * 1000,
            online,
            line: number,
        });
        at_us += ms * 1000;
        // States alternate from the first duration on.
        online = !online;
    }
    Ok(rows)
}

fn parse_fta_row(line: &str, number: usize) -> Result<Vec<Interval>, String> {
    let content = line.split('#').next().unwrap_or("");
    let fields: Vec<&str> = content.split_whitespace().collect();
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    if fields.len() != 9 {
        return Err(format!("expected 9 fields, got {}", fields.len()));
    }
    let node = fields[2];
    if node.is_empty() || node == "-" {
        return Err("unknown node: the node id field is empty".to_string());
    }
    let online = match fields[5] {
        "1" => true,
        "0" => false,
        other => {
            return Err(format!(
                "event type {other:?} must be 1 (available) or 0 (unavailable)"
            ));
        }
    };
    let seconds = |text: &str| -> Result<i128, String> {
        let value: f64 = text
            .parse()
            .map_err(|_| format!("time {text:?} is not a number of seconds"))?;
        if !value.is_finite() {
            return Err(format!("time {text:?} is not finite"));
        }
        Ok((value * MICROS_PER_SECOND as f64).round() as i128)
    };
    let (start_us, end_us) = (seconds(fields[6])?, seconds(fields[7])?);
    if end_us < start_us {
        return Err(format!(
            "interval ends at {} before it starts at {}",
            fields[7], fields[6]
        ));
    }
    Ok(vec![Interval {
        node: node.to_string(),
        start_us,
        end_us,
        online,
        line: number,
    }])
}

type Assembled = (Vec<(String, Vec<(u64, u64)>)>, u64, u64);

/// Sorts intervals per node, rejects overlaps, and rebases times to the first
/// observation.
fn assemble(
    intervals: Vec<Interval>,
    skipped_rows: &mut usize,
    skip_invalid: bool,
) -> Result<Assembled, (usize, String)> {
    let origin = intervals.iter().map(|i| i.start_us).min().unwrap_or(0);
    let end = intervals.iter().map(|i| i.end_us).max().unwrap_or(0);
    let mut by_node: BTreeMap<String, Vec<Interval>> = BTreeMap::new();
    for interval in intervals {
        by_node
            .entry(interval.node.clone())
            .or_default()
            .push(interval);
    }

    let mut nodes = Vec::with_capacity(by_node.len());
    let mut observed_us: u64 = 0;
    for (name, mut list) in by_node {
        list.sort_by_key(|interval| (interval.start_us, interval.end_us));
        let mut online = Vec::new();
        let mut covered_until = i128::MIN;
        for interval in list {
            if interval.start_us < covered_until {
                if skip_invalid {
                    *skipped_rows += 1;
                    continue;
                }
                return Err((
                    interval.line,
                    format!("interval of node {name} overlaps an earlier one"),
                ));
            }
            covered_until = interval.end_us;
            let start = u64::try_from(interval.start_us - origin).unwrap_or(0);
            let stop = u64::try_from(interval.end_us - origin).unwrap_or(0);
            observed_us += stop - start;
            if interval.online && stop > start {
                match online.last_mut() {
                    Some((_, last_end)) if *last_end == start => *last_end = stop,
                    _ => online.push((start, stop)),
                }
            }
        }
        nodes.push((name, online));
    }
    let span_us = u64::try_from(end - origin).unwrap_or(0);
    Ok((nodes, observed_us, span_us))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temporary file");
        std::fs::write(file.path(), text).expect("writes");
        file
    }

    #[test]
    fn sessions_alternate_from_the_first_state() {
        // Node a: online 1 s, offline 3 s. Node b: offline 2 s, online 2 s.
        let file = write("a 1 1000 0 1000 3000\nb 0 1000 0 2000 2000\n");
        let trace = Trace::load(file.path(), TraceFormat::Sessions, false).expect("valid");
        assert_eq!(trace.nodes[0], ("a".to_string(), vec![(0, 1_000_000)]));
        assert_eq!(
            trace.nodes[1],
            ("b".to_string(), vec![(2_000_000, 4_000_000)])
        );
        assert_eq!(trace.span_us, 4_000_000);
        assert!((trace.observed_availability() - 3.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn state_follows_intervals_and_repeats() {
        let file = write("a 0 0 0 1000 1000 2000\n");
        let trace = Trace::load(file.path(), TraceFormat::Sessions, false).expect("valid");
        assert_eq!(trace.state_at(0, 0), (false, 1_000_000));
        assert_eq!(trace.state_at(0, 1_500_000), (true, 2_000_000));
        assert_eq!(trace.state_at(0, 2_500_000), (false, 5_000_000));
        assert_eq!(trace.state_at(0, 4_200_000), (false, 5_000_000));
        assert_eq!(trace.state_at(0, 5_000_000), (true, 6_000_000));
    }

    #[test]
    fn fta_rows_are_read() {
        let text = "# event table\n1 0 n7 0 host7 1 100.0 160.5 0\n2 0 n7 0 host7 0 160.5 200 0\n";
        let file = write(text);
        let trace = Trace::load(file.path(), TraceFormat::Fta, false).expect("valid");
        assert_eq!(trace.nodes, vec![("n7".to_string(), vec![(0, 60_500_000)])]);
    }

    #[test]
    fn invalid_rows_name_the_line() {
        let cases = [
            (
                TraceFormat::Sessions,
                "a 1 0 0 1000 -5\n",
                ":1: duration -5 ms is negative",
            ),
            (
                TraceFormat::Sessions,
                "a 1 0 0 100\na 1 50 0 100\n",
                ":2: interval of node a overlaps",
            ),
            (
                TraceFormat::Fta,
                "1 0 n 0 h 1 10 5 0\n",
                ":1: interval ends at 5 before it starts at 10",
            ),
            (
                TraceFormat::Fta,
                "1 0 n 0 h 2 10 20 0\n",
                ":1: event type \"2\"",
            ),
            (
                TraceFormat::Fta,
                "1 0 n 0 h 1 10 20\n",
                ":1: expected 9 fields",
            ),
        ];
        for (format, text, expected) in cases {
            let file = write(text);
            let error = Trace::load(file.path(), format, false).expect_err(text);
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn skipped_rows_are_counted() {
        let file = write("a 1 0 0 1000\nb 7 0 0 1000\nc 1 0 0 -1\n");
        let trace = Trace::load(file.path(), TraceFormat::Sessions, true).expect("valid");
        assert_eq!(trace.skipped_rows, 2);
        assert_eq!(trace.nodes.len(), 1);
    }
}
