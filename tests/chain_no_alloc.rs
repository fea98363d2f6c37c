//! After construction the chain never allocates: processing, parameter changes, bypass,
//! reset, with quantizers and with a block codec.

mod chain_support;

use aquant::chain::{Chain, ChainDither, ChainFormat, ChainOptions, DenoiseStage};
use aquant::codecs::CodecId;
use aquant::io::Encoding;
use aquant::shaping::Preset;
use aquant::{Dither, DitherKind};
use chain_support::{signal, ToyBlockDecoder, ToyBlockEncoder};

#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn exercise(chain: &mut Chain, input: &[f32]) {
    let control = chain.control();
    let mut buf = input.to_vec();
    assert_no_alloc::assert_no_alloc(|| {
        for (i, piece) in buf.chunks_mut(300).enumerate() {
            match i % 4 {
                1 => control.set_bits(Some(5)).unwrap(),
                2 => control.set_dither(DitherKind::TpdfHighPass),
                3 => control.set_bypass(i % 8 == 3),
                _ => control.set_bits(None).unwrap(),
            }
            chain.process_in_place(piece).unwrap();
        }
        // Longer than max_frames: split internally.
        chain.process_in_place(&mut buf).unwrap();
        chain.reset();
    });
}

#[test]
fn quantizer_chains_do_not_allocate() {
    let input = signal(2, 5000, 2);
    for enc in [
        Encoding::U8,
        Encoding::I16,
        Encoding::I24,
        Encoding::I32,
        Encoding::F32,
    ] {
        let mut chain = Chain::new(&ChainOptions {
            dither: Dither::tpdf(),
            max_frames: 256,
            ..ChainOptions::new(2, ChainFormat::Pcm(enc))
        })
        .unwrap();
        exercise(&mut chain, &input);
    }
}

#[test]
fn block_codec_chain_does_not_allocate() {
    let input = signal(2, 5000, 3);
    let opts = ChainOptions {
        dither: Dither::tpdf(),
        max_frames: 256,
        ..ChainOptions::new(2, ChainFormat::pcm16())
    };
    let mut chain = Chain::with_codec(
        &opts,
        Box::new(ToyBlockEncoder::new(2, 100)),
        Box::new(ToyBlockDecoder::new(2, 100)),
    )
    .unwrap();
    exercise(&mut chain, &input);
}

#[test]
fn shaped_chains_switching_settings_do_not_allocate() {
    let input = signal(2, 5000, 4);
    for format in [
        ChainFormat::pcm16(),
        ChainFormat::Pcm(Encoding::U8),
        ChainFormat::Pcm(Encoding::F32),
        ChainFormat::Codec(CodecId::MuLaw),
    ] {
        let mut chain = Chain::new(&ChainOptions {
            dither: Dither::tpdf(),
            max_frames: 256,
            shaping: Some(Preset::Shaped),
            sample_rate: Some(48_000),
            ..ChainOptions::new(2, format)
        })
        .unwrap();
        let control = chain.control();
        let mut buf = input.clone();
        assert_no_alloc::assert_no_alloc(|| {
            for (i, piece) in buf.chunks_mut(301).enumerate() {
                let dither = ChainDither::ALL[i % 7];
                control.set_chain_dither(dither).unwrap();
                control.set_bits(Some(4 + (i % 5) as u32)).unwrap();
                chain.process_in_place(piece).unwrap();
            }
            chain.process_in_place(&mut buf).unwrap();
            chain.reset();
        });
        exercise(&mut chain, &input);
    }
}

#[test]
fn denoising_chain_does_not_allocate() {
    let input = signal(2, 5000, 5);
    let mut chain = Chain::new(&ChainOptions {
        max_frames: 256,
        ..ChainOptions::new(2, ChainFormat::pcm16())
    })
    .unwrap()
    .with_pre_stage(Box::new(DenoiseStage::new(2).unwrap()));
    exercise(&mut chain, &input);
}
