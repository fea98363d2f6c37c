//! Every common input our own readers do not take (FLAC, MP3, Ogg Vorbis, AIFF, CAF, and WAV
//! variants such as ADPCM), read through symphonia and presented as a [`SampleSource`].
//!
//! symphonia stays private to this module: the rest of the crate sees a `Box<dyn SampleSource>`
//! and our own [`Error`] values.
//!
//! Policy: a packet that fails to decode is an error for the whole file (a batch reports it),
//! not silently skipped: a converted corpus must not hide damaged sources. Memory is bounded by
//! one decoded packet plus the block the caller asks for; nothing is sized from header fields
//! (the declared length is only used to report progress).

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::{Encoding, PcmSpec, SampleBuf, SampleSource};
use crate::sample::I24;
use crate::{Error, Result};

/// Channel counts above this are refused: no real recording has them, and buffers scale with
/// the count.
const MAX_CHANNELS: usize = 1024;

/// Decoded samples of one packet, held at full scale: integers as i32 (symphonia scales every
/// integer format to the full i32 range), floats as f32.
enum Pending {
    Int(Vec<i32>),
    Float(Vec<f32>),
}

impl Pending {
    fn len(&self) -> usize {
        match self {
            Pending::Int(v) => v.len(),
            Pending::Float(v) => v.len(),
        }
    }
}

/// A [`SampleSource`] over a symphonia format reader and decoder.
pub(crate) struct SymphoniaSource {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    spec: PcmSpec,
    /// What the container says, for progress only.
    declared_frames: Option<u64>,
    frames_read: u64,
    pending: Pending,
    pending_pos: usize,
    finished: bool,
    /// Set once the first packet fixed the layout; later packets must match it.
    layout_known: bool,
    /// "flac", "mp3", ...: names the codec in errors.
    codec_name: &'static str,
}

/// Opens `path` through symphonia (probing the container by content, with the extension as a
/// hint).
pub(crate) fn open(path: &Path) -> Result<Box<dyn SampleSource>> {
    Ok(Box::new(SymphoniaSource::open(path)?))
}

impl SymphoniaSource {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if file.metadata().map(|m| m.len()).unwrap_or(1) == 0 {
            return Err(malformed(path, "header", "file is empty"));
        }
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let probed = guard(path, "header", || {
            symphonia::default::get_probe().probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
        })?;
        let format = probed.map_err(|e| match e {
            SymError::Unsupported(_) => Error::Unsupported {
                path: path.to_path_buf(),
                what: "not a format this build reads (WAV, AU, FLAC, MP3, Ogg Vorbis, AIFF, CAF)"
                    .into(),
            },
            other => convert_error(path, "header", other),
        })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| Error::Unsupported {
                path: path.to_path_buf(),
                what: "the file holds no audio track".into(),
            })?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| Error::Unsupported {
                path: path.to_path_buf(),
                what: "the audio track's codec is not known".into(),
            })?
            .clone();
        let track_id = track.id;
        let declared_frames = track.num_frames;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| convert_error(path, "codec", e))?;
        let codec_name = decoder.codec_info().short_name;

        let mut source = Self {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            // Provisional: fixed from the first decoded packet below.
            spec: PcmSpec {
                channels: 1,
                sample_rate: 1,
                encoding: Encoding::F32,
            },
            declared_frames,
            frames_read: 0,
            pending: Pending::Float(Vec::new()),
            pending_pos: 0,
            finished: false,
            layout_known: false,
            codec_name,
        };
        // The first packet tells the real layout (some containers leave it to the codec).
        let first = source.decode_next_packet()?;
        let (channels, rate, is_float, native_bits) = match first {
            Some(layout) => layout,
            None => {
                let channels = params.channels.as_ref().map_or(0, |c| c.count());
                let rate = params.sample_rate.unwrap_or(0);
                (channels, rate, params.bits_per_sample.is_none(), 32)
            }
        };
        if channels == 0 {
            return Err(malformed(path, "header", "channel count is 0"));
        }
        if channels > MAX_CHANNELS {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                what: format!("{channels} channels (at most {MAX_CHANNELS} are supported)"),
            });
        }
        if rate == 0 {
            return Err(malformed(path, "header", "sample rate is 0"));
        }
        // ADPCM decoders fill 32-bit buffers with 16-bit samples and leave the depth unset.
        let codec_bits = if codec_name.starts_with("adpcm") {
            Some(16)
        } else {
            source.decoder.codec_params().bits_per_sample
        };
        let bits = codec_bits
            .or(params.bits_per_sample)
            .unwrap_or(native_bits)
            .min(native_bits);
        let encoding = if is_float {
            Encoding::F32
        } else {
            match bits {
                0..=8 => Encoding::U8,
                9..=16 => Encoding::I16,
                17..=24 => Encoding::I24,
                _ => Encoding::I32,
            }
        };
        source.spec = PcmSpec {
            channels: channels as u16,
            sample_rate: rate,
            encoding,
        };
        source.layout_known = true;
        Ok(source)
    }

    /// Decodes the next packet of our track into `pending`. Returns its layout (channels, rate,
    /// float?, native bits), or `None` at the end of the stream.
    fn decode_next_packet(&mut self) -> Result<Option<(usize, u32, bool, u32)>> {
        loop {
            if self.finished {
                return Ok(None);
            }
            let format = &mut self.format;
            let next = guard(&self.path, "container", || format.next_packet());
            let packet = match next.inspect_err(|_| self.finished = true)? {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.finished = true;
                    // A stream that ends short of the length its header declares was cut:
                    // say so rather than write a silently shortened output.
                    if let Some(declared) = self.declared_frames {
                        if self.frames_read + self.pending_frames() < declared {
                            return Err(malformed(
                                &self.path,
                                &format!("{} stream", self.codec_name),
                                format!(
                                    "file ends after {} of the {declared} frames its header declares (truncated?)",
                                    self.frames_read + self.pending_frames()
                                ),
                            ));
                        }
                    }
                    return Ok(None);
                }
                Err(SymError::ResetRequired) => {
                    return Err(Error::Unsupported {
                        path: self.path.clone(),
                        what: "the stream changes its track layout midway (chained streams)".into(),
                    })
                }
                Err(e) => return Err(convert_error(&self.path, "container", e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let chunk = format!("{} packet", self.codec_name);
            let decoder = &mut self.decoder;
            let decoded = match guard(&self.path, &chunk, move || decoder.decode(&packet)) {
                Ok(Ok(d)) => d,
                Ok(Err(e)) => return Err(convert_error(&self.path, &chunk, e)),
                Err(e) => {
                    self.finished = true;
                    return Err(e);
                }
            };
            let channels = decoded.spec().channels().count();
            let rate = decoded.spec().rate();
            let (is_float, native_bits) = match &decoded {
                GenericAudioBufferRef::F32(_) | GenericAudioBufferRef::F64(_) => (true, 32),
                GenericAudioBufferRef::U8(_) | GenericAudioBufferRef::S8(_) => (false, 8),
                GenericAudioBufferRef::U16(_) | GenericAudioBufferRef::S16(_) => (false, 16),
                GenericAudioBufferRef::U24(_) | GenericAudioBufferRef::S24(_) => (false, 24),
                GenericAudioBufferRef::U32(_) | GenericAudioBufferRef::S32(_) => (false, 32),
            };
            let layout_changed =
                channels != self.spec.channels as usize || rate != self.spec.sample_rate;
            if self.layout_known && layout_changed {
                return Err(malformed(
                    &self.path,
                    &format!("{} packet", self.codec_name),
                    format!(
                        "layout changes midway from {} ch at {} Hz to {channels} ch at {rate} Hz",
                        self.spec.channels, self.spec.sample_rate
                    ),
                ));
            }
            if channels == 0 || channels > MAX_CHANNELS {
                // Checked by the caller for the first packet; never copy such a buffer.
                return Ok(Some((channels, rate, is_float, native_bits)));
            }
            if is_float {
                let mut v = match std::mem::replace(&mut self.pending, Pending::Int(Vec::new())) {
                    Pending::Float(v) => v,
                    Pending::Int(_) => Vec::new(),
                };
                decoded.copy_to_vec_interleaved(&mut v);
                self.pending = Pending::Float(v);
            } else {
                let mut v = match std::mem::replace(&mut self.pending, Pending::Float(Vec::new())) {
                    Pending::Int(v) => v,
                    Pending::Float(_) => Vec::new(),
                };
                decoded.copy_to_vec_interleaved(&mut v);
                self.pending = Pending::Int(v);
            }
            self.pending_pos = 0;
            return Ok(Some((channels, rate, is_float, native_bits)));
        }
    }
}

impl SymphoniaSource {
    /// Frames decoded but not yet handed out.
    fn pending_frames(&self) -> u64 {
        ((self.pending.len() - self.pending_pos.min(self.pending.len()))
            / (self.spec.channels as usize).max(1)) as u64
    }
}

impl SampleSource for SymphoniaSource {
    fn spec(&self) -> PcmSpec {
        self.spec
    }

    fn frames_remaining(&self) -> Option<u64> {
        self.declared_frames
            .map(|n| n.saturating_sub(self.frames_read))
    }

    fn read_frames(&mut self, buf: &mut SampleBuf, max_frames: usize) -> Result<usize> {
        let channels = self.spec.channels as usize;
        let want = max_frames.saturating_mul(channels);
        buf.reset_to(self.spec.encoding, 0);
        let mut got = 0;
        while got < want {
            if self.pending_pos >= self.pending.len() {
                if self.decode_next_packet()?.is_none() {
                    break;
                }
                continue;
            }
            let take = (want - got).min(self.pending.len() - self.pending_pos);
            let range = self.pending_pos..self.pending_pos + take;
            append_converted(buf, &self.pending, range);
            self.pending_pos += take;
            self.frames_read += (take / channels) as u64;
            got += take;
        }
        Ok(got / channels)
    }
}

/// Appends `pending[range]` to `buf` in `buf`'s encoding. Integers arrive at full i32 scale,
/// so narrowing is an exact shift when the source has no more bits than the target.
fn append_converted(buf: &mut SampleBuf, pending: &Pending, range: std::ops::Range<usize>) {
    match (buf, pending) {
        (SampleBuf::F32(out), Pending::Float(v)) => out.extend_from_slice(&v[range]),
        (SampleBuf::U8(out), Pending::Int(v)) => {
            out.extend(v[range].iter().map(|&s| ((s >> 24) + 128) as u8))
        }
        (SampleBuf::I16(out), Pending::Int(v)) => {
            out.extend(v[range].iter().map(|&s| (s >> 16) as i16))
        }
        (SampleBuf::I24(out), Pending::Int(v)) => {
            out.extend(v[range].iter().map(|&s| I24::new_unchecked(s >> 8)))
        }
        (SampleBuf::I32(out), Pending::Int(v)) => out.extend_from_slice(&v[range]),
        // A stream whose packets switch between integer and float output: convert at full
        // scale rather than fail.
        (SampleBuf::F32(out), Pending::Int(v)) => {
            out.extend(v[range].iter().map(|&s| (s as f64 / 2147483648.0) as f32))
        }
        (out, Pending::Float(v)) => {
            let ints: Vec<i32> = v[range]
                .iter()
                .map(|&s| (s.clamp(-1.0, 1.0) as f64 * 2147483647.0) as i32)
                .collect();
            let n = ints.len();
            append_converted(out, &Pending::Int(ints), 0..n)
        }
    }
}

/// Runs a symphonia call, turning a panic (some of its decoders overflow on hostile data in
/// debug builds) into an error for this file instead of a crash of the whole batch.
fn guard<T>(path: &Path, chunk: &str, call: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        malformed(
            path,
            chunk,
            format!("the decoder failed on this data ({why})"),
        )
    })
}

fn malformed(path: &Path, chunk: &str, what: impl Into<String>) -> Error {
    Error::Malformed {
        path: path.to_path_buf(),
        chunk: chunk.into(),
        what: what.into(),
    }
}

fn convert_error(path: &Path, chunk: &str, e: SymError) -> Error {
    match e {
        SymError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            let what = if chunk == "header" {
                "file ends before the data its header declares (truncated?)"
            } else {
                "file ends inside a packet (truncated?)"
            };
            malformed(path, chunk, what)
        }
        SymError::IoError(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        SymError::Unsupported(what) => Error::Unsupported {
            path: path.to_path_buf(),
            what: what.into(),
        },
        SymError::DecodeError(what) => malformed(path, chunk, what),
        SymError::LimitError(what) => malformed(path, chunk, format!("limit reached: {what}")),
        other => malformed(path, chunk, other.to_string()),
    }
}
