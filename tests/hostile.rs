//! Malformed and hostile inputs (tests/data/malformed, made by scripts/make-malformed.py): each
//! gives its exact, documented error, never a panic.

use std::path::{Path, PathBuf};

use aquant::convert::open_input;
use aquant::io::SampleBuf;

fn malformed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/malformed")
        .join(name)
}

/// Opens `path` and reads it to the end; the frames read, or the error's message.
fn read_all(path: &Path) -> Result<u64, String> {
    let mut source = open_input(path).map_err(|e| e.to_string())?;
    let mut buf = SampleBuf::new(source.spec().encoding);
    let mut frames = 0;
    loop {
        match source.read_frames(&mut buf, 4096) {
            Ok(0) => return Ok(frames),
            Ok(n) => frames += n as u64,
            Err(e) => return Err(e.to_string()),
        }
    }
}

const EXPECTED: &[(&str, &str)] = &[
    ("empty.wav", "{path}: malformed header: file is empty"),
    ("riff-only.wav", "{path}: malformed header: file ends inside the WAV header"),
    ("truncated-fmt.wav", "{path}: malformed header: file ends inside the WAV header"),
    ("no-fmt.wav", "{path}: malformed header: missing fmt chunk"),
    ("no-data.wav", "{path}: malformed header: file ends inside the WAV header"),
    ("zero-channels.wav", "{path}: malformed header: file contains zero channels"),
    ("zero-rate.wav", "{path}: malformed fmt : sample rate is 0"),
    ("absurd-block-align.wav", "{path}: malformed header: sample bits exceeds size of sample"),
    ("bits-zero.wav", "{path}: malformed header: bits per sample is 0"),
    ("float-16-bit.wav", "{path}: malformed header: bits per sample is not 32"),
    ("extensible-short.wav", "{path}: malformed header: wav: malformed fmt_ext chunk"),
    ("fmt-size-beyond-file.wav", "{path}: malformed header: unexpected fmt chunk size"),
    ("chunk-beyond-file.wav", "{path}: malformed header: file ends inside the WAV header"),
    (
        "data-beyond-file.wav",
        "{path}: malformed data: chunk declares 1000000 bytes but the file holds only 400 after its start",
    ),
    (
        "huge-declared-length.wav",
        "{path}: malformed data: chunk declares 2147483632 bytes but the file holds only 400 after its start",
    ),
    (
        "data-not-whole-samples.wav",
        "{path}: malformed header: data chunk length is not a multiple of sample size",
    ),
    ("partial-last-frame.wav", "{path}: malformed header: invalid data chunk length"),
    (
        "unknown-format-tag.wav",
        "{path}: unsupported format: WAV format tag 0x1234 (unknown) is not one this build decodes",
    ),
    (
        "flac-no-frames.flac",
        "{path}: malformed header: file ends before the data its header declares (truncated?)",
    ),
    ("flac-zero-rate.flac", "{path}: malformed header: flac: stream sample rate out of bounds"),
    (
        "not-audio.mp3",
        "{path}: unsupported format: not a format this build reads (WAV, AU, FLAC, MP3, Ogg Vorbis, AIFF, CAF)",
    ),
];

#[test]
fn every_malformed_file_gives_its_exact_error() {
    let mut wrong = Vec::new();
    for (name, expected) in EXPECTED {
        let path = malformed(name);
        assert!(
            path.exists(),
            "{name} missing: run scripts/make-malformed.py"
        );
        let expected = expected.replace("{path}", &path.display().to_string());
        match read_all(&path) {
            Ok(frames) => wrong.push(format!("{name}: read {frames} frames, expected an error")),
            Err(e) if e == expected => {}
            Err(e) => wrong.push(format!("{name}:\n  got      {e}\n  expected {expected}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_file_of_the_corpus_is_listed_with_its_error() {
    let dir = malformed("");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} not in the README"
        );
        let known = EXPECTED.iter().any(|(n, _)| *n == name)
            || ["odd-sized-chunk.wav", "streamed-length.wav"].contains(&name.as_str());
        assert!(known, "{name} has no expected result in tests/hostile.rs");
    }
}

/// A 3-byte chunk followed by its pad byte is valid RIFF; hound 3.5 does not skip the pad byte.
#[test]
fn odd_sized_chunk_with_pad_byte_is_read() {
    assert_eq!(read_all(&malformed("odd-sized-chunk.wav")), Ok(100));
}

/// ffmpeg writing WAV to a pipe leaves both sizes at 0xFFFFFFFF: read to the end.
#[test]
fn streamed_wav_is_read_to_the_end() {
    assert_eq!(read_all(&malformed("streamed-length.wav")), Ok(100));
}
