//! The IMA ADPCM beam efforts code a speech-like input at least as well as the greedy default,
//! measured as the snr-table script measures it: on SoX's decode of the file. FFmpeg's
//! `-trellis 8` on the same input is printed for reference.

mod common;

use aquant::codecs::ima_adpcm::{self, Effort, ImaParams};
use common::wavchunks::{s16le, snr_db, write_adpcm_wav};
use common::{require_tool, run};
use std::path::Path;
use std::process::Command;

const RATE: u32 = 48000;
const CHANNELS: usize = 2;
/// SoX's IMA block for 48 kHz stereo (the script codes at SoX's block size).
const BLOCK_ALIGN: usize = 512;

/// The script's speech-like signal (a gliding pulse train through formant band-passes,
/// syllable envelopes, noise bursts), `seconds` long, 48 kHz stereo.
fn speech_like(dir: &Path, seconds: &str) -> Vec<i16> {
    let p = |name: &str| dir.join(name);
    run(Command::new("sox")
        .args(["-R", "-n", "-r", "48000", "-c", "1", "-b", "16"])
        .arg(p("voiced.wav"))
        .args([
            "synth", seconds, "sawtooth", "110:150", "tremolo", "4", "90",
        ])
        .args(["gain", "-6", "sinc", "100-3800"]));
    run(Command::new("sox")
        .arg("-R")
        .arg(p("voiced.wav"))
        .arg(p("f1.wav"))
        .args(["gain", "-6", "bandpass", "700", "3q"]));
    run(Command::new("sox")
        .arg("-R")
        .arg(p("voiced.wav"))
        .arg(p("f2.wav"))
        .args(["gain", "-6", "bandpass", "1500", "4q"]));
    run(Command::new("sox")
        .args(["-R", "-n", "-r", "48000", "-c", "1", "-b", "16"])
        .arg(p("fric.wav"))
        .args(["synth", seconds, "whitenoise", "tremolo", "1.3", "100"])
        .args(["gain", "-30", "highpass", "3000"]));
    run(Command::new("sox")
        .args(["-R", "-m"])
        .arg(p("f1.wav"))
        .arg(p("f2.wav"))
        .arg(p("fric.wav"))
        .arg(p("mono.wav"))
        .args(["norm", "-3"]));
    let raw = run(Command::new("sox")
        .arg("-R")
        .arg(p("mono.wav"))
        .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"])
        .args(["remix", "1", "1v0.8", "norm", "-3"]));
    s16le(&raw)
}

/// SoX's decode of the WAV at `path`.
fn sox_decode(path: &Path) -> Vec<i16> {
    s16le(&run(Command::new("sox").arg("-D").arg(path).args([
        "-t",
        "raw",
        "-e",
        "signed-integer",
        "-b",
        "16",
        "-L",
        "-",
    ])))
}

#[test]
fn beam_efforts_beat_the_default_on_soxs_decode() {
    let test = "beam_efforts_beat_the_default_on_soxs_decode";
    if !require_tool("sox", test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pcm = speech_like(dir.path(), "0.5");
    let frames = pcm.len() / CHANNELS;
    assert_eq!(frames, RATE as usize / 2);
    let params = ImaParams::new(CHANNELS, BLOCK_ALIGN).unwrap();
    let mut snr = Vec::new();
    for effort in [1u8, 2, 5, 7] {
        let data = ima_adpcm::encode_all(&params, &pcm, Effort(effort));
        let spb = params.samples_per_block() as u16;
        let bytes_per_sec = (RATE as usize * BLOCK_ALIGN / spb as usize) as u32;
        let wav = write_adpcm_wav(
            ima_adpcm::WAV_FORMAT_TAG,
            CHANNELS,
            RATE,
            bytes_per_sec,
            BLOCK_ALIGN,
            4,
            &spb.to_le_bytes(),
            frames as u32,
            &data,
        );
        let path = dir.path().join(format!("e{effort}.wav"));
        std::fs::write(&path, wav).unwrap();
        let decoded = sox_decode(&path);
        // SoX decodes whole blocks; the last is padded past the input.
        assert!(decoded.len() >= pcm.len(), "effort {effort}: short decode");
        snr.push((effort, snr_db(&pcm, &decoded)));
    }
    if require_tool("ffmpeg", test) {
        let input = dir.path().join("in.wav");
        let mut w = hound::WavWriter::create(
            &input,
            hound::WavSpec {
                channels: CHANNELS as u16,
                sample_rate: RATE,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            },
        )
        .unwrap();
        for &s in &pcm {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let out = dir.path().join("ffmpeg.wav");
        run(Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&input)
            .args(["-c:a", "adpcm_ima_wav", "-trellis", "8"])
            .arg(&out));
        eprintln!(
            "ffmpeg -trellis 8: {:.2} dB",
            snr_db(&pcm, &sox_decode(&out))
        );
    }
    eprintln!("aquant (effort, SNR dB): {snr:.2?}");
    let default = snr[0].1;
    for &(effort, db) in &snr[1..] {
        assert!(
            db >= default,
            "effort {effort}: {db:.2} dB < the default's {default:.2} dB"
        );
    }
    // A wider search is at least as good here by a margin (the beam keeps more paths).
    assert!(
        snr[3].1 > snr[1].1,
        "effort 7 is not above effort 2: {snr:?}"
    );
}
