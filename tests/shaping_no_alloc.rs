//! The shaper allocates nothing after construction (assert_no_alloc aborts on allocation).

use aquant::shaping::{NoiseShaper, Preset};
use aquant::{Processor, SimdLevel};

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

#[test]
fn process_and_reset_never_allocate() {
    let input: Vec<f32> = (0..10_001)
        .map(|i| (i as f32 * 0.01).sin() * if i % 1000 == 0 { 2.0 } else { 0.9 })
        .collect();
    let mut out16 = vec![0i16; input.len()];
    let mut out24 = vec![aquant::I24::new_unchecked(0); input.len()];
    let mut outf = vec![0f32; input.len()];
    for preset in [Preset::Shaped, Preset::ShapedLight, Preset::ShapedStrong] {
        for channels in [1usize, 2, 3] {
            for level in SimdLevel::available() {
                let mut s = NoiseShaper::preset(channels, Some(16), 48000.0, preset, 1)
                    .unwrap()
                    .with_simd(level);
                assert_no_alloc::assert_no_alloc(|| {
                    s.process(&input[..777], &mut out16[..777]).unwrap();
                    s.process(&input[777..], &mut out16[777..]).unwrap();
                    s.process(&input, &mut out24).unwrap();
                    s.process(&input, &mut outf).unwrap();
                    s.reset();
                    let _ = s.process(&input[..3], &mut out16[..2]);
                });
            }
        }
    }
}
