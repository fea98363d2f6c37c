//! The crate's error type: one enum, each variant saying precisely what went wrong.

use std::path::PathBuf;

/// Everything that can go wrong in aquant.
///
/// Processing errors (wrong buffer shapes, bad parameters) are returned before any sample is
/// touched. File errors name the file and, where it applies, the chunk and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter given at construction is outside its legal range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name, as in the API.
        name: &'static str,
        /// What the legal range is.
        reason: String,
    },
    /// Input and output buffers of a same-rate processor differ in length.
    #[error("buffer length mismatch: input has {input} samples, output has {output}")]
    LengthMismatch {
        /// Samples in the input buffer.
        input: usize,
        /// Samples in the output buffer.
        output: usize,
    },
    /// The quantizer's target depth does not fit the output sample type given to `process`.
    #[error("a {bits}-bit depth does not fit {container} output samples (at most {max} bits)")]
    DepthExceedsContainer {
        /// The configured depth.
        bits: u32,
        /// The output sample type.
        container: &'static str,
        /// The most this container can hold exactly.
        max: u32,
    },
    /// An input value is outside the domain a function accepts (for example |x| > 1 for a
    /// mu-law compressor that, like librosa's, refuses out-of-range input).
    #[error("input value {value} at index {index} is out of range: {expected}")]
    OutOfRange {
        /// Index of the first offending sample.
        index: usize,
        /// The offending value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// The file's format is one this build cannot read or write.
    #[error("{path}: unsupported format: {what}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What the format is, and what we support instead.
        what: String,
    },
    /// A file's header or data is malformed.
    #[error("{path}: malformed {chunk}: {what}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The chunk or header field at fault (`fmt `, `data`, `au header`, ...).
        chunk: String,
        /// What was found, and what was expected.
        what: String,
    },
    /// Corrupt codec data in a stream (not a file): the decoder says what it found.
    #[error("corrupt {codec} data: {what}")]
    Corrupt {
        /// The codec.
        codec: &'static str,
        /// What was wrong.
        what: String,
    },
    /// An I/O error, with the file it happened on.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
