//! After construction, G.711 encode/decode/quantize never allocate.

use aquant::codecs::g711::{G711Decoder, G711Encoder, G711Quantizer, Law, Rule};
use aquant::codecs::{Decoder, Encoder};
use aquant::{Dither, Flush, Processor, SimdLevel};

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

#[test]
fn encode_decode_and_quantize_do_not_allocate() {
    let pcm: Vec<i16> = (0..4099).map(|i| (i * 17 - 32768) as i16).collect();
    let float: Vec<f32> = (0..4099).map(|i| (i as f32 * 0.01).sin()).collect();
    let mut codes = vec![0u8; pcm.len()];
    let mut back = vec![0i16; pcm.len()];
    for level in SimdLevel::available() {
        for law in [Law::MuLaw, Law::ALaw] {
            for rule in [Rule::Itu, Rule::Nearest] {
                let mut enc = G711Encoder::new(law, rule, 2).unwrap().with_simd(level);
                let mut dec = G711Decoder::new(law, 2).unwrap().with_simd(level);
                let mut q = G711Quantizer::new(law, rule, 2, Dither::tpdf())
                    .unwrap()
                    .with_simd(level);
                let mut qi = G711Quantizer::new(law, rule, 2, Dither::none()).unwrap();
                assert_no_alloc::assert_no_alloc(|| {
                    enc.encode(&pcm, &mut codes, Flush::None).unwrap();
                    dec.decode(&codes, &mut back, Flush::Finish).unwrap();
                    q.process(&float, &mut codes).unwrap();
                    qi.process(&pcm, &mut codes).unwrap();
                    aquant::codecs::g711::encode(law, rule, &pcm, &mut codes).unwrap();
                    aquant::codecs::g711::decode(law, &codes, &mut back).unwrap();
                    enc.reset();
                    dec.reset();
                    Processor::<f32, u8>::reset(&mut q);
                });
            }
        }
    }
}
