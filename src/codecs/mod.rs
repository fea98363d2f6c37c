//! Codecs: one folder each, holding the codec's state, encoder, decoder and their tests against
//! references. Every codec has the same two shapes, [`Encoder`] and [`Decoder`], which are
//! [`Stream`](crate::stream::Stream)s in zlib's shape: `(input, output, flush) -> (consumed,
//! produced)`, with the caller owning every buffer.
//!
//! The linear side is always interleaved `i16` (the domain all these formats define);
//! float input reaches a codec through the [uniform quantizer](crate::quant) first.
//! [`CodecId`] is the registry: it names every codec and builds its encoder or decoder.

use crate::stream::{Flush, Progress};
use crate::Result;

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
    /// IMA/DVI ADPCM (WAV tag 0x0011) in blocks of `block_align` bytes; `effort` is the
    /// encoder's [`Effort`](ima_adpcm::Effort) (the bitstream does not depend on it).
    ImaAdpcm {
        /// Bytes per block (`nBlockAlign`).
        block_align: u16,
        /// Encoder search effort, 0..=9.
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
    /// The CLI name (`--format` value).
    pub fn name(self) -> &'static str {
        match self {
            CodecId::MuLaw => "mulaw",
            CodecId::ALaw => "alaw",
            CodecId::ImaAdpcm { .. } => "ima-adpcm",
            CodecId::MsAdpcm { .. } => "ms-adpcm",
        }
    }
}

/// Builds an encoder for `codec` with `channels` interleaved channels.
pub fn new_encoder(codec: CodecId, channels: usize) -> Result<Box<dyn Encoder>> {
    match codec {
        CodecId::ImaAdpcm {
            block_align,
            effort,
        } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            let effort = ima_adpcm::Effort(effort);
            return Ok(Box::new(ima_adpcm::ImaEncoder::new(params, effort)));
        }
        CodecId::MsAdpcm {
            block_align,
            effort,
        } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            let effort = ima_adpcm::Effort(effort);
            return Ok(Box::new(ms_adpcm::MsEncoder::new(params, effort)));
        }
        _ => {}
    }
    let _ = channels;
    Err(crate::Error::invalid(
        "codec",
        format!("no encoder for {} yet", codec.name()),
    ))
}

/// Builds a decoder for `codec` with `channels` interleaved channels.
pub fn new_decoder(codec: CodecId, channels: usize) -> Result<Box<dyn Decoder>> {
    match codec {
        CodecId::ImaAdpcm { block_align, .. } => {
            let params = ima_adpcm::ImaParams::new(channels, block_align as usize)?;
            return Ok(Box::new(ima_adpcm::ImaDecoder::new(params)));
        }
        CodecId::MsAdpcm { block_align, .. } => {
            let params = ms_adpcm::MsParams::new(channels, block_align as usize)?;
            return Ok(Box::new(ms_adpcm::MsDecoder::new(params)));
        }
        _ => {}
    }
    let _ = channels;
    Err(crate::Error::invalid(
        "codec",
        format!("no decoder for {} yet", codec.name()),
    ))
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
