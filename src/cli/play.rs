//! `aquant play`: hear a file through the real-time chain.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use aquant::chain::{Chain, ChainControl, ChainDither, ChainFormat, ChainOptions};
use aquant::codecs::CodecId;
use aquant::convert::{loses_precision, open_input};
use aquant::io::Encoding;
use aquant::playback::{PlayOptions, Player};
use aquant::{Dither, DitherKind};

use super::convert::parse_dither;

/// The processing chain: what the signal is made to sound like.
#[derive(clap::Args, Debug, Clone)]
pub struct ChainArgs {
    /// Format to hear: pcm8, pcm16, pcm24, pcm32, f32, or any codec of `convert --format`
    /// (mulaw, alaw, ima-adpcm, ms-adpcm, g726-16..40, g722-48..64; G.726 needs an 8 kHz
    /// signal and G.722 16 kHz).
    #[arg(long, short = 'f', default_value = "pcm16")]
    pub format: String,
    /// Depth in bits within the format's container.
    #[arg(long, short = 'b')]
    pub bits: Option<u32>,
    /// Dither: none, rpdf, tpdf, tpdf-hp, or noise shaping with TPDF designed for the
    /// signal's rate: shaped, shaped-light, shaped-strong (lipshitz, wannamaker-f at 44.1 kHz).
    /// Default: tpdf when precision is lost, none otherwise.
    #[arg(long, short = 'd')]
    pub dither: Option<String>,
    /// Dither amplitude in LSB.
    #[arg(long, default_value_t = 1.0)]
    pub dither_amplitude: f64,
    /// Seed of the dither generators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl ChainArgs {
    /// Builds the chain for `channels` of a signal at `rate` Hz stored as `source` (which
    /// decides the default dither, as `convert` does).
    pub fn build(
        &self,
        channels: usize,
        rate: u32,
        source: Encoding,
        max_frames: usize,
    ) -> Result<Chain> {
        let codecs = CodecId::all();
        let Some(format) = ChainFormat::from_name(&self.format, &codecs) else {
            let mut names: Vec<&str> = codecs.iter().map(|c| c.name()).collect();
            names.dedup();
            bail!(
                "unknown format {:?}: expected pcm8, pcm16, pcm24, pcm32, f32 or {}",
                self.format,
                names.join(", ")
            );
        };
        let format = match format {
            ChainFormat::Codec(codec) => ChainFormat::Codec(for_stream(codec, channels, rate)?),
            pcm => pcm,
        };
        let precision_lost = loses_precision(source, format.container(), self.bits);
        let dither = match &self.dither {
            Some(d) => parse_chain_dither(d)?,
            None => ChainDither::Plain(DitherKind::default_for(precision_lost)),
        };
        let (kind, shaping) = match dither {
            ChainDither::Plain(k) => (k, None),
            // As `convert`: shaping only where precision is lost (on-grid input passes
            // unchanged either way, and `convert` writes it with the plain quantizer).
            ChainDither::Shaped(p) if precision_lost => (DitherKind::Tpdf, Some(p)),
            ChainDither::Shaped(_) => (DitherKind::Tpdf, None),
        };
        let options = ChainOptions {
            channels,
            format,
            bits: self.bits,
            dither: Dither::new(kind)
                .with_amplitude(self.dither_amplitude)
                .with_seed(self.seed),
            max_frames,
            shaping,
            sample_rate: Some(rate),
        };
        Chain::new(&options).with_context(|| format!("cannot build the {} chain", format.name()))
    }
}

/// `codec` as `convert` would write it for this stream: ADPCM at its default block size for the
/// channels and rate; G.726 and G.722 only at the one rate they are defined for.
fn for_stream(codec: CodecId, channels: usize, rate: u32) -> Result<CodecId> {
    use aquant::codecs::{ima_adpcm, ms_adpcm};
    if let Some(needed) = aquant::codec_io::required_rate(codec) {
        if needed != rate {
            bail!(
                "{} is defined for {needed} Hz and this signal is {rate} Hz: convert it first \
                 (aquant convert IN OUT --format pcm16 --rate {needed}) and play that",
                codec.name()
            );
        }
    }
    let align = |a: usize| u16::try_from(a).context("block size too large for this stream");
    Ok(match codec {
        CodecId::ImaAdpcm { effort, .. } => CodecId::ImaAdpcm {
            block_align: align(ima_adpcm::ImaParams::default_block_align(channels, rate))?,
            effort,
        },
        CodecId::MsAdpcm { effort, .. } => CodecId::MsAdpcm {
            block_align: align(ms_adpcm::MsParams::default_block_align(channels, rate))?,
            effort,
        },
        other => other,
    })
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The file to play.
    input: PathBuf,
    #[command(flatten)]
    chain: ChainArgs,
    /// Output device (an id or name from `aquant devices`).
    #[arg(long)]
    device: Option<String>,
    /// Frames per callback (the device's default when omitted).
    #[arg(long)]
    buffer: Option<u32>,
    /// Run the device at this rate (the chain's output is resampled).
    #[arg(long)]
    device_rate: Option<u32>,
    /// Seconds of decoded audio buffered ahead of the device (more rides out a slow disk or a
    /// busy machine).
    #[arg(long, default_value_t = 0.5)]
    ring: f64,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let source = open_input(&a.input)?;
    let spec = source.spec();
    let max_frames = a.buffer.unwrap_or(4096).max(64) as usize;
    let chain = a.chain.build(
        spec.channels as usize,
        spec.sample_rate,
        spec.encoding,
        max_frames,
    )?;
    let latency = chain.latency_frames();
    let options = PlayOptions {
        device: a.device.clone(),
        buffer_frames: a.buffer,
        device_rate: a.device_rate,
        ring_seconds: a.ring,
        ..PlayOptions::default()
    };
    let player = Player::start(source, chain, &options)?;
    eprintln!(
        "aquant: playing {} ({} Hz, {} ch) as {} on {}",
        a.input.display(),
        spec.sample_rate,
        spec.channels,
        a.chain.format,
        player.info()
    );
    for note in &player.info().choice.notes {
        eprintln!("aquant: {note}");
    }
    if latency > 0 {
        eprintln!("aquant: the codec's block latency is {latency} frames");
    }
    let quit = spawn_keys(player.control());
    while !player.is_finished() && !quit.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = if quit.load(Ordering::Acquire) {
        player.stop()?
    } else {
        player.wait()?
    };
    eprintln!("aquant: {stats}");
    Ok(ExitCode::SUCCESS)
}

/// Parses `--dither` or the `d` key's argument: a plain kind or a shaping preset.
pub fn parse_chain_dither(name: &str) -> Result<ChainDither> {
    match ChainDither::from_name(name) {
        Some(d) => Ok(d),
        // The same message as `convert`.
        None => Ok(ChainDither::Plain(parse_dither(name)?)),
    }
}

/// Reads commands from the terminal and applies them through `control` (lock-free, at the
/// next buffer). Returns the quit flag. Does nothing when stdin is not a terminal.
pub fn spawn_keys(control: ChainControl) -> Arc<AtomicBool> {
    let quit = Arc::new(AtomicBool::new(false));
    if !std::io::stdin().is_terminal() {
        return quit;
    }
    eprintln!(
        "aquant: keys (then Enter): + / - bits, b N bits, d KIND dither (none, tpdf, shaped, ...), \
         x bypass, q quit"
    );
    let flag = quit.clone();
    let _ = std::thread::Builder::new()
        .name("aquant-keys".into())
        .spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                match apply_command(&control, line.trim()) {
                    Ok(true) => {
                        flag.store(true, Ordering::Release);
                        return;
                    }
                    Ok(false) => eprintln!("aquant: {}", describe(&control)),
                    Err(e) => eprintln!("aquant: {e:#}"),
                }
                line.clear();
            }
        });
    quit
}

fn describe(c: &ChainControl) -> String {
    let bits = c
        .bits()
        .map_or("format's own".to_string(), |b| b.to_string());
    format!(
        "bits {bits}, dither {}{}",
        c.chain_dither().name(),
        if c.bypass() { ", BYPASS" } else { "" }
    )
}

/// Applies one command line; returns whether it asks to quit.
pub fn apply_command(c: &ChainControl, cmd: &str) -> Result<bool> {
    let mut words = cmd.split_whitespace();
    let current = c.bits().unwrap_or(c.max_bits());
    match (words.next(), words.next()) {
        (Some("q" | "quit"), _) => return Ok(true),
        (Some("+"), _) => c.set_bits(Some((current + 1).min(c.max_bits())))?,
        (Some("-"), _) => c.set_bits(Some(current.saturating_sub(1).max(1)))?,
        (Some("b" | "bits"), Some(n)) => c.set_bits(Some(n.parse().context("bits")?))?,
        (Some("b" | "bits"), None) => c.set_bits(None)?,
        (Some("d" | "dither"), Some(k)) => c.set_chain_dither(parse_chain_dither(k)?)?,
        (Some("d" | "dither"), None) => c.set_dither(
            if c.chain_dither() == ChainDither::Plain(DitherKind::None) {
                DitherKind::Tpdf
            } else {
                DitherKind::None
            },
        ),
        (Some("x" | "bypass"), _) => c.set_bypass(!c.bypass()),
        (None, _) => {}
        (Some(other), _) => bail!("unknown command {other:?}"),
    }
    Ok(false)
}
