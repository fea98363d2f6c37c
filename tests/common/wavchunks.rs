//! A minimal, test-only RIFF/WAVE chunk finder and writer for the ADPCM tests (the library's
//! WAV layer lives in `src/io/`; these tests only need `fmt `, `fact` and `data`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The chunks an ADPCM WAV test needs.
pub struct WavChunks {
    pub format_tag: u16,
    pub channels: usize,
    pub sample_rate: u32,
    pub block_align: usize,
    pub bits_per_sample: u16,
    /// Bytes after `cbSize` in the `fmt ` chunk.
    pub fmt_extra: Vec<u8>,
    /// `fact` sample length, if present.
    pub fact: Option<u32>,
    pub data: Vec<u8>,
}

/// Parses a RIFF/WAVE file's `fmt `, `fact` and `data` chunks (panics on a malformed file: tests
/// only read files written by sox, ffmpeg, libsndfile or by the test itself).
pub fn parse(bytes: &[u8]) -> WavChunks {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let mut at = 12;
    let (mut fmt, mut fact, mut data) = (None, None, None);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match id {
            b"fmt " => fmt = Some(body.to_vec()),
            b"fact" => fact = Some(u32::from_le_bytes(body[0..4].try_into().unwrap())),
            b"data" => data = Some(body.to_vec()),
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    let fmt = fmt.expect("fmt chunk");
    let word = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let fmt_extra = if fmt.len() > 18 {
        let cb = word(16) as usize;
        fmt[18..(18 + cb).min(fmt.len())].to_vec()
    } else {
        Vec::new()
    };
    WavChunks {
        format_tag: word(0),
        channels: word(2) as usize,
        sample_rate: u32::from_le_bytes(fmt[4..8].try_into().unwrap()),
        block_align: word(12) as usize,
        bits_per_sample: word(14),
        fmt_extra,
        fact,
        data: data.expect("data chunk"),
    }
}

/// Writes a non-PCM WAV: `fmt ` with extension, `fact`, `data`.
#[allow(clippy::too_many_arguments)]
pub fn write_adpcm_wav(
    format_tag: u16,
    channels: usize,
    sample_rate: u32,
    avg_bytes_per_sec: u32,
    block_align: usize,
    bits_per_sample: u16,
    extra: &[u8],
    frames: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&format_tag.to_le_bytes());
    fmt.extend_from_slice(&(channels as u16).to_le_bytes());
    fmt.extend_from_slice(&sample_rate.to_le_bytes());
    fmt.extend_from_slice(&avg_bytes_per_sec.to_le_bytes());
    fmt.extend_from_slice(&(block_align as u16).to_le_bytes());
    fmt.extend_from_slice(&bits_per_sample.to_le_bytes());
    fmt.extend_from_slice(&(extra.len() as u16).to_le_bytes());
    fmt.extend_from_slice(extra);
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF\0\0\0\0WAVE");
    let mut chunk = |id: &[u8], body: &[u8]| {
        out.extend_from_slice(id);
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
    };
    chunk(b"fmt ", &fmt);
    chunk(b"fact", &frames.to_le_bytes());
    chunk(b"data", data);
    let riff_len = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff_len.to_le_bytes());
    out
}

/// Little-endian 16-bit samples.
pub fn s16le(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The shared test vector folder, or `None` (after a loud SKIPPED line) when it is missing
/// outside CI. In CI (`CI=true`) a missing folder fails the test.
pub fn testvectors(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("AQUANT_TESTVECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testvectors"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: test vectors missing at {}", dir.display());
    }
    eprintln!("SKIPPED: {test}: test vectors missing at {}", dir.display());
    None
}

/// Signal-to-noise ratio in dB of `decoded` against `reference` (over the common length).
pub fn snr_db(reference: &[i16], decoded: &[i16]) -> f64 {
    let (mut signal, mut noise) = (0f64, 0f64);
    for (&r, &d) in reference.iter().zip(decoded) {
        signal += (r as f64).powi(2);
        noise += (r as f64 - d as f64).powi(2);
    }
    10.0 * (signal / noise.max(1e-9)).log10()
}
