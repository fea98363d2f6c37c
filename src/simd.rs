//! The one dispatch point for SIMD: which instruction-set level kernels run at.
//!
//! Every processor with a SIMD kernel picks its level once, at construction, with
//! [`SimdLevel::select`]: the best level this CPU supports, lowered by the `AQUANT_SIMD`
//! environment variable (`scalar`, `avx2`, `avx512`) when it is set. A requested level the CPU
//! lacks falls back to the best one below it, never above, so forcing a level is always safe.
//! Each kernel family lives next to its processor, in a `kernels/` folder with one file per
//! level and a scalar reference that every level must match bit for bit.

use std::sync::OnceLock;

/// An instruction-set level, ordered from least to most capable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// Portable scalar Rust: the reference every other level matches.
    Scalar,
    /// x86-64 AVX2 (with FMA, BMI2 and POPCNT, as every AVX2 CPU has).
    Avx2,
    /// x86-64 AVX-512 F, BW, DQ, VL (Skylake-SP and later).
    Avx512,
}

impl SimdLevel {
    /// The name used by `AQUANT_SIMD`.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Scalar => "scalar",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// Parses an `AQUANT_SIMD` value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "scalar" | "none" => Some(SimdLevel::Scalar),
            "avx2" => Some(SimdLevel::Avx2),
            "avx512" | "avx-512" => Some(SimdLevel::Avx512),
            _ => None,
        }
    }

    /// The best level this CPU supports (detected once).
    pub fn detected() -> Self {
        static DETECTED: OnceLock<SimdLevel> = OnceLock::new();
        *DETECTED.get_or_init(detect)
    }

    /// Every level this CPU supports, scalar first.
    pub fn available() -> Vec<SimdLevel> {
        [SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512]
            .into_iter()
            .filter(|&l| l <= Self::detected())
            .collect()
    }

    /// The level to use: `AQUANT_SIMD` if set and supported, else the detected best.
    /// An unknown `AQUANT_SIMD` value is ignored with a warning on stderr.
    pub fn select() -> Self {
        match std::env::var("AQUANT_SIMD") {
            Ok(v) if !v.is_empty() => match Self::from_name(&v) {
                Some(l) => l.min(Self::detected()),
                None => {
                    eprintln!(
                        "aquant: ignoring AQUANT_SIMD={v:?} (expected scalar, avx2 or avx512)"
                    );
                    Self::detected()
                }
            },
            _ => Self::detected(),
        }
    }

    /// `self` if this CPU supports it, else the best supported level below it.
    pub fn clamp_to_cpu(self) -> Self {
        self.min(Self::detected())
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    if is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512vl")
    {
        SimdLevel::Avx512
    } else if is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("popcnt")
    {
        SimdLevel::Avx2
    } else {
        SimdLevel::Scalar
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Scalar
}
