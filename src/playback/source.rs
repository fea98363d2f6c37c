//! The reader side: a thread that decodes a [`SampleSource`] into the ring buffer, and an
//! in-memory source.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::engine::Shared;
use crate::io::{Encoding, PcmSpec, SampleBuf, SampleSource};
use crate::sample::AudioSample;
use crate::Result;

/// Frames the reader decodes per block.
const READ_BLOCK_FRAMES: usize = 4096;

/// Converts any sample buffer to `f32` (exact for 8/16/24-bit and float32).
pub(crate) fn to_f32(buf: &SampleBuf, out: &mut Vec<f32>) {
    out.clear();
    fn conv<T: AudioSample>(v: &[T], out: &mut Vec<f32>) {
        out.extend(v.iter().map(|s| s.to_f64() as f32));
    }
    match buf {
        SampleBuf::U8(v) => conv(v, out),
        SampleBuf::I16(v) => conv(v, out),
        SampleBuf::I24(v) => conv(v, out),
        SampleBuf::I32(v) => conv(v, out),
        SampleBuf::F32(v) => out.extend_from_slice(v),
    }
}

/// Pushes whole frames of `samples` into the ring, sleeping while it is full. Returns false
/// when asked to stop.
fn push_all(
    producer: &mut rtrb::Producer<f32>,
    samples: &[f32],
    channels: usize,
    shared: &Shared,
    nap: Duration,
) -> bool {
    let mut at = 0;
    while at < samples.len() {
        if shared.stop.load(Ordering::Acquire) {
            return false;
        }
        let space = producer.slots() / channels * channels;
        if space == 0 {
            std::thread::sleep(nap);
            continue;
        }
        let n = space.min(samples.len() - at);
        if let Ok(chunk) = producer.write_chunk_uninit(n) {
            chunk.fill_from_iter(samples[at..at + n].iter().copied());
            at += n;
        }
    }
    true
}

/// Starts the reader thread: it decodes `source` into `producer` until the end, an error or
/// `shared.stop`, then sets `shared.source_done`.
pub(crate) fn spawn_reader(
    mut source: Box<dyn SampleSource>,
    mut producer: rtrb::Producer<f32>,
    shared: Arc<Shared>,
) -> std::io::Result<JoinHandle<Result<()>>> {
    let spec = source.spec();
    let channels = spec.channels.max(1) as usize;
    // Sleep a fraction of the ring's duration when it is full: short enough to refill long
    // before it drains.
    let ring_seconds =
        producer.buffer().capacity() as f64 / channels as f64 / spec.sample_rate.max(1) as f64;
    let nap = Duration::from_secs_f64((ring_seconds / 8.0).clamp(0.0005, 0.010));
    std::thread::Builder::new()
        .name("aquant-reader".into())
        .spawn(move || {
            let mut buf = SampleBuf::new(spec.encoding);
            let mut samples = Vec::with_capacity(READ_BLOCK_FRAMES * channels);
            let result = loop {
                match source.read_frames(&mut buf, READ_BLOCK_FRAMES) {
                    Ok(0) => break Ok(()),
                    Ok(_) => {
                        to_f32(&buf, &mut samples);
                        if !push_all(&mut producer, &samples, channels, &shared, nap) {
                            break Ok(());
                        }
                    }
                    Err(e) => break Err(e),
                }
            };
            shared.source_done.store(true, Ordering::Release);
            result
        })
}

/// A [`SampleSource`] over interleaved `f32` samples in memory (generated signals, tests,
/// apps that already hold their audio).
#[derive(Debug, Clone)]
pub struct MemorySource {
    samples: Vec<f32>,
    channels: u16,
    sample_rate: u32,
    at: usize,
}

impl MemorySource {
    /// `samples` interleaved with `channels` channels at `sample_rate` (a trailing partial
    /// frame is dropped).
    pub fn new(mut samples: Vec<f32>, channels: u16, sample_rate: u32) -> Self {
        let ch = channels.max(1) as usize;
        samples.truncate(samples.len() / ch * ch);
        Self {
            samples,
            channels: channels.max(1),
            sample_rate,
            at: 0,
        }
    }
}

impl SampleSource for MemorySource {
    fn spec(&self) -> PcmSpec {
        PcmSpec {
            channels: self.channels,
            sample_rate: self.sample_rate,
            encoding: Encoding::F32,
        }
    }
    fn frames_remaining(&self) -> Option<u64> {
        Some(((self.samples.len() - self.at) / self.channels as usize) as u64)
    }
    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let ch = self.channels as usize;
        let n = max_frames.min((self.samples.len() - self.at) / ch);
        buf.reset_to(Encoding::F32, 0);
        if let SampleBuf::F32(v) = buf {
            v.extend_from_slice(&self.samples[self.at..self.at + n * ch]);
        }
        self.at += n * ch;
        Ok(n)
    }
}
