//! The model commands end to end: `aquant vad` on the golden Silero input (read from
//! ../shared/models, whose audio may not be copied here) and `aquant nn quantize`.
#![cfg(feature = "cli")]

mod common;

use std::process::Command;

fn aquant(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aquant"))
        .args(args)
        .output()
        .expect("runs aquant")
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn vad_json_probabilities_match_onnx_runtime_golden() {
    let Some(models) = common::models("vad_json_probabilities") else {
        return;
    };
    let golden = models.join("silero-vad-v6/golden");
    let input = f32s(&std::fs::read(golden.join("input_16k.f32le")).unwrap());
    let expected = f32s(&std::fs::read(golden.join("probs.f32le")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("in.wav");
    {
        let spec = aquant::io::wav::PcmSpec {
            channels: 1,
            sample_rate: 16000,
            encoding: aquant::io::Encoding::F32,
        };
        let f = std::fs::File::create(&wav).unwrap();
        let mut w = aquant::io::wav::WavPcmWriter::new(f, &wav, spec).unwrap();
        w.write(&aquant::io::SampleBuf::F32(input)).unwrap();
        w.finalize().unwrap();
    }
    let o = aquant(&["vad", wav.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let probs: Vec<f64> = v["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_f64().unwrap())
        .collect();
    assert!(probs.len() >= expected.len());
    for (i, (p, e)) in probs.iter().zip(&expected).enumerate() {
        assert!((p - *e as f64).abs() < 1e-3, "chunk {i}: {p} vs {e}");
    }
    let segments = v["segments"].as_array().unwrap();
    assert!(!segments.is_empty(), "the golden input holds speech");
    for s in segments {
        assert!(s["start"].as_f64().unwrap() < s["end"].as_f64().unwrap());
    }
}

#[test]
fn nn_quantize_shrinks_the_shipped_model_and_reports_sqnr() {
    let dir = tempfile::tempdir().unwrap();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/silero-vad-v6/silero_vad_16k_v6_onnx.safetensors"
    );
    let out = dir.path().join("q.safetensors");
    let o = aquant(&[
        "nn",
        "quantize",
        input,
        out.to_str().unwrap(),
        "--bits",
        "8",
        "--granularity",
        "row",
        "--keep",
        "stft_conv",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("lstm_cell.weight_hh") && table.contains("SQNR"),
        "{table}"
    );
    let before = std::fs::metadata(input).unwrap().len();
    let after = std::fs::metadata(&out).unwrap().len();
    assert!(after * 2 < before, "{before} -> {after} bytes");
    // The quantized file loads back as float weights, which the model runs: silence is not
    // speech.
    let restored =
        aquant::nn::quantize::dequantize_safetensors(&std::fs::read(&out).unwrap()).unwrap();
    use aquant::models::silero_vad::{Precision, SileroVad, CHUNK};
    let mut vad = SileroVad::new(&restored, Precision::Float).unwrap();
    assert!(vad.process_chunk(&[0.0; CHUNK]) < 0.5);
}

#[test]
fn denoise_matches_the_reference_c_output() {
    let Some(models) = common::models("denoise_matches_the_reference") else {
        return;
    };
    let golden = models.join("rnnoise-v0.1/golden");
    // The golden input is on the int16 scale (whole numbers): a 16-bit WAV holds it exactly.
    let input: Vec<i16> = f32s(&std::fs::read(golden.join("input.f32le")).unwrap())
        .iter()
        .map(|&v| v as i16)
        .collect();
    let expected = f32s(&std::fs::read(golden.join("output.f32le")).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.wav"), dir.path().join("out.wav"));
    {
        let spec = aquant::io::wav::PcmSpec {
            channels: 1,
            sample_rate: 48000,
            encoding: aquant::io::Encoding::I16,
        };
        let mut w =
            aquant::io::wav::WavPcmWriter::new(std::fs::File::create(&inp).unwrap(), &inp, spec)
                .unwrap();
        w.write(&aquant::io::SampleBuf::I16(input.clone())).unwrap();
        w.finalize().unwrap();
    }
    let o = aquant(&["denoise", inp.to_str().unwrap(), out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = aquant::io::wav::WavPcmReader::open(&out).unwrap();
    let mut buf = aquant::io::SampleBuf::new(aquant::io::Encoding::I16);
    r.read_frames(&mut buf, input.len()).unwrap();
    let aquant::io::SampleBuf::I16(ours) = buf else {
        panic!("16-bit output")
    };
    assert_eq!(ours.len(), input.len(), "same length as the input");
    // The C reference delays its output by one 480-sample frame; the stream does not.
    let (mut sig, mut err) = (0f64, 0f64);
    for (a, e) in ours.iter().zip(&expected[480..]) {
        sig += (*e as f64).powi(2);
        err += (*a as f64 - *e as f64).powi(2);
    }
    let snr = 10.0 * (sig / err).log10();
    assert!(snr >= 40.0, "SNR of the difference {snr:.1} dB");
}
