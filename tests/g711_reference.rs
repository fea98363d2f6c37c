//! G.711 against the ITU-T G.191 reference tables in `../shared/testvectors/g711/` (all 65536
//! inputs, all 256 codes) at every SIMD level, and the nearest-level encoder against
//! ffmpeg's tables. See that folder's README for where the tables come from.

use std::path::PathBuf;

use aquant::codecs::g711::{
    decode_at, decode_sample, encode_at, encode_sample, G711Decoder, G711Encoder, G711Quantizer,
    Law, Rule,
};
use aquant::codecs::{new_decoder, new_encoder, CodecId, Decoder, Encoder};
use aquant::{Dither, Flush, Processor, SimdLevel};

fn vectors() -> Option<PathBuf> {
    let dir = std::env::var_os("AQUANT_TESTVECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testvectors"))
        .join("g711");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("G.711 test vectors missing at {}", dir.display());
    }
    eprintln!(
        "SKIPPED: G.711 test vectors not found at {} (set AQUANT_TESTVECTORS)",
        dir.display()
    );
    None
}

fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn decode_table(dir: &std::path::Path, name: &str) -> Vec<i16> {
    let b = read(dir, name);
    assert_eq!(b.len(), 512, "{name}");
    b.chunks(2)
        .map(|w| i16::from_le_bytes([w[0], w[1]]))
        .collect()
}

fn all_inputs() -> Vec<i16> {
    (i16::MIN..=i16::MAX).collect()
}

const LAWS: [(Law, &str, &str); 2] = [(Law::MuLaw, "ulaw", "u"), (Law::ALaw, "alaw", "a")];

#[test]
fn itu_encoder_matches_reference_for_all_65536_inputs_at_every_level() {
    let Some(dir) = vectors() else { return };
    let input = all_inputs();
    for (law, name, _) in LAWS {
        let expected = read(&dir, &format!("{name}_encode_all_i16.bin"));
        assert_eq!(expected.len(), 65536);
        for level in SimdLevel::available() {
            let mut out = vec![0u8; 65536];
            encode_at(level, law, Rule::Itu, &input, &mut out).unwrap();
            let bad: Vec<_> = (0..65536).filter(|&i| out[i] != expected[i]).collect();
            assert!(
                bad.is_empty(),
                "{law:?} {level:?}: {} inputs differ, first x={}",
                bad.len(),
                bad[0] as i32 - 32768
            );
            // The codec object at this level, in uneven chunks.
            let mut enc = G711Encoder::new(law, Rule::Itu, 3)
                .unwrap()
                .with_simd(level);
            let mut out = vec![0u8; 65536];
            let mut at = 0;
            for chunk in [1usize, 17, 1000, 33, 64485] {
                let p = enc
                    .encode(&input[at..at + chunk], &mut out[at..], Flush::None)
                    .unwrap();
                assert_eq!((p.consumed, p.produced), (chunk, chunk));
                at += chunk;
            }
            assert_eq!(out, expected, "{law:?} {level:?} encoder object");
        }
        for (i, &x) in input.iter().enumerate() {
            assert_eq!(encode_sample(law, Rule::Itu, x), expected[i]);
        }
    }
}

#[test]
fn decoders_match_reference_for_all_256_codes_at_every_level() {
    let Some(dir) = vectors() else { return };
    let codes: Vec<u8> = (0..=255).collect();
    for (law, name, _) in LAWS {
        let expected = decode_table(&dir, &format!("{name}_decode_all.bin"));
        for level in SimdLevel::available() {
            let mut out = vec![0i16; 256];
            decode_at(level, law, &codes, &mut out).unwrap();
            assert_eq!(out, expected, "{law:?} {level:?}");
            // Longer than one SIMD step, every code at every lane position.
            let long: Vec<u8> = (0..256 * 33)
                .map(|i| (i % 256) as u8 ^ (i / 256) as u8)
                .collect();
            let mut out = vec![0i16; long.len()];
            let mut dec = G711Decoder::new(law, 1).unwrap().with_simd(level);
            dec.decode(&long, &mut out, Flush::Finish).unwrap();
            for (c, v) in long.iter().zip(&out) {
                assert_eq!(*v, expected[*c as usize], "{law:?} {level:?} code {c:#04x}");
            }
        }
        for c in 0..=255u8 {
            assert_eq!(decode_sample(law, c), expected[c as usize]);
        }
    }
}

/// The STL sweep files themselves: 16-bit little-endian words, codes in the low byte.
#[test]
fn stl_sweep_files_agree() {
    let Some(dir) = vectors() else { return };
    let words = |name: &str| -> Vec<i16> {
        read(&dir, &format!("stl_sweep/{name}"))
            .chunks(2)
            .map(|w| i16::from_le_bytes([w[0], w[1]]))
            .collect()
    };
    let src = words("sweep.src");
    assert_eq!(src, all_inputs());
    for (law, _, suffix) in LAWS {
        let codes: Vec<u8> = words(&format!("sweep-r.{suffix}"))
            .iter()
            .map(|&w| w as u8)
            .collect();
        let mut ours = vec![0u8; src.len()];
        encode_at(SimdLevel::select(), law, Rule::Itu, &src, &mut ours).unwrap();
        assert_eq!(ours, codes, "{law:?} encode");
        let decoded = words(&format!("sweep-r.{suffix}-{suffix}"));
        let mut ours = vec![0i16; codes.len()];
        decode_at(SimdLevel::select(), law, &codes, &mut ours).unwrap();
        assert_eq!(ours, decoded, "{law:?} decode");
    }
}

#[test]
fn nearest_encoder_matches_ffmpeg_at_every_level() {
    let Some(dir) = vectors() else { return };
    let input = all_inputs();
    for (law, name, _) in LAWS {
        let expected = read(
            &dir,
            &format!("tools/ffmpeg-5.1.9_{name}_encode_all_i16.bin"),
        );
        let itu = read(&dir, &format!("{name}_encode_all_i16.bin"));
        assert_ne!(
            expected, itu,
            "the tables must differ for this test to mean anything"
        );
        for level in SimdLevel::available() {
            let mut out = vec![0u8; 65536];
            encode_at(level, law, Rule::Nearest, &input, &mut out).unwrap();
            let bad: Vec<_> = (0..65536).filter(|&i| out[i] != expected[i]).collect();
            assert!(
                bad.is_empty(),
                "{law:?} {level:?}: {} inputs differ from ffmpeg, first x={}",
                bad.len(),
                bad[0] as i32 - 32768
            );
        }
        // And it is never worse than the ITU rule, measured against the decoder.
        for (i, &x) in input.iter().enumerate() {
            let s = (x as i32 >> 2) * 4; // what the nearest rule sees
            let err14 = |c: u8| (decode_sample(law, c) as i32 - s).abs();
            assert!(err14(expected[i]) <= err14(itu[i]), "x={x}");
        }
    }
}

#[test]
fn minus_32768_is_the_most_negative_code_unlike_libsndfile() {
    let Some(dir) = vectors() else { return };
    for (law, name, _) in LAWS {
        let sndfile = read(
            &dir,
            &format!("tools/libsndfile-1.2.0_{name}_encode_all_i16.bin"),
        );
        let ours = encode_sample(law, Rule::Itu, i16::MIN);
        assert!(decode_sample(law, ours) < -32000, "{law:?}");
        assert!(
            decode_sample(law, sndfile[0]) > 32000,
            "libsndfile's sign overflow"
        );
        assert!(decode_sample(law, encode_sample(law, Rule::Nearest, i16::MIN)) < -32000);
    }
}

#[test]
fn round_trips_for_all_codes() {
    for law in [Law::MuLaw, Law::ALaw] {
        for rule in [Rule::Itu, Rule::Nearest] {
            for c in 0..=255u8 {
                let level = decode_sample(law, c);
                let again = encode_sample(law, rule, level);
                assert_eq!(
                    decode_sample(law, again),
                    level,
                    "{law:?} {rule:?} {c:#04x}"
                );
                // Only mu-law's negative zero (0x7F) re-encodes to another code (+0, 0xFF).
                if !(law == Law::MuLaw && c == 0x7F) {
                    assert_eq!(again, c, "{law:?} {rule:?} {c:#04x}");
                }
            }
        }
    }
}

#[test]
fn registry_builds_itu_codecs() {
    let input: Vec<i16> = (0..1000).map(|i| (i * 65 - 32768) as i16).collect();
    for (id, law) in [(CodecId::MuLaw, Law::MuLaw), (CodecId::ALaw, Law::ALaw)] {
        let mut enc = new_encoder(id, 2).unwrap();
        let mut dec = new_decoder(id, 2).unwrap();
        let mut codes = vec![0u8; input.len()];
        let p = enc.encode(&input, &mut codes, Flush::Finish).unwrap();
        assert!(p.finished);
        let mut pcm = vec![0i16; input.len()];
        dec.decode(&codes, &mut pcm, Flush::Finish).unwrap();
        for i in 0..input.len() {
            assert_eq!(codes[i], encode_sample(law, Rule::Itu, input[i]));
            assert_eq!(pcm[i], decode_sample(law, codes[i]));
        }
        assert_eq!((enc.channels(), dec.channels(), dec.warnings()), (2, 2, 0));
    }
}

#[test]
fn encoder_respects_output_space_and_finish() {
    let mut enc = G711Encoder::new(Law::MuLaw, Rule::Itu, 1).unwrap();
    let mut out = [0u8; 3];
    let p = enc
        .encode(&[1, 2, 3, 4, 5], &mut out, Flush::Finish)
        .unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (3, 3, false));
    let p = enc.encode(&[4, 5], &mut out, Flush::Finish).unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (2, 2, true));
    let p = enc.encode(&[6], &mut out, Flush::Finish).unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (0, 0, true));
    enc.reset();
    let p = enc.encode(&[], &mut out, Flush::Finish).unwrap();
    assert_eq!((p.consumed, p.produced, p.finished), (0, 0, true));
}

/// Float input without dither lands on G.711's 14/13-bit grid first: a value on that grid
/// encodes exactly as its 16-bit equivalent does in the reference.
#[test]
fn float_and_wide_integer_input_reach_the_reference_mapping() {
    let Some(dir) = vectors() else { return };
    for (law, name, _) in LAWS {
        let expected = read(&dir, &format!("{name}_encode_all_i16.bin"));
        let bits = law.input_bits();
        let step = 1i32 << (16 - bits);
        let grid: Vec<i32> = (-(1 << (bits - 1))..(1 << (bits - 1)))
            .map(|k| k * step)
            .collect();
        let floats: Vec<f32> = grid.iter().map(|&v| v as f32 / 32768.0).collect();
        let mut q = G711Quantizer::new(law, Rule::Itu, 2, Dither::none()).unwrap();
        let mut out = vec![0u8; floats.len()];
        q.process(&floats, &mut out).unwrap();
        for (v, c) in grid.iter().zip(&out) {
            assert_eq!(*c, expected[(v + 32768) as usize], "{law:?} {v}");
        }
        // 32-bit integers: the standard's mapping of their top 16 bits, whatever the rest.
        let wide: Vec<i32> = all_inputs()
            .iter()
            .enumerate()
            .map(|(i, &x)| ((x as i32) << 16) | ((i as i32 * 7919) & 0xFFFF))
            .collect();
        let mut q = G711Quantizer::new(law, Rule::Itu, 1, Dither::none()).unwrap();
        let mut out = vec![0u8; wide.len()];
        q.process(&wide, &mut out).unwrap();
        assert_eq!(out, expected, "{law:?} i32");
        // Out-of-range floats clip to the extreme codes; NaN is 0.
        let mut out = [0u8; 4];
        let mut q = G711Quantizer::new(law, Rule::Itu, 1, Dither::none()).unwrap();
        q.process(&[2.0f32, -2.0, f32::NAN, f32::INFINITY], &mut out)
            .unwrap();
        assert_eq!(out[0], encode_sample(law, Rule::Itu, i16::MAX));
        assert_eq!(out[1], encode_sample(law, Rule::Itu, i16::MIN));
        assert_eq!(out[2], encode_sample(law, Rule::Itu, 0));
        assert_eq!(q.stats().nan, 1);
    }
}
