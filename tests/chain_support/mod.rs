//! Test-only codecs for the chain tests: a block codec with a known block size, so the
//! chain's latency handling can be checked from first principles.
#![allow(dead_code)]

use aquant::codecs::{Decoder, Encoder};
use aquant::stream::{Flush, Progress};
use aquant::Result;

/// A toy block codec: each block of `block_frames` frames is one header byte (the block
/// number) followed by the top byte of every sample. Decoding gives `top_byte << 8`, so the
/// round trip of a sample `s` is `s & !0xff` (rounding toward −∞ to 8 bits).
pub struct ToyBlockEncoder {
    channels: usize,
    block: Vec<i16>,
    filled: usize,
    blocks: u8,
    finished: bool,
}

impl ToyBlockEncoder {
    pub fn new(channels: usize, block_frames: usize) -> Self {
        Self {
            channels,
            block: vec![0; channels * block_frames],
            filled: 0,
            blocks: 0,
            finished: false,
        }
    }
    fn block_bytes(&self) -> usize {
        1 + self.block.len()
    }
}

impl Encoder for ToyBlockEncoder {
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress> {
        let (mut consumed, mut produced) = (0, 0);
        loop {
            if self.filled == self.block.len() {
                if output.len() - produced < self.block_bytes() {
                    break;
                }
                output[produced] = self.blocks;
                for (o, s) in output[produced + 1..produced + self.block_bytes()]
                    .iter_mut()
                    .zip(&self.block)
                {
                    *o = (*s >> 8) as u8;
                }
                produced += self.block_bytes();
                self.blocks = self.blocks.wrapping_add(1);
                self.filled = 0;
            }
            if consumed == input.len() {
                break;
            }
            let take = (self.block.len() - self.filled).min(input.len() - consumed);
            self.block[self.filled..self.filled + take]
                .copy_from_slice(&input[consumed..consumed + take]);
            self.filled += take;
            consumed += take;
        }
        let mut finished = false;
        if flush == Flush::Finish && consumed == input.len() {
            if self.filled > 0 && output.len() - produced >= self.block_bytes() {
                self.block[self.filled..].fill(0);
                self.filled = self.block.len();
                return self
                    .encode(&[], &mut output[produced..], flush)
                    .map(|p| Progress {
                        consumed,
                        produced: produced + p.produced,
                        finished: p.finished,
                    });
            }
            finished = self.filled == 0;
            self.finished = finished;
        }
        Ok(Progress {
            consumed,
            produced,
            finished,
        })
    }
    fn reset(&mut self) {
        self.filled = 0;
        self.blocks = 0;
        self.finished = false;
    }
    fn channels(&self) -> usize {
        self.channels
    }
}

/// The decoder of [`ToyBlockEncoder`]: emits a block's samples once all its bytes arrived.
pub struct ToyBlockDecoder {
    channels: usize,
    block: Vec<u8>,
    filled: usize,
    expected: u8,
    warnings: u64,
}

impl ToyBlockDecoder {
    pub fn new(channels: usize, block_frames: usize) -> Self {
        Self {
            channels,
            block: vec![0; 1 + channels * block_frames],
            filled: 0,
            expected: 0,
            warnings: 0,
        }
    }
}

impl Decoder for ToyBlockDecoder {
    fn decode(&mut self, input: &[u8], output: &mut [i16], flush: Flush) -> Result<Progress> {
        let (mut consumed, mut produced) = (0, 0);
        let samples = self.block.len() - 1;
        loop {
            if self.filled == self.block.len() {
                if output.len() - produced < samples {
                    break;
                }
                if self.block[0] != self.expected {
                    self.warnings += 1;
                }
                self.expected = self.block[0].wrapping_add(1);
                for (o, b) in output[produced..produced + samples]
                    .iter_mut()
                    .zip(&self.block[1..])
                {
                    *o = ((*b as i8) as i16) << 8;
                }
                produced += samples;
                self.filled = 0;
            }
            if consumed == input.len() {
                break;
            }
            let take = (self.block.len() - self.filled).min(input.len() - consumed);
            self.block[self.filled..self.filled + take]
                .copy_from_slice(&input[consumed..consumed + take]);
            self.filled += take;
            consumed += take;
        }
        Ok(Progress {
            consumed,
            produced,
            finished: flush == Flush::Finish && consumed == input.len() && self.filled == 0,
        })
    }
    fn reset(&mut self) {
        self.filled = 0;
        self.expected = 0;
        self.warnings = 0;
    }
    fn channels(&self) -> usize {
        self.channels
    }
    fn warnings(&self) -> u64 {
        self.warnings
    }
}

/// Deterministic test signal: interleaved, within ±0.9, never exactly 0.
pub fn signal(channels: usize, frames: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..channels * frames)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.2;
            let tone = 0.6 * ((i / channels) as f32 * 0.031 + (i % channels) as f32).sin();
            tone + noise
        })
        .collect()
}
