#!/usr/bin/env bash
# Noise shaping, aquant vs sox: float test signals at each rate, converted to 16-bit by every
# sox noise-shaping filter (`sox IN -b 16 OUT dither -f NAME`), by sox's plain TPDF
# (`dither` with no filter) and by each aquant preset; every output measured against the float
# input with aquant's analysis (weighted power of TEST-REF in dBFS, 20 Hz..min(20 kHz, fs/2)).
#
# Usage: scripts/shaping-vs-sox.sh [RATE...]     (default: every rate from 8 kHz to 192 kHz)
# Prints: rate, method, unweighted, A-weighted, ITU-R 468-weighted (dBFS). Rows where sox has
# no table for the rate and falls back to sloped TPDF are marked "(fallback)".
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sox >/dev/null || { echo "sox is not installed" >&2; exit 1; }
cargo build --release --quiet --example shape_file
bin=target/release/examples/shape_file
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(8000 11025 16000 22050 32000 44100 48000 88200 96000 176400 192000)
filters=(lipshitz f-weighted modified-e-weighted improved-e-weighted gesemann shibata low-shibata high-shibata)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-8s %-22s %10s %10s %10s\n' rate method unweighted A-wtd 468-wtd
for rate in "${rates[@]}"; do
  # 20 s stereo: a 997 Hz and a 1511 Hz sine at -6 dBFS peak.
  sox -n -r "$rate" -c 2 -b 32 -e floating-point "$work/in.wav" synth 20 sine 997 sine 1511 vol 0.5
  row() { printf '%-8s %-22s %10s %10s %10s\n' "$rate" "$1" $($bin analyze "$work/in.wav" "$2" | sed -n 1p); }
  sox "$work/in.wav" -b 16 "$work/out.wav" dither 2>/dev/null
  row "sox tpdf" "$work/out.wav"
  sox "$work/in.wav" -b 16 "$work/out.wav" dither -S 2>/dev/null
  row "sox sloped-tpdf" "$work/out.wav"
  for f in "${filters[@]}"; do
    if sox "$work/in.wav" -b 16 "$work/out.wav" dither -f "$f" 2>&1 | grep -q "no \`$f' filter"; then
      continue
    fi
    row "sox $f" "$work/out.wav"
  done
  $bin tpdf "$work/in.wav" "$work/out.wav"
  row "aquant tpdf" "$work/out.wav"
  presets=(shaped shaped-light shaped-strong)
  [ "$rate" = 44100 ] && presets+=(lipshitz wannamaker-f)
  for p in "${presets[@]}"; do
    $bin shape "$work/in.wav" "$work/out.wav" "$p" 2>/dev/null
    row "aquant $p" "$work/out.wav"
  done
done
