//! Devices: finding one by name, listing them, and choosing a stream configuration.

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{BufferSize, SampleFormat, StreamConfig, SupportedBufferSize};

use super::PlaybackError;

/// Which way a device is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Playback.
    Output,
    /// Capture.
    Input,
}

/// One device as `aquant devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The id to pass to `--device` (ALSA: the PCM name, such as `default` or `hw:CARD=0,DEV=0`).
    pub id: String,
    /// The human-readable name.
    pub name: String,
    /// Whether it can play.
    pub output: bool,
    /// Whether it can record.
    pub input: bool,
}

/// Every device of the default host (the first entry is the default device).
pub fn list_devices() -> Result<Vec<DeviceInfo>, PlaybackError> {
    let host = cpal::default_host();
    let mut out = Vec::new();
    let describe = |d: &cpal::Device| DeviceInfo {
        id: d.id().map(|i| i.id().to_string()).unwrap_or_default(),
        name: d
            .description()
            .map(|x| x.name().replace('\n', " "))
            .unwrap_or_default(),
        output: d.supports_output(),
        input: d.supports_input(),
    };
    if let Some(d) = host.default_output_device() {
        out.push(describe(&d));
    }
    for d in host.devices()? {
        let info = describe(&d);
        if !out.iter().any(|o| o.id == info.id) {
            out.push(info);
        }
    }
    Ok(out)
}

/// The device named `name` (its id, `host:id`, or its name, case-insensitively), or the
/// default device.
pub fn find_device(
    name: Option<&str>,
    direction: Direction,
) -> Result<cpal::Device, PlaybackError> {
    let host = cpal::default_host();
    let default = || match direction {
        Direction::Output => host.default_output_device(),
        Direction::Input => host.default_input_device(),
    };
    let Some(name) = name.filter(|n| *n != "default") else {
        return default().ok_or_else(|| PlaybackError::Device("no default device".into()));
    };
    let matches = |d: &cpal::Device| {
        let id = d.id().ok();
        id.as_ref()
            .is_some_and(|i| i.id() == name || i.to_string() == name)
            || d.description()
                .is_ok_and(|x| x.name().eq_ignore_ascii_case(name))
    };
    if let Some(d) = host.devices()?.find(matches) {
        return Ok(d);
    }
    // A PCM the hints do not list (ALSA accepts any name its configuration defines).
    if let Ok(id) = format!("{}:{name}", host.id().name()).parse::<cpal::DeviceId>() {
        if let Some(d) = host.device_by_id(&id) {
            return Ok(d);
        }
    }
    Err(PlaybackError::Device(format!(
        "no device named {name:?} (see `aquant devices`)"
    )))
}

/// The sample formats the engine writes, best first.
const FORMATS: [SampleFormat; 10] = [
    SampleFormat::F32,
    SampleFormat::I32,
    SampleFormat::I24,
    SampleFormat::I16,
    SampleFormat::F64,
    SampleFormat::U32,
    SampleFormat::U24,
    SampleFormat::U16,
    SampleFormat::I8,
    SampleFormat::U8,
];

/// A stream configuration the device accepted, and what differs from what was asked.
#[derive(Debug, Clone)]
pub struct StreamChoice {
    /// Channels, rate and buffer size.
    pub config: StreamConfig,
    /// The device's sample format.
    pub format: SampleFormat,
    /// Human-readable notes (resampling, channel mapping).
    pub notes: Vec<String>,
}

/// What the caller wants from a stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamWish {
    /// Channels of the signal.
    pub channels: u16,
    /// Rate of the signal.
    pub rate: u32,
    /// Frames per callback (`None`: the device's default).
    pub buffer_frames: Option<u32>,
    /// Run the device at this rate instead (the signal is then resampled).
    pub device_rate: Option<u32>,
    /// Use this sample format.
    pub format: Option<SampleFormat>,
}

/// Picks the configuration closest to `wish`: its channels and rate when the device has
/// them, otherwise the nearest rate (resampled after the chain) and a channel mapping.
pub fn choose_config(
    device: &cpal::Device,
    direction: Direction,
    wish: StreamWish,
) -> Result<StreamChoice, PlaybackError> {
    let ranges: Vec<cpal::SupportedStreamConfigRange> = match direction {
        Direction::Output => device.supported_output_configs()?.collect(),
        Direction::Input => device.supported_input_configs()?.collect(),
    };
    let usable = |r: &&cpal::SupportedStreamConfigRange| {
        FORMATS.contains(&r.sample_format()) && wish.format.is_none_or(|f| f == r.sample_format())
    };
    let rate = wish.device_rate.unwrap_or(wish.rate);
    let rank = |r: &cpal::SupportedStreamConfigRange| {
        let fmt = FORMATS
            .iter()
            .position(|&f| f == r.sample_format())
            .unwrap_or(99);
        let has_rate = (r.min_sample_rate()..=r.max_sample_rate()).contains(&rate);
        let ch = r.channels();
        let ch_rank = if ch == wish.channels {
            0
        } else if ch == 2 {
            1
        } else {
            2 + (ch as i32 - wish.channels as i32).unsigned_abs()
        };
        (ch_rank, !has_rate, fmt)
    };
    let best = ranges
        .iter()
        .filter(usable)
        .min_by_key(|r| rank(r))
        .ok_or_else(|| {
            PlaybackError::Device(match wish.format {
                Some(f) => format!("the device does not offer sample format {f}"),
                None => "the device offers no sample format aquant can write".into(),
            })
        })?;
    let mut notes = Vec::new();
    let device_rate = if (best.min_sample_rate()..=best.max_sample_rate()).contains(&rate) {
        rate
    } else {
        [48000, 44100, best.max_sample_rate()]
            .into_iter()
            .find(|r| (best.min_sample_rate()..=best.max_sample_rate()).contains(r))
            .unwrap_or(best.max_sample_rate())
    };
    if device_rate != wish.rate {
        notes.push(format!(
            "the device runs at {device_rate} Hz: the chain runs at the signal's {} Hz and its output is resampled",
            wish.rate
        ));
    }
    if best.channels() != wish.channels {
        notes.push(format!(
            "the device has {} channels, the signal {}: channels are mapped",
            best.channels(),
            wish.channels
        ));
    }
    let buffer_size = match wish.buffer_frames {
        None => BufferSize::Default,
        Some(b) => {
            if let SupportedBufferSize::Range { min, max } = best.buffer_size() {
                if !(*min..=*max).contains(&b) {
                    return Err(PlaybackError::Device(format!(
                        "buffer of {b} frames is outside the device's range {min}..={max}"
                    )));
                }
            }
            BufferSize::Fixed(b)
        }
    };
    Ok(StreamChoice {
        config: StreamConfig {
            channels: best.channels(),
            sample_rate: device_rate,
            buffer_size,
        },
        format: best.sample_format(),
        notes,
    })
}
