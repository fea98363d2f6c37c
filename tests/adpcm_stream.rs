//! Streaming invariance (any chunking of input and output gives the batch result), hostile input
//! and round trips for the IMA and MS ADPCM encoders and decoders.

use aquant::codecs::ima_adpcm::{self, Effort, ImaDecoder, ImaEncoder, ImaParams};
use aquant::codecs::ms_adpcm::{self, MsDecoder, MsEncoder, MsParams};
use aquant::codecs::{Decoder, Encoder};
use aquant::stream::Flush;
use proptest::prelude::*;

/// Feeds `input` in the given chunk sizes with an output buffer of `out_len`, finishing at the
/// end; returns everything produced.
fn encode_chunked(
    enc: &mut dyn Encoder,
    input: &[i16],
    chunks: &[usize],
    out_len: usize,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; out_len];
    let mut rest = input;
    let mut sizes = chunks.iter().cycle();
    loop {
        let n = (*sizes.next().unwrap()).min(rest.len());
        let last = n == rest.len();
        let mut piece = &rest[..n];
        loop {
            let flush = if last { Flush::Finish } else { Flush::None };
            let p = enc.encode(piece, &mut buf, flush).unwrap();
            out.extend_from_slice(&buf[..p.produced]);
            piece = &piece[p.consumed..];
            if p.finished || (piece.is_empty() && !last) {
                break;
            }
            assert!(p.consumed + p.produced > 0, "no progress");
        }
        if last {
            return out;
        }
        rest = &rest[n..];
    }
}

fn decode_chunked(
    dec: &mut dyn Decoder,
    input: &[u8],
    chunks: &[usize],
    out_len: usize,
) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = vec![0i16; out_len];
    let mut rest = input;
    let mut sizes = chunks.iter().cycle();
    loop {
        let n = (*sizes.next().unwrap()).min(rest.len());
        let last = n == rest.len();
        let mut piece = &rest[..n];
        loop {
            let flush = if last { Flush::Finish } else { Flush::None };
            let p = dec.decode(piece, &mut buf, flush).unwrap();
            out.extend_from_slice(&buf[..p.produced]);
            piece = &piece[p.consumed..];
            if p.finished || (piece.is_empty() && !last) {
                break;
            }
            assert!(p.consumed + p.produced > 0, "no progress");
        }
        if last {
            return out;
        }
        rest = &rest[n..];
    }
}

fn signal() -> impl Strategy<Value = (usize, Vec<i16>)> {
    (1usize..=8).prop_flat_map(|ch| {
        (
            Just(ch),
            prop_oneof![
                prop::collection::vec(any::<i16>(), 0..1500),
                prop::collection::vec(-3000i16..3000, 0..1500),
            ],
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ima_streaming_equals_batch(
        (ch, pcm) in signal(),
        units in 1usize..20,
        effort in 0u8..=3,
        chunks in prop::collection::vec(1usize..400, 1..6),
        out_len in 1usize..300,
    ) {
        let pcm = &pcm[..pcm.len() / ch * ch];
        let params = ImaParams::new(ch, 4 * ch * units).unwrap();
        let batch = ima_adpcm::encode_all(&params, pcm, Effort(effort));
        let mut enc = ImaEncoder::new(params, Effort(effort));
        prop_assert_eq!(&encode_chunked(&mut enc, pcm, &chunks, out_len), &batch);
        prop_assert_eq!(enc.frames_in() as usize, pcm.len() / ch);
        let (decoded, warnings) = ima_adpcm::decode_all(&params, &batch, Some(enc.frames_in()));
        prop_assert_eq!(warnings, 0);
        prop_assert_eq!(decoded.len(), pcm.len());
        let mut dec = ImaDecoder::new(params).with_total_frames(Some(enc.frames_in()));
        prop_assert_eq!(decode_chunked(&mut dec, &batch, &chunks, out_len), decoded);
        // reset gives a fresh encoder
        enc.reset();
        prop_assert_eq!(&encode_chunked(&mut enc, pcm, &[usize::MAX], 4096), &batch);
    }

    #[test]
    fn ms_streaming_equals_batch(
        (ch, pcm) in signal(),
        extra in 0usize..60,
        effort in 0u8..=3,
        chunks in prop::collection::vec(1usize..400, 1..6),
        out_len in 1usize..300,
    ) {
        let pcm = &pcm[..pcm.len() / ch * ch];
        let params = MsParams::new(ch, 7 * ch + extra).unwrap();
        let batch = ms_adpcm::encode_all(&params, pcm, Effort(effort));
        let mut enc = MsEncoder::new(params.clone(), Effort(effort));
        prop_assert_eq!(&encode_chunked(&mut enc, pcm, &chunks, out_len), &batch);
        let (decoded, warnings) = ms_adpcm::decode_all(&params, &batch, Some(enc.frames_in()));
        prop_assert_eq!(warnings, 0);
        prop_assert_eq!(decoded.len(), pcm.len());
        let mut dec = MsDecoder::new(params).with_total_frames(Some(enc.frames_in()));
        prop_assert_eq!(decode_chunked(&mut dec, &batch, &chunks, out_len), decoded);
    }

    /// Any bytes decode without panicking; the streaming and batch decoders agree on them.
    #[test]
    fn hostile_bytes_decode_to_defined_output(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        ch in 1usize..=8,
        units in 1usize..10,
        chunks in prop::collection::vec(1usize..500, 1..4),
    ) {
        let ima = ImaParams::new(ch, 4 * ch * units).unwrap();
        let (batch, _) = ima_adpcm::decode_all(&ima, &bytes, None);
        let mut dec = ImaDecoder::new(ima);
        prop_assert_eq!(decode_chunked(&mut dec, &bytes, &chunks, 97), batch);
        let ms = MsParams::new(ch, 7 * ch + units * 3).unwrap();
        let (batch, _) = ms_adpcm::decode_all(&ms, &bytes, None);
        let mut dec = MsDecoder::new(ms);
        prop_assert_eq!(decode_chunked(&mut dec, &bytes, &chunks, 97), batch);
    }
}

/// Encoding then decoding a smooth signal keeps it close: a sanity floor on quality
/// (about 6 dB per bit would be 24 dB; ADPCM on a slow sine does far better).
#[test]
fn round_trip_of_a_slow_sine_is_close() {
    let pcm: Vec<i16> = (0..20000)
        .map(|i| ((i as f64 * 0.01).sin() * 16000.0) as i16)
        .collect();
    let snr = |decoded: &[i16]| {
        let (mut s, mut n) = (0f64, 0f64);
        for (&a, &b) in pcm.iter().zip(decoded) {
            s += (a as f64).powi(2);
            n += (a as f64 - b as f64).powi(2);
        }
        10.0 * (s / n).log10()
    };
    let ima = ImaParams::new(1, 1024).unwrap();
    let (d, _) = ima_adpcm::decode_all(
        &ima,
        &ima_adpcm::encode_all(&ima, &pcm, Effort::DEFAULT),
        Some(20000),
    );
    assert!(snr(&d) > 40.0, "IMA {:.1} dB", snr(&d));
    let ms = MsParams::new(1, 1024).unwrap();
    let (d, _) = ms_adpcm::decode_all(
        &ms,
        &ms_adpcm::encode_all(&ms, &pcm, Effort::DEFAULT),
        Some(20000),
    );
    assert!(snr(&d) > 40.0, "MS {:.1} dB", snr(&d));
}

/// Output must not depend on the thread count.
#[test]
fn output_is_identical_whatever_the_parallelism() {
    let pcm: Vec<i16> = (0..2 * 30000)
        .map(|i| ((i as f64 * 0.013).sin() * 9000.0 + (i % 7) as f64 * 300.0) as i16)
        .collect();
    let ima = ImaParams::new(2, 512).unwrap();
    let ms = MsParams::new(2, 512).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    for effort in [Effort(0), Effort::DEFAULT, Effort(3)] {
        let a = one.install(|| ima_adpcm::encode_all(&ima, &pcm, effort));
        let b = three.install(|| ima_adpcm::encode_all(&ima, &pcm, effort));
        assert_eq!(a, b);
        let a = one.install(|| ms_adpcm::encode_all(&ms, &pcm, effort));
        let b = three.install(|| ms_adpcm::encode_all(&ms, &pcm, effort));
        assert_eq!(a, b);
    }
}
