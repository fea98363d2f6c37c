//! `aquant play` end to end, headless: the child process gets `HOME` pointing at a folder
//! whose `.asoundrc` makes the default PCM ALSA's `file` plugin. What it played must be what
//! `aquant convert` writes, bit for bit (apart from the device's trailing silence).
#![cfg(all(feature = "playback", target_os = "linux"))]

use std::path::Path;
use std::process::Command;

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

fn sox(args: &[&str]) -> bool {
    Command::new("sox")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn aquant_play_sounds_exactly_like_aquant_convert() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let raw = h.join("played.raw");
    asoundrc(h, &raw, "S16_LE");
    // A float WAV made by sox (a reference tool), stereo 44.1 kHz, 0.7 s of sweep.
    let input = h.join("in.wav");
    if !sox(&[
        "-n",
        "-r",
        "44100",
        "-c",
        "2",
        "-e",
        "floating-point",
        "-b",
        "32",
        input.to_str().unwrap(),
        "synth",
        "0.7",
        "sine",
        "100-8000",
        "vol",
        "0.7",
    ]) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("sox is required");
        }
        eprintln!("SKIPPED: sox not available");
        return;
    }
    let converted = h.join("conv.wav");
    let st = Command::new(AQUANT)
        .args([
            "convert",
            input.to_str().unwrap(),
            converted.to_str().unwrap(),
        ])
        .args([
            "--format", "pcm16", "--bits", "7", "--dither", "tpdf-hp", "--seed", "5",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let out = Command::new(AQUANT)
        .env("HOME", h)
        .env_remove("XDG_CONFIG_HOME")
        // The file device is not paced: it drains as fast as the CPU allows. A ring holding the
        // whole signal keeps a busy machine from starving it (underruns would insert silence).
        .args(["play", input.to_str().unwrap(), "--ring", "30"])
        .args([
            "--format", "pcm16", "--bits", "7", "--dither", "tpdf-hp", "--seed", "5",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success());
    assert!(
        stderr.contains("callbacks") && stderr.contains("underruns 0"),
        "{stderr}"
    );

    let expected: Vec<i16> = wav_i16(&converted);
    let bytes = std::fs::read(&raw).unwrap();
    let captured: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    // The device may play silence before and after; between, exactly the conversion.
    let lead = captured.iter().position(|&s| s != 0).unwrap();
    let first = expected.iter().position(|&s| s != 0).unwrap();
    assert!(lead >= first && (lead - first) % 2 == 0);
    let start = lead - first;
    assert_eq!(&captured[start..start + expected.len()], &expected[..]);
    assert!(captured[start + expected.len()..].iter().all(|&s| s == 0));

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
    let input = h.join("in.wav");
    if !sox(&[
        "-n",
        "-r",
        "48000",
        "-c",
        "1",
        "-e",
        "floating-point",
        "-b",
        "32",
        input.to_str().unwrap(),
        "synth",
        "0.6",
        "sine",
        "200-6000",
        "vol",
        "0.5",
    ]) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("sox is required");
        }
        eprintln!("SKIPPED: sox not available");
        return;
    }
    let chain_args = [
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
    let st = Command::new(AQUANT)
        .args([
            "convert",
            input.to_str().unwrap(),
            converted.to_str().unwrap(),
        ])
        .args(chain_args)
        .status()
        .unwrap();
    assert!(st.success());
    let out = Command::new(AQUANT)
        .env("HOME", h)
        .env_remove("XDG_CONFIG_HOME")
        .args(["play", input.to_str().unwrap(), "--ring", "30"])
        .args(chain_args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success());
    assert!(stderr.contains("underruns 0"), "{stderr}");
    let expected: Vec<i16> = wav_i16(&converted);
    let captured: Vec<i16> = raw_s16le(&raw);
    let lead = captured.iter().position(|&s| s != 0).unwrap();
    let first = expected.iter().position(|&s| s != 0).unwrap();
    assert!(lead >= first);
    let start = lead - first;
    assert_eq!(&captured[start..start + expected.len()], &expected[..]);
    assert!(captured[start + expected.len()..].iter().all(|&s| s == 0));
    // Shaping really ran: the 8-bit grid's noise was pushed up in frequency, so the error is
    // not the plain quantizer's (which `--dither tpdf` gives).
    let plain = h.join("plain.wav");
    let st = Command::new(AQUANT)
        .args(["convert", input.to_str().unwrap(), plain.to_str().unwrap()])
        .args([
            "--format", "pcm16", "--bits", "8", "--dither", "tpdf", "--seed", "3",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let plain: Vec<i16> = wav_i16(&plain);
    assert_ne!(plain, expected);
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
    let input = h.join("in.wav");
    if !sox(&[
        "-n",
        "-r",
        "48000",
        "-c",
        "2",
        "-b",
        "16",
        input.to_str().unwrap(),
        "synth",
        "0.5",
        "sine",
        "300-5000",
        "sine",
        "440",
        "vol",
        "0.5",
    ]) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("sox is required");
        }
        eprintln!("SKIPPED: sox not available");
        return;
    }
    // What a conversion produces: encode, then decode back to 16 bits.
    let (coded, decoded) = (h.join("coded.wav"), h.join("decoded.wav"));
    for (from, to, format) in [(&input, &coded, "ima-adpcm"), (&coded, &decoded, "pcm16")] {
        let st = Command::new(AQUANT)
            .args([
                "convert",
                from.to_str().unwrap(),
                to.to_str().unwrap(),
                "--format",
                format,
            ])
            .status()
            .unwrap();
        assert!(st.success());
    }
    let out = Command::new(AQUANT)
        .env("HOME", h)
        .env_remove("XDG_CONFIG_HOME")
        .args([
            "play",
            input.to_str().unwrap(),
            "--ring",
            "30",
            "--format",
            "ima-adpcm",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success());
    let expected: Vec<i16> = wav_i16(&decoded);
    let captured: Vec<i16> = raw_s16le(&raw);
    // The chain's block latency shows as leading silence; the tail may stop inside the last
    // (partial) block, which the chain only releases as a whole block.
    let lead = captured.iter().position(|&s| s != 0).unwrap();
    let first = expected.iter().position(|&s| s != 0).unwrap();
    assert!(lead >= first);
    let start = lead - first;
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
