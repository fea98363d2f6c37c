//! The real-time processing chain: what `aquant play` and `aquant live` run in the audio
//! callback, and what a DSP app embeds in its own callback.
//!
//! A [`Chain`] takes interleaved `f32` buffers and replaces them, in place, with what a
//! conversion would produce: a [uniform quantizer](crate::quant) round trip (float → the
//! format's grid with dither → float), and for a codec format also the codec round trip
//! (quantize to 16 bits → encode → decode → float), through the [`Encoder`]/[`Decoder`] of any
//! codec in the [`CodecId`] registry.
//!
//! # Real time
//!
//! Everything is built by [`Chain::new`]: after that, [`Chain::process_in_place`] never
//! allocates, locks, performs I/O or panics. Parameters change while it runs through a
//! [`ChainControl`], a cloneable handle holding one atomic word: the chain reads it at the start
//! of each call, so a change takes effect at a buffer boundary (at the first frame boundary
//! when a call starts inside a frame). Every (bits, dither) setting's quantizer is built up
//! front, so switching is an index change.
//!
//! # Noise-shaped dither
//!
//! Besides the plain dither kinds, the chain can quantize with a [`NoiseShaper`]
//! ([`ChainDither::Shaped`]): TPDF dither with error feedback through a filter designed at
//! construction for the stream's rate ([`ChainOptions::sample_rate`]). The designed presets
//! (`shaped`, `shaped-light`, `shaped-strong`) exist at any rate from 8 to 384 kHz, the
//! published ones (`lipshitz`, `wannamaker-f`) at 44.1 kHz only. Switching *into* a shaped
//! setting (from plain dither, from another preset or from another depth) starts that shaper
//! from a clean error history: its feedback then only ever holds errors made on the current
//! grid, so a switch adds no error beyond the new setting's own (no click); the output from
//! the switch on equals a freshly built shaper's. Without a grid (`f32` with no `bits`) there
//! is nothing to shape and shaped settings pass the signal through like the plain ones.
//!
//! A [`PreStage`] (a denoiser, a filter) can run before the quantizer:
//! [`Chain::with_pre_stage`]. [`DenoiseStage`] is RNNoise as such a stage.
//!
//! # Block codecs
//!
//! A block codec (ADPCM) can only decode a block once the whole block was encoded, so a short
//! buffer may not yet have its decoded samples. The chain measures the codec's worst lag at
//! construction (feeding a fresh encoder and decoder one sample at a time) and delays its output
//! by exactly that many frames ([`Chain::latency_frames`]) of leading silence. The output is the
//! offline round trip shifted by that constant, however the input is split into calls. Sample
//! codecs (G.711, G.726) have no lag and no delay.
//!
//! # Example
//!
//! ```
//! use aquant::chain::{Chain, ChainFormat, ChainOptions};
//! use aquant::{Dither, DitherKind};
//!
//! // Stereo, quantized to 8 bits in a 16-bit container with TPDF dither.
//! let options = ChainOptions {
//!     bits: Some(8),
//!     dither: Dither::tpdf().with_seed(7),
//!     ..ChainOptions::new(2, ChainFormat::pcm16())
//! };
//! let mut chain = Chain::new(&options).unwrap();
//! let control = chain.control(); // give this to a UI or control thread
//!
//! let mut buffer = [0.5f32, -0.25, 0.1, 0.3];
//! chain.process_in_place(&mut buffer).unwrap(); // in the audio callback
//! assert_eq!(buffer[0], 0.5); // on the 8-bit grid: unchanged
//!
//! control.set_bits(Some(4)).unwrap(); // takes effect at the next buffer
//! control.set_dither(DitherKind::None);
//! let mut buffer = [0.1f32, 0.0];
//! chain.process_in_place(&mut buffer).unwrap();
//! assert_eq!(buffer[0], 0.125); // 0.1 rounded to the 4-bit grid (steps of 1/8)
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::codecs::{new_decoder, new_encoder, CodecId, Decoder, Encoder};
use crate::dither::{Dither, DitherKind};
use crate::io::Encoding;
use crate::models::rnnoise::{self, Denoiser, FRAME_SIZE};
use crate::quant::{QuantStats, UniformQuantizer};
use crate::sample::{AudioSample, I24};
use crate::shaping::{NoiseShaper, Preset};
use crate::stream::{ChannelPhase, Flush, Processor};
use crate::{Error, Result};

/// What the chain makes the signal sound like: a linear format at some depth, or a codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainFormat {
    /// Linear PCM or float32 (`pcm8`, `pcm16`, `pcm24`, `pcm32`, `f32`).
    Pcm(Encoding),
    /// A codec round trip, after quantizing to 16 bits.
    Codec(CodecId),
}

impl ChainFormat {
    /// 16-bit PCM.
    pub fn pcm16() -> Self {
        ChainFormat::Pcm(Encoding::I16)
    }

    /// Parses a `--format` value: a PCM name, or the name of any codec in `codecs`
    /// (normally every [`CodecId`] the registry knows).
    pub fn from_name(name: &str, codecs: &[CodecId]) -> Option<Self> {
        let pcm = match name {
            "pcm8" => Some(Encoding::U8),
            "pcm16" => Some(Encoding::I16),
            "pcm24" => Some(Encoding::I24),
            "pcm32" => Some(Encoding::I32),
            "f32" | "float" => Some(Encoding::F32),
            _ => None,
        };
        if let Some(e) = pcm {
            return Some(ChainFormat::Pcm(e));
        }
        codecs
            .iter()
            .find(|c| c.name() == name)
            .map(|&c| ChainFormat::Codec(c))
    }

    /// The `--format` name.
    pub fn name(self) -> &'static str {
        match self {
            ChainFormat::Pcm(e) => e.name(),
            ChainFormat::Codec(c) => c.name(),
        }
    }

    /// The linear container the quantizer writes (16-bit for codecs).
    pub fn container(self) -> Encoding {
        match self {
            ChainFormat::Pcm(e) => e,
            ChainFormat::Codec(_) => Encoding::I16,
        }
    }

    /// Largest `bits` the container holds on an exact grid (24 for float32).
    pub fn max_bits(self) -> u32 {
        match self.container() {
            Encoding::F32 => 24,
            e => e.bits(),
        }
    }
}

/// How to build a [`Chain`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChainOptions {
    /// Interleaved channels.
    pub channels: usize,
    /// The format whose sound the chain reproduces.
    pub format: ChainFormat,
    /// Depth within the container (`None`: the container's own depth; for `f32`, no grid).
    pub bits: Option<u32>,
    /// Dither kind, amplitude and seed. The kind can change while running; amplitude and seed
    /// are fixed.
    pub dither: Dither,
    /// Largest buffer, in frames, processed in one piece; longer buffers are split (with the
    /// same result). Sizes the scratch buffers.
    pub max_frames: usize,
    /// Start with noise-shaped dither (TPDF at `dither`'s amplitude and seed, fed back
    /// through this preset's filter) instead of `dither.kind`. Needs `sample_rate`.
    pub shaping: Option<Preset>,
    /// The stream's rate in Hz: the shaping filters are designed for it. `None`: no shaped
    /// dither is available (the plain kinds do not depend on the rate).
    pub sample_rate: Option<u32>,
}

impl ChainOptions {
    /// `channels` of `format` at the container's depth, no dither, 4096-frame pieces.
    pub fn new(channels: usize, format: ChainFormat) -> Self {
        Self {
            channels,
            format,
            bits: None,
            dither: Dither::none(),
            max_frames: 4096,
            shaping: None,
            sample_rate: None,
        }
    }
}

/// Every dither kind the chain can switch between while running.
const DITHER_KINDS: [DitherKind; 4] = [
    DitherKind::None,
    DitherKind::Rpdf,
    DitherKind::Tpdf,
    DitherKind::TpdfHighPass,
];

/// What the chain's quantizer does besides rounding: plain dither of some kind, or noise
/// shaping (TPDF dither with error feedback) with a preset designed for the stream's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainDither {
    /// Plain dither ([`DitherKind::None`] for none).
    Plain(DitherKind),
    /// Noise-shaped TPDF dither.
    Shaped(Preset),
}

impl ChainDither {
    /// Every setting the chain can switch between, in the order of its parameter word.
    pub const ALL: [ChainDither; 9] = [
        ChainDither::Plain(DitherKind::None),
        ChainDither::Plain(DitherKind::Rpdf),
        ChainDither::Plain(DitherKind::Tpdf),
        ChainDither::Plain(DitherKind::TpdfHighPass),
        ChainDither::Shaped(Preset::Shaped),
        ChainDither::Shaped(Preset::ShapedLight),
        ChainDither::Shaped(Preset::ShapedStrong),
        ChainDither::Shaped(Preset::Lipshitz),
        ChainDither::Shaped(Preset::WannamakerF),
    ];

    /// The CLI name: `none`, `rpdf`, `tpdf`, `tpdf-hp`, or a [`Preset`] name (`shaped`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ChainDither::Plain(k) => k.name(),
            ChainDither::Shaped(p) => p.name(),
        }
    }

    /// Parses a CLI name (also `tpdf_hp` and `hp` for the high-passed TPDF).
    ///
    /// ```
    /// use aquant::chain::ChainDither;
    /// use aquant::shaping::Preset;
    /// assert_eq!(ChainDither::from_name("shaped-light"), Some(ChainDither::Shaped(Preset::ShapedLight)));
    /// assert_eq!(ChainDither::from_name("tpdf").unwrap().name(), "tpdf");
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        if matches!(name, "tpdf_hp" | "hp") {
            return Some(ChainDither::Plain(DitherKind::TpdfHighPass));
        }
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|&d| d == self).unwrap_or(0)
    }
}

/// Plain kinds come first in [`ChainDither::ALL`]; shaped ones follow in [`Preset::ALL`] order.
const PLAIN_KINDS: usize = DITHER_KINDS.len();
const PRESETS: usize = Preset::ALL.len();

fn kind_index(kind: DitherKind) -> usize {
    DITHER_KINDS.iter().position(|&k| k == kind).unwrap_or(0)
}

/// The packed parameter word: bits (0 = container default) in bits 0–7, [`ChainDither`] index
/// in bits 8–15, bypass in bit 16. One word, so a reader never sees half a change.
const BYPASS_BIT: u64 = 1 << 16;

fn pack(bits: Option<u32>, dither: ChainDither, bypass: bool) -> u64 {
    bits.unwrap_or(0) as u64 | (dither.index() as u64) << 8 | if bypass { BYPASS_BIT } else { 0 }
}

/// A lock-free handle that changes a running [`Chain`]'s parameters from any thread.
///
/// Each setter is one atomic read-modify-write; the chain applies the new word at the start of
/// its next `process` call (a buffer boundary). Cloning shares the same chain.
#[derive(Debug, Clone)]
pub struct ChainControl {
    word: Arc<AtomicU64>,
    max_bits: u32,
    /// Bit p set: `Preset::ALL[p]` was designed for the stream's rate.
    shaping_available: u8,
    sample_rate: Option<u32>,
}

impl ChainControl {
    fn update(&self, f: impl Fn(u64) -> u64) {
        // fetch_update retries a compare-exchange: lock-free, never blocks the audio thread.
        let _ = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| Some(f(w)));
    }

    /// Sets the depth (`None`: the container's own depth). Errors when outside
    /// `1..=max_bits` of the chain's format.
    pub fn set_bits(&self, bits: Option<u32>) -> Result<()> {
        if let Some(b) = bits {
            if !(1..=self.max_bits).contains(&b) {
                return Err(Error::invalid(
                    "bits",
                    format!("{b} is not in 1..={}", self.max_bits),
                ));
            }
        }
        self.update(|w| (w & !0xff) | bits.unwrap_or(0) as u64);
        Ok(())
    }

    /// Sets a plain dither kind, turning noise shaping off (amplitude and seed stay as
    /// built).
    pub fn set_dither(&self, kind: DitherKind) {
        self.update(|w| (w & !0xff00) | (kind_index(kind) as u64) << 8);
    }

    /// Sets plain dither or noise shaping. Errors for a shaping preset the chain could not
    /// design (no [`ChainOptions::sample_rate`] given, or a published filter at another rate
    /// than its own).
    pub fn set_chain_dither(&self, dither: ChainDither) -> Result<()> {
        if let ChainDither::Shaped(p) = dither {
            self.check_shaping(p)?;
        }
        self.update(|w| (w & !0xff00) | (dither.index() as u64) << 8);
        Ok(())
    }

    fn check_shaping(&self, preset: Preset) -> Result<()> {
        if self.shaping_available & 1 << preset_index(preset) != 0 {
            return Ok(());
        }
        Err(Error::invalid(
            "dither",
            match self.sample_rate {
                None => format!(
                    "{} needs the stream's rate (ChainOptions::sample_rate) to design its filter",
                    preset.name()
                ),
                Some(r) => format!("{} cannot be designed for {r} Hz", preset.name()),
            },
        ))
    }

    /// Whether noise shaping with `preset` is available.
    pub fn shaping_available(&self, preset: Preset) -> bool {
        self.check_shaping(preset).is_ok()
    }

    /// Bypass: the chain outputs its input unprocessed (delayed by the chain's latency, so
    /// switching does not jump in time). The chain keeps running underneath, so switching back
    /// resumes without a state discontinuity.
    pub fn set_bypass(&self, bypass: bool) {
        self.update(|w| {
            if bypass {
                w | BYPASS_BIT
            } else {
                w & !BYPASS_BIT
            }
        });
    }

    /// The current depth setting.
    pub fn bits(&self) -> Option<u32> {
        match self.word.load(Ordering::Acquire) & 0xff {
            0 => None,
            b => Some(b as u32),
        }
    }

    /// The current dither kind ([`DitherKind::Tpdf`] while noise shaping, which shapes TPDF
    /// dither; see [`chain_dither`](Self::chain_dither)).
    pub fn dither(&self) -> DitherKind {
        match self.chain_dither() {
            ChainDither::Plain(k) => k,
            ChainDither::Shaped(_) => DitherKind::Tpdf,
        }
    }

    /// The current dither setting, shaped or plain.
    pub fn chain_dither(&self) -> ChainDither {
        let index = ((self.word.load(Ordering::Acquire) >> 8) & 0xff) as usize;
        ChainDither::ALL[index % ChainDither::ALL.len()]
    }

    /// Whether bypass is on.
    pub fn bypass(&self) -> bool {
        self.word.load(Ordering::Acquire) & BYPASS_BIT != 0
    }

    /// Largest depth the chain's format accepts.
    pub fn max_bits(&self) -> u32 {
        self.max_bits
    }
}

/// Scratch for the quantizer's output, in the container's own type.
#[derive(Debug)]
enum Container {
    U8(Vec<u8>),
    I16(Vec<i16>),
    I24(Vec<I24>),
    I32(Vec<i32>),
    F32(Vec<f32>),
}

impl Container {
    fn new(encoding: Encoding, len: usize) -> Self {
        match encoding {
            Encoding::U8 => Container::U8(vec![128; len]),
            Encoding::I16 => Container::I16(vec![0; len]),
            Encoding::I24 => Container::I24(vec![I24::new_unchecked(0); len]),
            Encoding::I32 => Container::I32(vec![0; len]),
            Encoding::F32 => Container::F32(vec![0.0; len]),
        }
    }
}

fn preset_index(preset: Preset) -> usize {
    Preset::ALL.iter().position(|&p| p == preset).unwrap_or(0)
}

/// The quantizer in use: plain or noise-shaped.
enum Requantizer<'a> {
    Plain(&'a mut UniformQuantizer),
    Shaped(&'a mut NoiseShaper),
}

impl Requantizer<'_> {
    fn process<T: AudioSample>(&mut self, input: &[f32], output: &mut [T]) -> Result<()> {
        match self {
            Requantizer::Plain(q) => Processor::<f32, T>::process(&mut **q, input, output),
            Requantizer::Shaped(s) => Processor::<f32, T>::process(&mut **s, input, output),
        }
    }
}

/// Which quantizer runs: an index into `Chain::quantizers` or `Chain::shapers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Active {
    Plain(usize),
    Shaped(usize),
}

/// Quantizes `buf` into the container and back to float, in place.
fn quantize_round_trip(mut q: Requantizer<'_>, buf: &mut [f32], c: &mut Container) -> Result<()> {
    fn back<T: AudioSample>(
        q: &mut Requantizer<'_>,
        buf: &mut [f32],
        scratch: &mut [T],
    ) -> Result<()> {
        let scratch = &mut scratch[..buf.len()];
        q.process(buf, scratch)?;
        for (x, s) in buf.iter_mut().zip(scratch.iter()) {
            *x = s.to_f64() as f32;
        }
        Ok(())
    }
    match c {
        Container::U8(s) => back(&mut q, buf, s),
        Container::I16(s) => back(&mut q, buf, s),
        Container::I24(s) => back(&mut q, buf, s),
        Container::I32(s) => back(&mut q, buf, s),
        Container::F32(s) => back(&mut q, buf, s),
    }
}

/// A fixed-capacity FIFO of decoded samples.
#[derive(Debug)]
struct SampleFifo {
    data: Vec<i16>,
    read: usize,
    len: usize,
}

impl SampleFifo {
    fn new(capacity: usize) -> Self {
        Self {
            data: vec![0; capacity.max(1)],
            read: 0,
            len: 0,
        }
    }
    fn clear_with_silence(&mut self, samples: usize) {
        self.read = 0;
        self.len = samples.min(self.data.len());
        self.data[..self.len].fill(0);
    }
    fn push(&mut self, samples: &[i16]) -> bool {
        let cap = self.data.len();
        if samples.len() > cap - self.len {
            return false;
        }
        let mut w = (self.read + self.len) % cap;
        for &s in samples {
            self.data[w] = s;
            w += 1;
            if w == cap {
                w = 0;
            }
        }
        self.len += samples.len();
        true
    }
    fn pop(&mut self, out: &mut [i16]) -> bool {
        if out.len() > self.len {
            return false;
        }
        let cap = self.data.len();
        for o in out.iter_mut() {
            *o = self.data[self.read];
            self.read += 1;
            if self.read == cap {
                self.read = 0;
            }
        }
        self.len -= out.len();
        true
    }
}

/// A codec round trip with its latency buffer.
struct CodecStage {
    name: &'static str,
    encoder: Box<dyn Encoder>,
    decoder: Box<dyn Decoder>,
    /// Leading silence, in samples (whole frames).
    latency_samples: usize,
    bytes: Vec<u8>,
    decoded: Vec<i16>,
    fifo: SampleFifo,
    pcm: Vec<i16>,
}

impl std::fmt::Debug for CodecStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodecStage")
            .field("codec", &self.name)
            .field("latency_samples", &self.latency_samples)
            .finish_non_exhaustive()
    }
}

/// What [`probe_codec`] measured.
struct CodecShape {
    /// Worst (samples fed − samples decoded) over every prefix of the input.
    lag: usize,
    max_block_bytes: usize,
    max_block_samples: usize,
}

/// Samples the probe feeds: several blocks of any codec aquant has (the largest, MS-ADPCM
/// stereo at 2048-byte blocks, holds 4072 samples).
const PROBE_SAMPLES: usize = 1 << 15;

/// Feeds the codec one sample per call, decoding everything it emits, to measure its lag and
/// its largest output per call. Resets both afterwards.
fn probe_codec(encoder: &mut dyn Encoder, decoder: &mut dyn Decoder) -> Result<CodecShape> {
    let mut bytes = vec![0u8; 1 << 16];
    let mut decoded = vec![0i16; 1 << 16];
    let (mut fed, mut out) = (0usize, 0usize);
    let mut shape = CodecShape {
        lag: 0,
        max_block_bytes: 0,
        max_block_samples: 0,
    };
    let mut state = 0x1234_5678u32;
    let stalled = || Error::invalid("codec", "the codec made no progress while probing");
    while fed < PROBE_SAMPLES {
        // Low-level noise: a codec's lag must not depend on content, but silence may hit
        // special cases.
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let sample = [((state >> 16) as i16) >> 4];
        let p = encoder.encode(&sample, &mut bytes, Flush::None)?;
        if p.consumed != 1 {
            return Err(stalled());
        }
        fed += 1;
        shape.max_block_bytes = shape.max_block_bytes.max(p.produced);
        let mut at = 0;
        while at < p.produced {
            let d = decoder.decode(&bytes[at..p.produced], &mut decoded, Flush::None)?;
            if d.consumed == 0 && d.produced == 0 {
                return Err(stalled());
            }
            at += d.consumed;
            out += d.produced;
            shape.max_block_samples = shape.max_block_samples.max(d.produced);
        }
        shape.lag = shape.lag.max(fed - out);
    }
    if out == 0 {
        return Err(Error::invalid(
            "codec",
            format!("no output after {PROBE_SAMPLES} samples: latency too long for real time"),
        ));
    }
    encoder.reset();
    decoder.reset();
    Ok(shape)
}

impl CodecStage {
    fn new(
        mut encoder: Box<dyn Encoder>,
        mut decoder: Box<dyn Decoder>,
        name: &'static str,
        channels: usize,
        max_samples: usize,
    ) -> Result<Self> {
        if encoder.channels() != channels || decoder.channels() != channels {
            return Err(Error::invalid(
                "codec",
                format!(
                    "encoder has {} and decoder {} channels; the chain has {channels}",
                    encoder.channels(),
                    decoder.channels()
                ),
            ));
        }
        let shape = probe_codec(encoder.as_mut(), decoder.as_mut())?;
        let latency_samples = shape.lag.div_ceil(channels) * channels;
        // The fifo holds at most the latency plus one piece of input (see `process`); two
        // frames spare keep partial-frame pieces inside the bound.
        let fifo = SampleFifo::new(latency_samples + max_samples + 2 * channels);
        let mut stage = Self {
            name,
            encoder,
            decoder,
            latency_samples,
            bytes: vec![0; (2 * shape.max_block_bytes).max(4096)],
            decoded: vec![0; (2 * shape.max_block_samples).max(4096)],
            fifo,
            pcm: vec![0; max_samples],
        };
        stage.reset();
        Ok(stage)
    }

    fn reset(&mut self) {
        self.encoder.reset();
        self.decoder.reset();
        self.fifo.clear_with_silence(self.latency_samples);
    }

    /// Round-trips `pcm[..n]` through the codec, replacing it with the (delayed) decoded
    /// samples.
    fn process(&mut self, n: usize) -> Result<()> {
        let stalled = |what: &str| Error::Corrupt {
            codec: self.name,
            what: format!("the {what} made no progress in the real-time chain"),
        };
        let mut fed = 0;
        while fed < n {
            let p = self
                .encoder
                .encode(&self.pcm[fed..n], &mut self.bytes, Flush::None)?;
            if p.consumed == 0 && p.produced == 0 {
                return Err(stalled("encoder"));
            }
            fed += p.consumed;
            let mut at = 0;
            while at < p.produced {
                let d = self.decoder.decode(
                    &self.bytes[at..p.produced],
                    &mut self.decoded,
                    Flush::None,
                )?;
                if d.consumed == 0 && d.produced == 0 {
                    return Err(stalled("decoder"));
                }
                at += d.consumed;
                if !self.fifo.push(&self.decoded[..d.produced]) {
                    return Err(stalled("decoder's output buffer"));
                }
            }
        }
        if !self.fifo.pop(&mut self.pcm[..n]) {
            return Err(Error::Corrupt {
                codec: self.name,
                what: "decoded less than measured at construction".into(),
            });
        }
        Ok(())
    }
}

/// A stage that runs before the quantizer, in place: a denoiser, a filter, a gain. Plug one
/// in with [`Chain::with_pre_stage`]; it must follow the chain's rules (no allocation, lock
/// or panic in `process`; any buffer length up to `max_frames` frames, partial frames
/// included, with the same output however the input is split).
pub trait PreStage: Send {
    /// Processes `buffer` (interleaved, the chain's channels) in place.
    fn process(&mut self, buffer: &mut [f32]) -> Result<()>;
    /// Frames by which the stage delays its output (for a framed model: its frame lag).
    fn latency_frames(&self) -> usize {
        0
    }
    /// Returns to the freshly constructed state.
    fn reset(&mut self);
}

struct PreSlot(Box<dyn PreStage>);

impl std::fmt::Debug for PreSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreStage")
            .field("latency_frames", &self.0.latency_frames())
            .finish_non_exhaustive()
    }
}

/// The real-time chain; see the [module docs](self).
#[derive(Debug)]
pub struct Chain {
    pre: Option<PreSlot>,
    channels: usize,
    format: ChainFormat,
    max_bits: u32,
    /// One quantizer per (depth slot, plain dither kind); slot 0 is "no depth given".
    quantizers: Vec<UniformQuantizer>,
    /// One shaper per (depth slot, preset); `None` where the preset could not be designed for
    /// the rate or the slot has no grid.
    shapers: Vec<Option<NoiseShaper>>,
    /// Counts of shapers since reset, taken before each restart of a shaper.
    retired_stats: QuantStats,
    active: Active,
    container: Container,
    codec: Option<CodecStage>,
    word: Arc<AtomicU64>,
    applied: u64,
    bypass: bool,
    /// Channel of the next input sample: parameter changes wait for a frame boundary.
    phase: ChannelPhase,
    /// Input delayed by the chain's latency, for bypass.
    dry: Vec<f32>,
    dry_pos: usize,
    /// The processed copy of the current piece.
    wet: Vec<f32>,
    piece: usize,
    initial_word: u64,
    shaping_available: u8,
    sample_rate: Option<u32>,
}

impl Chain {
    /// Builds the chain; a codec format gets its encoder and decoder from the registry.
    pub fn new(options: &ChainOptions) -> Result<Self> {
        match options.format {
            ChainFormat::Pcm(_) => Self::build(options, None),
            ChainFormat::Codec(id) => Self::with_codec(
                options,
                new_encoder(id, options.channels)?,
                new_decoder(id, options.channels)?,
            ),
        }
    }

    /// Builds a codec chain around an encoder and decoder you provide (for a codec outside
    /// the registry). `options.format` names it in messages; its container is 16-bit.
    pub fn with_codec(
        options: &ChainOptions,
        encoder: Box<dyn Encoder>,
        decoder: Box<dyn Decoder>,
    ) -> Result<Self> {
        Self::build(options, Some((encoder, decoder)))
    }

    fn build(
        options: &ChainOptions,
        codec: Option<(Box<dyn Encoder>, Box<dyn Decoder>)>,
    ) -> Result<Self> {
        let channels = options.channels;
        let format = match (&codec, options.format) {
            (Some(_), ChainFormat::Pcm(e)) if e != Encoding::I16 => {
                return Err(Error::invalid(
                    "format",
                    "a codec chain quantizes to 16 bits: give ChainFormat::Codec or pcm16",
                ))
            }
            (_, f) => f,
        };
        if options.max_frames == 0 || options.max_frames > 1 << 20 {
            return Err(Error::invalid(
                "max_frames",
                format!("{} is not in 1..=1048576", options.max_frames),
            ));
        }
        let max_bits = format.max_bits();
        let slot_bits = |slot: u32| if slot == 0 { options.bits } else { Some(slot) };
        let mut quantizers = Vec::with_capacity((max_bits as usize + 1) * PLAIN_KINDS);
        for slot in 0..=max_bits {
            for kind in DITHER_KINDS {
                let dither = Dither {
                    kind,
                    ..options.dither
                };
                quantizers.push(UniformQuantizer::new(channels, slot_bits(slot), dither)?);
            }
        }
        // Each preset is designed once for the rate; every depth slot gets its own shaper
        // (a shaper's depth is fixed) with the same filter.
        let designs: Vec<Option<_>> = Preset::ALL
            .iter()
            .map(|p| options.sample_rate.and_then(|r| p.design(r as f64).ok()))
            .collect();
        let shaping_available =
            designs
                .iter()
                .enumerate()
                .fold(0u8, |m, (i, d)| if d.is_some() { m | 1 << i } else { m });
        let shaped_dither = Dither {
            kind: DitherKind::Tpdf,
            ..options.dither
        };
        let mut shapers = Vec::with_capacity((max_bits as usize + 1) * PRESETS);
        for slot in 0..=max_bits {
            let bits = slot_bits(slot);
            // Without a grid (f32 at full precision) there is nothing to shape.
            let gridless = bits.is_none() && format.container() == Encoding::F32;
            for design in &designs {
                shapers.push(match design {
                    Some(d) if !gridless && bits.is_none_or(|b| b <= max_bits) => {
                        Some(NoiseShaper::new(channels, bits, d.clone(), shaped_dither)?)
                    }
                    _ => None,
                });
            }
        }
        let piece = options.max_frames * channels;
        let codec = match codec {
            None => None,
            Some((e, d)) => Some(CodecStage::new(e, d, format.name(), channels, piece)?),
        };
        let latency_samples = codec.as_ref().map_or(0, |c| c.latency_samples);
        let dither = match options.shaping {
            Some(p) => ChainDither::Shaped(p),
            None => ChainDither::Plain(options.dither.kind),
        };
        let word = pack(options.bits, dither, false);
        let mut chain = Self {
            pre: None,
            channels,
            format,
            max_bits,
            quantizers,
            shapers,
            retired_stats: QuantStats::default(),
            active: Active::Plain(0),
            container: Container::new(format.container(), piece),
            codec,
            word: Arc::new(AtomicU64::new(word)),
            applied: u64::MAX,
            bypass: false,
            phase: ChannelPhase::new(channels),
            dry: vec![0.0; latency_samples],
            dry_pos: 0,
            wet: vec![0.0; piece],
            piece,
            initial_word: word,
            shaping_available,
            sample_rate: options.sample_rate,
        };
        if let Some(p) = options.shaping {
            chain.control().check_shaping(p)?;
        }
        // Validates `bits` against the container now rather than on the first buffer.
        chain.apply(word);
        let mut probe = [0.0f32; 1];
        let q = requantizer(&mut chain.quantizers, &mut chain.shapers, chain.active);
        quantize_round_trip(q, &mut probe, &mut chain.container)?;
        chain.reset();
        Ok(chain)
    }

    fn apply(&mut self, word: u64) {
        let bits = (word & 0xff) as u32;
        let slot = if bits == 0 || bits > self.max_bits {
            0
        } else {
            bits as usize
        };
        let index = ((word >> 8) & 0xff) as usize % ChainDither::ALL.len();
        let plain = |kind: usize| Active::Plain(slot * PLAIN_KINDS + kind);
        let active = match ChainDither::ALL[index] {
            ChainDither::Plain(k) => plain(kind_index(k)),
            ChainDither::Shaped(p) => {
                let i = slot * PRESETS + preset_index(p);
                match self.shapers.get(i) {
                    Some(Some(_)) => Active::Shaped(i),
                    // No grid or no design: TPDF, which the shaper would have shaped.
                    _ => plain(kind_index(DitherKind::Tpdf)),
                }
            }
        };
        if active != self.active {
            if let Active::Shaped(i) = active {
                // A clean error history: its feedback must hold only errors of this grid.
                if let Some(s) = &mut self.shapers[i] {
                    let taken = s.take_stats();
                    self.retired_stats = add_stats(self.retired_stats, taken);
                    s.reset();
                }
            }
            self.active = active;
        }
        self.bypass = word & BYPASS_BIT != 0;
        self.applied = word;
    }

    /// Adds `stage` before the quantizer (replacing any earlier one). The chain's latency
    /// grows by the stage's, and bypass stays aligned with the processed signal.
    pub fn with_pre_stage(mut self, stage: Box<dyn PreStage>) -> Self {
        self.pre = Some(PreSlot(stage));
        self.dry = vec![0.0; self.latency_frames() * self.channels];
        self.dry_pos = 0;
        self
    }

    /// A handle that changes this chain's parameters from another thread.
    pub fn control(&self) -> ChainControl {
        ChainControl {
            word: self.word.clone(),
            max_bits: self.max_bits,
            shaping_available: self.shaping_available,
            sample_rate: self.sample_rate,
        }
    }

    /// Interleaved channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The format the chain reproduces.
    pub fn format(&self) -> ChainFormat {
        self.format
    }

    /// Frames of leading silence before the first processed frame (a block codec's lag, a
    /// pre-stage's framing; 0 for quantizers and sample codecs). Feed this many frames of
    /// silence after the last input frame to hear all of it.
    pub fn latency_frames(&self) -> usize {
        self.codec
            .as_ref()
            .map_or(0, |c| c.latency_samples / self.channels)
            + self.pre.as_ref().map_or(0, |p| p.0.latency_frames())
    }

    /// Clipped and NaN counts of every quantizer and shaper since construction or reset.
    pub fn stats(&self) -> QuantStats {
        let plain = self.quantizers.iter().map(|q| q.stats());
        let shaped = self.shapers.iter().flatten().map(|s| s.stats());
        plain.chain(shaped).fold(self.retired_stats, add_stats)
    }

    /// Corrupt-data events the codec's decoder counted (0 without a codec).
    pub fn codec_warnings(&self) -> u64 {
        self.codec.as_ref().map_or(0, |c| c.decoder.warnings())
    }

    /// Returns to the state right after construction, with the parameters it was built with.
    pub fn reset(&mut self) {
        for q in &mut self.quantizers {
            Processor::<f32, f32>::reset(q);
        }
        for s in self.shapers.iter_mut().flatten() {
            s.reset();
        }
        self.retired_stats = QuantStats::default();
        if let Some(c) = &mut self.codec {
            c.reset();
        }
        if let Some(p) = &mut self.pre {
            p.0.reset();
        }
        self.dry.fill(0.0);
        self.dry_pos = 0;
        self.phase = ChannelPhase::new(self.channels);
        self.word.store(self.initial_word, Ordering::Release);
        self.apply(self.initial_word);
    }

    /// Replaces `buffer` (interleaved, any length, partial frames allowed) with the chain's
    /// output. Parameter changes made through [`ChainControl`] take effect here, before the
    /// first sample (when the previous call ended inside a frame, after that frame's last
    /// channel, so that no frame is processed half one way and half another). Never
    /// allocates, locks or panics; NaN becomes 0 and ±∞ clip.
    pub fn process_in_place(&mut self, buffer: &mut [f32]) -> Result<()> {
        let word = self.word.load(Ordering::Acquire);
        let mut rest = buffer;
        if word != self.applied {
            if self.phase.channel != 0 {
                let head = (self.channels - self.phase.channel).min(rest.len());
                let (first, tail) = rest.split_at_mut(head);
                self.process_pieces(first)?;
                rest = tail;
            }
            if self.phase.channel == 0 {
                self.apply(word);
            }
        }
        self.process_pieces(rest)
    }

    fn process_pieces(&mut self, buffer: &mut [f32]) -> Result<()> {
        for piece in buffer.chunks_mut(self.piece) {
            self.process_piece(piece)?;
        }
        self.phase.advance(buffer.len());
        Ok(())
    }

    fn process_piece(&mut self, buf: &mut [f32]) -> Result<()> {
        let n = buf.len();
        // The wet path always runs, bypassed or not, so that switching bypass off resumes
        // with continuous quantizer and codec state.
        let wet = &mut self.wet[..n];
        wet.copy_from_slice(buf);
        if let Some(p) = &mut self.pre {
            p.0.process(wet)?;
        }
        let mut q = requantizer(&mut self.quantizers, &mut self.shapers, self.active);
        match &mut self.codec {
            None => quantize_round_trip(q, wet, &mut self.container)?,
            Some(codec) => {
                // To 16 bits, through the codec, back to float.
                q.process(&*wet, &mut codec.pcm[..n])?;
                codec.process(n)?;
                for (w, &s) in wet.iter_mut().zip(codec.pcm[..n].iter()) {
                    *w = s as f32 * (1.0 / 32768.0);
                }
            }
        }
        // The dry path: the input delayed by the latency, so bypass does not jump in time.
        if !self.dry.is_empty() {
            for x in buf.iter_mut() {
                std::mem::swap(x, &mut self.dry[self.dry_pos]);
                self.dry_pos += 1;
                if self.dry_pos == self.dry.len() {
                    self.dry_pos = 0;
                }
            }
        }
        if !self.bypass {
            buf.copy_from_slice(wet);
        }
        Ok(())
    }
}

fn add_stats(a: QuantStats, b: QuantStats) -> QuantStats {
    QuantStats {
        clipped: a.clipped + b.clipped,
        nan: a.nan + b.nan,
    }
}

/// The quantizer `active` names.
fn requantizer<'a>(
    quantizers: &'a mut [UniformQuantizer],
    shapers: &'a mut [Option<NoiseShaper>],
    active: Active,
) -> Requantizer<'a> {
    match active {
        Active::Plain(i) => Requantizer::Plain(&mut quantizers[i]),
        Active::Shaped(i) => match &mut shapers[i] {
            Some(s) => Requantizer::Shaped(s),
            // `apply` only selects shapers that exist.
            None => Requantizer::Plain(&mut quantizers[0]),
        },
    }
}

impl Processor<f32, f32> for Chain {
    fn channels(&self) -> usize {
        self.channels
    }

    /// Copies `input` to `output` and processes it there.
    fn process(&mut self, input: &[f32], output: &mut [f32]) -> Result<()> {
        if input.len() != output.len() {
            return Err(Error::LengthMismatch {
                input: input.len(),
                output: output.len(),
            });
        }
        output.copy_from_slice(input);
        self.process_in_place(output)
    }

    fn reset(&mut self) {
        Chain::reset(self)
    }
}

/// RNNoise v0.1 ([`Denoiser`]) as a [`PreStage`]: one denoiser per channel, fed sample by
/// sample, so any buffer length works (partial frames included) and no call does more than
/// one 480-sample frame per channel.
///
/// The model runs at 48 kHz only ([`DenoiseStage::SAMPLE_RATE`]); the stage does not know the
/// rate, so run it on 48 kHz signals. Its output is the offline denoiser's (the `denoise`
/// command's, or [`Denoiser`] driven as a [`Stream`](crate::stream::Stream)) delayed by
/// [`DenoiseStage::LATENCY_FRAMES`] = 959 frames (19.98 ms): a frame is processed once its
/// last sample arrived, and its denoised output comes one frame later (the model's overlap),
/// so the earliest a sample can come back is 959 samples after it went in. The first 959
/// output frames are silence. After construction `process` never allocates.
///
/// ```
/// use aquant::chain::{Chain, ChainFormat, ChainOptions, DenoiseStage};
///
/// let chain = Chain::new(&ChainOptions::new(1, ChainFormat::pcm16()))
///     .unwrap()
///     .with_pre_stage(Box::new(DenoiseStage::new(1).unwrap()));
/// assert_eq!(chain.latency_frames(), DenoiseStage::LATENCY_FRAMES);
/// ```
#[derive(Debug)]
pub struct DenoiseStage {
    channels: Vec<ChannelDenoiser>,
    channel: usize,
}

#[derive(Debug)]
struct ChannelDenoiser {
    denoiser: Denoiser,
    input: [f32; FRAME_SIZE],
    output: [f32; FRAME_SIZE],
    /// Position in the current frame (the same for input and output).
    pos: usize,
    /// Whether a frame was processed since reset: the first frame's output is the model's
    /// reconstruction of the silent history before the signal, which the offline stream
    /// drops.
    started: bool,
}

impl DenoiseStage {
    /// The only rate the model runs at, Hz.
    pub const SAMPLE_RATE: u32 = rnnoise::SAMPLE_RATE;
    /// The stage's constant delay, in frames.
    pub const LATENCY_FRAMES: usize = 2 * FRAME_SIZE - 1;

    /// A stage for `channels` interleaved channels (1–64), each denoised on its own.
    pub fn new(channels: usize) -> Result<Self> {
        if !(1..=64).contains(&channels) {
            return Err(Error::invalid(
                "channels",
                format!("{channels} is not in 1..=64"),
            ));
        }
        let denoiser = Denoiser::new();
        Ok(Self {
            channels: (0..channels)
                .map(|_| ChannelDenoiser {
                    denoiser: denoiser.clone(),
                    input: [0.0; FRAME_SIZE],
                    output: [0.0; FRAME_SIZE],
                    pos: 0,
                    started: false,
                })
                .collect(),
            channel: 0,
        })
    }

    /// Voice activity probability of the last frame of `channel` (0 before the first).
    pub fn vad(&self, channel: usize) -> f32 {
        self.channels
            .get(channel)
            .map_or(0.0, |c| c.denoiser.last_frame().vad)
    }
}

impl PreStage for DenoiseStage {
    fn process(&mut self, buffer: &mut [f32]) -> Result<()> {
        let count = self.channels.len();
        for x in buffer.iter_mut() {
            let ch = &mut self.channels[self.channel];
            ch.input[ch.pos] = *x;
            ch.pos += 1;
            if ch.pos == FRAME_SIZE {
                ch.denoiser.process_frame(&ch.input, &mut ch.output);
                if !ch.started {
                    ch.output.fill(0.0);
                    ch.started = true;
                }
                ch.pos = 0;
            }
            // Written out only after the frame that completes here was processed: that is
            // what makes the delay 959 rather than 960.
            *x = ch.output[ch.pos];
            self.channel += 1;
            if self.channel == count {
                self.channel = 0;
            }
        }
        Ok(())
    }

    fn latency_frames(&self) -> usize {
        Self::LATENCY_FRAMES
    }

    fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.denoiser.reset();
            ch.input = [0.0; FRAME_SIZE];
            ch.output = [0.0; FRAME_SIZE];
            ch.pos = 0;
            ch.started = false;
        }
        self.channel = 0;
    }
}
