//! ITU-T G.722: 7 kHz audio at 64, 56 and 48 kbit/s by sub-band ADPCM, bit-exact with the
//! Recommendation's reference implementation.
//!
//! A 24-tap QMF splits 16 kHz audio into two 8 kHz sub-bands: the lower coded with 6-bit ADPCM,
//! the higher with 2-bit ADPCM. One octet per two input samples carries both codes (higher band
//! in bits 7–6, lower band in bits 5–0). At 56 and 48 kbit/s the decoder ignores the lowest 1 or 2
//! bits of the lower-band code (they carry auxiliary data); the encoder is the same in every mode.
//!
//! Levels:
//!
//! * [`LowBand`] / [`HighBand`]: the sub-band coders alone (QMF bypassed), the level of the
//!   Appendix II digital test sequences.
//! * [`ChannelEncoder`] / [`ChannelDecoder`]: one channel, QMF included, octet at a time.
//! * [`G722Encoder`] / [`G722Decoder`]: the crate's [`Encoder`](crate::codecs::Encoder) /
//!   [`Decoder`](crate::codecs::Decoder) streams (interleaved `i16`, any channel count).
//!
//! ```
//! use aquant::codecs::g722::{ChannelDecoder, ChannelEncoder, Mode};
//!
//! let mut enc = ChannelEncoder::new();
//! let mut dec = ChannelDecoder::new(Mode::Kbps64);
//! let input: Vec<i16> = (0..1600).map(|i| ((i as f64 * 0.2).sin() * 8000.0) as i16).collect();
//! let mut output = Vec::new();
//! for pair in input.chunks_exact(2) {
//!     let octet = enc.encode(pair[0], pair[1]);
//!     output.extend(dec.decode(octet));
//! }
//! // The QMF pair delays the signal by 22 samples.
//! let err = (800..1500).map(|i| (input[i] - output[i + 22]).abs()).max().unwrap();
//! assert!(err < 800, "max error {err}");
//! ```

mod band;
mod codec;
mod qmf;

pub use band::{HighBand, LowBand};
pub use codec::{ChannelDecoder, ChannelEncoder, G722Decoder, G722Encoder};

/// The G.722 mode: how many bits of each octet carry audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Mode 1: 64 kbit/s, all 6 lower-band bits.
    #[default]
    Kbps64,
    /// Mode 2: 56 kbit/s, the lowest lower-band bit is not audio.
    Kbps56,
    /// Mode 3: 48 kbit/s, the lowest two lower-band bits are not audio.
    Kbps48,
}

impl Mode {
    /// Every mode, fastest first.
    pub const ALL: [Mode; 3] = [Mode::Kbps64, Mode::Kbps56, Mode::Kbps48];

    /// The Recommendation's mode number (1, 2, 3).
    pub fn number(self) -> u8 {
        match self {
            Mode::Kbps64 => 1,
            Mode::Kbps56 => 2,
            Mode::Kbps48 => 3,
        }
    }

    /// The audio bit rate in kbit/s (64, 56, 48).
    pub fn kbps(self) -> u32 {
        match self {
            Mode::Kbps64 => 64,
            Mode::Kbps56 => 56,
            Mode::Kbps48 => 48,
        }
    }

    /// Bits of each octet that carry audio (8, 7, 6): ffmpeg's `bits_per_codeword`.
    pub fn bits_per_codeword(self) -> u32 {
        self.kbps() / 8
    }

    /// The mode for 64, 56 or 48 kbit/s.
    pub fn from_kbps(kbps: u32) -> Option<Mode> {
        Some(match kbps {
            64 => Mode::Kbps64,
            56 => Mode::Kbps56,
            48 => Mode::Kbps48,
            _ => return None,
        })
    }
}

/// Which encoder arithmetic to follow. Decoding is the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// The ITU-T reference (STL): the transmit QMF's sub-band outputs are limited to 15 bits
    /// (block LIMIT), as for the reconstructed signals.
    #[default]
    Itu,
    /// ffmpeg's `g722` encoder: the transmit QMF outputs are not limited. Identical to
    /// [`Dialect::Itu`] unless a sub-band sample exceeds the 15-bit range (near full-scale
    /// input); then the codes differ. Bit-exact with ffmpeg 5.1 on any input.
    Ffmpeg,
}

/// The sample rate G.722 is defined at.
pub const SAMPLE_RATE: u32 = 16000;

/// Codec parameters containers need, as ffmpeg uses them.
pub mod container {
    /// WAVE format tag ffmpeg writes and reads for G.722 (`ff_codec_wav_tags`:
    /// `AV_CODEC_ID_ADPCM_G722` = 0x028F). ffmpeg 5.1 writes an 18-byte `fmt ` chunk with
    /// `nSamplesPerSec` = 16000, `wBitsPerSample` = 4, `nBlockAlign` = 1, `cbSize` = 0 and
    /// `nAvgBytesPerSec` = 16000 (sic: the data rate is 8000 bytes/s), plus a `fact` chunk with
    /// the sample count; the data is raw G.722 (one octet per two samples). Checked in
    /// `tests/g722_interop.rs`.
    pub const WAV_FORMAT_TAG: u16 = 0x028F;
}
