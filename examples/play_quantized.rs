//! The smallest complete program that runs an aquant processor inside a cpal callback: a
//! 440 Hz tone heard through a quantizer at a few bits with TPDF dither. Copy it into your
//! app and replace the tone with your audio.
//!
//! ```sh
//! cargo run --example play_quantized --features playback -- 6 3   # 6 bits, 3 seconds
//! ```

use std::time::Duration;

use aquant::chain::{Chain, ChainFormat, ChainOptions};
use aquant::Dither;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bits: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(6);
    let seconds: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3.0);

    let device = cpal::default_host()
        .default_output_device()
        .ok_or("no output device")?;
    let config = device.default_output_config()?.config();
    let channels = config.channels as usize;
    let rate = config.sample_rate as f32;

    // Everything is allocated here, before the stream: from now on `process_in_place` never
    // allocates, locks or blocks, so it is safe in the audio callback.
    let mut chain = Chain::new(&ChainOptions {
        bits: Some(bits),
        dither: Dither::tpdf(),
        max_frames: 4096,
        ..ChainOptions::new(channels, ChainFormat::pcm16())
    })?;

    let mut phase = 0.0f32;
    // f32 samples: ALSA's `default` and most hosts convert to the hardware's format.
    let stream = device.build_output_stream::<f32, _, _>(
        config,
        move |out: &mut [f32], _| {
            for frame in out.chunks_mut(channels) {
                frame.fill(0.3 * (phase * std::f32::consts::TAU).sin());
                phase = (phase + 440.0 / rate).fract();
            }
            // The processor, in place. An error (it only reports bad shapes) means silence.
            if chain.process_in_place(out).is_err() {
                out.fill(0.0);
            }
        },
        |e| eprintln!("stream error: {e}"),
        None,
    )?;
    stream.play()?;
    println!("440 Hz at {bits} bits with TPDF dither for {seconds} s");
    std::thread::sleep(Duration::from_secs_f64(seconds));
    Ok(())
}
