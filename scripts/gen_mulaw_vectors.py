#!/usr/bin/env python3
"""Golden vectors for aquant's vocoder mu-law (src/quant/mulaw.rs), made with the real packages.

Run:  pip install "torch==2.11.*" "torchaudio==2.11.*" librosa numpy
      (torchaudio 2.11 is the newest on PyPI and refuses a newer torch; versions used: see
      tests/data/g711/mulaw/VERSIONS)
      python3 scripts/gen_mulaw_vectors.py tests/data/g711/mulaw

Writes little-endian raw arrays:
  torch_c{C}_input.f32    float32 inputs x (specials, a dense ramp, random, out of range)
  torch_c{C}_encode.i32   torchaudio.functional.mu_law_encoding(x, C) (int64, stored as int32)
  torch_c{C}_decode.f32   torchaudio.functional.mu_law_decoding(arange(C), C)
  librosa_mu{M}_input.f64     float64 inputs in [-1, 1]
  librosa_mu{M}_compress.i32  librosa.mu_compress(x, mu=M, quantize=True) (int64, stored as int32)
  librosa_mu{M}_codes.i32     every code mu_expand accepts: ceil(-(1+M)/2) ..= floor((1+M)/2)
  librosa_mu{M}_expand.f64    librosa.mu_expand(codes, mu=M, quantize=True)
  librosa_rejects.f64         inputs mu_compress raises on (checked here, one by one)
  torch_c{C}_edges.f32 / torch_c{C}_edges_encode.i32        inputs within 4 ulps of every
  librosa_mu{M}_edges.f64 / librosa_mu{M}_edges_compress.i32   decision edge, and the codes
"""
import os
import sys

import numpy as np
import torch
import torchaudio
import torchaudio.functional as F
import librosa

out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/g711/mulaw"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261126)


def save(name, arr, dtype):
    a = np.ascontiguousarray(np.asarray(arr, dtype=dtype))
    a.astype(a.dtype.newbyteorder("<")).tofile(os.path.join(out, name))


specials = [
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-45, -1e-45, 1.1754944e-38, -1.1754944e-38, 1e-30, 1e-10,
    -1e-10, 1e-7, -1e-7, 1e-5, 3e-5, -3e-5, 1e-3, -1e-3, 0.1, -0.1, 0.999999, -0.999999,
    np.nextafter(np.float32(1), np.float32(0)), -np.nextafter(np.float32(1), np.float32(0)),
]
out_of_range = [1.0000001, -1.0000001, 1.5, -1.5, 2.0, -2.0, 10.0, -10.0, 1e6, -1e6, 1e30, -1e30]

# torchaudio: float32 in, no clipping.
for channels in (256, 16, 1024, 65536):
    ramp = np.linspace(-1, 1, 10001, dtype=np.float64)
    rand = rng.uniform(-1, 1, 4000)
    small = rng.uniform(-1, 1, 2000) * 10.0 ** rng.uniform(-8, 0, 2000)
    x = np.concatenate([specials, out_of_range, ramp, rand, small]).astype(np.float32)
    codes = F.mu_law_encoding(torch.from_numpy(x), channels).numpy()
    assert codes.dtype == np.int64
    save(f"torch_c{channels}_input.f32", x, np.float32)
    assert np.all(np.abs(codes) < 2**31)
    save(f"torch_c{channels}_encode.i32", codes, np.int32)
    dec = F.mu_law_decoding(torch.arange(channels, dtype=torch.int64), channels).numpy()
    assert dec.dtype == np.float32
    save(f"torch_c{channels}_decode.f32", dec, np.float32)

def near(edges, dtype, lo=-np.inf, hi=np.inf):
    """Every edge and its neighbours up to 4 ulps away, in `dtype`."""
    out = []
    for d in range(-4, 5):
        v = edges.astype(dtype)
        for _ in range(abs(d)):
            v = np.nextafter(v, dtype(np.inf) if d > 0 else dtype(-np.inf)).astype(dtype)
        out.append(v)
    return np.clip(np.concatenate(out), lo, hi).astype(dtype)


# Inputs at the decision edges, where a one-ulp difference in log1p moves the code.
for channels in (256, 1024):
    mu = channels - 1
    y = 2 * (np.arange(channels - 1) + 0.5) / mu - 1
    x = near(np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu, np.float32)
    save(f"torch_c{channels}_edges.f32", x, np.float32)
    save(f"torch_c{channels}_edges_encode.i32", F.mu_law_encoding(torch.from_numpy(x), channels).numpy(), np.int32)
for mu in (255, 1023):
    bins = np.linspace(-1, 1, int(1 + mu))
    x = near(np.sign(bins) * np.expm1(np.abs(bins) * np.log1p(mu)) / mu, np.float64, -1.0, 1.0)
    save(f"librosa_mu{mu}_edges.f64", x, np.float64)
    save(f"librosa_mu{mu}_edges_compress.i32", librosa.mu_compress(x, mu=mu, quantize=True), np.int32)

# librosa: float64 in [-1, 1] (numpy's default dtype), quantize=True.
for mu in (255, 15, 1023, 100.5):
    ramp = np.linspace(-1, 1, 10001, dtype=np.float64)
    rand = rng.uniform(-1, 1, 4000)
    small = rng.uniform(-1, 1, 2000) * 10.0 ** rng.uniform(-12, 0, 2000)
    sp = np.array([s for s in specials], dtype=np.float64)
    x = np.concatenate([sp, [5e-324, -5e-324, 2.2250738585072014e-308], ramp, rand, small])
    y = librosa.mu_compress(x, mu=mu, quantize=True)
    save(f"librosa_mu{mu}_input.f64", x, np.float64)
    save(f"librosa_mu{mu}_compress.i32", y, np.int32)
    lo, hi = int(np.ceil(-(1 + mu) / 2)), int(np.floor((1 + mu) / 2))
    codes = np.arange(lo, hi + 1, dtype=np.int64)
    save(f"librosa_mu{mu}_codes.i32", codes, np.int32)
    save(f"librosa_mu{mu}_expand.f64", librosa.mu_expand(codes, mu=mu, quantize=True), np.float64)
    for bad in (lo - 1, hi + 1):
        try:
            librosa.mu_expand(np.array([bad]), mu=mu, quantize=True)
            raise SystemExit(f"librosa accepted code {bad} for mu={mu}")
        except librosa.util.exceptions.ParameterError:
            pass

rejects = np.array(out_of_range + [np.inf, -np.inf], dtype=np.float64)
for r in rejects:
    try:
        librosa.mu_compress(np.array([r]), mu=255, quantize=True)
        raise SystemExit(f"librosa accepted {r}")
    except librosa.util.exceptions.ParameterError:
        pass
save("librosa_rejects.f64", rejects, np.float64)

with open(os.path.join(out, "VERSIONS"), "w") as f:
    f.write(f"torch {torch.__version__}\ntorchaudio {torchaudio.__version__}\n")
    f.write(f"librosa {librosa.__version__}\nnumpy {np.__version__}\n")
    f.write(f"python {sys.version.split()[0]}\n")
print("wrote", out)
