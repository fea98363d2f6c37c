//! G.722 streams: any chunking gives the same output as one call, multichannel layout, and
//! decoders take any bytes.

use aquant::codecs::g722::{
    ChannelDecoder, ChannelEncoder, Dialect, G722Decoder, G722Encoder, Mode,
};
use aquant::codecs::{Decoder, Encoder};
use aquant::Flush;
use proptest::prelude::*;

fn mode_strategy() -> impl Strategy<Value = Mode> {
    prop::sample::select(Mode::ALL.to_vec())
}

fn sizes(max: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..max, 1..8).prop_map(|mut v| {
        v[0] = v[0].max(1);
        v
    })
}

fn encode_chunked(
    enc: &mut G722Encoder,
    input: &[i16],
    in_sizes: &[usize],
    out_sizes: &[usize],
) -> Vec<u8> {
    let (mut out, mut buf) = (Vec::new(), [0u8; 64]);
    let (mut pos, mut step) = (0, 0);
    loop {
        let n = in_sizes[step % in_sizes.len()].min(input.len() - pos);
        let cap = out_sizes[step % out_sizes.len()];
        let flush = if pos + n == input.len() {
            Flush::Finish
        } else {
            Flush::None
        };
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
    dec: &mut G722Decoder,
    input: &[u8],
    in_sizes: &[usize],
    out_sizes: &[usize],
) -> Vec<i16> {
    let (mut out, mut buf) = (Vec::new(), [0i16; 64]);
    let (mut pos, mut step) = (0, 0);
    loop {
        let n = in_sizes[step % in_sizes.len()].min(input.len() - pos);
        let cap = out_sizes[step % out_sizes.len()];
        let flush = if pos + n == input.len() {
            Flush::Finish
        } else {
            Flush::None
        };
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
        mode in mode_strategy(),
        dialect in prop::sample::select(vec![Dialect::Itu, Dialect::Ffmpeg]),
        channels in 1usize..4,
        input in prop::collection::vec(any::<i16>(), 0..1500),
        in_sizes in sizes(300),
        out_sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut whole = G722Encoder::with_dialect(mode, channels, dialect).unwrap();
        let expected = encode_chunked(&mut whole, &input, &[usize::MAX], &[64]);
        let frames = input.len().div_ceil(channels);
        prop_assert_eq!(expected.len(), channels * frames.div_ceil(2));
        let mut chunked = G722Encoder::with_dialect(mode, channels, dialect).unwrap();
        prop_assert_eq!(&encode_chunked(&mut chunked, &input, &in_sizes, &out_sizes), &expected);
        chunked.reset();
        prop_assert_eq!(encode_chunked(&mut chunked, &input, &[usize::MAX], &[64]), expected);
    }

    #[test]
    fn decoder_streaming_invariance_and_any_bytes(
        mode in mode_strategy(),
        channels in 1usize..4,
        input in prop::collection::vec(any::<u8>(), 0..800),
        in_sizes in sizes(200),
        out_sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let mut whole = G722Decoder::new(mode, channels).unwrap();
        let expected = decode_chunked(&mut whole, &input, &[usize::MAX], &[64]);
        let groups = input.len() / channels;
        prop_assert_eq!(expected.len(), 2 * channels * groups + input.len() % channels);
        let mut chunked = G722Decoder::new(mode, channels).unwrap();
        prop_assert_eq!(decode_chunked(&mut chunked, &input, &in_sizes, &out_sizes), expected);
    }

    /// Interleaved channels are coded independently: octet `k` of channel `c` is at
    /// `k * channels + c`, and decoding puts each channel's samples back in place.
    #[test]
    fn multichannel_layout(
        channels in 2usize..4,
        frames in prop::collection::vec(any::<i16>(), 0..600),
    ) {
        let frames = frames.len() / (2 * channels) * 2;
        let input: Vec<i16> = (0..frames * channels).map(|i| ((i * 7919) % 20011) as i16 - 10000).collect();
        let mut enc = G722Encoder::new(Mode::Kbps64, channels).unwrap();
        let octets = encode_chunked(&mut enc, &input, &[usize::MAX], &[64]);
        let mut dec = G722Decoder::new(Mode::Kbps64, channels).unwrap();
        let output = decode_chunked(&mut dec, &octets, &[usize::MAX], &[64]);
        for c in 0..channels {
            let mut e = ChannelEncoder::new();
            let mut d = ChannelDecoder::new(Mode::Kbps64);
            for k in 0..frames / 2 {
                let o = e.encode(input[2 * k * channels + c], input[(2 * k + 1) * channels + c]);
                prop_assert_eq!(octets[k * channels + c], o);
                let [a, b] = d.decode(o);
                prop_assert_eq!(output[2 * k * channels + c], a);
                prop_assert_eq!(output[(2 * k + 1) * channels + c], b);
            }
        }
    }
}

#[test]
fn mono_decoder_works_with_one_sample_of_room() {
    let mut dec = G722Decoder::new(Mode::Kbps64, 1).unwrap();
    let got = decode_chunked(&mut dec, &[0x12, 0x34, 0xFF], &[1], &[1]);
    let mut d = ChannelDecoder::new(Mode::Kbps64);
    let expected: Vec<i16> = [0x12, 0x34, 0xFF]
        .iter()
        .flat_map(|&o| d.decode(o))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn reduced_modes_clear_auxiliary_bits() {
    let input: Vec<i16> = (0..400)
        .map(|i| ((i * 37) % 2000) as i16 * 7 - 7000)
        .collect();
    let full = encode_chunked(
        &mut G722Encoder::new(Mode::Kbps64, 1).unwrap(),
        &input,
        &[usize::MAX],
        &[64],
    );
    for (mode, mask) in [(Mode::Kbps56, 0xFE), (Mode::Kbps48, 0xFC)] {
        let reduced = encode_chunked(
            &mut G722Encoder::new(mode, 1).unwrap(),
            &input,
            &[usize::MAX],
            &[64],
        );
        let masked: Vec<u8> = full.iter().map(|o| o & mask).collect();
        assert_eq!(reduced, masked);
    }
}
