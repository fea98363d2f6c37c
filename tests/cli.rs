//! The command-line tool, end to end.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

use aquant::io::wav::{PcmSpec, WavPcmReader, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};

fn aquant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aquant"))
        .args(args)
        .output()
        .expect("runs the aquant binary")
}

fn write_wav(path: &Path, channels: u16, buf: SampleBuf) {
    let f = std::fs::File::create(path).unwrap();
    let spec = PcmSpec {
        channels,
        sample_rate: 48000,
        encoding: buf.encoding(),
    };
    let mut w = WavPcmWriter::new(f, path, spec).unwrap();
    w.write(&buf).unwrap();
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> (PcmSpec, SampleBuf) {
    let mut r = WavPcmReader::open(path).unwrap();
    let mut buf = SampleBuf::new(r.spec().encoding);
    let n = r.frames_remaining() as usize;
    r.read_frames(&mut buf, n).unwrap();
    (r.spec(), buf)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sine_f32(n: usize, amp: f32) -> Vec<f32> {
    (0..n).map(|i| amp * (i as f32 * 0.0573).sin()).collect()
}

#[test]
fn convert_float_to_pcm16_dithers_by_default_and_pcm16_to_pcm16_is_identity() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    let x = sine_f32(9600, 0.3);
    write_wav(&input, 2, SampleBuf::F32(x.clone()));
    let out = dir.path().join("out.wav");
    let o = aquant(&["convert", s(&input), s(&out), "--format", "pcm16"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (spec, buf) = read_wav(&out);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.encoding),
        (2, 48000, Encoding::I16)
    );
    let SampleBuf::I16(dithered) = buf else {
        panic!()
    };
    // Default TPDF: errors spread over ±1.5 LSB, and differ from plain rounding somewhere.
    let plain: Vec<i16> = x
        .iter()
        .map(|&v| (v * 32768.0).round_ties_even() as i16)
        .collect();
    assert_ne!(dithered, plain);
    assert!(dithered
        .iter()
        .zip(&x)
        .all(|(&q, &v)| (q as f32 - v * 32768.0).abs() <= 1.5));

    let none = dir.path().join("none.wav");
    assert!(
        aquant(&["convert", s(&input), s(&none), "--dither", "none"])
            .status
            .success()
    );
    let (_, SampleBuf::I16(undithered)) = read_wav(&none) else {
        panic!()
    };
    assert_eq!(undithered, plain);

    // 16-bit to 16-bit: no precision lost, so no dither: identical samples.
    let again = dir.path().join("again.wav");
    assert!(
        aquant(&["convert", s(&out), s(&again), "--format", "pcm16"])
            .status
            .success()
    );
    let (_, SampleBuf::I16(same)) = read_wav(&again) else {
        panic!()
    };
    assert_eq!(same, dithered);
}

#[test]
fn convert_with_bits_and_seed_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(&input, 1, SampleBuf::F32(sine_f32(5000, 0.9)));
    let a = dir.path().join("a.wav");
    let b = dir.path().join("b.wav");
    for out in [&a, &b] {
        let o = aquant(&[
            "convert",
            s(&input),
            s(out),
            "--format",
            "pcm24",
            "--bits",
            "12",
            "--dither",
            "tpdf-hp",
            "--seed",
            "7",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let (_, SampleBuf::I24(v)) = read_wav(&a) else {
        panic!()
    };
    assert!(
        v.iter().all(|s| s.inner() & 0xfff == 0),
        "12 bits left-aligned in 24"
    );
}

#[test]
fn convert_reports_clipped_and_nan_counts() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(
        &input,
        1,
        SampleBuf::F32(vec![0.5, 2.0, f32::NAN, -3.0, f32::INFINITY]),
    );
    let out = dir.path().join("out.wav");
    let o = aquant(&["convert", s(&input), s(&out), "--format", "pcm16"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("3 samples clipped"), "{err}");
    assert!(err.contains("1 NaN samples"), "{err}");
}

#[test]
fn convert_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(&input, 1, SampleBuf::F32(sine_f32(100, 0.5)));
    let before = std::fs::read(&input).unwrap();
    let other_spelling = dir.path().join(".").join("in.wav");
    for out in [&input, &other_spelling] {
        let o = aquant(&["convert", s(&input), s(out)]);
        assert!(!o.status.success());
        assert!(String::from_utf8_lossy(&o.stderr).contains("is the input file"));
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn a_failed_conversion_leaves_no_output_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_wav(&input, 2, SampleBuf::I16(vec![1000; 20000]));
    // Truncate the data: the header now declares more than the file holds.
    let bytes = std::fs::read(&input).unwrap();
    std::fs::write(&input, &bytes[..bytes.len() - 1001]).unwrap();
    let outdir = tempfile::tempdir().unwrap();
    let out = outdir.path().join("out.wav");
    let o = aquant(&["convert", s(&input), s(&out)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("in.wav") && err.contains("data"),
        "names the file and the chunk: {err}"
    );
    assert_eq!(
        std::fs::read_dir(outdir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );

    // An existing output is left untouched by a failed run.
    std::fs::write(&out, b"precious").unwrap();
    assert!(!aquant(&["convert", s(&input), s(&out)]).status.success());
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(std::fs::read_dir(outdir.path()).unwrap().count(), 1);
}

#[test]
fn unreadable_formats_are_named_with_their_tag() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gsm.wav");
    // A minimal GSM 6.10 (tag 0x0031) header with a little data.
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(4 + 8 + 20 + 8 + 65u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&20u32.to_le_bytes());
    for v in [0x31u16, 1] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&1625u32.to_le_bytes());
    for v in [65u16, 0, 2, 320] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(b"data");
    b.extend_from_slice(&65u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 65]);
    std::fs::write(&input, &b).unwrap();
    let o = aquant(&["convert", s(&input), s(&dir.path().join("out.wav"))]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("gsm.wav") && err.contains("0x0031"), "{err}");
}

#[test]
fn info_prints_format_length_peak_and_rms() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    // A half-scale square wave: peak and RMS both −6.02 dBFS.
    let x: Vec<i16> = (0..48000)
        .map(|i| if (i / 24) % 2 == 0 { 16384 } else { -16384 })
        .collect();
    write_wav(&input, 2, SampleBuf::I16(x));
    let o = aquant(&["info", s(&input)]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "WAV 0x0001 PCM",
        "decoded as pcm16",
        "48000 Hz",
        "channels: 2",
        "24000 frames (0.500 s)",
        "peak:     -6.02 dBFS",
        "rms:      -6.02 dBFS",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn demo_writes_its_files_and_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = aquant(&["demo", "--out", s(&out), "--seconds", "0.5"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("pcm16-tpdf"), "{text}");
    assert!(out.join("reference-f32.wav").exists());
    assert!(out.join("pcm16-tpdf.wav").exists());
    // The table's 16-bit TPDF error is the theoretical Δ²/4: −90.31 − 6.02 = −96.33 dBFS.
    let line = text.lines().find(|l| l.starts_with("pcm16-tpdf ")).unwrap();
    let err: f64 = line.split_whitespace().nth(4).unwrap().parse().unwrap();
    assert!((err + 96.33).abs() < 0.1, "{line}");
}

#[test]
fn convert_shaped_dither_honours_the_dither_amplitude() {
    // The error fed back is rounding error plus TPDF dither: of variance about 1/12 LSB² with
    // no dither, 1/12 + A²/6 with amplitude A. The shaped output error is that through the
    // same filter, so its rms grows by about √3 from A = 0 to 1 and again from 1 to 2.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sine.wav");
    let x = sine_f32(48000, 0.01);
    write_wav(&input, 1, SampleBuf::F32(x.clone()));
    let error_rms = |amplitude: &str| {
        let out = dir.path().join(format!("shaped_{amplitude}.wav"));
        let o = aquant(&[
            "convert",
            s(&input),
            s(&out),
            "--format",
            "pcm16",
            "--dither",
            "shaped",
            "--dither-amplitude",
            amplitude,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let SampleBuf::I16(q) = read_wav(&out).1 else {
            panic!("pcm16 output")
        };
        let e2: f64 = q
            .iter()
            .zip(&x)
            .map(|(&q, &x)| (q as f64 - x as f64 * 32768.0).powi(2))
            .sum();
        (e2 / q.len() as f64).sqrt()
    };
    let (zero, one, two) = (error_rms("0"), error_rms("1"), error_rms("2"));
    for (lo, hi) in [(zero, one), (one, two)] {
        assert!(
            (1.4..2.1).contains(&(hi / lo)),
            "error rms by amplitude 0, 1, 2: {zero} {one} {two}"
        );
    }
}
