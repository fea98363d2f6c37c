//! ITU-T G.726 ADPCM at 16, 24, 32 and 40 kbit/s, bit-exact with the Recommendation.
//!
//! The coder works on G.711 octets (mu-law or A-law, as the Recommendation defines it, including
//! the decoder's synchronous coding adjustment) or on 16-bit linear PCM (the common extension:
//! the encoder takes `x >> 2` as its 14-bit input, the decoder returns the reconstructed signal
//! times 4, saturated).
//!
//! Two levels:
//!
//! * [`ChannelEncoder`] / [`ChannelDecoder`]: one channel, one sample at a time, codewords
//!   unpacked (one per `u8`, right-aligned). This is the level of the ITU test sequences.
//! * [`G726Encoder`] / [`G726Decoder`]: the crate's [`Encoder`](crate::codecs::Encoder) /
//!   [`Decoder`](crate::codecs::Decoder) streams (interleaved `i16`, any channel count),
//!   codewords packed into octets [MSB-first or LSB-first](Packing).
//!
//! ```
//! use aquant::codecs::g726::{ChannelDecoder, ChannelEncoder, Rate};
//!
//! let mut enc = ChannelEncoder::new(Rate::Kbps32);
//! let mut dec = ChannelDecoder::new(Rate::Kbps32);
//! let input: Vec<i16> = (0..800).map(|i| ((i as f64 * 0.1).sin() * 8000.0) as i16).collect();
//! let output: Vec<i16> = input.iter().map(|&x| dec.decode_linear(enc.encode_linear(x))).collect();
//! // After the predictor has converged, the error is a few percent of the signal.
//! let err = input[400..].iter().zip(&output[400..]).map(|(a, b)| (a - b).abs()).max().unwrap();
//! assert!(err < 600, "max error {err}");
//! ```

mod adpcm;
mod codec;
mod kernels;
mod packing;
mod pcm;

pub use codec::{G726Decoder, G726Encoder};
pub use packing::{pack, unpack, BitPacker, BitUnpacker, Packing};
pub use pcm::PcmLaw;

use adpcm::{AdpcmState, RateTables};

/// The bit rate, which fixes the codeword width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rate {
    /// 16 kbit/s, 2-bit codewords.
    Kbps16,
    /// 24 kbit/s, 3-bit codewords.
    Kbps24,
    /// 32 kbit/s, 4-bit codewords (the former G.721).
    Kbps32,
    /// 40 kbit/s, 5-bit codewords.
    Kbps40,
}

impl Rate {
    /// Every rate, slowest first.
    pub const ALL: [Rate; 4] = [Rate::Kbps16, Rate::Kbps24, Rate::Kbps32, Rate::Kbps40];

    /// Bits per codeword (2 to 5).
    pub fn bits(self) -> u32 {
        match self {
            Rate::Kbps16 => 2,
            Rate::Kbps24 => 3,
            Rate::Kbps32 => 4,
            Rate::Kbps40 => 5,
        }
    }

    /// The rate in kbit/s at 8 kHz (16, 24, 32, 40).
    pub fn kbps(self) -> u32 {
        self.bits() * 8
    }

    /// The rate for a codeword width of 2 to 5 bits.
    pub fn from_bits(bits: u32) -> Option<Rate> {
        Some(match bits {
            2 => Rate::Kbps16,
            3 => Rate::Kbps24,
            4 => Rate::Kbps32,
            5 => Rate::Kbps40,
            _ => return None,
        })
    }

    /// The rate for 16, 24, 32 or 40 kbit/s.
    pub fn from_kbps(kbps: u32) -> Option<Rate> {
        if kbps.is_multiple_of(8) {
            Rate::from_bits(kbps / 8)
        } else {
            None
        }
    }
}

/// Which arithmetic the coder follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// ITU-T G.726 exactly (bit-exact with the Appendix II test sequences).
    #[default]
    Itu,
    /// libsndfile's G.721/G.723 (its `G72x` code, used for Sun `.au` and WAV G.721 files):
    /// Sun's reference code with the `+ 0x30` rounding term of FMULT removed ("it improved the
    /// SNR"), so its streams drift from a conforming decoder. Decode libsndfile's files with this
    /// dialect to get exactly the samples libsndfile returns.
    Libsndfile,
}

/// The sample rate G.726 is defined at.
pub const SAMPLE_RATE: u32 = 8000;

/// Codec parameters containers need (WAV, Sun `.au`), as ffmpeg and libsndfile use them.
pub mod container {
    /// WAVE format tag for G.726 ADPCM as ffmpeg writes and reads it (`ff_codec_wav_tags`:
    /// `AV_CODEC_ID_ADPCM_G726` = 0x0045). ffmpeg 5.1 writes an 18-byte `fmt ` chunk with
    /// `nSamplesPerSec` = 8000, `nBlockAlign` = 1, `wBitsPerSample` = codeword bits (2..5),
    /// `nAvgBytesPerSec` = bit rate / 8, `cbSize` = 0, plus a `fact` chunk with the sample
    /// count; codewords are packed MSB-first ([`Packing::MsbFirst`](super::Packing)). Checked
    /// in `tests/g726_interop.rs`.
    pub const WAV_FORMAT_TAG: u16 = 0x0045;
    /// Sun `.au` encoding 23: G.721 32 kbit/s ADPCM (libsndfile `AU_ENCODING_ADPCM_G721_32`),
    /// codewords packed LSB-first, in libsndfile's [`Dialect::Libsndfile`](super::Dialect)
    /// arithmetic when libsndfile wrote it. libsndfile codes in blocks of 120 samples and pads
    /// the last block, so its files hold up to 119 extra samples (its header has no count).
    pub const AU_ENCODING_G721_32: u32 = 23;
    /// Sun `.au` encoding 25: G.723 24 kbit/s ADPCM (libsndfile `AU_ENCODING_ADPCM_G723_24`),
    /// LSB-first.
    pub const AU_ENCODING_G723_24: u32 = 25;
    /// Sun `.au` encoding 26: G.723 40 kbit/s ADPCM (libsndfile `AU_ENCODING_ADPCM_G723_40`),
    /// LSB-first.
    pub const AU_ENCODING_G723_40: u32 = 26;
}

/// One channel of G.726 encoding, one sample at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEncoder {
    rate: Rate,
    state: AdpcmState,
}

impl ChannelEncoder {
    /// An encoder in the reset state of G.726.
    pub fn new(rate: Rate) -> Self {
        Self::with_dialect(rate, Dialect::Itu)
    }

    /// An encoder following `dialect`'s arithmetic.
    pub fn with_dialect(rate: Rate, dialect: Dialect) -> Self {
        Self {
            rate,
            state: AdpcmState::new(dialect),
        }
    }

    /// The bit rate.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        self.state.reset();
    }

    #[inline]
    fn encode_uniform(&mut self, sl: i32) -> u8 {
        let tables = RateTables::of(self.rate);
        let est = self.state.estimate();
        let code = AdpcmState::quantize(tables, sl - est.se, est.y);
        self.state.update(tables, code, est);
        code
    }

    /// Encodes `input` (16-bit linear) to `codes`, one codeword per sample, as
    /// [`encode_linear`](Self::encode_linear) on each.
    ///
    /// # Panics
    /// If `codes` is shorter than `input`.
    pub fn encode_linear_slice(&mut self, input: &[i16], codes: &mut [u8]) {
        let tables = RateTables::of(self.rate);
        self.state
            .encode_slice(tables, input, &mut codes[..input.len()]);
    }

    /// Encodes one G.711 octet (as transmitted) to a codeword (right-aligned).
    #[inline]
    pub fn encode_pcm(&mut self, law: PcmLaw, octet: u8) -> u8 {
        self.encode_uniform(pcm::expand(law, pcm::to_internal(law, octet)))
    }

    /// Encodes one 16-bit linear sample (its top 14 bits) to a codeword (right-aligned).
    #[inline]
    pub fn encode_linear(&mut self, sample: i16) -> u8 {
        self.encode_uniform(sample as i32 >> 2)
    }
}

/// One channel of G.726 decoding, one codeword at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDecoder {
    rate: Rate,
    state: AdpcmState,
}

impl ChannelDecoder {
    /// A decoder in the reset state of G.726.
    pub fn new(rate: Rate) -> Self {
        Self::with_dialect(rate, Dialect::Itu)
    }

    /// A decoder following `dialect`'s arithmetic.
    pub fn with_dialect(rate: Rate, dialect: Dialect) -> Self {
        Self {
            rate,
            state: AdpcmState::new(dialect),
        }
    }

    /// The bit rate.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        self.state.reset();
    }

    /// Decodes a codeword (its low `bits` bits; higher bits are ignored) to a G.711 octet (as
    /// transmitted), with the synchronous coding adjustment of §4.2.8.
    #[inline]
    pub fn decode_pcm(&mut self, law: PcmLaw, code: u8) -> u8 {
        let tables = RateTables::of(self.rate);
        let code = code & ((1 << tables.bits) - 1);
        let est = self.state.estimate();
        let sr = self.state.update(tables, code, est);
        let sp = pcm::compress(law, sr);
        let requantized = AdpcmState::quantize(tables, pcm::expand(law, sp) - est.se, est.y);
        let sd = pcm::synchronous_adjust(tables, law, sp, code, requantized);
        pcm::to_transmitted(law, sd)
    }

    /// Decodes a codeword (low `bits` bits) to a 16-bit linear sample: the reconstructed
    /// signal times 4, saturated to the `i16` range (in [`Dialect::Libsndfile`], wrapped as
    /// libsndfile does).
    #[inline]
    pub fn decode_linear(&mut self, code: u8) -> i16 {
        let tables = RateTables::of(self.rate);
        let code = code & ((1 << tables.bits) - 1);
        let est = self.state.estimate();
        let sr = self.state.update(tables, code, est);
        if self.state.is_libsndfile() {
            (sr as i32 * 4) as i16
        } else {
            (sr as i32 * 4).clamp(i16::MIN as i32, i16::MAX as i32) as i16
        }
    }
}
