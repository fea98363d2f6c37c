//! Fuzzing on stable Rust: proptest drives mutated real files and arbitrary headers through
//! every reader (`open_input`: our WAV reader and the general decoders behind it), and
//! arbitrary bytes through every codec decoder in the registry ([`CodecId::all`]). None may
//! panic, loop forever, or make one allocation larger than [`MAX_ALLOCATION`] (an allocation
//! sized from an unchecked header field would). The case count is bounded (proptest's
//! `PROPTEST_CASES` raises it for a longer run); `fuzz/` holds the same targets for cargo-fuzz.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use aquant::codecs::{new_decoder, CodecId};
use aquant::convert::open_input;
use aquant::io::SampleBuf;
use aquant::{Error, Flush};
use proptest::prelude::*;

/// Largest single allocation allowed while handling hostile input.
const MAX_ALLOCATION: usize = 64 << 20;

/// The system allocator, recording the largest single request.
struct Recording;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Recording = Recording;

fn assert_allocations_bounded(what: &str) {
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest <= MAX_ALLOCATION,
        "{what}: an allocation of {largest} bytes"
    );
}

/// Frames read before a case stops (a tiny hostile file may legitimately decode to a lot).
const FRAME_CAP: u64 = 4 << 20;

/// Opens and reads `path` to the end (or the cap). Panics only if the code under test does.
fn read_all(path: &Path) -> Result<u64, Error> {
    let mut source = open_input(path)?;
    let spec = source.spec();
    assert!(
        spec.channels > 0 && spec.sample_rate > 0,
        "{spec:?} accepted"
    );
    let mut buf = SampleBuf::new(spec.encoding);
    let mut frames = 0u64;
    while frames < FRAME_CAP {
        let n = source.read_frames(&mut buf, 4096)?;
        if n == 0 {
            break;
        }
        assert_eq!(
            buf.len(),
            n * spec.channels as usize,
            "buffer holds whole frames"
        );
        frames += n as u64;
    }
    Ok(frames)
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/batch");
    [
        "tone16.wav",
        "tone24.wav",
        "tone16.flac",
        "tone24.flac",
        "tone16.mp3",
        "tone16.ogg",
        "tone16.aiff",
        "tone16.caf",
        "tone16-ima.wav",
        "tone16-msadpcm.wav",
        "tone16-mulaw.wav",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
    .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Overwrite a byte.
    Byte(usize, u8),
    /// Overwrite 4 bytes (a size or count field) with an extreme or arbitrary value.
    Word(usize, u32),
    /// Cut the file.
    Truncate(usize),
    /// Insert bytes.
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0xFFFF),
        Just(0x7FFF_FFFF),
        Just(0xFFFF_FFFF),
        any::<u32>()
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Byte(p, b)),
        // Headers live near the start: aim most word mutations there.
        (0usize..256, extreme.clone()).prop_map(|(p, v)| Mutation::Word(p, v)),
        (any::<usize>(), extreme).prop_map(|(p, v)| Mutation::Word(p, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(p, v)| Mutation::Insert(p, v)),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if data.is_empty() {
            break;
        }
        match m {
            Mutation::Byte(p, b) => {
                let i = p % data.len();
                data[i] = *b;
            }
            Mutation::Word(p, v) => {
                let i = p % data.len();
                for (k, b) in v.to_le_bytes().iter().enumerate() {
                    if let Some(d) = data.get_mut(i + k) {
                        *d = *b;
                    }
                }
            }
            Mutation::Truncate(p) => data.truncate(p % data.len()),
            Mutation::Insert(p, v) => {
                let i = p % data.len();
                data.splice(i..i, v.iter().copied());
            }
        }
    }
    data
}

fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_never_panic(
        seed in 0usize..11,
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let (name, data) = &seeds[seed % seeds.len()];
        let (_dir, path) = scratch(name);
        std::fs::write(&path, apply(data.clone(), &mutations)).unwrap();
        let _ = read_all(&path);
        assert_allocations_bounded(name);
    }

    #[test]
    fn arbitrary_wav_headers_give_a_stream_or_a_file_error(
        tag in prop_oneof![Just(1u16), Just(3), Just(0xFFFE), Just(0x11), Just(2), Just(7), any::<u16>()],
        channels in prop_oneof![Just(0u16), Just(1), Just(2), Just(0xFFFF), any::<u16>()],
        rate in prop_oneof![Just(0u32), Just(8000), Just(u32::MAX), any::<u32>()],
        byte_rate in any::<u32>(),
        block_align in prop_oneof![Just(0u16), Just(4), Just(0xFFFF), any::<u16>()],
        bits in prop_oneof![Just(0u16), Just(16), Just(24), Just(32), any::<u16>()],
        fmt_size in prop_oneof![Just(16u32), Just(18), Just(40), Just(0xFFFF_FFFF), 0u32..64],
        extra in proptest::collection::vec(any::<u8>(), 0..32),
        data_size in prop_oneof![Just(0u32), Just(0xFFFF_FFFF), Just(0x7FFF_FFFF), 0u32..4096],
        data_len in 0usize..4096,
        riff_size in any::<u32>(),
    ) {
        let mut f = Vec::new();
        f.extend_from_slice(b"RIFF");
        f.extend_from_slice(&riff_size.to_le_bytes());
        f.extend_from_slice(b"WAVEfmt ");
        f.extend_from_slice(&fmt_size.to_le_bytes());
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&byte_rate.to_le_bytes());
        f.extend_from_slice(&block_align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f.extend_from_slice(&extra);
        f.extend_from_slice(b"data");
        f.extend_from_slice(&data_size.to_le_bytes());
        f.extend((0..data_len).map(|i| (i * 7) as u8));
        let (_dir, path) = scratch("h.wav");
        std::fs::write(&path, &f).unwrap();
        match read_all(&path) {
            Ok(frames) => {
                // Whatever was accepted, no more frames than the bytes present can hold.
                prop_assert!(frames <= data_len as u64 * 2 + 4096, "{frames} frames from {data_len} bytes");
            }
            Err(Error::Malformed { .. } | Error::Unsupported { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
        assert_allocations_bounded("wav header");
    }

    #[test]
    fn every_registered_decoder_survives_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        chunks in proptest::collection::vec(0usize..700, 1..12),
        out_sizes in proptest::collection::vec(0usize..3000, 1..12),
        channels in 1usize..3,
    ) {
        for codec in CodecId::all() {
            let Ok(mut decoder) = new_decoder(codec, channels) else {
                continue; // not built on this branch yet
            };
            let mut out = vec![0i16; 4096];
            let mut pos = 0;
            // Bounded: a decoder that never finishes is cut off after 10 000 calls.
            for step in 0..10_000 {
                let take = chunks[step % chunks.len()].min(bytes.len() - pos);
                let room = out_sizes[step % out_sizes.len()];
                let last = pos + take == bytes.len();
                let flush = if last { Flush::Finish } else { Flush::None };
                let input = &bytes[pos..pos + take];
                match decoder.decode(input, &mut out[..room], flush) {
                    Ok(p) => {
                        prop_assert!(p.consumed <= input.len() && p.produced <= room, "{codec:?}: {p:?}");
                        pos += p.consumed;
                        if p.finished {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            assert_allocations_bounded(codec.name());
        }
    }
}
