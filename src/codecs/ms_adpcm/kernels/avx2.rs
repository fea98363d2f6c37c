//! AVX2 MS ADPCM kernels in 32-bit lanes: the encoder's [`greedy_lanes`] and
//! [`pair_energy`], and the block decoder [`decode_blocks`] (described there).
//!
//! [`greedy_lanes`] runs eight coding chains, one per lane. Each step is exactly the scalar
//! integer arithmetic: the prediction `(s1·c1 + s2·c2) >> 8` is one `vpmaddwd` of the packed
//! sample pair (`s1` low, `s2` high half) with the packed coefficients (exact: both are i16
//! and not both products reach 2^30); the nearest code counts the odd multiples
//! `(2k+1)·delta` below `2·|error|` as the scalar code does, so no division is needed; the
//! reconstruction offset `code·delta` is the sum of the passed comparisons' masks applied to
//! `delta`; the adaptation multiplier depends only on `|code|`, whose thresholds are the same
//! masks (the table is symmetric: `|code|` 0–3 → 230, 4 → 307, 5 → 409, 6 → 512, 7 → 614,
//! 8 → 768), so one multiply updates the delta. Values stay far inside i32: `|prediction|
//! < 2^23`, `15·delta ≤ 15·MAX_DELTA < 2^26`, and the squared error `< 2^32` is summed in
//! 64-bit lanes.

use std::arch::x86_64::*;

use super::{block_lanes, scalar, Lanes, LANES};
use crate::codecs::ms_adpcm::{MsParams, ADAPTATION_TABLE, MAX_DELTA, MIN_DELTA};
use crate::simd::SimdLevel;

/// See [`super::greedy_lanes`]; the caller has checked the lanes and the padding.
pub(crate) fn greedy_lanes(
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return scalar::greedy_lanes(pcm, channels, first, len, lanes, codes);
    }
    assert!(len == 0 || pcm.len() >= (first + len - 1) * channels + LANES);
    assert!(lanes.channel.iter().all(|&c| c < channels) && channels <= LANES);
    if let Some(c) = &codes {
        assert!(c.len() >= len * LANES);
    }
    // SAFETY: the CPU supports AVX2 (checked above); every frame read at
    // `(first + i) * channels` has LANES readable samples and `codes` holds `len * LANES`
    // bytes (asserted above).
    unsafe { greedy_lanes_avx2(pcm, channels, first, len, lanes, codes) }
}

#[target_feature(enable = "avx2")]
unsafe fn greedy_lanes_avx2(
    pcm: &[i16],
    channels: usize,
    first: usize,
    len: usize,
    lanes: &Lanes,
    mut codes: Option<&mut [u8]>,
) -> [u64; LANES] {
    let field = |f: fn(&super::MsState) -> i32| {
        let mut a = [0i32; LANES];
        for (v, s) in a.iter_mut().zip(&lanes.states) {
            *v = f(s);
        }
        _mm256_loadu_si256(a.as_ptr() as *const __m256i)
    };
    let low16 = _mm256_set1_epi32(0xFFFF);
    let coefs = _mm256_or_si256(
        _mm256_and_si256(field(|s| s.coef1), low16),
        _mm256_slli_epi32(field(|s| s.coef2), 16),
    );
    // Low half: the last sample; high half: the one before.
    let mut pair = _mm256_or_si256(
        _mm256_and_si256(field(|s| s.sample1), low16),
        _mm256_slli_epi32(field(|s| s.sample2), 16),
    );
    let mut delta = field(|s| s.delta);
    let mut channel = [0i32; LANES];
    for (c, &l) in channel.iter_mut().zip(&lanes.channel) {
        *c = l as i32;
    }
    let channel = _mm256_loadu_si256(channel.as_ptr() as *const __m256i);
    let zero = _mm256_setzero_si256();
    let (min16, max16) = (_mm256_set1_epi32(-32768), _mm256_set1_epi32(32767));
    let (min_delta, max_delta) = (_mm256_set1_epi32(MIN_DELTA), _mm256_set1_epi32(MAX_DELTA));
    let fifteen = _mm256_set1_epi32(15);
    // Adaptation multiplier steps at |code| = 4, 5, 6, 7, 8 (230 → 307 → 409 → 512 → 614 → 768).
    let (step4, step5, step6, step7, step8) = (
        _mm256_set1_epi32(307 - 230),
        _mm256_set1_epi32(409 - 307),
        _mm256_set1_epi32(512 - 409),
        _mm256_set1_epi32(614 - 512),
        _mm256_set1_epi32(768 - 614),
    );
    let base_multiplier = _mm256_set1_epi32(230);
    // Byte 0 of each 32-bit lane, gathered into the low 8 bytes.
    let low_bytes = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let gather_low = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
    let (mut cost_even, mut cost_odd) = (zero, zero);
    let base = pcm.as_ptr();
    for i in 0..len {
        let frame = base.add((first + i) * channels) as *const __m128i;
        let target =
            _mm256_permutevar8x32_epi32(_mm256_cvtepi16_epi32(_mm_loadu_si128(frame)), channel);
        let prediction = _mm256_srai_epi32(_mm256_madd_epi16(pair, coefs), 8);
        let error = _mm256_sub_epi32(target, prediction);
        let negative = _mm256_cmpgt_epi32(zero, error);
        let twice = _mm256_slli_epi32(_mm256_abs_epi32(error), 1);
        // The odd multiples of delta: m_k = (2|e| > (2k+1)·delta).
        let d2 = _mm256_add_epi32(delta, delta);
        let d3 = _mm256_add_epi32(d2, delta);
        let d4 = _mm256_add_epi32(d2, d2);
        let d5 = _mm256_add_epi32(d4, delta);
        let d8 = _mm256_add_epi32(d4, d4);
        let d7 = _mm256_sub_epi32(d8, delta);
        let m0 = _mm256_cmpgt_epi32(twice, delta);
        let m1 = _mm256_cmpgt_epi32(twice, d3);
        let m2 = _mm256_cmpgt_epi32(twice, d5);
        let m3 = _mm256_cmpgt_epi32(twice, d7);
        let m4 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, delta));
        let m5 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d3));
        let m6 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d5));
        let m7 = _mm256_cmpgt_epi32(twice, _mm256_add_epi32(d8, d7));
        let and_d = |m| _mm256_and_si256(m, delta);
        // min(m, 7)·delta and m·delta, m being the count of passed thresholds.
        let offset7 = _mm256_add_epi32(
            _mm256_add_epi32(
                _mm256_add_epi32(and_d(m0), and_d(m1)),
                _mm256_add_epi32(and_d(m2), and_d(m3)),
            ),
            _mm256_add_epi32(_mm256_add_epi32(and_d(m4), and_d(m5)), and_d(m6)),
        );
        let offset8 = _mm256_add_epi32(offset7, and_d(m7));
        let offset = _mm256_blendv_epi8(offset7, _mm256_sub_epi32(zero, offset8), negative);
        let sample = _mm256_min_epi32(
            _mm256_max_epi32(_mm256_add_epi32(prediction, offset), min16),
            max16,
        );
        // Masks are -1: their sums are -min(m, 7) and -m.
        let minus7 = _mm256_add_epi32(
            _mm256_add_epi32(_mm256_add_epi32(m0, m1), _mm256_add_epi32(m2, m3)),
            _mm256_add_epi32(_mm256_add_epi32(m4, m5), m6),
        );
        let minus8 = _mm256_add_epi32(minus7, m7);
        let code = _mm256_blendv_epi8(
            _mm256_sub_epi32(zero, minus7),
            _mm256_and_si256(minus8, fifteen),
            negative,
        );
        let multiplier = _mm256_add_epi32(
            _mm256_add_epi32(
                _mm256_add_epi32(base_multiplier, _mm256_and_si256(m3, step4)),
                _mm256_add_epi32(_mm256_and_si256(m4, step5), _mm256_and_si256(m5, step6)),
            ),
            _mm256_add_epi32(
                _mm256_and_si256(m6, step7),
                _mm256_and_si256(_mm256_and_si256(m7, negative), step8),
            ),
        );
        delta = _mm256_min_epi32(
            _mm256_max_epi32(
                _mm256_srai_epi32(_mm256_mullo_epi32(multiplier, delta), 8),
                min_delta,
            ),
            max_delta,
        );
        pair = _mm256_blend_epi16::<0b0101_0101>(_mm256_slli_epi32(pair, 16), sample);
        // Squared error in 64-bit lanes: even lanes, then odd lanes moved down.
        let miss = _mm256_sub_epi32(target, sample);
        cost_even = _mm256_add_epi64(cost_even, _mm256_mul_epi32(miss, miss));
        let miss_odd = _mm256_srli_epi64(miss, 32);
        cost_odd = _mm256_add_epi64(cost_odd, _mm256_mul_epi32(miss_odd, miss_odd));
        if let Some(out) = codes.as_deref_mut() {
            let bytes =
                _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(code, low_bytes), gather_low);
            _mm_storel_epi64(
                out.as_mut_ptr().add(i * LANES) as *mut __m128i,
                _mm256_castsi256_si128(bytes),
            );
        }
    }
    let (mut even, mut odd) = ([0u64; 4], [0u64; 4]);
    _mm256_storeu_si256(even.as_mut_ptr() as *mut __m256i, cost_even);
    _mm256_storeu_si256(odd.as_mut_ptr() as *mut __m256i, cost_odd);
    let mut costs = [0u64; LANES];
    for k in 0..4 {
        costs[2 * k] = even[k];
        costs[2 * k + 1] = odd[k];
    }
    costs
}

/// See [`super::pair_energy`]; the caller has checked that `c1` and `c2` are not both -32768.
pub(crate) fn pair_energy(samples: &[i16], coefficients: [i16; 2]) -> u64 {
    if SimdLevel::detected() < SimdLevel::Avx2 {
        return scalar::pair_energy(samples, coefficients, 0);
    }
    // SAFETY: the CPU supports AVX2 (checked above).
    unsafe { pair_energy_avx2(samples, coefficients) }
}

/// Eight windows per step: a 32-bit lane holds `(s[i], s[i+1])`, which `vpmaddwd` with
/// `(c2, c1)` turns into the product sum; the target `s[i+2]` is the low half of the lane one
/// further on. Residuals stay below 2^24, so their squares are exact in 64-bit lanes.
#[target_feature(enable = "avx2")]
unsafe fn pair_energy_avx2(samples: &[i16], [c1, c2]: [i16; 2]) -> u64 {
    let coefs = _mm256_set1_epi32((c2 as u16 as i32) | ((c1 as i32) << 16));
    let (mut sum_even, mut sum_odd) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    let mut i = 0;
    let p = samples.as_ptr();
    while i + 18 <= samples.len() {
        // SAFETY: i + 18 <= len, so both 16-sample loads are inside `samples`.
        let window = _mm256_loadu_si256(p.add(i) as *const __m256i);
        let ahead = _mm256_loadu_si256(p.add(i + 2) as *const __m256i);
        let prediction = _mm256_srai_epi32(_mm256_madd_epi16(window, coefs), 8);
        let target = _mm256_srai_epi32(_mm256_slli_epi32(ahead, 16), 16);
        let r = _mm256_sub_epi32(target, prediction);
        sum_even = _mm256_add_epi64(sum_even, _mm256_mul_epi32(r, r));
        let r_odd = _mm256_srli_epi64(r, 32);
        sum_odd = _mm256_add_epi64(sum_odd, _mm256_mul_epi32(r_odd, r_odd));
        i += 16;
    }
    let mut lanes = [0u64; 4];
    _mm256_storeu_si256(
        lanes.as_mut_ptr() as *mut __m256i,
        _mm256_add_epi64(sum_even, sum_odd),
    );
    lanes
        .iter()
        .fold(scalar::pair_energy(samples, [c1, c2], i), |a, &b| {
            a.wrapping_add(b)
        })
}

/// Decodes the whole blocks of `bytes` into `pcm`; returns the warnings. Bit-identical to
/// [`decode_block`](crate::codecs::ms_adpcm::decode_block) on each block.
///
/// Eight (block, channel) chains per vector, as the AVX-512 kernel runs sixteen: each step is
/// the scalar integer arithmetic exactly (see [`avx512`](super::avx512) for the bounds). What
/// AVX2 lacks is replaced: the 16-entry adaptation lookup is two 8-entry permutes (the code's
/// low 3 bits) blended on its sign, the saturation count subtracts the compare mask, and the
/// samples of two vectors are packed into one row of 16 `i16` so that every 8 steps the
/// AVX-512 kernel's transposes store them as 8 consecutive frames of each block. Two or four
/// vectors run interleaved, hiding the delta chain's multiply latency.
///
/// Mono and stereo only; other channel counts, and blocks that do not fill two vectors, run
/// the scalar code.
pub(crate) fn decode_blocks(params: &MsParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let ch = params.channels();
    let simd = SimdLevel::detected() >= SimdLevel::Avx2
        && (ch == 1 || ch == 2)
        && block_lanes::madd_exact(params);
    // A run is two vectors' blocks; a double run four vectors'.
    block_lanes::decode_in_runs(
        params,
        bytes,
        pcm,
        simd,
        2 * LANES / ch,
        |bytes, pcm, double| {
            // SAFETY: the CPU supports AVX2 (checked above); `bytes` and `pcm` hold exactly the
            // run's whole blocks, two (or, `double`, four) vectors of `LANES / ch` blocks.
            unsafe {
                match (ch, double) {
                    (1, true) => decode_vectors::<1, 4>(params, bytes, pcm),
                    (1, false) => decode_vectors::<1, 2>(params, bytes, pcm),
                    (_, true) => decode_vectors::<2, 4>(params, bytes, pcm),
                    (_, false) => decode_vectors::<2, 2>(params, bytes, pcm),
                }
            }
        },
    )
}

/// Steps decoded between transposed stores.
const CHUNK: usize = 8;

/// One vector's decoder state, lane `l` = channel `l % CH` of block `l / CH`.
#[derive(Clone, Copy)]
struct Chains {
    /// `s1` in the low, `s2` in the high 16 bits.
    samples: __m256i,
    /// `c1` in the low, `c2` in the high 16 bits.
    coefs: __m256i,
    delta: __m256i,
    /// Minus the saturated-delta events per lane.
    minus_warnings: __m256i,
}

/// Constants of [`decode_step`].
struct DecodeConsts {
    /// `ADAPTATION_TABLE[0..8]` and `[8..16]`: the multipliers of codes 0..7 and -8..-1.
    adaptation_pos: __m256i,
    adaptation_neg: __m256i,
    top: __m256i,
    bottom: __m256i,
    min_delta: __m256i,
    max_delta: __m256i,
}

/// Decodes one code per lane (`word` shifted left by `shift` puts the code in the top nibble)
/// and returns the 8 samples in 32-bit lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn decode_step(v: &mut Chains, word: __m256i, shift: __m256i, k: &DecodeConsts) -> __m256i {
    let code = _mm256_srai_epi32::<28>(_mm256_sllv_epi32(word, shift));
    // The permutes read the low 3 bits; the sign picks the half of the table.
    let adaptation = _mm256_castps_si256(_mm256_blendv_ps(
        _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k.adaptation_pos, code)),
        _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k.adaptation_neg, code)),
        _mm256_castsi256_ps(code),
    ));
    let prediction = _mm256_srai_epi32::<8>(_mm256_madd_epi16(v.samples, v.coefs));
    let sample = _mm256_add_epi32(prediction, _mm256_mullo_epi32(code, v.delta));
    let sample = _mm256_max_epi32(_mm256_min_epi32(sample, k.top), k.bottom);
    v.samples = _mm256_blend_epi16::<0b0101_0101>(_mm256_slli_epi32::<16>(v.samples), sample);
    let delta = _mm256_srai_epi32::<8>(_mm256_mullo_epi32(adaptation, v.delta));
    v.minus_warnings = _mm256_add_epi32(v.minus_warnings, _mm256_cmpgt_epi32(delta, k.max_delta));
    v.delta = _mm256_min_epi32(_mm256_max_epi32(delta, k.min_delta), k.max_delta);
    sample
}

/// Decodes `G` (even) vectors of `8 / CH` whole blocks: `bytes` and `pcm` hold exactly those
/// blocks.
#[target_feature(enable = "avx2")]
unsafe fn decode_vectors<const CH: usize, const G: usize>(
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
) -> u64 {
    let spb = params.samples_per_block();
    let block_samples = spb * CH;
    let per_vector = LANES / CH;
    let mut warnings = 0;
    let mut bodies = [[0i32; LANES]; G];
    let mut body_vectors = [_mm256_setzero_si256(); G];
    let mut chains = [Chains {
        samples: _mm256_setzero_si256(),
        coefs: _mm256_setzero_si256(),
        delta: _mm256_setzero_si256(),
        minus_warnings: _mm256_setzero_si256(),
    }; G];
    for (g, chain) in chains.iter_mut().enumerate() {
        let start =
            block_lanes::start_vector::<LANES>(params, bytes, pcm, g * per_vector, &mut warnings);
        chain.samples = load8(&start.samples);
        chain.coefs = load8(&start.coefs);
        chain.delta = load8(&start.delta);
        (bodies[g], body_vectors[g]) = (start.bodies, load8(&start.bodies));
    }
    let (mut positive, mut negative) = ([0i32; LANES], [0i32; LANES]);
    positive.copy_from_slice(&ADAPTATION_TABLE[..LANES]);
    negative.copy_from_slice(&ADAPTATION_TABLE[LANES..]);
    let k = DecodeConsts {
        adaptation_pos: load8(&positive),
        adaptation_neg: load8(&negative),
        top: _mm256_set1_epi32(i16::MAX as i32),
        bottom: _mm256_set1_epi32(i16::MIN as i32),
        min_delta: _mm256_set1_epi32(MIN_DELTA),
        max_delta: _mm256_set1_epi32(MAX_DELTA),
    };
    let steps_per_word = 8 / CH;
    let mut shifts = [_mm256_setzero_si256(); 8];
    for (j, shift) in shifts.iter_mut().enumerate() {
        *shift = load8(&block_lanes::nibble_shifts(CH, j));
    }
    let words = CodeWords::new(params, bytes, bodies, body_vectors);
    let steps = spb - 2;
    let chunks = steps / CHUNK;
    // Rows of pairs of vectors (only the first `G / 2` are used).
    let mut rows = [[_mm256_setzero_si256(); CHUNK]; G];
    for q in 0..chunks {
        for wi in 0..CHUNK / steps_per_word {
            let word = words.load(q * (CHUNK / steps_per_word) + wi);
            for j in 0..steps_per_word {
                let mut samples = [_mm256_setzero_si256(); G];
                for g in 0..G {
                    samples[g] = decode_step(&mut chains[g], word[g], shifts[j], &k);
                }
                for pair in 0..G / 2 {
                    rows[pair][wi * steps_per_word + j] =
                        _mm256_packs_epi32(samples[2 * pair], samples[2 * pair + 1]);
                }
            }
        }
        let frame = 2 + CHUNK * q;
        for (pair, rows) in rows.iter().enumerate().take(G / 2) {
            let first = 2 * pair * per_vector;
            if CH == 2 {
                // Frame `e` of a row: the pair's vector `(e / 2) % 2`, its block `e % 2 + 2 (e / 4)`.
                let cols = transpose_u32(rows);
                for (e, col) in cols.iter().enumerate() {
                    let block = first + (e / 2 % 2) * per_vector + e % 2 + 2 * (e / 4);
                    let at = block * block_samples + frame * 2;
                    let out = &mut pcm[at..at + 2 * CHUNK];
                    // SAFETY: `out` holds 16 samples, the 32 bytes stored.
                    _mm256_storeu_si256(out.as_mut_ptr().cast(), *col);
                }
            } else {
                // Sample `i` of a row's low half: the pair's vector `i / 4`, its block `i % 4`;
                // of the high half, that block + 4.
                let cols = transpose_u16(rows);
                for (i, col) in cols.iter().enumerate() {
                    let block = first + (i / 4) * per_vector + i % 4;
                    let at = block * block_samples + frame;
                    let out = &mut pcm[at..at + CHUNK];
                    // SAFETY: `out` holds 8 samples, the 16 bytes stored.
                    _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_castsi256_si128(*col));
                    let at = (block + 4) * block_samples + frame;
                    let out = &mut pcm[at..at + CHUNK];
                    // SAFETY: as above.
                    _mm_storeu_si128(out.as_mut_ptr().cast(), _mm256_extracti128_si256::<1>(*col));
                }
            }
        }
    }
    // The last steps (fewer than a chunk) go through a lane-major scratch.
    let mut tail = [[[0i16; LANES]; CHUNK]; G];
    let mut word = [_mm256_setzero_si256(); G];
    for t in chunks * CHUNK..steps {
        let j = t % steps_per_word;
        if j == 0 {
            word = words.load(t / steps_per_word);
        }
        for g in 0..G {
            let samples = decode_step(&mut chains[g], word[g], shifts[j], &k);
            // Lanes 0-3 in the low, 4-7 in the third 64-bit quarter.
            let packed = _mm256_permute4x64_epi64::<0b1000>(_mm256_packs_epi32(samples, samples));
            let row = &mut tail[g][t - chunks * CHUNK];
            // SAFETY: a store of 8 i16 into a local row of 8.
            _mm_storeu_si128(row.as_mut_ptr().cast(), _mm256_castsi256_si128(packed));
        }
    }
    for (g, (chain, rows)) in chains.iter().zip(&tail).enumerate() {
        let first_step = chunks * CHUNK;
        let rows = &rows[..steps - first_step];
        block_lanes::store_tail(params, pcm, g * per_vector, first_step, rows);
        let mut counts = [0i32; LANES];
        // SAFETY: a store into a local array of 8 i32.
        _mm256_storeu_si256(counts.as_mut_ptr().cast(), chain.minus_warnings);
        warnings += counts.iter().map(|&n| n.unsigned_abs() as u64).sum::<u64>();
    }
    warnings
}

/// The code words of a run's vectors.
type CodeWords<'a, const G: usize> = block_lanes::CodeWords<'a, __m256i, LANES, G>;

impl<const G: usize> CodeWords<'_, G> {
    /// Bytes `4w .. 4w + 4` of each lane's codes in each vector, zeros past the block's end.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load(&self, w: usize) -> [__m256i; G] {
        let mut words = [_mm256_setzero_si256(); G];
        if w < self.whole_words {
            let at = _mm256_set1_epi32(4 * w as i32);
            for (word, &bodies) in words.iter_mut().zip(&self.bodies) {
                // SAFETY: lane `l` reads bytes `4w .. 4w + 4` of its block's codes, which end
                // inside the block (`w < whole_words`), inside `bytes`.
                *word = unsafe {
                    _mm256_i32gather_epi32::<1>(
                        self.bytes.as_ptr().cast(),
                        _mm256_add_epi32(bodies, at),
                    )
                };
            }
        } else {
            for (g, word) in words.iter_mut().enumerate() {
                *word = load8(&self.partial_words(g, w));
            }
        }
        words
    }
}

/// A vector of 8 lanes' values.
#[inline]
#[target_feature(enable = "avx2")]
fn load8(a: &[i32; LANES]) -> __m256i {
    // SAFETY: a load of an array of 8 i32.
    unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
}

/// Transposes 8 rows of 8 u32 (row `t` = step `t`, element `i` = block `i`'s stereo frame)
/// into 8 columns (column `i` = block `i`'s 8 frames). Shared with the AVX-512 decoder.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn transpose_u32(r: &[__m256i; CHUNK]) -> [__m256i; CHUNK] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // Rows 0-3 (and 4-7) of columns 0, 1, 2, 3 in the low, 4, 5, 6, 7 in the high halves.
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

/// Transposes 8 rows of 16 i16 (row `t` = step `t`, element `i` = mono block `i`) within each
/// 128-bit half: column `i` holds block `i`'s 8 samples in its low and block `i + 8`'s in its
/// high half.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn transpose_u16(r: &[__m256i; CHUNK]) -> [__m256i; CHUNK] {
    let a0 = _mm256_unpacklo_epi16(r[0], r[1]);
    let a1 = _mm256_unpackhi_epi16(r[0], r[1]);
    let a2 = _mm256_unpacklo_epi16(r[2], r[3]);
    let a3 = _mm256_unpackhi_epi16(r[2], r[3]);
    let a4 = _mm256_unpacklo_epi16(r[4], r[5]);
    let a5 = _mm256_unpackhi_epi16(r[4], r[5]);
    let a6 = _mm256_unpacklo_epi16(r[6], r[7]);
    let a7 = _mm256_unpackhi_epi16(r[6], r[7]);
    let b0 = _mm256_unpacklo_epi32(a0, a2);
    let b1 = _mm256_unpackhi_epi32(a0, a2);
    let b2 = _mm256_unpacklo_epi32(a1, a3);
    let b3 = _mm256_unpackhi_epi32(a1, a3);
    let b4 = _mm256_unpacklo_epi32(a4, a6);
    let b5 = _mm256_unpackhi_epi32(a4, a6);
    let b6 = _mm256_unpacklo_epi32(a5, a7);
    let b7 = _mm256_unpackhi_epi32(a5, a7);
    [
        _mm256_unpacklo_epi64(b0, b4),
        _mm256_unpackhi_epi64(b0, b4),
        _mm256_unpacklo_epi64(b1, b5),
        _mm256_unpackhi_epi64(b1, b5),
        _mm256_unpacklo_epi64(b2, b6),
        _mm256_unpackhi_epi64(b2, b6),
        _mm256_unpacklo_epi64(b3, b7),
        _mm256_unpackhi_epi64(b3, b7),
    ]
}
