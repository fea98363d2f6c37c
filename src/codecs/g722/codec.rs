//! Full-band G.722 coders (QMF + both sub-bands) and the crate's stream shapes.

use super::band::{HighBand, LowBand};
use super::qmf::{Analysis, Synthesis};
use super::{Dialect, Mode};
use crate::codecs::{check_channels, finished_error, Decoder, Encoder};
use crate::stream::{ChannelPhase, Flush, Progress};
use crate::Result;

/// One channel of G.722 encoding: two 16 kHz samples in, one octet out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEncoder {
    qmf: Analysis,
    low: LowBand,
    high: HighBand,
}

impl Default for ChannelEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChannelEncoder {
    /// An encoder in the reset state, following the ITU reference.
    pub const fn new() -> Self {
        Self::with_dialect(Dialect::Itu)
    }

    /// An encoder following `dialect` (see [`Dialect`]).
    pub const fn with_dialect(dialect: Dialect) -> Self {
        Self {
            qmf: Analysis::new(matches!(dialect, Dialect::Itu)),
            low: LowBand::new(),
            high: HighBand::new(),
        }
    }

    /// Returns to the reset state (the dialect is kept).
    pub fn reset(&mut self) {
        self.qmf.reset();
        self.low.reset();
        self.high.reset();
    }

    /// Encodes two consecutive samples to one 64 kbit/s octet (`IH << 6 | IL`).
    #[inline]
    pub fn encode(&mut self, first: i16, second: i16) -> u8 {
        let (xl, xh) = self.qmf.split(first, second);
        let il = self.low.encode(xl);
        let ih = self.high.encode(xh);
        ih << 6 | il
    }
}

/// One channel of G.722 decoding: one octet in, two 16 kHz samples out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDecoder {
    mode: Mode,
    qmf: Synthesis,
    low: LowBand,
    high: HighBand,
}

impl ChannelDecoder {
    /// A decoder in the reset state for `mode`.
    pub const fn new(mode: Mode) -> Self {
        Self {
            mode,
            qmf: Synthesis::new(),
            low: LowBand::new(),
            high: HighBand::new(),
        }
    }

    /// The decoding mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Changes the mode (G.722 allows a switch at any octet; the state carries on).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// Returns to the reset state (the mode is kept).
    pub fn reset(&mut self) {
        *self = Self::new(self.mode);
    }

    /// Decodes one octet to two consecutive samples.
    #[inline]
    pub fn decode(&mut self, octet: u8) -> [i16; 2] {
        let rl = self.low.decode(octet & 0x3F, self.mode);
        let rh = self.high.decode(octet >> 6);
        let (a, b) = self.qmf.merge(rl, rh);
        [a, b]
    }
}

/// G.722 encoder stream: interleaved 16 kHz `i16` in, one octet per two samples of a channel.
///
/// With several channels, octets are interleaved like the samples: one octet per channel per
/// frame pair (channel 0's octet for frames 0–1, channel 1's, ...). In [`Mode::Kbps56`] /
/// [`Mode::Kbps48`] the encoder clears the lowest 1 / 2 bits of each octet (the auxiliary data
/// slots, unused). With [`Flush::Finish`], an odd final frame is completed with a zero sample.
///
/// ```
/// use aquant::codecs::g722::{G722Encoder, Mode};
/// use aquant::codecs::Encoder;
/// use aquant::Flush;
///
/// let mut enc = G722Encoder::new(Mode::Kbps64, 1).unwrap();
/// let mut out = [0u8; 8];
/// let p = enc.encode(&[0i16; 5], &mut out, Flush::Finish).unwrap();
/// assert_eq!((p.consumed, p.produced, p.finished), (5, 3, true));
/// ```
#[derive(Debug, Clone)]
pub struct G722Encoder {
    mode: Mode,
    channels: Vec<ChannelEncoder>,
    /// The first sample of the current pair, per channel.
    held: Vec<i16>,
    /// Whether the current frame pair's first frame is in `held`.
    holding: bool,
    phase: ChannelPhase,
    finished: bool,
}

impl G722Encoder {
    /// An encoder for `channels` interleaved channels (1..=65535), writing octets for `mode`.
    pub fn new(mode: Mode, channels: usize) -> Result<Self> {
        Self::with_dialect(mode, channels, Dialect::Itu)
    }

    /// An encoder following `dialect` (see [`Dialect`]).
    pub fn with_dialect(mode: Mode, channels: usize, dialect: Dialect) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            mode,
            channels: vec![ChannelEncoder::with_dialect(dialect); channels],
            held: vec![0; channels],
            holding: false,
            phase: ChannelPhase::new(channels),
            finished: false,
        })
    }

    #[inline]
    fn mask(&self) -> u8 {
        match self.mode {
            Mode::Kbps64 => 0xFF,
            Mode::Kbps56 => 0xFE,
            Mode::Kbps48 => 0xFC,
        }
    }

    /// Takes one sample; returns the octet it completes, if any.
    #[inline]
    fn push(&mut self, sample: i16) -> Option<u8> {
        let ch = self.phase.channel;
        let out = if self.holding {
            Some(self.channels[ch].encode(self.held[ch], sample) & self.mask())
        } else {
            self.held[ch] = sample;
            None
        };
        self.phase.advance(1);
        if self.phase.channel == 0 {
            self.holding = !self.holding;
        }
        out
    }
}

impl Encoder for G722Encoder {
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
        for &sample in input {
            if self.holding && produced == output.len() {
                break;
            }
            if let Some(octet) = self.push(sample) {
                output[produced] = octet;
                produced += 1;
            }
            consumed += 1;
        }
        if flush == Flush::Finish && consumed == input.len() {
            // Complete a partial frame (mid-frame end) and an odd frame with zero samples.
            while self.phase.channel != 0 || self.holding {
                if self.holding && produced == output.len() {
                    break;
                }
                if let Some(octet) = self.push(0) {
                    output[produced] = octet;
                    produced += 1;
                }
            }
            self.finished = self.phase.channel == 0 && !self.holding;
        }
        Ok(Progress {
            consumed,
            produced,
            finished: self.finished,
        })
    }

    fn reset(&mut self) {
        self.channels.iter_mut().for_each(ChannelEncoder::reset);
        self.held.iter_mut().for_each(|h| *h = 0);
        self.holding = false;
        self.phase = ChannelPhase::new(self.channels.len());
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels.len()
    }
}

/// G.722 decoder stream: octets in, interleaved 16 kHz `i16` out (two frames per octet of each
/// channel, octets interleaved as [`G722Encoder`] writes them). Every octet is valid.
#[derive(Debug, Clone)]
pub struct G722Decoder {
    channels: Vec<ChannelDecoder>,
    /// Second samples of the current octet group, written after every channel's first.
    pending: Vec<i16>,
    phase: ChannelPhase,
    /// Index of the next pending sample to write, when draining `pending`.
    draining: Option<usize>,
    finished: bool,
}

impl G722Decoder {
    /// A decoder for `channels` interleaved channels (1..=65535) in `mode`.
    pub fn new(mode: Mode, channels: usize) -> Result<Self> {
        check_channels(channels)?;
        Ok(Self {
            channels: vec![ChannelDecoder::new(mode); channels],
            pending: vec![0; channels],
            phase: ChannelPhase::new(channels),
            draining: None,
            finished: false,
        })
    }

    /// Writes pending second samples into `output[produced..]`; returns the new `produced`.
    fn drain(&mut self, output: &mut [i16], mut produced: usize) -> usize {
        while let Some(i) = self.draining {
            if produced == output.len() {
                break;
            }
            output[produced] = self.pending[i];
            produced += 1;
            self.draining = (i + 1 < self.pending.len()).then_some(i + 1);
        }
        produced
    }
}

impl Decoder for G722Decoder {
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
        let mono = self.channels.len() == 1;
        produced = self.drain(output, produced);
        for &octet in input {
            if self.draining.is_some() {
                break;
            }
            if mono && produced + 2 <= output.len() {
                let [a, b] = self.channels[0].decode(octet);
                output[produced] = a;
                output[produced + 1] = b;
                produced += 2;
            } else {
                if produced == output.len() {
                    break;
                }
                let ch = self.phase.channel;
                let [a, b] = self.channels[ch].decode(octet);
                output[produced] = a;
                produced += 1;
                self.pending[ch] = b;
                self.phase.advance(1);
                if self.phase.channel == 0 {
                    self.draining = Some(0);
                    produced = self.drain(output, produced);
                }
            }
            consumed += 1;
        }
        if flush == Flush::Finish && consumed == input.len() && self.draining.is_none() {
            // A partial octet group (fewer octets than channels) has no second frame to write.
            self.phase = ChannelPhase::new(self.channels.len());
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
        self.phase = ChannelPhase::new(self.channels.len());
        self.draining = None;
        self.finished = false;
    }

    fn channels(&self) -> usize {
        self.channels.len()
    }
}
