//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Whether we run under CI (`CI=true`), where a missing tool or data folder is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Whether `tool` runs. Under CI a missing tool fails the test; elsewhere it prints a loud
/// skip line and returns false.
pub fn require_tool(tool: &str, test: &str) -> bool {
    let ok = Command::new(tool)
        .arg(if tool == "sndfile-convert" {
            "--version"
        } else {
            "-h"
        })
        .output()
        .is_ok();
    if !ok {
        if in_ci() {
            panic!(
                "{test}: `{tool}` is not installed, and CI=true requires it (.ci/run installs it)"
            );
        }
        eprintln!("SKIPPED: {test}: `{tool}` is not installed");
    }
    ok
}

/// Runs a command, panicking with its stderr when it fails.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The shared test vectors folder (`AQUANT_TESTVECTORS`, else `../shared/testvectors`), or
/// `None` (after a loud skip line) when it is missing outside CI. Under CI a missing folder
/// fails the test.
pub fn testvectors(test: &str) -> Option<PathBuf> {
    shared_dir("AQUANT_TESTVECTORS", "testvectors", test)
}

/// The shared models folder (`AQUANT_MODELS`, else `../shared/models`), as [`testvectors`].
pub fn models(test: &str) -> Option<PathBuf> {
    shared_dir("AQUANT_MODELS", "models", test)
}

fn shared_dir(var: &str, name: &str, test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join(name)
    });
    if dir.is_dir() {
        return Some(dir);
    }
    if in_ci() {
        panic!(
            "{test}: {} is missing ({var} overrides the path)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: {test}: {} is missing ({var} overrides the path)",
        dir.display()
    );
    None
}

/// Little-endian f64s from raw bytes.
pub fn f64s(raw: &[u8]) -> Vec<f64> {
    raw.chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

pub mod wavchunks;

/// Every sample of a 16-bit PCM WAV file, through aquant's own reader.
pub fn read_i16(path: &std::path::Path) -> Vec<i16> {
    let mut r = aquant::io::wav::WavPcmReader::open(path).unwrap();
    let mut buf = aquant::io::SampleBuf::new(aquant::io::Encoding::I16);
    let n = r.frames_remaining() as usize;
    r.read_frames(&mut buf, n).unwrap();
    match buf {
        aquant::io::SampleBuf::I16(v) => v,
        other => panic!("expected 16-bit, got {:?}", other.encoding()),
    }
}
