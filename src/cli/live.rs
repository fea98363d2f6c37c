//! `aquant live`: microphone → chain → speakers, for live monitoring.

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;
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
    /// Capture rate in Hz (the input device's default when omitted).
    #[arg(long)]
    rate: Option<u32>,
    /// Stop after this many seconds (otherwise run until `q`, or until killed).
    #[arg(long)]
    seconds: Option<f64>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let max_frames = a.buffer.unwrap_or(4096).max(64) as usize;
    let chain_args = a.chain.clone();
    let live = Live::start(
        // Captured samples reach the chain as float: precision is lost unless f32 is asked.
        |channels, _rate| {
            chain_args
                .build(channels, Encoding::F32, max_frames)
                .map_err(|e| aquant::Error::invalid("chain", format!("{e:#}")))
        },
        &LiveOptions {
            input_device: a.input.clone(),
            output_device: a.output.clone(),
            buffer_frames: a.buffer,
            channels: a.channels,
            rate: a.rate,
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
