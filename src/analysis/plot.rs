//! Plots with plotters: the error spectrum against the weighting curves, and a shaper's
//! response against its hearing curve. PNG or SVG by the file's extension. Text uses the
//! Ubuntu Light font embedded from `epaint_default_fonts`, so no system font is needed.
//!
//! ```no_run
//! use aquant::analysis::{analyze, plot};
//! let reference = vec![0.0; 48_000];
//! let test: Vec<f64> = (0..48_000).map(|i| ((i * 7919 % 101) as f64 - 50.0) * 1e-6).collect();
//! let report = analyze(&reference, &test, 1, 48_000.0).unwrap();
//! plot::plot_report(&report, "error", std::path::Path::new("error.svg")).unwrap();
//! ```

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::NoiseReport;
use crate::shaping::{Curve, ShaperDesign};
use crate::{Error, Result};

/// Image size in pixels.
const SIZE: (u32, u32) = (1200, 700);

/// One line on a plot.
struct Series {
    label: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

/// Plots a report's error spectrum (dBFS/Hz, left axis) with the A and ITU-R 468 curves (dB,
/// right axis) over 20 Hz..rate/2.
pub fn plot_report(report: &NoiseReport, title: &str, path: &Path) -> Result<()> {
    let s = &report.spectrum;
    let points: Vec<(f64, f64)> = (1..s.psd.len())
        .filter(|&k| s.freq(k) >= 20.0)
        .map(|k| (s.freq(k), 10.0 * s.psd[k].max(1e-30).log10()))
        .collect();
    let caption = format!(
        "{title}: 468-wtd {:.1} dBFS, A-wtd {:.1} dBFS, unweighted {:.1} dBFS",
        report.r468_dbfs, report.a_weighted_dbfs, report.unweighted_dbfs
    );
    let primary = vec![Series {
        label: "error spectrum (dBFS/Hz)".into(),
        color: RGBColor(30, 90, 200),
        points,
    }];
    let curves = vec![
        curve_series(&Curve::Itu468, "ITU-R 468 (dB)", RED, report.rate),
        curve_series(
            &Curve::A,
            "A-weighting (dB)",
            RGBColor(0, 150, 60),
            report.rate,
        ),
    ];
    render(
        path,
        &caption,
        report.rate,
        "error density, dBFS/Hz",
        primary,
        Some(("weighting, dB", curves)),
    )
}

/// Plots a shaper's noise-transfer gain `|H(f)|` and, shifted by the design's mean, the
/// inverse of its hearing curve (what the filter approximates), both in dB.
pub fn plot_design(design: &ShaperDesign, path: &Path) -> Result<()> {
    let rate = design.rate();
    let freqs = log_grid(rate);
    let response: Vec<(f64, f64)> = freqs.iter().map(|&f| (f, design.response_db(f))).collect();
    let caption = format!(
        "noise shaper: order {}, {} curve, {:.0} Hz, peak gain {:.1} dB",
        design.order(),
        design.curve().name(),
        rate,
        design.peak_gain_db()
    );
    let curve = design.curve();
    let inverse: Vec<(f64, f64)> = freqs
        .iter()
        .filter(|&&f| f <= super::measured_band(rate).1)
        .map(|&f| (f, -curve.db(f)))
        .filter(|p| p.1.is_finite() && p.1 > -80.0 && p.1 < 80.0)
        .collect();
    let series = vec![
        Series {
            label: "|H(f)| noise gain (dB)".into(),
            color: RGBColor(30, 90, 200),
            points: response,
        },
        Series {
            label: format!("inverse {} curve (dB)", curve.name()),
            color: RED,
            points: inverse,
        },
    ];
    render(path, &caption, rate, "dB", series, None)
}

fn log_grid(rate: f64) -> Vec<f64> {
    let (lo, hi) = (20f64, rate / 2.0);
    (0..=800)
        .map(|i| lo * (hi / lo).powf(i as f64 / 800.0))
        .collect()
}

fn curve_series(curve: &Curve, label: &str, color: RGBColor, rate: f64) -> Series {
    Series {
        label: label.into(),
        color,
        points: log_grid(rate)
            .into_iter()
            .map(|f| (f, curve.db(f).max(-60.0)))
            .collect(),
    }
}

fn y_range(series: &[Series]) -> (f64, f64) {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    if lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.05).max(1.0);
        (lo - pad, hi + pad)
    } else {
        (-1.0, 1.0)
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a valid TrueType file shipped inside the crate; registering cannot fail
        // for it, and if it did, text would be missing rather than the plot.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("plot: {e}")),
    }
}

fn render(
    path: &Path,
    caption: &str,
    rate: f64,
    y_label: &str,
    primary: Vec<Series>,
    secondary: Option<(&str, Vec<Series>)>,
) -> Result<()> {
    register_font();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw(&root, caption, rate, y_label, &primary, secondary.as_ref())
                .map_err(|e| plot_error(path, e))?;
            root.present().map_err(|e| plot_error(path, e))
        }
        Some("svg") => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw(&root, caption, rate, y_label, &primary, secondary.as_ref())
                .map_err(|e| plot_error(path, e))?;
            root.present().map_err(|e| plot_error(path, e))
        }
        _ => Err(Error::invalid(
            "plot",
            format!("{}: the file name must end in .png or .svg", path.display()),
        )),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    caption: &str,
    rate: f64,
    y_label: &str,
    primary: &[Series],
    secondary: Option<&(&str, Vec<Series>)>,
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let x_range = (20f64..rate / 2.0).log_scale();
    let (y0, y1) = y_range(primary);
    let (s0, s1) = secondary.map_or((-60.0, 20.0), |(_, s)| y_range(s));
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .right_y_label_area_size(if secondary.is_some() { 60 } else { 0 })
        .build_cartesian_2d(x_range.clone(), y0..y1)?
        .set_secondary_coord(x_range, s0..s1);
    chart
        .configure_mesh()
        .x_desc("frequency, Hz")
        .y_desc(y_label)
        .label_style(("sans-serif", 16))
        .draw()?;
    for s in primary {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), color))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    if let Some((label, series)) = secondary {
        chart
            .configure_secondary_axes()
            .y_desc(*label)
            .label_style(("sans-serif", 16))
            .draw()?;
        for s in series {
            let color = s.color;
            chart
                .draw_secondary_series(LineSeries::new(s.points.iter().copied(), color))?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()?;
    Ok(())
}
