//! Real-time playback and live processing through cpal (feature `playback`).
//!
//! [`Player`] plays a [`SampleSource`] (a file, or a [`MemorySource`]) through a
//! [`Chain`](crate::chain::Chain), so you hear exactly what a conversion would produce;
//! [`Live`] runs microphone → chain → speakers. Both follow one design:
//!
//! * A **reader** (the file reader thread, or the input device's callback) writes `f32`
//!   frames into a lock-free single-producer/single-consumer ring ([`rtrb`]).
//! * The **output callback** ([`OutputEngine`]) only takes frames from the ring, runs the
//!   chain in place, resamples when the device cannot run at the signal's rate (the chain
//!   still sees the signal's rate), and converts to the device's sample format and channel
//!   count. Everything it touches is allocated before the stream starts: it never allocates,
//!   locks, performs I/O or waits. When the ring is short it writes silence and counts an
//!   underrun.
//! * Parameters reach the callback through the chain's [`ChainControl`](crate::chain::ChainControl)
//!   (one atomic word), applied at a buffer boundary.
//! * Statistics (callbacks, frames, underruns, worst callback time as a fraction of its
//!   period) are atomics the callback adds to; [`StatsSnapshot`] reads them.
//!
//! ```no_run
//! use aquant::chain::{Chain, ChainFormat, ChainOptions};
//! use aquant::playback::{MemorySource, PlayOptions, Player};
//! use aquant::Dither;
//!
//! // One second of a 440 Hz tone, heard at 6 bits with TPDF dither.
//! let tone: Vec<f32> = (0..48000).map(|i| (i as f32 * 0.0576).sin() * 0.5).collect();
//! let chain = Chain::new(&ChainOptions {
//!     bits: Some(6),
//!     dither: Dither::tpdf(),
//!     ..ChainOptions::new(1, ChainFormat::pcm16())
//! })?;
//! let player = Player::start(Box::new(MemorySource::new(tone, 1, 48000)), chain, &PlayOptions::default())?;
//! let stats = player.wait()?;
//! println!("{stats}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod device;
mod engine;
mod source;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::SampleFormat;

pub use device::{
    choose_config, find_device, list_devices, DeviceInfo, Direction, StreamChoice, StreamWish,
};
pub use engine::{DeviceSample, OutputEngine, Shared, StatsSnapshot};
pub use source::MemorySource;

use crate::chain::{Chain, ChainControl};
use crate::io::SampleSource;

/// What can go wrong while setting up or running a stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaybackError {
    /// No such device, or it cannot do what was asked.
    #[error("audio device: {0}")]
    Device(String),
    /// The audio backend refused.
    #[error("audio backend: {0}")]
    Backend(#[from] cpal::Error),
    /// The chain or the source failed.
    #[error(transparent)]
    Aquant(#[from] crate::Error),
}

/// Settings of [`Player::start`].
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// Output device (id or name, see [`list_devices`]); `None`: the default.
    pub device: Option<String>,
    /// Frames per callback; `None`: the device's default.
    pub buffer_frames: Option<u32>,
    /// Run the device at this rate (the chain's output is resampled); `None`: the signal's
    /// rate when the device has it.
    pub device_rate: Option<u32>,
    /// Device sample format; `None`: the best the device offers (float first).
    pub sample_format: Option<SampleFormat>,
    /// Ring buffer length in seconds of the signal.
    pub ring_seconds: f64,
    /// Called on the audio thread with `true` on entry to each data callback and `false` on
    /// exit: for instrumentation (allocation counting, timing). Must not block.
    pub on_callback: Option<fn(bool)>,
}

impl Default for PlayOptions {
    fn default() -> Self {
        Self {
            device: None,
            buffer_frames: None,
            device_rate: None,
            sample_format: None,
            ring_seconds: 0.5,
            on_callback: None,
        }
    }
}

/// Builds the output stream for `choice.format`, with `engine.fill` as its data callback.
fn build_output(
    device: &cpal::Device,
    choice: &StreamChoice,
    mut engine: OutputEngine,
    hook: Option<fn(bool)>,
) -> Result<cpal::Stream, PlaybackError> {
    let shared = engine.shared().clone();
    let on_error = move |_e: cpal::Error| {
        shared.device_errors.fetch_add(1, Ordering::Relaxed);
    };
    macro_rules! build {
        ($t:ty) => {
            device.build_output_stream::<$t, _, _>(
                choice.config,
                move |data: &mut [$t], _: &cpal::OutputCallbackInfo| {
                    if let Some(h) = hook {
                        h(true);
                    }
                    engine.fill(data);
                    if let Some(h) = hook {
                        h(false);
                    }
                },
                on_error,
                None,
            )?
        };
    }
    Ok(match choice.format {
        SampleFormat::F32 => build!(f32),
        SampleFormat::F64 => build!(f64),
        SampleFormat::I8 => build!(i8),
        SampleFormat::I16 => build!(i16),
        SampleFormat::I24 => build!(cpal::I24),
        SampleFormat::I32 => build!(i32),
        SampleFormat::U8 => build!(u8),
        SampleFormat::U16 => build!(u16),
        SampleFormat::U24 => build!(cpal::U24),
        SampleFormat::U32 => build!(u32),
        other => {
            return Err(PlaybackError::Device(format!(
                "sample format {other} is not supported"
            )))
        }
    })
}

/// A description of a running stream.
#[derive(Debug, Clone)]
pub struct StreamInfo {
    /// Device name.
    pub device: String,
    /// What was chosen.
    pub choice: StreamChoice,
    /// Frames per callback the backend reports.
    pub buffer_frames: Option<u32>,
}

impl std::fmt::Display for StreamInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.choice.config;
        write!(
            f,
            "{}: {} Hz, {} channels, {}",
            self.device, c.sample_rate, c.channels, self.choice.format
        )?;
        if let Some(b) = self.buffer_frames {
            write!(f, ", {b} frames per callback")?;
        }
        Ok(())
    }
}

fn device_name(device: &cpal::Device) -> String {
    device
        .id()
        .map(|i| i.id().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Plays a source through a chain; see the [module docs](self).
pub struct Player {
    stream: Option<cpal::Stream>,
    shared: Arc<Shared>,
    reader: Option<JoinHandle<crate::Result<()>>>,
    control: ChainControl,
    info: StreamInfo,
}

impl Player {
    /// Opens the device, starts the reader, fills the ring, and starts playing.
    pub fn start(
        source: Box<dyn SampleSource>,
        chain: Chain,
        options: &PlayOptions,
    ) -> Result<Self, PlaybackError> {
        let spec = source.spec();
        let channels = spec.channels as usize;
        if chain.channels() != channels {
            return Err(crate::Error::invalid(
                "chain",
                format!(
                    "the chain has {} channels, the source {channels}",
                    chain.channels()
                ),
            )
            .into());
        }
        let device = find_device(options.device.as_deref(), Direction::Output)?;
        let choice = choose_config(
            &device,
            Direction::Output,
            StreamWish {
                channels: spec.channels,
                rate: spec.sample_rate,
                buffer_frames: options.buffer_frames,
                device_rate: options.device_rate,
                format: options.sample_format,
            },
        )?;
        let max_frames = options.buffer_frames.unwrap_or(4096).max(64) as usize;
        let ring_frames = ((options.ring_seconds.max(0.0) * spec.sample_rate as f64) as usize)
            .max(4 * max_frames);
        let (producer, consumer) = rtrb::RingBuffer::new(ring_frames * channels);
        let shared = Arc::new(Shared::default());
        let control = chain.control();
        let engine = OutputEngine::new(
            consumer,
            chain,
            spec.sample_rate,
            choice.config.sample_rate,
            choice.config.channels as usize,
            max_frames,
            shared.clone(),
        )
        .map_err(PlaybackError::Device)?;
        let reader = source::spawn_reader(source, producer, shared.clone())
            .map_err(|e| PlaybackError::Device(format!("cannot start the reader thread: {e}")))?;
        // Fill the ring before the first callback so that playback starts without underruns.
        let deadline = Instant::now() + Duration::from_secs(5);
        while engine.ring_slots() < ring_frames * channels
            && !shared.source_done.load(Ordering::Acquire)
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        let stream = build_output(&device, &choice, engine, options.on_callback)?;
        let info = StreamInfo {
            device: device_name(&device),
            buffer_frames: stream.buffer_size().ok(),
            choice,
        };
        stream.play()?;
        Ok(Self {
            stream: Some(stream),
            shared,
            reader: Some(reader),
            control,
            info,
        })
    }

    /// The device and configuration in use, with notes (resampling, channel mapping).
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Changes the chain's parameters while playing.
    pub fn control(&self) -> ChainControl {
        self.control.clone()
    }

    /// The statistics so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.snapshot()
    }

    /// Whether the last frame (and the chain's latency tail) has been handed to the device.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// Waits until the end of the source has played, then stops. Errors when the source
    /// failed.
    pub fn wait(self) -> Result<StatsSnapshot, PlaybackError> {
        let (mut last, mut since) = (u64::MAX, Instant::now());
        while !self.is_finished() {
            std::thread::sleep(Duration::from_millis(5));
            let now = self.shared.callbacks.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() > Duration::from_secs(10) {
                let _ = self.stop();
                return Err(PlaybackError::Device(
                    "the device stopped calling back for 10 s".into(),
                ));
            }
        }
        // What was handed to the device last is still in its buffer (two periods).
        let rate = self.info.choice.config.sample_rate.max(1) as f64;
        let period = self.info.buffer_frames.unwrap_or(4096) as f64;
        std::thread::sleep(Duration::from_secs_f64(2.5 * period / rate + 0.02));
        self.stop()
    }

    /// Stops now and returns the statistics. Errors when the source failed.
    pub fn stop(mut self) -> Result<StatsSnapshot, PlaybackError> {
        self.shared.stop.store(true, Ordering::Release);
        drop(self.stream.take());
        let stats = self.shared.snapshot();
        if let Some(r) = self.reader.take() {
            match r.join() {
                Ok(result) => result?,
                Err(_) => return Err(PlaybackError::Device("the reader thread panicked".into())),
            }
        }
        Ok(stats)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

/// Settings of [`Live::start`].
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Input device; `None`: the default.
    pub input_device: Option<String>,
    /// Output device; `None`: the default.
    pub output_device: Option<String>,
    /// Frames per callback on both devices; `None`: the devices' defaults.
    pub buffer_frames: Option<u32>,
    /// Capture channels; `None`: the input device's default.
    pub channels: Option<u16>,
    /// Capture rate; `None`: the input device's default.
    pub rate: Option<u32>,
    /// Frames of silence queued before the first output (the jitter margin between the
    /// two devices); `None`: four callbacks' worth.
    pub prefill_frames: Option<usize>,
    /// As [`PlayOptions::on_callback`], for the output callback.
    pub on_callback: Option<fn(bool)>,
}

/// Microphone → chain → speakers; see the [module docs](self).
pub struct Live {
    _input: cpal::Stream,
    output: Option<cpal::Stream>,
    shared: Arc<Shared>,
    control: ChainControl,
    /// The input stream.
    pub input_info: StreamInfo,
    /// The output stream.
    pub output_info: StreamInfo,
}

impl Live {
    /// Opens both devices and starts. `make_chain(channels, rate)` builds the chain for the
    /// capture format chosen.
    pub fn start(
        make_chain: impl FnOnce(usize, u32) -> crate::Result<Chain>,
        options: &LiveOptions,
    ) -> Result<Self, PlaybackError> {
        let in_dev = find_device(options.input_device.as_deref(), Direction::Input)?;
        let default = in_dev.default_input_config()?;
        let in_choice = choose_config(
            &in_dev,
            Direction::Input,
            StreamWish {
                channels: options.channels.unwrap_or(default.channels()),
                rate: options.rate.unwrap_or(default.sample_rate()),
                buffer_frames: options.buffer_frames,
                device_rate: None,
                format: None,
            },
        )?;
        let channels = in_choice.config.channels as usize;
        let rate = in_choice.config.sample_rate;
        let chain = make_chain(channels, rate)?;
        let out_dev = find_device(options.output_device.as_deref(), Direction::Output)?;
        let out_choice = choose_config(
            &out_dev,
            Direction::Output,
            StreamWish {
                channels: channels as u16,
                rate,
                buffer_frames: options.buffer_frames,
                device_rate: None,
                format: None,
            },
        )?;
        let max_frames = options.buffer_frames.unwrap_or(4096).max(64) as usize;
        let prefill = options
            .prefill_frames
            .unwrap_or(4 * options.buffer_frames.unwrap_or(512) as usize);
        let (mut producer, consumer) =
            rtrb::RingBuffer::new((prefill * 4 + 2 * max_frames + 8192) * channels);
        if let Ok(chunk) = producer.write_chunk_uninit(prefill * channels) {
            chunk.fill_from_iter(std::iter::repeat(0.0f32));
        }
        let shared = Arc::new(Shared::default());
        let control = chain.control();
        let engine = OutputEngine::new(
            consumer,
            chain,
            rate,
            out_choice.config.sample_rate,
            out_choice.config.channels as usize,
            max_frames,
            shared.clone(),
        )
        .map_err(PlaybackError::Device)?;
        let input = build_input(&in_dev, &in_choice, producer, shared.clone())?;
        let output = build_output(&out_dev, &out_choice, engine, options.on_callback)?;
        let input_info = StreamInfo {
            device: device_name(&in_dev),
            buffer_frames: input.buffer_size().ok(),
            choice: in_choice,
        };
        let output_info = StreamInfo {
            device: device_name(&out_dev),
            buffer_frames: output.buffer_size().ok(),
            choice: out_choice,
        };
        input.play()?;
        output.play()?;
        Ok(Self {
            _input: input,
            output: Some(output),
            shared,
            control,
            input_info,
            output_info,
        })
    }

    /// Changes the chain's parameters while running.
    pub fn control(&self) -> ChainControl {
        self.control.clone()
    }

    /// The statistics so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.snapshot()
    }

    /// Stops both streams and returns the statistics.
    pub fn stop(mut self) -> StatsSnapshot {
        drop(self.output.take());
        self.shared.snapshot()
    }
}

/// Builds the capture stream: converts to `f32` and pushes whole buffers into the ring,
/// dropping a buffer (and counting an overrun) when the ring has no room.
fn build_input(
    device: &cpal::Device,
    choice: &StreamChoice,
    mut producer: rtrb::Producer<f32>,
    shared: Arc<Shared>,
) -> Result<cpal::Stream, PlaybackError> {
    let errors = shared.clone();
    let on_error = move |_e: cpal::Error| {
        errors.device_errors.fetch_add(1, Ordering::Relaxed);
    };
    macro_rules! build {
        ($t:ty) => {
            device.build_input_stream::<$t, _, _>(
                choice.config,
                move |data: &[$t], _: &cpal::InputCallbackInfo| {
                    use cpal::Sample;
                    match producer.write_chunk_uninit(data.len()) {
                        Ok(chunk) => {
                            chunk.fill_from_iter(data.iter().map(|s| s.to_sample::<f32>()));
                        }
                        Err(_) => {
                            shared.overruns.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                },
                on_error,
                None,
            )?
        };
    }
    Ok(match choice.format {
        SampleFormat::F32 => build!(f32),
        SampleFormat::F64 => build!(f64),
        SampleFormat::I8 => build!(i8),
        SampleFormat::I16 => build!(i16),
        SampleFormat::I24 => build!(cpal::I24),
        SampleFormat::I32 => build!(i32),
        SampleFormat::U8 => build!(u8),
        SampleFormat::U16 => build!(u16),
        SampleFormat::U24 => build!(cpal::U24),
        SampleFormat::U32 => build!(u32),
        other => {
            return Err(PlaybackError::Device(format!(
                "sample format {other} is not supported"
            )))
        }
    })
}
