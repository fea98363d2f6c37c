//! Sample types: aquant reads and writes `dasp_sample`'s types (`i8`, `u8`, `i16`, `I24`,
//! `i32`, `f32`, `f64`, ...) directly, so DSP apps and cpal callbacks need no conversion code.
//!
//! The conversions here are exact: every integer sample maps to the float `code / 2^(bits-1)`
//! (the full-scale convention of sox, ffmpeg and hound), which `f64` represents exactly.

pub use dasp_sample::I24;

/// What a sample type is, as the quantizer needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Signed integer container of this many bits (unsigned types are stored offset).
    Int {
        /// Container width in bits.
        bits: u32,
        /// Whether the container is unsigned (offset binary, as 8-bit WAV).
        unsigned: bool,
    },
    /// IEEE float, 32-bit.
    F32,
    /// IEEE float, 64-bit.
    F64,
}

impl SampleKind {
    /// A short name of the type (`i16`, `u8`, `f32`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Int {
                bits: 8,
                unsigned: true,
            } => "u8",
            SampleKind::Int { bits: 8, .. } => "i8",
            SampleKind::Int {
                bits: 16,
                unsigned: true,
            } => "u16",
            SampleKind::Int { bits: 16, .. } => "i16",
            SampleKind::Int { bits: 24, .. } => "I24",
            SampleKind::Int { .. } => "i32",
            SampleKind::F32 => "f32",
            SampleKind::F64 => "f64",
        }
    }
    /// Bits of the container.
    pub fn container_bits(self) -> u32 {
        match self {
            SampleKind::Int { bits, .. } => bits,
            SampleKind::F32 => 32,
            SampleKind::F64 => 64,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A sample type aquant can read and write. Implemented for `u8`, `i8`, `i16`, `u16`, [`I24`],
/// `i32`, `f32` and `f64`. Sealed: the set is closed so that every conversion is exact.
pub trait AudioSample: dasp_sample::Sample + Copy + Send + Sync + 'static + sealed::Sealed {
    /// What this type is.
    const KIND: SampleKind;
    /// The sample as a float where full scale is ±1 (`code / 2^(bits-1)` for integers): exact.
    fn to_f64(self) -> f64;
    /// Builds the sample from a signed code at the container's full width (for integer
    /// containers; the caller guarantees range). Floats take `code / 2^(container-1)`.
    fn from_code(code: i32) -> Self;
    /// Builds a float sample; integer types round to nearest and saturate (used only for
    /// float-to-float paths; the quantizer never calls it for integer outputs).
    fn from_f64(x: f64) -> Self;
    /// The slice as `f32`s, when `Self` is `f32` (lets the SIMD path take it without copying).
    fn as_f32_slice(s: &[Self]) -> Option<&[f32]> {
        let _ = s;
        None
    }
    /// The slice as `i16`s, when `Self` is `i16`.
    fn as_i16_slice_mut(s: &mut [Self]) -> Option<&mut [i16]> {
        let _ = s;
        None
    }
}

macro_rules! int_sample {
    ($t:ty, $bits:expr, $unsigned:expr, $to_code:expr, $from_code:expr $(, $extra:item)*) => {
        impl sealed::Sealed for $t {}
        impl AudioSample for $t {
            const KIND: SampleKind = SampleKind::Int {
                bits: $bits,
                unsigned: $unsigned,
            };
            #[inline]
            fn to_f64(self) -> f64 {
                let code: i32 = $to_code(self);
                code as f64 * (1.0 / (1u64 << ($bits - 1)) as f64)
            }
            #[inline]
            fn from_code(code: i32) -> Self {
                $from_code(code)
            }
            #[inline]
            fn from_f64(x: f64) -> Self {
                let scale = (1u64 << ($bits - 1)) as f64;
                let max = scale - 1.0;
                let v = if x.is_nan() {
                    0.0
                } else {
                    (x * scale).round_ties_even().clamp(-scale, max)
                };
                $from_code(v as i32)
            }
            $($extra)*
        }
    };
}

int_sample!(i8, 8, false, |s: i8| s as i32, |c: i32| c as i8);
int_sample!(u8, 8, true, |s: u8| s as i32 - 128, |c: i32| (c + 128)
    as u8);
int_sample!(
    i16,
    16,
    false,
    |s: i16| s as i32,
    |c: i32| c as i16,
    fn as_i16_slice_mut(s: &mut [Self]) -> Option<&mut [i16]> {
        Some(s)
    }
);
int_sample!(
    u16,
    16,
    true,
    |s: u16| s as i32 - 32768,
    |c: i32| (c + 32768) as u16
);
int_sample!(I24, 24, false, |s: I24| s.inner(), |c: i32| {
    I24::new_unchecked(c)
});
int_sample!(i32, 32, false, |s: i32| s, |c: i32| c);

impl sealed::Sealed for f32 {}
impl AudioSample for f32 {
    const KIND: SampleKind = SampleKind::F32;
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_code(code: i32) -> Self {
        (code as f64 * (1.0 / 2147483648.0)) as f32
    }
    #[inline]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn as_f32_slice(s: &[Self]) -> Option<&[f32]> {
        Some(s)
    }
}

impl sealed::Sealed for f64 {}
impl AudioSample for f64 {
    const KIND: SampleKind = SampleKind::F64;
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_code(code: i32) -> Self {
        code as f64 * (1.0 / 2147483648.0)
    }
    #[inline]
    fn from_f64(x: f64) -> Self {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_conversions_match_the_full_scale_convention() {
        assert_eq!(i16::MIN.to_f64(), -1.0);
        assert_eq!(i16::MAX.to_f64(), 32767.0 / 32768.0);
        assert_eq!(0u8.to_f64(), -1.0);
        assert_eq!(128u8.to_f64(), 0.0);
        assert_eq!(I24::new_unchecked(-(1 << 23)).to_f64(), -1.0);
        assert_eq!(i32::MIN.to_f64(), -1.0);
        assert_eq!(u8::from_code(-128), 0);
        assert_eq!(u8::from_code(127), 255);
    }

    #[test]
    fn the_fast_paths_see_their_types() {
        assert!(f32::as_f32_slice(&[0.0]).is_some());
        assert!(i16::as_i16_slice_mut(&mut [0]).is_some());
        assert!(f64::as_f32_slice(&[0.0]).is_none());
        assert!(i32::as_i16_slice_mut(&mut [0]).is_none());
    }

    #[test]
    fn every_i16_round_trips_exactly() {
        for c in i16::MIN..=i16::MAX {
            assert_eq!(i16::from_f64(c.to_f64()), c);
        }
    }
}
