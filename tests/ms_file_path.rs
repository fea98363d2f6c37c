//! The file path of MS ADPCM (`convert` through the block codec traits, many blocks at once on
//! the rayon pool) writes exactly the streaming encoder's bytes and reads back exactly the
//! streaming decoder's samples, cut at the `fact` length; and a file with its own coefficient
//! table decodes with that table, as sox decodes it.

use aquant::codecs::ms_adpcm::{self, Effort, MsDecoder, MsEncoder, MsParams};
use aquant::codecs::{CodecId, Decoder, Encoder};
use aquant::convert::{convert_file, ConvertOptions, OutputFormat};
use aquant::io::riff::{WavFormat, WavReader, WavWriter};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::stream::Flush;

mod common;
use common::read_i16;

fn tone_and_noise(frames: usize, channels: usize) -> Vec<i16> {
    let mut seed = 11u32;
    (0..frames * channels)
        .map(|i| {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            let t = (i / channels) as f64;
            ((t * 0.027).sin() * 12000.0 + ((seed >> 18) as f64 - 8192.0)) as i16
        })
        .collect()
}

fn decode_to_pcm16(input: &std::path::Path, output: &std::path::Path) {
    let options = ConvertOptions {
        format: OutputFormat::Pcm(Encoding::I16),
        ..ConvertOptions::default()
    };
    convert_file(input, output, &options, &mut |_, _| {}).unwrap();
}

#[test]
fn convert_writes_the_streaming_encoders_bytes_and_reads_back_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    for (channels, block_align) in [(2usize, 2048u16), (1, 256), (3, 42)] {
        let frames = 150_001 + channels * 77;
        let pcm = tone_and_noise(frames, channels);
        let input = dir.path().join(format!("in{channels}.wav"));
        let spec = PcmSpec {
            channels: channels as u16,
            sample_rate: 44100,
            encoding: Encoding::I16,
        };
        let mut w =
            WavPcmWriter::new(std::fs::File::create(&input).unwrap(), &input, spec).unwrap();
        w.write(&SampleBuf::I16(pcm.clone())).unwrap();
        w.finalize().unwrap();

        let coded = dir.path().join(format!("ms{channels}.wav"));
        let options = ConvertOptions {
            format: OutputFormat::Codec(CodecId::MsAdpcm {
                block_align,
                effort: 1,
            }),
            block_size: Some(block_align),
            ..ConvertOptions::default()
        };
        convert_file(&input, &coded, &options, &mut |_, _| {}).unwrap();
        let params = MsParams::new(channels, block_align as usize).unwrap();
        let mut reader = WavReader::open(&coded).unwrap();
        assert_eq!(reader.fact_sample_length(), Some(frames as u32));
        let mut bytes = vec![0u8; reader.data_len() as usize];
        reader.read_data_full(&mut bytes).unwrap();
        let mut expected_bytes = vec![0u8; params.encoded_len(frames as u64) as usize];
        let p = MsEncoder::new(params.clone(), Effort::DEFAULT)
            .encode(&pcm, &mut expected_bytes, Flush::Finish)
            .unwrap();
        assert!(p.finished);
        assert!(bytes == expected_bytes, "{channels} channels: bytes differ");

        let decoded = dir.path().join(format!("dec{channels}.wav"));
        decode_to_pcm16(&coded, &decoded);
        let mut expected = vec![0i16; frames * channels + params.samples_per_block() * channels];
        let mut dec = MsDecoder::new(params).with_total_frames(Some(frames as u64));
        let p = dec.decode(&bytes, &mut expected, Flush::Finish).unwrap();
        expected.truncate(p.produced);
        assert_eq!(expected.len(), frames * channels);
        assert!(
            read_i16(&decoded) == expected,
            "{channels} channels: samples differ"
        );
    }
}

/// A file whose `fmt ` chunk carries its own coefficient table (and fewer samples per block
/// than the block holds) decodes with them: sox, the reference decoder, is the judge.
#[test]
fn a_custom_coefficient_table_decodes_as_sox_decodes_it() {
    let sox_present = std::process::Command::new("sox")
        .arg("--version")
        .output()
        .is_ok();
    if !sox_present {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("sox is required under CI");
        }
        eprintln!("SKIPPED: sox not available");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (channels, block_align, blocks) = (2usize, 256usize, 60usize);
    let standard = MsParams::new(channels, block_align).unwrap();
    // Code a signal with the standard table, then declare a table of 8 pairs (sox wants at
    // least the 7 standard ones) and 200 samples per block; every other block's headers are
    // pointed at the eighth pair.
    let pcm = tone_and_noise(standard.samples_per_block() * blocks, channels);
    let mut bytes = ms_adpcm::encode_all(&standard, &pcm, Effort::DEFAULT);
    for block in bytes.chunks_exact_mut(block_align).step_by(2) {
        // The first byte of each channel's header is its predictor index.
        block[..channels].fill(7);
    }
    let table: [[i16; 2]; 8] = [
        [256, 0],
        [512, -256],
        [0, 0],
        [192, 64],
        [240, 0],
        [460, -208],
        [392, -232],
        [300, -40],
    ];
    let mut extra = Vec::new();
    extra.extend_from_slice(&200u16.to_le_bytes());
    extra.extend_from_slice(&(table.len() as u16).to_le_bytes());
    for [c1, c2] in table {
        extra.extend_from_slice(&c1.to_le_bytes());
        extra.extend_from_slice(&c2.to_le_bytes());
    }
    let custom = MsParams::from_wav_fmt(channels, block_align, &extra).unwrap();
    assert_eq!(custom.coefficients(), &table[..]);
    let path = dir.path().join("custom.wav");
    let mut format = WavFormat::new(
        ms_adpcm::WAV_FORMAT_TAG,
        channels as u16,
        22050,
        block_align as u16,
        4,
    );
    format.extra = extra;
    let mut w = WavWriter::create(&path, &format, true).unwrap();
    w.write_data(&bytes).unwrap();
    w.finalize((blocks * 200) as u32).unwrap();

    let sox_raw = dir.path().join("sox.raw");
    let out = std::process::Command::new("sox")
        .arg(&path)
        .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L"])
        .arg(&sox_raw)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<i16> = std::fs::read(&sox_raw)
        .unwrap()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(expected.len(), blocks * 200 * channels);

    let decoded = dir.path().join("dec.wav");
    decode_to_pcm16(&path, &decoded);
    assert!(
        read_i16(&decoded) == expected,
        "custom table: samples differ from sox"
    );
    // The table matters: the standard one decodes these bytes differently.
    let (standard_decode, _) = ms_adpcm::decode_all(&standard, &bytes, None);
    assert_ne!(standard_decode[..expected.len()], expected[..]);
}
