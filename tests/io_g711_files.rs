//! G.711 files: WAV (tags 6/7, plain and extensible) and AU, against sox, ffmpeg and
//! libsndfile. Fixtures in `tests/data/g711/files/` (see its README): we must decode the
//! tools' files to the tools' own samples, and the tools must decode ours to ours.

use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::process::Command;

use aquant::codecs::g711::{decode, encode, Law, Rule};
use aquant::io::au::{AuEncoding, AuReader, AuWriter};
use aquant::io::raw::{RawEncoding, RawReader, RawSpec};
use aquant::io::riff::{g711_format, g711_law, WavReader, WavWriter};

fn files() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/g711/files")
}

fn s16(path: &Path) -> Vec<i16> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .chunks(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// A G.711 file read with our layer: law, channels, rate, codes, fact length (WAV).
struct G711File {
    law: Law,
    channels: u32,
    rate: u32,
    codes: Vec<u8>,
    fact: Option<u32>,
    extensible: bool,
}

fn read_g711(path: &Path) -> G711File {
    let name = path.to_string_lossy();
    if name.ends_with(".au") {
        let mut r = AuReader::open(path).unwrap();
        let h = r.header().clone();
        let mut codes = vec![0u8; h.data_len as usize];
        let mut at = 0;
        while at < codes.len() {
            at += r.read_data(&mut codes[at..]).unwrap();
        }
        assert_eq!(r.read_data(&mut [0u8; 4]).unwrap(), 0);
        G711File {
            law: h.encoding.law().expect("a G.711 AU file"),
            channels: h.channels,
            rate: h.sample_rate,
            codes,
            fact: None,
            extensible: false,
        }
    } else {
        let mut r = WavReader::new(BufReader::new(File::open(path).unwrap()), path).unwrap();
        let law = g711_law(r.format(), path).unwrap().expect("a G.711 WAV");
        let mut codes = vec![0u8; r.data_len() as usize];
        assert_eq!(r.read_data_full(&mut codes).unwrap(), codes.len());
        G711File {
            law,
            channels: r.format().channels as u32,
            rate: r.format().sample_rate,
            codes,
            fact: r.fact_sample_length(),
            extensible: r.format().extensible.is_some(),
        }
    }
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(files())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !n.starts_with("src_") && (n.ends_with(".wav") || n.ends_with(".au"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn tool_files_decode_here_to_the_tools_samples() {
    let list = fixtures();
    assert_eq!(list.len(), 14, "{list:?}");
    let mut extensible = 0;
    for path in list {
        let f = read_g711(&path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expected = s16(&PathBuf::from(format!("{}.s16", path.display())));
        let mut ours = vec![0i16; f.codes.len()];
        decode(f.law, &f.codes, &mut ours).unwrap();
        assert_eq!(ours, expected, "{name}");
        assert_eq!(f.rate, 8000, "{name}");
        let want_law = if name.contains("mulaw") {
            Law::MuLaw
        } else {
            Law::ALaw
        };
        assert_eq!(f.law, want_law, "{name}");
        let channels = if name.contains("mono") {
            1
        } else if name.contains("stereo") {
            2
        } else {
            3
        };
        assert_eq!(f.channels, channels, "{name}");
        let frames = f.codes.len() as u32 / channels;
        assert_eq!(frames, if channels == 3 { 600 } else { 1200 }, "{name}");
        if let Some(fact) = f.fact {
            assert_eq!(fact, frames, "{name} fact");
        }
        extensible += f.extensible as usize;
    }
    assert_eq!(
        extensible, 2,
        "the two ffmpeg 3-channel files are extensible"
    );
}

fn law_name(law: Law) -> &'static str {
    match law {
        Law::MuLaw => "mulaw",
        Law::ALaw => "alaw",
    }
}

/// Writes `src` as G.711 in WAV (with fact) and AU, into `dir`; returns the paths and codes.
fn write_ours(dir: &Path, law: Law, channels: u32, src: &[i16]) -> (Vec<PathBuf>, Vec<u8>) {
    let mut codes = vec![0u8; src.len()];
    encode(law, Rule::Itu, src, &mut codes).unwrap();
    let frames = (src.len() / channels as usize) as u32;
    let wav = dir.join(format!("ours_{}_{channels}.wav", law_name(law)));
    let mut w = WavWriter::create(&wav, &g711_format(law, channels as u16, 8000), true).unwrap();
    for chunk in codes.chunks(333) {
        w.write_data(chunk).unwrap();
    }
    w.finalize(frames).unwrap();
    let au = dir.join(format!("ours_{}_{channels}.au", law_name(law)));
    let mut w = AuWriter::create(&au, AuEncoding::from_law(law), 8000, channels).unwrap();
    w.write_data(&codes).unwrap();
    w.finalize().unwrap();
    let ext = dir.join(format!("ours_{}_{channels}_ext.wav", law_name(law)));
    let format = g711_format(law, channels as u16, 8000).into_extensible(8, 0);
    let mut w = WavWriter::create(&ext, &format, true).unwrap();
    w.write_data(&codes).unwrap();
    w.finalize(frames).unwrap();
    (vec![wav, au, ext], codes)
}

#[test]
fn our_files_read_back_with_sizes_fact_and_padding() {
    let dir = tempfile::tempdir().unwrap();
    for (src, channels) in [
        ("src_mono.s16", 1),
        ("src_stereo.s16", 2),
        ("src_3ch.s16", 3),
    ] {
        let mut pcm = s16(&files().join(src));
        if channels == 3 {
            pcm.truncate(pcm.len() - 3); // an odd number of data bytes: the pad byte
        }
        for law in [Law::MuLaw, Law::ALaw] {
            let (paths, codes) = write_ours(dir.path(), law, channels, &pcm);
            for p in paths {
                let f = read_g711(&p);
                assert_eq!((f.law, f.channels, f.rate), (law, channels, 8000));
                assert_eq!(f.codes, codes, "{}", p.display());
                if f.fact.is_some() {
                    assert_eq!(f.fact, Some((codes.len() / channels as usize) as u32));
                }
                let bytes = std::fs::read(&p).unwrap();
                if p.extension().unwrap() == "wav" {
                    assert_eq!(bytes.len() % 2, 0);
                    assert_eq!(
                        &bytes[16..20],
                        if f.extensible {
                            &[40, 0, 0, 0]
                        } else {
                            &[18, 0, 0, 0]
                        }
                    );
                }
            }
        }
    }
}

#[test]
fn raw_g711_round_trips() {
    let pcm = s16(&files().join("src_stereo.s16"));
    let mut codes = vec![0u8; pcm.len()];
    encode(Law::ALaw, Rule::Itu, &pcm, &mut codes).unwrap();
    let spec = RawSpec::new(RawEncoding::ALaw, 8000, 2).unwrap();
    let mut r = RawReader::new(Cursor::new(&codes), "mem.raw", spec);
    let mut back = Vec::new();
    let mut buf = [0u8; 101];
    loop {
        let n = r.read_frames(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        assert_eq!(n % 2, 0);
        back.extend_from_slice(&buf[..n]);
    }
    assert_eq!(back, codes);
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg(if name == "sndfile-convert" {
            "--version"
        } else {
            "-h"
        })
        .output()
        .is_ok()
}

/// Runs the tools on the files we write: each must decode them to our samples. Needs sox,
/// ffmpeg and sndfile-convert: skipped loudly if absent, a failure with CI=true.
#[test]
fn tools_decode_our_files_to_our_samples() {
    let tools = ["sox", "ffmpeg", "sndfile-convert"];
    let missing: Vec<_> = tools.iter().filter(|t| !tool(t)).collect();
    if !missing.is_empty() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but {missing:?} not installed");
        }
        eprintln!("SKIPPED: tools_decode_our_files_to_our_samples: {missing:?} not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for (src, channels) in [
        ("src_mono.s16", 1u32),
        ("src_stereo.s16", 2),
        ("src_3ch.s16", 3),
    ] {
        let pcm = s16(&files().join(src));
        for law in [Law::MuLaw, Law::ALaw] {
            let (paths, codes) = write_ours(dir.path(), law, channels, &pcm);
            let mut expected = vec![0i16; codes.len()];
            decode(law, &codes, &mut expected).unwrap();
            for p in paths {
                let out = dir.path().join("decoded.s16");
                let tmp = dir.path().join("decoded.wav");
                run(Command::new("sox")
                    .arg("-D")
                    .arg(&p)
                    .args(["-t", "raw", "-e", "signed", "-b", "16", "-L"])
                    .arg(&out));
                assert_eq!(s16(&out), expected, "sox on {}", p.display());
                run(Command::new("ffmpeg")
                    .args(["-nostdin", "-v", "error", "-y", "-i"])
                    .arg(&p)
                    .args(["-f", "s16le", "-c:a", "pcm_s16le"])
                    .arg(&out));
                assert_eq!(s16(&out), expected, "ffmpeg on {}", p.display());
                run(Command::new("sndfile-convert")
                    .arg("-pcm16")
                    .arg(&p)
                    .arg(&tmp));
                // libsndfile decoded; read its PCM WAV with our RIFF layer.
                let mut r = WavReader::open(&tmp).unwrap();
                assert_eq!(r.format().codec_tag(), 1);
                assert_eq!(r.format().channels as u32, channels);
                let mut bytes = vec![0u8; r.data_len() as usize];
                r.read_data_full(&mut bytes).unwrap();
                let got: Vec<i16> = bytes
                    .chunks(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                assert_eq!(got, expected, "libsndfile on {}", p.display());
                std::fs::remove_file(&tmp).unwrap();
            }
        }
    }
    // And every tool decodes every tool's fixture to the same samples we do.
    for p in fixtures() {
        let f = read_g711(&p);
        let mut expected = vec![0i16; f.codes.len()];
        decode(f.law, &f.codes, &mut expected).unwrap();
        let out = dir.path().join("x.s16");
        run(Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-i"])
            .arg(&p)
            .args(["-f", "s16le", "-c:a", "pcm_s16le"])
            .arg(&out));
        assert_eq!(s16(&out), expected, "ffmpeg on {}", p.display());
        run(Command::new("sox")
            .arg("-D")
            .arg(&p)
            .args(["-t", "raw", "-e", "signed", "-b", "16", "-L"])
            .arg(&out));
        assert_eq!(s16(&out), expected, "sox on {}", p.display());
    }
}
