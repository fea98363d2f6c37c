//! `aquant convert` with codecs and containers, end to end, against sox and ffmpeg.
#![cfg(feature = "cli")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use aquant::codecs::g711::{encode_sample, Law, Rule};
use aquant::io::wav::{PcmSpec, WavPcmReader, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use common::{require_tool, run};

fn aquant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aquant"))
        .args(args)
        .output()
        .expect("runs aquant")
}

fn ok(args: &[&str]) {
    let o = aquant(args);
    assert!(
        o.status.success(),
        "aquant {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write_wav(path: &Path, rate: u32, buf: SampleBuf) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = WavPcmWriter::new(
        f,
        path,
        PcmSpec {
            channels: 1,
            sample_rate: rate,
            encoding: buf.encoding(),
        },
    )
    .unwrap();
    w.write(&buf).unwrap();
    w.finalize().unwrap();
}

fn read_i16(path: &Path) -> Vec<i16> {
    let mut r = WavPcmReader::open(path).unwrap();
    let mut buf = SampleBuf::new(Encoding::I16);
    let n = r.frames_remaining() as usize;
    r.read_frames(&mut buf, n).unwrap();
    match buf {
        SampleBuf::I16(v) => v,
        other => panic!("expected 16-bit, got {:?}", other.encoding()),
    }
}

fn sweep_i16(n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| ((i as f64 * i as f64 * 1e-5).sin() * 30000.0 * (i as f64 / n as f64)) as i16)
        .collect()
}

#[test]
fn g711_files_in_every_container_decode_in_sox_and_ffmpeg_as_here() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    let x = sweep_i16(8000);
    write_wav(&input, 8000, SampleBuf::I16(x.clone()));
    for (format, law) in [("mulaw", Law::MuLaw), ("alaw", Law::ALaw)] {
        // The codes are the ITU encoding of the 16-bit input (no dither for integer input).
        let expected_codes: Vec<u8> = x
            .iter()
            .map(|&v| encode_sample(law, Rule::Itu, v))
            .collect();
        for ext in ["wav", "au", "raw"] {
            let coded = d.join(format!("{format}.{ext}"));
            ok(&["convert", s(&input), s(&coded), "-f", format]);
            let back = d.join(format!("{format}-{ext}-back.wav"));
            if ext == "raw" {
                assert!(
                    std::fs::read(&coded).unwrap() == expected_codes,
                    "{format} raw codes differ from the ITU encoding"
                );
                ok(&[
                    "convert",
                    s(&coded),
                    s(&back),
                    "--raw-format",
                    format,
                    "--raw-rate",
                    "8000",
                    "--raw-channels",
                    "1",
                ]);
            } else {
                ok(&["convert", s(&coded), s(&back), "-f", "pcm16"]);
            }
            let ours = read_i16(&back);
            assert_eq!(ours.len(), x.len());
            if ext != "raw" && require_tool("sox", "g711_files_in_every_container") {
                let pcm = run(Command::new("sox")
                    .arg(&coded)
                    .args(["-t", "raw", "-e", "signed", "-b", "16", "-"]));
                let theirs: Vec<i16> = pcm
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                assert!(theirs == ours, "sox decodes our {format}.{ext} differently");
            }
            if ext == "wav" && require_tool("ffmpeg", "g711_files_in_every_container") {
                let pcm = run(Command::new("ffmpeg")
                    .args(["-v", "error", "-i"])
                    .arg(&coded)
                    .args(["-f", "s16le", "-"]));
                let theirs: Vec<i16> = pcm
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                assert!(
                    theirs == ours,
                    "ffmpeg decodes our {format}.wav differently"
                );
            }
        }
    }
}

#[test]
fn float_input_reaches_g711_through_its_14_and_13_bit_grids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Floats on the 14-bit grid: the quantizer passes them unchanged (even with TPDF), so the
    // codes are the ITU encoding of the same values as 16-bit input.
    let codes14: Vec<i16> = (0..4000)
        .map(|i| ((i * 37 % 16384) as i16 - 8192) * 4)
        .collect();
    let floats: Vec<f32> = codes14.iter().map(|&c| c as f32 / 32768.0).collect();
    let input = d.join("f.wav");
    write_wav(&input, 8000, SampleBuf::F32(floats));
    let out = d.join("f.raw");
    ok(&[
        "convert",
        s(&input),
        s(&out),
        "-f",
        "mulaw",
        "--dither",
        "tpdf",
    ]);
    let expected: Vec<u8> = codes14
        .iter()
        .map(|&c| encode_sample(Law::MuLaw, Rule::Itu, c))
        .collect();
    assert_eq!(std::fs::read(&out).unwrap(), expected);
}

#[test]
fn codecs_with_a_fixed_rate_name_it_and_the_option_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(&input, 44100, SampleBuf::I16(sweep_i16(4410)));
    for (format, rate) in [("g726-32", "8000"), ("g722-64", "16000")] {
        let out = dir.path().join(format!("{format}.wav"));
        let o = aquant(&["convert", s(&input), s(&out), "-f", format]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("{rate} Hz")) && err.contains(&format!("--rate {rate}")),
            "{err}"
        );
        assert!(!out.exists());
        ok(&["convert", s(&input), s(&out), "-f", format, "--rate", rate]);
        let back = dir.path().join(format!("{format}-back.wav"));
        ok(&["convert", s(&out), s(&back)]);
        let expected_len = (4410u64 * rate.parse::<u64>().unwrap()).div_ceil(44100) as usize;
        assert!(read_i16(&back).len().abs_diff(expected_len) <= 1);
    }
}

#[test]
fn g722_wav_we_write_decodes_in_ffmpeg_to_our_samples() {
    if !require_tool("ffmpeg", "g722_wav_we_write") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(&input, 16000, SampleBuf::I16(sweep_i16(16000)));
    let coded = dir.path().join("g722.wav");
    ok(&["convert", s(&input), s(&coded), "-f", "g722-64"]);
    let back = dir.path().join("back.wav");
    ok(&["convert", s(&coded), s(&back)]);
    let pcm = run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&coded)
        .args(["-f", "s16le", "-"]));
    let theirs: Vec<i16> = pcm
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(theirs, read_i16(&back));
}

#[test]
fn adpcm_files_we_write_decode_in_sox_as_here_and_keep_their_length() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("in.wav");
    let x = sweep_i16(11025);
    write_wav(&input, 22050, SampleBuf::I16(x.clone()));
    for (format, extra) in [
        ("ima-adpcm", vec![]),
        ("ms-adpcm", vec![]),
        ("ima-adpcm", vec!["--effort", "3", "--block-size", "512"]),
    ] {
        let coded = d.join(format!("{format}.wav"));
        let mut args = vec!["convert", s(&input), s(&coded), "-f", format];
        args.extend(extra.iter().copied());
        ok(&args);
        let back = d.join(format!("{format}-back.wav"));
        ok(&["convert", s(&coded), s(&back)]);
        let ours = read_i16(&back);
        // The fact chunk's length is honoured: the padding of the last block is not audio.
        assert_eq!(ours.len(), x.len(), "{format}");
        let snr = {
            let (mut sig, mut err) = (0f64, 0f64);
            for (a, b) in x.iter().zip(&ours) {
                sig += (*a as f64).powi(2);
                err += (*a as f64 - *b as f64).powi(2);
            }
            10.0 * (sig / err).log10()
        };
        assert!(snr > 20.0, "{format}: SNR {snr:.1} dB");
        if require_tool("sox", "adpcm_files_we_write") {
            // sox ignores the fact chunk and decodes the padded last block too.
            let pcm = run(Command::new("sox")
                .arg(&coded)
                .args(["-t", "raw", "-e", "signed", "-b", "16", "-"]));
            let theirs: Vec<i16> = pcm
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            assert!(
                theirs.len() >= ours.len() && theirs[..ours.len()] == ours[..],
                "sox decodes our {format} differently"
            );
        }
    }
}
