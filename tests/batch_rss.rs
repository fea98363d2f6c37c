//! Memory stays bounded whatever the file size: a large input (sparse on disk, so the test
//! needs no disk space for it) converts with a peak resident set under 64 MiB.
//!
//! The size is 256 MiB by default (about 10 s of CPU in a debug build); set `AQUANT_RSS_TEST_MIB=2048`
//! for the 2 GiB case.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Writes the header of a float32 stereo 44.1 kHz WAV declaring `data_bytes` of samples, and
/// extends the file (sparse: zeros) to hold them.
fn sparse_float_wav(path: &Path, data_bytes: u32) {
    let mut f = std::fs::File::create(path).unwrap();
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&44100u32.to_le_bytes());
    h.extend_from_slice(&(44100u32 * 8).to_le_bytes());
    h.extend_from_slice(&8u16.to_le_bytes());
    h.extend_from_slice(&32u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_bytes.to_le_bytes());
    f.write_all(&h).unwrap();
    f.set_len(44 + data_bytes as u64).unwrap();
}

/// Peak resident set of the children this process has waited for, in bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage only writes the struct we pass, which is zero-initialised plain data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    usage.ru_maxrss as u64 * 1024 // Linux reports KiB.
}

#[test]
fn large_input_converts_in_bounded_memory() {
    let mib: u32 = std::env::var("AQUANT_RSS_TEST_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
        .min(4000);
    let data_bytes = mib * (1 << 20) - 44;
    let data_bytes = data_bytes - data_bytes % 8;
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    sparse_float_wav(&input.join("big.wav"), data_bytes);
    let out = tmp.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_aquant"))
        .args(["batch", "--jobs", "1", "--format", "pcm16"])
        .arg(&input)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::metadata(out.join("big.wav")).unwrap().len();
    assert_eq!(written, 44 + data_bytes as u64 / 2, "every frame converted");
    let rss = children_max_rss();
    println!(
        "input {mib} MiB: peak RSS {:.1} MiB",
        rss as f64 / (1 << 20) as f64
    );
    assert!(rss < 64 << 20, "peak RSS {rss} bytes");
}
