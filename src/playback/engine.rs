//! The audio-thread side: everything here runs inside the cpal callback and so never
//! allocates, locks, performs I/O or blocks.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::Resampler;

use crate::chain::Chain;

/// Counters shared between the audio callback (which only adds and stores) and everyone else
/// (who only read). All plain atomics.
#[derive(Debug, Default)]
pub struct Shared {
    pub(crate) callbacks: AtomicU64,
    pub(crate) frames: AtomicU64,
    pub(crate) source_frames: AtomicU64,
    pub(crate) underruns: AtomicU64,
    pub(crate) underrun_frames: AtomicU64,
    pub(crate) overruns: AtomicU64,
    pub(crate) worst_ppm: AtomicU64,
    pub(crate) worst_ns: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    pub(crate) period_ns: AtomicU64,
    pub(crate) chain_errors: AtomicU64,
    pub(crate) device_errors: AtomicU64,
    /// The reader pushed its last frame.
    pub(crate) source_done: AtomicBool,
    /// The callback output the last frame (the chain's latency tail included).
    pub(crate) finished: AtomicBool,
    /// Asks the reader to stop.
    pub(crate) stop: AtomicBool,
}

/// A snapshot of the callback statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StatsSnapshot {
    /// Callbacks run.
    pub callbacks: u64,
    /// Device frames written (silence included).
    pub frames: u64,
    /// Source frames taken from the ring buffer.
    pub source_frames: u64,
    /// Callbacks that found the ring short while the source was still playing.
    pub underruns: u64,
    /// Device frames filled with silence by those underruns.
    pub underrun_frames: u64,
    /// Live only: input callbacks that found the ring full (their samples were dropped).
    pub overruns: u64,
    /// Worst callback time as a fraction of its period (frames / rate).
    pub worst_callback_fraction: f64,
    /// Worst callback time in seconds.
    pub worst_callback_seconds: f64,
    /// Time spent in callbacks as a fraction of the time they covered (the average load).
    pub mean_callback_fraction: f64,
    /// Buffers the chain refused (their output is silence).
    pub chain_errors: u64,
    /// Errors the device reported (xruns and others).
    pub device_errors: u64,
}

impl Shared {
    /// Tells the engine that the producer pushed its last frame.
    pub fn end_of_source(&self) {
        self.source_done.store(true, Ordering::Release);
    }

    /// Whether the engine has output the last frame (latency tail included).
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// The current counts.
    pub fn snapshot(&self) -> StatsSnapshot {
        let r = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            callbacks: r(&self.callbacks),
            frames: r(&self.frames),
            source_frames: r(&self.source_frames),
            underruns: r(&self.underruns),
            underrun_frames: r(&self.underrun_frames),
            overruns: r(&self.overruns),
            worst_callback_fraction: r(&self.worst_ppm) as f64 / 1e6,
            worst_callback_seconds: r(&self.worst_ns) as f64 / 1e9,
            mean_callback_fraction: r(&self.busy_ns) as f64 / r(&self.period_ns).max(1) as f64,
            chain_errors: r(&self.chain_errors),
            device_errors: r(&self.device_errors),
        }
    }
}

impl std::fmt::Display for StatsSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "callbacks {}, frames {}, underruns {} ({} frames of silence), worst callback {:.2}% of its period ({:.3} ms), mean {:.3}%",
            self.callbacks,
            self.frames,
            self.underruns,
            self.underrun_frames,
            self.worst_callback_fraction * 100.0,
            self.worst_callback_seconds * 1e3,
            self.mean_callback_fraction * 100.0
        )?;
        if self.overruns > 0 {
            write!(f, ", input overruns {}", self.overruns)?;
        }
        if self.chain_errors > 0 {
            write!(f, ", chain errors {}", self.chain_errors)?;
        }
        if self.device_errors > 0 {
            write!(f, ", device errors {}", self.device_errors)?;
        }
        Ok(())
    }
}

/// A device sample type, with the conversion from the chain's `f32`.
///
/// Integer formats round to nearest (saturating); a value already on the device's grid (any
/// chain output at or below the device's depth) is exact.
pub trait DeviceSample: cpal::SizedSample + cpal::FromSample<f64> + Send + 'static {
    /// 2^(bits−1) for integer formats, `None` for floats.
    const SCALE: Option<f64>;

    /// Converts one chain sample.
    #[inline]
    fn from_chain(x: f32) -> Self {
        let x = if x.is_finite() { x as f64 } else { 0.0 };
        match Self::SCALE {
            None => Self::from_sample(x),
            Some(s) => Self::from_sample((x * s).round().clamp(-s, s - 1.0) / s),
        }
    }
}

macro_rules! device_sample {
    ($($t:ty => $scale:expr),*) => {$(
        impl DeviceSample for $t {
            const SCALE: Option<f64> = $scale;
        }
    )*};
}

device_sample!(
    f32 => None,
    f64 => None,
    i8 => Some(128.0),
    u8 => Some(128.0),
    i16 => Some(32768.0),
    u16 => Some(32768.0),
    cpal::I24 => Some(8_388_608.0),
    cpal::U24 => Some(8_388_608.0),
    i32 => Some(2_147_483_648.0),
    u32 => Some(2_147_483_648.0)
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeedState {
    Playing,
    /// The source ended: this many frames of silence still go through the chain (its
    /// latency and the resampler's).
    Tail(usize),
    Done,
}

/// Takes source frames from the ring and runs them through the chain.
pub(crate) struct Feed {
    consumer: rtrb::Consumer<f32>,
    chain: Chain,
    channels: usize,
    state: FeedState,
    tail_frames: usize,
    shared: Arc<Shared>,
}

impl Feed {
    /// Fills `buf` (whole frames) with processed frames; returns how many. Fewer than asked
    /// means the ring ran short (an underrun) or the stream is done. With `all_or_nothing` a
    /// short ring gives 0 and takes nothing.
    fn pull(&mut self, buf: &mut [f32], all_or_nothing: bool) -> usize {
        let ch = self.channels;
        let want = buf.len() / ch;
        let mut got = 0;
        if self.state == FeedState::Playing {
            let mut avail = self.consumer.slots() / ch;
            let mut ended = false;
            if avail < want && self.shared.source_done.load(Ordering::Acquire) {
                // The reader may have pushed more before it set the flag.
                avail = self.consumer.slots() / ch;
                ended = avail < want;
            }
            if avail < want && !ended && all_or_nothing {
                return 0;
            }
            let n = avail.min(want);
            if let Ok(chunk) = self.consumer.read_chunk(n * ch) {
                let (a, b) = chunk.as_slices();
                buf[..a.len()].copy_from_slice(a);
                buf[a.len()..a.len() + b.len()].copy_from_slice(b);
                chunk.commit_all();
                got = n;
                self.shared
                    .source_frames
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
            if ended {
                self.state = FeedState::Tail(self.tail_frames);
            }
        }
        if let FeedState::Tail(rest) = self.state {
            let z = rest.min(want - got);
            buf[got * ch..(got + z) * ch].fill(0.0);
            got += z;
            self.state = if rest == z {
                self.shared.finished.store(true, Ordering::Release);
                FeedState::Done
            } else {
                FeedState::Tail(rest - z)
            };
        }
        if got > 0 && self.chain.process_in_place(&mut buf[..got * ch]).is_err() {
            self.shared.chain_errors.fetch_add(1, Ordering::Relaxed);
            buf[..got * ch].fill(0.0);
        }
        got
    }
}

/// Resamples the chain's output to the device rate.
pub(crate) struct PostResampler {
    resampler: rubato::Async<f32>,
    input: Vec<f32>,
    output: Vec<f32>,
    out_pos: usize,
    out_len: usize,
    out_max: usize,
}

/// Frames per resampler input chunk.
const RESAMPLER_CHUNK: usize = 256;

impl PostResampler {
    pub(crate) fn new(from: u32, to: u32, channels: usize) -> Result<Self, String> {
        let params =
            rubato::SincInterpolationParameters::new(128, rubato::WindowFunction::BlackmanHarris2);
        let resampler = rubato::Async::<f32>::new_sinc(
            to as f64 / from as f64,
            1.0,
            &params,
            RESAMPLER_CHUNK,
            channels,
            rubato::FixedAsync::Input,
        )
        .map_err(|e| e.to_string())?;
        let out_max = resampler.output_frames_max();
        Ok(Self {
            input: vec![0.0; resampler.input_frames_max() * channels],
            output: vec![0.0; out_max * channels],
            out_pos: 0,
            out_len: 0,
            out_max,
            resampler,
        })
    }

    /// Source frames to push through after the end so that the resampler's delay comes out.
    fn tail_input_frames(&self, from: u32, to: u32) -> usize {
        let delay_out = self.resampler.output_delay();
        (delay_out as f64 * from as f64 / to as f64).ceil() as usize + RESAMPLER_CHUNK
    }

    /// Fills `dst` with resampled frames; returns how many (fewer: underrun or done).
    fn pull(&mut self, feed: &mut Feed, dst: &mut [f32]) -> usize {
        let ch = feed.channels;
        let want = dst.len() / ch;
        let mut got = 0;
        while got < want {
            if self.out_pos == self.out_len {
                if feed.state == FeedState::Done {
                    break;
                }
                let need = self.resampler.input_frames_next();
                let n = feed.pull(&mut self.input[..need * ch], true);
                if n == 0 {
                    break;
                }
                self.input[n * ch..need * ch].fill(0.0);
                let (Ok(inp), Ok(mut out)) = (
                    InterleavedSlice::new(&self.input[..need * ch], ch, need),
                    InterleavedSlice::new_mut(&mut self.output[..], ch, self.out_max),
                ) else {
                    break;
                };
                match self.resampler.process_into_buffer(&inp, &mut out, None) {
                    Ok((_, produced)) => {
                        self.out_pos = 0;
                        self.out_len = produced;
                    }
                    Err(_) => {
                        feed.shared.chain_errors.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            let take = (want - got).min(self.out_len - self.out_pos);
            dst[got * ch..(got + take) * ch]
                .copy_from_slice(&self.output[self.out_pos * ch..(self.out_pos + take) * ch]);
            self.out_pos += take;
            got += take;
        }
        got
    }
}

/// The output callback: ring → chain → (resampler) → device format and channels, with the
/// statistics. Build it with [`OutputEngine::new`] and call [`OutputEngine::fill`] from the
/// cpal data callback.
pub struct OutputEngine {
    feed: Feed,
    resampler: Option<PostResampler>,
    work: Vec<f32>,
    work_frames: usize,
    device_channels: usize,
    ns_per_frame: f64,
}

impl OutputEngine {
    /// An engine reading `chain.channels()`-channel frames at `source_rate` from `consumer`
    /// and writing `device_channels` at `device_rate` (resampling after the chain when they
    /// differ). `max_frames` sizes the work buffer (larger callbacks are done in pieces).
    /// Once [`Shared::end_of_source`] was called and the ring is drained, the engine flushes
    /// the chain's latency with silence and sets [`Shared::is_finished`].
    ///
    /// Use it to run aquant's engine in a stream you build yourself: push frames into the
    /// ring's producer from any one thread, call [`fill`](Self::fill) in the data callback.
    pub fn new(
        consumer: rtrb::Consumer<f32>,
        chain: Chain,
        source_rate: u32,
        device_rate: u32,
        device_channels: usize,
        max_frames: usize,
        shared: Arc<Shared>,
    ) -> Result<Self, String> {
        let channels = chain.channels();
        let resampler = if source_rate != device_rate {
            Some(PostResampler::new(source_rate, device_rate, channels)?)
        } else {
            None
        };
        let tail_frames = chain.latency_frames()
            + resampler
                .as_ref()
                .map_or(0, |r| r.tail_input_frames(source_rate, device_rate));
        let work_frames = max_frames.max(64);
        Ok(Self {
            feed: Feed {
                consumer,
                chain,
                channels,
                state: FeedState::Playing,
                tail_frames,
                shared,
            },
            resampler,
            work: vec![0.0; work_frames * channels],
            work_frames,
            device_channels: device_channels.max(1),
            ns_per_frame: 1e9 / device_rate.max(1) as f64,
        })
    }

    /// Fills one device buffer. Never blocks: when the ring is short it writes silence and
    /// counts an underrun.
    pub fn fill<T: DeviceSample>(&mut self, out: &mut [T]) {
        let start = Instant::now();
        let (ch, dch) = (self.feed.channels, self.device_channels);
        let frames = out.len() / dch;
        let mut at = 0;
        while at < frames {
            let want = (frames - at).min(self.work_frames);
            let buf = &mut self.work[..want * ch];
            let got = match &mut self.resampler {
                None => self.feed.pull(buf, false),
                Some(r) => r.pull(&mut self.feed, buf),
            };
            write_frames(
                &self.work[..got * ch],
                &mut out[at * dch..(at + got) * dch],
                ch,
                dch,
            );
            at += got;
            if got < want {
                break;
            }
        }
        for s in &mut out[at * dch..] {
            *s = T::EQUILIBRIUM;
        }
        let shared = &self.feed.shared;
        if at < frames && self.feed.state == FeedState::Playing {
            shared.underruns.fetch_add(1, Ordering::Relaxed);
            shared
                .underrun_frames
                .fetch_add((frames - at) as u64, Ordering::Relaxed);
        }
        shared.callbacks.fetch_add(1, Ordering::Relaxed);
        shared.frames.fetch_add(frames as u64, Ordering::Relaxed);
        if frames > 0 {
            let ns = start.elapsed().as_nanos() as u64;
            let period = frames as f64 * self.ns_per_frame;
            shared.worst_ns.fetch_max(ns, Ordering::Relaxed);
            shared.busy_ns.fetch_add(ns, Ordering::Relaxed);
            shared.period_ns.fetch_add(period as u64, Ordering::Relaxed);
            shared
                .worst_ppm
                .fetch_max((ns as f64 / period * 1e6) as u64, Ordering::Relaxed);
        }
    }

    /// Samples waiting in the ring.
    pub(crate) fn ring_slots(&self) -> usize {
        self.feed.consumer.slots()
    }

    /// The shared statistics.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.feed.shared
    }
}

/// Copies frames of `ch` channels to `dch` device channels: equal counts copy, a mono source
/// goes to every device channel, a mono device gets the mean, otherwise channels map in order
/// and extra device channels are silent.
fn write_frames<T: DeviceSample>(src: &[f32], dst: &mut [T], ch: usize, dch: usize) {
    if ch == dch {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = T::from_chain(s);
        }
        return;
    }
    for (sf, df) in src.chunks_exact(ch).zip(dst.chunks_exact_mut(dch)) {
        if ch == 1 {
            df.fill(T::from_chain(sf[0]));
        } else if dch == 1 {
            df[0] = T::from_chain(sf.iter().sum::<f32>() / ch as f32);
        } else {
            for (i, d) in df.iter_mut().enumerate() {
                *d = if i < ch {
                    T::from_chain(sf[i])
                } else {
                    T::EQUILIBRIUM
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_conversion_rounds_and_saturates() {
        assert_eq!(i16::from_chain(0.5), 16384);
        assert_eq!(i16::from_chain(1.0), i16::MAX);
        assert_eq!(i16::from_chain(-1.0), i16::MIN);
        assert_eq!(i16::from_chain(-7.0), i16::MIN);
        assert_eq!(i16::from_chain(f32::NAN), 0);
        assert_eq!(i16::from_chain(1.4 / 32768.0), 1);
        assert_eq!(i16::from_chain(1.6 / 32768.0), 2);
        assert_eq!(u8::from_chain(0.0), 128);
        assert_eq!(u8::from_chain(-1.0), 0);
        assert_eq!(i32::from_chain(0.25), 1 << 29);
        assert_eq!(f32::from_chain(f32::INFINITY), 0.0);
        assert_eq!(f32::from_chain(0.123), 0.123);
    }

    #[test]
    fn channels_map_between_source_and_device() {
        let mut out = [0.0f32; 6];
        write_frames(&[0.1, 0.2, 0.3], &mut out, 1, 2);
        assert_eq!(out, [0.1, 0.1, 0.2, 0.2, 0.3, 0.3]);
        let mut mono = [0.0f32; 2];
        write_frames(&[0.25, 0.75, -0.5, 0.5], &mut mono, 2, 1);
        assert_eq!(mono, [0.5, 0.0]);
        let mut wide = [9.0f32; 6];
        write_frames(&[0.1, 0.2, 0.3, 0.4], &mut wide, 2, 3);
        assert_eq!(wide, [0.1, 0.2, 0.0, 0.3, 0.4, 0.0]);
        let mut narrow = [0.0f32; 4];
        write_frames(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], &mut narrow, 3, 2);
        assert_eq!(narrow, [0.1, 0.2, 0.4, 0.5]);
    }
}
