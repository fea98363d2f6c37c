//! Streaming invariance of the G.711 codecs: any chunking gives the bytes of one call.

use aquant::codecs::g711::{G711Decoder, G711Encoder, G711Quantizer, Law, Rule};
use aquant::codecs::{Decoder, Encoder};
use aquant::{Dither, Flush, Processor, SimdLevel};
use proptest::prelude::*;

fn law_rule() -> impl Strategy<Value = (Law, Rule)> {
    prop_oneof![
        Just((Law::MuLaw, Rule::Itu)),
        Just((Law::ALaw, Rule::Itu)),
        Just((Law::MuLaw, Rule::Nearest)),
        Just((Law::ALaw, Rule::Nearest)),
    ]
}

fn level() -> impl Strategy<Value = SimdLevel> {
    prop_oneof![
        Just(SimdLevel::Scalar),
        Just(SimdLevel::Avx2),
        Just(SimdLevel::Avx512)
    ]
}

/// Splits `len` into chunks of the given sizes (cycled; zero sizes give empty calls), the last
/// one taking the rest. When every size is zero, one empty call is followed by the whole.
fn chunks(len: usize, sizes: &[usize]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < len {
        let mut n = sizes[i % sizes.len()].min(len - at);
        if n == 0 && i >= sizes.len() && sizes.iter().all(|&s| s == 0) {
            n = len - at;
        }
        v.push((at, at + n));
        at += n;
        i += 1;
    }
    v
}

proptest! {
    #[test]
    fn encoder_and_decoder_are_chunking_invariant(
        input in prop::collection::vec(any::<i16>(), 0..3000),
        sizes in prop::collection::vec(0usize..200, 1..8),
        (law, rule) in law_rule(),
        level in level(),
        channels in 1usize..6,
    ) {
        let mut whole = vec![0u8; input.len()];
        let mut enc = G711Encoder::new(law, rule, channels).unwrap().with_simd(level);
        let p = enc.encode(&input, &mut whole, Flush::Finish).unwrap();
        prop_assert!(p.finished && p.consumed == input.len());

        let mut enc = G711Encoder::new(law, rule, channels).unwrap().with_simd(SimdLevel::Scalar);
        let mut chunked = vec![0u8; input.len()];
        for (a, b) in chunks(input.len(), &sizes) {
            let p = enc.encode(&input[a..b], &mut chunked[a..b], Flush::None).unwrap();
            prop_assert_eq!((p.consumed, p.produced), (b - a, b - a));
        }
        prop_assert_eq!(&chunked, &whole);

        let mut pcm_whole = vec![0i16; whole.len()];
        G711Decoder::new(law, channels).unwrap().with_simd(level)
            .decode(&whole, &mut pcm_whole, Flush::Finish).unwrap();
        let mut dec = G711Decoder::new(law, channels).unwrap();
        let mut pcm = vec![0i16; whole.len()];
        for (a, b) in chunks(whole.len(), &sizes) {
            dec.decode(&whole[a..b], &mut pcm[a..b], Flush::None).unwrap();
        }
        prop_assert_eq!(pcm, pcm_whole);
    }

    #[test]
    fn float_quantizer_with_dither_is_chunking_invariant(
        input in prop::collection::vec(-1.2f32..1.2, 0..2000),
        sizes in prop::collection::vec(1usize..700, 1..6),
        (law, rule) in law_rule(),
        channels in 1usize..5,
        seed in any::<u64>(),
    ) {
        let dither = Dither::tpdf().with_seed(seed);
        let mut whole = vec![0u8; input.len()];
        G711Quantizer::new(law, rule, channels, dither).unwrap().process(&input, &mut whole).unwrap();
        let mut q = G711Quantizer::new(law, rule, channels, dither).unwrap();
        let mut chunked = vec![0u8; input.len()];
        for (a, b) in chunks(input.len(), &sizes) {
            q.process(&input[a..b], &mut chunked[a..b]).unwrap();
        }
        prop_assert_eq!(&chunked, &whole);
        // reset() restarts the dither sequence.
        q.reset();
        let mut again = vec![0u8; input.len()];
        Processor::<f32, u8>::process(&mut q, &input, &mut again).unwrap();
        prop_assert_eq!(again, whole);
    }
}
