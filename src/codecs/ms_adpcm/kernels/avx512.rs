//! AVX-512 MS ADPCM block decoder: 16 (block, channel) chains in 32-bit lanes, two such
//! groups interleaved so that one group's multiply latency hides behind the other's work.
//!
//! Blocks are independent, so a lane decodes one channel of one block from its header to its
//! end. Each step is the scalar integer arithmetic exactly: the prediction is one `vpmaddwd`
//! of the packed pair (`s1` low, `s2` high half) with the packed coefficients, exact unless
//! both coefficients are -32768 (such tables run the scalar code); `prediction + code·delta`
//! stays far inside i32 (`< 2^23 + 8·MAX_DELTA`) and is clamped to i16; the new delta is
//! `(ADAPTATION_TABLE[code]·delta) >> 8` (at most `768·MAX_DELTA < 2^31`), counted when it
//! exceeds [`MAX_DELTA`] and clamped. Codes come from one gathered 32-bit word per lane per 8
//! codes of its block, each lane's nibble moved to the top by a per-lane shift and
//! sign-extended. Every 8 steps the lanes' samples are transposed in registers and stored as
//! 8 consecutive frames of each block.
//!
//! Mono and stereo only (a 32-bit word then holds a whole number of frames); other channel
//! counts, and blocks that do not fill a group, run the scalar
//! [`decode_block`](crate::codecs::ms_adpcm::decode_block).

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use super::avx2::{transpose_u16, transpose_u32};
use super::block_lanes;
use crate::codecs::ms_adpcm::{MsParams, ADAPTATION_TABLE, MAX_DELTA, MIN_DELTA};
use crate::simd::SimdLevel;

/// Chains per vector.
const LANES: usize = 16;

/// Steps decoded between transposed stores.
const CHUNK: usize = 8;

/// Decodes the whole blocks of `bytes` into `pcm`; returns the warnings. Bit-identical to
/// [`decode_block`](crate::codecs::ms_adpcm::decode_block) on each block.
pub(crate) fn decode_blocks(params: &MsParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let ch = params.channels();
    let simd = SimdLevel::detected() >= SimdLevel::Avx512
        && (ch == 1 || ch == 2)
        && block_lanes::madd_exact(params);
    block_lanes::decode_in_runs(
        params,
        bytes,
        pcm,
        simd,
        LANES / ch,
        |bytes, pcm, double| {
            // SAFETY: AVX-512 F/BW/DQ/VL is present (checked above); `bytes` and `pcm` hold
            // exactly the run's whole blocks, one (or, `double`, two) groups of `16 / ch`.
            unsafe {
                match (ch, double) {
                    (1, true) => decode_groups::<1, 2>(params, bytes, pcm),
                    (1, false) => decode_groups::<1, 1>(params, bytes, pcm),
                    (_, true) => decode_groups::<2, 2>(params, bytes, pcm),
                    (_, false) => decode_groups::<2, 1>(params, bytes, pcm),
                }
            }
        },
    )
}

/// One group's decoder state, lane `l` = channel `l % CH` of block `l / CH`.
#[derive(Clone, Copy)]
struct Group {
    /// `s1` in the low, `s2` in the high 16 bits.
    samples: __m512i,
    /// `c1` in the low, `c2` in the high 16 bits.
    coefs: __m512i,
    delta: __m512i,
    /// Saturated-delta events per lane.
    warnings: __m512i,
}

/// Constants of [`step`].
struct Consts {
    adaptation: __m512i,
    top: __m512i,
    bottom: __m512i,
    min_delta: __m512i,
    max_delta: __m512i,
    one: __m512i,
}

/// Decodes one code per lane (`word` shifted left by `shift` puts the code in the top nibble)
/// and returns the 16 samples.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn step(g: &mut Group, word: __m512i, shift: __m512i, k: &Consts) -> __m256i {
    let code = _mm512_srai_epi32::<28>(_mm512_sllv_epi32(word, shift));
    // The permute reads the low 4 bits: the code's unsigned pattern.
    let adaptation = _mm512_permutexvar_epi32(code, k.adaptation);
    let prediction = _mm512_srai_epi32::<8>(_mm512_madd_epi16(g.samples, g.coefs));
    let sample = _mm512_add_epi32(prediction, _mm512_mullo_epi32(code, g.delta));
    let sample = _mm512_max_epi32(_mm512_min_epi32(sample, k.top), k.bottom);
    g.samples = _mm512_mask_mov_epi16(_mm512_slli_epi32::<16>(g.samples), 0x5555_5555, sample);
    let delta = _mm512_srai_epi32::<8>(_mm512_mullo_epi32(adaptation, g.delta));
    let saturated = _mm512_cmpgt_epi32_mask(delta, k.max_delta);
    g.warnings = _mm512_mask_add_epi32(g.warnings, saturated, g.warnings, k.one);
    g.delta = _mm512_min_epi32(_mm512_max_epi32(delta, k.min_delta), k.max_delta);
    _mm512_cvtepi32_epi16(sample)
}

/// Decodes `G` groups of `16 / CH` whole blocks: `bytes` and `pcm` hold exactly those blocks.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn decode_groups<const CH: usize, const G: usize>(
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
) -> u64 {
    let spb = params.samples_per_block();
    let block_samples = spb * CH;
    let per_group = LANES / CH;
    let mut warnings = 0;
    let mut bodies = [[0i32; LANES]; G];
    let mut body_vectors = [_mm512_setzero_si512(); G];
    let mut groups = [Group {
        samples: _mm512_setzero_si512(),
        coefs: _mm512_setzero_si512(),
        delta: _mm512_setzero_si512(),
        warnings: _mm512_setzero_si512(),
    }; G];
    for (g, group) in groups.iter_mut().enumerate() {
        let start =
            block_lanes::start_vector::<LANES>(params, bytes, pcm, g * per_group, &mut warnings);
        group.samples = load16(&start.samples);
        group.coefs = load16(&start.coefs);
        group.delta = load16(&start.delta);
        (bodies[g], body_vectors[g]) = (start.bodies, load16(&start.bodies));
    }
    let mut adaptation = [0i32; 16];
    adaptation.copy_from_slice(&ADAPTATION_TABLE);
    let k = Consts {
        adaptation: load16(&adaptation),
        top: _mm512_set1_epi32(i16::MAX as i32),
        bottom: _mm512_set1_epi32(i16::MIN as i32),
        min_delta: _mm512_set1_epi32(MIN_DELTA),
        max_delta: _mm512_set1_epi32(MAX_DELTA),
        one: _mm512_set1_epi32(1),
    };
    // Word `w` of a lane holds its block's codes 8w..8w+8, that is the steps `S·w..S·w + S`;
    // step `j` of a word is code `j·CH + c`, the high nibble of byte `(j·CH + c) / 2` if even.
    let steps_per_word = 8 / CH;
    let mut shifts = [_mm512_setzero_si512(); 8];
    for (j, shift) in shifts.iter_mut().enumerate() {
        *shift = load16(&block_lanes::nibble_shifts(CH, j));
    }
    let words = Words::new(params, bytes, bodies, body_vectors);
    let steps = spb - 2;
    let chunks = steps / CHUNK;
    let mut rows = [[_mm256_setzero_si256(); CHUNK]; G];
    for q in 0..chunks {
        for wi in 0..CHUNK / steps_per_word {
            let w = q * (CHUNK / steps_per_word) + wi;
            let word = words.load(w);
            for j in 0..steps_per_word {
                for g in 0..G {
                    rows[g][wi * steps_per_word + j] = step(&mut groups[g], word[g], shifts[j], &k);
                }
            }
        }
        let frame = 2 + CHUNK * q;
        for g in 0..G {
            let first_block = g * per_group;
            if CH == 2 {
                let cols = transpose_u32(&rows[g]);
                for (i, col) in cols.iter().enumerate() {
                    let at = (first_block + i) * block_samples + frame * 2;
                    let out = &mut pcm[at..at + 2 * CHUNK];
                    // SAFETY: `out` holds 16 samples, the 32 bytes stored.
                    _mm256_storeu_si256(out.as_mut_ptr().cast(), *col);
                }
            } else {
                let cols = transpose_u16(&rows[g]);
                for (i, col) in cols.iter().enumerate() {
                    let at = (first_block + i) * block_samples + frame;
                    let out = &mut pcm[at..at + CHUNK];
                    // SAFETY: `out` holds 8 samples, the 16 bytes stored.
                    _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_castsi256_si128(*col));
                    let at = (first_block + i + 8) * block_samples + frame;
                    let out = &mut pcm[at..at + CHUNK];
                    // SAFETY: as above.
                    _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_extracti128_si256::<1>(*col));
                }
            }
        }
    }
    // The last steps (fewer than a chunk) go through a lane-major scratch.
    let mut tail = [[[0i16; LANES]; CHUNK]; G];
    let mut word = [_mm512_setzero_si512(); G];
    for t in chunks * CHUNK..steps {
        let j = t % steps_per_word;
        if j == 0 || t == chunks * CHUNK {
            word = words.load(t / steps_per_word);
        }
        for g in 0..G {
            let samples = step(&mut groups[g], word[g], shifts[j], &k);
            // SAFETY: a store of 16 i16 into a local row of 16.
            _mm256_storeu_si256(tail[g][t - chunks * CHUNK].as_mut_ptr().cast(), samples);
        }
    }
    for g in 0..G {
        let first_step = chunks * CHUNK;
        let rows = &tail[g][..steps - first_step];
        block_lanes::store_tail(params, pcm, g * per_group, first_step, rows);
        let mut counts = [0i32; LANES];
        // SAFETY: a store into a local array of 16 i32.
        _mm512_storeu_si512(counts.as_mut_ptr().cast(), groups[g].warnings);
        warnings += counts.iter().map(|&n| n as u64).sum::<u64>();
    }
    warnings
}

/// The code words of a run's groups.
type Words<'a, const G: usize> = block_lanes::CodeWords<'a, __m512i, LANES, G>;

impl<const G: usize> Words<'_, G> {
    /// Bytes `4w .. 4w + 4` of each lane's codes in each group, zeros past the block's end.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn load(&self, w: usize) -> [__m512i; G] {
        let mut words = [_mm512_setzero_si512(); G];
        if w < self.whole_words {
            let at = _mm512_set1_epi32(4 * w as i32);
            for (word, &bodies) in words.iter_mut().zip(&self.bodies) {
                // SAFETY: lane `l` reads bytes `4w .. 4w + 4` of its block's codes, which end
                // inside the block (`w < whole_words`), inside `bytes`.
                *word = unsafe {
                    _mm512_i32gather_epi32::<1>(
                        _mm512_add_epi32(bodies, at),
                        self.bytes.as_ptr().cast(),
                    )
                };
            }
        } else {
            for (g, word) in words.iter_mut().enumerate() {
                *word = load16(&self.partial_words(g, w));
            }
        }
        words
    }
}

/// A vector of 16 lanes' values.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
fn load16(a: &[i32; LANES]) -> __m512i {
    // SAFETY: a load of an array of 16 i32.
    unsafe { _mm512_loadu_si512(a.as_ptr().cast()) }
}
