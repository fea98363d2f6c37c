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
