//! `aquant devices`: the audio devices `play` and `live` can use.

use std::process::ExitCode;

use anyhow::Result;
use aquant::playback::list_devices;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_a: Args) -> Result<ExitCode> {
    let devices = list_devices()?;
    println!(
        "{:<6} {:<5} {:<32} name",
        "output", "input", "id (--device)"
    );
    for d in &devices {
        // ALSA's `default` is whatever the configuration makes it: cpal cannot tell its
        // direction without opening it.
        let yes = |b: bool| match (b, d.id == "default") {
            (_, true) => "?",
            (true, _) => "yes",
            _ => "-",
        };
        println!(
            "{:<6} {:<5} {:<32} {}",
            yes(d.output),
            yes(d.input),
            d.id,
            d.name
        );
    }
    if devices.is_empty() {
        println!("(no devices)");
    }
    Ok(ExitCode::SUCCESS)
}
