//! Speech segments from per-chunk probabilities: hysteresis thresholds, a minimum silence to
//! end a segment, a minimum speech length, and padding (the rules of the silero-vad package's
//! `get_speech_timestamps`, reimplemented).

use super::{CHUNK, SAMPLE_RATE};

/// Tuning of [`speech_segments`]; the defaults are the silero-vad package's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentOptions {
    /// A chunk at or above this probability is speech (default 0.5).
    pub threshold: f32,
    /// Speech ends only below this probability (default `threshold − 0.15`, at least 0.01).
    pub negative_threshold: Option<f32>,
    /// Shorter segments are dropped (default 250 ms).
    pub min_speech_ms: u32,
    /// Silence must last this long to end a segment (default 100 ms).
    pub min_silence_ms: u32,
    /// Added before and after each segment, at most half the gap to a neighbour (default 30 ms).
    pub pad_ms: u32,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            threshold: 0.5,
            negative_threshold: None,
            min_speech_ms: 250,
            min_silence_ms: 100,
            pad_ms: 30,
        }
    }
}

/// A speech segment in samples at 16 kHz (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

impl Segment {
    /// Start in seconds.
    pub fn start_seconds(&self) -> f64 {
        self.start as f64 / SAMPLE_RATE as f64
    }
    /// End in seconds.
    pub fn end_seconds(&self) -> f64 {
        self.end as f64 / SAMPLE_RATE as f64
    }
}

fn ms_to_samples(ms: u32) -> usize {
    ms as usize * SAMPLE_RATE as usize / 1000
}

/// Speech segments of a signal of `total_samples` samples whose 512-sample chunks have the
/// given probabilities.
///
/// ```
/// use aquant::models::silero_vad::{speech_segments, SegmentOptions, CHUNK};
/// let mut probs = vec![0.0f32; 40];
/// probs[10..30].fill(0.9);
/// let segs = speech_segments(&probs, 40 * CHUNK, &SegmentOptions::default());
/// assert_eq!(segs.len(), 1);
/// assert_eq!(segs[0].start, 10 * CHUNK - 480); // 30 ms of padding
/// ```
pub fn speech_segments(probs: &[f32], total_samples: usize, opts: &SegmentOptions) -> Vec<Segment> {
    let threshold = opts.threshold;
    let negative = opts
        .negative_threshold
        .unwrap_or((threshold - 0.15).max(0.01));
    let min_speech = ms_to_samples(opts.min_speech_ms);
    let min_silence = ms_to_samples(opts.min_silence_ms);
    let pad = ms_to_samples(opts.pad_ms);

    let mut segments = Vec::new();
    let mut start: Option<usize> = None;
    let mut silence_from: Option<usize> = None;
    for (i, &p) in probs.iter().enumerate() {
        let at = i * CHUNK;
        if p >= threshold {
            silence_from = None;
            if start.is_none() {
                start = Some(at);
            }
        } else if p < negative || p.is_nan() {
            if let Some(s) = start {
                let quiet = *silence_from.get_or_insert(at);
                if at + CHUNK - quiet >= min_silence {
                    if quiet - s >= min_speech {
                        segments.push(Segment {
                            start: s,
                            end: quiet,
                        });
                    }
                    start = None;
                    silence_from = None;
                }
            }
        }
    }
    if let Some(s) = start {
        let end = total_samples.max(s);
        if end - s >= min_speech {
            segments.push(Segment { start: s, end });
        }
    }
    // Padding, at most half of each gap.
    let n = segments.len();
    for i in 0..n {
        let lo = if i == 0 {
            0
        } else {
            let gap = segments[i].start - segments[i - 1].end;
            segments[i].start - gap / 2
        };
        let hi = if i + 1 == n {
            total_samples
        } else {
            let gap = segments[i + 1].start - segments[i].end;
            segments[i].end + gap / 2
        };
        segments[i].start = segments[i].start.saturating_sub(pad).max(lo);
        segments[i].end = (segments[i].end + pad).min(hi.max(segments[i].end));
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bursts_and_short_gaps() {
        let opts = SegmentOptions {
            pad_ms: 0,
            ..Default::default()
        };
        // 3 chunks = 96 ms of speech: shorter than 250 ms, dropped.
        let mut p = vec![0.0f32; 50];
        p[5..8].fill(0.9);
        assert!(speech_segments(&p, 50 * CHUNK, &opts).is_empty());
        // Two bursts with a 2-chunk (64 ms) gap: merged, the gap is under 100 ms.
        let mut p = vec![0.0f32; 50];
        p[5..15].fill(0.9);
        p[17..27].fill(0.9);
        let s = speech_segments(&p, 50 * CHUNK, &opts);
        assert_eq!(
            s,
            [Segment {
                start: 5 * CHUNK,
                end: 27 * CHUNK
            }]
        );
        // Hysteresis: 0.4 is neither speech nor silence, so speech continues through it.
        let mut p = vec![0.0f32; 50];
        p[5..15].fill(0.9);
        p[15..30].fill(0.4);
        let s = speech_segments(&p, 50 * CHUNK, &opts);
        assert_eq!(
            s,
            [Segment {
                start: 5 * CHUNK,
                end: 30 * CHUNK
            }]
        );
    }

    #[test]
    fn speech_to_the_end_and_padding_limits() {
        let mut p = vec![0.0f32; 20];
        p[1..].fill(0.9);
        let s = speech_segments(&p, 20 * CHUNK - 100, &SegmentOptions::default());
        assert_eq!(
            s,
            [Segment {
                start: 32,
                end: 20 * CHUNK - 100
            }]
        );
        assert!(speech_segments(&[], 0, &SegmentOptions::default()).is_empty());
    }
}
