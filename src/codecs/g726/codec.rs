//! The G.726 [`Encoder`] and [`Decoder`] streams: interleaved 16-bit linear PCM, codewords
//! packed into octets.

use super::{BitPacker, BitUnpacker, ChannelDecoder, ChannelEncoder, Dialect, Packing, Rate};
use crate::codecs::{check_channels, finished_error, Decoder, Encoder};
use crate::stream::{Flush, Progress};
use crate::Result;

/// G.726 encoder stream: interleaved `i16` in, packed codewords out. Channels are coded
/// independently; their codewords follow each other in sample order in the bit stream.
///
/// With [`Flush::Finish`] the last octet is padded with zero bits.
///
/// ```
/// use aquant::codecs::g726::{G726Encoder, Packing, Rate};
/// use aquant::codecs::Encoder;
/// use aquant::Flush;
///
/// let mut enc = G726Encoder::new(Rate::Kbps24, Packing::MsbFirst, 1).unwrap();
/// let mut out = [0u8; 16];
/// let p = enc.encode(&[0i16; 9], &mut out, Flush::Finish).unwrap();
/// // 9 codewords of 3 bits: 27 bits, 4 octets.
/// assert_eq!((p.consumed, p.produced, p.finished), (9, 4, true));
/// ```
#[derive(Debug, Clone)]
pub struct G726Encoder {
    channels: Vec<ChannelEncoder>,
    /// Channel of the next sample.
    channel: usize,
    packer: BitPacker,
    finished: bool,
}

impl G726Encoder {
    /// An encoder for `channels` interleaved channels (1..=65535).
    pub fn new(rate: Rate, packing: Packing, channels: usize) -> Result<Self> {
        Self::with_dialect(rate, packing, channels, Dialect::Itu)
    }

    /// An encoder following `dialect`'s arithmetic (see [`Dialect`]).
    pub fn with_dialect(
        rate: Rate,
        packing: Packing,
        channels: usize,
        dialect: Dialect,
    ) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            channels: vec![ChannelEncoder::with_dialect(rate, dialect); channels],
            channel: 0,
            packer: BitPacker::new(packing, rate.bits()),
            finished: false,
        })
    }
}

impl Encoder for G726Encoder {
    fn encode(&mut self, input: &[i16], output: &mut [u8], flush: Flush) -> Result<Progress> {
        if self.finished {
            if input.is_empty() {
                return Ok(Progress {
                    finished: true,
                    ..Progress::default()
                });
            }
            return Err(finished_error());
        }
        let (mut consumed, mut produced) = (0, 0);
        if let [channel] = &mut self.channels[..] {
            // Mono, the common case: blocks of codewords from the whole-loop kernel, then packed.
            let bits = self.packer.bits() as usize;
            let mut codes = [0u8; 1024];
            while consumed < input.len() {
                // Samples whose octets fit: pending + n·bits < (room + 1)·8.
                let room_bits =
                    (output.len() - produced) * 8 + 7 - self.packer.pending_bits() as usize;
                let n = (room_bits / bits)
                    .min(codes.len())
                    .min(input.len() - consumed);
                if n == 0 {
                    break;
                }
                channel.encode_linear_slice(&input[consumed..consumed + n], &mut codes);
                produced += self.packer.push_slice(&codes[..n], &mut output[produced..]);
                consumed += n;
            }
        }
        for &sample in &input[consumed..] {
            if self.channels.len() == 1
                || produced + self.packer.octets_completed_by_next() > output.len()
            {
                break;
            }
            let code = self.channels[self.channel].encode_linear(sample);
            self.channel += 1;
            if self.channel == self.channels.len() {
                self.channel = 0;
            }
            if let Some(octet) = self.packer.push(code) {
                output[produced] = octet;
                produced += 1;
            }
            consumed += 1;
        }
        if flush == Flush::Finish && consumed == input.len() {
            if self.packer.pending_bits() == 0 {
                self.finished = true;
            } else if produced < output.len() {
                if let Some(octet) = self.packer.flush() {
                    output[produced] = octet;
                    produced += 1;
                }
                self.finished = true;
            }
        }
        Ok(Progress {
            consumed,
            produced,
            finished: self.finished,
        })
    }

    fn reset(&mut self) {
        self.channels.iter_mut().for_each(ChannelEncoder::reset);
        self.channel = 0;
        self.packer.reset();
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels.len()
    }
}

/// G.726 decoder stream: packed codewords in, interleaved `i16` out.
///
/// Every bit pattern is a valid codeword, so no input is corrupt. At [`Flush::Finish`], bits
/// that do not make a whole codeword are dropped; note that zero padding of up to 7 bits can
/// make whole codewords (at 16, 24 and 40 kbit/s), which decode to extra samples: a container's
/// sample count trims them.
#[derive(Debug, Clone)]
pub struct G726Decoder {
    channels: Vec<ChannelDecoder>,
    /// Channel of the next sample.
    channel: usize,
    unpacker: BitUnpacker,
    /// Codeword width.
    bits: u32,
    finished: bool,
}

impl G726Decoder {
    /// A decoder for `channels` interleaved channels (1..=65535).
    pub fn new(rate: Rate, packing: Packing, channels: usize) -> Result<Self> {
        Self::with_dialect(rate, packing, channels, Dialect::Itu)
    }

    /// A decoder following `dialect`'s arithmetic (see [`Dialect`]).
    pub fn with_dialect(
        rate: Rate,
        packing: Packing,
        channels: usize,
        dialect: Dialect,
    ) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            channels: vec![ChannelDecoder::with_dialect(rate, dialect); channels],
            channel: 0,
            unpacker: BitUnpacker::new(packing, rate.bits()),
            bits: rate.bits(),
            finished: false,
        })
    }
}

impl Decoder for G726Decoder {
    fn decode(&mut self, input: &[u8], output: &mut [i16], flush: Flush) -> Result<Progress> {
        if self.finished {
            if input.is_empty() {
                return Ok(Progress {
                    finished: true,
                    ..Progress::default()
                });
            }
            return Err(finished_error());
        }
        let (mut consumed, mut produced) = (0, 0);
        loop {
            // Whole codewords already unpacked go out first, as far as there is room.
            while produced < output.len() {
                let Some(code) = self.unpacker.pop() else {
                    break;
                };
                output[produced] = self.channels[self.channel].decode_linear(code);
                self.channel += 1;
                if self.channel == self.channels.len() {
                    self.channel = 0;
                }
                produced += 1;
            }
            if produced == output.len() || consumed == input.len() {
                break;
            }
            self.unpacker.push(input[consumed]);
            consumed += 1;
        }
        let whole_code_pending = self.unpacker.leftover_bits() >= self.bits;
        if flush == Flush::Finish && consumed == input.len() && !whole_code_pending {
            self.unpacker.reset();
            self.finished = true;
        }
        Ok(Progress {
            consumed,
            produced,
            finished: self.finished,
        })
    }

    fn reset(&mut self) {
        self.channels.iter_mut().for_each(ChannelDecoder::reset);
        self.channel = 0;
        self.unpacker.reset();
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels.len()
    }
}
