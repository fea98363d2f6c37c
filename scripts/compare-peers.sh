#!/usr/bin/env bash
# Times the aquant CLI against ffmpeg and sox on the same files, in one run, and prints ratios.
#
#   scripts/compare-peers.sh [--quick]
#
# Needs ffmpeg and sox (apt-get install ffmpeg sox); uses hyperfine when present (apt-get
# install hyperfine), else the best of a few timed runs. Files go to /dev/shm when it exists.
# Each row: the task, aquant's time, the peer's time, their ratio, and the issue's target.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=5
SECONDS_OF_AUDIO=600
if [[ "${1:-}" == "--quick" ]]; then RUNS=2; SECONDS_OF_AUDIO=60; fi

for tool in ffmpeg sox; do
  command -v "$tool" >/dev/null || { echo "compare-peers: $tool is not installed" >&2; exit 1; }
done
cargo build --release --quiet
AQ="$PWD/target/release/aquant"

base=/dev/shm
[[ -d $base && -w $base ]] || base=${TMPDIR:-/tmp}
WORK=$(mktemp -d "$base/aquant-peers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "# generating ${SECONDS_OF_AUDIO} s of 48 kHz stereo float32 in $WORK"
# Left: a 440 Hz sine, right: pink noise, both well below full scale.
sox -n -r 48000 -c 2 -b 32 -e floating-point "$WORK/in_f32.wav" \
  synth "$SECONDS_OF_AUDIO" sine 440 pinknoise vol 0.4
sox "$WORK/in_f32.wav" -b 16 "$WORK/in_s16.wav" dither -s 2>/dev/null

# time_cmd CMD: prints the best (minimum) wall time in seconds over $RUNS runs.
time_cmd() {
  local cmd=$1
  if command -v hyperfine >/dev/null; then
    hyperfine --style none --warmup 1 --runs "$RUNS" --export-csv "$WORK/t.csv" "$cmd" >/dev/null 2>&1
    awk -F, 'NR==2 {print $7}' "$WORK/t.csv"
  else
    local best=""
    for _ in $(seq "$RUNS"); do
      local t0 t1
      t0=$(date +%s.%N); bash -c "$cmd" >/dev/null 2>&1; t1=$(date +%s.%N)
      best=$(echo "$t0 $t1 ${best:-1e9}" | awk '{d=$2-$1; print (d<$3)?d:$3}')
    done
    echo "$best"
  fi
}

printf '\n%-44s %10s %10s %8s  %s\n' "task (aquant vs peer)" "aquant s" "peer s" "ratio" "target"
# row LABEL TARGET_RATIO AQUANT_CMD PEER_CMD
row() {
  local label=$1 target=$2 ours=$3 theirs=$4
  local a p
  a=$(time_cmd "$ours")
  p=$(time_cmd "$theirs")
  awk -v l="$label" -v a="$a" -v p="$p" -v t="$target" 'BEGIN {
    r = a / p; ok = (r <= t) ? "ok" : "MISSED";
    printf "%-44s %10.3f %10.3f %8.3f  <= %s %s\n", l, a, p, r, t, ok }'
}

IN=$WORK/in_f32.wav
row "f32->pcm16 tpdf  vs ffmpeg aresample" 0.333 \
  "$AQ convert $IN $WORK/aq16.wav --format pcm16 --dither tpdf" \
  "ffmpeg -v error -y -i $IN -af aresample=osf=s16:dither_method=triangular -c:a pcm_s16le $WORK/ff16.wav"
row "f32->pcm16 tpdf  vs sox -b 16" 1.0 \
  "$AQ convert $IN $WORK/aq16.wav --format pcm16 --dither tpdf" \
  "sox $IN -b 16 $WORK/sox16.wav"

# --- G.711 (issue 3): sox is the faster peer here.
S16=$WORK/in_s16.wav
row "pcm16->mu-law     vs sox" 0.5 \
  "$AQ convert $S16 $WORK/aq_mu.wav --format mulaw" \
  "sox $S16 -e mu-law $WORK/sox_mu.wav"
sox "$S16" -e mu-law "$WORK/mu.wav"
row "mu-law->pcm16     vs sox" 0.5 \
  "$AQ convert $WORK/mu.wav $WORK/aq_mu16.wav --format pcm16" \
  "sox $WORK/mu.wav -e signed-integer -b 16 $WORK/sox_mu16.wav"

# --- G.726 (issue 5): one hour of 8 kHz mono (six minutes with --quick).
HOUR=$(( SECONDS_OF_AUDIO * 6 ))
sox -n -r 8000 -c 1 -b 16 "$WORK/in_8k.wav" synth "$HOUR" sine 300-3000 vol 0.3 2>/dev/null
row "g726-32 encode 8 kHz vs ffmpeg" 0.25 \
  "$AQ convert $WORK/in_8k.wav $WORK/aq_g726.wav --format g726-32" \
  "ffmpeg -v error -y -i $WORK/in_8k.wav -c:a g726 -b:a 32k $WORK/ff_g726.wav"

# --- IMA and MS ADPCM (issue 4), on the 16-bit stereo file.
row "pcm16->ima-adpcm  vs ffmpeg" 0.333 \
  "$AQ convert $S16 $WORK/aq_ima.wav --format ima-adpcm" \
  "ffmpeg -v error -y -i $S16 -c:a adpcm_ima_wav $WORK/ff_ima.wav"
row "pcm16->ms-adpcm   vs sox" 0.1 \
  "$AQ convert $S16 $WORK/aq_ms.wav --format ms-adpcm" \
  "sox $S16 -e ms-adpcm $WORK/sox_ms.wav"
row "pcm16->ms-adpcm   vs ffmpeg" 1.0 \
  "$AQ convert $S16 $WORK/aq_ms.wav --format ms-adpcm" \
  "ffmpeg -v error -y -i $S16 -c:a adpcm_ms $WORK/ff_ms.wav"
# The search at --effort 4 (better SNR than ffmpeg's trellis, README table) against
# `ffmpeg -trellis 8`, which runs near real time: 20 s of the stereo file (5 s with --quick).
TRELLIS_SECONDS=20
if [[ "${1:-}" == "--quick" ]]; then TRELLIS_SECONDS=5; fi
sox "$S16" "$WORK/in_trellis.wav" trim 0 "$TRELLIS_SECONDS"
row "ima --effort 4    vs ffmpeg -trellis 8" 0.05 \
  "$AQ convert $WORK/in_trellis.wav $WORK/aq_imat.wav --format ima-adpcm --effort 4" \
  "ffmpeg -v error -y -i $WORK/in_trellis.wav -c:a adpcm_ima_wav -trellis 8 $WORK/ff_imat.wav"
sox "$S16" -e ima-adpcm "$WORK/ima.wav"
sox "$S16" -e ms-adpcm "$WORK/ms.wav"
row "ima-adpcm->pcm16  vs sox" 0.5 \
  "$AQ convert $WORK/ima.wav $WORK/aq_ima16.wav --format pcm16" \
  "sox $WORK/ima.wav -e signed-integer -b 16 $WORK/sox_ima16.wav"
row "ms-adpcm->pcm16   vs sox" 0.5 \
  "$AQ convert $WORK/ms.wav $WORK/aq_ms16.wav --format pcm16" \
  "sox $WORK/ms.wav -e signed-integer -b 16 $WORK/sox_ms16.wav"

# --- Noise shaping (issue 6).
row "f32->pcm16 shaped vs ffmpeg shibata" 0.333 \
  "$AQ convert $IN $WORK/aq_sh.wav --format pcm16 --dither shaped" \
  "ffmpeg -v error -y -i $IN -af aresample=osf=s16:dither_method=shibata -c:a pcm_s16le $WORK/ff_sh.wav"

# --- Batch (issue 9): 200 files x 30 s of 44.1 kHz stereo float (20 x 10 s with --quick).
NFILES=200; FSECS=30
if [[ "${1:-}" == "--quick" ]]; then NFILES=20; FSECS=10; fi
mkdir -p "$WORK/batch_in"
for i in $(seq 1 "$NFILES"); do
  sox -n -r 44100 -c 2 -b 32 -e floating-point "$WORK/batch_in/f$(printf %03d "$i").wav" \
    synth "$FSECS" sine $((200 + i)) pinknoise vol 0.25
done
rm -f "$WORK/in_8k.wav" "$WORK"/aq_* "$WORK"/ff_* "$WORK"/sox_*
row "batch --jobs 2 vs --jobs 1 (speedup >=1.8)" 0.556 \
  "rm -rf $WORK/b2; $AQ batch --jobs 2 -f pcm16 -d tpdf $WORK/batch_in $WORK/b2" \
  "rm -rf $WORK/b1; $AQ batch --jobs 1 -f pcm16 -d tpdf $WORK/batch_in $WORK/b1"
row "batch --jobs 2 vs ffmpeg per-file loop" 0.333 \
  "rm -rf $WORK/b2; $AQ batch --jobs 2 -f pcm16 -d tpdf $WORK/batch_in $WORK/b2" \
  "mkdir -p $WORK/bff; for f in $WORK/batch_in/*.wav; do ffmpeg -nostdin -v error -y -i \$f -af aresample=osf=s16:dither_method=triangular -c:a pcm_s16le $WORK/bff/\$(basename \$f); done"
