//! What the lane-per-block decoders ([`avx2`](super::avx2), [`avx512`](super::avx512)) share:
//! runs of whole blocks, each lane's start from its block header, where its codes sit in the
//! code words, and the scalar pieces at the block's end.
//!
//! Lane `l` of a vector decodes channel `l % CH` of block `l / CH` of the vector's blocks, so
//! a 32-bit code word of a block holds `8 / CH` steps of each of its lanes.

use crate::codecs::ms_adpcm::{decode_block, MsParams};

/// Decodes the whole blocks of `bytes` into `pcm` (as many as both hold): with `simd`, runs of
/// `2·run` blocks, then one of `run`, go to `kernel(bytes, pcm, double)` (`double`: the run is
/// `2·run` blocks), and the blocks left over to the scalar [`decode_block`]. Returns the
/// warnings.
pub(super) fn decode_in_runs(
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
    simd: bool,
    run: usize,
    mut kernel: impl FnMut(&[u8], &mut [i16], bool) -> u64,
) -> u64 {
    let (ch, align, spb) = (
        params.channels(),
        params.block_align(),
        params.samples_per_block(),
    );
    let block_samples = spb * ch;
    let blocks = (bytes.len() / align).min(pcm.len() / block_samples);
    let mut warnings = 0;
    let mut done = 0;
    if simd {
        while blocks - done >= run {
            let n = if blocks - done >= 2 * run {
                2 * run
            } else {
                run
            };
            warnings += kernel(
                &bytes[done * align..(done + n) * align],
                &mut pcm[done * block_samples..(done + n) * block_samples],
                n == 2 * run,
            );
            done += n;
        }
    }
    for b in done..blocks {
        decode_block(
            params,
            &bytes[b * align..(b + 1) * align],
            &mut pcm[b * block_samples..(b + 1) * block_samples],
            &mut warnings,
        );
    }
    warnings
}

/// `vpmaddwd` of the packed samples and coefficients is the exact product sum unless both
/// coefficients (and both samples) are -32768: tables with such a pair run the scalar code.
pub(super) fn madd_exact(params: &MsParams) -> bool {
    params
        .coefficients()
        .iter()
        .all(|&[c1, c2]| c1 > i16::MIN || c2 > i16::MIN)
}

/// A vector's lanes' states from their block headers, packed for 32-bit lanes.
pub(super) struct VectorStart<const N: usize> {
    /// `s1` in the low, `s2` in the high 16 bits.
    pub(super) samples: [i32; N],
    /// `c1` in the low, `c2` in the high 16 bits.
    pub(super) coefs: [i32; N],
    pub(super) delta: [i32; N],
    /// The byte offset of each lane's block's codes in the run's bytes.
    pub(super) bodies: [i32; N],
}

/// Reads the headers of the `N / ch` blocks of a run (`bytes`, `pcm`) from `first_block` on
/// (lane `l`: channel `l % ch` of block `first_block + l / ch`): writes each block's first two
/// frames, counts a predictor index beyond the table (which uses pair 0, as [`decode_block`]
/// does), and returns the lanes' starts.
pub(super) fn start_vector<const N: usize>(
    params: &MsParams,
    bytes: &[u8],
    pcm: &mut [i16],
    first_block: usize,
    warnings: &mut u64,
) -> VectorStart<N> {
    let (ch, align) = (params.channels(), params.block_align());
    let block_samples = params.samples_per_block() * ch;
    let table = params.coefficients();
    let mut start = VectorStart {
        samples: [0; N],
        coefs: [0; N],
        delta: [0; N],
        bodies: [0; N],
    };
    for l in 0..N {
        let (b, c) = (first_block + l / ch, l % ch);
        let block = &bytes[b * align..(b + 1) * align];
        let word = |i: usize| i16::from_le_bytes([block[i], block[i + 1]]);
        let mut index = block[c] as usize;
        if index >= table.len() {
            *warnings += 1;
            index = 0;
        }
        let [c1, c2] = table[index];
        let (s1, s2) = (word(3 * ch + 2 * c), word(5 * ch + 2 * c));
        pcm[b * block_samples + c] = s2;
        pcm[b * block_samples + ch + c] = s1;
        start.samples[l] = (s1 as u16 as u32 | (s2 as u16 as u32) << 16) as i32;
        start.coefs[l] = (c1 as u16 as u32 | (c2 as u16 as u32) << 16) as i32;
        start.delta[l] = word(ch + 2 * c) as i32;
        start.bodies[l] = (b * align + 7 * ch) as i32;
    }
    start
}

/// Per lane, the left shift that moves the lane's code of step `j` of a code word to the
/// word's top nibble: for channel `c` that is code `j·ch + c` of the word, the high nibble of
/// its byte if even.
pub(super) fn nibble_shifts<const N: usize>(ch: usize, j: usize) -> [i32; N] {
    std::array::from_fn(|l| {
        let q = j * ch + l % ch;
        28 - (8 * (q / 2) + 4 * (1 - q % 2)) as i32
    })
}

/// The code words of a run's lanes: `G` vectors `V` of `N` lanes. Each SIMD level implements
/// its `load` of word `w` (bytes `4w .. 4w + 4` of each lane's codes); the word that ends past
/// the block comes from [`partial_words`](Self::partial_words).
pub(super) struct CodeWords<'a, V, const N: usize, const G: usize> {
    pub(super) bytes: &'a [u8],
    /// Each lane's byte offset of its block's codes in `bytes`, as vectors and as arrays.
    pub(super) bodies: [V; G],
    pub(super) body_offsets: [[i32; N]; G],
    /// Words that end inside the block.
    pub(super) whole_words: usize,
    /// Code bytes per block.
    pub(super) body_len: usize,
}

impl<'a, V, const N: usize, const G: usize> CodeWords<'a, V, N, G> {
    /// The words of the lanes whose codes start at `body_offsets` in `bytes` (the same
    /// offsets as vectors: `bodies`), blocks of `params`' layout.
    pub(super) fn new(
        params: &MsParams,
        bytes: &'a [u8],
        body_offsets: [[i32; N]; G],
        bodies: [V; G],
    ) -> Self {
        let body_len = params.block_align() - 7 * params.channels();
        Self {
            bytes,
            bodies,
            body_offsets,
            whole_words: body_len / 4,
            body_len,
        }
    }

    /// Word `w` of each lane of vector `g`, zeros past the block's end: the word the vector
    /// loads cannot read whole.
    #[cold]
    #[inline(never)]
    pub(super) fn partial_words(&self, g: usize, w: usize) -> [i32; N] {
        let start = (4 * w).min(self.body_len);
        let end = (4 * w + 4).min(self.body_len);
        self.body_offsets[g].map(|body| {
            let body = body as usize;
            let mut b = [0u8; 4];
            b[..end - start].copy_from_slice(&self.bytes[body + start..body + end]);
            i32::from_le_bytes(b)
        })
    }
}

/// Stores the last steps of one vector's lanes (`rows[i][l]`: lane `l`'s sample of step
/// `first_step + i`, lane `l` being channel `l % ch` of block `first_block + l / ch`).
pub(super) fn store_tail<const N: usize>(
    params: &MsParams,
    pcm: &mut [i16],
    first_block: usize,
    first_step: usize,
    rows: &[[i16; N]],
) {
    let ch = params.channels();
    let spb = params.samples_per_block();
    for l in 0..N {
        let (b, c) = (first_block + l / ch, l % ch);
        for (i, row) in rows.iter().enumerate() {
            pcm[(b * spb + 2 + first_step + i) * ch + c] = row[l];
        }
    }
}
