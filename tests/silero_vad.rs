//! Silero VAD v6 against ONNX Runtime's golden outputs (../shared/models/silero-vad-v6, see its
//! README: onnxruntime 1.32.0, fp32, single thread, state and context carried).

use std::path::PathBuf;

use aquant::models::silero_vad::{Precision, SileroVad, CHUNK};
use aquant::nn::quantize::{
    dequantize_safetensors, format_report, quantize_safetensors, Granularity, QuantizeOptions,
};
use aquant::nn::{KernelLevel, TensorFile};

/// The golden folder, or `None` (with a loud message) when it is missing outside CI.
fn golden_dir() -> Option<PathBuf> {
    let root = std::env::var_os("AQUANT_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/models"));
    let dir = root.join("silero-vad-v6");
    if dir.join("golden/probs.f32le").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("golden data missing at {} (CI=true)", dir.display());
    }
    eprintln!(
        "SKIPPED: Silero VAD golden data not found at {} (set AQUANT_MODELS)",
        dir.display()
    );
    None
}

fn read_f32(path: PathBuf) -> Vec<f32> {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

struct Golden {
    input: Vec<f32>,
    probs: Vec<f32>,
    state: Vec<f32>,
    stft: Vec<f32>,
    encoder: Vec<f32>,
}

fn golden(dir: &std::path::Path) -> Golden {
    let g = Golden {
        input: read_f32(dir.join("golden/input_16k.f32le")),
        probs: read_f32(dir.join("golden/probs.f32le")),
        state: read_f32(dir.join("golden/state.f32le")),
        stft: read_f32(dir.join("golden/stft_mag.f32le")),
        encoder: read_f32(dir.join("golden/encoder_out.f32le")),
    };
    assert_eq!(g.input.len(), 188 * CHUNK);
    assert_eq!(g.probs.len(), 188);
    g
}

fn chunk(input: &[f32], k: usize) -> &[f32; CHUNK] {
    input[k * CHUNK..(k + 1) * CHUNK].try_into().unwrap()
}

#[test]
fn bundled_weights_are_the_onnx_runtime_weights() {
    let Some(dir) = golden_dir() else { return };
    let shared = std::fs::read(dir.join("silero_vad_16k_v6_onnx.safetensors")).unwrap();
    assert!(shared == aquant::models::silero_vad::BUNDLED_WEIGHTS);
}

#[test]
fn float_matches_onnx_runtime_within_1e3() {
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let mut vad = SileroVad::bundled(Precision::Float).unwrap();
    let (mut worst_p, mut worst_state, mut worst_stft, mut worst_enc) = (0f32, 0f32, 0f32, 0f32);
    for k in 0..188 {
        let p = vad.process_chunk(chunk(&g.input, k));
        worst_p = worst_p.max((p - g.probs[k]).abs());
        // Intermediates: the STFT as [bin][frame] in the golden file, ours [frame][bin].
        let spec = vad.last_spectrum();
        for bin in 0..129 {
            for t in 0..4 {
                let e = g.stft[k * 516 + bin * 4 + t];
                worst_stft = worst_stft.max((spec[t * 129 + bin] - e).abs() / (1.0 + e.abs()));
            }
        }
        for (a, e) in vad.last_encoder_output().iter().zip(&g.encoder[k * 128..]) {
            worst_enc = worst_enc.max((a - e).abs() / (1.0 + e.abs()));
        }
        let (h, c) = vad.state();
        let golden_state = &g.state[k * 256..(k + 1) * 256];
        for (a, e) in h.iter().chain(c).zip(golden_state) {
            worst_state = worst_state.max((a - e).abs());
        }
    }
    eprintln!(
        "float vs ORT: max |Δp| {worst_p:.2e}, state {worst_state:.2e}, \
         STFT (rel) {worst_stft:.2e}, encoder (rel) {worst_enc:.2e}"
    );
    assert!(worst_p <= 1e-3, "max |Δp| {worst_p}");
    assert!(worst_stft <= 1e-4, "STFT {worst_stft}");
    assert!(worst_enc <= 1e-4, "encoder {worst_enc}");
    assert!(worst_state <= 1e-3, "state {worst_state}");
}

#[test]
fn float_at_every_kernel_level_matches() {
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let weights = TensorFile::from_bytes(aquant::models::silero_vad::BUNDLED_WEIGHTS).unwrap();
    for level in KernelLevel::available() {
        let mut vad = SileroVad::with_level(&weights, Precision::Float, level).unwrap();
        let probs = vad.probabilities(&g.input);
        let worst = probs
            .iter()
            .zip(&g.probs)
            .map(|(a, e)| (a - e).abs())
            .fold(0f32, f32::max);
        assert!(worst <= 1e-3, "{level:?}: {worst}");
    }
}

#[test]
fn int8_within_002_and_99_percent_decisions_at_every_level() {
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let weights = TensorFile::from_bytes(aquant::models::silero_vad::BUNDLED_WEIGHTS).unwrap();
    for level in KernelLevel::available() {
        let mut vad = SileroVad::with_level(&weights, Precision::Int8, level).unwrap();
        if level == KernelLevel::Scalar {
            for r in vad.quantization_report() {
                eprintln!(
                    "  {:<16} {:?} {:>7} params {:>7} bytes  SQNR {:.1} dB",
                    r.name, r.format, r.params, r.bytes, r.sqnr_db
                );
            }
        }
        let probs = vad.probabilities(&g.input);
        let mut worst = 0f32;
        let mut agree = 0;
        for (a, e) in probs.iter().zip(&g.probs) {
            worst = worst.max((a - e).abs());
            agree += usize::from((*a > 0.5) == (*e > 0.5));
        }
        let share = agree as f64 / probs.len() as f64;
        eprintln!(
            "int8 at {level:?}: max |Δp| {worst:.4}, decisions agree {:.1} %",
            share * 100.0
        );
        assert!(worst <= 0.02, "{level:?}: max |Δp| {worst}");
        assert!(share >= 0.99, "{level:?}: decisions agree on {share}");
    }
}

#[test]
fn wheel_safetensors_loader_matches_its_numpy_reference() {
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let reference = read_f32(dir.join("golden/probs_wheel_safetensors.f32le"));
    let mut vad =
        SileroVad::load(dir.join("silero_vad_16k.safetensors"), Precision::Float).unwrap();
    let probs = vad.probabilities(&g.input);
    let worst = probs
        .iter()
        .zip(&reference)
        .map(|(a, e)| (a - e).abs())
        .fold(0f32, f32::max);
    assert!(worst <= 1e-3, "{worst}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// Any split of the input into `push` calls gives bit-identical probabilities.
    #[test]
    fn any_chunking_gives_identical_probabilities(
        sizes in proptest::collection::vec(0usize..1500, 1..40),
    ) {
        // A deterministic speech-like signal (the golden input is not needed here).
        let input: Vec<f32> = (0..20 * CHUNK + 100)
            .map(|i| (i as f32 * 0.031).sin() * (i as f32 * 0.0007).sin() * 0.4)
            .collect();
        let mut vad = SileroVad::bundled(Precision::Int8).unwrap();
        let whole = vad.probabilities(&input);
        vad.reset();
        let mut got = Vec::new();
        let mut rest = &input[..];
        for &n in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let n = n.clamp(1, rest.len());
            vad.push(&rest[..n], |p| got.push(p));
            rest = &rest[n..];
        }
        got.extend(vad.flush());
        proptest::prop_assert_eq!(got, whole);
    }
}

#[test]
fn hostile_input_gives_defined_output() {
    let mut vad = SileroVad::bundled(Precision::Float).unwrap();
    let mut bad = [f32::NAN; CHUNK];
    bad[3] = f32::INFINITY;
    bad[4] = -1e30;
    let p = vad.process_chunk(&bad);
    assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{p}");
    let p = vad.process_chunk(&[0.0; CHUNK]);
    assert!(p.is_finite());
    assert!(vad.probabilities(&[]).is_empty());
    assert!(TensorFile::from_bytes(b"not a model").is_err());
}

#[test]
fn nn_quantize_file_of_silero_still_matches() {
    // What `aquant nn quantize` does to the weights file, then the float model on the
    // dequantized weights (the STFT basis is a fixed transform and stays float).
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let run = |bits: u8, granularity: Granularity| {
        let opts = QuantizeOptions {
            bits,
            granularity,
            keep: vec!["stft".into()],
            ..Default::default()
        };
        let (bytes, report) =
            quantize_safetensors(aquant::models::silero_vad::BUNDLED_WEIGHTS, &opts).unwrap();
        eprintln!("{bits} bits, {granularity:?}:\n{}", format_report(&report));
        let weights = dequantize_safetensors(&bytes).unwrap();
        let mut vad = SileroVad::new(&weights, Precision::Float).unwrap();
        let probs = vad.probabilities(&g.input);
        let worst = probs
            .iter()
            .zip(&g.probs)
            .map(|(a, e)| (a - e).abs())
            .fold(0f32, f32::max);
        let agree = probs
            .iter()
            .zip(&g.probs)
            .filter(|(a, e)| (**a > 0.5) == (**e > 0.5))
            .count();
        eprintln!("  max |Δp| {worst:.4}, decisions agree {agree}/188");
        (worst, agree)
    };
    let (worst, agree) = run(8, Granularity::Row);
    assert!(worst <= 0.02 && agree >= 187, "{worst} {agree}");
    // 4 bits in groups of 32: reported, and still a usable detector.
    let (_, agree) = run(4, Granularity::Group(32));
    assert!(agree >= 170, "{agree}");
}

#[test]
fn golden_speech_segments_lie_in_the_three_clips() {
    // The golden stream has 3 spoken clips (two words each) at samples 8000, 39040 and 70560,
    // 21440, 21920 and 22240 samples long (README §3: 48 kHz cuts resampled by 1/3). The ORT
    // probabilities and ours give the same segments; each lies inside a clip, give or take
    // 0.2 s (the detector's reaction time plus the 30 ms padding; the gaps between clips are
    // 0.6 s), and each clip has speech.
    let Some(dir) = golden_dir() else { return };
    let g = golden(&dir);
    let opts = aquant::models::silero_vad::SegmentOptions::default();
    let from_ort = aquant::models::silero_vad::speech_segments(&g.probs, g.input.len(), &opts);
    let mut vad = SileroVad::bundled(Precision::Int8).unwrap();
    let ours = aquant::models::silero_vad::detect(&mut vad, &g.input, &opts);
    assert_eq!(ours.segments, from_ort);
    let clips = [(8000usize, 21440usize), (39040, 21920), (70560, 22240)];
    let slack = 3200;
    for seg in &from_ort {
        assert!(
            clips
                .iter()
                .any(|&(s, n)| seg.start + slack >= s && seg.end <= s + n + slack),
            "{seg:?} outside the clips"
        );
    }
    for &(s, n) in &clips {
        assert!(
            from_ort.iter().any(|seg| seg.start < s + n && seg.end > s),
            "clip at {s}"
        );
    }
}
