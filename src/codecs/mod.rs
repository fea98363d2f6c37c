//! Codecs: one folder each, holding the codec's state, encoder, decoder and their tests against
//! references. Every codec has the same two shapes, [`Encoder`] and [`Decoder`], which are
//! [`Stream`](crate::stream::Stream)s in zlib's shape: `(input, output, flush) -> (consumed,
//! produced)`, with the caller owning every buffer.
//!
//! The linear side is always interleaved `i16` (the domain all these formats define);
//! float input reaches a codec through the [uniform quantizer](crate::quant) first.
//! [`CodecId`] is the registry: it names every codec and builds its encoder or decoder.

pub mod g711;

use crate::stream::{Flush, Progress};
use crate::Result;

pub mod block;
pub mod g722;
pub mod g726;
pub mod ima_adpcm;
pub mod ms_adpcm;

/// An encoder: interleaved 16-bit PCM in, codec bytes out.
pub trait Encoder: Send {
    /// Encodes; see [`Stream`](crate::stream::Stream) for the calling convention.
    /// A block codec consumes input into its internal partial block and emits whole blocks;
    /// with [`Flush::Finish`] it pads and emits the final block.
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress>;
    /// Returns to the freshly constructed state.
    fn reset(&mut self);
    /// Interleaved channel count.
    fn channels(&self) -> usize;
}

/// A decoder: codec bytes in, interleaved 16-bit PCM out.
pub trait Decoder: Send {
    /// Decodes; see [`Stream`](crate::stream::Stream) for the calling convention.
    /// Corrupt data never panics: it decodes to a documented result and is counted in
    /// [`Decoder::warnings`].
    fn decode(&mut self, input: &[u8], output: &mut [i16], flush: Flush) -> Result<Progress>;
    /// Returns to the freshly constructed state.
    fn reset(&mut self);
    /// Interleaved channel count.
    fn channels(&self) -> usize;
    /// How many corrupt-data events were seen since construction or reset.
    fn warnings(&self) -> u64 {
        0
    }
}

/// Every codec aquant knows, with the parameters that select its bitstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodecId {
    /// G.711 mu-law, one byte per sample.
    MuLaw,
    /// G.711 A-law, one byte per sample.
    ALaw,
    /// G.726 ADPCM at 8 kHz, codewords packed in the given order.
    G726 {
        /// Bit rate (codeword width).
        rate: g726::Rate,
        /// Codeword order within octets.
        packing: g726::Packing,
        /// Arithmetic: ITU (default) or libsndfile's variant (for its `.au`/WAV files).
        dialect: g726::Dialect,
    },
    /// G.722 sub-band ADPCM at 16 kHz, one octet per two samples.
    G722 {
        /// Mode (64, 56 or 48 kbit/s): at 56/48 the encoder clears the unused low bits and the
        /// decoder ignores them.
        mode: g722::Mode,
        /// Encoder arithmetic: ITU reference (default) or ffmpeg's (differs near full scale).
        dialect: g722::Dialect,
    },
    /// IMA/DVI ADPCM (WAV tag 0x0011) in blocks of `block_align` bytes.
    ImaAdpcm {
        /// Bytes per block (`nBlockAlign`).
        block_align: u16,
        /// Encoder search effort, 0..=9 (1 is the default; 2 and up search code sequences).
        effort: u8,
    },
    /// Microsoft ADPCM (WAV tag 0x0002) with the standard coefficients, in blocks of
    /// `block_align` bytes; `effort` as for [`CodecId::ImaAdpcm`].
    MsAdpcm {
        /// Bytes per block (`nBlockAlign`).
        block_align: u16,
        /// Encoder search effort, 0..=9.
        effort: u8,
    },
}

impl CodecId {
    /// One instance of every codec and bitstream variant (parameters at representative
    /// values), so that tests and fuzz harnesses iterating it cover codecs added later.
    pub fn all() -> Vec<CodecId> {
        // A new variant fails to compile here until it is listed below.
        let _listed = |c: CodecId| match c {
            CodecId::MuLaw
            | CodecId::ALaw
            | CodecId::G726 { .. }
            | CodecId::G722 { .. }
            | CodecId::ImaAdpcm { .. }
            | CodecId::MsAdpcm { .. } => (),
        };
        let mut all = vec![CodecId::MuLaw, CodecId::ALaw];
        for rate in [
            g726::Rate::Kbps16,
            g726::Rate::Kbps24,
            g726::Rate::Kbps32,
            g726::Rate::Kbps40,
        ] {
            for packing in [g726::Packing::MsbFirst, g726::Packing::LsbFirst] {
                for dialect in [g726::Dialect::Itu, g726::Dialect::Libsndfile] {
                    for block_align in [256u16, 512, 1024, 2048] {
                        all.push(CodecId::ImaAdpcm {
                            block_align,
                            effort: 1,
                        });
                        all.push(CodecId::MsAdpcm {
                            block_align,
                            effort: 1,
                        });
                    }
                    all.push(CodecId::G726 {
                        rate,
                        packing,
                        dialect,
                    });
                }
            }
        }
        for mode in [g722::Mode::Kbps64, g722::Mode::Kbps56, g722::Mode::Kbps48] {
            for dialect in [g722::Dialect::Itu, g722::Dialect::Ffmpeg] {
                all.push(CodecId::G722 { mode, dialect });
            }
        }
        all
    }

    /// The CLI name (`--format` value).
    pub fn name(self) -> &'static str {
        match self {
            CodecId::MuLaw => "mulaw",
            CodecId::ALaw => "alaw",
            CodecId::G726 { rate, .. } => match rate {
                g726::Rate::Kbps16 => "g726-16",
                g726::Rate::Kbps24 => "g726-24",
                g726::Rate::Kbps32 => "g726-32",
                g726::Rate::Kbps40 => "g726-40",
            },
            CodecId::G722 { mode, .. } => match mode {
                g722::Mode::Kbps64 => "g722-64",
                g722::Mode::Kbps56 => "g722-56",
                g722::Mode::Kbps48 => "g722-48",
            },
            CodecId::ImaAdpcm { .. } => "ima-adpcm",
            CodecId::MsAdpcm { .. } => "ms-adpcm",
        }
    }
}

/// Builds an encoder for `codec` with `channels` interleaved channels.
pub fn new_encoder(codec: CodecId, channels: usize) -> Result<Box<dyn Encoder>> {
    use g711::{G711Encoder, Law, Rule};
    Ok(match codec {
        CodecId::MuLaw => Box::new(G711Encoder::new(Law::MuLaw, Rule::Itu, channels)?),
        CodecId::ALaw => Box::new(G711Encoder::new(Law::ALaw, Rule::Itu, channels)?),
        CodecId::G726 {
            rate,
            packing,
            dialect,
        } => Box::new(g726::G726Encoder::with_dialect(
            rate, packing, channels, dialect,
        )?),
        CodecId::G722 { mode, dialect } => {
            Box::new(g722::G722Encoder::with_dialect(mode, channels, dialect)?)
        }
        CodecId::ImaAdpcm {
            block_align,
            effort,
        } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            Box::new(ima_adpcm::ImaEncoder::new(
                params,
                ima_adpcm::Effort(effort),
            ))
        }
        CodecId::MsAdpcm {
            block_align,
            effort,
        } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            Box::new(ms_adpcm::MsEncoder::new(params, ima_adpcm::Effort(effort)))
        }
    })
}

/// Builds a decoder for `codec` with `channels` interleaved channels.
pub fn new_decoder(codec: CodecId, channels: usize) -> Result<Box<dyn Decoder>> {
    use g711::{G711Decoder, Law};
    Ok(match codec {
        CodecId::MuLaw => Box::new(G711Decoder::new(Law::MuLaw, channels)?),
        CodecId::ALaw => Box::new(G711Decoder::new(Law::ALaw, channels)?),
        CodecId::G726 {
            rate,
            packing,
            dialect,
        } => Box::new(g726::G726Decoder::with_dialect(
            rate, packing, channels, dialect,
        )?),
        CodecId::G722 { mode, .. } => Box::new(g722::G722Decoder::new(mode, channels)?),
        CodecId::ImaAdpcm { block_align, .. } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            Box::new(ima_adpcm::ImaDecoder::new(params))
        }
        CodecId::MsAdpcm { block_align, .. } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            Box::new(ms_adpcm::MsDecoder::new(params))
        }
    })
}

/// Refuses a channel count outside 1..=[`MAX_CHANNELS`](crate::quant::MAX_CHANNELS).
pub(crate) fn check_channels(channels: usize) -> Result<()> {
    if channels == 0 || channels > crate::quant::MAX_CHANNELS {
        return Err(crate::Error::invalid(
            "channels",
            format!("{channels} is not in 1..={}", crate::quant::MAX_CHANNELS),
        ));
    }
    Ok(())
}

/// The error of a stream given input after it finished (until `reset()`).
pub(crate) fn finished_error() -> crate::Error {
    crate::Error::invalid(
        "input",
        "the stream was finished with Flush::Finish; call reset() before giving more input",
    )
}

/// Adapts an [`Encoder`] to the generic [`Stream`](crate::stream::Stream) trait.
pub struct EncoderStream<E>(pub E);

impl<E: Encoder> crate::stream::Stream for EncoderStream<E> {
    type In = i16;
    type Out = u8;
    fn process_stream(
        &mut self,
        input: &[i16],
        output: &mut [u8],
        flush: Flush,
    ) -> Result<Progress> {
        self.0.encode(input, output, flush)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
}

/// Adapts a [`Decoder`] to the generic [`Stream`](crate::stream::Stream) trait.
pub struct DecoderStream<D>(pub D);

impl<D: Decoder> crate::stream::Stream for DecoderStream<D> {
    type In = u8;
    type Out = i16;
    fn process_stream(
        &mut self,
        input: &[u8],
        output: &mut [i16],
        flush: Flush,
    ) -> Result<Progress> {
        self.0.decode(input, output, flush)
    }
    fn reset(&mut self) {
        self.0.reset()
    }
}
