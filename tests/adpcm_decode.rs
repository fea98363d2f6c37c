//! Bit-exact decoding of every shared IMA and MS ADPCM file (written by ffmpeg, sox and
//! libsndfile) against the decode that SoX and libsndfile agree on (`*.dec_ref.s16le`).

mod common;

use aquant::codecs::ima_adpcm::{self, ImaDecoder, ImaParams};
use aquant::codecs::ms_adpcm::{self, MsDecoder, MsParams};
use aquant::codecs::Decoder;
use aquant::codecs::DecoderStream;
use aquant::stream::{drive_stream, Flush};
use common::wavchunks::{parse, s16le, testvectors};
use std::path::Path;

const INPUTS: [&str; 4] = [
    "in_8000_mono",
    "in_8000_stereo",
    "in_44100_mono",
    "in_44100_stereo",
];
const ENCODERS: [&str; 3] = ["ffmpeg", "sox", "sndfile"];

fn cases(dir: &Path) -> Vec<(String, std::path::PathBuf, std::path::PathBuf)> {
    let mut out = Vec::new();
    for input in INPUTS {
        for enc in ENCODERS {
            let name = format!("{input}.{enc}");
            out.push((
                name.clone(),
                dir.join(format!("{name}.wav")),
                dir.join(format!("{name}.dec_ref.s16le")),
            ));
        }
    }
    out
}

/// Decodes with the streaming decoder in uneven chunks.
fn stream_decode(dec: &mut dyn Decoder, data: &[u8]) -> Vec<i16> {
    let mut out = Vec::new();
    let mut scratch = [0i16; 777];
    let mut rest = data;
    // Feed in odd-sized pieces, then finish.
    while rest.len() > 333 {
        let mut piece = &rest[..333];
        while !piece.is_empty() {
            let p = dec.decode(piece, &mut scratch, Flush::None).unwrap();
            out.extend_from_slice(&scratch[..p.produced]);
            piece = &piece[p.consumed..];
        }
        rest = &rest[333..];
    }
    loop {
        let p = dec.decode(rest, &mut scratch, Flush::Finish).unwrap();
        out.extend_from_slice(&scratch[..p.produced]);
        rest = &rest[p.consumed..];
        if p.finished {
            return out;
        }
    }
}

#[test]
fn ima_decodes_every_shared_file_bit_exact() {
    let Some(root) = testvectors("ima_decodes_every_shared_file_bit_exact") else {
        return;
    };
    let cases = cases(&root.join("ima_adpcm"));
    assert_eq!(cases.len(), 12);
    for (name, wav, reference) in cases {
        let w = parse(&std::fs::read(&wav).unwrap());
        assert_eq!(w.format_tag, ima_adpcm::WAV_FORMAT_TAG, "{name}");
        let expected = s16le(&std::fs::read(&reference).unwrap());
        let params = ImaParams::from_wav_fmt(w.channels, w.block_align, &w.fmt_extra).unwrap();
        let (batch, warnings) = ima_adpcm::decode_all(&params, &w.data, None);
        assert_eq!(warnings, 0, "{name}");
        assert_eq!(batch.len(), expected.len(), "{name}: length");
        let first_diff = batch.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{name}: first differing sample");
        let mut dec = ImaDecoder::new(params);
        assert_eq!(
            stream_decode(&mut dec, &w.data),
            expected,
            "{name}: streaming"
        );
        assert_eq!(dec.warnings(), 0);
    }
}

#[test]
fn ms_decodes_every_shared_file_bit_exact() {
    let Some(root) = testvectors("ms_decodes_every_shared_file_bit_exact") else {
        return;
    };
    let cases = cases(&root.join("ms_adpcm"));
    for (name, wav, reference) in cases {
        let w = parse(&std::fs::read(&wav).unwrap());
        assert_eq!(w.format_tag, ms_adpcm::WAV_FORMAT_TAG, "{name}");
        let expected = s16le(&std::fs::read(&reference).unwrap());
        let params = MsParams::from_wav_fmt(w.channels, w.block_align, &w.fmt_extra).unwrap();
        assert_eq!(
            params.coefficients(),
            ms_adpcm::STANDARD_COEFFICIENTS,
            "{name}"
        );
        let (batch, warnings) = ms_adpcm::decode_all(&params, &w.data, None);
        assert_eq!(warnings, 0, "{name}");
        assert_eq!(batch.len(), expected.len(), "{name}: length");
        let first_diff = batch.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{name}: first differing sample");
        let mut dec = MsDecoder::new(params);
        assert_eq!(
            stream_decode(&mut dec, &w.data),
            expected,
            "{name}: streaming"
        );
        assert_eq!(dec.warnings(), 0);
    }
}

/// The `fact` length cuts the output; SoX honours it too (the reference decodes were made
/// without the cut, so the expected output is their prefix).
#[test]
fn fact_length_is_honoured() {
    let Some(root) = testvectors("fact_length_is_honoured") else {
        return;
    };
    let name = "in_8000_stereo.sox";
    let w = parse(&std::fs::read(root.join(format!("ima_adpcm/{name}.wav"))).unwrap());
    let fact = w.fact.unwrap() as u64;
    assert_eq!(fact, 16000);
    let expected =
        s16le(&std::fs::read(root.join(format!("ima_adpcm/{name}.dec_ref.s16le"))).unwrap());
    let params = ImaParams::from_wav_fmt(w.channels, w.block_align, &w.fmt_extra).unwrap();
    let (batch, _) = ima_adpcm::decode_all(&params, &w.data, Some(fact));
    assert_eq!(batch, expected[..2 * 16000]);
    let mut stream = DecoderStream(ImaDecoder::new(params).with_total_frames(Some(fact)));
    let mut out = Vec::new();
    drive_stream(&mut stream, &w.data, &mut [0i16; 100], &mut out).unwrap();
    assert_eq!(out, batch);
}
