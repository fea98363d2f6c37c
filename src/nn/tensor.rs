//! Named tensors read from safetensors bytes: float tensors (F32, and F64/F16/BF16 converted
//! to f32) and int8 tensors, with their shapes checked on access.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::{Error, Result};

/// A tensor's values.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    /// Float values (F32 as stored; F64, F16 and BF16 converted).
    F32(Vec<f32>),
    /// Signed 8-bit integers.
    I8(Vec<i8>),
    /// Any other dtype, kept as raw little-endian bytes.
    Other(Dtype, Vec<u8>),
}

/// One named tensor: its shape and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Values in row-major order.
    pub data: TensorData,
    /// The dtype as stored in the file.
    pub stored: Dtype,
}

impl Tensor {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The values as f32 (int8 values converted as they are, unscaled), `None` for other dtypes.
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        match &self.data {
            TensorData::F32(v) => Some(v.clone()),
            TensorData::I8(v) => Some(v.iter().map(|&x| x as f32).collect()),
            TensorData::Other(..) => None,
        }
    }
}

/// All the tensors of a safetensors file, by name, with the file's metadata.
///
/// ```no_run
/// use aquant::nn::TensorFile;
/// let file = TensorFile::load("model.safetensors").unwrap();
/// let w = file.f32("dense.weight", &[64, 42]).unwrap();
/// assert_eq!(w.len(), 64 * 42);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TensorFile {
    tensors: BTreeMap<String, Tensor>,
    metadata: BTreeMap<String, String>,
}

fn corrupt(what: String) -> Error {
    Error::Corrupt {
        codec: "safetensors",
        what,
    }
}

fn f16_to_f32(bits: u16) -> f32 {
    let sign = ((bits >> 15) as u32) << 31;
    let exp = ((bits >> 10) & 0x1f) as u32;
    let man = (bits & 0x3ff) as u32;
    let value = match exp {
        0 => {
            // Zero or subnormal: man · 2^-24.
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        31 => 0x7f80_0000 | (man << 13),
        _ => ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(sign | value)
}

impl TensorFile {
    /// Reads a safetensors file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Parses safetensors bytes (header and data are validated by the `safetensors` crate).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let parsed = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| corrupt(e.to_string()))?;
        let metadata = meta
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let mut tensors = BTreeMap::new();
        for (name, view) in parsed.iter() {
            let raw = view.data();
            let data = match view.dtype() {
                Dtype::F32 => TensorData::F32(
                    raw.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect(),
                ),
                Dtype::F64 => TensorData::F32(
                    raw.chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f32)
                        .collect(),
                ),
                Dtype::F16 => TensorData::F32(
                    raw.chunks_exact(2)
                        .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                        .collect(),
                ),
                Dtype::BF16 => TensorData::F32(
                    raw.chunks_exact(2)
                        .map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16))
                        .collect(),
                ),
                Dtype::I8 => TensorData::I8(raw.iter().map(|&b| b as i8).collect()),
                other => TensorData::Other(other, raw.to_vec()),
            };
            tensors.insert(
                name.to_string(),
                Tensor {
                    shape: view.shape().to_vec(),
                    data,
                    stored: view.dtype(),
                },
            );
        }
        Ok(TensorFile { tensors, metadata })
    }

    /// Adds or replaces a tensor.
    pub fn insert(&mut self, name: String, shape: Vec<usize>, data: TensorData, stored: Dtype) {
        self.tensors.insert(
            name,
            Tensor {
                shape,
                data,
                stored,
            },
        );
    }

    /// The tensor called `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.get(name)
    }

    /// Tensor names in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Every tensor, by name.
    pub fn tensors(&self) -> &BTreeMap<String, Tensor> {
        &self.tensors
    }

    /// The file's `__metadata__` strings.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    fn checked(&self, name: &str, shape: &[usize]) -> Result<&Tensor> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| corrupt(format!("missing tensor {name:?}")))?;
        if t.shape != shape {
            return Err(corrupt(format!(
                "tensor {name:?} has shape {:?}, expected {shape:?}",
                t.shape
            )));
        }
        Ok(t)
    }

    /// The float values of `name`, which must have exactly `shape`.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        match &self.checked(name, shape)?.data {
            TensorData::F32(v) => Ok(v),
            _ => Err(corrupt(format!("tensor {name:?} is not a float tensor"))),
        }
    }

    /// The int8 values of `name`, which must have exactly `shape`.
    pub fn i8(&self, name: &str, shape: &[usize]) -> Result<&[i8]> {
        match &self.checked(name, shape)?.data {
            TensorData::I8(v) => Ok(v),
            _ => Err(corrupt(format!("tensor {name:?} is not an int8 tensor"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion_first_principles() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7e00).is_nan());
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
    }

    #[test]
    fn hostile_bytes_are_errors() {
        assert!(TensorFile::from_bytes(&[]).is_err());
        assert!(TensorFile::from_bytes(&[0xff; 16]).is_err());
        let mut header = 20u64.to_le_bytes().to_vec();
        header.extend_from_slice(b"{\"a\":{\"dtype\":\"F32\"}");
        assert!(TensorFile::from_bytes(&header).is_err());
    }
}
