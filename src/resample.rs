//! Sample-rate conversion for whole streams (`convert --rate`, `denoise`, `vad`), through
//! rubato's FFT resampler, with its delay removed so that output frame `n` lines up with input
//! time `n / rate_out`, and an output length of `round(frames_in · to / from)`.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::{Error, Result};

/// Input frames per resampler call.
const CHUNK: usize = 1024;

/// A streaming resampler of interleaved f32 frames (offline use: it appends to a `Vec`).
pub struct StreamResampler {
    inner: Fft<f32>,
    channels: usize,
    from: u32,
    to: u32,
    input: Vec<f32>,
    in_frames: usize,
    output: Vec<f32>,
    out_max: usize,
    delay_left: usize,
    frames_in: u64,
    frames_out: u64,
}

impl StreamResampler {
    /// A resampler from `from` Hz to `to` Hz for `channels` channels.
    pub fn new(from: u32, to: u32, channels: usize) -> Result<Self> {
        if from == 0 || to == 0 || channels == 0 {
            return Err(Error::invalid(
                "rate",
                format!("cannot resample {from} Hz to {to} Hz with {channels} channels"),
            ));
        }
        let inner = Fft::<f32>::new(
            from as usize,
            to as usize,
            CHUNK,
            channels,
            FixedSync::Input,
        )
        .map_err(|e| Error::invalid("rate", format!("{from} Hz → {to} Hz: {e}")))?;
        let out_max = inner.output_frames_max();
        Ok(Self {
            channels,
            from,
            to,
            input: vec![0.0; CHUNK * channels],
            in_frames: 0,
            output: vec![0.0; out_max * channels],
            out_max,
            delay_left: inner.output_delay(),
            frames_in: 0,
            frames_out: 0,
            inner,
        })
    }

    fn run_chunk(&mut self, out: &mut Vec<f32>, limit: Option<u64>) -> Result<()> {
        let ch = self.channels;
        let need = self.inner.input_frames_next();
        self.input[self.in_frames * ch..need * ch].fill(0.0);
        let inp = InterleavedSlice::new(&self.input[..need * ch], ch, need)
            .map_err(|e| Error::invalid("resampler", e.to_string()))?;
        let mut outp = InterleavedSlice::new_mut(&mut self.output[..], ch, self.out_max)
            .map_err(|e| Error::invalid("resampler", e.to_string()))?;
        let (_, produced) = self
            .inner
            .process_into_buffer(&inp, &mut outp, None)
            .map_err(|e| Error::invalid("resampler", e.to_string()))?;
        self.in_frames = 0;
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        let mut take = produced - skip;
        if let Some(limit) = limit {
            take = take.min(limit.saturating_sub(self.frames_out) as usize);
        }
        out.extend_from_slice(&self.output[skip * ch..(skip + take) * ch]);
        self.frames_out += take as u64;
        Ok(())
    }

    /// Resamples `input` (interleaved, whole frames) and appends what is ready to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        let ch = self.channels;
        let mut rest = input;
        while !rest.is_empty() {
            let need = self.inner.input_frames_next();
            let take = (need - self.in_frames).min(rest.len() / ch);
            if take == 0 {
                break;
            }
            self.input[self.in_frames * ch..(self.in_frames + take) * ch]
                .copy_from_slice(&rest[..take * ch]);
            self.in_frames += take;
            self.frames_in += take as u64;
            rest = &rest[take * ch..];
            if self.in_frames == need {
                self.run_chunk(out, None)?;
            }
        }
        Ok(())
    }

    /// Flushes the delay: appends the rest, so that the whole output has
    /// `round(frames_in · to / from)` frames.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        let expected = (self.frames_in as u128 * self.to as u128 * 2 + self.from as u128)
            / (2 * self.from as u128);
        let expected = expected as u64;
        while self.frames_out < expected {
            self.run_chunk(out, Some(expected))?;
        }
        Ok(())
    }

    /// Frames out per frame in.
    pub fn ratio(&self) -> f64 {
        self.to as f64 / self.from as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_and_alignment_of_a_resampled_sine() {
        let (from, to) = (44100u32, 48000u32);
        let n = 44100;
        let f = 1000.0;
        let x: Vec<f32> = (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / from as f64).sin() as f32 * 0.5)
            .collect();
        let mut r = StreamResampler::new(from, to, 1).unwrap();
        let mut y = Vec::new();
        for chunk in x.chunks(777) {
            r.process(chunk, &mut y).unwrap();
        }
        r.finish(&mut y).unwrap();
        assert_eq!(y.len(), 48000);
        // Away from the edges, the output is the same sine sampled at 48 kHz (delay removed).
        let mut worst = 0f64;
        for (i, &v) in y.iter().enumerate().take(47000).skip(1000) {
            let expect = (2.0 * std::f64::consts::PI * f * i as f64 / to as f64).sin() * 0.5;
            worst = worst.max((v as f64 - expect).abs());
        }
        assert!(worst < 1e-3, "worst error {worst}");
    }
}
