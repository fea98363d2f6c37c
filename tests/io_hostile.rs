//! Hostile bytes into the WAV and AU readers: a defined error or a valid header, never a
//! panic, and never a read past what the header validated.

use std::io::Cursor;

use aquant::io::au::AuReader;
use aquant::io::riff::WavReader;
use proptest::prelude::*;

/// A valid G.711 WAV to mutate.
fn wav() -> Vec<u8> {
    let mut f =
        b"RIFF\0\0\0\0WAVEfmt \x12\0\0\0\x07\0\x01\0\x40\x1f\0\0\x40\x1f\0\0\x01\0\x08\0\0\0"
            .to_vec();
    f.extend_from_slice(b"fact\x04\0\0\0\x05\0\0\0data\x05\0\0\0\x01\x02\x03\x04\x05\0");
    let n = (f.len() - 8) as u32;
    f[4..8].copy_from_slice(&n.to_le_bytes());
    f
}

fn au() -> Vec<u8> {
    let mut f = b".snd\0\0\0\x1c\0\0\0\x05\0\0\0\x01\0\0\x1f\x40\0\0\0\x01\0\0\0\0".to_vec();
    f.extend_from_slice(&[1, 2, 3, 4, 5]);
    f
}

fn drain_wav(bytes: Vec<u8>) {
    let len = bytes.len() as u64;
    if let Ok(mut r) = WavReader::new(Cursor::new(bytes), "fuzz.wav") {
        assert!(r.header().data_offset + r.data_len() <= len);
        let mut buf = [0u8; 7];
        let mut total = 0u64;
        while let Ok(n) = r.read_data(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        assert_eq!(total, r.data_len());
    }
}

fn drain_au(bytes: Vec<u8>) {
    let len = bytes.len() as u64;
    if let Ok(mut r) = AuReader::new(Cursor::new(bytes), "fuzz.au") {
        assert!(r.header().data_offset + r.header().data_len <= len);
        let mut buf = [0u8; 7];
        while let Ok(n) = r.read_data(&mut buf) {
            if n == 0 {
                break;
            }
        }
        assert_eq!(r.remaining(), 0);
    }
}

#[test]
fn the_unmutated_files_parse() {
    let r = WavReader::new(Cursor::new(wav()), "ok.wav").unwrap();
    assert_eq!(
        (r.format().codec_tag(), r.data_len(), r.fact_sample_length()),
        (7, 5, Some(5))
    );
    let r = AuReader::new(Cursor::new(au()), "ok.au").unwrap();
    assert_eq!(r.header().data_len, 5);
}

proptest! {
    #[test]
    fn mutated_wav_never_panics(edits in prop::collection::vec((0usize..64, any::<u8>()), 1..6), cut in 0usize..8) {
        let mut f = wav();
        for (i, b) in edits {
            let i = i % f.len();
            f[i] = b;
        }
        f.truncate(f.len().saturating_sub(cut));
        drain_wav(f);
    }

    #[test]
    fn mutated_au_never_panics(edits in prop::collection::vec((0usize..33, any::<u8>()), 1..6), cut in 0usize..6) {
        let mut f = au();
        for (i, b) in edits {
            let i = i % f.len();
            f[i] = b;
        }
        f.truncate(f.len().saturating_sub(cut));
        drain_au(f);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        drain_wav(bytes.clone());
        drain_au(bytes);
    }
}
