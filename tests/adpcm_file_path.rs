//! The file path of IMA and MS ADPCM (`convert` through the block codec traits, many blocks at
//! once on the rayon pool) writes exactly the streaming encoder's bytes and reads back exactly
//! the streaming decoder's samples, cut at the `fact` length; a file whose `wSamplesPerBlock` is
//! below its blocks' capacity decodes that many per block; and an MS file with its own
//! coefficient table decodes with that table, as sox decodes it.

use std::path::Path;

use aquant::codecs::ima_adpcm::{self, Effort, ImaDecoder, ImaParams};
use aquant::codecs::ms_adpcm::{self, MsParams};
use aquant::codecs::{new_decoder, new_encoder, CodecId, Decoder};
use aquant::convert::{convert_file, ConvertOptions, OutputFormat};
use aquant::io::riff::{WavFormat, WavReader, WavWriter};
use aquant::io::wav::{PcmSpec, WavPcmWriter};
use aquant::io::{Encoding, SampleBuf};
use aquant::stream::Flush;

mod common;
use common::{read_i16, require_tool};

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

fn decode_to_pcm16(input: &Path, output: &Path) {
    let options = ConvertOptions {
        format: OutputFormat::Pcm(Encoding::I16),
        ..ConvertOptions::default()
    };
    convert_file(input, output, &options, &mut |_, _| {}).unwrap();
}

/// Converts a PCM file to `codec` and back with `convert`, and compares both files with what
/// the streaming encoder and decoder (from the codec registry) make of the same samples.
fn check_file_path(codec: CodecId, channels: usize, sample_rate: u32, dir: &Path) {
    // Several convert reads (64 Ki frames each), blocks straddling them, a partial last one.
    let frames = 150_001 + channels * 77;
    let pcm = tone_and_noise(frames, channels);
    let name = format!("{}_{channels}", codec.name());
    let input = dir.join(format!("in_{name}.wav"));
    let spec = PcmSpec {
        channels: channels as u16,
        sample_rate,
        encoding: Encoding::I16,
    };
    let mut w = WavPcmWriter::new(std::fs::File::create(&input).unwrap(), &input, spec).unwrap();
    w.write(&SampleBuf::I16(pcm.clone())).unwrap();
    w.finalize().unwrap();

    let coded = dir.join(format!("{name}.wav"));
    let block_size = match codec {
        CodecId::ImaAdpcm { block_align, .. } | CodecId::MsAdpcm { block_align, .. } => block_align,
        _ => unreachable!("ADPCM codecs only"),
    };
    let options = ConvertOptions {
        format: OutputFormat::Codec(codec),
        block_size: Some(block_size),
        ..ConvertOptions::default()
    };
    convert_file(&input, &coded, &options, &mut |_, _| {}).unwrap();
    let mut reader = WavReader::open(&coded).unwrap();
    assert_eq!(reader.fact_sample_length(), Some(frames as u32), "{name}");
    let mut bytes = vec![0u8; reader.data_len() as usize];
    reader.read_data_full(&mut bytes).unwrap();

    // Room for the blocks plus the padded last one: 4 bits a sample plus headers.
    let mut expected_bytes = vec![0u8; pcm.len() + 4 * block_size as usize];
    let p = new_encoder(codec, channels)
        .unwrap()
        .encode(&pcm, &mut expected_bytes, Flush::Finish)
        .unwrap();
    assert!(p.finished && p.consumed == pcm.len(), "{name}");
    expected_bytes.truncate(p.produced);
    assert!(bytes == expected_bytes, "{name}: bytes differ");

    let decoded = dir.join(format!("dec_{name}.wav"));
    decode_to_pcm16(&coded, &decoded);
    // The streaming decoder decodes the padding too; the file stops at the fact length.
    let mut expected = vec![0i16; pcm.len() + 4 * block_size as usize * channels];
    let p = new_decoder(codec, channels)
        .unwrap()
        .decode(&bytes, &mut expected, Flush::Finish)
        .unwrap();
    assert!(p.produced >= frames * channels, "{name}");
    expected.truncate(frames * channels);
    assert!(read_i16(&decoded) == expected, "{name}: samples differ");
}

#[test]
fn convert_writes_the_streaming_encoders_bytes_and_reads_back_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    for (channels, block_align) in [(2usize, 2048u16), (1, 256), (3, 36)] {
        let codec = CodecId::ImaAdpcm {
            block_align,
            effort: 1,
        };
        check_file_path(codec, channels, 48000, dir.path());
    }
    for (channels, block_align) in [(2usize, 2048u16), (1, 256), (3, 42)] {
        let codec = CodecId::MsAdpcm {
            block_align,
            effort: 1,
        };
        check_file_path(codec, channels, 44100, dir.path());
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
    decode_to_pcm16(&path, &decoded);
    assert_eq!(read_i16(&decoded), expected);
}

/// A file whose `fmt ` chunk carries its own coefficient table (and fewer samples per block
/// than the block holds) decodes with them: sox, the reference decoder, is the judge.
#[test]
fn a_custom_coefficient_table_decodes_as_sox_decodes_it() {
    if !require_tool(
        "sox",
        "a_custom_coefficient_table_decodes_as_sox_decodes_it",
    ) {
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
