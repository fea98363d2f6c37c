//! Post-training quantization: symmetric int8 weights with one scale per output row, the
//! quantization SQNR, and (for [`quantize_safetensors`]) 4/8-bit weights per tensor, per row
//! or per group of N.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensors};

use crate::nn::tensor::{TensorData, TensorFile};
use crate::{Error, Result};

/// Int8 values with one scale per row: element `(r, c)` ≈ `q[r·cols + c] · scales[r]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RowQuantized {
    /// Row-major values in -127..=127.
    pub q: Vec<i8>,
    /// One scale per row (0 for an all-zero row).
    pub scales: Vec<f32>,
}

impl RowQuantized {
    /// The dequantized matrix, row-major.
    pub fn dequantize(&self, cols: usize) -> Vec<f32> {
        self.q
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f32 * self.scales[i / cols.max(1)])
            .collect()
    }
}

/// Quantizes a row-major `rows × cols` matrix to int8, symmetric, one scale per row, values
/// in -127..=127. The scale is `c · max |w| / 127` with the clip factor `c` in 0.5..=1 (steps
/// of 0.025) that gives the least squared error. Non-finite weights become 0.
///
/// ```
/// use aquant::nn::quantize::quantize_rows;
/// let w = [1.0, -0.5, 0.25, 0.0, 0.0, 0.0];
/// let q = quantize_rows(&w, 2, 3);
/// assert_eq!(q.q, [127, -64, 32, 0, 0, 0]);
/// assert_eq!(q.scales[1], 0.0);
/// ```
pub fn quantize_rows(values: &[f32], rows: usize, cols: usize) -> RowQuantized {
    assert_eq!(values.len(), rows * cols, "matrix size");
    let mut q = vec![0i8; values.len()];
    let mut scales = vec![0.0f32; rows];
    for r in 0..rows {
        let row = &values[r * cols..(r + 1) * cols];
        let max = row
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f32, |m, v| m.max(v.abs()));
        if max == 0.0 {
            continue;
        }
        // Clipping the few largest weights can lower the total error (finer steps for all the
        // others): try clip levels from 100 % down to 50 % of the maximum, keep the best.
        let error = |scale: f32| -> f64 {
            row.iter()
                .filter(|v| v.is_finite())
                .map(|&v| {
                    let d = v - (v / scale).round().clamp(-127.0, 127.0) * scale;
                    (d as f64) * (d as f64)
                })
                .sum()
        };
        let mut scale = max / 127.0;
        let mut best = error(scale);
        for step in 1..=20 {
            let candidate = max * (1.0 - step as f32 * 0.025) / 127.0;
            let e = error(candidate);
            if e < best {
                best = e;
                scale = candidate;
            }
        }
        scales[r] = scale;
        let qrow = &mut q[r * cols..(r + 1) * cols];
        for (dst, &v) in qrow.iter_mut().zip(row) {
            let v = if v.is_finite() { v } else { 0.0 };
            *dst = (v / scale).round().clamp(-127.0, 127.0) as i8;
        }
    }
    RowQuantized { q, scales }
}

/// Signal-to-quantization-noise ratio in dB: `10·log10(Σ ref² / Σ (ref − approx)²)`
/// (infinite when exact).
pub fn sqnr_db(reference: &[f32], approx: &[f32]) -> f64 {
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&r, &a) in reference.iter().zip(approx) {
        signal += (r as f64).powi(2);
        noise += (r as f64 - a as f64).powi(2);
    }
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal / noise).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_bit_sqnr_is_near_theory() {
        // Uniform weights in [-1, 1]: step 2/254 gives noise step²/12 against power 1/3, about
        // 6.02·8 − 0.07 ≈ 48 dB.
        let w: Vec<f32> = (0..64 * 64)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let q = quantize_rows(&w, 64, 64);
        let s = sqnr_db(&w, &q.dequantize(64));
        assert!((s - 48.0).abs() < 1.0, "{s}");
    }

    #[test]
    fn sqnr_first_principles() {
        assert_eq!(sqnr_db(&[1.0, 1.0], &[1.0, 1.0]), f64::INFINITY);
        // Noise power 1/100 of the signal: 20 dB.
        let s = sqnr_db(&[1.0], &[0.9]);
        assert!((s - 20.0).abs() < 1e-5, "{s}");
    }

    fn file(tensors: &[(&str, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
        let bytes: Vec<Vec<u8>> = tensors
            .iter()
            .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
            .collect();
        let views: Vec<_> = tensors
            .iter()
            .zip(&bytes)
            .map(|((n, s, _), b)| {
                (
                    n.to_string(),
                    safetensors::tensor::TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
                )
            })
            .collect();
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn quantized_files_round_trip_at_every_setting() {
        let w: Vec<f32> = (0..48 * 40)
            .map(|i| ((i * 7919 % 2001) as f32 / 1000.0 - 1.0) * (1 + i / 400) as f32)
            .collect();
        let bias = vec![0.5f32; 48];
        let input = file(&[
            ("w", vec![48, 8, 5], w.clone()),
            ("b", vec![48], bias.clone()),
        ]);
        for bits in [8u8, 4] {
            for granularity in [
                Granularity::Tensor,
                Granularity::Row,
                Granularity::Group(16),
                Granularity::Group(7),
            ] {
                let opts = QuantizeOptions {
                    bits,
                    granularity,
                    ..Default::default()
                };
                let (bytes, report) = quantize_safetensors(&input, &opts).unwrap();
                let back = dequantize_safetensors(&bytes).unwrap();
                assert_eq!(back.f32("b", &[48]).unwrap(), &bias[..]);
                let wq = back.f32("w", &[48, 8, 5]).unwrap();
                let sqnr = sqnr_db(&w, wq);
                let line = report.iter().find(|r| r.name == "w").unwrap();
                assert!((line.sqnr_db.unwrap() - sqnr).abs() < 1e-9);
                // About 6 dB per bit, less the crest factor; finer scales only help.
                let floor = if bits == 8 { 35.0 } else { 12.0 };
                assert!(sqnr > floor, "{bits} bits {granularity:?}: {sqnr}");
                assert!(line.bytes_after < line.bytes_before * bits as usize / 32 + 48 * 8 * 4);
                assert_eq!(report.iter().find(|r| r.name == "b").unwrap().sqnr_db, None);
            }
        }
        assert!(quantize_safetensors(
            &input,
            &QuantizeOptions {
                bits: 3,
                ..Default::default()
            }
        )
        .is_err());
        assert!(Granularity::parse("group:0").is_err());
        assert_eq!(
            Granularity::parse("group:32").unwrap(),
            Granularity::Group(32)
        );
    }

    #[test]
    fn non_finite_weights_become_zero() {
        let q = quantize_rows(&[f32::NAN, 1.0, f32::INFINITY, -2.0], 2, 2);
        assert_eq!(q.q, [0, 127, 0, -127]);
    }
}

// ---------------------------------------------------------------------------------------------
// Whole-file quantization (`aquant nn quantize`).

/// Which values share one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One scale for the whole tensor.
    Tensor,
    /// One scale per row (the first dimension; columns are all the others).
    Row,
    /// One scale per group of N consecutive values of a row.
    Group(usize),
}

impl Granularity {
    /// Parses `tensor`, `row` or `group:N`.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "tensor" => Ok(Granularity::Tensor),
            "row" => Ok(Granularity::Row),
            g => match g.strip_prefix("group:").map(str::parse::<usize>) {
                Some(Ok(n)) if n > 0 => Ok(Granularity::Group(n)),
                _ => Err(Error::invalid(
                    "granularity",
                    format!("{s:?}: expected tensor, row or group:N with N > 0"),
                )),
            },
        }
    }

    fn name(self) -> String {
        match self {
            Granularity::Tensor => "tensor".into(),
            Granularity::Row => "row".into(),
            Granularity::Group(n) => format!("group:{n}"),
        }
    }
}

/// Options of [`quantize_safetensors`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantizeOptions {
    /// 8 (values -127..=127, dtype I8) or 4 (values -7..=7, two per byte, dtype U8).
    pub bits: u8,
    /// Which values share a scale.
    pub granularity: Granularity,
    /// Tensors with fewer dimensions or elements stay as they are (biases, norms).
    pub min_dims: usize,
    /// See `min_dims`.
    pub min_elements: usize,
    /// Tensors whose name contains any of these strings stay as they are.
    pub keep: Vec<String>,
}

impl Default for QuantizeOptions {
    fn default() -> Self {
        QuantizeOptions {
            bits: 8,
            granularity: Granularity::Row,
            min_dims: 2,
            min_elements: 256,
            keep: Vec::new(),
        }
    }
}

/// One line of the quantization report.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorReport {
    /// Tensor name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Stored dtype in the input file.
    pub dtype: String,
    /// Data bytes in the input file.
    pub bytes_before: usize,
    /// Data bytes in the output file (values and scales).
    pub bytes_after: usize,
    /// SQNR of the dequantized values against the input in dB; `None` if kept as it was.
    pub sqnr_db: Option<f64>,
}

/// Quantizes every float matrix of a safetensors file.
///
/// Each quantized tensor `name` is written as `name` (I8 values, or U8 bytes holding two 4-bit
/// values, low nibble first, in row-major order) plus `name.scale` (F32: `[1]` per tensor,
/// `[rows]` per row, `[rows, ceil(cols / N)]` per group), with the metadata entry
/// `aquant.q.<name>` = `bits=B;granularity=G;shape=AxB...;dtype=D`. A value is
/// `q · scale`. Other tensors are copied unchanged. Returns the new file's bytes and one
/// report line per tensor ([`format_report`] prints them).
///
/// ```
/// use aquant::nn::quantize::{quantize_safetensors, Granularity, QuantizeOptions};
/// use safetensors::{serialize, tensor::TensorView, Dtype};
/// let w: Vec<u8> = (0..64 * 32).flat_map(|i| ((i % 13) as f32 - 6.0).to_le_bytes()).collect();
/// let input = serialize([("w", TensorView::new(Dtype::F32, vec![64, 32], &w).unwrap())], None).unwrap();
/// let opts = QuantizeOptions { bits: 4, granularity: Granularity::Group(16), ..Default::default() };
/// let (out, report) = quantize_safetensors(&input, &opts).unwrap();
/// // 4-bit values (1024 bytes) and 2 scales per row (512 bytes) instead of 8192 bytes.
/// assert_eq!(report[0].bytes_after, 64 * 32 / 2 + 64 * 2 * 4);
/// assert!(out.len() < input.len() / 3);
/// assert!(report[0].sqnr_db.unwrap() > 15.0);
/// ```
pub fn quantize_safetensors(
    input: &[u8],
    opts: &QuantizeOptions,
) -> Result<(Vec<u8>, Vec<TensorReport>)> {
    if opts.bits != 8 && opts.bits != 4 {
        return Err(Error::invalid("bits", "8 or 4"));
    }
    let file = TensorFile::from_bytes(input)?;
    let raw = SafeTensors::deserialize(input).map_err(|e| Error::Corrupt {
        codec: "safetensors",
        what: e.to_string(),
    })?;
    let mut metadata: HashMap<String, String> = file
        .metadata()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut outputs: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut reports = Vec::new();
    for (name, tensor) in file.tensors() {
        let view = raw.tensor(name).map_err(|e| Error::Corrupt {
            codec: "safetensors",
            what: e.to_string(),
        })?;
        let bytes_before = view.data().len();
        let eligible = matches!(tensor.data, TensorData::F32(_))
            && tensor.shape.len() >= opts.min_dims
            && tensor.len() >= opts.min_elements.max(1)
            && !opts.keep.iter().any(|k| name.contains(k.as_str()));
        if !eligible {
            outputs.push((
                name.clone(),
                view.dtype(),
                tensor.shape.clone(),
                view.data().to_vec(),
            ));
            reports.push(TensorReport {
                name: name.clone(),
                shape: tensor.shape.clone(),
                dtype: format!("{:?}", view.dtype()),
                bytes_before,
                bytes_after: bytes_before,
                sqnr_db: None,
            });
            continue;
        }
        let TensorData::F32(values) = &tensor.data else {
            unreachable!("checked above")
        };
        let rows = tensor.shape[0].max(1);
        let cols = tensor.len() / rows;
        let (q, scales, scale_shape) = quantize_grouped(values, rows, cols, opts);
        let approx: Vec<f32> = q
            .iter()
            .enumerate()
            .map(|(i, &v)| v as f32 * scales[scale_index(i, cols, opts.granularity)])
            .collect();
        let sqnr = sqnr_db(values, &approx);
        let (dtype, shape, data) = if opts.bits == 8 {
            (
                Dtype::I8,
                tensor.shape.clone(),
                q.iter().map(|&v| v as u8).collect::<Vec<u8>>(),
            )
        } else {
            let packed: Vec<u8> = q
                .chunks(2)
                .map(|p| (p[0] as u8 & 0x0f) | ((*p.get(1).unwrap_or(&0) as u8 & 0x0f) << 4))
                .collect();
            (Dtype::U8, vec![packed.len()], packed)
        };
        let scale_bytes: Vec<u8> = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
        let bytes_after = data.len() + scale_bytes.len();
        metadata.insert(
            format!("aquant.q.{name}"),
            format!(
                "bits={};granularity={};shape={};dtype={:?}",
                opts.bits,
                opts.granularity.name(),
                tensor
                    .shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("x"),
                view.dtype()
            ),
        );
        outputs.push((name.clone(), dtype, shape, data));
        outputs.push((
            format!("{name}.scale"),
            Dtype::F32,
            scale_shape,
            scale_bytes,
        ));
        reports.push(TensorReport {
            name: name.clone(),
            shape: tensor.shape.clone(),
            dtype: format!("{:?}", view.dtype()),
            bytes_before,
            bytes_after,
            sqnr_db: Some(sqnr),
        });
    }
    let views = outputs
        .iter()
        .map(|(name, dtype, shape, data)| {
            safetensors::tensor::TensorView::new(*dtype, shape.clone(), data)
                .map(|v| (name.clone(), v))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid("tensor", e.to_string()))?;
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::invalid("output", e.to_string()))?;
    Ok((bytes, reports))
}

fn scale_index(i: usize, cols: usize, granularity: Granularity) -> usize {
    match granularity {
        Granularity::Tensor => 0,
        Granularity::Row => i / cols,
        Granularity::Group(n) => (i / cols) * cols.div_ceil(n) + (i % cols) / n,
    }
}

/// Symmetric quantization with the granularity's scales: values, scales, shape of the scales.
fn quantize_grouped(
    values: &[f32],
    rows: usize,
    cols: usize,
    opts: &QuantizeOptions,
) -> (Vec<i8>, Vec<f32>, Vec<usize>) {
    let qmax = if opts.bits == 8 { 127.0 } else { 7.0 };
    let (count, shape) = match opts.granularity {
        Granularity::Tensor => (1, vec![1]),
        Granularity::Row => (rows, vec![rows]),
        Granularity::Group(n) => (rows * cols.div_ceil(n), vec![rows, cols.div_ceil(n)]),
    };
    let mut max = vec![0.0f32; count];
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() {
            let s = &mut max[scale_index(i, cols, opts.granularity)];
            *s = s.max(v.abs());
        }
    }
    let scales: Vec<f32> = max.iter().map(|&m| m / qmax).collect();
    let q = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let s = scales[scale_index(i, cols, opts.granularity)];
            if s == 0.0 || !v.is_finite() {
                0
            } else {
                (v / s).round().clamp(-qmax, qmax) as i8
            }
        })
        .collect();
    (q, scales, shape)
}

/// The report as a text table: name, shape, dtype, bytes before and after, SQNR.
pub fn format_report(reports: &[TensorReport]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<40} {:>16} {:>6} {:>12} {:>12} {:>10}",
        "tensor", "shape", "dtype", "bytes", "quantized", "SQNR dB"
    );
    let (mut before, mut after) = (0, 0);
    for r in reports {
        let shape = r
            .shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("x");
        let sqnr = match r.sqnr_db {
            Some(v) if v.is_infinite() => "exact".to_string(),
            Some(v) => format!("{v:.1}"),
            None => "kept".to_string(),
        };
        let _ = writeln!(
            s,
            "{:<40} {:>16} {:>6} {:>12} {:>12} {:>10}",
            r.name, shape, r.dtype, r.bytes_before, r.bytes_after, sqnr
        );
        before += r.bytes_before;
        after += r.bytes_after;
    }
    let _ = writeln!(
        s,
        "{:<40} {:>16} {:>6} {:>12} {:>12} {:>9.1}x",
        "total",
        "",
        "",
        before,
        after,
        before as f64 / after.max(1) as f64
    );
    s
}

/// Reads a file written by [`quantize_safetensors`] back as float tensors (`q · scale`, under
/// the original names and shapes, without the `.scale` tensors); other tensors pass through.
/// Any model loader can then run the quantized weights.
pub fn dequantize_safetensors(bytes: &[u8]) -> Result<TensorFile> {
    let file = TensorFile::from_bytes(bytes)?;
    let bad = |what: String| Error::Corrupt {
        codec: "aquant quantized safetensors",
        what,
    };
    let mut out = TensorFile::default();
    let mut scale_names = std::collections::BTreeSet::new();
    for (key, spec) in file.metadata() {
        let Some(name) = key.strip_prefix("aquant.q.") else {
            continue;
        };
        let field = |k: &str| {
            spec.split(';')
                .find_map(|f| f.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .ok_or_else(|| bad(format!("{key}: no {k}")))
        };
        let bits: u8 = field("bits")?
            .parse()
            .map_err(|_| bad(format!("{key}: bits")))?;
        let granularity = Granularity::parse(field("granularity")?)?;
        let shape: Vec<usize> = field("shape")?
            .split('x')
            .map(|d| d.parse().map_err(|_| bad(format!("{key}: shape"))))
            .collect::<Result<_>>()?;
        let numel: usize = shape.iter().product();
        let rows = shape.first().copied().unwrap_or(1).max(1);
        let cols = numel / rows;
        let scale_name = format!("{name}.scale");
        let scales = match file.get(&scale_name).map(|t| &t.data) {
            Some(TensorData::F32(v)) => v,
            _ => return Err(bad(format!("{scale_name} missing"))),
        };
        let q: Vec<i8> = match (bits, file.get(name).map(|t| &t.data)) {
            (8, Some(TensorData::I8(v))) => v.clone(),
            (4, Some(TensorData::Other(Dtype::U8, v))) => v
                .iter()
                .flat_map(|&b| [((b << 4) as i8) >> 4, (b as i8) >> 4])
                .take(numel)
                .collect(),
            _ => return Err(bad(format!("{name}: values missing or of the wrong dtype"))),
        };
        if q.len() != numel {
            return Err(bad(format!(
                "{name}: {} values for shape {shape:?}",
                q.len()
            )));
        }
        let mut values = Vec::with_capacity(numel);
        for (i, &v) in q.iter().enumerate() {
            let s = scales
                .get(scale_index(i, cols, granularity))
                .ok_or_else(|| bad(format!("{scale_name}: too few scales")))?;
            values.push(v as f32 * s);
        }
        out.insert(name.to_string(), shape, TensorData::F32(values), Dtype::F32);
        scale_names.insert(scale_name);
    }
    for (name, t) in file.tensors() {
        if out.get(name).is_none() && !scale_names.contains(name) {
            out.insert(name.clone(), t.shape.clone(), t.data.clone(), t.stored);
        }
    }
    Ok(out)
}
