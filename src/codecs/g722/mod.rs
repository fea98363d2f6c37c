//! ITU-T G.722 (placeholder while being written).
#![allow(missing_docs)]
use crate::codecs::{Decoder, Encoder};
use crate::stream::{Flush, Progress};
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Kbps64,
    Kbps56,
    Kbps48,
}

pub struct G722Encoder;
impl G722Encoder {
    pub fn new(_m: Mode, _c: usize) -> Result<Self> {
        Ok(Self)
    }
}
impl Encoder for G722Encoder {
    fn encode(&mut self, _i: &[i16], _o: &mut [u8], _f: Flush) -> Result<Progress> {
        Ok(Progress::default())
    }
    fn reset(&mut self) {}
    fn channels(&self) -> usize {
        1
    }
}
pub struct G722Decoder;
impl G722Decoder {
    pub fn new(_m: Mode, _c: usize) -> Result<Self> {
        Ok(Self)
    }
}
impl Decoder for G722Decoder {
    fn decode(&mut self, _i: &[u8], _o: &mut [i16], _f: Flush) -> Result<Progress> {
        Ok(Progress::default())
    }
    fn reset(&mut self) {}
    fn channels(&self) -> usize {
        1
    }
}
