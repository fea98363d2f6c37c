//! `aquant play` end to end, headless: the child process gets `HOME` pointing at a folder
//! whose `.asoundrc` makes the default PCM ALSA's `file` plugin. What it played must be what
//! `aquant convert` writes, bit for bit (apart from the device's trailing silence).
#![cfg(all(feature = "playback", target_os = "linux"))]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const AQUANT: &str = env!("CARGO_BIN_EXE_aquant");

fn asoundrc(home: &Path, raw: &Path, format: &str) {
    // `format "raw"` writes the samples as the PCM receives them; the `plug` layer makes the
    // PCM accept one sample format (S16_LE) so that the capture is comparable byte for byte.
    std::fs::write(
        home.join(".asoundrc"),
        format!(
            "pcm.!default {{\n  type plug\n  slave {{\n    pcm {{\n      type file\n      slave.pcm \"null\"\n      file \"{}\"\n      format \"raw\"\n    }}\n    format {format}\n  }}\n}}\n",
            raw.display()
        ),
    )
    .unwrap();
}

/// The 16-bit samples of a WAV file.
fn wav_i16(path: &Path) -> Vec<i16> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<i16>()
        .map(|s| s.unwrap())
        .collect()
}

/// The samples the ALSA `file` plugin captured (S16_LE).
fn raw_s16le(path: &Path) -> Vec<i16> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Makes `name` in `dir` with `sox -n … name effects…` (a reference tool makes the input), or
/// `None` after a loud skip when sox is missing outside CI (under CI it fails).
fn sox_input(dir: &Path, name: &str, format: &[&str], effects: &[&str]) -> Option<PathBuf> {
    if !common::require_tool("sox", "playback_cli") {
        return None;
    }
    let path = dir.join(name);
    let st = Command::new("sox")
        .arg("-n")
        .args(format)
        .arg(&path)
        .args(effects)
        .status()
        .unwrap();
    assert!(st.success(), "sox made no {name}");
    Some(path)
}

/// `aquant convert FROM TO ARGS…`, which must succeed.
fn convert(from: &Path, to: &Path, args: &[&str]) {
    let st = Command::new(AQUANT)
        .arg("convert")
        .args([from, to])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "convert {} {args:?}", from.display());
}

/// `aquant play INPUT --ring 30 ARGS…` on the capturing default device of `home`: its stderr.
/// The file device is not paced: it drains as fast as the CPU allows. A ring holding the whole
/// signal keeps a busy machine from starving it (underruns would insert silence).
fn play(home: &Path, input: &Path, args: &[&str]) -> String {
    let out = Command::new(AQUANT)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .arg("play")
        .arg(input)
        .args(["--ring", "30"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!("{stderr}");
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// Where `expected` starts in `captured`: the device may play silence first, so the first
/// non-zero samples line up.
fn start_in_capture(captured: &[i16], expected: &[i16]) -> usize {
    let lead = captured.iter().position(|&s| s != 0).unwrap();
    let first = expected.iter().position(|&s| s != 0).unwrap();
    assert!(lead >= first, "the capture starts inside the signal");
    lead - first
}

/// Asserts that `captured` is `expected` (of `channels` interleaved channels) between silences.
fn assert_played_exactly(captured: &[i16], expected: &[i16], channels: usize) {
    let start = start_in_capture(captured, expected);
    assert!(start.is_multiple_of(channels), "frames stay aligned");
    assert_eq!(&captured[start..start + expected.len()], expected);
    assert!(captured[start + expected.len()..].iter().all(|&s| s == 0));
}

#[test]
fn aquant_play_sounds_exactly_like_aquant_convert() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let raw = h.join("played.raw");
    asoundrc(h, &raw, "S16_LE");
    // A float WAV made by sox (a reference tool), stereo 44.1 kHz, 0.7 s of sweep.
    let format = ["-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32"];
    let Some(input) = sox_input(
        h,
        "in.wav",
        &format,
        &["synth", "0.7", "sine", "100-8000", "vol", "0.7"],
    ) else {
        return;
    };
    let args = [
        "--format", "pcm16", "--bits", "7", "--dither", "tpdf-hp", "--seed", "5",
    ];
    let converted = h.join("conv.wav");
    convert(&input, &converted, &args);
    let stderr = play(h, &input, &args);
    assert!(
        stderr.contains("callbacks") && stderr.contains("underruns 0"),
        "{stderr}"
    );
    assert_played_exactly(&raw_s16le(&raw), &wav_i16(&converted), 2);

    // `aquant devices` lists the file plugin's default and the null device.
    let out = Command::new(AQUANT)
        .env("HOME", h)
        .arg("devices")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(list.contains("default") && list.contains("null"), "{list}");
}

#[test]
fn aquant_play_with_shaped_dither_sounds_exactly_like_aquant_convert() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let raw = h.join("played.raw");
    asoundrc(h, &raw, "S16_LE");
    // Mono 48 kHz float from sox; the shaper is designed for the file's rate in both.
    let format = ["-r", "48000", "-c", "1", "-e", "floating-point", "-b", "32"];
    let Some(input) = sox_input(
        h,
        "in.wav",
        &format,
        &["synth", "0.6", "sine", "200-6000", "vol", "0.5"],
    ) else {
        return;
    };
    let args = [
        "--format",
        "pcm16",
        "--bits",
        "8",
        "--dither",
        "shaped-strong",
        "--seed",
        "3",
    ];
    let converted = h.join("conv.wav");
    convert(&input, &converted, &args);
    let stderr = play(h, &input, &args);
    assert!(stderr.contains("underruns 0"), "{stderr}");
    let expected = wav_i16(&converted);
    assert_played_exactly(&raw_s16le(&raw), &expected, 1);
    // Shaping really ran: the 8-bit grid's noise was pushed up in frequency, so the error is
    // not the plain quantizer's (which `--dither tpdf` gives).
    let plain = h.join("plain.wav");
    convert(
        &input,
        &plain,
        &[
            "--format", "pcm16", "--bits", "8", "--dither", "tpdf", "--seed", "3",
        ],
    );
    assert_ne!(wav_i16(&plain), expected);
}

#[test]
fn aquant_live_denoise_runs_at_48k_and_refuses_other_rates_clearly() {
    let out = Command::new(AQUANT)
        .args(["live", "--denoise", "--rate", "44100", "--input", "null"])
        .args(["--output", "null", "--seconds", "0.2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("48000 Hz only"), "{stderr}");

    // ALSA's null devices, headless: capture → denoiser → shaped 12-bit quantizer → null.
    let out = Command::new(AQUANT)
        .args(["live", "--denoise", "--input", "null", "--output", "null"])
        .args(["--buffer", "256", "--seconds", "0.5"])
        .args(["--bits", "12", "--dither", "shaped"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("959 frames"), "{stderr}");
    assert!(stderr.contains("48000 Hz"), "{stderr}");
    // The statistics line names chain errors only when there were some.
    assert!(!stderr.contains("chain errors"), "{stderr}");
}

#[test]
fn aquant_play_ima_adpcm_sounds_like_convert_round_trip_and_refuses_g726_at_48k() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let raw = h.join("played.raw");
    asoundrc(h, &raw, "S16_LE");
    let format = ["-r", "48000", "-c", "2", "-b", "16"];
    let effects = [
        "synth", "0.5", "sine", "300-5000", "sine", "440", "vol", "0.5",
    ];
    let Some(input) = sox_input(h, "in.wav", &format, &effects) else {
        return;
    };
    // What a conversion produces: encode, then decode back to 16 bits.
    let (coded, decoded) = (h.join("coded.wav"), h.join("decoded.wav"));
    convert(&input, &coded, &["--format", "ima-adpcm"]);
    convert(&coded, &decoded, &["--format", "pcm16"]);
    play(h, &input, &["--format", "ima-adpcm"]);
    let expected: Vec<i16> = wav_i16(&decoded);
    let captured: Vec<i16> = raw_s16le(&raw);
    // The chain's block latency shows as leading silence; the tail may stop inside the last
    // (partial) block, which the chain only releases as a whole block.
    let start = start_in_capture(&captured, &expected);
    let n = (captured.len() - start).min(expected.len());
    let block_samples = 2 * 2041; // default 48 kHz stereo block: 2041 frames
    assert!(
        n + block_samples >= expected.len(),
        "captured {n} of {}",
        expected.len()
    );
    assert_eq!(&captured[start..start + n], &expected[..n]);

    // G.726 is defined at 8 kHz: a 48 kHz file is refused with the way out.
    let out = Command::new(AQUANT)
        .env("HOME", h)
        .env_remove("XDG_CONFIG_HOME")
        .args(["play", input.to_str().unwrap(), "--format", "g726-32"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("8000 Hz") && stderr.contains("--rate 8000"),
        "{stderr}"
    );
}
