//! Command-line parsing and the subcommands.

mod analyze;
mod batch;
mod convert;
mod demo;
mod denoise;
mod design_shaper;
#[cfg(feature = "playback")]
mod devices;
mod info;
#[cfg(feature = "playback")]
mod live;
mod nn;
#[cfg(feature = "playback")]
mod play;
mod vad;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Audio quantization and compression.
#[derive(Parser, Debug)]
#[command(name = "aquant", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert a file to another sample format (quantizing with dither where precision is lost).
    Convert(convert::Args),
    /// Convert a folder tree or a manifest of files in parallel, with a report.
    Batch(batch::Args),
    /// Print a file's format, length, peak and RMS level.
    Info(info::Args),
    /// Run the main job on a built-in signal: quantize it several ways and print a table.
    Demo(demo::Args),
    /// Measure the error TEST − REF: unweighted, A and ITU-R 468 weighted noise, spurs, modulation.
    Analyze(analyze::Args),
    /// Design a noise-shaping filter for a rate and hearing curve; print it and its figures.
    DesignShaper(design_shaper::Args),
    /// Remove noise from speech with RNNoise v0.1 (any rate: resampled to 48 kHz and back).
    Denoise(denoise::Args),
    /// Find speech in a file with Silero VAD v6 (prints start/end times).
    Vad(vad::Args),
    /// Neural-model tools.
    #[command(subcommand)]
    Nn(nn::Command),
    /// Play a file through a live quantizer or codec chain (hear what a conversion gives).
    #[cfg(feature = "playback")]
    Play(play::Args),
    /// Microphone → quantizer or codec chain → speakers, for live monitoring.
    #[cfg(feature = "playback")]
    Live(live::Args),
    /// List audio output and input devices.
    #[cfg(feature = "playback")]
    Devices(devices::Args),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(a) => convert::run(a),
        Command::Batch(a) => batch::run(a),
        Command::Info(a) => info::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Vad(a) => vad::run(a),
        Command::Denoise(a) => denoise::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::DesignShaper(a) => design_shaper::run(a),
        Command::Nn(c) => nn::run(c),
        #[cfg(feature = "playback")]
        Command::Play(a) => play::run(a),
        #[cfg(feature = "playback")]
        Command::Live(a) => live::run(a),
        #[cfg(feature = "playback")]
        Command::Devices(a) => devices::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aquant: error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: aquant's errors already quote their cause (an I/O
/// error names the file and the reason), so a cause repeated in its parent's text is dropped.
pub(crate) fn error_chain(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
pub(crate) fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent:>3}% {elapsed_precise} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
