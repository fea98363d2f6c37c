//! PCM and float32 WAV files, through hound.
//!
//! hound parses and writes the headers; sample data is moved in large blocks of raw bytes so
//! that memory stays bounded (a block at a time) and conversion runs at memory speed.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

use super::{Encoding, SampleBuf};

/// Format of a PCM/float WAV stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcmSpec {
    /// Interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub sample_rate: u32,
    /// Sample encoding.
    pub encoding: Encoding,
}

/// Streams the samples of a PCM (8/16/24/32-bit) or float32 WAV file.
pub struct WavPcmReader {
    path: PathBuf,
    inner: BufReader<File>,
    spec: PcmSpec,
    /// Bytes of sample data not yet read.
    remaining: u64,
    raw: Vec<u8>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl WavPcmReader {
    /// Opens `path`. Formats hound cannot read (ADPCM, mu-law, ...) give
    /// [`Error::Unsupported`] naming the file and its format tag.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(io_err(path))?;
        let file_len = file.metadata().map_err(io_err(path))?.len();
        if let Some(fmt) = super::peek_wav_fmt(path) {
            if fmt.tag != 0x0001 && fmt.tag != 0x0003 {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                    what: describe_format_tag(path),
                });
            }
        }
        let reader = match hound::WavReader::new(BufReader::with_capacity(1 << 16, file)) {
            Ok(r) => r,
            // hound refuses some valid files (a pad byte after an odd-sized chunk, sizes left
            // unpatched by a streaming writer); our RIFF parser reads those.
            Err(e) => return Self::open_with_riff(path).map_err(|_| hound_err(path, e)),
        };
        let s = reader.spec();
        let samples = reader.len() as u64;
        let mut inner = reader.into_inner();
        // hound reports the valid bits; the container width comes from the block align.
        let bytes_per_sample = match super::peek_wav_fmt(path) {
            Some(fmt) if fmt.channels > 0 => (fmt.block_align / fmt.channels) as usize,
            _ => (s.bits_per_sample as usize).div_ceil(8),
        };
        let encoding = match (s.sample_format, bytes_per_sample) {
            (hound::SampleFormat::Int, 1) => Encoding::U8,
            (hound::SampleFormat::Int, 2) => Encoding::I16,
            (hound::SampleFormat::Int, 3) => Encoding::I24,
            (hound::SampleFormat::Int, 4) => Encoding::I32,
            (hound::SampleFormat::Float, 4) => Encoding::F32,
            (f, b) => {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                    what: format!("{f:?} samples of {b} bytes"),
                })
            }
        };
        let data_len = samples * bytes_per_sample as u64;
        if s.channels == 0 {
            return Err(malformed(path, "fmt ", "channel count is 0"));
        }
        if s.sample_rate == 0 {
            return Err(malformed(path, "fmt ", "sample rate is 0"));
        }
        let pos = inner.stream_position().map_err(io_err(path))?;
        let available = file_len.saturating_sub(pos);
        let frame_bytes = s.channels as u64 * bytes_per_sample as u64;
        let mut remaining = data_len;
        if remaining > available {
            if data_len >= u32::MAX as u64 - 8 {
                // A streamed WAV (written to a pipe) leaves the size unset: read to the end.
                remaining = available;
            } else {
                return Err(malformed(
                    path,
                    "data",
                    format!("chunk declares {data_len} bytes but the file holds only {available} after its start"),
                ));
            }
        }
        // A trailing partial frame is not audio: ignore it, as sox and ffmpeg do.
        remaining -= remaining % frame_bytes;
        Ok(Self {
            path: path.to_path_buf(),
            inner,
            spec: PcmSpec {
                channels: s.channels,
                sample_rate: s.sample_rate,
                encoding,
            },
            remaining,
            raw: Vec::new(),
        })
    }

    /// Opens a PCM or float32 WAV through [`super::riff`] instead of hound.
    fn open_with_riff(path: &Path) -> Result<Self> {
        let header = super::riff::WavReader::open(path)?.header().clone();
        let f = &header.format;
        let channels = f.channels;
        let bytes = f.block_align as usize / channels.max(1) as usize;
        let encoding = match (f.codec_tag(), bytes) {
            (0x0001, 1) => Encoding::U8,
            (0x0001, 2) => Encoding::I16,
            (0x0001, 3) => Encoding::I24,
            (0x0001, 4) => Encoding::I32,
            (0x0003, 4) => Encoding::F32,
            (tag, b) => {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                    what: format!("format tag 0x{tag:04X} with {b}-byte samples"),
                })
            }
        };
        let bits = f.bits_per_sample as usize;
        if channels == 0
            || f.sample_rate == 0
            || f.block_align as usize != bytes * channels as usize
            || bits == 0
            || bits > bytes * 8
            || bits + 8 <= bytes * 8
            || header.data_len % f.block_align as u64 != 0
        {
            return Err(malformed(path, "fmt ", "inconsistent fmt chunk"));
        }
        let mut inner = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_err(path))?);
        inner
            .seek(std::io::SeekFrom::Start(header.data_offset))
            .map_err(io_err(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            inner,
            spec: PcmSpec {
                channels,
                sample_rate: f.sample_rate,
                encoding,
            },
            remaining: header.data_len,
            raw: Vec::new(),
        })
    }

    /// The stream's format.
    pub fn spec(&self) -> PcmSpec {
        self.spec
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames not yet read.
    pub fn frames_remaining(&self) -> u64 {
        self.remaining / (self.spec.channels as u64 * self.spec.encoding.bytes() as u64)
    }

    /// Reads up to `max_frames` frames into `buf` (replacing its contents, of this file's
    /// encoding). Returns the frames read; 0 at the end.
    pub fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let frame_bytes = self.spec.channels as usize * self.spec.encoding.bytes();
        let want = (max_frames as u64 * frame_bytes as u64).min(self.remaining) as usize;
        self.raw.resize(want, 0);
        self.inner
            .read_exact(&mut self.raw)
            .map_err(io_err(&self.path))?;
        self.remaining -= want as u64;
        buf.decode_le(self.spec.encoding, &self.raw);
        Ok(want / frame_bytes)
    }
}

impl super::SampleSource for WavPcmReader {
    fn spec(&self) -> PcmSpec {
        self.spec
    }
    fn frames_remaining(&self) -> Option<u64> {
        Some(WavPcmReader::frames_remaining(self))
    }
    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        WavPcmReader::read_frames(self, buf, max_frames)
    }
}

impl<W: Write + Seek> super::SampleSink for WavPcmWriter<W> {
    fn write(&mut self, buf: &SampleBuf) -> Result<()> {
        WavPcmWriter::write(self, buf)
    }
    fn finalize(self: Box<Self>) -> Result<()> {
        WavPcmWriter::finalize(*self)
    }
}

/// Writes a PCM (8/16/24/32-bit) or float32 WAV stream.
pub struct WavPcmWriter<W: Write + Seek> {
    inner: hound::WavWriter<W>,
    path: PathBuf,
    encoding: Encoding,
}

impl WavPcmWriter<BufWriter<File>> {
    /// Creates a writer on an open file; `path` is used in error messages.
    pub fn new(file: File, path: impl AsRef<Path>, spec: PcmSpec) -> Result<Self> {
        Self::from_writer(BufWriter::with_capacity(1 << 16, file), path, spec)
    }
}

impl<W: Write + Seek> WavPcmWriter<W> {
    /// Creates a writer over any seekable sink.
    pub fn from_writer(w: W, path: impl AsRef<Path>, spec: PcmSpec) -> Result<Self> {
        let path = path.as_ref();
        let (bits, fmt) = match spec.encoding {
            Encoding::U8 => (8, hound::SampleFormat::Int),
            Encoding::I16 => (16, hound::SampleFormat::Int),
            Encoding::I24 => (24, hound::SampleFormat::Int),
            Encoding::I32 => (32, hound::SampleFormat::Int),
            Encoding::F32 => (32, hound::SampleFormat::Float),
        };
        let inner = hound::WavWriter::new(
            w,
            hound::WavSpec {
                channels: spec.channels,
                sample_rate: spec.sample_rate,
                bits_per_sample: bits,
                sample_format: fmt,
            },
        )
        .map_err(|e| hound_err(path, e))?;
        Ok(Self {
            inner,
            path: path.to_path_buf(),
            encoding: spec.encoding,
        })
    }

    /// Appends the samples of `buf` (which must be of this writer's encoding).
    pub fn write(&mut self, buf: &SampleBuf) -> Result<()> {
        let path = &self.path;
        let e = |e| hound_err(path, e);
        match (buf, self.encoding) {
            (SampleBuf::I16(v), Encoding::I16) => {
                let mut w = self.inner.get_i16_writer(v.len() as u32);
                for &s in v {
                    w.write_sample(s);
                }
                w.flush().map_err(e)?;
            }
            (SampleBuf::U8(v), Encoding::U8) => {
                for &s in v {
                    self.inner.write_sample((s as i16 - 128) as i8).map_err(e)?;
                }
            }
            (SampleBuf::I24(v), Encoding::I24) => {
                for &s in v {
                    self.inner.write_sample(s.inner()).map_err(e)?;
                }
            }
            (SampleBuf::I32(v), Encoding::I32) => {
                for &s in v {
                    self.inner.write_sample(s).map_err(e)?;
                }
            }
            (SampleBuf::F32(v), Encoding::F32) => {
                for &s in v {
                    self.inner.write_sample(s).map_err(e)?;
                }
            }
            _ => {
                return Err(Error::invalid(
                    "buf",
                    format!(
                        "{:?} samples given to a {:?} writer",
                        buf.encoding(),
                        self.encoding
                    ),
                ))
            }
        }
        Ok(())
    }

    /// Patches the header sizes and flushes. Returns the inner writer.
    pub fn finalize(self) -> Result<()> {
        let path = self.path;
        self.inner.finalize().map_err(|e| hound_err(&path, e))
    }
}

fn malformed(path: &Path, chunk: &str, what: impl Into<String>) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        chunk: chunk.into(),
        what: what.into(),
    }
}

fn hound_err(path: &Path, e: hound::Error) -> Error {
    match e {
        // hound reports a short read inside the header as an `Other` error with this text.
        hound::Error::IoError(source)
            if source.kind() == std::io::ErrorKind::UnexpectedEof
                || source.to_string() == "Failed to read enough bytes." =>
        {
            malformed(path, "header", "file ends inside the WAV header")
        }
        hound::Error::IoError(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        hound::Error::FormatError(what) => malformed(path, "header", what),
        hound::Error::Unsupported => Error::Unsupported {
            path: path.to_path_buf(),
            what: describe_format_tag(path),
        },
        other => malformed(path, "header", other.to_string()),
    }
}

/// Names the format tag of a WAV file that hound refused, for the error message.
fn describe_format_tag(path: &Path) -> String {
    match super::peek_wav_fmt(path).map(|f| f.tag) {
        Some(tag) => format!(
            "WAV format tag 0x{tag:04X} ({}) is not PCM or float32",
            super::format_tag_name(tag)
        ),
        None => "not a PCM or float32 WAV file".into(),
    }
}
