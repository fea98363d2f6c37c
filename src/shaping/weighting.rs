//! Hearing curves: how much a listener hears noise at each frequency, in dB relative to 1 kHz.
//!
//! Each curve comes from its published formula:
//!
//! * [`Curve::Itu468`]: ITU-R BS.468-4 (1986), the weighting network's response written as a
//!   closed-form polynomial ratio (the form given in the Recommendation's annex and widely
//!   reproduced), +18.2 dB so that it reads 0 dB at 1 kHz and +12.2 dB at 6.3 kHz.
//! * [`Curve::A`]: IEC 61672-1:2013, Annex E, equations (E.1) and (E.6): four real poles at
//!   20.6, 107.7, 737.9 and 12194 Hz, normalized to 0 dB at 1 kHz.
//! * [`Curve::Ath`]: the absolute threshold of hearing in Terhardt's approximation (E. Terhardt,
//!   "Calculating virtual pitch", Hearing Research 1, 1979), negated so that a quieter
//!   threshold means a higher weight, and normalized to 0 dB at 1 kHz.
//! * [`Curve::Custom`]: points a user supplies, interpolated linearly in dB over log-frequency.
//!
//! ```
//! use aquant::shaping::Curve;
//! // ITU-R BS.468: +12.2 dB at 6.3 kHz (the table in the Recommendation).
//! assert!((Curve::Itu468.db(6300.0) - 12.2).abs() < 0.1);
//! // IEC 61672 A-weighting: −19.1 dB at 100 Hz.
//! assert!((Curve::A.db(100.0) + 19.1).abs() < 0.1);
//! ```

use crate::{Error, Result};

/// A hearing (weighting) curve.
#[derive(Debug, Clone, PartialEq)]
pub enum Curve {
    /// ITU-R BS.468-4 noise weighting (the "468" or CCIR curve), 0 dB at 1 kHz.
    Itu468,
    /// IEC 61672-1 A-weighting, 0 dB at 1 kHz.
    A,
    /// Negated absolute threshold of hearing (Terhardt), 0 dB at 1 kHz.
    Ath,
    /// A user's curve: `(frequency in Hz, gain in dB)` points with strictly increasing,
    /// positive frequencies; interpolated linearly in dB over log-frequency and held constant
    /// beyond the first and last point.
    Custom(Vec<(f64, f64)>),
}

impl Curve {
    /// Checks a custom curve's points (at least one, finite, frequencies positive and strictly
    /// increasing). The built-in curves are always valid.
    pub fn validate(&self) -> Result<()> {
        if let Curve::Custom(points) = self {
            if points.is_empty() {
                return Err(Error::invalid(
                    "curve",
                    "a custom curve needs at least one point",
                ));
            }
            let mut last = 0.0;
            for &(f, db) in points {
                if !(f.is_finite() && db.is_finite() && f > last) {
                    return Err(Error::invalid(
                        "curve",
                        format!(
                            "point ({f} Hz, {db} dB): frequencies must be positive and \
                             strictly increasing, gains finite"
                        ),
                    ));
                }
                last = f;
            }
        }
        Ok(())
    }

    /// The curve's short name (`r468`, `a`, `ath`, `custom`), as the CLI spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Curve::Itu468 => "r468",
            Curve::A => "a",
            Curve::Ath => "ath",
            Curve::Custom(_) => "custom",
        }
    }

    /// Parses a built-in curve's name (`r468`/`468`/`itu468`, `a`, `ath`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "r468" | "468" | "itu468" | "itu-r-468" | "ccir" => Some(Curve::Itu468),
            "a" | "a-weighting" | "dba" => Some(Curve::A),
            "ath" | "threshold" => Some(Curve::Ath),
            _ => None,
        }
    }

    /// Gain in dB at `freq` Hz (−∞ at 0 Hz for the built-in curves).
    pub fn db(&self, freq: f64) -> f64 {
        match self {
            Curve::Itu468 => itu468_db(freq),
            Curve::A => a_weighting_db(freq),
            Curve::Ath => -(ath_spl_db(freq) - ath_spl_db(1000.0)),
            Curve::Custom(points) => custom_db(points, freq),
        }
    }

    /// Power gain (linear, `10^(dB/10)`) at `freq` Hz; 0 where the curve is −∞.
    pub fn power(&self, freq: f64) -> f64 {
        let db = self.db(freq);
        if db.is_finite() {
            10f64.powf(db / 10.0)
        } else {
            0.0
        }
    }
}

/// ITU-R BS.468-4 weighting in dB.
fn itu468_db(f: f64) -> f64 {
    if f <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let (f2, f3) = (f * f, f * f * f);
    let (f4, f5, f6) = (f2 * f2, f2 * f3, f3 * f3);
    let h1 = -4.737_338_981_378_384e-24 * f6 + 2.043_828_333_606_125e-15 * f4
        - 1.363_894_795_463_638e-7 * f2
        + 1.0;
    let h2 = 1.306_612_257_412_824e-19 * f5 - 2.118_150_887_518_656e-11 * f3
        + 5.559_488_023_498_642e-4 * f;
    let r = 1.246_332_637_532_143e-4 * f / (h1 * h1 + h2 * h2).sqrt();
    18.2 + 20.0 * r.log10()
}

/// IEC 61672-1 A-weighting in dB (exactly 0 at 1 kHz).
fn a_weighting_db(f: f64) -> f64 {
    fn response(f: f64) -> f64 {
        let f2 = f * f;
        let (p1, p2, p3, p4) = (20.598_997f64, 107.652_65f64, 737.862_23f64, 12_194.217f64);
        p4 * p4 * f2 * f2
            / ((f2 + p1 * p1) * ((f2 + p2 * p2) * (f2 + p3 * p3)).sqrt() * (f2 + p4 * p4))
    }
    if f <= 0.0 {
        return f64::NEG_INFINITY;
    }
    20.0 * (response(f) / response(1000.0)).log10()
}

/// Terhardt's absolute threshold of hearing, dB SPL.
fn ath_spl_db(f: f64) -> f64 {
    if f <= 0.0 {
        return f64::INFINITY;
    }
    let k = f / 1000.0;
    3.64 * k.powf(-0.8) - 6.5 * (-0.6 * (k - 3.3) * (k - 3.3)).exp() + 1e-3 * k.powi(4)
}

fn custom_db(points: &[(f64, f64)], f: f64) -> f64 {
    let Some(&(f0, d0)) = points.first() else {
        return 0.0;
    };
    if f <= f0 {
        return d0;
    }
    for w in points.windows(2) {
        let ((fa, da), (fb, db)) = (w[0], w[1]);
        if f <= fb {
            let t = (f / fa).ln() / (fb / fa).ln();
            return da + t * (db - da);
        }
    }
    points[points.len() - 1].1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ITU-R BS.468-4, Table 1 (nominal response of the weighting network).
    const ITU468_TABLE: [(f64, f64); 21] = [
        (31.5, -29.9),
        (63.0, -23.9),
        (100.0, -19.8),
        (200.0, -13.8),
        (400.0, -7.8),
        (800.0, -1.9),
        (1000.0, 0.0),
        (2000.0, 5.6),
        (3150.0, 9.0),
        (4000.0, 10.5),
        (5000.0, 11.7),
        (6300.0, 12.2),
        (7100.0, 12.0),
        (8000.0, 11.4),
        (9000.0, 10.1),
        (10000.0, 8.1),
        (12500.0, 0.0),
        (14000.0, -5.3),
        (16000.0, -11.7),
        (20000.0, -22.2),
        (31500.0, -42.7),
    ];

    /// IEC 61672-1:2013, Table 3 (A-weighting at nominal frequencies).
    const A_TABLE: [(f64, f64); 14] = [
        (10.0, -70.4),
        (31.5, -39.4),
        (63.0, -26.2),
        (100.0, -19.1),
        (250.0, -8.6),
        (500.0, -3.2),
        (1000.0, 0.0),
        (2000.0, 1.2),
        (4000.0, 1.0),
        (6300.0, -0.1),
        (8000.0, -1.1),
        (10000.0, -2.5),
        (16000.0, -6.6),
        (20000.0, -9.3),
    ];

    #[test]
    fn itu468_matches_the_recommendations_table() {
        for (f, want) in ITU468_TABLE {
            let got = Curve::Itu468.db(f);
            // The table's nominal frequencies are rounded (e.g. 6300 for 10^3.8), so allow the
            // table's rounding plus the curve's slope over that rounding.
            assert!((got - want).abs() < 0.2, "{f} Hz: {got} dB, table {want}");
        }
    }

    #[test]
    fn a_weighting_matches_iec_61672_table() {
        for (f, want) in A_TABLE {
            // Table 3 lists the exact base-10 frequencies' values at nominal labels; the
            // exact frequency is 10^(n/10) × 1000.
            let exact = 1000.0 * 10f64.powf((10.0 * (f / 1000.0f64).log10()).round() / 10.0);
            let got = Curve::A.db(exact);
            assert!((got - want).abs() < 0.06, "{f} Hz: {got} dB, table {want}");
        }
    }

    #[test]
    fn ath_is_zero_at_1k_and_falls_off_at_the_edges() {
        assert!(Curve::Ath.db(1000.0).abs() < 1e-12);
        // Most sensitive near 3.3 kHz (the threshold's dip), deaf above 18 kHz.
        assert!(Curve::Ath.db(3300.0) > 5.0);
        assert!(Curve::Ath.db(18000.0) < -90.0);
        assert!(Curve::Ath.db(50.0) < -15.0);
    }

    #[test]
    fn custom_interpolates_in_log_frequency() {
        let c = Curve::Custom(vec![(100.0, -10.0), (10000.0, 10.0)]);
        c.validate().unwrap();
        assert!((c.db(1000.0) - 0.0).abs() < 1e-12);
        assert_eq!(c.db(10.0), -10.0);
        assert_eq!(c.db(20000.0), 10.0);
        assert!(Curve::Custom(vec![(100.0, 0.0), (50.0, 1.0)])
            .validate()
            .is_err());
        assert!(Curve::Custom(vec![]).validate().is_err());
        assert!(Curve::Custom(vec![(f64::NAN, 0.0)]).validate().is_err());
    }
}
