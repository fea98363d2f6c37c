//! Codec streams in files: composes the containers of [`io`](crate::io) with the encoders and
//! decoders of [`codecs`](crate::codecs). Pure glue: the bitstreams live in `codecs`, the
//! headers in `io`; this module only says which header fields each codec uses and moves bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use crate::codecs::block::{self, BlockDecoder, BlockEncoder};
use crate::codecs::{
    g711, g722, g726, ima_adpcm, ms_adpcm, new_decoder, new_encoder, CodecId, Decoder, Encoder,
};
use crate::io::au::{AuEncoding, AuReader, AuWriter};
use crate::io::raw::{RawEncoding, RawReader, RawSpec};
use crate::io::riff::{WavFormat, WavReader, WavWriter};
use crate::io::{Encoding, PcmSpec, SampleBuf, SampleSink, SampleSource};
use crate::sample::AudioSample;
use crate::stream::Flush;
use crate::{Error, Result};

/// Bytes read from a file per decoder call.
const CHUNK_BYTES: usize = 1 << 16;

/// The WAV `fmt ` chunk for `codec` at `channels` and `rate`, as ffmpeg and libsndfile write it.
pub fn wav_format(codec: CodecId, channels: u16, rate: u32) -> Result<WavFormat> {
    Ok(match codec {
        CodecId::MuLaw | CodecId::ALaw => {
            let tag = if codec == CodecId::MuLaw {
                0x0007
            } else {
                0x0006
            };
            WavFormat::new(tag, channels, rate, channels, 8)
        }
        CodecId::G726 { rate: r, .. } => {
            let bits = g726_bits(r);
            let mut f = WavFormat::new(g726::container::WAV_FORMAT_TAG, channels, rate, 1, bits);
            f.byte_rate = rate * bits as u32 * channels as u32 / 8;
            f
        }
        CodecId::G722 { .. } => {
            let mut f = WavFormat::new(g722::container::WAV_FORMAT_TAG, channels, rate, 1, 4);
            // ffmpeg's value (it states the sample rate, not the 8000 bytes/s of the data).
            f.byte_rate = rate;
            f
        }
        CodecId::ImaAdpcm { block_align, .. } => {
            let p = ima_adpcm::ImaParams::new(channels as usize, block_align as usize)?;
            let mut f = WavFormat::new(ima_adpcm::WAV_FORMAT_TAG, channels, rate, block_align, 4);
            f.byte_rate = p.avg_bytes_per_sec(rate);
            f.extra = p.wav_fmt_extra().to_vec();
            f
        }
        CodecId::MsAdpcm { block_align, .. } => {
            let p = ms_adpcm::MsParams::new(channels as usize, block_align as usize)?;
            let mut f = WavFormat::new(ms_adpcm::WAV_FORMAT_TAG, channels, rate, block_align, 4);
            f.byte_rate = p.avg_bytes_per_sec(rate);
            f.extra = p.wav_fmt_extra();
            f
        }
    })
}

fn g726_bits(rate: g726::Rate) -> u16 {
    match rate {
        g726::Rate::Kbps16 => 2,
        g726::Rate::Kbps24 => 3,
        g726::Rate::Kbps32 => 4,
        g726::Rate::Kbps40 => 5,
    }
}

/// The codec of a WAV `fmt ` chunk, if it is one aquant decodes (PCM and float are not codecs).
/// ADPCM parameters that do not describe a legal layout are an error naming the file.
pub fn wav_codec(format: &WavFormat, path: &Path) -> Result<Option<CodecId>> {
    let (ch, align) = (format.channels as usize, format.block_align);
    let malformed = |e: Error| Error::Malformed {
        path: path.to_path_buf(),
        chunk: "fmt ".into(),
        what: e.to_string(),
    };
    Ok(match format.codec_tag() {
        ima_adpcm::WAV_FORMAT_TAG => {
            ima_adpcm::ImaParams::from_wav_fmt(ch, align as usize, format.codec_extra())
                .map_err(malformed)?;
            Some(CodecId::ImaAdpcm {
                block_align: align,
                effort: 1,
            })
        }
        ms_adpcm::WAV_FORMAT_TAG => {
            ms_adpcm::MsParams::from_wav_fmt(ch, align as usize, format.codec_extra())
                .map_err(malformed)?;
            Some(CodecId::MsAdpcm {
                block_align: align,
                effort: 1,
            })
        }
        _ => wav_simple_codec(format),
    })
}

fn wav_simple_codec(format: &WavFormat) -> Option<CodecId> {
    match format.codec_tag() {
        0x0007 => Some(CodecId::MuLaw),
        0x0006 => Some(CodecId::ALaw),
        g726::container::WAV_FORMAT_TAG => {
            let rate = match format.bits_per_sample {
                2 => g726::Rate::Kbps16,
                3 => g726::Rate::Kbps24,
                4 => g726::Rate::Kbps32,
                5 => g726::Rate::Kbps40,
                _ => return None,
            };
            Some(CodecId::G726 {
                rate,
                packing: g726::Packing::MsbFirst,
                dialect: g726::Dialect::Itu,
            })
        }
        g722::container::WAV_FORMAT_TAG => Some(CodecId::G722 {
            mode: g722::Mode::Kbps64,
            dialect: g722::Dialect::Itu,
        }),
        _ => None,
    }
}

/// The G.726 codec of a Sun `.au` G.721/G.723 encoding, as libsndfile writes it: codewords
/// LSB-first, in libsndfile's arithmetic ([`g726::Dialect::Libsndfile`]).
pub fn au_g726_codec(encoding: AuEncoding) -> Option<CodecId> {
    let rate = match encoding {
        AuEncoding::G723Kbps24 => g726::Rate::Kbps24,
        AuEncoding::G721Kbps32 => g726::Rate::Kbps32,
        AuEncoding::G723Kbps40 => g726::Rate::Kbps40,
        _ => return None,
    };
    Some(CodecId::G726 {
        rate,
        packing: g726::Packing::LsbFirst,
        dialect: g726::Dialect::Libsndfile,
    })
}

/// The Sun `.au` encoding of G.726 at `rate`: G.723 at 24 and 40 kbit/s, G.721 at 32; 16 kbit/s
/// has none.
pub fn au_g726_encoding(rate: g726::Rate) -> Option<AuEncoding> {
    match rate {
        g726::Rate::Kbps16 => None,
        g726::Rate::Kbps24 => Some(AuEncoding::G723Kbps24),
        g726::Rate::Kbps32 => Some(AuEncoding::G721Kbps32),
        g726::Rate::Kbps40 => Some(AuEncoding::G723Kbps40),
    }
}

/// libsndfile codes AU G.721/G.723 in blocks of this many samples and pads the last block with
/// silence (its header has no sample count, so the padding is part of the file).
const AU_G726_BLOCK: usize = 120;

/// Whether a WAV format tag is one of the codecs aquant decodes itself.
pub fn is_codec_wav_tag(tag: u16) -> bool {
    matches!(
        tag,
        0x0006
            | 0x0007
            | g726::container::WAV_FORMAT_TAG
            | g722::container::WAV_FORMAT_TAG
            | ima_adpcm::WAV_FORMAT_TAG
            | ms_adpcm::WAV_FORMAT_TAG
    )
}

/// The sample rate a codec is defined at, if it has one.
pub fn required_rate(codec: CodecId) -> Option<u32> {
    match codec {
        CodecId::G726 { .. } => Some(g726::SAMPLE_RATE),
        CodecId::G722 { .. } => Some(g722::SAMPLE_RATE),
        _ => None,
    }
}

/// Bits of linear input the codec defines (G.711: 14 for mu-law, 13 for A-law); float input is
/// quantized to this depth before encoding.
pub fn input_bits(codec: CodecId) -> u32 {
    match codec {
        CodecId::MuLaw => g711::Law::MuLaw.input_bits(),
        CodecId::ALaw => g711::Law::ALaw.input_bits(),
        _ => 16,
    }
}

/// The container of a file, chosen by its extension: `.au`/`.snd` for Sun/NeXT audio, `.raw`
/// (also `.ul`, `.al`, `.pcm`, `.g726`, `.g722`) for headerless data, WAV otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// RIFF/WAVE.
    Wav,
    /// Sun/NeXT `.au`.
    Au,
    /// Headerless.
    Raw,
}

impl Container {
    /// The container `path`'s extension names.
    pub fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("au" | "snd") => Container::Au,
            Some("raw" | "ul" | "al" | "pcm" | "g726" | "g722" | "bin") => Container::Raw,
            _ => Container::Wav,
        }
    }
}

/// Where encoded bytes go.
trait ByteSink: Send {
    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()>;
    fn finish(self: Box<Self>, frames: u64) -> Result<()>;
}

impl ByteSink for WavWriter<BufWriter<File>> {
    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_data(bytes)
    }
    fn finish(self: Box<Self>, frames: u64) -> Result<()> {
        self.finalize(u32::try_from(frames).unwrap_or(u32::MAX))?;
        Ok(())
    }
}

impl ByteSink for AuWriter<BufWriter<File>> {
    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_data(bytes)
    }
    fn finish(self: Box<Self>, _frames: u64) -> Result<()> {
        self.finalize()?;
        Ok(())
    }
}

struct RawFile {
    inner: BufWriter<File>,
    path: std::path::PathBuf,
}

impl ByteSink for RawFile {
    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        std::io::Write::write_all(&mut self.inner, bytes).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }
    fn finish(mut self: Box<Self>, _frames: u64) -> Result<()> {
        std::io::Write::flush(&mut self.inner).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Where encoded bytes come from.
trait ByteSource: Send {
    fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize>;
}

impl ByteSource for WavReader<BufReader<File>> {
    fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.read_data(buf)
    }
}

impl ByteSource for AuReader<BufReader<File>> {
    fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.read_data(buf)
    }
}

impl ByteSource for RawReader<BufReader<File>> {
    fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.read_frames(buf)
    }
}

/// Decodes a codec stream (in WAV, AU or raw) into 16-bit samples.
///
/// A block codec (IMA, MS ADPCM) is decoded many whole blocks at a time, in parallel, straight
/// into the caller's buffer; other codecs go through their streaming [`Decoder`].
pub struct CodecSource {
    bytes: Box<dyn ByteSource>,
    decoder: Box<dyn Decoder>,
    block_decoder: Option<Box<dyn BlockDecoder>>,
    /// Corrupt-data events the block decoder reported.
    block_warnings: u64,
    spec: PcmSpec,
    input: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    eof: bool,
    finished: bool,
    scratch: Vec<i16>,
    /// Decoded samples not yet handed out: `pending[pending_pos..]`.
    pending: Vec<i16>,
    pending_pos: usize,
    /// Frames still to hand out, from the `fact` chunk (block codecs pad their last block).
    frames_left: Option<u64>,
}

impl CodecSource {
    fn new(
        bytes: Box<dyn ByteSource>,
        codec: CodecId,
        channels: u16,
        rate: u32,
        frames: Option<u64>,
    ) -> Result<Self> {
        let ch = channels as usize;
        Ok(Self {
            bytes,
            decoder: new_decoder(codec, ch)?,
            block_decoder: block::block_decoder(codec, ch)?,
            block_warnings: 0,
            spec: PcmSpec {
                channels,
                sample_rate: rate,
                encoding: Encoding::I16,
            },
            input: vec![0; CHUNK_BYTES],
            in_pos: 0,
            in_len: 0,
            eof: false,
            finished: false,
            scratch: vec![0; CHUNK_BYTES * 2 * ch.max(1)],
            pending: Vec::new(),
            pending_pos: 0,
            frames_left: frames,
        })
    }

    /// Opens `path` if it is a WAV file of a codec aquant decodes; `Ok(None)` if it is a WAV
    /// file of another format (PCM, float, or unknown), so the caller can try other readers.
    pub fn open_wav(path: &Path) -> Result<Option<Self>> {
        let reader = WavReader::open(path)?;
        let format = reader.format().clone();
        let Some(codec) = wav_codec(&format, path)? else {
            return Ok(None);
        };
        let frames = reader.fact_sample_length().map(u64::from);
        let mut source = Self::new(
            Box::new(reader),
            codec,
            format.channels,
            format.sample_rate,
            frames,
        )?;
        if let CodecId::ImaAdpcm { block_align, .. } = codec {
            // Honour a `wSamplesPerBlock` below the block's capacity (the registry's decoders
            // assume full blocks).
            let params = ima_adpcm::ImaParams::from_wav_fmt(
                format.channels as usize,
                block_align as usize,
                format.codec_extra(),
            )?;
            source.decoder = Box::new(ima_adpcm::ImaDecoder::new(params));
            source.block_decoder = Some(Box::new(ima_adpcm::ImaBlockDecoder::new(params)));
        }
        if let CodecId::MsAdpcm { block_align, .. } = codec {
            // The file's own coefficient table and `wSamplesPerBlock` (the registry's decoders
            // assume the standard table and full blocks).
            let params = ms_adpcm::MsParams::from_wav_fmt(
                format.channels as usize,
                block_align as usize,
                format.codec_extra(),
            )?;
            source.decoder = Box::new(ms_adpcm::MsDecoder::new(params.clone()));
            source.block_decoder = Some(Box::new(ms_adpcm::MsBlockDecoder::new(params)));
        }
        Ok(Some(source))
    }

    /// Corrupt-data events seen so far (see [`Decoder::warnings`]).
    pub fn warnings(&self) -> u64 {
        self.decoder.warnings() + self.block_warnings
    }

    /// [`SampleSource::read_frames`] for a block codec: reads the whole blocks that fit in
    /// `want` frames (at least one) and decodes them in parallel into `buf`.
    fn read_blocks(&mut self, buf: &mut SampleBuf, want: usize) -> Result<usize> {
        let Some(decoder) = self.block_decoder.as_deref() else {
            return Ok(0);
        };
        let layout = decoder.layout();
        let (block_bytes, block_samples) = (layout.bytes_per_block, layout.samples_per_block());
        let blocks = (want / layout.frames_per_block).max(1);
        if self.input.len() < blocks * block_bytes {
            self.input.resize(blocks * block_bytes, 0);
        }
        let input = &mut self.input[..blocks * block_bytes];
        let mut got = 0;
        while got < input.len() {
            let n = self.bytes.read_bytes(&mut input[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let (whole, tail) = (got / block_bytes, got % block_bytes);
        let capacity = (whole + usize::from(tail > 0)) * block_samples;
        buf.reset_to(Encoding::I16, capacity);
        let SampleBuf::I16(pcm) = buf else {
            unreachable!("reset_to(I16) makes an I16 buffer")
        };
        self.block_warnings += block::decode_parallel(
            decoder,
            &input[..whole * block_bytes],
            &mut pcm[..whole * block_samples],
        );
        let mut frames = whole * layout.frames_per_block;
        if tail > 0 {
            let (tail_frames, warnings) = decoder.decode_tail(
                &input[whole * block_bytes..got],
                &mut pcm[whole * block_samples..],
            );
            self.block_warnings += warnings;
            frames += tail_frames;
        }
        if let Some(left) = &mut self.frames_left {
            frames = frames.min(*left as usize);
            *left -= frames as u64;
        }
        pcm.truncate(frames * layout.channels);
        Ok(frames)
    }

    /// Decodes one more piece into `pending`; false when nothing more will come.
    fn decode_more(&mut self) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        if self.in_pos == self.in_len && !self.eof {
            self.in_len = self.bytes.read_bytes(&mut self.input)?;
            self.in_pos = 0;
            self.eof = self.in_len == 0;
        }
        let flush = if self.eof { Flush::Finish } else { Flush::None };
        let p = self.decoder.decode(
            &self.input[self.in_pos..self.in_len],
            &mut self.scratch,
            flush,
        )?;
        self.in_pos += p.consumed;
        self.pending.drain(..self.pending_pos);
        self.pending_pos = 0;
        self.pending.extend_from_slice(&self.scratch[..p.produced]);
        self.finished = p.finished || (self.eof && p.produced == 0 && p.consumed == 0);
        Ok(true)
    }
}

impl SampleSource for CodecSource {
    fn spec(&self) -> PcmSpec {
        self.spec
    }

    fn frames_remaining(&self) -> Option<u64> {
        self.frames_left
    }

    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let ch = self.spec.channels as usize;
        let mut want = max_frames;
        if let Some(left) = self.frames_left {
            want = want.min(left as usize);
        }
        if want == 0 {
            buf.reset_to(Encoding::I16, 0);
            return Ok(0);
        }
        if let Some(decoder) = &self.block_decoder {
            // Whole blocks straight into `buf`; a request smaller than a block goes through
            // the streaming decoder's buffering instead.
            if want >= decoder.layout().frames_per_block && self.pending_pos == self.pending.len() {
                return self.read_blocks(buf, want);
            }
        }
        while self.pending.len() - self.pending_pos < want * ch {
            if !self.decode_more()? {
                break;
            }
        }
        let avail = (self.pending.len() - self.pending_pos) / ch;
        let frames = want.min(avail);
        buf.reset_to(Encoding::I16, 0);
        if let SampleBuf::I16(v) = buf {
            v.extend_from_slice(&self.pending[self.pending_pos..self.pending_pos + frames * ch]);
        }
        self.pending_pos += frames * ch;
        if let Some(left) = &mut self.frames_left {
            *left -= frames as u64;
        }
        Ok(frames)
    }
}

/// Linear samples from an AU file or a raw 16-bit file.
struct LinearBytesSource {
    bytes: Box<dyn ByteSource>,
    spec: PcmSpec,
    /// AU linear encodings are big-endian; raw 16-bit is little-endian.
    au: Option<AuEncoding>,
    raw: Vec<u8>,
    floats: Vec<f64>,
    frames_left: u64,
}

impl SampleSource for LinearBytesSource {
    fn spec(&self) -> PcmSpec {
        self.spec
    }
    fn frames_remaining(&self) -> Option<u64> {
        Some(self.frames_left)
    }
    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let ch = self.spec.channels as usize;
        let width = match self.au {
            Some(e) => e.bytes_per_sample(),
            None => 2,
        };
        let frames = (max_frames as u64).min(self.frames_left) as usize;
        self.raw.resize(frames * ch * width, 0);
        let mut got = 0;
        while got < self.raw.len() {
            let n = self.bytes.read_bytes(&mut self.raw[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let frames = got / (ch * width);
        self.frames_left -= frames as u64;
        let samples = frames * ch;
        match self.au {
            None => buf.decode_le(Encoding::I16, &self.raw[..samples * 2]),
            Some(enc) => {
                self.floats.resize(samples, 0.0);
                crate::io::au::decode_to_f64(enc, &self.raw[..samples * width], &mut self.floats);
                buf.reset_to(self.spec.encoding, samples);
                // AU linear samples are exact in f64; map back to the same-width container.
                match buf {
                    SampleBuf::U8(v) => fill(v, &self.floats),
                    SampleBuf::I16(v) => fill(v, &self.floats),
                    SampleBuf::I24(v) => fill(v, &self.floats),
                    SampleBuf::I32(v) => fill(v, &self.floats),
                    SampleBuf::F32(v) => fill(v, &self.floats),
                }
            }
        }
        Ok(frames)
    }
}

fn fill<S: AudioSample>(out: &mut [S], x: &[f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = match S::KIND {
            crate::sample::SampleKind::Int { bits, .. } => {
                S::from_code((v * (1u64 << (bits - 1)) as f64) as i32)
            }
            _ => S::from_f64(v),
        };
    }
}

/// Opens an AU file as a sample source (G.711 decoded by our codec; linear as it is stored).
pub fn open_au(path: &Path) -> Result<Box<dyn SampleSource>> {
    let reader = AuReader::open(path)?;
    let h = reader.header().clone();
    let channels = u16::try_from(h.channels).unwrap_or(u16::MAX);
    if let Some(codec) = au_g726_codec(h.encoding) {
        return Ok(Box::new(CodecSource::new(
            Box::new(reader),
            codec,
            channels,
            h.sample_rate,
            Some(h.frames()),
        )?));
    }
    if let Some(law) = h.encoding.law() {
        let codec = match law {
            g711::Law::MuLaw => CodecId::MuLaw,
            g711::Law::ALaw => CodecId::ALaw,
        };
        return Ok(Box::new(CodecSource::new(
            Box::new(reader),
            codec,
            channels,
            h.sample_rate,
            Some(h.frames()),
        )?));
    }
    let encoding = match h.encoding {
        AuEncoding::Linear8 => Encoding::U8,
        AuEncoding::Linear16 => Encoding::I16,
        AuEncoding::Linear24 => Encoding::I24,
        AuEncoding::Linear32 => Encoding::I32,
        _ => Encoding::F32,
    };
    Ok(Box::new(LinearBytesSource {
        spec: PcmSpec {
            channels,
            sample_rate: h.sample_rate,
            encoding,
        },
        au: Some(h.encoding),
        raw: Vec::new(),
        floats: Vec::new(),
        frames_left: h.frames(),
        bytes: Box::new(reader),
    }))
}

/// Opens a headerless codec stream (such as raw G.726, either [packing](g726::Packing)) as a
/// sample source. The stream has no length: every whole codeword decodes.
pub fn open_raw_codec(
    path: &Path,
    codec: CodecId,
    rate: u32,
    channels: u16,
) -> Result<Box<dyn SampleSource>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = RawBytes {
        inner: BufReader::new(file),
        path: path.to_path_buf(),
    };
    Ok(Box::new(CodecSource::new(
        Box::new(bytes),
        codec,
        channels,
        rate,
        None,
    )?))
}

/// A headerless file's bytes, as they are.
struct RawBytes {
    inner: BufReader<File>,
    path: std::path::PathBuf,
}

impl ByteSource for RawBytes {
    fn read_bytes(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            match std::io::Read::read(&mut self.inner, buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => {
                    return r.map_err(|source| Error::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
    }
}

/// Opens a headerless file of the given layout as a sample source.
pub fn open_raw(path: &Path, spec: RawSpec) -> Result<Box<dyn SampleSource>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let frames = spec.frames_in(path, len)?;
    let reader = RawReader::new(BufReader::new(file), path, spec);
    let channels = spec.channels as u16;
    match spec.encoding.law() {
        Some(law) => {
            let codec = if law == g711::Law::MuLaw {
                CodecId::MuLaw
            } else {
                CodecId::ALaw
            };
            Ok(Box::new(CodecSource::new(
                Box::new(reader),
                codec,
                channels,
                spec.sample_rate,
                Some(frames),
            )?))
        }
        None => Ok(Box::new(LinearBytesSource {
            spec: PcmSpec {
                channels,
                sample_rate: spec.sample_rate,
                encoding: Encoding::I16,
            },
            au: None,
            raw: Vec::new(),
            floats: Vec::new(),
            frames_left: frames,
            bytes: Box::new(reader),
        })),
    }
}

/// Encodes 16-bit samples into a codec stream in a WAV, AU or raw file.
///
/// With a [`BlockEncoder`] (IMA, MS ADPCM), whole blocks are coded straight from the caller's
/// buffer, many at once on the rayon pool; the bytes equal the streaming encoder's.
pub struct CodecSink {
    bytes: Box<dyn ByteSink>,
    encoder: Box<dyn Encoder>,
    out: Vec<u8>,
    frames: u64,
    channels: usize,
    /// Frames the stream is padded to a multiple of with silence at the end (1: no padding).
    pad_frames_to: u64,
    /// One block encoder per worker thread, when the codec is block-based.
    block_workers: Vec<Box<dyn BlockEncoder>>,
    /// Samples of a partial block waiting for the next write.
    block_pending: Vec<i16>,
}

impl CodecSink {
    /// A sink writing `codec` at `spec`'s channels and rate into `file` in `container` (`path`
    /// names it in errors).
    pub fn new(
        file: File,
        path: &Path,
        container: Container,
        codec: CodecId,
        spec: PcmSpec,
    ) -> Result<Self> {
        let encoder = new_encoder(codec, spec.channels as usize)?;
        Self::with_encoder(file, path, container, codec, spec, encoder)
    }

    /// As [`new`](Self::new), with an encoder built by the caller (for options the registry
    /// does not name, such as G.711's nearest-level rule).
    pub fn with_encoder(
        file: File,
        path: &Path,
        container: Container,
        codec: CodecId,
        spec: PcmSpec,
        mut encoder: Box<dyn Encoder>,
    ) -> Result<Self> {
        let unsupported = |what: String| Error::Unsupported {
            path: path.to_path_buf(),
            what,
        };
        let mut pad_frames_to = 1;
        let mut au_g726 = None;
        match (container, codec) {
            (
                Container::Wav,
                CodecId::G726 {
                    packing: g726::Packing::LsbFirst,
                    ..
                },
            ) => {
                return Err(unsupported(
                    "G.726 in WAV is packed MSB-first (as ffmpeg reads and writes it): LSB-first \
                     packing is for raw streams (.raw)"
                        .into(),
                ))
            }
            (Container::Au, CodecId::G726 { rate, .. }) => {
                let Some(encoding) = au_g726_encoding(rate) else {
                    return Err(unsupported(format!(
                        "{} in .au: Sun .au has G.721 at 32 kbit/s and G.723 at 24 and 40 \
                         kbit/s, no 16 kbit/s encoding (use .wav or .raw, or another rate)",
                        codec.name()
                    )));
                };
                // The container fixes packing and arithmetic: libsndfile's, whatever was asked.
                let au_codec = au_g726_codec(encoding).unwrap_or(codec);
                encoder = new_encoder(au_codec, spec.channels as usize)?;
                pad_frames_to = AU_G726_BLOCK as u64;
                au_g726 = Some(encoding);
            }
            _ => {}
        }
        let w = BufWriter::with_capacity(1 << 16, file);
        let bytes: Box<dyn ByteSink> = match container {
            Container::Wav => {
                let format = wav_format(codec, spec.channels, spec.sample_rate)?;
                Box::new(WavWriter::new(w, path, &format, true)?)
            }
            Container::Au => {
                let encoding = match (codec, au_g726) {
                    (CodecId::MuLaw, _) => AuEncoding::MuLaw,
                    (CodecId::ALaw, _) => AuEncoding::ALaw,
                    (_, Some(g726)) => g726,
                    (other, None) => {
                        return Err(Error::Unsupported {
                            path: path.to_path_buf(),
                            what: format!(
                                "{} in .au is not written by this build (use .wav or .raw)",
                                other.name()
                            ),
                        })
                    }
                };
                Box::new(AuWriter::new(
                    w,
                    path,
                    encoding,
                    spec.sample_rate,
                    spec.channels as u32,
                )?)
            }
            Container::Raw => Box::new(RawFile {
                inner: w,
                path: path.to_path_buf(),
            }),
        };
        Ok(Self {
            bytes,
            encoder,
            out: vec![0; CHUNK_BYTES],
            frames: 0,
            channels: spec.channels as usize,
            pad_frames_to,
            block_workers: Vec::new(),
            block_pending: Vec::new(),
        })
    }

    /// As [`new`](Self::new), coding whole blocks with `block_encoder` (and clones of it, one
    /// per rayon thread) instead of a streaming encoder. `codec` must be the codec
    /// `block_encoder` codes.
    pub fn with_block_encoder(
        file: File,
        path: &Path,
        container: Container,
        codec: CodecId,
        spec: PcmSpec,
        block_encoder: Box<dyn BlockEncoder>,
    ) -> Result<Self> {
        let mut sink = Self::new(file, path, container, codec, spec)?;
        let threads = rayon::current_num_threads().max(1);
        sink.block_workers = (1..threads).map(|_| block_encoder.boxed_clone()).collect();
        sink.block_workers.insert(0, block_encoder);
        let layout = sink.block_workers[0].layout();
        sink.block_pending = Vec::with_capacity(layout.samples_per_block());
        Ok(sink)
    }

    /// Codes `input` by whole blocks; a trailing partial block waits in `block_pending`.
    fn encode_blocks(&mut self, mut input: &[i16]) -> Result<()> {
        let layout = self.block_workers[0].layout();
        let block_samples = layout.samples_per_block();
        if !self.block_pending.is_empty() {
            // Join the partial block with the input, so it is coded with the others (one
            // block alone would leave most SIMD lanes idle).
            self.block_pending.extend_from_slice(input);
            let pending = std::mem::take(&mut self.block_pending);
            let result = self.encode_whole_blocks(&pending);
            let whole = pending.len() / block_samples * block_samples;
            self.block_pending = pending;
            self.block_pending.drain(..whole);
            return result;
        }
        let whole = input.len() / block_samples * block_samples;
        self.encode_whole_blocks(&input[..whole])?;
        input = &input[whole..];
        self.block_pending.extend_from_slice(input);
        Ok(())
    }

    /// Codes the whole blocks at the start of `input` in parallel and writes them.
    fn encode_whole_blocks(&mut self, input: &[i16]) -> Result<()> {
        let layout = self.block_workers[0].layout();
        let blocks = input.len() / layout.samples_per_block();
        if blocks == 0 {
            return Ok(());
        }
        self.out.resize(blocks * layout.bytes_per_block, 0);
        block::encode_parallel(
            &mut self.block_workers,
            &input[..blocks * layout.samples_per_block()],
            &mut self.out,
        );
        self.bytes.write_bytes(&self.out)
    }

    /// Pads and codes the final partial block, if any.
    fn finish_blocks(&mut self) -> Result<()> {
        if self.block_pending.is_empty() {
            return Ok(());
        }
        let layout = self.block_workers[0].layout();
        let filled = self.block_pending.len();
        self.block_pending.resize(layout.samples_per_block(), 0);
        block::pad_hold_last(&mut self.block_pending, filled, layout.channels);
        self.out.resize(layout.bytes_per_block, 0);
        self.block_workers[0].encode_blocks(&self.block_pending, &mut self.out);
        self.block_pending.clear();
        self.bytes.write_bytes(&self.out)
    }

    fn encode(&mut self, mut input: &[i16], flush: Flush) -> Result<()> {
        loop {
            let p = self.encoder.encode(input, &mut self.out, flush)?;
            self.bytes.write_bytes(&self.out[..p.produced])?;
            input = &input[p.consumed..];
            let done = match flush {
                Flush::Finish => p.finished,
                Flush::None => input.is_empty(),
            };
            if done {
                return Ok(());
            }
            if p.consumed == 0 && p.produced == 0 {
                return Err(Error::invalid("encoder", "made no progress"));
            }
        }
    }
}

impl SampleSink for CodecSink {
    fn write(&mut self, buf: &SampleBuf) -> Result<()> {
        let SampleBuf::I16(v) = buf else {
            return Err(Error::invalid("buf", "codec sinks take 16-bit samples"));
        };
        self.frames += (v.len() / self.channels) as u64;
        if !self.block_workers.is_empty() {
            return self.encode_blocks(v);
        }
        self.encode(v, Flush::None)
    }

    fn finalize(mut self: Box<Self>) -> Result<()> {
        if !self.block_workers.is_empty() {
            self.finish_blocks()?;
            return self.bytes.finish(self.frames);
        }
        let short = (self.pad_frames_to - self.frames % self.pad_frames_to) % self.pad_frames_to;
        if short > 0 {
            let silence = vec![0i16; short as usize * self.channels];
            self.encode(&silence, Flush::None)?;
        }
        self.encode(&[], Flush::Finish)?;
        self.bytes.finish(self.frames)
    }
}

/// Writes linear samples into an AU file (big-endian) or a raw file (little-endian).
pub struct LinearBytesSink {
    bytes: Box<dyn ByteSink>,
    big_endian: bool,
    raw: Vec<u8>,
}

impl LinearBytesSink {
    /// A sink for `spec` into `file` in `container` (AU or raw).
    pub fn new(file: File, path: &Path, container: Container, spec: PcmSpec) -> Result<Self> {
        let w = BufWriter::with_capacity(1 << 16, file);
        let (bytes, big_endian): (Box<dyn ByteSink>, bool) = match container {
            Container::Au => {
                let encoding = match spec.encoding {
                    Encoding::U8 => AuEncoding::Linear8,
                    Encoding::I16 => AuEncoding::Linear16,
                    Encoding::I24 => AuEncoding::Linear24,
                    Encoding::I32 => AuEncoding::Linear32,
                    Encoding::F32 => AuEncoding::Float32,
                };
                let writer =
                    AuWriter::new(w, path, encoding, spec.sample_rate, spec.channels as u32)?;
                (Box::new(writer), true)
            }
            _ => (
                Box::new(RawFile {
                    inner: w,
                    path: path.to_path_buf(),
                }),
                false,
            ),
        };
        Ok(Self {
            bytes,
            big_endian,
            raw: Vec::new(),
        })
    }
}

impl SampleSink for LinearBytesSink {
    fn write(&mut self, buf: &SampleBuf) -> Result<()> {
        self.raw.clear();
        let be = self.big_endian;
        match buf {
            // AU's 8-bit linear is signed; raw 8-bit keeps WAV's unsigned form.
            SampleBuf::U8(v) => self
                .raw
                .extend(v.iter().map(|&s| if be { s ^ 0x80 } else { s })),
            SampleBuf::I16(v) => {
                for s in v {
                    self.raw
                        .extend(if be { s.to_be_bytes() } else { s.to_le_bytes() });
                }
            }
            SampleBuf::I24(v) => {
                for s in v {
                    let b = s.inner().to_le_bytes();
                    if be {
                        self.raw.extend([b[2], b[1], b[0]]);
                    } else {
                        self.raw.extend([b[0], b[1], b[2]]);
                    }
                }
            }
            SampleBuf::I32(v) => {
                for s in v {
                    self.raw
                        .extend(if be { s.to_be_bytes() } else { s.to_le_bytes() });
                }
            }
            SampleBuf::F32(v) => {
                for s in v {
                    self.raw
                        .extend(if be { s.to_be_bytes() } else { s.to_le_bytes() });
                }
            }
        }
        self.bytes.write_bytes(&self.raw)
    }

    fn finalize(self: Box<Self>) -> Result<()> {
        self.bytes.finish(0)
    }
}

/// The raw input layout given on the command line.
pub fn raw_spec(encoding: &str, rate: u32, channels: u32) -> Result<RawSpec> {
    let encoding = match encoding {
        "mulaw" | "ulaw" => RawEncoding::MuLaw,
        "alaw" => RawEncoding::ALaw,
        "s16le" | "pcm16" => RawEncoding::S16Le,
        other => {
            return Err(Error::invalid(
                "raw format",
                format!("{other:?}: expected mulaw, alaw or s16le"),
            ))
        }
    };
    RawSpec::new(encoding, rate, channels)
}
