//! After construction, the streaming ADPCM encoders and decoders never allocate: every call
//! below runs under `assert_no_alloc`, which aborts the process on an allocation.

use assert_no_alloc::{assert_no_alloc, AllocDisabler};

#[global_allocator]
static A: AllocDisabler = AllocDisabler;

use aquant::codecs::ima_adpcm::{Effort, ImaDecoder, ImaEncoder, ImaParams};
use aquant::codecs::ms_adpcm::{MsDecoder, MsEncoder, MsParams};
use aquant::codecs::{Decoder, Encoder};
use aquant::stream::Flush;

fn input(channels: usize) -> Vec<i16> {
    (0..channels * 5000)
        .map(|i| (((i as f64) * 0.01).sin() * 12000.0 + ((i * 7919) % 2001) as f64 - 1000.0) as i16)
        .collect()
}

/// Runs the encoder over `pcm` in small odd chunks and a small output buffer, then the decoder
/// over the bytes likewise, with allocation forbidden; returns (bytes, samples) produced.
fn run(
    enc: &mut dyn Encoder,
    dec: &mut dyn Decoder,
    pcm: &[i16],
    bytes: &mut [u8],
    decoded: &mut [i16],
) -> (usize, usize) {
    let mut out = [0u8; 97];
    let mut pcm_out = [0i16; 131];
    assert_no_alloc(|| {
        let mut written = 0;
        let mut rest = pcm;
        loop {
            let n = rest.len().min(333);
            let flush = if n == rest.len() {
                Flush::Finish
            } else {
                Flush::None
            };
            let p = enc.encode(&rest[..n], &mut out, flush).unwrap();
            bytes[written..written + p.produced].copy_from_slice(&out[..p.produced]);
            written += p.produced;
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
        let mut got = 0;
        let mut rest = &bytes[..written];
        loop {
            let n = rest.len().min(211);
            let flush = if n == rest.len() {
                Flush::Finish
            } else {
                Flush::None
            };
            let p = dec.decode(&rest[..n], &mut pcm_out, flush).unwrap();
            decoded[got..got + p.produced].copy_from_slice(&pcm_out[..p.produced]);
            got += p.produced;
            rest = &rest[p.consumed..];
            if p.finished {
                break;
            }
        }
        enc.reset();
        dec.reset();
        (written, got)
    })
}

#[test]
fn streaming_codecs_do_not_allocate() {
    let mut bytes = vec![0u8; 200_000];
    let mut decoded = vec![0i16; 200_000];
    for ch in [1usize, 2, 8] {
        let pcm = input(ch);
        for effort in [Effort(0), Effort::DEFAULT, Effort(4)] {
            let p = ImaParams::new(ch, 256 * ch).unwrap();
            let (mut enc, mut dec) = (
                ImaEncoder::new(p, effort),
                ImaDecoder::new(p).with_total_frames(Some(5000)),
            );
            let (written, got) = run(&mut enc, &mut dec, &pcm, &mut bytes, &mut decoded);
            assert_eq!((written as u64, got), (p.encoded_len(5000), pcm.len()));

            let p = MsParams::new(ch, 256 * ch).unwrap();
            let (mut enc, mut dec) = (
                MsEncoder::new(p.clone(), effort),
                MsDecoder::new(p.clone()).with_total_frames(Some(5000)),
            );
            let (written, got) = run(&mut enc, &mut dec, &pcm, &mut bytes, &mut decoded);
            assert_eq!((written as u64, got), (p.encoded_len(5000), pcm.len()));
        }
    }
}
