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

    /// Pushes every codeword of `codes`, writing the octets they complete to `out`; returns how
    /// many it wrote (exactly as [`push`](Self::push) on each would). Eight codewords make
    /// exactly `bits` octets whatever is pending, so whole groups of eight are packed in one
    /// word without a test per codeword.
    ///
    /// # Panics
    /// If `out` is shorter than `(pending_bits() + codes.len() * bits) / 8`.
    pub fn push_slice(&mut self, codes: &[u8], out: &mut [u8]) -> usize {
        match self.bits {
            2 => self.push_slice_of::<2>(codes, out),
            3 => self.push_slice_of::<3>(codes, out),
            4 => self.push_slice_of::<4>(codes, out),
            5 => self.push_slice_of::<5>(codes, out),
            _ => self.push_each(codes, out, 0),
        }
    }

    /// [`push_slice`](Self::push_slice) for a width of `BITS` (the packer's).
    #[inline(always)]
    fn push_slice_of<const BITS: u32>(&mut self, codes: &[u8], out: &mut [u8]) -> usize {
        if BITS == 4 && self.pending == 0 {
            return self.push_pairs(codes, out);
        }
        let octets = BITS as usize;
        let mask = (1u64 << BITS) - 1;
        let groups = codes.chunks_exact(8);
        let rest = groups.remainder();
        // At most 7 pending bits plus 8·5 new ones: a `u64` holds them.
        let mut acc = self.acc as u64;
        let pending = self.pending;
        let mut produced = 0;
        for group in groups {
            let out_group = &mut out[produced..produced + octets];
            match self.packing {
                Packing::MsbFirst => {
                    let new = group
                        .iter()
                        .fold(0u64, |word, &c| (word << BITS) | (c as u64 & mask));
                    let all = (acc << (8 * BITS)) | new;
                    out_group.copy_from_slice(&(all >> pending).to_be_bytes()[8 - octets..]);
                    acc = all & ((1 << pending) - 1);
                }
                Packing::LsbFirst => {
                    let new = group
                        .iter()
                        .rev()
                        .fold(0u64, |word, &c| (word << BITS) | (c as u64 & mask));
                    let all = acc | (new << pending);
                    out_group.copy_from_slice(&all.to_le_bytes()[..octets]);
                    acc = all >> (8 * BITS);
                }
            }
            produced += octets;
        }
        self.acc = acc as u32;
        self.push_each(rest, out, produced)
    }

    /// [`push_slice`](Self::push_slice) for 4-bit codewords with no bits pending: two
    /// codewords to an octet, a loop the compiler vectorizes (32 kbit/s, the common rate).
    #[inline(always)]
    fn push_pairs(&mut self, codes: &[u8], out: &mut [u8]) -> usize {
        let pairs = codes.chunks_exact(2);
        let rest = pairs.remainder();
        let produced = pairs.len();
        let out_pairs = &mut out[..produced];
        // Each pair as one little-endian 16-bit word, whose two nibbles are moved together
        // (16-bit lanes the compiler packs to octets).
        let words = pairs.map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
        match self.packing {
            Packing::MsbFirst => {
                for (octet, word) in out_pairs.iter_mut().zip(words) {
                    *octet = ((word << 4) & 0xF0 | (word >> 8) & 0x0F) as u8;
                }
            }
            Packing::LsbFirst => {
                for (octet, word) in out_pairs.iter_mut().zip(words) {
                    *octet = (word & 0x0F | (word >> 4) & 0xF0) as u8;
                }
            }
        }
        self.push_each(rest, out, produced)
    }

    /// Pushes `codes` one at a time, writing completed octets to `out` from `produced` on;
    /// returns the new count.
    #[inline(always)]
    fn push_each(&mut self, codes: &[u8], out: &mut [u8], mut produced: usize) -> usize {
        for &code in codes {
            if let Some(octet) = self.push(code) {
                out[produced] = octet;
                produced += 1;
            }
        }
        produced
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `push_slice` writes the octets and leaves the state that `push` on each codeword
        /// does, from any pending bits, in both orders and every width.
        #[test]
        fn push_slice_matches_push(
            msb in any::<bool>(),
            bits in 1u32..=8,
            before in prop::collection::vec(any::<u8>(), 0..8),
            codes in prop::collection::vec(any::<u8>(), 0..100),
        ) {
            let packing = if msb { Packing::MsbFirst } else { Packing::LsbFirst };
            let mut reference = BitPacker::new(packing, bits);
            for &c in &before {
                reference.push(c);
            }
            let mut packer = reference;
            let expected: Vec<u8> = codes.iter().filter_map(|&c| reference.push(c)).collect();
            let mut out = vec![0u8; expected.len()];
            let produced = packer.push_slice(&codes, &mut out);
            prop_assert_eq!(&out[..produced], &expected[..]);
            prop_assert_eq!(packer, reference);
        }
    }
}
