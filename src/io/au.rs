//! Sun/NeXT audio files (`.au`, `.snd`): a 24-byte big-endian header, an annotation, and
//! big-endian samples. Read and written: mu-law (encoding 1), A-law (27), linear 8/16/24/32-bit
//! (2–5), float 32/64 (6, 7), and, mono only as libsndfile has them, G.721 32 kbit/s ADPCM (23)
//! and G.723 24 and 40 kbit/s ADPCM (25, 26): packed codewords, whose bytes this layer moves
//! as they are (the codewords are [`g726`](crate::codecs::g726)'s business).
//!
//! # Validation
//!
//! Magic `.snd`; data offset ≥ 24 and within the file; channels 1–[`MAX_CHANNELS`]; rate
//! 1 Hz–[`MAX_SAMPLE_RATE`]; a data size that fits in the file and holds whole frames, or
//! `0xFFFFFFFF` ("unknown": the data runs to the end of the file, which must then hold whole
//! frames). Anything else is [`Error::Malformed`] or, for other encodings,
//! [`Error::Unsupported`]. Nothing is allocated from a header field.
//!
//! # Example
//!
//! ```
//! use aquant::io::au::{AuEncoding, AuReader, AuWriter};
//! use std::io::{Cursor, Read};
//!
//! let mut w = AuWriter::new(Cursor::new(Vec::new()), "mem.au", AuEncoding::MuLaw, 8000, 1)?;
//! w.write_data(&[0xFF, 0x80, 0x00])?;
//! let bytes = w.finalize()?.into_inner();
//!
//! let mut r = AuReader::new(Cursor::new(bytes), "mem.au")?;
//! assert_eq!(r.header().encoding, AuEncoding::MuLaw);
//! assert_eq!((r.header().sample_rate, r.header().channels, r.header().data_len), (8000, 1, 3));
//! let mut data = Vec::new();
//! r.read_to_end(&mut data).unwrap();
//! assert_eq!(data, [0xFF, 0x80, 0x00]);
//! # Ok::<(), aquant::Error>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::codecs::g711::{decode_sample, Law};
use crate::sample::{AudioSample, SampleKind};
use crate::{Error, Result};

/// Most channels accepted.
pub const MAX_CHANNELS: u32 = 32;
/// Highest sample rate accepted, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 1_000_000;
/// The data-size value meaning "unknown, to the end of the file".
pub const UNKNOWN_SIZE: u32 = 0xFFFF_FFFF;

const MAGIC: &[u8; 4] = b".snd";
/// Header plus the 4-byte minimum annotation we write.
const WRITTEN_OFFSET: u32 = 28;

/// A sample encoding of the AU format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuEncoding {
    /// 1: 8-bit G.711 mu-law.
    MuLaw,
    /// 27: 8-bit G.711 A-law.
    ALaw,
    /// 2: 8-bit signed linear.
    Linear8,
    /// 3: 16-bit signed linear, big-endian.
    Linear16,
    /// 4: 24-bit signed linear, big-endian.
    Linear24,
    /// 5: 32-bit signed linear, big-endian.
    Linear32,
    /// 6: 32-bit IEEE float, big-endian.
    Float32,
    /// 7: 64-bit IEEE float, big-endian.
    Float64,
    /// 23: G.721 32 kbit/s ADPCM, 4-bit codewords packed LSB-first (mono only).
    G721Kbps32,
    /// 25: G.723 24 kbit/s ADPCM, 3-bit codewords packed LSB-first (mono only).
    G723Kbps24,
    /// 26: G.723 40 kbit/s ADPCM, 5-bit codewords packed LSB-first (mono only).
    G723Kbps40,
}

impl AuEncoding {
    /// The header's encoding number.
    pub fn code(self) -> u32 {
        match self {
            AuEncoding::MuLaw => 1,
            AuEncoding::Linear8 => 2,
            AuEncoding::Linear16 => 3,
            AuEncoding::Linear24 => 4,
            AuEncoding::Linear32 => 5,
            AuEncoding::Float32 => 6,
            AuEncoding::Float64 => 7,
            AuEncoding::ALaw => 27,
            AuEncoding::G721Kbps32 => 23,
            AuEncoding::G723Kbps24 => 25,
            AuEncoding::G723Kbps40 => 26,
        }
    }

    /// The encoding of a header number, if supported.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            1 => AuEncoding::MuLaw,
            2 => AuEncoding::Linear8,
            3 => AuEncoding::Linear16,
            4 => AuEncoding::Linear24,
            5 => AuEncoding::Linear32,
            6 => AuEncoding::Float32,
            7 => AuEncoding::Float64,
            27 => AuEncoding::ALaw,
            23 => AuEncoding::G721Kbps32,
            25 => AuEncoding::G723Kbps24,
            26 => AuEncoding::G723Kbps40,
            _ => return None,
        })
    }

    /// Bytes per sample; for the packed ADPCM encodings, 1 (their data is a byte stream, see
    /// [`packed_bits`](Self::packed_bits)).
    pub fn bytes_per_sample(self) -> usize {
        match self {
            AuEncoding::MuLaw | AuEncoding::ALaw | AuEncoding::Linear8 => 1,
            AuEncoding::G721Kbps32 | AuEncoding::G723Kbps24 | AuEncoding::G723Kbps40 => 1,
            AuEncoding::Linear16 => 2,
            AuEncoding::Linear24 => 3,
            AuEncoding::Linear32 | AuEncoding::Float32 => 4,
            AuEncoding::Float64 => 8,
        }
    }

    /// Bits per codeword of the packed ADPCM encodings (G.721: 4, G.723: 3 or 5), `None` for
    /// the others.
    pub fn packed_bits(self) -> Option<u32> {
        match self {
            AuEncoding::G721Kbps32 => Some(4),
            AuEncoding::G723Kbps24 => Some(3),
            AuEncoding::G723Kbps40 => Some(5),
            _ => None,
        }
    }

    /// The G.711 law, for the companded encodings.
    pub fn law(self) -> Option<Law> {
        match self {
            AuEncoding::MuLaw => Some(Law::MuLaw),
            AuEncoding::ALaw => Some(Law::ALaw),
            _ => None,
        }
    }

    /// The companded encoding of a G.711 law.
    pub fn from_law(law: Law) -> Self {
        match law {
            Law::MuLaw => AuEncoding::MuLaw,
            Law::ALaw => AuEncoding::ALaw,
        }
    }
}

/// What an AU header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuHeader {
    /// Sample encoding.
    pub encoding: AuEncoding,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u32,
    /// Offset of the first data byte.
    pub data_offset: u64,
    /// Data bytes (resolved to the end of the file when the header said "unknown").
    pub data_len: u64,
}

impl AuHeader {
    /// Bytes per frame.
    pub fn frame_bytes(&self) -> usize {
        self.encoding.bytes_per_sample() * self.channels as usize
    }

    /// Frames in the data (for packed codewords, the whole codewords it holds).
    pub fn frames(&self) -> u64 {
        match self.encoding.packed_bits() {
            Some(bits) => self.data_len * 8 / (bits as u64 * self.channels as u64),
            None => self.data_len / self.frame_bytes() as u64,
        }
    }
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn malformed(path: &Path, what: impl Into<String>) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        chunk: "au header".into(),
        what: what.into(),
    }
}

fn check_shape(path: &Path, encoding: AuEncoding, rate: u32, channels: u32) -> Result<()> {
    if encoding.packed_bits().is_some() && channels != 1 {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "AU encoding {} (G.721/G.723 ADPCM) with {channels} channels: it is mono only, \
                 as libsndfile defines it",
                encoding.code()
            ),
        });
    }
    if !(1..=MAX_CHANNELS).contains(&channels) {
        return Err(malformed(
            path,
            format!("channel count {channels} is not in 1..={MAX_CHANNELS}"),
        ));
    }
    if !(1..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(malformed(
            path,
            format!("sample rate {rate} Hz is not in 1..={MAX_SAMPLE_RATE}"),
        ));
    }
    Ok(())
}

/// A streaming reader of an AU file's sample data; see the [module docs](self).
#[derive(Debug)]
pub struct AuReader<R> {
    inner: R,
    path: PathBuf,
    header: AuHeader,
    remaining: u64,
}

impl AuReader<BufReader<File>> {
    /// Opens and parses an AU file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        Self::new(BufReader::new(file), path)
    }
}

impl<R: Read + Seek> AuReader<R> {
    /// Parses the header of an AU file in `inner`; `name` is used in error messages.
    pub fn new(mut inner: R, name: impl Into<PathBuf>) -> Result<Self> {
        let path = name.into();
        let file_len = inner.seek(SeekFrom::End(0)).map_err(|e| io_err(&path, e))?;
        inner
            .seek(SeekFrom::Start(0))
            .map_err(|e| io_err(&path, e))?;
        let mut h = [0u8; 24];
        inner.read_exact(&mut h).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                malformed(
                    &path,
                    format!("file has {file_len} bytes, a header needs 24"),
                )
            } else {
                io_err(&path, e)
            }
        })?;
        if &h[..4] != MAGIC {
            return Err(malformed(&path, "magic is not \".snd\""));
        }
        let field = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (offset, size, code, rate, channels) =
            (field(4), field(8), field(12), field(16), field(20));
        let encoding = AuEncoding::from_code(code).ok_or_else(|| Error::Unsupported {
            path: path.clone(),
            what: format!(
                "AU encoding {code} (supported: 1 mu-law, 27 A-law, 2-5 linear 8/16/24/32-bit, 6-7 float, 23 G.721, 25-26 G.723)"
            ),
        })?;
        check_shape(&path, encoding, rate, channels)?;
        let offset = offset as u64;
        if offset < 24 || offset > file_len {
            return Err(malformed(
                &path,
                format!("data offset {offset} is not in 24..={file_len} (the file's length)"),
            ));
        }
        let available = file_len - offset;
        let data_len = if size == UNKNOWN_SIZE {
            available
        } else if size as u64 > available {
            return Err(malformed(
                &path,
                format!("data size {size} exceeds the {available} bytes after the header (truncated file?)"),
            ));
        } else {
            size as u64
        };
        let header = AuHeader {
            encoding,
            sample_rate: rate,
            channels,
            data_offset: offset,
            data_len,
        };
        let frame = header.frame_bytes() as u64;
        if data_len % frame != 0 {
            return Err(malformed(
                &path,
                format!("{data_len} data bytes are not whole frames of {frame} bytes"),
            ));
        }
        inner
            .seek(SeekFrom::Start(offset))
            .map_err(|e| io_err(&path, e))?;
        Ok(Self {
            inner,
            path,
            remaining: data_len,
            header,
        })
    }
}

impl<R: Read> AuReader<R> {
    /// The header.
    pub fn header(&self) -> &AuHeader {
        &self.header
    }

    /// Data bytes not yet read.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Reads up to `buf.len()` data bytes; 0 means the end of the data.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize> {
        let want = (buf.len() as u64).min(self.remaining) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = loop {
            match self.inner.read(&mut buf[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err(&self.path, e)),
            }
        };
        if n == 0 {
            return Err(Error::Malformed {
                path: self.path.clone(),
                chunk: "au data".into(),
                what: format!("file ends {} bytes early", self.remaining),
            });
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

impl<R: Read> Read for AuReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_data(buf).map_err(std::io::Error::other)
    }
}

/// A streaming writer of an AU file. The header says "unknown size" until
/// [`finalize`](Self::finalize) patches the real size in, so even an unfinished file reads.
#[derive(Debug)]
pub struct AuWriter<W: Write + Seek> {
    inner: W,
    path: PathBuf,
    frame_bytes: u64,
    data_bytes: u64,
}

impl AuWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(
        path: impl AsRef<Path>,
        encoding: AuEncoding,
        sample_rate: u32,
        channels: u32,
    ) -> Result<Self> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|e| io_err(path, e))?;
        Self::new(BufWriter::new(file), path, encoding, sample_rate, channels)
    }
}

impl<W: Write + Seek> AuWriter<W> {
    /// Writes the header into `inner`; `name` is used in error messages.
    pub fn new(
        mut inner: W,
        name: impl Into<PathBuf>,
        encoding: AuEncoding,
        sample_rate: u32,
        channels: u32,
    ) -> Result<Self> {
        let path = name.into();
        check_shape(&path, encoding, sample_rate, channels)?;
        let mut h = Vec::with_capacity(WRITTEN_OFFSET as usize);
        h.extend_from_slice(MAGIC);
        for v in [
            WRITTEN_OFFSET,
            UNKNOWN_SIZE,
            encoding.code(),
            sample_rate,
            channels,
            0, // empty annotation
        ] {
            h.extend_from_slice(&v.to_be_bytes());
        }
        inner.write_all(&h).map_err(|e| io_err(&path, e))?;
        Ok(Self {
            inner,
            path,
            frame_bytes: (encoding.bytes_per_sample() * channels as usize) as u64,
            data_bytes: 0,
        })
    }

    /// Appends sample bytes (big-endian, interleaved).
    pub fn write_data(&mut self, bytes: &[u8]) -> Result<()> {
        let total = self.data_bytes + bytes.len() as u64;
        if total >= UNKNOWN_SIZE as u64 {
            return Err(Error::Unsupported {
                path: self.path.clone(),
                what: "AU data of 4 GiB or more".into(),
            });
        }
        self.inner
            .write_all(bytes)
            .map_err(|e| io_err(&self.path, e))?;
        self.data_bytes = total;
        Ok(())
    }

    /// Patches the data size, flushes and returns the inner writer. The data must be whole
    /// frames.
    pub fn finalize(mut self) -> Result<W> {
        if !self.data_bytes.is_multiple_of(self.frame_bytes) {
            return Err(Error::invalid(
                "data",
                format!(
                    "{} bytes are not whole frames of {} bytes",
                    self.data_bytes, self.frame_bytes
                ),
            ));
        }
        let p = self.path.clone();
        let e = |err| io_err(&p, err);
        self.inner.seek(SeekFrom::Start(8)).map_err(e)?;
        self.inner
            .write_all(&(self.data_bytes as u32).to_be_bytes())
            .map_err(e)?;
        self.inner.seek(SeekFrom::End(0)).map_err(e)?;
        self.inner.flush().map_err(e)?;
        Ok(self.inner)
    }
}

/// Decodes big-endian AU sample bytes of `encoding` to floats with full scale ±1 (integers
/// as `code / 2^(bits-1)`, exactly; G.711 through the G.711 decoder, `/ 32768`). Converts
/// `min(bytes.len() / bytes_per_sample, out.len())` samples and returns that count (0 for the
/// packed ADPCM encodings, which only a codec decodes).
pub fn decode_to_f64(encoding: AuEncoding, bytes: &[u8], out: &mut [f64]) -> usize {
    let size = encoding.bytes_per_sample();
    let mut n = 0;
    for (b, o) in bytes.chunks_exact(size).zip(out.iter_mut()) {
        *o = match encoding {
            AuEncoding::MuLaw | AuEncoding::ALaw => {
                decode_sample(encoding.law().unwrap_or(Law::MuLaw), b[0]) as f64 / 32768.0
            }
            AuEncoding::Linear8 => b[0] as i8 as f64 / 128.0,
            AuEncoding::Linear16 => i16::from_be_bytes([b[0], b[1]]) as f64 / 32768.0,
            AuEncoding::Linear24 => {
                (i32::from_be_bytes([b[0], b[1], b[2], 0]) >> 8) as f64 / 8_388_608.0
            }
            AuEncoding::Linear32 => {
                i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64 / 2_147_483_648.0
            }
            AuEncoding::Float32 => f32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64,
            AuEncoding::Float64 => f64::from_be_bytes(b.try_into().unwrap_or([0; 8])),
            // Packed codewords are not samples: the codec decodes them.
            AuEncoding::G721Kbps32 | AuEncoding::G723Kbps24 | AuEncoding::G723Kbps40 => return 0,
        };
        n += 1;
    }
    n
}

/// The AU linear encoding whose container is `S`'s (`i8`/`u8` → 8-bit, `i16` → 16, `I24` →
/// 24, `i32` → 32, `f32`, `f64`), or `None` for other types.
pub fn linear_encoding_of<S: AudioSample>() -> Option<AuEncoding> {
    match S::KIND {
        SampleKind::Int { bits: 8, .. } => Some(AuEncoding::Linear8),
        SampleKind::Int { bits: 16, .. } => Some(AuEncoding::Linear16),
        SampleKind::Int { bits: 24, .. } => Some(AuEncoding::Linear24),
        SampleKind::Int { bits: 32, .. } => Some(AuEncoding::Linear32),
        SampleKind::F32 => Some(AuEncoding::Float32),
        SampleKind::F64 => Some(AuEncoding::Float64),
        _ => None,
    }
}

/// Writes already-quantized samples as big-endian AU bytes of their own container
/// ([`linear_encoding_of`]); unsigned 8-bit samples become signed. Converts
/// `min(samples.len(), out.len() / size)` samples and returns that count.
pub fn encode_be<S: AudioSample>(samples: &[S], out: &mut [u8]) -> usize {
    let Some(encoding) = linear_encoding_of::<S>() else {
        return 0;
    };
    let size = encoding.bytes_per_sample();
    let mut n = 0;
    for (s, o) in samples.iter().zip(out.chunks_exact_mut(size)) {
        let x = s.to_f64();
        match encoding {
            AuEncoding::Float32 => o.copy_from_slice(&(x as f32).to_be_bytes()),
            AuEncoding::Float64 => o.copy_from_slice(&x.to_be_bytes()),
            _ => {
                let bits = 8 * size as i32;
                // Exact: an integer sample is code / 2^(bits-1).
                let code = (x * 2f64.powi(bits - 1)) as i64 as i32;
                o.copy_from_slice(&code.to_be_bytes()[4 - size..]);
            }
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn header(offset: u32, size: u32, code: u32, rate: u32, ch: u32) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        for v in [offset, size, code, rate, ch] {
            h.extend_from_slice(&v.to_be_bytes());
        }
        h
    }

    fn read_all(bytes: Vec<u8>) -> Result<(AuHeader, Vec<u8>)> {
        let mut r = AuReader::new(Cursor::new(bytes), "t.au")?;
        let mut out = Vec::new();
        let mut buf = [0u8; 5];
        loop {
            let n = r.read_data(&mut buf)?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        Ok((r.header().clone(), out))
    }

    #[test]
    fn reads_annotation_offsets_and_unknown_size() {
        let mut f = header(32, UNKNOWN_SIZE, 3, 44100, 2);
        f.extend_from_slice(b"hi there");
        f.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let (h, data) = read_all(f).unwrap();
        assert_eq!(h.encoding, AuEncoding::Linear16);
        assert_eq!((h.data_offset, h.data_len, h.frames()), (32, 8, 2));
        assert_eq!(data, [1, 2, 3, 4, 5, 6, 7, 8]);
        // A size shorter than the file: bytes after it are ignored.
        let mut f = header(24, 2, 27, 8000, 1);
        f.extend_from_slice(&[9, 8, 7]);
        assert_eq!(read_all(f).unwrap().1, [9, 8]);
    }

    #[test]
    fn rejects_bad_headers() {
        let cases = [
            ("magic", {
                let mut f = header(24, 0, 1, 8000, 1);
                f[0] = b'S';
                f
            }),
            ("24", b".snd".to_vec()),
            ("encoding 24", header(24, 0, 24, 8000, 1)),
            ("channel", header(24, 0, 1, 8000, 0)),
            ("channel", header(24, 0, 1, 8000, 33)),
            ("rate", header(24, 0, 1, 0, 1)),
            ("rate", header(24, 0, 1, 2_000_000, 1)),
            ("offset", header(20, 0, 1, 8000, 1)),
            ("offset", header(1000, 0, 1, 8000, 1)),
            ("exceeds", header(24, 10, 1, 8000, 1)),
            ("whole frames", {
                let mut f = header(24, 3, 3, 8000, 1);
                f.extend_from_slice(&[0; 3]);
                f
            }),
        ];
        for (what, f) in cases {
            let e = read_all(f).unwrap_err().to_string();
            assert!(e.contains(what) && e.contains("t.au"), "{what}: {e}");
        }
    }

    #[test]
    fn corrupted_headers_never_panic() {
        let mut good = header(28, 6, 3, 8000, 1);
        good.extend_from_slice(&[0; 4]);
        good.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let mut s = 7u64;
        for _ in 0..5000 {
            let mut f = good.clone();
            for _ in 0..3 {
                s = crate::dither::rng::splitmix64(s);
                let i = (s as usize >> 8) % f.len();
                f[i] = (s >> 40) as u8;
            }
            s = crate::dither::rng::splitmix64(s);
            f.truncate(f.len() - (s % 4) as usize);
            let _ = read_all(f);
        }
    }

    #[test]
    fn writer_round_trips_and_checks_frames() {
        let mut w = AuWriter::new(
            Cursor::new(Vec::new()),
            "w.au",
            AuEncoding::Linear24,
            96000,
            2,
        )
        .unwrap();
        w.write_data(&[1, 2, 3, 4, 5, 6]).unwrap();
        let bytes = w.finalize().unwrap().into_inner();
        assert_eq!(&bytes[8..12], &6u32.to_be_bytes());
        let (h, data) = read_all(bytes).unwrap();
        assert_eq!(
            (h.encoding, h.sample_rate, h.channels),
            (AuEncoding::Linear24, 96000, 2)
        );
        assert_eq!(data, [1, 2, 3, 4, 5, 6]);
        let mut w = AuWriter::new(
            Cursor::new(Vec::new()),
            "w.au",
            AuEncoding::Linear16,
            8000,
            1,
        )
        .unwrap();
        w.write_data(&[1]).unwrap();
        assert!(w.finalize().is_err());
        assert!(AuWriter::new(Cursor::new(Vec::new()), "w.au", AuEncoding::MuLaw, 0, 1).is_err());
    }

    #[test]
    fn linear_conversions_are_exact_both_ways() {
        let x16 = [i16::MIN, -1, 0, 1, i16::MAX];
        let mut b = [0u8; 10];
        assert_eq!(encode_be(&x16, &mut b), 5);
        assert_eq!(&b[..2], &[0x80, 0x00]);
        let mut f = [0.0; 5];
        assert_eq!(decode_to_f64(AuEncoding::Linear16, &b, &mut f), 5);
        for (a, y) in x16.iter().zip(&f) {
            assert_eq!(*a as f64 / 32768.0, *y);
        }
        let x24 = [
            crate::I24::new(-8_388_608).unwrap(),
            crate::I24::new(8_388_607).unwrap(),
        ];
        let mut b = [0u8; 6];
        encode_be(&x24, &mut b);
        assert_eq!(b, [0x80, 0, 0, 0x7F, 0xFF, 0xFF]);
        let mut f = [0.0; 2];
        decode_to_f64(AuEncoding::Linear24, &b, &mut f);
        assert_eq!(f, [-1.0, 8_388_607.0 / 8_388_608.0]);
        let mut b = [0u8; 2];
        encode_be(&[-128i8, 127], &mut b);
        assert_eq!(b, [0x80, 0x7F]);
        let mut b = [0u8; 4];
        encode_be(&[0.5f32], &mut b);
        assert_eq!(b, 0.5f32.to_be_bytes());
        let mut f = [0.0; 2];
        decode_to_f64(AuEncoding::MuLaw, &[0x80, 0x00], &mut f);
        assert_eq!(f, [32124.0 / 32768.0, -32124.0 / 32768.0]);
    }
}
