//! Any bytes through every decoder of the registry (`CodecId::all()`, so codecs added later
//! are covered), in chunks whose sizes come from the input too. Must never panic.
//! Run: cargo +nightly fuzz run decoders
#![no_main]

use aquant::codecs::{new_decoder, CodecId};
use aquant::Flush;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&shape, bytes)) = data.split_first() else {
        return;
    };
    let channels = 1 + (shape & 1) as usize;
    let chunk = 1 + (shape >> 1) as usize * 7;
    for codec in CodecId::all() {
        let Ok(mut decoder) = new_decoder(codec, channels) else {
            continue;
        };
        let mut out = vec![0i16; 8192];
        let mut pos = 0;
        for _ in 0..100_000 {
            let take = chunk.min(bytes.len() - pos);
            let flush = if pos + take == bytes.len() { Flush::Finish } else { Flush::None };
            match decoder.decode(&bytes[pos..pos + take], &mut out, flush) {
                Ok(p) => {
                    assert!(p.consumed <= take && p.produced <= out.len());
                    pos += p.consumed;
                    if p.finished {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
});
