//! Live monitoring: microphone → quantizer → speakers, with a control thread that walks the
//! depth down from 12 to 3 bits and back while it runs (changes reach the audio callback
//! lock-free, at a buffer boundary).
//!
//! ```sh
//! cargo run --example live_chain --features playback -- 10     # run for 10 seconds
//! ```

use std::time::Duration;

use aquant::chain::{Chain, ChainFormat, ChainOptions};
use aquant::playback::{Live, LiveOptions};
use aquant::Dither;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10.0);
    let live = Live::start(
        |channels, _rate| {
            Chain::new(&ChainOptions {
                bits: Some(12),
                dither: Dither::tpdf(),
                ..ChainOptions::new(channels, ChainFormat::pcm16())
            })
        },
        &LiveOptions {
            buffer_frames: Some(256),
            ..LiveOptions::default()
        },
    )?;
    println!("{} → {}", live.input_info, live.output_info);

    let control = live.control();
    let steps: Vec<u32> = (3..=12).rev().chain(4..=12).collect();
    let step = Duration::from_secs_f64(seconds / steps.len() as f64);
    for bits in steps {
        control.set_bits(Some(bits))?;
        println!("{bits} bits");
        std::thread::sleep(step);
    }
    println!("{}", live.stop());
    Ok(())
}
