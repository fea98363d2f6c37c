//! Packing of 2- to 5-bit G.726 codewords into octets, in the two orders in use.

/// The order in which codewords fill an octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Packing {
    /// The first codeword in the most significant bits (ITU-T I.366.2 / AAL2 order, X.420;
    /// ffmpeg's `g726` format and `adpcm_g726` codec, G.726 in WAV).
    #[default]
    MsbFirst,
    /// The first codeword in the least significant bits (RFC 3551 `G726-xx` RTP payloads;
    /// ffmpeg's `g726le` format and `adpcm_g726le` codec, Sun `.au` G.721/G.723 files).
    LsbFirst,
}

/// Packs codewords of a fixed width into octets. Holds at most 7 pending bits between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitPacker {
    packing: Packing,
    bits: u32,
    acc: u32,
    pending: u32,
}

impl BitPacker {
    /// A packer for `bits`-wide codewords (1..=8).
    pub fn new(packing: Packing, bits: u32) -> Self {
        debug_assert!((1..=8).contains(&bits));
        Self {
            packing,
            bits,
            acc: 0,
            pending: 0,
        }
    }

    /// How many whole octets pushing one more codeword completes (0 or 1 for widths up to 8).
    #[inline]
    pub fn octets_completed_by_next(&self) -> usize {
        ((self.pending + self.bits) / 8) as usize
    }

    /// Codeword width.
    #[inline]
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Bits held back, waiting for the rest of their octet.
    #[inline]
    pub fn pending_bits(&self) -> u32 {
        self.pending
    }

    /// Adds a codeword; returns the octet it completed, if any.
    #[inline]
    pub fn push(&mut self, code: u8) -> Option<u8> {
        let code = code as u32 & ((1 << self.bits) - 1);
        match self.packing {
            Packing::MsbFirst => {
                self.acc = (self.acc << self.bits) | code;
                self.pending += self.bits;
                if self.pending >= 8 {
                    self.pending -= 8;
                    let octet = (self.acc >> self.pending) as u8;
                    self.acc &= (1 << self.pending) - 1;
                    Some(octet)
                } else {
                    None
                }
            }
            Packing::LsbFirst => {
                self.acc |= code << self.pending;
                self.pending += self.bits;
                if self.pending >= 8 {
                    let octet = self.acc as u8;
                    self.acc >>= 8;
                    self.pending -= 8;
                    Some(octet)
                } else {
                    None
                }
            }
        }
    }

    /// Emits the pending bits padded with zeros to a whole octet, if there are any.
    #[inline]
    pub fn flush(&mut self) -> Option<u8> {
        if self.pending == 0 {
            return None;
        }
        let octet = match self.packing {
            Packing::MsbFirst => (self.acc << (8 - self.pending)) as u8,
            Packing::LsbFirst => self.acc as u8,
        };
        self.acc = 0;
        self.pending = 0;
        Some(octet)
    }

    /// Drops pending bits.
    pub fn reset(&mut self) {
        self.acc = 0;
        self.pending = 0;
    }
}

/// Unpacks fixed-width codewords from octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitUnpacker {
    packing: Packing,
    bits: u32,
    acc: u32,
    available: u32,
}

impl BitUnpacker {
    /// An unpacker for `bits`-wide codewords (1..=8).
    pub fn new(packing: Packing, bits: u32) -> Self {
        debug_assert!((1..=8).contains(&bits));
        Self {
            packing,
            bits,
            acc: 0,
            available: 0,
        }
    }

    /// How many codewords become available when one more octet is pushed.
    #[inline]
    pub fn codes_after_next_octet(&self) -> usize {
        ((self.available + 8) / self.bits) as usize
    }

    /// Bits held that do not make a whole codeword.
    #[inline]
    pub fn leftover_bits(&self) -> u32 {
        self.available
    }

    /// Adds an octet.
    #[inline]
    pub fn push(&mut self, octet: u8) {
        match self.packing {
            Packing::MsbFirst => self.acc = (self.acc << 8) | octet as u32,
            Packing::LsbFirst => self.acc |= (octet as u32) << self.available,
        }
        self.available += 8;
    }

    /// Takes the next whole codeword, if there is one.
    #[inline]
    pub fn pop(&mut self) -> Option<u8> {
        if self.available < self.bits {
            return None;
        }
        let mask = (1u32 << self.bits) - 1;
        self.available -= self.bits;
        let code = match self.packing {
            Packing::MsbFirst => {
                let code = (self.acc >> self.available) & mask;
                self.acc &= (1 << self.available) - 1;
                code
            }
            Packing::LsbFirst => {
                let code = self.acc & mask;
                self.acc >>= self.bits;
                code
            }
        };
        Some(code as u8)
    }

    /// Drops held bits.
    pub fn reset(&mut self) {
        self.acc = 0;
        self.available = 0;
    }
}

/// Packs `codes` (each `bits` wide) into `out`, padding the last octet with zero bits; returns
/// the octets written. `out` needs `ceil(codes.len() * bits / 8)` octets.
///
/// ```
/// use aquant::codecs::g726::{pack, Packing};
/// let mut out = [0u8; 2];
/// // Two 4-bit codes per octet: MSB-first puts the first in the high nibble.
/// assert_eq!(pack(Packing::MsbFirst, 4, &[0x1, 0x2, 0x3], &mut out), 2);
/// assert_eq!(out, [0x12, 0x30]);
/// assert_eq!(pack(Packing::LsbFirst, 4, &[0x1, 0x2, 0x3], &mut out), 2);
/// assert_eq!(out, [0x21, 0x03]);
/// ```
///
/// # Panics
/// If `out` is too short or `bits` is not in 1..=8.
pub fn pack(packing: Packing, bits: u32, codes: &[u8], out: &mut [u8]) -> usize {
    assert!(
        (1..=8).contains(&bits),
        "codeword width {bits} not in 1..=8"
    );
    let mut packer = BitPacker::new(packing, bits);
    let mut n = 0;
    for &c in codes {
        if let Some(o) = packer.push(c) {
            out[n] = o;
            n += 1;
        }
    }
    if let Some(o) = packer.flush() {
        out[n] = o;
        n += 1;
    }
    n
}

/// Unpacks every whole `bits`-wide codeword of `octets` into a new vector (trailing bits that
/// do not make a whole codeword are dropped).
///
/// ```
/// use aquant::codecs::g726::{unpack, Packing};
/// assert_eq!(unpack(Packing::MsbFirst, 4, &[0x12, 0x30]), [1, 2, 3, 0]);
/// assert_eq!(unpack(Packing::LsbFirst, 4, &[0x21, 0x03]), [1, 2, 3, 0]);
/// ```
///
/// # Panics
/// If `bits` is not in 1..=8.
pub fn unpack(packing: Packing, bits: u32, octets: &[u8]) -> Vec<u8> {
    assert!(
        (1..=8).contains(&bits),
        "codeword width {bits} not in 1..=8"
    );
    let mut unpacker = BitUnpacker::new(packing, bits);
    let mut codes = Vec::with_capacity(octets.len() * 8 / bits as usize);
    for &o in octets {
        unpacker.push(o);
        while let Some(c) = unpacker.pop() {
            codes.push(c);
        }
    }
    codes
}
