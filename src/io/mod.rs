//! File formats. This layer knows files, not DSP: it moves samples and codec bytes in and out
//! of containers (RIFF/WAVE for any format tag, Sun/NeXT `.au`, headerless raw), with strict
//! validation and errors that name the file and the chunk.

pub mod au;
pub mod raw;
pub mod riff;
mod symphonia_source;
pub mod wav;

use std::io::Read;
use std::path::Path;

use crate::sample::I24;
use crate::Result;

pub use wav::PcmSpec;

/// A source of interleaved linear samples: a file reader, or a decoder composed over one.
pub trait SampleSource: Send {
    /// The stream's format (the encoding of the buffers it fills).
    fn spec(&self) -> PcmSpec;
    /// Frames left to read, when known.
    fn frames_remaining(&self) -> Option<u64>;
    /// Reads up to `max_frames` frames into `buf` (replacing its contents). Returns the frames
    /// read; 0 at the end.
    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize>;
}

/// A sink of interleaved linear samples: a file writer, or an encoder composed over one.
pub trait SampleSink {
    /// Appends the samples of `buf`.
    fn write(&mut self, buf: &SampleBuf) -> Result<()>;
    /// Completes the file (patches headers, flushes).
    fn finalize(self: Box<Self>) -> Result<()>;
}

/// How linear samples are stored in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Unsigned 8-bit (offset binary, as WAV stores 8-bit).
    U8,
    /// Signed 16-bit little-endian.
    I16,
    /// Signed 24-bit little-endian, packed in 3 bytes.
    I24,
    /// Signed 32-bit little-endian.
    I32,
    /// IEEE float32 little-endian.
    F32,
}

impl Encoding {
    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            Encoding::U8 => 1,
            Encoding::I16 => 2,
            Encoding::I24 => 3,
            Encoding::I32 | Encoding::F32 => 4,
        }
    }
    /// Bits of precision (24 for float32's mantissa).
    pub fn bits(self) -> u32 {
        match self {
            Encoding::U8 => 8,
            Encoding::I16 => 16,
            Encoding::I24 | Encoding::F32 => 24,
            Encoding::I32 => 32,
        }
    }
    /// Whether samples are floats.
    pub fn is_float(self) -> bool {
        self == Encoding::F32
    }
    /// A short name (`pcm16`, `f32`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::U8 => "pcm8",
            Encoding::I16 => "pcm16",
            Encoding::I24 => "pcm24",
            Encoding::I32 => "pcm32",
            Encoding::F32 => "f32",
        }
    }
}

/// A block of interleaved samples in one of the file encodings.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleBuf {
    /// Unsigned 8-bit.
    U8(Vec<u8>),
    /// Signed 16-bit.
    I16(Vec<i16>),
    /// Signed 24-bit.
    I24(Vec<I24>),
    /// Signed 32-bit.
    I32(Vec<i32>),
    /// Float32.
    F32(Vec<f32>),
}

impl SampleBuf {
    /// An empty buffer of `encoding`.
    pub fn new(encoding: Encoding) -> Self {
        match encoding {
            Encoding::U8 => SampleBuf::U8(Vec::new()),
            Encoding::I16 => SampleBuf::I16(Vec::new()),
            Encoding::I24 => SampleBuf::I24(Vec::new()),
            Encoding::I32 => SampleBuf::I32(Vec::new()),
            Encoding::F32 => SampleBuf::F32(Vec::new()),
        }
    }
    /// The buffer's encoding.
    pub fn encoding(&self) -> Encoding {
        match self {
            SampleBuf::U8(_) => Encoding::U8,
            SampleBuf::I16(_) => Encoding::I16,
            SampleBuf::I24(_) => Encoding::I24,
            SampleBuf::I32(_) => Encoding::I32,
            SampleBuf::F32(_) => Encoding::F32,
        }
    }
    /// Samples held.
    pub fn len(&self) -> usize {
        match self {
            SampleBuf::U8(v) => v.len(),
            SampleBuf::I16(v) => v.len(),
            SampleBuf::I24(v) => v.len(),
            SampleBuf::I32(v) => v.len(),
            SampleBuf::F32(v) => v.len(),
        }
    }
    /// Whether the buffer holds no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Resizes to `len` samples of `encoding` (zero-filled), reusing the allocation when the
    /// encoding is unchanged.
    pub fn reset_to(&mut self, encoding: Encoding, len: usize) {
        if self.encoding() != encoding {
            *self = SampleBuf::new(encoding);
        }
        match self {
            SampleBuf::U8(v) => v.resize(len, 128),
            SampleBuf::I16(v) => v.resize(len, 0),
            SampleBuf::I24(v) => v.resize(len, I24::new_unchecked(0)),
            SampleBuf::I32(v) => v.resize(len, 0),
            SampleBuf::F32(v) => v.resize(len, 0.0),
        }
    }
    /// Replaces the contents with the little-endian samples in `raw`.
    pub fn decode_le(&mut self, encoding: Encoding, raw: &[u8]) {
        let n = raw.len() / encoding.bytes();
        self.reset_to(encoding, n);
        match self {
            SampleBuf::U8(v) => v.copy_from_slice(&raw[..n]),
            SampleBuf::I16(v) => {
                for (s, b) in v.iter_mut().zip(raw.chunks_exact(2)) {
                    *s = i16::from_le_bytes([b[0], b[1]]);
                }
            }
            SampleBuf::I24(v) => {
                for (s, b) in v.iter_mut().zip(raw.chunks_exact(3)) {
                    *s = I24::new_unchecked(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8);
                }
            }
            SampleBuf::I32(v) => {
                for (s, b) in v.iter_mut().zip(raw.chunks_exact(4)) {
                    *s = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            SampleBuf::F32(v) => {
                for (s, b) in v.iter_mut().zip(raw.chunks_exact(4)) {
                    *s = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
        }
    }
    /// Each sample as f64 at full scale ±1 (exact), for measurements.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        use crate::sample::AudioSample;
        match self {
            SampleBuf::U8(v) => v.iter().map(|s| s.to_f64()).collect(),
            SampleBuf::I16(v) => v.iter().map(|s| s.to_f64()).collect(),
            SampleBuf::I24(v) => v.iter().map(|s| s.to_f64()).collect(),
            SampleBuf::I32(v) => v.iter().map(|s| s.to_f64()).collect(),
            SampleBuf::F32(v) => v.iter().map(|&s| s as f64).collect(),
        }
    }
}

/// Opens `path` through the general-purpose decoders (FLAC, MP3, Ogg Vorbis, AIFF, CAF, WAV
/// variants our own reader refuses). The library behind them is not part of the public API.
pub(crate) fn open_general(path: &Path) -> Result<Box<dyn SampleSource>> {
    symphonia_source::open(path)
}

/// Whether `path` starts like a RIFF/WAVE file (our own reader's domain: its errors are final).
/// A file cut inside those first 12 bytes counts, so that it gets the WAV reader's message.
pub(crate) fn looks_like_wav(path: &Path) -> bool {
    let mut head = Vec::with_capacity(12);
    match std::fs::File::open(path).and_then(|f| f.take(12).read_to_end(&mut head)) {
        Ok(n) => head.starts_with(b"RIFF") && (n < 12 || &head[8..12] == b"WAVE"),
        Err(_) => false,
    }
}

/// The essentials of a WAV file's `fmt ` chunk, read without validation (for messages and for
/// what hound does not report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFmtPeek {
    /// Format tag, with WAVE_FORMAT_EXTENSIBLE resolved to its sub-format.
    pub tag: u16,
    /// Channel count.
    pub channels: u16,
    /// Bytes per frame.
    pub block_align: u16,
}

/// Reads the `fmt ` chunk of `path`, if it is a RIFF/WAVE file with one among its first 64
/// chunks.
pub fn peek_wav_fmt(path: &Path) -> Option<WavFmtPeek> {
    let mut f = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let mut head = [0u8; 12];
    f.read_exact(&mut head).ok()?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return None;
    }
    for _ in 0..64 {
        let mut ch = [0u8; 8];
        f.read_exact(&mut ch).ok()?;
        let len = u32::from_le_bytes([ch[4], ch[5], ch[6], ch[7]]) as u64;
        if &ch[0..4] == b"fmt " {
            let mut fmt = [0u8; 40];
            let n = (len as usize).min(40);
            f.read_exact(&mut fmt[..n]).ok()?;
            if n < 16 {
                return None;
            }
            let le = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
            let mut tag = le(0);
            if tag == 0xFFFE && n >= 26 {
                tag = le(24);
            }
            return Some(WavFmtPeek {
                tag,
                channels: le(2),
                block_align: le(12),
            });
        }
        std::io::copy(&mut (&mut f).take(len + (len & 1)), &mut std::io::sink()).ok()?;
    }
    None
}

/// A human name for a WAV format tag.
pub fn format_tag_name(tag: u16) -> &'static str {
    match tag {
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0045 => "G.726",
        0x0055 => "MPEG Layer 3",
        0x028F => "G.722",
        0xFFFE => "extensible",
        _ => "unknown",
    }
}
