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
//! counts, and blocks that do not fill a group, run the scalar [`decode_block`].

// Lane loops index several per-lane arrays by the lane number.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;

use crate::codecs::ms_adpcm::{decode_block, MsParams, ADAPTATION_TABLE, MAX_DELTA, MIN_DELTA};
use crate::simd::SimdLevel;

/// Chains per vector.
const LANES: usize = 16;

/// Steps decoded between transposed stores.
const CHUNK: usize = 8;

/// Decodes the whole blocks of `bytes` into `pcm`; returns the warnings. Bit-identical to
/// [`decode_block`] on each block.
pub(crate) fn decode_blocks(params: &MsParams, bytes: &[u8], pcm: &mut [i16]) -> u64 {
    let (ch, align, spb) = (
        params.channels(),
        params.block_align(),
        params.samples_per_block(),
    );
    let blocks = (bytes.len() / align).min(pcm.len() / (spb * ch));
    // `vpmaddwd` overflows only when both coefficients and both samples are -32768.
    let exact = params
        .coefficients()
        .iter()
        .all(|&[c1, c2]| c1 > i16::MIN || c2 > i16::MIN);
    let simd = SimdLevel::detected() >= SimdLevel::Avx512 && (ch == 1 || ch == 2) && exact;
    let mut warnings = 0;
    let mut done = 0;
    if simd {
        let per_group = LANES / ch;
        while blocks - done >= per_group {
            let n = if blocks - done >= 2 * per_group {
                2 * per_group
            } else {
                per_group
            };
            let bytes = &bytes[done * align..(done + n) * align];
            let pcm = &mut pcm[done * spb * ch..(done + n) * spb * ch];
            // SAFETY: AVX-512 F/BW/DQ/VL is present (checked above); `bytes` and `pcm` hold
            // exactly the `n` whole blocks of the groups decoded.
            warnings += unsafe {
                match (ch, n == 2 * per_group) {
                    (1, true) => decode_groups::<1, 2>(params, bytes, pcm),
                    (1, false) => decode_groups::<1, 1>(params, bytes, pcm),
                    (_, true) => decode_groups::<2, 2>(params, bytes, pcm),
                    (_, false) => decode_groups::<2, 1>(params, bytes, pcm),
                }
            };
            done += n;
        }
    }
    for b in done..blocks {
        decode_block(
            params,
            &bytes[b * align..(b + 1) * align],
            &mut pcm[b * spb * ch..(b + 1) * spb * ch],
            &mut warnings,
        );
    }
    warnings
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
    let (align, spb) = (params.block_align(), params.samples_per_block());
    let block_samples = spb * CH;
    let table = params.coefficients();
    let per_group = LANES / CH;
    let mut warnings = 0;
    let mut bodies = [[0i32; LANES]; G];
    let mut groups = [Group {
        samples: _mm512_setzero_si512(),
        coefs: _mm512_setzero_si512(),
        delta: _mm512_setzero_si512(),
        warnings: _mm512_setzero_si512(),
    }; G];
    for (g, group) in groups.iter_mut().enumerate() {
        let (mut samples, mut coefs, mut delta) = ([0i32; LANES], [0i32; LANES], [0i32; LANES]);
        for l in 0..LANES {
            let (b, c) = (g * per_group + l / CH, l % CH);
            let block = &bytes[b * align..(b + 1) * align];
            let word = |i: usize| i16::from_le_bytes([block[i], block[i + 1]]);
            let mut index = block[c] as usize;
            if index >= table.len() {
                warnings += 1;
                index = 0;
            }
            let [c1, c2] = table[index];
            let (s1, s2) = (word(3 * CH + 2 * c), word(5 * CH + 2 * c));
            pcm[b * block_samples + c] = s2;
            pcm[b * block_samples + CH + c] = s1;
            samples[l] = (s1 as u16 as u32 | (s2 as u16 as u32) << 16) as i32;
            coefs[l] = (c1 as u16 as u32 | (c2 as u16 as u32) << 16) as i32;
            delta[l] = word(CH + 2 * c) as i32;
            bodies[g][l] = (b * align + 7 * CH) as i32;
        }
        // SAFETY: loads of local arrays of 16 i32.
        *group = Group {
            samples: _mm512_loadu_si512(samples.as_ptr().cast()),
            coefs: _mm512_loadu_si512(coefs.as_ptr().cast()),
            delta: _mm512_loadu_si512(delta.as_ptr().cast()),
            warnings: _mm512_setzero_si512(),
        };
    }
    let mut adaptation = [0i32; 16];
    adaptation.copy_from_slice(&ADAPTATION_TABLE);
    let k = Consts {
        // SAFETY: a load of a local array of 16 i32.
        adaptation: _mm512_loadu_si512(adaptation.as_ptr().cast()),
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
    for (j, shift) in shifts.iter_mut().enumerate().take(steps_per_word) {
        let mut s = [0i32; LANES];
        for l in 0..LANES {
            let q = j * CH + l % CH;
            s[l] = 28 - (8 * (q / 2) + 4 * (1 - q % 2)) as i32;
        }
        // SAFETY: a load of a local array of 16 i32.
        *shift = _mm512_loadu_si512(s.as_ptr().cast());
    }
    let words = Words {
        bytes,
        // SAFETY: loads of local arrays of 16 i32.
        bodies: bodies.map(|b| _mm512_loadu_si512(b.as_ptr().cast())),
        body_offsets: bodies,
        whole_words: (align - 7 * CH) / 4,
        body_len: align - 7 * CH,
    };
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
        for l in 0..LANES {
            let (b, c) = (g * per_group + l / CH, l % CH);
            for t in chunks * CHUNK..steps {
                pcm[b * block_samples + (2 + t) * CH + c] = tail[g][t - chunks * CHUNK][l];
            }
        }
        let mut counts = [0i32; LANES];
        // SAFETY: a store into a local array of 16 i32.
        _mm512_storeu_si512(counts.as_mut_ptr().cast(), groups[g].warnings);
        warnings += counts.iter().map(|&n| n as u64).sum::<u64>();
    }
    warnings
}

/// The code words of `G` groups' lanes in a run of whole blocks.
struct Words<'a, const G: usize> {
    bytes: &'a [u8],
    /// Each lane's byte offset of its block's codes in `bytes`, as vectors and as arrays.
    bodies: [__m512i; G],
    body_offsets: [[i32; LANES]; G],
    /// Words that end inside the block.
    whole_words: usize,
    /// Code bytes per block.
    body_len: usize,
}

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
            for (word, bodies) in words.iter_mut().zip(&self.body_offsets) {
                *word = self.last_word(bodies, w);
            }
        }
        words
    }

    /// [`load`](Self::load) of the word that ends past the block, for one group.
    #[cold]
    #[inline(never)]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
    fn last_word(&self, bodies: &[i32; LANES], w: usize) -> __m512i {
        let mut words = [0i32; LANES];
        for (word, &body) in words.iter_mut().zip(bodies) {
            let body = body as usize;
            let start = (4 * w).min(self.body_len);
            let end = (4 * w + 4).min(self.body_len);
            let mut b = [0u8; 4];
            b[..end - start].copy_from_slice(&self.bytes[body + start..body + end]);
            *word = i32::from_le_bytes(b);
        }
        // SAFETY: a load of a local array of 16 i32.
        unsafe { _mm512_loadu_si512(words.as_ptr().cast()) }
    }
}

/// Transposes 8 rows of 8 u32 (row `t` = step `t`, element `i` = block `i`'s stereo frame)
/// into 8 columns (column `i` = block `i`'s 8 frames).
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn transpose_u32(r: &[__m256i; CHUNK]) -> [__m256i; CHUNK] {
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
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn transpose_u16(r: &[__m256i; CHUNK]) -> [__m256i; CHUNK] {
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
