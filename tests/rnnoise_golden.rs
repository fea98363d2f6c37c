//! RNNoise v0.1 against the reference C implementation's golden data
//! (`$AQUANT_MODELS/rnnoise-v0.1/golden/`, see its README: made by the v0.1 C code built with
//! `gcc -O2`, dumping features, gains, VAD, network states and output per frame).

use std::path::PathBuf;

use aquant::models::rnnoise::{Denoiser, Network, RnnoiseModel, FRAME_SIZE, INT16_SCALE};
use aquant::SimdLevel;

const FRAMES: usize = 465;

/// The golden folder, or `None` (after a loud skip message) when it is missing outside CI.
fn golden_dir() -> Option<PathBuf> {
    let base = std::env::var_os("AQUANT_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/models"));
    let dir = base.join("rnnoise-v0.1/golden");
    if dir.join("input.f32le").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("golden data missing at {} (CI=true)", dir.display());
    }
    eprintln!(
        "SKIPPED: RNNoise golden data not found at {} (set AQUANT_MODELS)",
        dir.display()
    );
    None
}

fn read_f32(dir: &std::path::Path, name: &str, per_frame: usize) -> Vec<f32> {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let v: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(v.len(), FRAMES * per_frame, "{name}");
    v
}

struct Golden {
    input: Vec<f32>,
    output: Vec<f32>,
    vad: Vec<f32>,
    features: Vec<f32>,
    gains: Vec<f32>,
    silence: Vec<u8>,
    dense_out: Vec<f32>,
    vad_gru: Vec<f32>,
    noise_gru: Vec<f32>,
    denoise_gru: Vec<f32>,
}

fn load() -> Option<Golden> {
    let d = golden_dir()?;
    let silence = std::fs::read(d.join("silence.u8")).unwrap();
    assert_eq!(silence.len(), FRAMES);
    Some(Golden {
        input: read_f32(&d, "input.f32le", FRAME_SIZE),
        output: read_f32(&d, "output.f32le", FRAME_SIZE),
        vad: read_f32(&d, "vad.f32le", 1),
        features: read_f32(&d, "features.f32le", 42),
        gains: read_f32(&d, "gains.f32le", 22),
        silence,
        dense_out: read_f32(&d, "dense_out.f32le", 24),
        vad_gru: read_f32(&d, "vad_gru_state.f32le", 24),
        noise_gru: read_f32(&d, "noise_gru_state.f32le", 48),
        denoise_gru: read_f32(&d, "denoise_gru_state.f32le", 96),
    })
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The network alone, fed the reference's features, reproduces its gains, VAD, dense output
/// and all three GRU states bit for bit, at every SIMD level.
#[test]
fn network_is_bit_exact_on_reference_features() {
    let Some(g) = load() else { return };
    for level in SimdLevel::available() {
        let mut net = Network::with_simd(RnnoiseModel::builtin(), level);
        let mut checked = 0;
        for f in 0..FRAMES {
            if g.silence[f] == 1 {
                continue; // the reference does not run the network on these frames
            }
            let mut feats = [0.0f32; 42];
            feats.copy_from_slice(&g.features[f * 42..][..42]);
            let mut gains = [0.0f32; 22];
            let vad = net.run(&feats, &mut gains);
            let s = net.state();
            assert_eq!(
                bits(&gains),
                bits(&g.gains[f * 22..][..22]),
                "gains, frame {f}, {level:?}"
            );
            assert_eq!(
                vad.to_bits(),
                g.vad[f].to_bits(),
                "vad, frame {f}, {level:?}"
            );
            assert_eq!(
                bits(&s.dense_out),
                bits(&g.dense_out[f * 24..][..24]),
                "dense, frame {f}"
            );
            assert_eq!(
                bits(&s.vad_gru),
                bits(&g.vad_gru[f * 24..][..24]),
                "vad_gru, frame {f}"
            );
            assert_eq!(
                bits(&s.noise_gru),
                bits(&g.noise_gru[f * 48..][..48]),
                "noise_gru, frame {f}"
            );
            assert_eq!(
                bits(&s.denoise_gru),
                bits(&g.denoise_gru[f * 96..][..96]),
                "denoise_gru, frame {f}"
            );
            checked += 1;
        }
        assert_eq!(checked, 460);
    }
}

struct Run {
    features: Vec<f32>,
    gains: Vec<f32>,
    vad: Vec<f32>,
    silence: Vec<bool>,
    output: Vec<f32>,
}

/// Runs the whole golden input through the frame API (converted to the ±1.0 scale and back,
/// which is exact).
fn run(g: &Golden, level: SimdLevel) -> Run {
    let mut dn = Denoiser::with_model(RnnoiseModel::builtin(), level);
    let mut r = Run {
        features: vec![],
        gains: vec![],
        vad: vec![],
        silence: vec![],
        output: vec![],
    };
    for f in 0..FRAMES {
        let mut input = [0.0f32; FRAME_SIZE];
        for (d, &s) in input.iter_mut().zip(&g.input[f * FRAME_SIZE..]) {
            *d = s / INT16_SCALE;
        }
        let mut out = [0.0f32; FRAME_SIZE];
        let vad = dn.process_frame(&input, &mut out);
        let info = dn.last_frame();
        r.features.extend_from_slice(&info.features);
        r.gains.extend_from_slice(&info.gains);
        r.vad.push(vad);
        r.silence.push(info.silence);
        r.output.extend(out.iter().map(|&v| v * INT16_SCALE));
    }
    r
}

/// |a - b| relative to max(1, |b|): relative for large values, absolute near zero (where a
/// relative error is meaningless, e.g. features that cross zero).
fn rel_err(a: f32, b: f32) -> f32 {
    (a - b).abs() / b.abs().max(1.0)
}

#[test]
fn features_gains_vad_and_audio_match_reference() {
    let Some(g) = load() else { return };
    let r = run(&g, SimdLevel::select());
    for f in 0..FRAMES {
        assert_eq!(r.silence[f], g.silence[f] == 1, "silence path, frame {f}");
    }
    let (mut worst_feat, mut worst_gain, mut worst_vad) =
        ((0.0f32, 0, 0), (0.0f32, 0, 0), (0.0f32, 0));
    let mut pitch_flips = vec![];
    for f in 0..FRAMES {
        for i in 0..42 {
            let e = rel_err(r.features[f * 42 + i], g.features[f * 42 + i]);
            if i == 40 && r.features[f * 42 + i] != g.features[f * 42 + i] {
                pitch_flips.push(f);
            }
            if e > worst_feat.0 {
                worst_feat = (e, f, i);
            }
        }
        if g.silence[f] == 0 {
            for i in 0..22 {
                let e = rel_err(r.gains[f * 22 + i], g.gains[f * 22 + i]);
                if e > worst_gain.0 {
                    worst_gain = (e, f, i);
                }
            }
        } else {
            assert!(r.gains[f * 22..][..22].iter().all(|v| v.is_nan()));
        }
        let e = (r.vad[f] - g.vad[f]).abs();
        if e > worst_vad.0 {
            worst_vad = (e, f);
        }
    }
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for (a, b) in r.output.iter().zip(&g.output) {
        sig += (*b as f64).powi(2);
        err += (*a as f64 - *b as f64).powi(2);
    }
    let snr = 10.0 * (sig / err.max(1e-30)).log10();
    eprintln!(
        "rnnoise vs reference: worst feature err {:?}, worst gain err {:?}, worst vad err {:?}, \
         pitch differs in frames {:?}, output SNR {snr:.1} dB",
        worst_feat, worst_gain, worst_vad, pitch_flips
    );
    assert!(worst_feat.0 <= 1e-3, "features: {worst_feat:?}");
    assert!(worst_gain.0 <= 1e-3, "gains: {worst_gain:?}");
    assert!(worst_vad.0 <= 1e-3, "vad: {worst_vad:?}");
    assert!(snr >= 40.0, "output SNR {snr:.1} dB");
}

/// Every SIMD level produces bit-identical features, gains and audio on the golden input.
#[test]
fn all_simd_levels_are_bit_identical() {
    let Some(g) = load() else { return };
    let levels = SimdLevel::available();
    let reference = run(&g, levels[0]);
    for &level in &levels[1..] {
        let r = run(&g, level);
        assert_eq!(bits(&r.features), bits(&reference.features), "{level:?}");
        assert_eq!(bits(&r.gains), bits(&reference.gains), "{level:?}");
        assert_eq!(bits(&r.vad), bits(&reference.vad), "{level:?}");
        assert_eq!(bits(&r.output), bits(&reference.output), "{level:?}");
    }
}
