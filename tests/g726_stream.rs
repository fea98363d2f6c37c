//! G.726 streams: any chunking of input and output gives the same bytes and samples as one call
//! (streaming invariance), and decoders take any bytes without panicking.

use aquant::codecs::g726::{
    ChannelDecoder, ChannelEncoder, Dialect, G726Decoder, G726Encoder, Packing, PcmLaw, Rate,
};
use aquant::codecs::{Decoder, Encoder};
use aquant::Flush;
use proptest::prelude::*;

fn rate_strategy() -> impl Strategy<Value = Rate> {
    prop::sample::select(Rate::ALL.to_vec())
}

fn packing_strategy() -> impl Strategy<Value = Packing> {
    prop::sample::select(vec![Packing::MsbFirst, Packing::LsbFirst])
}

/// Runs an encoder over `input` in chunks of the given sizes (input and output sizes cycle).
fn encode_chunked(
    enc: &mut G726Encoder,
    input: &[i16],
    in_sizes: &[usize],
    out_sizes: &[usize],
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    let (mut pos, mut step) = (0, 0);
    loop {
        let n = in_sizes[step % in_sizes.len()].min(input.len() - pos);
        let cap = out_sizes[step % out_sizes.len()];
        let last = pos + n == input.len();
        let flush = if last { Flush::Finish } else { Flush::None };
        let p = enc
            .encode(&input[pos..pos + n], &mut buf[..cap], flush)
            .unwrap();
        out.extend_from_slice(&buf[..p.produced]);
        pos += p.consumed;
        step += 1;
        if p.finished {
            return out;
        }
        assert!(step < 100_000, "no progress");
    }
}

fn decode_chunked(
    dec: &mut G726Decoder,
    input: &[u8],
    in_sizes: &[usize],
    out_sizes: &[usize],
) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = [0i16; 64];
    let (mut pos, mut step) = (0, 0);
    loop {
        let n = in_sizes[step % in_sizes.len()].min(input.len() - pos);
        let cap = out_sizes[step % out_sizes.len()];
        let last = pos + n == input.len();
        let flush = if last { Flush::Finish } else { Flush::None };
        let p = dec
            .decode(&input[pos..pos + n], &mut buf[..cap], flush)
            .unwrap();
        out.extend_from_slice(&buf[..p.produced]);
        pos += p.consumed;
        step += 1;
        if p.finished {
            return out;
        }
        assert!(step < 100_000, "no progress");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn encoder_streaming_invariance(
        rate in rate_strategy(),
        packing in packing_strategy(),
        channels in 1usize..4,
        input in prop::collection::vec(any::<i16>(), 0..1500),
        in_sizes in prop::collection::vec(0usize..300, 1..8).prop_map(|mut v| { v[0] = v[0].max(1); v }),
        out_sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut whole = G726Encoder::new(rate, packing, channels).unwrap();
        let expected = encode_chunked(&mut whole, &input, &[usize::MAX], &[64]);
        let mut chunked = G726Encoder::new(rate, packing, channels).unwrap();
        let got = encode_chunked(&mut chunked, &input, &in_sizes, &out_sizes);
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(got.len(), (input.len() * rate.bits() as usize).div_ceil(8));
        // reset returns to the initial state.
        chunked.reset();
        prop_assert_eq!(encode_chunked(&mut chunked, &input, &[usize::MAX], &[64]), expected);
    }

    #[test]
    fn decoder_streaming_invariance_and_any_bytes(
        rate in rate_strategy(),
        packing in packing_strategy(),
        dialect in prop::sample::select(vec![Dialect::Itu, Dialect::Libsndfile]),
        channels in 1usize..4,
        input in prop::collection::vec(any::<u8>(), 0..800),
        in_sizes in prop::collection::vec(0usize..200, 1..8).prop_map(|mut v| { v[0] = v[0].max(1); v }),
        out_sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut whole = G726Decoder::with_dialect(rate, packing, channels, dialect).unwrap();
        let expected = decode_chunked(&mut whole, &input, &[usize::MAX], &[64]);
        prop_assert_eq!(expected.len(), input.len() * 8 / rate.bits() as usize);
        let mut chunked = G726Decoder::with_dialect(rate, packing, channels, dialect).unwrap();
        let got = decode_chunked(&mut chunked, &input, &in_sizes, &out_sizes);
        prop_assert_eq!(got, expected);
    }

    /// Per-sample coders take any value: extreme linear samples, any G.711 octet, any codeword
    /// byte (bits above the codeword width are ignored).
    #[test]
    fn channel_coders_take_any_value(
        rate in rate_strategy(),
        samples in prop::collection::vec(any::<i16>(), 1..400),
        octets in prop::collection::vec(any::<u8>(), 1..400),
    ) {
        let mut enc = ChannelEncoder::new(rate);
        for &x in &samples {
            prop_assert!(enc.encode_linear(x) < 1 << rate.bits());
        }
        for law in [PcmLaw::MuLaw, PcmLaw::ALaw] {
            let mut enc = ChannelEncoder::new(rate);
            let mut dec = ChannelDecoder::new(rate);
            let mut masked = ChannelDecoder::new(rate);
            for &o in &octets {
                prop_assert!(enc.encode_pcm(law, o) < 1 << rate.bits());
                let a = dec.decode_pcm(law, o);
                let b = masked.decode_pcm(law, o & ((1 << rate.bits()) - 1));
                prop_assert_eq!(a, b);
            }
        }
    }
}

#[test]
fn finished_stream_refuses_more_input_until_reset() {
    let mut enc = G726Encoder::new(Rate::Kbps24, Packing::MsbFirst, 1).unwrap();
    let mut out = [0u8; 8];
    assert!(
        enc.encode(&[1, 2, 3], &mut out, Flush::Finish)
            .unwrap()
            .finished
    );
    assert!(enc.encode(&[], &mut out, Flush::Finish).unwrap().finished);
    assert!(enc.encode(&[1], &mut out, Flush::None).is_err());
    enc.reset();
    assert!(!enc.encode(&[1], &mut out, Flush::None).unwrap().finished);

    let mut dec = G726Decoder::new(Rate::Kbps24, Packing::MsbFirst, 1).unwrap();
    let mut out = [0i16; 8];
    assert!(
        dec.decode(&[1, 2, 3], &mut out, Flush::Finish)
            .unwrap()
            .finished
    );
    assert!(dec.decode(&[1], &mut out, Flush::None).is_err());
}

#[test]
fn empty_buffers() {
    let mut enc = G726Encoder::new(Rate::Kbps40, Packing::LsbFirst, 2).unwrap();
    let p = enc.encode(&[], &mut [], Flush::None).unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (0, 0, false));
    // Input but no room: nothing consumed until an octet has somewhere to go.
    let p = enc.encode(&[5; 10], &mut [], Flush::None).unwrap();
    assert_eq!(p.consumed, 1, "5 bits fit before the first octet completes");
    let mut dec = G726Decoder::new(Rate::Kbps40, Packing::LsbFirst, 2).unwrap();
    let p = dec.decode(&[1, 2], &mut [], Flush::None).unwrap();
    assert_eq!((p.consumed, p.produced), (0, 0));
}
