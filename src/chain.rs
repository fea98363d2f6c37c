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
//! of each call, so a change takes effect at a buffer boundary. Every (bits, dither) setting's
//! quantizer is built up front, so switching is an index change.
//!
//! A [`PreStage`] (a denoiser, a filter) can run before the quantizer:
//! [`Chain::with_pre_stage`].
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
use crate::quant::{QuantStats, UniformQuantizer};
use crate::sample::{AudioSample, I24};
use crate::stream::{Flush, Processor};
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

fn kind_index(kind: DitherKind) -> usize {
    DITHER_KINDS.iter().position(|&k| k == kind).unwrap_or(0)
}

/// The packed parameter word: bits (0 = container default) in bits 0–7, dither kind index in
/// bits 8–15, bypass in bit 16. One word, so a reader never sees half a change.
const BYPASS_BIT: u64 = 1 << 16;

fn pack(bits: Option<u32>, kind: DitherKind, bypass: bool) -> u64 {
    bits.unwrap_or(0) as u64 | (kind_index(kind) as u64) << 8 | if bypass { BYPASS_BIT } else { 0 }
}

/// A lock-free handle that changes a running [`Chain`]'s parameters from any thread.
///
/// Each setter is one atomic read-modify-write; the chain applies the new word at the start of
/// its next `process` call (a buffer boundary). Cloning shares the same chain.
#[derive(Debug, Clone)]
pub struct ChainControl {
    word: Arc<AtomicU64>,
    max_bits: u32,
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

    /// Sets the dither kind (amplitude and seed stay as built).
    pub fn set_dither(&self, kind: DitherKind) {
        self.update(|w| (w & !0xff00) | (kind_index(kind) as u64) << 8);
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

    /// The current dither kind.
    pub fn dither(&self) -> DitherKind {
        DITHER_KINDS[((self.word.load(Ordering::Acquire) >> 8) & 0xff) as usize % 4]
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

/// Quantizes `buf` into the container and back to float, in place.
fn quantize_round_trip(q: &mut UniformQuantizer, buf: &mut [f32], c: &mut Container) -> Result<()> {
    fn back<T: AudioSample>(
        q: &mut UniformQuantizer,
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
        Container::U8(s) => back(q, buf, s),
        Container::I16(s) => back(q, buf, s),
        Container::I24(s) => back(q, buf, s),
        Container::I32(s) => back(q, buf, s),
        Container::F32(s) => back(q, buf, s),
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
    /// One quantizer per (depth slot, dither kind); slot 0 is "no depth given".
    quantizers: Vec<UniformQuantizer>,
    active: usize,
    container: Container,
    codec: Option<CodecStage>,
    word: Arc<AtomicU64>,
    applied: u64,
    bypass: bool,
    /// Input delayed by the chain's latency, for bypass.
    dry: Vec<f32>,
    dry_pos: usize,
    /// The processed copy of the current piece.
    wet: Vec<f32>,
    piece: usize,
    initial_word: u64,
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
        let mut quantizers = Vec::with_capacity((max_bits as usize + 1) * DITHER_KINDS.len());
        for slot in 0..=max_bits {
            let bits = if slot == 0 { options.bits } else { Some(slot) };
            for kind in DITHER_KINDS {
                let dither = Dither {
                    kind,
                    ..options.dither
                };
                quantizers.push(UniformQuantizer::new(channels, bits, dither)?);
            }
        }
        let piece = options.max_frames * channels;
        let codec = match codec {
            None => None,
            Some((e, d)) => Some(CodecStage::new(e, d, format.name(), channels, piece)?),
        };
        let latency_samples = codec.as_ref().map_or(0, |c| c.latency_samples);
        let word = pack(options.bits, options.dither.kind, false);
        let mut chain = Self {
            pre: None,
            channels,
            format,
            max_bits,
            quantizers,
            active: 0,
            container: Container::new(format.container(), piece),
            codec,
            word: Arc::new(AtomicU64::new(word)),
            applied: u64::MAX,
            bypass: false,
            dry: vec![0.0; latency_samples],
            dry_pos: 0,
            wet: vec![0.0; piece],
            piece,
            initial_word: word,
        };
        // Validates `bits` against the container now rather than on the first buffer.
        chain.apply(word);
        let mut probe = [0.0f32; 1];
        let q = &mut chain.quantizers[chain.active];
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
        let kind = ((word >> 8) & 0xff) as usize % DITHER_KINDS.len();
        self.active = slot * DITHER_KINDS.len() + kind;
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

    /// Frames of leading silence before the first processed frame (a block codec's lag; 0 for
    /// quantizers and sample codecs). Feed this many frames of silence after the last input
    /// frame to hear all of it.
    pub fn latency_frames(&self) -> usize {
        self.codec
            .as_ref()
            .map_or(0, |c| c.latency_samples / self.channels)
            + self.pre.as_ref().map_or(0, |p| p.0.latency_frames())
    }

    /// Clipped and NaN counts of every quantizer since construction or reset.
    pub fn stats(&self) -> QuantStats {
        self.quantizers
            .iter()
            .fold(QuantStats::default(), |a, q| QuantStats {
                clipped: a.clipped + q.stats().clipped,
                nan: a.nan + q.stats().nan,
            })
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
        if let Some(c) = &mut self.codec {
            c.reset();
        }
        if let Some(p) = &mut self.pre {
            p.0.reset();
        }
        self.dry.fill(0.0);
        self.dry_pos = 0;
        self.word.store(self.initial_word, Ordering::Release);
        self.apply(self.initial_word);
    }

    /// Replaces `buffer` (interleaved, any length, partial frames allowed) with the chain's
    /// output. Parameter changes made through [`ChainControl`] take effect here, before the
    /// first sample. Never allocates, locks or panics; NaN becomes 0 and ±∞ clip.
    pub fn process_in_place(&mut self, buffer: &mut [f32]) -> Result<()> {
        let word = self.word.load(Ordering::Acquire);
        if word != self.applied {
            self.apply(word);
        }
        for piece in buffer.chunks_mut(self.piece) {
            self.process_piece(piece)?;
        }
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
        let q = &mut self.quantizers[self.active];
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
