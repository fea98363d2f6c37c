//! Live denoising: microphone → RNNoise v0.1 → 16-bit quantizer → speakers, in the output
//! device's callback (the capture callback only copies into a lock-free ring). The denoiser is
//! a chain stage: allocation-free per frame, any callback size, 959 frames (20 ms) of latency
//! from its 480-sample framing. RNNoise works at 48 kHz only, so the capture runs at 48 kHz.
//!
//! ```sh
//! cargo run --release --example live_denoise --features playback -- 10   # 10 seconds
//! ```

use std::time::Duration;

use aquant::chain::{Chain, ChainFormat, ChainOptions, DenoiseStage};
use aquant::playback::{Live, LiveOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10.0);
    let live = Live::start(
        // Built before the streams start: the callback never allocates.
        |channels, rate| {
            if rate != DenoiseStage::SAMPLE_RATE {
                return Err(aquant::Error::invalid(
                    "rate",
                    format!("the microphone runs at {rate} Hz; RNNoise needs 48000"),
                ));
            }
            let chain = Chain::new(&ChainOptions::new(channels, ChainFormat::pcm16()))?;
            Ok(chain.with_pre_stage(Box::new(DenoiseStage::new(channels)?)))
        },
        &LiveOptions {
            rate: Some(DenoiseStage::SAMPLE_RATE),
            buffer_frames: Some(256),
            ..LiveOptions::default()
        },
    )?;
    println!("{} → {}", live.input_info, live.output_info);
    println!(
        "denoising for {seconds} s; latency of the denoiser {:.1} ms",
        DenoiseStage::LATENCY_FRAMES as f64 * 1000.0 / DenoiseStage::SAMPLE_RATE as f64
    );
    // `x` toggles bypass in `aquant live`; here: half the time denoised, half the time dry.
    let control = live.control();
    std::thread::sleep(Duration::from_secs_f64(seconds / 2.0));
    control.set_bypass(true);
    println!("bypass: now the raw microphone (delayed by the same latency)");
    std::thread::sleep(Duration::from_secs_f64(seconds / 2.0));
    println!("{}", live.stop());
    Ok(())
}
