//! `aquant live`: microphone → chain → speakers, for live monitoring.

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;
use aquant::chain::DenoiseStage;
use aquant::io::Encoding;
use aquant::playback::{Live, LiveOptions};

use super::play::{spawn_keys, ChainArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    chain: ChainArgs,
    /// Input device (an id or name from `aquant devices`).
    #[arg(long)]
    input: Option<String>,
    /// Output device.
    #[arg(long, alias = "device")]
    output: Option<String>,
    /// Frames per callback on both devices.
    #[arg(long)]
    buffer: Option<u32>,
    /// Capture channels (the input device's default when omitted).
    #[arg(long)]
    channels: Option<u16>,
    /// Capture rate in Hz (the input device's default when omitted; 48000 with --denoise).
    #[arg(long)]
    rate: Option<u32>,
    /// Remove noise with RNNoise v0.1 before the chain (48 kHz capture only; adds 959 frames,
    /// 20 ms, of latency).
    #[arg(long)]
    denoise: bool,
    /// Stop after this many seconds (otherwise run until `q`, or until killed).
    #[arg(long)]
    seconds: Option<f64>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let max_frames = a.buffer.unwrap_or(4096).max(64) as usize;
    let chain_args = a.chain.clone();
    let denoise = a.denoise;
    let rate = match (a.rate, denoise) {
        (Some(r), true) if r != DenoiseStage::SAMPLE_RATE => anyhow::bail!(
            "--denoise runs RNNoise, which works at {} Hz only: drop --rate {r} or pass --rate {}",
            DenoiseStage::SAMPLE_RATE,
            DenoiseStage::SAMPLE_RATE
        ),
        (None, true) => Some(DenoiseStage::SAMPLE_RATE),
        (r, _) => r,
    };
    let live = Live::start(
        // Captured samples reach the chain as float: precision is lost unless f32 is asked.
        |channels, rate| {
            let invalid = |e: anyhow::Error| aquant::Error::invalid("chain", format!("{e:#}"));
            let chain = chain_args
                .build(channels, rate, Encoding::F32, max_frames)
                .map_err(invalid)?;
            if !denoise {
                return Ok(chain);
            }
            // The capture rate is what the device could do; the denoiser cannot adapt to it.
            if rate != DenoiseStage::SAMPLE_RATE {
                return Err(aquant::Error::invalid(
                    "denoise",
                    format!(
                        "the capture device runs at {rate} Hz and RNNoise only at {} Hz: \
                         choose an input device that offers {} Hz (see `aquant devices`)",
                        DenoiseStage::SAMPLE_RATE,
                        DenoiseStage::SAMPLE_RATE
                    ),
                ));
            }
            Ok(chain.with_pre_stage(Box::new(DenoiseStage::new(channels)?)))
        },
        &LiveOptions {
            input_device: a.input.clone(),
            output_device: a.output.clone(),
            buffer_frames: a.buffer,
            channels: a.channels,
            rate,
            ..LiveOptions::default()
        },
    )?;
    eprintln!(
        "aquant: live as {}: {} → {}",
        a.chain.format, live.input_info, live.output_info
    );
    for note in &live.output_info.choice.notes {
        eprintln!("aquant: {note}");
    }
    if denoise {
        let frames = DenoiseStage::LATENCY_FRAMES;
        eprintln!(
            "aquant: denoising with RNNoise v0.1: its 480-sample framing adds {frames} frames \
             ({:.2} ms) of latency",
            frames as f64 * 1000.0 / DenoiseStage::SAMPLE_RATE as f64
        );
    }
    let quit = spawn_keys(live.control());
    let start = Instant::now();
    while !quit.load(Ordering::Acquire)
        && a.seconds.is_none_or(|s| start.elapsed().as_secs_f64() < s)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = live.stop();
    eprintln!("aquant: {stats}");
    Ok(ExitCode::SUCCESS)
}
