//! Codec streams in files: composes the containers of [`io`](crate::io) with the encoders and
//! decoders of [`codecs`](crate::codecs). Pure glue: the bitstreams live in `codecs`, the
//! headers in `io`; this module only says which header fields each codec uses and moves bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use crate::codecs::{g711, g722, g726, new_decoder, new_encoder, CodecId, Decoder, Encoder};
use crate::io::riff::{WavFormat, WavReader, WavWriter};
use crate::io::{Encoding, PcmSpec, SampleBuf, SampleSink, SampleSource};
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
pub fn wav_codec(format: &WavFormat) -> Option<CodecId> {
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

/// Decodes a codec WAV file into 16-bit samples.
pub struct CodecWavSource {
    reader: WavReader<BufReader<File>>,
    decoder: Box<dyn Decoder>,
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

impl CodecWavSource {
    /// Opens `path` if it is a WAV file of a codec aquant decodes; `Ok(None)` if it is a WAV
    /// file of another format (PCM, float, or unknown), so the caller can try other readers.
    pub fn open(path: &Path) -> Result<Option<Self>> {
        let reader = WavReader::open(path)?;
        let format = reader.format().clone();
        let Some(codec) = wav_codec(&format) else {
            return Ok(None);
        };
        let channels = format.channels as usize;
        let decoder = new_decoder(codec, channels)?;
        let frames_left = reader.fact_sample_length().map(u64::from);
        Ok(Some(Self {
            reader,
            decoder,
            spec: PcmSpec {
                channels: format.channels,
                sample_rate: format.sample_rate,
                encoding: Encoding::I16,
            },
            input: vec![0; CHUNK_BYTES],
            in_pos: 0,
            in_len: 0,
            eof: false,
            finished: false,
            scratch: vec![0; CHUNK_BYTES * 2 * channels.max(1)],
            pending: Vec::new(),
            pending_pos: 0,
            frames_left,
        }))
    }

    /// Decodes one more piece into `pending`; false when nothing more will come.
    fn decode_more(&mut self) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        if self.in_pos == self.in_len && !self.eof {
            self.in_len = self.reader.read_data(&mut self.input)?;
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

impl SampleSource for CodecWavSource {
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

/// Encodes 16-bit samples into a codec WAV file.
pub struct CodecWavSink {
    writer: WavWriter<BufWriter<File>>,
    encoder: Box<dyn Encoder>,
    out: Vec<u8>,
    frames: u64,
    channels: usize,
}

impl CodecWavSink {
    /// A sink writing `codec` at `spec`'s channels and rate into `file` (`path` names it in
    /// errors).
    pub fn new(file: File, path: &Path, codec: CodecId, spec: PcmSpec) -> Result<Self> {
        let format = wav_format(codec, spec.channels, spec.sample_rate)?;
        let writer = WavWriter::new(BufWriter::with_capacity(1 << 16, file), path, &format, true)?;
        Ok(Self {
            writer,
            encoder: new_encoder(codec, spec.channels as usize)?,
            out: vec![0; CHUNK_BYTES],
            frames: 0,
            channels: spec.channels as usize,
        })
    }

    fn encode(&mut self, mut input: &[i16], flush: Flush) -> Result<()> {
        loop {
            let p = self.encoder.encode(input, &mut self.out, flush)?;
            self.writer.write_data(&self.out[..p.produced])?;
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

impl SampleSink for CodecWavSink {
    fn write(&mut self, buf: &SampleBuf) -> Result<()> {
        let SampleBuf::I16(v) = buf else {
            return Err(Error::invalid("buf", "codec sinks take 16-bit samples"));
        };
        self.frames += (v.len() / self.channels) as u64;
        self.encode(v, Flush::None)
    }

    fn finalize(mut self: Box<Self>) -> Result<()> {
        self.encode(&[], Flush::Finish)?;
        let frames = u32::try_from(self.frames).unwrap_or(u32::MAX);
        self.writer.finalize(frames)?;
        Ok(())
    }
}
