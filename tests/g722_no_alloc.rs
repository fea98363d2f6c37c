//! After construction, G.722 encoding, decoding and reset never allocate (the allocator aborts
//! the process if they do).

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use aquant::codecs::g722::{Dialect, G722Decoder, G722Encoder, HighBand, LowBand, Mode};
use aquant::codecs::{new_decoder, new_encoder, CodecId, Decoder, Encoder};
use aquant::Flush;

#[test]
fn streams_do_not_allocate() {
    let input: Vec<i16> = (0..4000).map(|i| ((i * 7919) % 65536) as i16).collect();
    let mut bytes = vec![0u8; 4000];
    let mut samples = vec![0i16; 8000];
    for mode in Mode::ALL {
        for channels in [1, 2] {
            let mut enc = G722Encoder::with_dialect(mode, channels, Dialect::Ffmpeg).unwrap();
            let mut dec = G722Decoder::new(mode, channels).unwrap();
            let id = CodecId::G722 {
                mode,
                dialect: Dialect::Itu,
            };
            let mut boxed_enc = new_encoder(id, channels).unwrap();
            let mut boxed_dec = new_decoder(id, channels).unwrap();
            assert_no_alloc::assert_no_alloc(|| {
                let p = enc.encode(&input[..1001], &mut bytes, Flush::None).unwrap();
                let q = enc
                    .encode(&input[1001..], &mut bytes[p.produced..], Flush::Finish)
                    .unwrap();
                let n = p.produced + q.produced;
                let r = dec
                    .decode(&bytes[..n / 2], &mut samples[..3], Flush::None)
                    .unwrap();
                dec.decode(&bytes[r.consumed..n], &mut samples, Flush::Finish)
                    .unwrap();
                enc.reset();
                dec.reset();
                let p = boxed_enc.encode(&input, &mut bytes, Flush::Finish).unwrap();
                boxed_dec
                    .decode(&bytes[..p.produced], &mut samples, Flush::Finish)
                    .unwrap();
                boxed_enc.reset();
                boxed_dec.reset();
            });
        }
    }
    let (mut low, mut high) = (LowBand::new(), HighBand::new());
    assert_no_alloc::assert_no_alloc(|| {
        for &x in &input {
            let il = low.encode(x >> 1);
            let ih = high.encode(x >> 1);
            low.decode(il, Mode::Kbps56);
            high.decode(ih);
        }
        low.reset();
        high.reset();
    });
}
