use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use aquant::codec_io::{open_raw, open_raw_codec, raw_spec};
use aquant::codecs::g711::Rule;
use aquant::codecs::g726::Packing;
use aquant::codecs::CodecId;
use aquant::convert::{
    convert_file, convert_source, refuse_same_file, ConvertOptions, OutputFormat,
};
use aquant::shaping::Preset;
use aquant::DitherKind;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input file.
    input: PathBuf,
    /// Output file (written to a temporary file first, renamed when complete).
    output: PathBuf,
    #[command(flatten)]
    options: ConvertArgs,
    /// Layout of a headerless (.raw) input: mulaw, alaw, s16le, or a G.726 stream g726-16|24|32|40
    /// (codeword order: --raw-packing).
    #[arg(long, requires_all = ["raw_rate", "raw_channels"])]
    raw_format: Option<String>,
    /// Codeword order of a raw G.726 input: msb (ITU/AAL2 order, ffmpeg -f g726; default) or
    /// lsb (RFC 3551, ffmpeg -f g726le).
    #[arg(long, requires = "raw_format")]
    raw_packing: Option<String>,
    /// Sample rate of a headerless input.
    #[arg(long)]
    raw_rate: Option<u32>,
    /// Channels of a headerless input.
    #[arg(long)]
    raw_channels: Option<u32>,
}

/// The conversion options `convert` and `batch` share.
#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// Output format: pcm8, pcm16, pcm24, pcm32, f32, mulaw, alaw, ima-adpcm, ms-adpcm,
    /// g726-16|24|32|40, g722-64|56|48. The container follows the output's extension (.wav,
    /// .au, .raw).
    #[arg(long, short = 'f', default_value = "pcm16")]
    format: String,
    /// Target depth in bits within the container (1 to the container's width).
    #[arg(long, short = 'b')]
    bits: Option<u32>,
    /// Dither: none, rpdf, tpdf, tpdf-hp, or noise shaping with TPDF designed for the file's
    /// rate: shaped, shaped-light, shaped-strong (lipshitz, wannamaker-f at 44.1 kHz).
    /// Default: tpdf when precision is lost, none otherwise.
    #[arg(long, short = 'd')]
    dither: Option<String>,
    /// Dither amplitude in LSB.
    #[arg(long, default_value_t = 1.0)]
    dither_amplitude: f64,
    /// Seed of the dither generators.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Resample to this rate (Hz) before converting (G.726 needs 8000, G.722 16000).
    #[arg(long)]
    rate: Option<u32>,
    /// ADPCM block size in bytes (default: the usual size for the rate and channels).
    #[arg(long)]
    block_size: Option<u16>,
    /// ADPCM encoder effort 0..=9: 0 greedy, 1 (default) block search, 2+ beam search over codes.
    #[arg(long)]
    effort: Option<u8>,
    /// G.711 encoding rule: itu (the G.191 reference, default) or nearest (nearest level, as
    /// ffmpeg; lower error on loud signals).
    #[arg(long, default_value = "itu")]
    g711: String,
    /// Codeword order of G.726 output in a raw stream (.raw, .g726): msb (ITU/AAL2 order, as
    /// ffmpeg -f g726; default) or lsb (RFC 3551, as ffmpeg -f g726le). WAV G.726 is MSB-first
    /// and .au G.721/G.723 LSB-first (as libsndfile writes it) whatever this says.
    #[arg(long)]
    packing: Option<String>,
}

/// A `--packing` value.
fn parse_packing(option: &str, name: &str) -> Result<Packing> {
    match name {
        "msb" => Ok(Packing::MsbFirst),
        "lsb" => Ok(Packing::LsbFirst),
        other => bail!("unknown {option} {other:?}: expected msb or lsb"),
    }
}

impl ConvertArgs {
    /// The library's options.
    pub fn to_options(&self) -> Result<ConvertOptions> {
        let Some(mut format) = OutputFormat::from_name(&self.format) else {
            bail!(
                "unknown format {:?}: expected one of {}",
                self.format,
                OutputFormat::names().join(", ")
            );
        };
        if let Some(name) = &self.packing {
            let packing = parse_packing("--packing", name)?;
            match &mut format {
                OutputFormat::Codec(CodecId::G726 { packing: p, .. }) => *p = packing,
                other => bail!(
                    "--packing applies to G.726 output (g726-16|24|32|40), not {}",
                    other.name()
                ),
            }
        }
        let shaping = self.dither.as_deref().and_then(Preset::from_name);
        let dither = match (&self.dither, shaping) {
            (Some(_), Some(_)) => Some(DitherKind::Tpdf),
            (Some(d), None) => Some(parse_dither(d)?),
            (None, _) => None,
        };
        Ok(ConvertOptions {
            format,
            bits: self.bits,
            shaping,
            dither,
            block_size: self.block_size,
            effort: self.effort,
            dither_amplitude: self.dither_amplitude,
            seed: self.seed,
            rate: self.rate,
            g711_rule: Rule::from_name(&self.g711).with_context(|| {
                format!("unknown --g711 {:?}: expected itu or nearest", self.g711)
            })?,
            read_ahead: true,
        })
    }
}

pub fn parse_dither(name: &str) -> Result<DitherKind> {
    Ok(match name {
        "none" => DitherKind::None,
        "rpdf" => DitherKind::Rpdf,
        "tpdf" => DitherKind::Tpdf,
        "tpdf-hp" | "tpdf_hp" | "hp" => DitherKind::TpdfHighPass,
        other => bail!(
            "unknown dither {other:?}: expected none, rpdf, tpdf, tpdf-hp, shaped, shaped-light, \
             shaped-strong, lipshitz or wannamaker-f"
        ),
    })
}

pub fn run(a: Args) -> Result<ExitCode> {
    let options = a.options.to_options()?;
    let bar = super::progress_bar(0, "converting");
    let mut progress = |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = match (&a.raw_format, a.raw_rate, a.raw_channels) {
        (Some(format), Some(rate), Some(channels)) => {
            refuse_same_file(&a.input, &a.output)?;
            let source = match OutputFormat::from_name(format) {
                Some(OutputFormat::Codec(CodecId::G726 {
                    rate: r, dialect, ..
                })) => {
                    let packing =
                        parse_packing("--raw-packing", a.raw_packing.as_deref().unwrap_or("msb"))?;
                    let channels = u16::try_from(channels)
                        .with_context(|| format!("--raw-channels {channels} is too many"))?;
                    let codec = CodecId::G726 {
                        rate: r,
                        packing,
                        dialect,
                    };
                    open_raw_codec(&a.input, codec, rate, channels)?
                }
                _ => {
                    if a.raw_packing.is_some() {
                        bail!("--raw-packing applies to a raw G.726 input (--raw-format g726-NN)");
                    }
                    open_raw(&a.input, raw_spec(format, rate, channels)?)?
                }
            };
            convert_source(source, &a.output, &options, &mut progress)?
        }
        _ => convert_file(&a.input, &a.output, &options, &mut progress)?,
    };
    bar.finish_and_clear();
    let s = report.stats;
    if s.clipped > 0 {
        eprintln!("aquant: {} samples clipped", s.clipped);
    }
    if s.nan > 0 {
        eprintln!("aquant: {} NaN samples written as 0", s.nan);
    }
    Ok(ExitCode::SUCCESS)
}
