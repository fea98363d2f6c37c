//! Files we encode decode in SoX, FFmpeg and libsndfile without error, and SoX's and
//! libsndfile's decodes equal ours. Inputs: the shared ADPCM inputs, plus an 8-channel mix of them. Each tool that is not
//! installed is skipped with a loud line.

mod common;

use aquant::codecs::ima_adpcm::{self, Effort, ImaParams};
use aquant::codecs::ms_adpcm::{self, MsParams};
use common::wavchunks::{s16le, testvectors, write_adpcm_wav};
use std::path::Path;
use std::process::Command;

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: {tool} is not installed; its interop checks did not run");
    }
    ok
}

fn read_pcm_wav(path: &Path) -> (usize, u32, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let pcm = r.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec.channels as usize, spec.sample_rate, pcm)
}

struct Encoded {
    name: String,
    wav: Vec<u8>,
    /// Our decode of every whole block, and the true frame count.
    decoded_blocks: Vec<i16>,
    frames: usize,
    channels: usize,
}

fn encode_both(name: &str, ch: usize, rate: u32, pcm: &[i16]) -> Vec<Encoded> {
    let frames = pcm.len() / ch;
    let mut out = Vec::new();
    for (per_channel, effort) in [
        (256usize, Effort(0)),
        (256, Effort::DEFAULT),
        (256, Effort(3)),
        (1024, Effort::DEFAULT),
    ] {
        {
            let ima = ImaParams::new(ch, per_channel * ch).unwrap();
            let data = ima_adpcm::encode_all(&ima, pcm, effort);
            let (decoded_blocks, w) = ima_adpcm::decode_all(&ima, &data, None);
            assert_eq!(w, 0);
            out.push(Encoded {
                name: format!("{name}.ima{}.e{}", per_channel * ch, effort.0),
                wav: write_adpcm_wav(
                    ima_adpcm::WAV_FORMAT_TAG,
                    ch,
                    rate,
                    ima.avg_bytes_per_sec(rate),
                    ima.block_align(),
                    4,
                    &ima.wav_fmt_extra(),
                    frames as u32,
                    &data,
                ),
                decoded_blocks,
                frames,
                channels: ch,
            });
            let ms = MsParams::new(ch, per_channel * ch).unwrap();
            let data = ms_adpcm::encode_all(&ms, pcm, effort);
            let (decoded_blocks, w) = ms_adpcm::decode_all(&ms, &data, None);
            assert_eq!(w, 0);
            out.push(Encoded {
                name: format!("{name}.ms{}.e{}", per_channel * ch, effort.0),
                wav: write_adpcm_wav(
                    ms_adpcm::WAV_FORMAT_TAG,
                    ch,
                    rate,
                    ms.avg_bytes_per_sec(rate),
                    ms.block_align(),
                    4,
                    &ms.wav_fmt_extra(),
                    frames as u32,
                    &data,
                ),
                decoded_blocks,
                frames,
                channels: ch,
            });
        }
    }
    out
}

#[test]
fn our_files_decode_in_sox_ffmpeg_and_libsndfile() {
    let Some(root) = testvectors("our_files_decode_in_sox_ffmpeg_and_libsndfile") else {
        return;
    };
    let (sox, ffmpeg, sndfile) = (have("sox"), have("ffmpeg"), have("sndfile-info"));
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut eight = None;
    for input in [
        "in_8000_mono",
        "in_8000_stereo",
        "in_44100_mono",
        "in_44100_stereo",
    ] {
        let (ch, rate, pcm) = read_pcm_wav(&root.join(format!("adpcm_input/{input}.wav")));
        if input == "in_8000_stereo" {
            // 8 channels: the stereo pair, its reverse, and the channels scaled.
            let mut v = Vec::new();
            for f in pcm.chunks_exact(2) {
                let (l, r) = (f[0], f[1]);
                v.extend([l, r, r, l, l / 2, r / 3, -(l / 4), r.saturating_neg()]);
            }
            eight = Some((rate, v));
        }
        files.extend(encode_both(input, ch, rate, &pcm));
    }
    let (rate, v) = eight.unwrap();
    files.extend(encode_both("in_8000_8ch", 8, rate, &v));
    for f in &files {
        let path = dir.path().join(format!("{}.wav", f.name));
        std::fs::write(&path, &f.wav).unwrap();
        if sox {
            let out = Command::new("sox")
                .args(["-D", "-V1"])
                .arg(&path)
                .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: sox: {}",
                f.name,
                String::from_utf8_lossy(&out.stderr)
            );
            let theirs = s16le(&out.stdout);
            // SoX cuts MS ADPCM at the fact length and IMA at the last whole block.
            assert!(
                theirs.len() >= f.frames * f.channels,
                "{}: sox gave {} samples",
                f.name,
                theirs.len()
            );
            assert_eq!(
                theirs[..],
                f.decoded_blocks[..theirs.len()],
                "{}: sox's decode differs",
                f.name
            );
        }
        // FFmpeg 5.1's IMA WAV and MS ADPCM decoders refuse more than 2 channels ("Invalid
        // number of channels"), for SoX's files too.
        if ffmpeg && f.channels <= 2 {
            let out = Command::new("ffmpeg")
                .args(["-v", "error", "-i"])
                .arg(&path)
                .args(["-f", "s16le", "-"])
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{}: ffmpeg: {}",
                f.name,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stdout.len() / 2 >= f.frames * f.channels,
                "{}: ffmpeg short",
                f.name
            );
        }
        // libsndfile 1.2 refuses ADPCM WAV with more than 2 channels ("Invalid number of
        // channels"), for SoX's files too.
        if sndfile && f.channels <= 2 {
            let dest = dir.path().join(format!("{}.sf.wav", f.name));
            let out = Command::new("sndfile-convert")
                .arg("-pcm16")
                .arg(&path)
                .arg(&dest)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: sndfile-convert: {}",
                f.name,
                String::from_utf8_lossy(&out.stderr)
            );
            let (ch, _, pcm) = read_pcm_wav(&dest);
            assert_eq!(ch, f.channels);
            assert!(
                pcm.len() >= f.frames * f.channels,
                "{}: libsndfile short",
                f.name
            );
            // libsndfile decodes with the same arithmetic as SoX: its samples equal ours.
            assert_eq!(
                pcm[..f.frames * f.channels],
                f.decoded_blocks[..f.frames * f.channels],
                "{}: libsndfile's decode differs",
                f.name
            );
        }
    }
}
