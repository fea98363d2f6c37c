//! After construction, the MS ADPCM block codec never allocates: every call below runs under
//! `assert_no_alloc`, which aborts the process on an allocation.

use assert_no_alloc::{assert_no_alloc, AllocDisabler};

#[global_allocator]
static A: AllocDisabler = AllocDisabler;

use aquant::codecs::ms_adpcm::{Effort, MsBlockDecoder, MsBlockEncoder, MsParams};

#[test]
fn block_encode_and_decode_do_not_allocate() {
    for channels in [1usize, 2, 3] {
        for effort in [0u8, 1, 2] {
            let params = MsParams::new(channels, 256 * channels).unwrap();
            let blocks = 3;
            let n = blocks * params.samples_per_block() * channels;
            let pcm: Vec<i16> = (0..n)
                .map(|i| ((i as f64 * 0.013).sin() * 15000.0) as i16 ^ (i as i16 & 63))
                .collect();
            let mut bytes = vec![0u8; blocks * params.block_align()];
            let mut decoded = vec![0i16; n];
            let mut enc = MsBlockEncoder::new(params.clone(), Effort(effort));
            let dec = MsBlockDecoder::new(params.clone());
            let warnings = assert_no_alloc(|| {
                enc.encode_blocks(&pcm, &mut bytes);
                let w = dec.decode_blocks(&bytes, &mut decoded);
                let (frames, tail) = dec.decode_tail(&bytes[..100], &mut decoded);
                assert!(frames > 0 && tail == 1);
                w
            });
            assert_eq!(warnings, 0);
            // A coded block decodes close to its input (the codec worked, not just ran).
            let err: f64 = pcm
                .iter()
                .zip(&decoded[..])
                .skip(params.samples_per_block() * channels)
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum::<f64>();
            let power: f64 = pcm.iter().map(|&a| (a as f64).powi(2)).sum();
            assert!(power / err.max(1.0) > 100.0, "SNR too low: {}", power / err);
        }
    }
}
