//! After construction, `process` never allocates: proven with assert_no_alloc's allocator,
//! which aborts the test process on any allocation inside `assert_no_alloc`.

use aquant::{Dither, DitherKind, Processor, SimdLevel, UniformQuantizer, I24};
use assert_no_alloc::{assert_no_alloc, AllocDisabler};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn uniform_quantizer_process_does_not_allocate() {
    let input_f32: Vec<f32> = (0..4099)
        .map(|i| ((i as f32) * 0.013).sin() * 1.1)
        .collect();
    let input_i16: Vec<i16> = (0..4099).map(|i| (i * 17) as i16).collect();
    let input_f64: Vec<f64> = input_f32.iter().map(|&x| x as f64).collect();
    let mut out_i16 = vec![0i16; 4099];
    let mut out_u8 = vec![0u8; 4099];
    let mut out_i24 = vec![I24::new_unchecked(0); 4099];
    let mut out_f32 = vec![0f32; 4099];
    for kind in [
        DitherKind::None,
        DitherKind::Rpdf,
        DitherKind::Tpdf,
        DitherKind::TpdfHighPass,
    ] {
        for level in SimdLevel::available() {
            let mut q = UniformQuantizer::new(3, None, Dither::new(kind))
                .unwrap()
                .with_simd(level);
            let mut q12 = UniformQuantizer::new(3, Some(12), Dither::new(kind))
                .unwrap()
                .with_simd(level);
            let mut q20 = UniformQuantizer::new(3, Some(20), Dither::new(kind)).unwrap();
            assert_no_alloc(|| {
                for chunk in [1usize, 15, 16, 17, 4099] {
                    q.process(&input_f32[..chunk], &mut out_i16[..chunk])
                        .unwrap();
                    q12.process(&input_f32[..chunk], &mut out_i16[..chunk])
                        .unwrap();
                    q.process(&input_f32[..chunk], &mut out_u8[..chunk])
                        .unwrap();
                    q.process(&input_f64[..chunk], &mut out_i24[..chunk])
                        .unwrap();
                    q.process(&input_i16[..chunk], &mut out_u8[..chunk])
                        .unwrap();
                    q.process(&input_i16[..chunk], &mut out_f32[..chunk])
                        .unwrap();
                    q12.process(&input_f64[..chunk], &mut out_f32[..chunk])
                        .unwrap();
                }
                // Errors are returned without allocating too (the error values hold no heap data).
                assert!(q.process(&input_f32[..3], &mut out_i16[..2]).is_err());
                assert!(q20.process(&input_f32[..3], &mut out_i16[..3]).is_err());
                q.reset();
            });
        }
    }
}
