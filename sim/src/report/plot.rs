//! The recovery plot: restorable fraction of backups and drill success over time.
//!
//! Text is drawn with DejaVu Sans compiled into the binary, so the PNG does not depend
//! on the fonts installed on the machine.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::ReportError;
use crate::metrics::RunOutcome;

const SIZE_PX: (u32, u32) = (1000, 600);
const FONT: &str = "sans-serif";
const SECONDS_PER_DAY: f64 = 86_400.0;

/// Draws the plot as PNG or SVG, chosen by the file's extension.
pub(super) fn draw_recovery(path: &Path, outcome: &RunOutcome) -> Result<(), ReportError> {
    register_font();
    let plot_error = |reason: String| ReportError::Plot {
        path: path.to_path_buf(),
        reason,
    };

    let is_svg = path.extension().is_some_and(|extension| extension == "svg");
    if is_svg {
        let root = SVGBackend::new(path, SIZE_PX).into_drawing_area();
        draw(&root, outcome).map_err(|error| plot_error(error.to_string()))?;
        root.present()
            .map_err(|error| plot_error(error.to_string()))
    } else {
        let root = BitMapBackend::new(path, SIZE_PX).into_drawing_area();
        draw(&root, outcome).map_err(|error| plot_error(error.to_string()))?;
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

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, outcome: &RunOutcome) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let days = outcome.summary.duration_s as f64 / SECONDS_PER_DAY;
    let title = format!(
        "Recovery over time: {} (seed {})",
        outcome.summary.scenario, outcome.summary.seed
    );

    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..days.max(f64::MIN_POSITIVE), 0.0..1.02)?;
    chart
        .configure_mesh()
        .x_desc("virtual time (days)")
        .y_desc("fraction (0 to 1)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;

    let restorable = outcome.timeline.iter().filter_map(|row| {
        let fraction = row.restorable_fraction()?;
        Some((row.time_s as f64 / SECONDS_PER_DAY, fraction))
    });
    chart
        .draw_series(LineSeries::new(restorable, BLUE.stroke_width(2)))?
        .label("backups restorable now")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));

    chart
        .draw_series(LineSeries::new(drill_success(outcome), RED.stroke_width(2)))?
        .label("drill success rate, cumulative")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
}

/// Cumulative share of drills passed, at each sample after the first drill.
fn drill_success(outcome: &RunOutcome) -> Vec<(f64, f64)> {
    let (mut passed, mut total) = (0u64, 0u64);
    let mut points = Vec::new();
    for row in &outcome.timeline {
        passed += row.drills_passed;
        total += row.drills_passed + row.drills_failed;
        if total > 0 {
            points.push((
                row.time_s as f64 / SECONDS_PER_DAY,
                passed as f64 / total as f64,
            ));
        }
    }
    points
}
