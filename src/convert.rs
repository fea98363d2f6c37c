//! File conversion: composes a reader from [`io`](crate::io), the [uniform
//! quantizer](crate::quant) and a writer. This layer only composes; it holds no DSP and no
//! format parsing of its own.
//!
//! Output is written to a temporary file in the destination folder, synced, and renamed over
//! the destination only when everything succeeded, so an interrupted or failed conversion never
//! leaves a half-written file under the final name.

use std::path::{Path, PathBuf};

use crate::codec_io::{self, CodecSink, CodecSource, Container, LinearBytesSink};
use crate::codecs::{g711, CodecId};
use crate::dither::{Dither, DitherKind};
use crate::io::wav::{PcmSpec, WavPcmReader, WavPcmWriter};
use crate::io::{Encoding, SampleBuf, SampleSink, SampleSource};
use crate::quant::{QuantStats, UniformQuantizer};
use crate::resample::StreamResampler;
use crate::sample::I24;
use crate::shaping::{NoiseShaper, Preset};
use crate::stream::Processor;
use crate::{Error, Result};

/// Frames moved per block: large enough for memory-speed I/O, small enough for bounded memory
/// (64 Ki frames of 8-channel float32 is 2 MiB).
pub const BLOCK_FRAMES: usize = 1 << 16;

/// Samples moved per block at most, whatever the channel count: a file declaring thousands of
/// channels gets fewer frames per block, so a block never exceeds 512 Ki samples (2 MiB of
/// float32 or i32).
pub const BLOCK_SAMPLES: usize = 1 << 19;

/// Frames per block for `channels` channels.
pub fn block_frames(channels: usize) -> usize {
    BLOCK_FRAMES.min(BLOCK_SAMPLES / channels.max(1)).max(1)
}

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Linear PCM or float32 in a WAV file.
    Pcm(Encoding),
    /// A codec's bitstream in a WAV file.
    Codec(CodecId),
}

impl OutputFormat {
    /// Parses a `--format` value.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "pcm8" => OutputFormat::Pcm(Encoding::U8),
            "pcm16" => OutputFormat::Pcm(Encoding::I16),
            "pcm24" => OutputFormat::Pcm(Encoding::I24),
            "pcm32" => OutputFormat::Pcm(Encoding::I32),
            "f32" | "float" => OutputFormat::Pcm(Encoding::F32),
            other => {
                return CodecId::all()
                    .into_iter()
                    .find(|c| c.name() == other)
                    .map(OutputFormat::Codec)
            }
        })
    }
    /// The `--format` name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Pcm(e) => e.name(),
            OutputFormat::Codec(c) => c.name(),
        }
    }
    /// Every `--format` name, for help and error messages.
    pub fn names() -> Vec<&'static str> {
        let mut names = vec!["pcm8", "pcm16", "pcm24", "pcm32", "f32"];
        for c in CodecId::all() {
            if !names.contains(&c.name()) {
                names.push(c.name());
            }
        }
        names
    }
}

/// Settings of a conversion.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertOptions {
    /// The output format.
    pub format: OutputFormat,
    /// Target depth within the container (`None`: the container's own depth).
    pub bits: Option<u32>,
    /// Dither kind; `None` chooses TPDF when precision is lost and none otherwise.
    pub dither: Option<DitherKind>,
    /// Dither amplitude in LSB.
    pub dither_amplitude: f64,
    /// Seed of the dither generators.
    pub seed: u64,
    /// Resample to this rate first (`None`: keep the input's rate).
    pub rate: Option<u32>,
    /// G.711 encoding rule: the ITU reference (default) or the nearest level.
    pub g711_rule: g711::Rule,
    /// Noise shaping (with TPDF dither) instead of plain dither, designed for the stream's rate.
    pub shaping: Option<Preset>,
    /// ADPCM block size in bytes (`None`: the usual size for the rate and channels).
    pub block_size: Option<u16>,
    /// ADPCM encoder effort, 0..=9 (`None`: 1).
    pub effort: Option<u8>,
    /// Read (and decode) the input one block ahead on a second thread, overlapping it with the
    /// quantizer and the writer (default). `batch` turns it off: its parallelism is across
    /// files, and each of its `--jobs` then stays one thread.
    pub read_ahead: bool,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            format: OutputFormat::Pcm(Encoding::I16),
            bits: None,
            dither: None,
            dither_amplitude: 1.0,
            seed: 0,
            rate: None,
            g711_rule: g711::Rule::Itu,
            shaping: None,
            block_size: None,
            effort: None,
            read_ahead: true,
        }
    }
}

/// What a conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertReport {
    /// Input format.
    pub input: PcmSpec,
    /// Frames converted.
    pub frames: u64,
    /// The dither that was used.
    pub dither: DitherKind,
    /// Clipped and NaN counts.
    pub stats: QuantStats,
}

/// Whether converting `from` to `bits` of `to` can lose precision.
pub fn loses_precision(from: Encoding, to: Encoding, bits: Option<u32>) -> bool {
    let target = bits.unwrap_or(to.bits());
    if to.is_float() && bits.is_none() {
        return false;
    }
    from.is_float() || from.bits() > target
}

/// Converts the file `input` to `output`. `progress(done, total)` is called after each block
/// with frame counts.
pub fn convert_file(
    input: &Path,
    output: &Path,
    options: &ConvertOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ConvertReport> {
    refuse_same_file(input, output)?;
    convert_source(open_input(input)?, output, options, progress)
}

/// Converts an already opened source to `output` (as [`convert_file`] does after opening).
pub fn convert_source(
    mut reader: Box<dyn SampleSource>,
    output: &Path,
    options: &ConvertOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ConvertReport> {
    if let Some(rate) = options.rate {
        if rate != reader.spec().sample_rate {
            reader = Box::new(ResampledSource::new(reader, rate)?);
        }
    }
    let spec = reader.spec();
    // Codecs take 16-bit linear input: the quantizer brings any input to the codec's depth
    // (14 bits for mu-law, 13 for A-law, as G.711 defines its input), left-aligned in i16.
    let format = resolve_format(options, spec.channels as usize, spec.sample_rate)?;
    let (out_encoding, bits) = match format {
        OutputFormat::Pcm(e) => (e, options.bits),
        OutputFormat::Codec(codec) => {
            if let Some(needed) = codec_io::required_rate(codec) {
                if spec.sample_rate != needed {
                    return Err(Error::invalid(
                        "rate",
                        format!(
                            "{} needs {needed} Hz input, not {} Hz: add --rate {needed} to resample",
                            codec.name(),
                            spec.sample_rate
                        ),
                    ));
                }
            }
            // 16-bit integer input takes the standard's own mapping unless dither is asked for.
            let standard_mapping = !spec.encoding.is_float()
                && spec.encoding.bits() <= 16
                && matches!(options.dither, None | Some(DitherKind::None));
            let bits = if standard_mapping {
                None
            } else {
                Some(options.bits.unwrap_or(codec_io::input_bits(codec)).min(16))
            };
            (Encoding::I16, bits)
        }
    };
    let precision_lost = loses_precision(spec.encoding, out_encoding, bits);
    let kind = options
        .dither
        .unwrap_or(DitherKind::default_for(precision_lost));
    let dither = Dither::new(kind)
        .with_amplitude(options.dither_amplitude)
        .with_seed(options.seed);
    let channels = spec.channels as usize;
    let mut quantizer = match options.shaping {
        // Shaping only where precision is lost: on-grid input passes unchanged either way.
        // Shaped dither is TPDF at the requested amplitude, fed back through the filter.
        Some(preset) if precision_lost => Requantizer::Shaped(Box::new(NoiseShaper::new(
            channels,
            bits,
            preset.design(spec.sample_rate as f64)?,
            Dither::new(DitherKind::Tpdf)
                .with_amplitude(options.dither_amplitude)
                .with_seed(options.seed),
        )?)),
        _ => Requantizer::Uniform(UniformQuantizer::new(channels, bits, dither)?),
    };
    let total = reader.frames_remaining().unwrap_or(0);
    let identity = spec.encoding == out_encoding
        && !out_encoding.is_float()
        && bits.is_none_or(|b| b >= out_encoding.bits());

    let report = write_atomically(output, |file| {
        let out_spec = PcmSpec {
            encoding: out_encoding,
            ..spec
        };
        let mut writer: Box<dyn SampleSink> = match format {
            OutputFormat::Pcm(_) => create_output(file, output, out_spec)?,
            OutputFormat::Codec(codec) => {
                let channels = out_spec.channels as usize;
                let encoder: Box<dyn crate::codecs::Encoder> = match codec {
                    CodecId::MuLaw | CodecId::ALaw => {
                        let law = if codec == CodecId::MuLaw {
                            g711::Law::MuLaw
                        } else {
                            g711::Law::ALaw
                        };
                        Box::new(g711::G711Encoder::new(law, options.g711_rule, channels)?)
                    }
                    other => crate::codecs::new_encoder(other, channels)?,
                };
                match crate::codecs::block::block_encoder(codec, channels)? {
                    // Block codecs: many whole blocks at once, in parallel.
                    Some(block_encoder) => Box::new(CodecSink::with_block_encoder(
                        file,
                        output,
                        Container::of(output),
                        codec,
                        out_spec,
                        block_encoder,
                    )?),
                    None => Box::new(CodecSink::with_encoder(
                        file,
                        output,
                        Container::of(output),
                        codec,
                        out_spec,
                        encoder,
                    )?),
                }
            }
        };
        let mut outbuf = SampleBuf::new(out_encoding);
        let mut done = 0u64;
        let block = block_frames(spec.channels as usize);
        // One block read: quantized (unless it is already on the output grid) and written.
        let mut take = |inbuf: &SampleBuf, n: usize| -> Result<()> {
            if identity {
                // Same integer encoding at full depth: every sample is on the grid, so the
                // quantizer would return its input unchanged.
                writer.write(inbuf)?;
            } else {
                outbuf.reset_to(out_encoding, inbuf.len());
                quantizer.process(inbuf, &mut outbuf)?;
                writer.write(&outbuf)?;
            }
            done += n as u64;
            progress(done, total);
            Ok(())
        };
        if options.read_ahead {
            // Reading (file I/O, decoding) runs one block ahead on its own thread, so it
            // overlaps the quantizer and the writer; the buffers go round between the threads.
            std::thread::scope(|scope| -> Result<()> {
                let (full_tx, full_rx) =
                    std::sync::mpsc::sync_channel::<Result<(SampleBuf, usize)>>(1);
                let (empty_tx, empty_rx) = std::sync::mpsc::channel::<SampleBuf>();
                for _ in 0..3 {
                    let _ = empty_tx.send(SampleBuf::new(spec.encoding));
                }
                let reader = &mut reader;
                scope.spawn(move || {
                    // Ends when the stream does, on an error, or when the consumer hangs up.
                    while let Ok(mut buf) = empty_rx.recv() {
                        let item = reader.read_frames(&mut buf, block).map(|n| (buf, n));
                        let last = !matches!(item, Ok((_, n)) if n > 0);
                        if full_tx.send(item).is_err() || last {
                            break;
                        }
                    }
                });
                for item in full_rx.iter() {
                    let (inbuf, n) = item?;
                    if n == 0 {
                        break;
                    }
                    take(&inbuf, n)?;
                    let _ = empty_tx.send(inbuf);
                }
                Ok(())
            })?;
        } else {
            let mut inbuf = SampleBuf::new(spec.encoding);
            loop {
                let n = reader.read_frames(&mut inbuf, block)?;
                if n == 0 {
                    break;
                }
                take(&inbuf, n)?;
            }
        }
        writer.finalize()?;
        Ok(done)
    })?;
    Ok(ConvertReport {
        input: spec,
        frames: report,
        dither: kind,
        stats: quantizer.stats(),
    })
}

/// The output format with the stream-dependent codec parameters filled in (ADPCM block size and
/// effort).
fn resolve_format(options: &ConvertOptions, channels: usize, rate: u32) -> Result<OutputFormat> {
    use crate::codecs::{ima_adpcm, ms_adpcm};
    let effort = options.effort.unwrap_or(1);
    if effort > 9 {
        return Err(Error::invalid(
            "effort",
            format!("{effort} is not in 0..=9"),
        ));
    }
    let align = |default: usize| -> Result<u16> {
        let a = options.block_size.map(usize::from).unwrap_or(default);
        u16::try_from(a)
            .map_err(|_| Error::invalid("block size", format!("{a} bytes is too large")))
    };
    Ok(match options.format {
        OutputFormat::Codec(CodecId::ImaAdpcm { .. }) => OutputFormat::Codec(CodecId::ImaAdpcm {
            block_align: align(ima_adpcm::ImaParams::default_block_align(channels, rate))?,
            effort,
        }),
        OutputFormat::Codec(CodecId::MsAdpcm { .. }) => OutputFormat::Codec(CodecId::MsAdpcm {
            block_align: align(ms_adpcm::MsParams::default_block_align(channels, rate))?,
            effort,
        }),
        other => other,
    })
}

/// Opens any input this build can read as a stream of linear samples.
///
/// Our own readers come first, and their verdict on a file they claim (a PCM or float WAV) is
/// final. A file they do not claim (not RIFF/WAVE, or a WAV of another format tag) goes to the
/// general-purpose decoders (FLAC, MP3, Ogg Vorbis, AIFF, CAF, ADPCM and G.711 WAV).
pub fn open_input(path: &Path) -> Result<Box<dyn SampleSource>> {
    if Container::of(path) == Container::Au {
        return codec_io::open_au(path);
    }
    if !crate::io::looks_like_wav(path) {
        return crate::io::open_general(path);
    }
    let own_error = match WavPcmReader::open(path) {
        Ok(r) => return Ok(Box::new(r)),
        Err(e) => e,
    };
    let Some(fmt) = crate::io::peek_wav_fmt(path) else {
        return Err(own_error);
    };
    // Our bit-exact codec decoders come before the general-purpose ones.
    if codec_io::is_codec_wav_tag(fmt.tag) {
        if let Some(source) = CodecSource::open_wav(path)? {
            return Ok(Box::new(source));
        }
    }
    let claimed = fmt.tag == 0x0001 || fmt.tag == 0x0003;
    if claimed && !matches!(own_error, Error::Unsupported { .. }) {
        return Err(own_error);
    }
    match crate::io::open_general(path) {
        Ok(source) => Ok(source),
        Err(Error::Unsupported { .. }) if claimed => Err(own_error),
        Err(Error::Unsupported { .. }) => Err(Error::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "WAV format tag 0x{:04X} ({}) is not one this build decodes",
                fmt.tag,
                crate::io::format_tag_name(fmt.tag)
            ),
        }),
        Err(general_error) => Err(general_error),
    }
}

/// Creates the writer for `output` (its container chosen by the extension).
pub fn create_output(
    file: std::fs::File,
    output: &Path,
    spec: PcmSpec,
) -> Result<Box<dyn SampleSink>> {
    Ok(match Container::of(output) {
        Container::Wav => Box::new(WavPcmWriter::new(file, output, spec)?),
        c => Box::new(LinearBytesSink::new(file, output, c, spec)?),
    })
}

/// Runs `$q.process` between two sample buffers of any encodings.
macro_rules! process_bufs {
    ($q:expr, $input:expr, $output:expr) => {{
        macro_rules! out {
            ($i:expr) => {
                match $output {
                    SampleBuf::U8(o) => $q.process($i, o.as_mut_slice()),
                    SampleBuf::I16(o) => $q.process($i, o.as_mut_slice()),
                    SampleBuf::I24(o) => $q.process($i, o.as_mut_slice()),
                    SampleBuf::I32(o) => $q.process($i, o.as_mut_slice()),
                    SampleBuf::F32(o) => $q.process($i, o.as_mut_slice()),
                }
            };
        }
        match $input {
            SampleBuf::U8(i) => out!(i.as_slice()),
            SampleBuf::I16(i) => out!(i.as_slice()),
            SampleBuf::I24(i) => out!(i.as_slice() as &[I24]),
            SampleBuf::I32(i) => out!(i.as_slice()),
            SampleBuf::F32(i) => out!(i.as_slice()),
        }
    }};
}

/// Runs a quantizer between two sample buffers of any encodings.
pub fn quantize_buf(
    q: &mut UniformQuantizer,
    input: &SampleBuf,
    output: &mut SampleBuf,
) -> Result<()> {
    process_bufs!(q, input, output)
}

/// Runs a noise shaper between two sample buffers of any encodings.
pub fn shape_buf(q: &mut NoiseShaper, input: &SampleBuf, output: &mut SampleBuf) -> Result<()> {
    process_bufs!(q, input, output)
}

/// The quantizer a conversion runs: plain (with dither) or noise-shaped.
enum Requantizer {
    Uniform(UniformQuantizer),
    Shaped(Box<NoiseShaper>),
}

impl Requantizer {
    fn process(&mut self, input: &SampleBuf, output: &mut SampleBuf) -> Result<()> {
        match self {
            Requantizer::Uniform(q) => quantize_buf(q, input, output),
            Requantizer::Shaped(q) => shape_buf(q, input, output),
        }
    }
    fn stats(&self) -> QuantStats {
        match self {
            Requantizer::Uniform(q) => q.stats(),
            Requantizer::Shaped(q) => q.stats(),
        }
    }
}

/// Refuses an output that is the input file (by path or, when both exist, by identity).
pub fn refuse_same_file(input: &Path, output: &Path) -> Result<()> {
    let same = match (input.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => input == output,
    };
    if same {
        return Err(Error::invalid(
            "output",
            format!(
                "{} is the input file: refusing to overwrite it",
                output.display()
            ),
        ));
    }
    Ok(())
}

/// Runs `write` on a temporary file in `output`'s folder, syncs it, and renames it to `output`.
/// On any error the temporary file is removed and `output` is untouched.
pub fn write_atomically<T>(
    output: &Path,
    write: impl FnOnce(std::fs::File) -> Result<T>,
) -> Result<T> {
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |source| Error::Io {
        path: output.to_path_buf(),
        source,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".aquant-")
        .suffix(".part")
        .tempfile_in(&dir)
        .map_err(io)?;
    let file = tmp.reopen().map_err(io)?;
    let value = write(file)?;
    tmp.as_file().sync_all().map_err(io)?;
    // A temporary file is private (0600); the result should have ordinary permissions, or keep
    // those of the file it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::metadata(output)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        std::fs::set_permissions(tmp.path(), perms).map_err(io)?;
    }
    tmp.persist(output).map_err(|e| io(e.error))?;
    Ok(value)
}

/// A source resampled to another rate (float32 out), for `--rate`.
pub struct ResampledSource {
    inner: Box<dyn SampleSource>,
    resampler: StreamResampler,
    spec: PcmSpec,
    inbuf: SampleBuf,
    floats: Vec<f32>,
    ready: Vec<f32>,
    ready_pos: usize,
    done: bool,
}

impl ResampledSource {
    /// Wraps `inner`, resampling it to `rate`.
    pub fn new(inner: Box<dyn SampleSource>, rate: u32) -> Result<Self> {
        let s = inner.spec();
        Ok(Self {
            resampler: StreamResampler::new(s.sample_rate, rate, s.channels as usize)?,
            spec: PcmSpec {
                channels: s.channels,
                sample_rate: rate,
                encoding: Encoding::F32,
            },
            inbuf: SampleBuf::new(s.encoding),
            floats: Vec::new(),
            ready: Vec::new(),
            ready_pos: 0,
            done: false,
            inner,
        })
    }
}

impl SampleSource for ResampledSource {
    fn spec(&self) -> PcmSpec {
        self.spec
    }

    fn frames_remaining(&self) -> Option<u64> {
        let left = self.inner.frames_remaining()?;
        Some((left as f64 * self.resampler.ratio()).round() as u64)
    }

    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let ch = self.spec.channels as usize;
        while self.ready.len() - self.ready_pos < max_frames * ch && !self.done {
            self.ready.drain(..self.ready_pos);
            self.ready_pos = 0;
            let n = self.inner.read_frames(&mut self.inbuf, block_frames(ch))?;
            if n == 0 {
                self.resampler.finish(&mut self.ready)?;
                self.done = true;
            } else {
                self.floats.clear();
                self.floats
                    .extend(self.inbuf.to_f64_vec().into_iter().map(|x| x as f32));
                self.resampler.process(&self.floats, &mut self.ready)?;
            }
        }
        let frames = max_frames.min((self.ready.len() - self.ready_pos) / ch);
        buf.reset_to(Encoding::F32, 0);
        if let SampleBuf::F32(v) = buf {
            v.extend_from_slice(&self.ready[self.ready_pos..self.ready_pos + frames * ch]);
        }
        self.ready_pos += frames * ch;
        Ok(frames)
    }
}

/// Reads a whole file as interleaved f32 at full scale ±1, resampled to `rate` when given and
/// different. For offline analysis (VAD, `analyze`); it holds the whole file in memory.
pub fn read_all_f32(path: &Path, rate: Option<u32>) -> Result<(PcmSpec, Vec<f32>)> {
    let mut source = open_input(path)?;
    if let Some(rate) = rate {
        if rate != source.spec().sample_rate {
            source = Box::new(ResampledSource::new(source, rate)?);
        }
    }
    let spec = source.spec();
    let mut buf = SampleBuf::new(spec.encoding);
    let mut all = Vec::new();
    while source.read_frames(&mut buf, block_frames(spec.channels as usize))? > 0 {
        all.extend(buf.to_f64_vec().into_iter().map(|x| x as f32));
    }
    Ok((spec, all))
}

/// Averages interleaved channels into one.
pub fn mix_to_mono(interleaved: &[f32], channels: usize) -> Vec<f32> {
    if channels <= 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|f| f.iter().sum::<f32>() / channels as f32)
        .collect()
}
