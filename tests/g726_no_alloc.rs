//! After construction, G.726 encoding, decoding and reset never allocate (the allocator aborts
//! the process if they do).

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

use aquant::codecs::g726::{
    ChannelDecoder, ChannelEncoder, Dialect, G726Decoder, G726Encoder, Packing, PcmLaw, Rate,
};
use aquant::codecs::{new_decoder, new_encoder, CodecId, Decoder, Encoder};
use aquant::Flush;

#[test]
fn streams_do_not_allocate() {
    let input: Vec<i16> = (0..4000).map(|i| ((i * 7919) % 65536) as i16).collect();
    let mut bytes = vec![0u8; 4000];
    let mut samples = vec![0i16; 8000];
    for rate in Rate::ALL {
        for packing in [Packing::MsbFirst, Packing::LsbFirst] {
            let mut enc = G726Encoder::new(rate, packing, 2).unwrap();
            let mut dec = G726Decoder::with_dialect(rate, packing, 2, Dialect::Libsndfile).unwrap();
            let mut boxed_enc = new_encoder(
                CodecId::G726 {
                    rate,
                    packing,
                    dialect: Dialect::Itu,
                },
                1,
            )
            .unwrap();
            let mut boxed_dec = new_decoder(
                CodecId::G726 {
                    rate,
                    packing,
                    dialect: Dialect::Itu,
                },
                1,
            )
            .unwrap();
            assert_no_alloc::assert_no_alloc(|| {
                let p = enc.encode(&input[..1001], &mut bytes, Flush::None).unwrap();
                let q = enc
                    .encode(&input[1001..], &mut bytes[p.produced..], Flush::Finish)
                    .unwrap();
                let n = p.produced + q.produced;
                dec.decode(&bytes[..n], &mut samples, Flush::Finish)
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
        let mut enc = ChannelEncoder::new(rate);
        let mut dec = ChannelDecoder::new(rate);
        assert_no_alloc::assert_no_alloc(|| {
            for (i, &x) in input.iter().enumerate() {
                let c = enc.encode_linear(x);
                dec.decode_linear(c);
                let law = if i % 2 == 0 {
                    PcmLaw::MuLaw
                } else {
                    PcmLaw::ALaw
                };
                let c = enc.encode_pcm(law, x as u8);
                dec.decode_pcm(law, c);
            }
            enc.reset();
            dec.reset();
        });
    }
}
