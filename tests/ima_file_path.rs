//! The file path of IMA ADPCM (`convert` through the block codec traits, many blocks at once on
//! the rayon pool) writes exactly the streaming encoder's bytes and reads back exactly the
//! streaming decoder's samples, cut at the `fact` length, including for a file whose
//! `wSamplesPerBlock` is below its blocks' capacity.

use aquant::codecs::ima_adpcm::{self, Effort, ImaDecoder, ImaEncoder, ImaParams};
use aquant::codecs::{CodecId, Decoder, Encoder};
use aquant::convert::{convert_file, ConvertOptions, OutputFormat};
use aquant::io::riff::{WavFormat, WavReader, WavWriter};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::stream::Flush;

mod common;
use common::read_i16;

fn tone_and_noise(frames: usize, channels: usize) -> Vec<i16> {
    let mut seed = 7u32;
    (0..frames * channels)
        .map(|i| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = (i / channels) as f64;
            ((t * 0.031).sin() * 14000.0 + ((seed >> 18) as f64 - 8192.0)) as i16
        })
        .collect()
}

fn stream_encode(params: ImaParams, pcm: &[i16]) -> Vec<u8> {
    let mut out = vec![0u8; params.encoded_len((pcm.len() / params.channels()) as u64) as usize];
    let p = ImaEncoder::new(params, Effort::DEFAULT)
        .encode(pcm, &mut out, Flush::Finish)
        .unwrap();
    assert!(p.finished);
    out
}

#[test]
fn convert_writes_the_streaming_encoders_bytes_and_reads_back_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    for (channels, block_align) in [(2usize, 2048u16), (1, 256), (3, 36)] {
        // Several convert reads (64 Ki frames each), blocks straddling them, a partial last one.
        let frames = 150_001 + channels * 77;
        let pcm = tone_and_noise(frames, channels);
        let input = dir.path().join(format!("in{channels}.wav"));
        let spec = PcmSpec {
            channels: channels as u16,
            sample_rate: 48000,
            encoding: Encoding::I16,
        };
        let mut w =
            WavPcmWriter::new(std::fs::File::create(&input).unwrap(), &input, spec).unwrap();
        w.write(&SampleBuf::I16(pcm.clone())).unwrap();
        w.finalize().unwrap();

        let coded = dir.path().join(format!("ima{channels}.wav"));
        let options = ConvertOptions {
            format: OutputFormat::Codec(CodecId::ImaAdpcm {
                block_align,
                effort: 1,
            }),
            block_size: Some(block_align),
            ..ConvertOptions::default()
        };
        convert_file(&input, &coded, &options, &mut |_, _| {}).unwrap();
        let params = ImaParams::new(channels, block_align as usize).unwrap();
        let mut reader = WavReader::open(&coded).unwrap();
        assert_eq!(reader.fact_sample_length(), Some(frames as u32));
        let mut bytes = vec![0u8; reader.data_len() as usize];
        reader.read_data_full(&mut bytes).unwrap();
        assert!(
            bytes == stream_encode(params, &pcm),
            "{channels} channels: bytes differ"
        );

        let decoded = dir.path().join(format!("dec{channels}.wav"));
        let options = ConvertOptions {
            format: OutputFormat::Pcm(Encoding::I16),
            ..ConvertOptions::default()
        };
        convert_file(&coded, &decoded, &options, &mut |_, _| {}).unwrap();
        let mut expected = vec![0i16; frames * channels + params.samples_per_block() * channels];
        let mut dec = ImaDecoder::new(params).with_total_frames(Some(frames as u64));
        let p = dec.decode(&bytes, &mut expected, Flush::Finish).unwrap();
        expected.truncate(p.produced);
        assert_eq!(expected.len(), frames * channels);
        assert!(
            read_i16(&decoded) == expected,
            "{channels} channels: samples differ"
        );
    }
}

/// A file declaring 9 frames per 36-byte mono block (which holds 65) decodes 9 per block.
#[test]
fn convert_honours_a_short_samples_per_block() {
    let dir = tempfile::tempdir().unwrap();
    let full = ImaParams::new(1, 36).unwrap();
    let pcm = tone_and_noise(full.samples_per_block() * 40, 1);
    let bytes = ima_adpcm::encode_all(&full, &pcm, Effort::DEFAULT);
    let short = ImaParams::from_wav_fmt(1, 36, &9u16.to_le_bytes()).unwrap();
    let path = dir.path().join("short.wav");
    let mut format = WavFormat::new(ima_adpcm::WAV_FORMAT_TAG, 1, 8000, 36, 4);
    format.extra = short.wav_fmt_extra().to_vec();
    let mut w = WavWriter::create(&path, &format, true).unwrap();
    w.write_data(&bytes).unwrap();
    w.finalize(40 * 9).unwrap();
    // What each block decodes to on its own, first 9 frames kept.
    let mut expected = Vec::new();
    for block in bytes.chunks_exact(36) {
        let mut out = [0i16; 65];
        let mut dec = ImaDecoder::new(full);
        dec.decode(block, &mut out, Flush::Finish).unwrap();
        expected.extend_from_slice(&out[..9]);
    }
    let decoded = dir.path().join("dec.wav");
    let options = ConvertOptions {
        format: OutputFormat::Pcm(Encoding::I16),
        ..ConvertOptions::default()
    };
    convert_file(&path, &decoded, &options, &mut |_, _| {}).unwrap();
    assert_eq!(read_i16(&decoded), expected);
}
