#!/usr/bin/env bash
# Batch throughput: 200 files x 30 s of 44.1 kHz stereo float32 -> 16-bit with TPDF dither.
#   aquant batch --jobs 2 vs --jobs 1 (target: >= 1.8x faster), and vs a shell loop running
#   ffmpeg once per file (target: at most 1/3 of its time).
# Usage: scripts/batch-vs-ffmpeg.sh [FILES] [SECONDS]   (defaults 200 and 30; needs sox, ffmpeg,
# hyperfine and a release build: cargo build --release). Prints a markdown table.
set -euo pipefail
files=${1:-200}
seconds=${2:-30}
aquant=${AQUANT:-$(dirname "$0")/../target/release/aquant}
work=$(mktemp -d "${TMPDIR:-/tmp}/aquant-batch-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
echo "generating $files files of $seconds s (float32 stereo 44.1 kHz) in $work" >&2
for i in $(seq 1 "$files"); do
  # Distinct content per file: two sines and pink noise at -12 dBFS.
  sox -n -r 44100 -c 2 -b 32 -e floating-point "$work/in/f$(printf %03d "$i").wav" \
    synth "$seconds" sine $((200 + i)) pinknoise vol 0.25
done

ffmpeg_loop="for f in $work/in/*.wav; do ffmpeg -nostdin -loglevel error -y -i \"\$f\" \
-af aresample=osf=s16:dither_method=triangular -c:a pcm_s16le \"$work/out-ff/\$(basename \"\$f\")\"; done"

hyperfine --warmup 1 --runs "${RUNS:-3}" --export-markdown "$work/table.md" \
  --prepare "rm -rf $work/out-1 $work/out-2 $work/out-ff; mkdir -p $work/out-ff" \
  -n "aquant batch --jobs 1" "$aquant batch --jobs 1 -f pcm16 -d tpdf $work/in $work/out-1 2>/dev/null" \
  -n "aquant batch --jobs 2" "$aquant batch --jobs 2 -f pcm16 -d tpdf $work/in $work/out-2 2>/dev/null" \
  -n "ffmpeg per file (shell loop)" "$ffmpeg_loop" >&2
cat "$work/table.md"
