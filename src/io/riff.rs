//! A general RIFF/WAVE layer for any format tag: the container of every non-PCM WAV aquant
//! reads or writes (G.711, IMA and MS ADPCM, G.726, ...). It knows the container, not the
//! codecs: it parses and validates the header, hands over the `fmt ` fields (with the
//! `cbSize` extra bytes kept raw for the codec to interpret), the `fact` sample length and the
//! `data` chunk, and streams the data bytes. Codec-specific checks (block align of a G.711
//! stream, ADPCM coefficient tables, ...) belong to the caller.
//!
//! # What the reader accepts
//!
//! * `RIFF` size at least 4 and not beyond the end of the file (bytes after it are ignored);
//!   form type `WAVE`. `RIFX` (big-endian) and `RF64` are reported as unsupported.
//! * Chunks padded to even sizes; unknown chunks skipped. The last chunk may lack its pad byte.
//! * `fmt ` of 16 bytes, or 18 + `cbSize` bytes exactly; at most [`MAX_FMT_SIZE`] bytes.
//!   Channels 1–[`MAX_CHANNELS`], rate 1 Hz–[`MAX_SAMPLE_RATE`], block align ≥ 1.
//! * `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) with `cbSize` ≥ 22 and a sub-format GUID of the standard
//!   `xxxxxxxx-0000-0010-8000-00aa00389b71` family, resolved to its format tag
//!   ([`WavFormat::codec_tag`]).
//! * Exactly one `fmt ` before the one `data` chunk; a `fact` chunk anywhere (≥ 4 bytes).
//! * A `data` chunk that extends beyond the file is an error (a truncated file, or a streaming
//!   writer's placeholder size): nothing is allocated from any size before it is checked.
//!
//! # Example
//!
//! ```
//! use aquant::io::riff::{WavFormat, WavReader, WavWriter, WAVE_FORMAT_MULAW};
//! use std::io::{Cursor, Read};
//!
//! // Write 5 mono mu-law frames at 8 kHz into memory, with a fact chunk.
//! let format = WavFormat::new(WAVE_FORMAT_MULAW, 1, 8000, 1, 8);
//! let mut writer = WavWriter::new(Cursor::new(Vec::new()), "memory.wav", &format, true)?;
//! writer.write_data(&[0xFF, 0x80, 0x00, 0x7F, 0x55])?;
//! let bytes = writer.finalize(5)?.into_inner();
//!
//! // Read it back.
//! let mut reader = WavReader::new(Cursor::new(bytes), "memory.wav")?;
//! assert_eq!(reader.format().codec_tag(), WAVE_FORMAT_MULAW);
//! assert_eq!(reader.format().extra, Vec::<u8>::new()); // cbSize 0
//! assert_eq!(reader.fact_sample_length(), Some(5));
//! assert_eq!(reader.data_len(), 5);
//! let mut data = Vec::new();
//! reader.read_to_end(&mut data).unwrap();
//! assert_eq!(data, [0xFF, 0x80, 0x00, 0x7F, 0x55]);
//! # Ok::<(), aquant::Error>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// `WAVE_FORMAT_PCM`: integer PCM.
pub const WAVE_FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_ADPCM`: Microsoft ADPCM.
pub const WAVE_FORMAT_MS_ADPCM: u16 = 0x0002;
/// `WAVE_FORMAT_IEEE_FLOAT`: 32/64-bit float.
pub const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_ALAW`: G.711 A-law.
pub const WAVE_FORMAT_ALAW: u16 = 0x0006;
/// `WAVE_FORMAT_MULAW`: G.711 mu-law.
pub const WAVE_FORMAT_MULAW: u16 = 0x0007;
/// `WAVE_FORMAT_DVI_ADPCM`: IMA ADPCM.
pub const WAVE_FORMAT_IMA_ADPCM: u16 = 0x0011;
/// `WAVE_FORMAT_G726_ADPCM`.
pub const WAVE_FORMAT_G726: u16 = 0x0064;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is in the sub-format GUID.
pub const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Most channels accepted.
pub const MAX_CHANNELS: u16 = 32;
/// Highest sample rate accepted, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 1_000_000;
/// Largest `fmt ` chunk accepted, in bytes (the largest real one, MS ADPCM with 7
/// coefficient pairs, is 50).
pub const MAX_FMT_SIZE: u32 = 1024;

/// The 14 bytes that follow the format tag in every standard sub-format GUID
/// (`xxxxxxxx-0000-0010-8000-00aa00389b71`, GUID byte order as stored in the file).
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// The sub-format GUID of a format tag, as stored in a `WAVE_FORMAT_EXTENSIBLE` header
/// (for example `KSDATAFORMAT_SUBTYPE_MULAW` for 7).
pub fn sub_format_guid(tag: u16) -> [u8; 16] {
    let mut guid = [0u8; 16];
    guid[..2].copy_from_slice(&tag.to_le_bytes());
    guid[2..].copy_from_slice(&GUID_TAIL);
    guid
}

/// The fields of `WAVE_FORMAT_EXTENSIBLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extensible {
    /// `wValidBitsPerSample` (or samples per block for compressed formats).
    pub valid_bits: u16,
    /// `dwChannelMask`: speaker positions.
    pub channel_mask: u32,
    /// The sub-format's format tag, from the first two bytes of its GUID.
    pub sub_format: u16,
}

/// The `fmt ` chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavFormat {
    /// `wFormatTag` as stored (0xFFFE for extensible; see [`codec_tag`](Self::codec_tag)).
    pub format_tag: u16,
    /// Interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub sample_rate: u32,
    /// `nAvgBytesPerSec`.
    pub byte_rate: u32,
    /// `nBlockAlign`: bytes per block (per frame for PCM and G.711).
    pub block_align: u16,
    /// `wBitsPerSample`.
    pub bits_per_sample: u16,
    /// The `cbSize` extra bytes, raw (for extensible formats they start with the 22
    /// extensible bytes; see [`codec_extra`](Self::codec_extra)).
    pub extra: Vec<u8>,
    /// Whether the chunk has a `cbSize` field (the writer writes one when this is set or
    /// `extra` is not empty; a 16-byte chunk otherwise).
    pub has_cb_size: bool,
    /// The extensible fields, when `format_tag` is [`WAVE_FORMAT_EXTENSIBLE`].
    pub extensible: Option<Extensible>,
}

impl WavFormat {
    /// A plain (non-extensible) format with no extra bytes and `byte_rate = rate · block_align`
    /// (right for PCM and G.711; ADPCM callers set `byte_rate` and `extra` themselves).
    pub fn new(
        format_tag: u16,
        channels: u16,
        sample_rate: u32,
        block_align: u16,
        bits_per_sample: u16,
    ) -> Self {
        Self {
            format_tag,
            channels,
            sample_rate,
            byte_rate: sample_rate.saturating_mul(block_align as u32),
            block_align,
            bits_per_sample,
            extra: Vec::new(),
            has_cb_size: format_tag != WAVE_FORMAT_PCM,
            extensible: None,
        }
    }

    /// The same format in `WAVE_FORMAT_EXTENSIBLE` form, with `valid_bits` and
    /// `channel_mask`. Any extra bytes already present follow the 22 extensible bytes.
    pub fn into_extensible(mut self, valid_bits: u16, channel_mask: u32) -> Self {
        let tag = self.codec_tag();
        let mut extra = Vec::with_capacity(22 + self.extra.len());
        extra.extend_from_slice(&valid_bits.to_le_bytes());
        extra.extend_from_slice(&channel_mask.to_le_bytes());
        extra.extend_from_slice(&sub_format_guid(tag));
        if self.extensible.is_none() {
            extra.extend_from_slice(&self.extra);
        } else {
            extra.extend_from_slice(&self.extra[22..]);
        }
        self.extra = extra;
        self.has_cb_size = true;
        self.format_tag = WAVE_FORMAT_EXTENSIBLE;
        self.extensible = Some(Extensible {
            valid_bits,
            channel_mask,
            sub_format: tag,
        });
        self
    }

    /// The codec's format tag: `format_tag`, or the sub-format's tag when extensible.
    pub fn codec_tag(&self) -> u16 {
        match self.extensible {
            Some(e) => e.sub_format,
            None => self.format_tag,
        }
    }

    /// The extra bytes that belong to the codec: after the 22 extensible bytes when
    /// extensible, else all of them.
    pub fn codec_extra(&self) -> &[u8] {
        if self.extensible.is_some() {
            &self.extra[22..]
        } else {
            &self.extra
        }
    }

    fn check(&self, path: &Path) -> Result<()> {
        let bad = |what: String| Error::Malformed {
            path: path.to_path_buf(),
            chunk: "fmt ".into(),
            what,
        };
        if !(1..=MAX_CHANNELS).contains(&self.channels) {
            return Err(bad(format!(
                "channel count {} is not in 1..={MAX_CHANNELS}",
                self.channels
            )));
        }
        if !(1..=MAX_SAMPLE_RATE).contains(&self.sample_rate) {
            return Err(bad(format!(
                "sample rate {} Hz is not in 1..={MAX_SAMPLE_RATE}",
                self.sample_rate
            )));
        }
        if self.block_align == 0 {
            return Err(bad("block align is 0".into()));
        }
        if self.extra.len() > u16::MAX as usize {
            return Err(bad(format!(
                "{} extra bytes (cbSize is 16 bits)",
                self.extra.len()
            )));
        }
        Ok(())
    }
}

/// The `fmt ` of a G.711 WAV: tag 7 (mu-law) or 6 (A-law), 8 bits, one byte per sample,
/// `cbSize = 0` (write it with a `fact` chunk, as the WAV spec asks of non-PCM formats).
///
/// ```
/// use aquant::codecs::g711::Law;
/// use aquant::io::riff::{g711_format, g711_law, WavFormat};
///
/// let f = g711_format(Law::ALaw, 2, 8000);
/// assert_eq!((f.format_tag, f.block_align, f.byte_rate), (6, 2, 16000));
/// assert_eq!(g711_law(&f, "x.wav")?, Some(Law::ALaw));
/// assert_eq!(g711_law(&f.clone().into_extensible(8, 3), "x.wav")?, Some(Law::ALaw));
/// assert_eq!(g711_law(&WavFormat::new(1, 1, 8000, 2, 16), "x.wav")?, None);
/// # Ok::<(), aquant::Error>(())
/// ```
pub fn g711_format(law: crate::codecs::g711::Law, channels: u16, sample_rate: u32) -> WavFormat {
    let tag = match law {
        crate::codecs::g711::Law::MuLaw => WAVE_FORMAT_MULAW,
        crate::codecs::g711::Law::ALaw => WAVE_FORMAT_ALAW,
    };
    WavFormat::new(tag, channels, sample_rate, channels, 8)
}

/// The G.711 law of a WAV format (plain or extensible), or `None` if it is not G.711. A
/// G.711 format whose fields are inconsistent (bits other than 8, block align other than the
/// channel count, byte rate other than rate · block align) is [`Error::Malformed`].
pub fn g711_law(
    format: &WavFormat,
    name: impl AsRef<Path>,
) -> Result<Option<crate::codecs::g711::Law>> {
    use crate::codecs::g711::Law;
    let law = match format.codec_tag() {
        WAVE_FORMAT_MULAW => Law::MuLaw,
        WAVE_FORMAT_ALAW => Law::ALaw,
        _ => return Ok(None),
    };
    let bad = |what: String| malformed(name.as_ref(), "fmt ", what);
    if format.bits_per_sample != 8 {
        return Err(bad(format!(
            "G.711 needs 8 bits per sample, found {}",
            format.bits_per_sample
        )));
    }
    if format.block_align != format.channels {
        return Err(bad(format!(
            "G.711 block align must equal the channel count {}, found {}",
            format.channels, format.block_align
        )));
    }
    let byte_rate = format.sample_rate as u64 * format.block_align as u64;
    if format.byte_rate as u64 != byte_rate {
        return Err(bad(format!(
            "G.711 byte rate must be {byte_rate}, found {}",
            format.byte_rate
        )));
    }
    if let Some(e) = format.extensible {
        if e.valid_bits != 8 && e.valid_bits != 0 {
            return Err(bad(format!(
                "G.711 valid bits must be 8, found {}",
                e.valid_bits
            )));
        }
    }
    Ok(Some(law))
}

/// Where the `data` chunk is and what the header said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavHeader {
    /// The `fmt ` chunk.
    pub format: WavFormat,
    /// The `fact` chunk's `dwSampleLength` (frames), if present.
    pub fact_sample_length: Option<u32>,
    /// Offset of the first data byte in the file.
    pub data_offset: u64,
    /// Data bytes.
    pub data_len: u64,
}

/// A streaming reader of a RIFF/WAVE file's `data` chunk; see the [module docs](self).
///
/// It implements [`Read`], yielding exactly the data chunk's bytes; [`read_data`](Self::read_data)
/// does the same with aquant's errors (which name the file).
#[derive(Debug)]
pub struct WavReader<R> {
    inner: R,
    path: PathBuf,
    header: WavHeader,
    remaining: u64,
}

impl WavReader<BufReader<File>> {
    /// Opens and parses a WAV file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        Self::new(BufReader::new(file), path)
    }
}

impl<R: Read + Seek> WavReader<R> {
    /// Parses the header of a WAV held in `inner`; `name` is used in error messages. Leaves
    /// `inner` at the first data byte.
    pub fn new(mut inner: R, name: impl Into<PathBuf>) -> Result<Self> {
        let path = name.into();
        let header = parse(&mut inner, &path)?;
        inner
            .seek(SeekFrom::Start(header.data_offset))
            .map_err(|e| io_err(&path, e))?;
        Ok(Self {
            inner,
            remaining: header.data_len,
            path,
            header,
        })
    }
}

impl<R: Read> WavReader<R> {
    /// The `fmt ` chunk.
    pub fn format(&self) -> &WavFormat {
        &self.header.format
    }

    /// Everything the header said.
    pub fn header(&self) -> &WavHeader {
        &self.header
    }

    /// The `fact` chunk's sample length (frames), if the file has one.
    pub fn fact_sample_length(&self) -> Option<u32> {
        self.header.fact_sample_length
    }

    /// Bytes in the `data` chunk.
    pub fn data_len(&self) -> u64 {
        self.header.data_len
    }

    /// Data bytes not yet read.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The name used in error messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads up to `buf.len()` data bytes; 0 means the end of the data chunk. A file that
    /// ends before its data chunk does is [`Error::Malformed`].
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
                chunk: "data".into(),
                what: format!(
                    "file ends {} bytes before the data chunk does",
                    self.remaining
                ),
            });
        }
        self.remaining -= n as u64;
        Ok(n)
    }

    /// Fills `buf` completely with data bytes, or as far as the data chunk goes; returns the
    /// count (less than `buf.len()` only at the end of the data).
    pub fn read_data_full(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            let n = self.read_data(&mut buf[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok(filled)
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for WavReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_data(buf).map_err(std::io::Error::other)
    }
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn malformed(path: &Path, chunk: &str, what: impl Into<String>) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        chunk: chunk.into(),
        what: what.into(),
    }
}

/// Reads exactly `buf.len()` bytes; a short file is [`Error::Malformed`] naming `chunk`.
fn read_exact_or<R: Read>(r: &mut R, buf: &mut [u8], path: &Path, chunk: &str) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            malformed(path, chunk, "file ends inside this chunk")
        } else {
            io_err(path, e)
        }
    })
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn chunk_name(id: [u8; 4]) -> String {
    id.iter()
        .map(|&c| {
            if (0x20..0x7F).contains(&c) {
                c as char
            } else {
                '?'
            }
        })
        .collect()
}

fn parse<R: Read + Seek>(r: &mut R, path: &Path) -> Result<WavHeader> {
    let file_len = r.seek(SeekFrom::End(0)).map_err(|e| io_err(path, e))?;
    r.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
    let mut riff = [0u8; 12];
    read_exact_or(r, &mut riff, path, "RIFF header")?;
    match &riff[..4] {
        b"RIFF" => {}
        b"RIFX" => {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: "big-endian RIFX WAV (only little-endian RIFF is supported)".into(),
            })
        }
        b"RF64" | b"BW64" => {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: "RF64/BW64 WAV larger than 4 GiB (only RIFF is supported)".into(),
            })
        }
        _ => {
            return Err(malformed(
                path,
                "RIFF header",
                format!(
                    "starts with {:?}, not \"RIFF\"",
                    chunk_name([riff[0], riff[1], riff[2], riff[3]])
                ),
            ))
        }
    }
    if &riff[8..12] != b"WAVE" {
        return Err(malformed(
            path,
            "RIFF header",
            format!(
                "form type is {:?}, not \"WAVE\"",
                chunk_name([riff[8], riff[9], riff[10], riff[11]])
            ),
        ));
    }
    let riff_size = u32_at(&riff, 4) as u64;
    if riff_size < 4 {
        return Err(malformed(
            path,
            "RIFF header",
            format!("RIFF size {riff_size} is below 4"),
        ));
    }
    // A streaming writer that never patched its sizes (ffmpeg to a pipe) leaves 0xFFFFFFFF:
    // the RIFF data then runs to the end of the file.
    let streamed = riff_size == u32::MAX as u64;
    let riff_end = if streamed { file_len } else { 8 + riff_size };
    if riff_end > file_len {
        return Err(malformed(
            path,
            "RIFF header",
            format!(
                "RIFF size says the file has {riff_end} bytes, but it has {file_len} (truncated, or written by a streaming writer that never patched its sizes)"
            ),
        ));
    }

    let mut format: Option<WavFormat> = None;
    let mut fact = None;
    let mut data: Option<(u64, u64)> = None;
    let mut pos = 12u64;
    while pos + 8 <= riff_end {
        let mut head = [0u8; 8];
        read_exact_or(r, &mut head, path, "chunk header")?;
        let id = [head[0], head[1], head[2], head[3]];
        let size = u32_at(&head, 4) as u64;
        let body = pos + 8;
        let name = chunk_name(id);
        let size = if streamed && &id == b"data" && size == u32::MAX as u64 {
            riff_end.saturating_sub(body)
        } else {
            size
        };
        if body + size > riff_end {
            return Err(malformed(
                path,
                &name,
                format!(
                    "chunk of {size} bytes at offset {pos} extends {} bytes beyond the end of the RIFF data ({riff_end} bytes)",
                    body + size - riff_end
                ),
            ));
        }
        match &id {
            b"fmt " => {
                if format.is_some() {
                    return Err(malformed(path, "fmt ", "second fmt chunk"));
                }
                if data.is_some() {
                    return Err(malformed(path, "fmt ", "fmt chunk after the data chunk"));
                }
                if !(16..=MAX_FMT_SIZE as u64).contains(&size) {
                    return Err(malformed(
                        path,
                        "fmt ",
                        format!("size {size} is not in 16..={MAX_FMT_SIZE}"),
                    ));
                }
                let mut b = vec![0u8; size as usize];
                read_exact_or(r, &mut b, path, "fmt ")?;
                format = Some(parse_fmt(&b, path)?);
            }
            b"fact" => {
                if size < 4 {
                    return Err(malformed(path, "fact", format!("size {size} is below 4")));
                }
                let mut b = [0u8; 4];
                read_exact_or(r, &mut b, path, "fact")?;
                fact = Some(u32::from_le_bytes(b));
            }
            b"data" => {
                if data.is_some() {
                    return Err(malformed(path, "data", "second data chunk"));
                }
                if format.is_none() {
                    return Err(malformed(path, "data", "data chunk before the fmt chunk"));
                }
                data = Some((body, size));
            }
            _ => {}
        }
        // Chunks are padded to even sizes; a missing final pad byte is tolerated.
        pos = body + size + (size & 1);
        r.seek(SeekFrom::Start(pos.min(file_len)))
            .map_err(|e| io_err(path, e))?;
    }
    let format = format.ok_or_else(|| malformed(path, "fmt ", "no fmt chunk"))?;
    let (data_offset, data_len) = data.ok_or_else(|| malformed(path, "data", "no data chunk"))?;
    Ok(WavHeader {
        format,
        fact_sample_length: fact,
        data_offset,
        data_len,
    })
}

fn parse_fmt(b: &[u8], path: &Path) -> Result<WavFormat> {
    let mut f = WavFormat {
        format_tag: u16_at(b, 0),
        channels: u16_at(b, 2),
        sample_rate: u32_at(b, 4),
        byte_rate: u32_at(b, 8),
        block_align: u16_at(b, 12),
        bits_per_sample: u16_at(b, 14),
        extra: Vec::new(),
        has_cb_size: false,
        extensible: None,
    };
    if b.len() > 16 {
        if b.len() < 18 {
            return Err(malformed(
                path,
                "fmt ",
                format!("size {} leaves no room for the 2-byte cbSize", b.len()),
            ));
        }
        let cb_size = u16_at(b, 16) as usize;
        if 18 + cb_size != b.len() {
            return Err(malformed(
                path,
                "fmt ",
                format!(
                    "cbSize {cb_size} does not match the chunk size {} (expected {})",
                    b.len(),
                    18 + cb_size
                ),
            ));
        }
        f.has_cb_size = true;
        f.extra = b[18..].to_vec();
    }
    if f.format_tag == WAVE_FORMAT_EXTENSIBLE {
        if f.extra.len() < 22 {
            return Err(malformed(
                path,
                "fmt ",
                format!(
                    "WAVE_FORMAT_EXTENSIBLE needs cbSize >= 22, found {}",
                    f.extra.len()
                ),
            ));
        }
        let guid = &f.extra[6..22];
        if guid[2..] != GUID_TAIL {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "WAVE_FORMAT_EXTENSIBLE sub-format GUID {} is not a standard format-tag GUID",
                    guid.iter().map(|b| format!("{b:02x}")).collect::<String>()
                ),
            });
        }
        f.extensible = Some(Extensible {
            valid_bits: u16_at(&f.extra, 0),
            channel_mask: u32_at(&f.extra, 2),
            sub_format: u16_at(guid, 0),
        });
        if f.codec_tag() == WAVE_FORMAT_EXTENSIBLE {
            return Err(malformed(
                path,
                "fmt ",
                "extensible sub-format is itself 0xFFFE",
            ));
        }
    }
    f.check(path)?;
    Ok(f)
}

/// A streaming writer of a RIFF/WAVE file with any format tag; see the [module docs](self).
///
/// Write the data bytes with [`write_data`](Self::write_data) (as many calls as you like), then
/// call [`finalize`](Self::finalize), which adds the pad byte and patches the RIFF, `data` and
/// `fact` sizes. A writer dropped without `finalize` leaves a file whose sizes are 0 (and which
/// the reader therefore sees as empty or malformed).
#[derive(Debug)]
pub struct WavWriter<W: Write + Seek> {
    inner: W,
    path: PathBuf,
    fact_pos: Option<u64>,
    data_size_pos: u64,
    data_bytes: u64,
}

impl WavWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(path: impl AsRef<Path>, format: &WavFormat, with_fact: bool) -> Result<Self> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|e| io_err(path, e))?;
        Self::new(BufWriter::new(file), path, format, with_fact)
    }
}

impl<W: Write + Seek> WavWriter<W> {
    /// Writes the header into `inner` (at its current position, which must be 0 for a
    /// valid file); `name` is used in error messages. With `with_fact`, a `fact` chunk is
    /// written (required by the WAV spec for every non-PCM format).
    pub fn new(
        mut inner: W,
        name: impl Into<PathBuf>,
        format: &WavFormat,
        with_fact: bool,
    ) -> Result<Self> {
        let path = name.into();
        format.check(&path)?;
        let write_cb = format.has_cb_size || !format.extra.is_empty();
        let fmt_size = 16 + if write_cb { 2 + format.extra.len() } else { 0 };
        let mut h = Vec::with_capacity(64 + format.extra.len());
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(b"WAVE");
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&(fmt_size as u32).to_le_bytes());
        h.extend_from_slice(&format.format_tag.to_le_bytes());
        h.extend_from_slice(&format.channels.to_le_bytes());
        h.extend_from_slice(&format.sample_rate.to_le_bytes());
        h.extend_from_slice(&format.byte_rate.to_le_bytes());
        h.extend_from_slice(&format.block_align.to_le_bytes());
        h.extend_from_slice(&format.bits_per_sample.to_le_bytes());
        if write_cb {
            h.extend_from_slice(&(format.extra.len() as u16).to_le_bytes());
            h.extend_from_slice(&format.extra);
        }
        if fmt_size % 2 == 1 {
            h.push(0);
        }
        let mut fact_pos = None;
        if with_fact {
            h.extend_from_slice(b"fact");
            h.extend_from_slice(&4u32.to_le_bytes());
            fact_pos = Some(h.len() as u64);
            h.extend_from_slice(&0u32.to_le_bytes());
        }
        h.extend_from_slice(b"data");
        let data_size_pos = h.len() as u64;
        h.extend_from_slice(&0u32.to_le_bytes());
        inner.write_all(&h).map_err(|e| io_err(&path, e))?;
        Ok(Self {
            inner,
            path,
            fact_pos,
            data_size_pos,
            data_bytes: 0,
        })
    }

    /// Appends data bytes. The data chunk may hold at most `u32::MAX - header` bytes.
    pub fn write_data(&mut self, bytes: &[u8]) -> Result<()> {
        let total = self.data_bytes + bytes.len() as u64;
        if self.data_size_pos + 4 + total + 1 > u32::MAX as u64 + 8 {
            return Err(Error::Unsupported {
                path: self.path.clone(),
                what: "data beyond the 4 GiB RIFF limit".into(),
            });
        }
        self.inner
            .write_all(bytes)
            .map_err(|e| io_err(&self.path, e))?;
        self.data_bytes = total;
        Ok(())
    }

    /// Data bytes written so far.
    pub fn data_bytes(&self) -> u64 {
        self.data_bytes
    }

    /// Pads the data chunk to even length, patches the sizes and the `fact` sample length
    /// (`total_frames`, ignored without a `fact` chunk), flushes and returns the inner writer.
    pub fn finalize(mut self, total_frames: u32) -> Result<W> {
        let p = self.path.clone();
        let e = |err| io_err(&p, err);
        if self.data_bytes % 2 == 1 {
            self.inner.write_all(&[0]).map_err(e)?;
        }
        let end = self.data_size_pos + 4 + self.data_bytes + (self.data_bytes & 1);
        let riff_size = (end - 8) as u32;
        self.inner.seek(SeekFrom::Start(4)).map_err(e)?;
        self.inner.write_all(&riff_size.to_le_bytes()).map_err(e)?;
        if let Some(fp) = self.fact_pos {
            self.inner.seek(SeekFrom::Start(fp)).map_err(e)?;
            self.inner
                .write_all(&total_frames.to_le_bytes())
                .map_err(e)?;
        }
        self.inner
            .seek(SeekFrom::Start(self.data_size_pos))
            .map_err(e)?;
        self.inner
            .write_all(&(self.data_bytes as u32).to_le_bytes())
            .map_err(e)?;
        self.inner.seek(SeekFrom::Start(end)).map_err(e)?;
        self.inner.flush().map_err(e)?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn wav(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        for (id, data) in chunks {
            body.extend_from_slice(*id);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32).to_le_bytes());
        f.extend_from_slice(&body);
        f
    }

    fn fmt(tag: u16, ch: u16, rate: u32, align: u16, bits: u16, extra: Option<&[u8]>) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ch.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * align as u32).to_le_bytes());
        b.extend_from_slice(&align.to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        if let Some(e) = extra {
            b.extend_from_slice(&(e.len() as u16).to_le_bytes());
            b.extend_from_slice(e);
        }
        b
    }

    fn read_all(bytes: Vec<u8>) -> Result<(WavHeader, Vec<u8>)> {
        let mut r = WavReader::new(Cursor::new(bytes), "t.wav")?;
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        loop {
            let n = r.read_data(&mut buf)?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        Ok((r.header().clone(), out))
    }

    fn err_text(bytes: Vec<u8>) -> String {
        read_all(bytes).unwrap_err().to_string()
    }

    #[test]
    fn skips_unknown_and_odd_chunks_and_reads_fact_after_data() {
        let f = wav(&[
            (b"JUNK", vec![1, 2, 3]),
            (b"fmt ", fmt(7, 2, 8000, 2, 8, Some(&[]))),
            (b"LIST", vec![9; 5]),
            (b"data", vec![10, 11, 12, 13, 14]),
            (b"fact", vec![2, 0, 0, 0]),
        ]);
        let (h, data) = read_all(f).unwrap();
        assert_eq!(data, [10, 11, 12, 13, 14]);
        assert_eq!(h.fact_sample_length, Some(2));
        assert_eq!(h.format.codec_tag(), 7);
        assert_eq!(h.format.channels, 2);
        assert!(h.format.has_cb_size);
    }

    #[test]
    fn extensible_resolves_sub_format_and_keeps_codec_extra() {
        let mut extra = vec![8, 0, 4, 0, 0, 0];
        extra.extend_from_slice(&sub_format_guid(6));
        extra.extend_from_slice(&[0xAB, 0xCD]);
        let f = wav(&[
            (b"fmt ", fmt(0xFFFE, 1, 8000, 1, 8, Some(&extra))),
            (b"data", vec![1]),
        ]);
        let (h, _) = read_all(f).unwrap();
        assert_eq!(h.format.codec_tag(), 6);
        assert_eq!(h.format.codec_extra(), &[0xAB, 0xCD]);
        assert_eq!(
            h.format.extensible,
            Some(Extensible {
                valid_bits: 8,
                channel_mask: 4,
                sub_format: 6
            })
        );
    }

    #[test]
    fn rejects_bad_headers_with_named_chunks() {
        // Data beyond the end of the file.
        let mut f = wav(&[
            (b"fmt ", fmt(7, 1, 8000, 1, 8, None)),
            (b"data", vec![1, 2]),
        ]);
        let n = f.len();
        f[n - 6..n - 2].copy_from_slice(&1000u32.to_le_bytes());
        assert!(err_text(f).contains("data"));
        // Truncated file (RIFF size beyond the end).
        let mut f = wav(&[
            (b"fmt ", fmt(7, 1, 8000, 1, 8, None)),
            (b"data", vec![1, 2]),
        ]);
        f.truncate(f.len() - 1);
        assert!(err_text(f).contains("RIFF"));
        for (what, f) in [
            (
                "channel",
                wav(&[(b"fmt ", fmt(7, 0, 8000, 1, 8, None)), (b"data", vec![])]),
            ),
            (
                "channel",
                wav(&[(b"fmt ", fmt(7, 33, 8000, 33, 8, None)), (b"data", vec![])]),
            ),
            (
                "rate",
                wav(&[(b"fmt ", fmt(7, 1, 0, 1, 8, None)), (b"data", vec![])]),
            ),
            (
                "rate",
                wav(&[
                    (b"fmt ", fmt(7, 1, 1_000_001, 1, 8, None)),
                    (b"data", vec![]),
                ]),
            ),
            (
                "align",
                wav(&[(b"fmt ", fmt(7, 1, 8000, 0, 8, None)), (b"data", vec![])]),
            ),
            ("cbSize", {
                let mut b = fmt(7, 1, 8000, 1, 8, Some(&[1, 2]));
                b[16] = 5;
                wav(&[(b"fmt ", b), (b"data", vec![])])
            }),
            ("before the fmt", wav(&[(b"data", vec![])])),
            ("no data", wav(&[(b"fmt ", fmt(7, 1, 8000, 1, 8, None))])),
            ("fmt", wav(&[(b"fmt ", vec![0; 12]), (b"data", vec![])])),
            (
                "cbSize >= 22",
                wav(&[
                    (b"fmt ", fmt(0xFFFE, 1, 8000, 1, 8, Some(&[0; 4]))),
                    (b"data", vec![]),
                ]),
            ),
            (
                "GUID",
                wav(&[
                    (b"fmt ", fmt(0xFFFE, 1, 8000, 1, 8, Some(&[0x55; 22]))),
                    (b"data", vec![]),
                ]),
            ),
            (
                "second",
                wav(&[
                    (b"fmt ", fmt(7, 1, 8000, 1, 8, None)),
                    (b"data", vec![]),
                    (b"data", vec![]),
                ]),
            ),
            ("RIFF", b"RIFX\x04\0\0\0WAVE".to_vec()),
            ("WAVE", b"RIFF\x04\0\0\0AVI ".to_vec()),
            ("RIFF header", b"RIF".to_vec()),
        ] {
            let e = err_text(f);
            assert!(e.contains(what) && e.contains("t.wav"), "{what}: {e}");
        }
    }

    #[test]
    fn hostile_chunk_sizes_never_allocate_or_panic() {
        // A fmt chunk claiming 4 GB, inside a RIFF claiming the same: rejected before reading.
        let mut f = b"RIFF\xff\xff\xff\xffWAVEfmt \xf0\xff\xff\xff".to_vec();
        f.extend_from_slice(&[0; 16]);
        assert!(err_text(f).contains("RIFF"));
        let mut f = wav(&[(b"fmt ", vec![0; 2000]), (b"data", vec![])]);
        assert!(err_text(f.clone()).contains("fmt"));
        // Random corruption of a valid header: any result but a panic.
        let good = wav(&[
            (b"fmt ", fmt(7, 1, 8000, 1, 8, Some(&[]))),
            (b"data", vec![1, 2, 3]),
        ]);
        let mut s = 1u64;
        for _ in 0..5000 {
            f.clone_from(&good);
            for _ in 0..3 {
                s = crate::dither::rng::splitmix64(s);
                let i = (s as usize >> 8) % f.len();
                f[i] = (s >> 40) as u8;
            }
            let _ = read_all(f.clone());
        }
    }

    #[test]
    fn writer_round_trips_odd_data_extra_and_extensible() {
        let format = WavFormat {
            extra: vec![1, 2, 3],
            ..WavFormat::new(0x11, 2, 44100, 2048, 4)
        };
        for fmt in [format.clone(), format.into_extensible(4, 3)] {
            let mut w = WavWriter::new(Cursor::new(Vec::new()), "w.wav", &fmt, true).unwrap();
            w.write_data(&[5, 6, 7]).unwrap();
            w.write_data(&[]).unwrap();
            w.write_data(&[8, 9]).unwrap();
            let bytes = w.finalize(77).unwrap().into_inner();
            assert_eq!(bytes.len() % 2, 0);
            let (h, data) = read_all(bytes).unwrap();
            assert_eq!(data, [5, 6, 7, 8, 9]);
            assert_eq!(h.fact_sample_length, Some(77));
            assert_eq!(h.format, fmt);
            assert_eq!(h.format.codec_tag(), 0x11);
            assert_eq!(h.format.codec_extra(), &[1, 2, 3]);
        }
        // PCM without extra: a classic 16-byte fmt chunk, no fact.
        let pcm = WavFormat::new(WAVE_FORMAT_PCM, 1, 8000, 2, 16);
        let w = WavWriter::new(Cursor::new(Vec::new()), "p.wav", &pcm, false).unwrap();
        let bytes = w.finalize(0).unwrap().into_inner();
        assert_eq!(bytes.len(), 44);
        assert_eq!(u32_at(&bytes, 16), 16);
    }
}
