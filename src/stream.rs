//! The streaming shapes every processor in aquant takes.
//!
//! Two shapes cover everything:
//!
//! * [`Processor`]: one output sample per input sample (quantizers, dither, noise shaping, G.711
//!   as a sample map). `process(input, output)` takes equal-length interleaved buffers.
//! * [`Stream`]: input and output rates differ (block encoders and decoders, framed neural
//!   models). It takes the shape of zlib's streaming API as flate2 has it:
//!   `(input, output, flush) -> (consumed, produced)`. The caller owns every buffer; the stream
//!   holds at most one partial block internally, in storage sized at construction.
//!
//! Both shapes share the rules that make them safe in a real-time callback and in batch jobs:
//!
//! 1. **Interleaved buffers**: sample `i` of a buffer belongs to channel `(phase + i) % channels`,
//!    where `phase` continues from the previous call. A chunk need not hold whole frames.
//! 2. **Streaming invariance**: any split of the input into calls gives bit-identical output to
//!    one call on the whole.
//! 3. **No allocation, lock or panic after construction**: bad buffer shapes are an `Err`.
//! 4. **`reset()`** returns the processor to its freshly constructed state.

use crate::Result;

/// Whether more input will follow this call (zlib's `Z_NO_FLUSH` / `Z_FINISH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flush {
    /// More input may follow: a stream keeps a partial block for the next call.
    #[default]
    None,
    /// This is the end of the input: a stream emits its final (padded or partial) block.
    Finish,
}

/// What one call of [`Stream::process_stream`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Input elements taken from the front of `input`.
    pub consumed: usize,
    /// Output elements written to the front of `output`.
    pub produced: usize,
    /// With [`Flush::Finish`]: all input is consumed and every pending output element written.
    /// Further calls produce nothing until [`Stream::reset`].
    pub finished: bool,
}

/// A processor with one output sample per input sample.
pub trait Processor<I, O> {
    /// Interleaved channel count.
    fn channels(&self) -> usize;
    /// Processes `input` into `output`; both must have the same length (any length, including
    /// zero and partial frames), otherwise [`crate::Error::LengthMismatch`] is returned and
    /// nothing is processed.
    fn process(&mut self, input: &[I], output: &mut [O]) -> Result<()>;
    /// Returns to the state right after construction.
    fn reset(&mut self);
}

/// A stream whose input and output rates differ (zlib's shape).
///
/// Call it in a loop: each call consumes what it can of `input` and fills what it can of
/// `output`. When `output` is full it stops consuming. With [`Flush::Finish`] keep calling
/// (with the unconsumed rest of the input) until [`Progress::finished`].
///
/// ```
/// use aquant::stream::{drive_stream, Flush, Progress, Stream};
///
/// /// Sums pairs of samples: a toy stream with a 2:1 rate change.
/// struct PairSum { pending: Option<i32> }
/// impl Stream for PairSum {
///     type In = i32;
///     type Out = i32;
///     fn process_stream(&mut self, input: &[i32], output: &mut [i32], flush: Flush)
///         -> aquant::Result<Progress> {
///         let (mut consumed, mut produced) = (0, 0);
///         while consumed < input.len() && produced < output.len() {
///             match self.pending.take() {
///                 None => self.pending = Some(input[consumed]),
///                 Some(a) => { output[produced] = a + input[consumed]; produced += 1; }
///             }
///             consumed += 1;
///         }
///         let mut finished = false;
///         if flush == Flush::Finish && consumed == input.len() {
///             if let Some(a) = self.pending {
///                 if produced < output.len() { output[produced] = a; produced += 1; self.pending = None; }
///             }
///             finished = self.pending.is_none();
///         }
///         Ok(Progress { consumed, produced, finished })
///     }
///     fn reset(&mut self) { self.pending = None; }
/// }
///
/// let mut out = Vec::new();
/// drive_stream(&mut PairSum { pending: None }, &[1, 2, 3, 4, 5], &mut [0; 2], &mut out).unwrap();
/// assert_eq!(out, [3, 7, 5]);
/// ```
pub trait Stream {
    /// Input element type (samples for encoders, bytes for decoders).
    type In;
    /// Output element type.
    type Out;
    /// Consumes from `input`, produces into `output`; see the trait docs.
    fn process_stream(
        &mut self,
        input: &[Self::In],
        output: &mut [Self::Out],
        flush: Flush,
    ) -> Result<Progress>;
    /// Returns to the state right after construction.
    fn reset(&mut self);
}

/// Runs a whole input through a stream with [`Flush::Finish`], using `scratch` as the output
/// buffer and appending everything produced to `out`. A convenience for tests and offline use
/// (it allocates in `out`); real-time code calls `process_stream` itself.
pub fn drive_stream<S: Stream + ?Sized>(
    stream: &mut S,
    input: &[S::In],
    scratch: &mut [S::Out],
    out: &mut Vec<S::Out>,
) -> Result<()>
where
    S::Out: Clone,
{
    let mut rest = input;
    loop {
        let p = stream.process_stream(rest, scratch, Flush::Finish)?;
        out.extend_from_slice(&scratch[..p.produced]);
        rest = &rest[p.consumed..];
        if p.finished {
            return Ok(());
        }
        if p.consumed == 0 && p.produced == 0 {
            return Err(crate::Error::invalid(
                "scratch",
                "stream made no progress: the output buffer is too small for one block",
            ));
        }
    }
}

/// Tracks which channel the next interleaved sample belongs to, across calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPhase {
    channels: usize,
    /// Channel of the next sample.
    pub channel: usize,
    /// Frame index of the next sample (wraps at 2^32).
    pub frame: u32,
}

impl ChannelPhase {
    /// Phase at the start of a stream with `channels` channels (must be ≥ 1).
    pub fn new(channels: usize) -> Self {
        Self {
            channels: channels.max(1),
            channel: 0,
            frame: 0,
        }
    }
    /// Interleaved channel count.
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// Moves past `n` samples.
    #[inline]
    pub fn advance(&mut self, n: usize) {
        let pos = self.channel + n;
        self.frame = self.frame.wrapping_add((pos / self.channels) as u32);
        self.channel = pos % self.channels;
    }
}
