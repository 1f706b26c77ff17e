//! The report's plots, each a set of lines over virtual time:
//!
//! - recovery: restorable fraction of backups and cumulative drill success;
//! - durability: restorable stripes and stripes below the repair threshold;
//! - repair traffic: bytes moved by repairs in each sample interval;
//! - restore latency: median and 99th percentile of each interval's restores.
//!
//! Text is drawn with DejaVu Sans compiled into the binary, so the PNG does not depend
//! on the fonts installed on the machine.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::ReportError;
use crate::metrics::{RunOutcome, TimelineRow};

const SIZE_PX: (u32, u32) = (1000, 600);
const FONT: &str = "sans-serif";
const SECONDS_PER_DAY: f64 = 86_400.0;
const MIB: f64 = (1u64 << 20) as f64;
/// Top of the axis of fractions, with room for the legend above 1.
const FRACTION_TOP: f64 = 1.25;

/// Most points a line gets: samples are combined into at most this many equal spans
/// of virtual time, so that a year of hourly samples reads as a curve, not a band.
const BINS: usize = 250;

/// Stems of the plots, each written as `.png` and `.svg`, in the order drawn.
pub const PLOTS: [&str; 4] = [
    "recovery",
    "durability",
    "repair-traffic",
    "restore-latency",
];

/// One line of a plot.
struct Series {
    label: &'static str,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
}

/// A plot: its title, the meaning of its vertical axis and its lines.
struct Figure {
    title: String,
    y_desc: &'static str,
    /// Top of the vertical axis; `None` fits the data.
    y_max: Option<f64>,
    series: Vec<Series>,
}

/// Draws the plot `stem` of [`PLOTS`] as PNG or SVG, chosen by the file's extension.
pub(super) fn draw(path: &Path, stem: &str, outcome: &RunOutcome) -> Result<(), ReportError> {
    register_font();
    let figure = match stem {
        "recovery" => recovery(outcome),
        "durability" => durability(outcome),
        "repair-traffic" => repair_traffic(outcome),
        "restore-latency" => restore_latency(outcome),
        other => unreachable!("no plot is named {other}"),
    };
    let plot_error = |reason: String| ReportError::Plot {
        path: path.to_path_buf(),
        reason,
    };

    let is_svg = path.extension().is_some_and(|extension| extension == "svg");
    if is_svg {
        let root = SVGBackend::new(path, SIZE_PX).into_drawing_area();
        draw_figure(&root, &figure, outcome).map_err(|error| plot_error(error.to_string()))?;
        root.present()
            .map_err(|error| plot_error(error.to_string()))
    } else {
        let root = BitMapBackend::new(path, SIZE_PX).into_drawing_area();
        draw_figure(&root, &figure, outcome).map_err(|error| plot_error(error.to_string()))?;
        root.present()
            .map_err(|error| plot_error(error.to_string()))
    }
}

fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the DejaVu Sans font compiled into the binary is valid"));
    });
}

fn days(row: &TimelineRow) -> f64 {
    row.time_s as f64 / SECONDS_PER_DAY
}

fn title(what: &str, outcome: &RunOutcome) -> String {
    format!(
        "{what}: {} (seed {})",
        outcome.summary.scenario, outcome.summary.seed
    )
}

fn recovery(outcome: &RunOutcome) -> Figure {
    let restorable: Vec<(f64, f64)> = outcome
        .timeline
        .iter()
        .filter_map(|row| Some((days(row), row.restorable_fraction()?)))
        .collect();
    let restorable = binned(&restorable, run_days(outcome), Combine::Min);
    Figure {
        title: title("Recovery over time", outcome),
        y_desc: "fraction (0 to 1)",
        y_max: Some(FRACTION_TOP),
        series: vec![
            Series {
                label: "backups restorable now",
                colour: BLUE,
                points: restorable,
            },
            Series {
                label: "drill success rate, cumulative",
                colour: RED,
                points: drill_success(outcome),
            },
        ],
    }
}

fn durability(outcome: &RunOutcome) -> Figure {
    let of_stripes = |count: fn(&TimelineRow) -> u64, combine| -> Vec<(f64, f64)> {
        let fractions: Vec<(f64, f64)> = outcome
            .timeline
            .iter()
            .filter(|row| row.stripes_created > 0)
            .map(|row| (days(row), count(row) as f64 / row.stripes_created as f64))
            .collect();
        binned(&fractions, run_days(outcome), combine)
    };
    Figure {
        title: title("Durability", outcome),
        y_desc: "fraction of stripes (0 to 1)",
        y_max: Some(FRACTION_TOP),
        series: vec![
            Series {
                label: "stripes restorable now",
                colour: BLUE,
                points: of_stripes(|row| row.stripes_restorable, Combine::Min),
            },
            Series {
                label: "stripes below the repair threshold",
                colour: RED,
                points: of_stripes(|row| row.stripes_below_threshold, Combine::Max),
            },
        ],
    }
}

fn repair_traffic(outcome: &RunOutcome) -> Figure {
    let samples: Vec<(f64, f64)> = outcome
        .timeline
        .iter()
        .map(|row| (days(row), row.repair_bytes as f64 / MIB))
        .collect();
    Figure {
        title: title("Repair traffic", outcome),
        y_desc: "MiB moved by repairs per day",
        y_max: None,
        series: vec![Series {
            label: "repair traffic",
            colour: BLUE,
            points: binned(&samples, run_days(outcome), Combine::PerDay),
        }],
    }
}

fn restore_latency(outcome: &RunOutcome) -> Figure {
    let percentile = |pick: fn(&TimelineRow) -> Option<f64>, combine| -> Vec<(f64, f64)> {
        let samples: Vec<(f64, f64)> = outcome
            .timeline
            .iter()
            .filter_map(|row| Some((days(row), pick(row)?)))
            .collect();
        binned(&samples, run_days(outcome), combine)
    };
    Figure {
        title: title("Restore latency", outcome),
        y_desc: "virtual seconds",
        y_max: None,
        series: vec![
            Series {
                label: "median, mean over each span",
                colour: BLUE,
                points: percentile(|row| row.restore_latency_p50_s, Combine::Mean),
            },
            Series {
                label: "99th percentile, highest in each span",
                colour: RED,
                points: percentile(|row| row.restore_latency_p99_s, Combine::Max),
            },
        ],
    }
}

/// The rule that turns the samples of one span of time into one point.
#[derive(Clone, Copy)]
enum Combine {
    Mean,
    Max,
    Min,
    /// The sum over the span, divided by its length in days.
    PerDay,
}

/// Combines `points`, ordered by time in days, into at most [`BINS`] equal spans of
/// `0..days`, each drawn at its middle. Spans without samples get no point, except
/// that a rate of zero is drawn for them. With no more points than spans, the points
/// stay as they are, and a rate divides each by the time since the one before.
fn binned(points: &[(f64, f64)], days: f64, combine: Combine) -> Vec<(f64, f64)> {
    if days <= 0.0 || points.is_empty() {
        return Vec::new();
    }
    if points.len() <= BINS {
        return match combine {
            Combine::PerDay => per_day(points),
            _ => points.to_vec(),
        };
    }
    let bins = BINS;
    let width = days / bins as f64;
    let mut spans = vec![(0.0, 0usize, f64::MIN, f64::MAX); bins];
    for &(x, y) in points {
        let bin = ((x / width) as usize).min(bins - 1);
        let (sum, count, max, min) = &mut spans[bin];
        *sum += y;
        *count += 1;
        *max = max.max(y);
        *min = min.min(y);
    }
    spans
        .iter()
        .enumerate()
        .filter_map(|(bin, &(sum, count, max, min))| {
            let middle = (bin as f64 + 0.5) * width;
            match combine {
                Combine::PerDay => Some((middle, sum / width)),
                _ if count == 0 => None,
                Combine::Mean => Some((middle, sum / count as f64)),
                Combine::Max => Some((middle, max)),
                Combine::Min => Some((middle, min)),
            }
        })
        .collect()
}

/// Divides each amount by the days since the previous point, or since 0 for the first.
/// A point with no time before it is left out.
fn per_day(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut previous = 0.0;
    let mut rates = Vec::with_capacity(points.len());
    for &(x, y) in points {
        if x > previous {
            rates.push((x, y / (x - previous)));
        }
        previous = x;
    }
    rates
}

fn run_days(outcome: &RunOutcome) -> f64 {
    outcome.summary.duration_s as f64 / SECONDS_PER_DAY
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    outcome: &RunOutcome,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let days = run_days(outcome);
    let (unit, per_day) = time_unit(days);
    let highest = figure
        .series
        .iter()
        .flat_map(|series| series.points.iter().map(|&(_, y)| y))
        .fold(0.0, f64::max);
    // Headroom above the data keeps the legend clear of the lines.
    let y_max = figure.y_max.unwrap_or(highest * 1.3).max(f64::MIN_POSITIVE);

    let mut chart = ChartBuilder::on(root)
        .caption(&figure.title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..(days * per_day).max(f64::MIN_POSITIVE), 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(format!("virtual time ({unit})"))
        .y_desc(figure.y_desc)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;

    for series in &figure.series {
        let style = series.colour.stroke_width(2);
        let points = series.points.iter().map(|&(x, y)| (x * per_day, y));
        chart
            .draw_series(LineSeries::new(points, style))?
            .label(series.label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    }
    if figure.series.iter().all(|series| series.points.is_empty()) {
        let (width, height) = root.dim_in_pixel();
        let centre = (width as i32 / 2 - 120, height as i32 / 2);
        root.draw(&Text::new("no data in this run", centre, (FONT, 20)))?;
    }

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
}

/// Returns the unit of the time axis for a run of `days`, and how many of it make a
/// day: days from two days on, then hours, minutes or seconds.
fn time_unit(days: f64) -> (&'static str, f64) {
    if days >= 2.0 {
        ("days", 1.0)
    } else if days * 24.0 >= 2.0 {
        ("hours", 24.0)
    } else if days * 1_440.0 >= 2.0 {
        ("minutes", 1_440.0)
    } else {
        ("seconds", SECONDS_PER_DAY)
    }
}

/// Cumulative share of drills passed, at each sample after the first drill.
fn drill_success(outcome: &RunOutcome) -> Vec<(f64, f64)> {
    let (mut passed, mut total) = (0u64, 0u64);
    let mut points = Vec::new();
    for row in &outcome.timeline {
        passed += row.drills_passed;
        total += row.drills_passed + row.drills_failed;
        if total > 0 {
            points.push((days(row), passed as f64 / total as f64));
        }
    }
    // The cumulative rate changes slowly, so the last value of each span stands for it.
    binned(&points, run_days(outcome), Combine::Max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_combine_into_spans() {
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|i| ((i as f64 + 0.5) / 100.0, 1.0 + 2.0 * (i % 2) as f64))
            .collect();
        let rates = binned(&points, 10.0, Combine::PerDay);
        assert_eq!(rates.len(), BINS);
        // Four samples of 1, 3, 1 and 3 per span of 0.04 days: 200 a day.
        assert!(rates.iter().all(|&(_, rate)| (rate - 200.0).abs() < 1e-6));
        let spans = |combine| -> Vec<f64> {
            binned(&points, 10.0, combine)
                .iter()
                .map(|&(_, y)| y)
                .collect()
        };
        assert!(spans(Combine::Mean).iter().all(|&y| (y - 2.0).abs() < 1e-9));
        assert!(spans(Combine::Max).iter().all(|&y| y == 3.0));
        assert!(spans(Combine::Min).iter().all(|&y| y == 1.0));
    }

    #[test]
    fn few_samples_stay_as_they_are() {
        let points = [(0.0, 0.0), (0.5, 2.0), (1.0, 4.0)];
        assert_eq!(binned(&points, 1.0, Combine::Mean), points.to_vec());
        assert_eq!(
            binned(&points, 1.0, Combine::PerDay),
            vec![(0.5, 4.0), (1.0, 8.0)]
        );
    }
}
