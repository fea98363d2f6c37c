//! G.722 interoperability with ffmpeg, bit-exact both ways, against the fixtures in
//! `tests/data/g72x/` (made by `make_fixtures.sh` there with ffmpeg 5.1.9).

use aquant::codecs::g722::{Dialect, G722Decoder, G722Encoder, Mode};
use aquant::codecs::{DecoderStream, EncoderStream};
use aquant::stream::drive_stream;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/g72x")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|w| i16::from_le_bytes([w[0], w[1]]))
        .collect()
}

fn encode(dialect: Dialect) -> Vec<u8> {
    let input = samples(&fixture("in16k.s16le"));
    let mut out = Vec::new();
    let enc = G722Encoder::with_dialect(Mode::Kbps64, 1, dialect).unwrap();
    drive_stream(&mut EncoderStream(enc), &input, &mut [0u8; 97], &mut out).unwrap();
    out
}

/// `ffmpeg -c:a g722 -f g722` on the 16 kHz input == our encoder in ffmpeg's dialect, on all of
/// it including the full-scale square wave.
#[test]
fn encoder_matches_ffmpeg() {
    let ours = encode(Dialect::Ffmpeg);
    let ffmpeg = fixture("ffmpeg.g722");
    assert_eq!(ours.len(), ffmpeg.len());
    if let Some(i) = ours.iter().zip(&ffmpeg).position(|(a, b)| a != b) {
        panic!(
            "octet {i}: ours {:#04x}, ffmpeg {:#04x}",
            ours[i], ffmpeg[i]
        );
    }
}

/// The ITU reference limits the transmit QMF outputs to 15 bits; ffmpeg does not. They agree
/// until the full-scale square wave (at 0.5 s, octet 4000) drives the QMF past that range.
#[test]
fn itu_encoder_differs_from_ffmpeg_only_past_full_scale() {
    let ours = encode(Dialect::Itu);
    let ffmpeg = fixture("ffmpeg.g722");
    let first = ours.iter().zip(&ffmpeg).position(|(a, b)| a != b);
    assert!(
        matches!(first, Some(i) if i >= 4000),
        "first difference at {first:?}"
    );
}

/// `ffmpeg -bits_per_codeword B -f g722` on ffmpeg's stream == our decoder in the mode with B
/// audio bits per octet.
fn check_decoder(mode: Mode) {
    let bits = mode.bits_per_codeword();
    let expected = samples(&fixture(&format!("ffmpeg_g722_dec_{bits}bit.s16le")));
    let mut ours = Vec::new();
    let dec = G722Decoder::new(mode, 1).unwrap();
    drive_stream(
        &mut DecoderStream(dec),
        &fixture("ffmpeg.g722"),
        &mut [0i16; 98],
        &mut ours,
    )
    .unwrap();
    assert_eq!(ours.len(), expected.len());
    if let Some(i) = ours.iter().zip(&expected).position(|(a, b)| a != b) {
        panic!(
            "{mode:?} sample {i}: ours {}, ffmpeg {}",
            ours[i], expected[i]
        );
    }
}

#[test]
fn decoder_matches_ffmpeg_64k() {
    check_decoder(Mode::Kbps64);
}
#[test]
fn decoder_matches_ffmpeg_56k() {
    check_decoder(Mode::Kbps56);
}
#[test]
fn decoder_matches_ffmpeg_48k() {
    check_decoder(Mode::Kbps48);
}

/// ffmpeg's WAV G.722 header: the fields the WAV layer must write and accept.
#[test]
fn ffmpeg_wav_g722_header() {
    let wav = fixture("ffmpeg_g722.wav");
    assert_eq!(&wav[12..16], b"fmt ");
    let field = |at: usize| u16::from_le_bytes([wav[at], wav[at + 1]]);
    let field32 = |at: usize| u32::from_le_bytes(wav[at..at + 4].try_into().unwrap());
    assert_eq!(field32(16), 18, "fmt chunk size (cbSize present)");
    assert_eq!(field(20), aquant::codecs::g722::container::WAV_FORMAT_TAG);
    assert_eq!(field(22), 1, "channels");
    assert_eq!(field32(24), 16000, "sample rate");
    assert_eq!(
        field32(28),
        16000,
        "bytes per second as ffmpeg writes it (the true rate is 8000)"
    );
    assert_eq!(field(32), 1, "block align");
    assert_eq!(field(34), 4, "bits per sample");
    assert_eq!(field(36), 0, "cbSize");
    let data = wav.windows(4).position(|w| w == b"data").unwrap();
    let len = field32(data + 4) as usize;
    assert!(wav[data + 8..data + 8 + len] == fixture("ffmpeg.g722")[..]);
}
