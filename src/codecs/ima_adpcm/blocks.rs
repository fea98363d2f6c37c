//! Streaming plumbing shared by the block ADPCM codecs (IMA and MS): gathering interleaved PCM
//! into whole blocks for an encoder, gathering bytes into whole blocks for a decoder, and
//! draining each finished block into the caller's buffer. All storage is sized at construction.

use rayon::prelude::*;

use crate::stream::{Flush, Progress};

/// Gathers interleaved samples into blocks of `frames_per_block` frames and hands each full
/// block to a block encoder; pads the final partial block by holding each channel's last value.
#[derive(Debug, Clone)]
pub(crate) struct EncoderCore {
    channels: usize,
    pcm: Vec<i16>,
    filled: usize,
    bytes: Vec<u8>,
    bytes_pos: usize,
    bytes_len: usize,
    samples_in: u64,
    finishing: bool,
}

impl EncoderCore {
    pub(crate) fn new(channels: usize, frames_per_block: usize, block_align: usize) -> Self {
        Self {
            channels,
            pcm: vec![0; channels * frames_per_block],
            filled: 0,
            bytes: vec![0; block_align],
            bytes_pos: 0,
            bytes_len: 0,
            samples_in: 0,
            finishing: false,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.filled = 0;
        self.bytes_pos = 0;
        self.bytes_len = 0;
        self.samples_in = 0;
        self.finishing = false;
    }

    /// Frames taken in so far (a trailing partial frame counts as one).
    pub(crate) fn frames_in(&self) -> u64 {
        self.samples_in.div_ceil(self.channels as u64)
    }

    /// Runs one `encode` call; `encode_block(pcm, out)` encodes one whole interleaved block.
    pub(crate) fn encode(
        &mut self,
        input: &[i16],
        output: &mut [u8],
        flush: Flush,
        mut encode_block: impl FnMut(&[i16], &mut [u8]),
    ) -> Progress {
        let (mut consumed, mut produced) = (0, 0);
        loop {
            let pending = self.bytes_len - self.bytes_pos;
            if pending > 0 {
                let n = pending.min(output.len() - produced);
                output[produced..produced + n]
                    .copy_from_slice(&self.bytes[self.bytes_pos..self.bytes_pos + n]);
                produced += n;
                self.bytes_pos += n;
                if self.bytes_pos < self.bytes_len {
                    break;
                }
            }
            if self.finishing {
                break;
            }
            let take = (self.pcm.len() - self.filled).min(input.len() - consumed);
            self.pcm[self.filled..self.filled + take]
                .copy_from_slice(&input[consumed..consumed + take]);
            self.filled += take;
            consumed += take;
            self.samples_in += take as u64;
            if self.filled == self.pcm.len() {
                encode_block(&self.pcm, &mut self.bytes);
                self.start_drain();
                continue;
            }
            if flush == Flush::Finish {
                self.finishing = true;
                if self.filled > 0 {
                    pad_hold_last(&mut self.pcm, self.filled, self.channels);
                    encode_block(&self.pcm, &mut self.bytes);
                    self.start_drain();
                }
                continue;
            }
            break;
        }
        let finished = self.finishing && self.bytes_pos == self.bytes_len;
        Progress {
            consumed,
            produced,
            finished,
        }
    }

    fn start_drain(&mut self) {
        self.filled = 0;
        self.bytes_pos = 0;
        self.bytes_len = self.bytes.len();
    }
}

pub(crate) use crate::codecs::block::pad_hold_last;

/// Gathers bytes into blocks of `block_align` bytes and drains each decoded block.
#[derive(Debug, Clone)]
pub(crate) struct DecoderCore {
    channels: usize,
    block: Vec<u8>,
    filled: usize,
    pcm: Vec<i16>,
    pcm_pos: usize,
    pcm_len: usize,
    total_frames: Option<u64>,
    frames_out: u64,
    finishing: bool,
}

impl DecoderCore {
    pub(crate) fn new(channels: usize, frames_per_block: usize, block_align: usize) -> Self {
        Self {
            channels,
            block: vec![0; block_align],
            filled: 0,
            pcm: vec![0; channels * frames_per_block],
            pcm_pos: 0,
            pcm_len: 0,
            total_frames: None,
            frames_out: 0,
            finishing: false,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.filled = 0;
        self.pcm_pos = 0;
        self.pcm_len = 0;
        self.frames_out = 0;
        self.finishing = false;
    }

    pub(crate) fn set_total_frames(&mut self, frames: Option<u64>) {
        self.total_frames = frames;
    }

    /// Runs one `decode` call. `decode_block(bytes, pcm)` decodes one block (whole, or the
    /// final partial one) into `pcm` and returns how many frames it wrote.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        output: &mut [i16],
        flush: Flush,
        mut decode_block: impl FnMut(&[u8], &mut [i16]) -> usize,
    ) -> Progress {
        let (mut consumed, mut produced) = (0, 0);
        loop {
            let pending = self.pcm_len - self.pcm_pos;
            if pending > 0 {
                let n = pending.min(output.len() - produced);
                output[produced..produced + n]
                    .copy_from_slice(&self.pcm[self.pcm_pos..self.pcm_pos + n]);
                produced += n;
                self.pcm_pos += n;
                if self.pcm_pos < self.pcm_len {
                    break;
                }
            }
            if self.finishing {
                break;
            }
            let take = (self.block.len() - self.filled).min(input.len() - consumed);
            self.block[self.filled..self.filled + take]
                .copy_from_slice(&input[consumed..consumed + take]);
            self.filled += take;
            consumed += take;
            if self.filled == self.block.len() {
                let frames = decode_block(&self.block, &mut self.pcm);
                self.start_drain(frames);
                continue;
            }
            if flush == Flush::Finish {
                self.finishing = true;
                if self.filled > 0 {
                    let frames = decode_block(&self.block[..self.filled], &mut self.pcm);
                    self.start_drain(frames);
                }
                continue;
            }
            break;
        }
        let finished = self.finishing && self.pcm_pos == self.pcm_len;
        Progress {
            consumed,
            produced,
            finished,
        }
    }

    /// Makes the first `frames` decoded frames pending output, cut at the stream's true length.
    fn start_drain(&mut self, frames: usize) {
        self.filled = 0;
        let mut frames = frames as u64;
        if let Some(total) = self.total_frames {
            frames = frames.min(total.saturating_sub(self.frames_out));
        }
        self.frames_out += frames;
        self.pcm_pos = 0;
        self.pcm_len = frames as usize * self.channels;
    }
}

/// Decodes a whole stream, blocks in parallel, with the streaming decoder's output:
/// `decode_block(bytes, pcm, warnings)` returns the frames it wrote.
pub(crate) fn decode_blocks_parallel(
    channels: usize,
    frames_per_block: usize,
    block_align: usize,
    bytes: &[u8],
    total_frames: Option<u64>,
    decode_block: impl Fn(&[u8], &mut [i16], &mut u64) -> usize + Sync,
) -> (Vec<i16>, u64) {
    let block_samples = frames_per_block * channels;
    let blocks = bytes.len().div_ceil(block_align);
    let mut out = vec![0i16; blocks * block_samples];
    let per_block: Vec<(usize, u64)> = out
        .par_chunks_mut(block_samples)
        .zip(bytes.par_chunks(block_align))
        .map(|(pcm, block)| {
            let mut warnings = 0;
            let frames = decode_block(block, pcm, &mut warnings);
            (frames, warnings)
        })
        .collect();
    // Only the final block can be short, but a block decoder may write fewer frames anywhere.
    let mut len = 0;
    for (i, &(frames, _)) in per_block.iter().enumerate() {
        if len != i * block_samples {
            out.copy_within(
                i * block_samples..i * block_samples + frames * channels,
                len,
            );
        }
        len += frames * channels;
    }
    out.truncate(len);
    if let Some(total) = total_frames {
        let cap = total.saturating_mul(channels as u64).min(out.len() as u64);
        out.truncate(cap as usize);
    }
    (out, per_block.iter().map(|p| p.1).sum())
}

/// Encodes a whole stream, blocks in parallel, with the streaming encoder's output (the final
/// partial block padded as [`EncoderCore`] pads it). `encode_blocks(scratch, pcm, out)` codes
/// up to `group` consecutive whole blocks, with `scratch` made by `init` once per worker task.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_blocks_parallel<T>(
    channels: usize,
    frames_per_block: usize,
    block_align: usize,
    group: usize,
    pcm: &[i16],
    init: impl Fn() -> T + Sync + Send,
    encode_blocks: impl Fn(&mut T, &[i16], &mut [u8]) + Sync + Send,
) -> Vec<u8> {
    let block_samples = frames_per_block * channels;
    let blocks = pcm.len().div_ceil(block_samples);
    let mut out = vec![0u8; blocks * block_align];
    out.par_chunks_mut(block_align * group)
        .zip(pcm.par_chunks(block_samples * group))
        .for_each_init(&init, |scratch, (bytes, samples)| {
            if samples.len() % block_samples == 0 {
                encode_blocks(scratch, samples, bytes);
            } else {
                let mut padded = vec![0i16; bytes.len() / block_align * block_samples];
                padded[..samples.len()].copy_from_slice(samples);
                pad_hold_last(&mut padded, samples.len(), channels);
                encode_blocks(scratch, &padded, bytes);
            }
        });
    out
}
