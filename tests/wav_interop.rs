//! WAV interoperability with sox, ffmpeg and libsndfile, both ways: files we write decode in
//! those tools to the samples we wrote, and files they write read here as they decode them.
//! Under CI=true the tools must be installed (.ci/run installs them); elsewhere the tests skip
//! loudly without them.

mod common;

use std::path::Path;
use std::process::Command;

use aquant::convert::quantize_buf;
use aquant::io::wav::{PcmSpec, WavPcmReader, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::signal::demo_signal;
use aquant::{Dither, UniformQuantizer};
use common::{f64s, require_tool, run};

const ENCODINGS: [Encoding; 5] = [
    Encoding::U8,
    Encoding::I16,
    Encoding::I24,
    Encoding::I32,
    Encoding::F32,
];

/// Decodes `path` to interleaved f64 with each tool.
fn decode_with(tool: &str, path: &Path, dir: &Path, encoding: Encoding) -> Vec<f64> {
    match tool {
        "sox" => f64s(&run(Command::new("sox").arg(path).args([
            "-t",
            "raw",
            "-e",
            "floating-point",
            "-b",
            "64",
            "-L",
            "-",
        ]))),
        "ffmpeg" => f64s(&run(Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(path)
            .args(["-f", "f64le", "-"]))),
        "sndfile-convert" => {
            // sndfile-convert normalizes integer input to the peak when it writes floats, so
            // integer files are decoded to 32-bit integers (an exact shift) and float files to
            // float32 (a copy).
            let raw = dir.join("sndfile-out.raw");
            let bytes = |raw: &Path| std::fs::read(raw).unwrap();
            if encoding == Encoding::F32 {
                run(Command::new("sndfile-convert")
                    .args(["-float32", "-endian=little"])
                    .arg(path)
                    .arg(&raw));
                bytes(&raw)
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()) as f64)
                    .collect()
            } else {
                run(Command::new("sndfile-convert")
                    .args(["-pcm32", "-endian=little"])
                    .arg(path)
                    .arg(&raw));
                bytes(&raw)
                    .chunks_exact(4)
                    .map(|b| i32::from_le_bytes(b.try_into().unwrap()) as f64 / 2147483648.0)
                    .collect()
            }
        }
        _ => unreachable!(),
    }
}

fn read_ours(path: &Path) -> (PcmSpec, Vec<f64>) {
    let mut r = WavPcmReader::open(path).unwrap();
    let spec = r.spec();
    let mut all = Vec::new();
    let mut buf = SampleBuf::new(spec.encoding);
    while r.read_frames(&mut buf, 1000).unwrap() > 0 {
        all.extend(buf.to_f64_vec());
    }
    (spec, all)
}

/// sox converts float samples through its internal 32-bit integers: allow that one rounding.
fn tolerance(tool: &str, encoding: Encoding) -> f64 {
    if tool == "sox" && encoding == Encoding::F32 {
        1.0 / 2147483648.0
    } else {
        0.0
    }
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "{what}: sample {i}: {x} vs {y}");
    }
}

#[test]
fn files_we_write_decode_in_sox_ffmpeg_and_libsndfile_to_our_samples() {
    let dir = tempfile::tempdir().unwrap();
    let signal: Vec<f32> = demo_signal(44100, 0.05).iter().map(|&x| x as f32).collect();
    for tool in ["sox", "ffmpeg", "sndfile-convert"] {
        if !require_tool(tool, "files_we_write_decode_in_tools") {
            continue;
        }
        for enc in ENCODINGS {
            let mut q = UniformQuantizer::new(2, None, Dither::tpdf()).unwrap();
            let mut out = SampleBuf::new(enc);
            out.reset_to(enc, signal.len());
            quantize_buf(&mut q, &SampleBuf::F32(signal.clone()), &mut out).unwrap();
            let path = dir.path().join(format!("ours-{}.wav", enc.name()));
            let file = std::fs::File::create(&path).unwrap();
            let mut w = WavPcmWriter::new(
                file,
                &path,
                PcmSpec {
                    channels: 2,
                    sample_rate: 44100,
                    encoding: enc,
                },
            )
            .unwrap();
            w.write(&out).unwrap();
            w.finalize().unwrap();
            let theirs = decode_with(tool, &path, dir.path(), enc);
            assert_close(
                &theirs,
                &out.to_f64_vec(),
                tolerance(tool, enc),
                &format!("{tool} decoding our {}", enc.name()),
            );
        }
    }
}

#[test]
fn files_the_tools_write_read_here_as_they_decode_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut made = Vec::new();
    if require_tool("sox", "files_the_tools_write") {
        for (args, name) in [
            (vec!["-b", "8", "-e", "unsigned-integer"], "sox-u8"),
            (vec!["-b", "16"], "sox-16"),
            (vec!["-b", "24"], "sox-24"),
            (vec!["-b", "32"], "sox-32"),
            (vec!["-b", "32", "-e", "floating-point"], "sox-f32"),
        ] {
            let path = d.join(format!("{name}.wav"));
            // Three channels make sox write WAVE_FORMAT_EXTENSIBLE headers.
            run(Command::new("sox")
                .args(["-n", "-r", "22050", "-c", "3"])
                .args(&args)
                .arg(&path)
                .args([
                    "synth",
                    "0.05",
                    "sine",
                    "440",
                    "sine",
                    "1000",
                    "whitenoise",
                    "vol",
                    "0.7",
                ]));
            made.push(("sox", path));
        }
    }
    if require_tool("ffmpeg", "files_the_tools_write") {
        for codec in ["pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le"] {
            let path = d.join(format!("ffmpeg-{codec}.wav"));
            run(Command::new("ffmpeg")
                .args([
                    "-v",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=330:sample_rate=48000:duration=0.05",
                    "-ac",
                    "2",
                    "-c:a",
                    codec,
                    "-y",
                ])
                .arg(&path));
            made.push(("ffmpeg", path));
        }
    }
    if require_tool("sndfile-convert", "files_the_tools_write")
        && require_tool("sox", "files_the_tools_write")
    {
        let src = d.join("src.wav");
        run(Command::new("sox")
            .args(["-n", "-r", "16000", "-c", "1", "-b", "16"])
            .arg(&src)
            .args(["synth", "0.05", "sine", "700"]));
        for enc in ["-pcmu8", "-pcm16", "-pcm24", "-pcm32", "-float32"] {
            let path = d.join(format!("sndfile{enc}.wav"));
            run(Command::new("sndfile-convert")
                .arg(enc)
                .arg(&src)
                .arg(&path));
            made.push(("sndfile-convert", path));
        }
    }
    for (tool, path) in made {
        let (spec, ours) = read_ours(&path);
        let theirs = decode_with(tool, &path, d, spec.encoding);
        assert_close(
            &ours,
            &theirs,
            tolerance(tool, spec.encoding),
            &format!("reading {}", path.display()),
        );
        assert!(
            ours.iter().any(|&x| x != 0.0),
            "{} decoded to silence",
            path.display()
        );
    }
}
