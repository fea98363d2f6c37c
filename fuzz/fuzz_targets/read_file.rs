//! Any bytes, as a file, through `open_input` (our WAV reader and the general decoders behind
//! it) and read to the end. Must never panic or abort.
//! Run: cargo +nightly fuzz run read_file fuzz/corpus/read_file  (seed it with tests/data/batch
//! and tests/data/malformed).
#![no_main]

use aquant::convert::open_input;
use aquant::io::SampleBuf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("aquant-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    // The first byte picks the extension hint, as batch inputs carry one.
    let ext = ["wav", "flac", "mp3", "ogg", "aiff", "caf", "au"][*data.first().unwrap_or(&0) as usize % 7];
    let path = dir.join(format!("input.{ext}"));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mut source) = open_input(&path) {
        let mut buf = SampleBuf::new(source.spec().encoding);
        let mut frames = 0u64;
        while frames < 1 << 22 {
            match source.read_frames(&mut buf, 4096) {
                Ok(0) | Err(_) => break,
                Ok(n) => frames += n as u64,
            }
        }
    }
});
