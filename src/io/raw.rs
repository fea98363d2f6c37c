//! Headerless raw audio: the bytes are the samples, and the caller states what they are
//! (encoding, rate, channels), since nothing in the file does. aquant checks the stated shape
//! (rate 1 Hz–1 MHz, 1–32 channels) and that the data holds whole frames.
//!
//! ```
//! use aquant::io::raw::{RawEncoding, RawSpec};
//!
//! let spec = RawSpec::new(RawEncoding::MuLaw, 8000, 2)?;
//! assert_eq!(spec.frame_bytes(), 2);
//! assert_eq!(spec.frames_in("x.raw", 6)?, 3);
//! assert!(spec.frames_in("x.raw", 5).is_err()); // half a frame at the end
//! assert!(RawSpec::new(RawEncoding::ALaw, 0, 1).is_err());
//! # Ok::<(), aquant::Error>(())
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::codecs::g711::Law;
use crate::{Error, Result};

/// Most channels accepted.
pub const MAX_CHANNELS: u32 = 32;
/// Highest sample rate accepted, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 1_000_000;

/// What the bytes of a raw file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawEncoding {
    /// G.711 mu-law, one byte per sample.
    MuLaw,
    /// G.711 A-law, one byte per sample (transmitted form, even bits inverted).
    ALaw,
    /// 16-bit signed little-endian PCM.
    S16Le,
}

impl RawEncoding {
    /// Bytes per sample.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            RawEncoding::MuLaw | RawEncoding::ALaw => 1,
            RawEncoding::S16Le => 2,
        }
    }

    /// The G.711 law, for the companded encodings.
    pub fn law(self) -> Option<Law> {
        match self {
            RawEncoding::MuLaw => Some(Law::MuLaw),
            RawEncoding::ALaw => Some(Law::ALaw),
            RawEncoding::S16Le => None,
        }
    }
}

/// The stated shape of a raw stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSpec {
    /// Sample encoding.
    pub encoding: RawEncoding,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u32,
}

impl RawSpec {
    /// A checked spec.
    pub fn new(encoding: RawEncoding, sample_rate: u32, channels: u32) -> Result<Self> {
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(Error::invalid(
                "channels",
                format!("{channels} is not in 1..={MAX_CHANNELS}"),
            ));
        }
        if !(1..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(Error::invalid(
                "rate",
                format!("{sample_rate} Hz is not in 1..={MAX_SAMPLE_RATE}"),
            ));
        }
        Ok(Self {
            encoding,
            sample_rate,
            channels,
        })
    }

    /// Bytes per frame.
    pub fn frame_bytes(&self) -> usize {
        self.encoding.bytes_per_sample() * self.channels as usize
    }

    /// The frames in `len` bytes of `path`; a partial frame is [`Error::Malformed`].
    pub fn frames_in(&self, path: impl AsRef<Path>, len: u64) -> Result<u64> {
        let frame = self.frame_bytes() as u64;
        if !len.is_multiple_of(frame) {
            return Err(Error::Malformed {
                path: path.as_ref().to_path_buf(),
                chunk: "raw data".into(),
                what: format!(
                    "{len} bytes are not whole frames of {frame} bytes ({} channels)",
                    self.channels
                ),
            });
        }
        Ok(len / frame)
    }
}

/// Reads a raw stream in whole frames: each [`read_frames`](Self::read_frames) call fills a
/// buffer with as many whole frames as it holds; a stream that ends mid-frame is
/// [`Error::Malformed`].
#[derive(Debug)]
pub struct RawReader<R> {
    inner: R,
    path: PathBuf,
    spec: RawSpec,
}

impl<R: Read> RawReader<R> {
    /// A reader of `inner` as `spec`; `name` is used in error messages.
    pub fn new(inner: R, name: impl Into<PathBuf>, spec: RawSpec) -> Self {
        Self {
            inner,
            path: name.into(),
            spec,
        }
    }

    /// The stated shape.
    pub fn spec(&self) -> RawSpec {
        self.spec
    }

    /// Fills `buf` with whole frames (up to `buf.len()` rounded down to a frame); returns the
    /// bytes read, 0 at the end of the stream.
    pub fn read_frames(&mut self, buf: &mut [u8]) -> Result<usize> {
        let frame = self.spec.frame_bytes();
        let want = buf.len() / frame * frame;
        let mut filled = 0;
        while filled < want {
            match self.inner.read(&mut buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::Io {
                        path: self.path.clone(),
                        source: e,
                    })
                }
            }
        }
        if filled % frame != 0 {
            return Err(Error::Malformed {
                path: self.path.clone(),
                chunk: "raw data".into(),
                what: format!("stream ends inside a frame of {frame} bytes"),
            });
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_frames_and_rejects_a_partial_one() {
        let spec = RawSpec::new(RawEncoding::S16Le, 8000, 2).unwrap();
        let data: Vec<u8> = (0..12).collect();
        let mut r = RawReader::new(&data[..], "r.raw", spec);
        let mut buf = [0u8; 7];
        assert_eq!(r.read_frames(&mut buf).unwrap(), 4);
        assert_eq!(r.read_frames(&mut buf).unwrap(), 4);
        assert_eq!(r.read_frames(&mut buf).unwrap(), 4);
        assert_eq!(r.read_frames(&mut buf).unwrap(), 0);
        let mut r = RawReader::new(&data[..5], "r.raw", spec);
        assert_eq!(r.read_frames(&mut buf).unwrap(), 4);
        let e = r.read_frames(&mut buf).unwrap_err().to_string();
        assert!(e.contains("r.raw") && e.contains("frame"), "{e}");
        assert!(RawSpec::new(RawEncoding::MuLaw, 8000, 33).is_err());
        assert!(RawSpec::new(RawEncoding::MuLaw, 1_000_001, 1).is_err());
    }
}
