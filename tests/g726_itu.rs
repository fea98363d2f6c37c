//! G.726 against the ITU-T G.726 Appendix II test sequences, one test per expected file.
//!
//! The sequences are read from `$AQUANT_TESTVECTORS/g726/itu_appII` (default
//! `../shared/testvectors` next to the crate); they are ITU copyright and not in this repository.
//! Pairings, word format and padding are as in that folder's README: reset tests start from the
//! reset state; homing tests first run the 3496-sample conditioning sequence (`pcm_init.*` for the
//! encoder, `i_ini_RR.*` for the decoder) through the same coder and compare only what follows.
//! Test names are the expected file's name (`enc_` / `dec_` + file with `.` as `_`).

use aquant::codecs::g726::{ChannelDecoder, ChannelEncoder, PcmLaw, Rate};
use std::path::PathBuf;

const MU: PcmLaw = PcmLaw::MuLaw;
const A: PcmLaw = PcmLaw::ALaw;

/// Data words of the conditioning files (`pcm_init.*`, `i_ini_*`): the rest is padding.
const CONDITIONING_LEN: usize = 3496;

#[derive(Clone, Copy)]
enum Op {
    /// G.711 octets (this law) to codewords.
    Encode(PcmLaw),
    /// Codewords to G.711 octets of this law.
    Decode(PcmLaw),
}

fn vector_dir() -> Option<PathBuf> {
    let root = std::env::var_os("AQUANT_TESTVECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testvectors"));
    let dir = root.join("g726/itu_appII");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "G.726 test vectors not found at {} (CI=true: failing)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: G.726 test vectors not found at {} (set AQUANT_TESTVECTORS)",
        dir.display()
    );
    None
}

/// Reads a file of 16-bit little-endian words, each value right-aligned (< 256).
fn read_words(dir: &std::path::Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(bytes.len() % 2, 0, "{name}: odd length");
    let mut words: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|w| u16::from_le_bytes([w[0], w[1]]))
        .collect();
    if name.starts_with("pcm_init") || name.starts_with("i_ini") {
        assert!(words.len() >= CONDITIONING_LEN, "{name}: too short");
        words.truncate(CONDITIONING_LEN);
    }
    words
        .iter()
        .map(|&v| {
            assert!(
                v < 256,
                "{name}: word {v:#x} is not right-aligned 8-bit data"
            );
            v as u8
        })
        .collect()
}

/// Runs `input` through the coder after `conditioning`; returns only the outputs for `input`.
fn run_coder(rate: Rate, op: Op, conditioning: &[u8], input: &[u8]) -> Vec<u8> {
    match op {
        Op::Encode(law) => {
            let mut enc = ChannelEncoder::new(rate);
            conditioning.iter().for_each(|&x| {
                enc.encode_pcm(law, x);
            });
            input.iter().map(|&x| enc.encode_pcm(law, x)).collect()
        }
        Op::Decode(law) => {
            let mut dec = ChannelDecoder::new(rate);
            conditioning.iter().for_each(|&c| {
                dec.decode_pcm(law, c);
            });
            input.iter().map(|&c| dec.decode_pcm(law, c)).collect()
        }
    }
}

fn check(rate: Rate, op: Op, conditioning: Option<&str>, input: &str, expected: &str) {
    let Some(dir) = vector_dir() else { return };
    let conditioning = conditioning
        .map(|c| read_words(&dir, c))
        .unwrap_or_default();
    let input_words = read_words(&dir, input);
    let expected_words = read_words(&dir, expected);
    assert_eq!(
        input_words.len(),
        expected_words.len(),
        "{input} vs {expected}: lengths"
    );
    let got = run_coder(rate, op, &conditioning, &input_words);
    let mismatches = got
        .iter()
        .zip(&expected_words)
        .filter(|(a, b)| a != b)
        .count();
    if let Some(first) = got.iter().zip(&expected_words).position(|(a, b)| a != b) {
        panic!(
            "{expected}: {mismatches} of {} words differ; first at {first}: got {:#04x}, expected {:#04x}",
            got.len(),
            got[first],
            expected_words[first]
        );
    }
}

macro_rules! itu_tests {
    ($($name:ident: $rate:expr, $op:expr, $cond:expr, $input:expr, $expected:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check($rate, $op, $cond, $input, $expected);
            }
        )*
    };
}

itu_tests! {
enc_rn16fm_i: Rate::Kbps16, Op::Encode(MU), None, "nrm.m", "rn16fm.i";
    dec_rn16fm_o: Rate::Kbps16, Op::Decode(MU), None, "rn16fm.i", "rn16fm.o";
    dec_rn16fc_o: Rate::Kbps16, Op::Decode(A), None, "rn16fm.i", "rn16fc.o";
    enc_hn16fm_i: Rate::Kbps16, Op::Encode(MU), Some("pcm_init.m"), "nrm.m", "hn16fm.i";
    dec_hn16fm_o: Rate::Kbps16, Op::Decode(MU), Some("i_ini_16.m"), "hn16fm.i", "hn16fm.o";
    enc_rv16fm_i: Rate::Kbps16, Op::Encode(MU), None, "ovr.m", "rv16fm.i";
    dec_rv16fm_o: Rate::Kbps16, Op::Decode(MU), None, "rv16fm.i", "rv16fm.o";
    dec_rv16fc_o: Rate::Kbps16, Op::Decode(A), None, "rv16fm.i", "rv16fc.o";
    enc_hv16fm_i: Rate::Kbps16, Op::Encode(MU), Some("pcm_init.m"), "ovr.m", "hv16fm.i";
    dec_hv16fm_o: Rate::Kbps16, Op::Decode(MU), Some("i_ini_16.m"), "hv16fm.i", "hv16fm.o";
    dec_hv16fc_o: Rate::Kbps16, Op::Decode(A), Some("i_ini_16.a"), "hv16fm.i", "hv16fc.o";
    enc_i_ini_16_m: Rate::Kbps16, Op::Encode(MU), None, "pcm_init.m", "i_ini_16.m";
    dec_ri16fm_o: Rate::Kbps16, Op::Decode(MU), None, "i16", "ri16fm.o";
    dec_hi16fm_o: Rate::Kbps16, Op::Decode(MU), Some("i_ini_16.m"), "i16", "hi16fm.o";
    enc_rn16fa_i: Rate::Kbps16, Op::Encode(A), None, "nrm.a", "rn16fa.i";
    dec_rn16fa_o: Rate::Kbps16, Op::Decode(A), None, "rn16fa.i", "rn16fa.o";
    dec_rn16fx_o: Rate::Kbps16, Op::Decode(MU), None, "rn16fa.i", "rn16fx.o";
    enc_hn16fa_i: Rate::Kbps16, Op::Encode(A), Some("pcm_init.a"), "nrm.a", "hn16fa.i";
    dec_hn16fa_o: Rate::Kbps16, Op::Decode(A), Some("i_ini_16.a"), "hn16fa.i", "hn16fa.o";
    dec_hn16fx_o: Rate::Kbps16, Op::Decode(MU), Some("i_ini_16.m"), "hn16fa.i", "hn16fx.o";
    enc_rv16fa_i: Rate::Kbps16, Op::Encode(A), None, "ovr.a", "rv16fa.i";
    dec_rv16fa_o: Rate::Kbps16, Op::Decode(A), None, "rv16fa.i", "rv16fa.o";
    dec_rv16fx_o: Rate::Kbps16, Op::Decode(MU), None, "rv16fa.i", "rv16fx.o";
    enc_hv16fa_i: Rate::Kbps16, Op::Encode(A), Some("pcm_init.a"), "ovr.a", "hv16fa.i";
    dec_hv16fa_o: Rate::Kbps16, Op::Decode(A), Some("i_ini_16.a"), "hv16fa.i", "hv16fa.o";
    dec_hv16fx_o: Rate::Kbps16, Op::Decode(MU), Some("i_ini_16.m"), "hv16fa.i", "hv16fx.o";
    enc_i_ini_16_a: Rate::Kbps16, Op::Encode(A), None, "pcm_init.a", "i_ini_16.a";
    dec_ri16fa_o: Rate::Kbps16, Op::Decode(A), None, "i16", "ri16fa.o";
    dec_hi16fa_o: Rate::Kbps16, Op::Decode(A), Some("i_ini_16.a"), "i16", "hi16fa.o";
    enc_rn24fm_i: Rate::Kbps24, Op::Encode(MU), None, "nrm.m", "rn24fm.i";
    dec_rn24fm_o: Rate::Kbps24, Op::Decode(MU), None, "rn24fm.i", "rn24fm.o";
    dec_rn24fc_o: Rate::Kbps24, Op::Decode(A), None, "rn24fm.i", "rn24fc.o";
    enc_hn24fm_i: Rate::Kbps24, Op::Encode(MU), Some("pcm_init.m"), "nrm.m", "hn24fm.i";
    dec_hn24fm_o: Rate::Kbps24, Op::Decode(MU), Some("i_ini_24.m"), "hn24fm.i", "hn24fm.o";
    dec_hn24fc_o: Rate::Kbps24, Op::Decode(A), Some("i_ini_24.a"), "hn24fm.i", "hn24fc.o";
    enc_rv24fm_i: Rate::Kbps24, Op::Encode(MU), None, "ovr.m", "rv24fm.i";
    dec_rv24fm_o: Rate::Kbps24, Op::Decode(MU), None, "rv24fm.i", "rv24fm.o";
    dec_rv24fc_o: Rate::Kbps24, Op::Decode(A), None, "rv24fm.i", "rv24fc.o";
    enc_hv24fm_i: Rate::Kbps24, Op::Encode(MU), Some("pcm_init.m"), "ovr.m", "hv24fm.i";
    dec_hv24fm_o: Rate::Kbps24, Op::Decode(MU), Some("i_ini_24.m"), "hv24fm.i", "hv24fm.o";
    dec_hv24fc_o: Rate::Kbps24, Op::Decode(A), Some("i_ini_24.a"), "hv24fm.i", "hv24fc.o";
    enc_i_ini_24_m: Rate::Kbps24, Op::Encode(MU), None, "pcm_init.m", "i_ini_24.m";
    dec_ri24fm_o: Rate::Kbps24, Op::Decode(MU), None, "i24", "ri24fm.o";
    dec_hi24fm_o: Rate::Kbps24, Op::Decode(MU), Some("i_ini_24.m"), "i24", "hi24fm.o";
    enc_rn24fa_i: Rate::Kbps24, Op::Encode(A), None, "nrm.a", "rn24fa.i";
    dec_rn24fa_o: Rate::Kbps24, Op::Decode(A), None, "rn24fa.i", "rn24fa.o";
    dec_rn24fx_o: Rate::Kbps24, Op::Decode(MU), None, "rn24fa.i", "rn24fx.o";
    enc_hn24fa_i: Rate::Kbps24, Op::Encode(A), Some("pcm_init.a"), "nrm.a", "hn24fa.i";
    dec_hn24fa_o: Rate::Kbps24, Op::Decode(A), Some("i_ini_24.a"), "hn24fa.i", "hn24fa.o";
    dec_hn24fx_o: Rate::Kbps24, Op::Decode(MU), Some("i_ini_24.m"), "hn24fa.i", "hn24fx.o";
    enc_rv24fa_i: Rate::Kbps24, Op::Encode(A), None, "ovr.a", "rv24fa.i";
    dec_rv24fa_o: Rate::Kbps24, Op::Decode(A), None, "rv24fa.i", "rv24fa.o";
    dec_rv24fx_o: Rate::Kbps24, Op::Decode(MU), None, "rv24fa.i", "rv24fx.o";
    enc_hv24fa_i: Rate::Kbps24, Op::Encode(A), Some("pcm_init.a"), "ovr.a", "hv24fa.i";
    dec_hv24fa_o: Rate::Kbps24, Op::Decode(A), Some("i_ini_24.a"), "hv24fa.i", "hv24fa.o";
    dec_hv24fx_o: Rate::Kbps24, Op::Decode(MU), Some("i_ini_24.m"), "hv24fa.i", "hv24fx.o";
    enc_i_ini_24_a: Rate::Kbps24, Op::Encode(A), None, "pcm_init.a", "i_ini_24.a";
    dec_ri24fa_o: Rate::Kbps24, Op::Decode(A), None, "i24", "ri24fa.o";
    dec_hi24fa_o: Rate::Kbps24, Op::Decode(A), Some("i_ini_24.a"), "i24", "hi24fa.o";
    enc_rn32fm_i: Rate::Kbps32, Op::Encode(MU), None, "nrm.m", "rn32fm.i";
    dec_rn32fm_o: Rate::Kbps32, Op::Decode(MU), None, "rn32fm.i", "rn32fm.o";
    dec_rn32fc_o: Rate::Kbps32, Op::Decode(A), None, "rn32fm.i", "rn32fc.o";
    enc_hn32fm_i: Rate::Kbps32, Op::Encode(MU), Some("pcm_init.m"), "nrm.m", "hn32fm.i";
    dec_hn32fm_o: Rate::Kbps32, Op::Decode(MU), Some("i_ini_32.m"), "hn32fm.i", "hn32fm.o";
    dec_hn32fc_o: Rate::Kbps32, Op::Decode(A), Some("i_ini_32.a"), "hn32fm.i", "hn32fc.o";
    enc_rv32fm_i: Rate::Kbps32, Op::Encode(MU), None, "ovr.m", "rv32fm.i";
    dec_rv32fm_o: Rate::Kbps32, Op::Decode(MU), None, "rv32fm.i", "rv32fm.o";
    dec_rv32fc_o: Rate::Kbps32, Op::Decode(A), None, "rv32fm.i", "rv32fc.o";
    enc_hv32fm_i: Rate::Kbps32, Op::Encode(MU), Some("pcm_init.m"), "ovr.m", "hv32fm.i";
    dec_hv32fm_o: Rate::Kbps32, Op::Decode(MU), Some("i_ini_32.m"), "hv32fm.i", "hv32fm.o";
    dec_hv32fc_o: Rate::Kbps32, Op::Decode(A), Some("i_ini_32.a"), "hv32fm.i", "hv32fc.o";
    enc_i_ini_32_m: Rate::Kbps32, Op::Encode(MU), None, "pcm_init.m", "i_ini_32.m";
    dec_ri32fm_o: Rate::Kbps32, Op::Decode(MU), None, "i32", "ri32fm.o";
    dec_hi32fm_o: Rate::Kbps32, Op::Decode(MU), Some("i_ini_32.m"), "i32", "hi32fm.o";
    enc_rn32fa_i: Rate::Kbps32, Op::Encode(A), None, "nrm.a", "rn32fa.i";
    dec_rn32fa_o: Rate::Kbps32, Op::Decode(A), None, "rn32fa.i", "rn32fa.o";
    dec_rn32fx_o: Rate::Kbps32, Op::Decode(MU), None, "rn32fa.i", "rn32fx.o";
    enc_hn32fa_i: Rate::Kbps32, Op::Encode(A), Some("pcm_init.a"), "nrm.a", "hn32fa.i";
    dec_hn32fa_o: Rate::Kbps32, Op::Decode(A), Some("i_ini_32.a"), "hn32fa.i", "hn32fa.o";
    dec_hn32fx_o: Rate::Kbps32, Op::Decode(MU), Some("i_ini_32.m"), "hn32fa.i", "hn32fx.o";
    enc_rv32fa_i: Rate::Kbps32, Op::Encode(A), None, "ovr.a", "rv32fa.i";
    dec_rv32fa_o: Rate::Kbps32, Op::Decode(A), None, "rv32fa.i", "rv32fa.o";
    dec_rv32fx_o: Rate::Kbps32, Op::Decode(MU), None, "rv32fa.i", "rv32fx.o";
    enc_hv32fa_i: Rate::Kbps32, Op::Encode(A), Some("pcm_init.a"), "ovr.a", "hv32fa.i";
    dec_hv32fa_o: Rate::Kbps32, Op::Decode(A), Some("i_ini_32.a"), "hv32fa.i", "hv32fa.o";
    dec_hv32fx_o: Rate::Kbps32, Op::Decode(MU), Some("i_ini_32.m"), "hv32fa.i", "hv32fx.o";
    enc_i_ini_32_a: Rate::Kbps32, Op::Encode(A), None, "pcm_init.a", "i_ini_32.a";
    dec_ri32fa_o: Rate::Kbps32, Op::Decode(A), None, "i32", "ri32fa.o";
    dec_hi32fa_o: Rate::Kbps32, Op::Decode(A), Some("i_ini_32.a"), "i32", "hi32fa.o";
    enc_rn40fm_i: Rate::Kbps40, Op::Encode(MU), None, "nrm.m", "rn40fm.i";
    dec_rn40fm_o: Rate::Kbps40, Op::Decode(MU), None, "rn40fm.i", "rn40fm.o";
    dec_rn40fc_o: Rate::Kbps40, Op::Decode(A), None, "rn40fm.i", "rn40fc.o";
    enc_hn40fm_i: Rate::Kbps40, Op::Encode(MU), Some("pcm_init.m"), "nrm.m", "hn40fm.i";
    dec_hn40fm_o: Rate::Kbps40, Op::Decode(MU), Some("i_ini_40.m"), "hn40fm.i", "hn40fm.o";
    dec_hn40fc_o: Rate::Kbps40, Op::Decode(A), Some("i_ini_40.a"), "hn40fm.i", "hn40fc.o";
    enc_rv40fm_i: Rate::Kbps40, Op::Encode(MU), None, "ovr.m", "rv40fm.i";
    dec_rv40fm_o: Rate::Kbps40, Op::Decode(MU), None, "rv40fm.i", "rv40fm.o";
    dec_rv40fc_o: Rate::Kbps40, Op::Decode(A), None, "rv40fm.i", "rv40fc.o";
    enc_hv40fm_i: Rate::Kbps40, Op::Encode(MU), Some("pcm_init.m"), "ovr.m", "hv40fm.i";
    dec_hv40fm_o: Rate::Kbps40, Op::Decode(MU), Some("i_ini_40.m"), "hv40fm.i", "hv40fm.o";
    dec_hv40fc_o: Rate::Kbps40, Op::Decode(A), Some("i_ini_40.a"), "hv40fm.i", "hv40fc.o";
    enc_i_ini_40_m: Rate::Kbps40, Op::Encode(MU), None, "pcm_init.m", "i_ini_40.m";
    dec_ri40fm_o: Rate::Kbps40, Op::Decode(MU), None, "i40", "ri40fm.o";
    dec_hi40fm_o: Rate::Kbps40, Op::Decode(MU), Some("i_ini_40.m"), "i40", "hi40fm.o";
    enc_rn40fa_i: Rate::Kbps40, Op::Encode(A), None, "nrm.a", "rn40fa.i";
    dec_rn40fa_o: Rate::Kbps40, Op::Decode(A), None, "rn40fa.i", "rn40fa.o";
    dec_rn40fx_o: Rate::Kbps40, Op::Decode(MU), None, "rn40fa.i", "rn40fx.o";
    enc_hn40fa_i: Rate::Kbps40, Op::Encode(A), Some("pcm_init.a"), "nrm.a", "hn40fa.i";
    dec_hn40fa_o: Rate::Kbps40, Op::Decode(A), Some("i_ini_40.a"), "hn40fa.i", "hn40fa.o";
    dec_hn40fx_o: Rate::Kbps40, Op::Decode(MU), Some("i_ini_40.m"), "hn40fa.i", "hn40fx.o";
    enc_rv40fa_i: Rate::Kbps40, Op::Encode(A), None, "ovr.a", "rv40fa.i";
    dec_rv40fa_o: Rate::Kbps40, Op::Decode(A), None, "rv40fa.i", "rv40fa.o";
    dec_rv40fx_o: Rate::Kbps40, Op::Decode(MU), None, "rv40fa.i", "rv40fx.o";
    enc_hv40fa_i: Rate::Kbps40, Op::Encode(A), Some("pcm_init.a"), "ovr.a", "hv40fa.i";
    dec_hv40fa_o: Rate::Kbps40, Op::Decode(A), Some("i_ini_40.a"), "hv40fa.i", "hv40fa.o";
    dec_hv40fx_o: Rate::Kbps40, Op::Decode(MU), Some("i_ini_40.m"), "hv40fa.i", "hv40fx.o";
    enc_i_ini_40_a: Rate::Kbps40, Op::Encode(A), None, "pcm_init.a", "i_ini_40.a";
    dec_ri40fa_o: Rate::Kbps40, Op::Decode(A), None, "i40", "ri40fa.o";
    dec_hi40fa_o: Rate::Kbps40, Op::Decode(A), Some("i_ini_40.a"), "i40", "hi40fa.o";
}

/// `hn16fc.o` (16 kbit/s homing, u-law-encoded stream decoded to A-law) is the one expected
/// file that does not follow its pairing: it equals the A-law decode of `hn16fm.i` started from
/// the **reset** state, without the `i_ini_16.a` conditioning that every other homing file needs
/// (`hv16fc.o`, `hn24fc.o` ... `hv40fc.o` all match only after it; see `dec_hv16fc_o`).
///
/// Why: the file is exactly what a decoder run that does not carry the conditioning state into
/// the main sequence produces. The most plausible cause is that the reference was made by
/// decoding `hn16fm.i` in a separate run that started from reset (as the STL's `g726demo` does
/// by default) instead of continuing after `i_ini_16.a`; the copy here matches the published
/// CRC (`AAA64473`), so the slip is in the distributed reference, not in this copy. The decoder is not at
/// fault: the same decoder reproduces the other 63 homing files, and here it reproduces all
/// 16384 words from reset, while from the homed state (after `i_ini_16.a`, or after
/// `i_ini_16.m`) 1457 (1360) words differ, as an independent implementation (spandsp 0.0.6)
/// also found. This test pins both facts, so a corrected file would make it fail and be noticed.
#[test]
fn dec_hn16fc_o() {
    let Some(dir) = vector_dir() else { return };
    let input = read_words(&dir, "hn16fm.i");
    let expected = read_words(&dir, "hn16fc.o");
    let from_reset = run_coder(Rate::Kbps16, Op::Decode(A), &[], &input);
    assert!(
        from_reset == expected,
        "hn16fc.o: no longer equals the decode from reset"
    );
    let homed = run_coder(
        Rate::Kbps16,
        Op::Decode(A),
        &read_words(&dir, "i_ini_16.a"),
        &input,
    );
    let differing = homed.iter().zip(&expected).filter(|(a, b)| a != b).count();
    assert!(
        differing > 1000,
        "hn16fc.o: now (nearly) matches the homed decode ({differing} words differ): update this test"
    );
}
