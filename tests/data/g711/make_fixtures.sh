#!/bin/sh
# Regenerates tests/data/g711/files/: G.711 WAV and AU files written by sox, ffmpeg and
# libsndfile (sndfile-convert), and each tool's own 16-bit decode of its file.
# Run from this folder: sh make_fixtures.sh   (needs python3, sox, ffmpeg, sndfile-programs)
set -eu
cd files
rm -f ./*
python3 - <<'PY'
import math, struct
# Deterministic 16-bit source: extremes first, then a chirp with every-5th-sample spread values.
def src(n, ch):
    out = []
    for i in range(n):
        for c in range(ch):
            if i < 8:
                v = [-32768, 32767, 0, -1, 1, -32767, 4, -4][i]
            elif i % 5 == 0:
                v = ((i * 257 + c * 4099) % 65536) - 32768
            else:
                v = int(30000 * math.sin(0.0005 * i * i + c))
            out.append(v)
    return struct.pack('<%dh' % len(out), *out)
open('src_mono.s16', 'wb').write(src(1200, 1))
open('src_stereo.s16', 'wb').write(src(1200, 2))
open('src_3ch.s16', 'wb').write(src(600, 3))
PY
raw() { echo "-t raw -r 8000 -e signed -b 16 -c $1 -L"; }
sox -D $(raw 1) src_mono.s16 src_mono.wav
sox -D $(raw 2) src_stereo.s16 src_stereo.wav
# sox
sox -D src_mono.wav -e u-law sox_mulaw_mono.wav
sox -D src_stereo.wav -e a-law sox_alaw_stereo.wav
sox -D src_mono.wav -e u-law sox_mulaw_mono.au
sox -D src_stereo.wav -e a-law sox_alaw_stereo.au
# ffmpeg (3 channels: WAVE_FORMAT_EXTENSIBLE with the mu-law/A-law sub-format GUID)
ff() { ffmpeg -nostdin -v error -f s16le -ar 8000 -ac "$1" -i "$2" -c:a "$3" "$4"; }
ff 1 src_mono.s16 pcm_mulaw ffmpeg_mulaw_mono.wav
ff 2 src_stereo.s16 pcm_alaw ffmpeg_alaw_stereo.wav
ff 1 src_mono.s16 pcm_mulaw ffmpeg_mulaw_mono.au
ff 2 src_stereo.s16 pcm_alaw ffmpeg_alaw_stereo.au
ff 3 src_3ch.s16 pcm_mulaw ffmpeg_mulaw_3ch_extensible.wav
ff 3 src_3ch.s16 pcm_alaw ffmpeg_alaw_3ch_extensible.wav
# libsndfile
sndfile-convert -ulaw src_mono.wav sndfile_mulaw_mono.wav
sndfile-convert -alaw src_stereo.wav sndfile_alaw_stereo.wav
sndfile-convert -ulaw src_mono.wav sndfile_mulaw_mono.au
sndfile-convert -alaw src_stereo.wav sndfile_alaw_stereo.au
rm src_mono.wav src_stereo.wav
# Each tool's decode of its own file, headerless 16-bit little-endian.
for f in sox_*; do sox -D "$f" -t raw -e signed -b 16 -L "$f.s16"; done
for f in ffmpeg_*; do ffmpeg -nostdin -v error -i "$f" -f s16le -c:a pcm_s16le "$f.s16"; done
for f in sndfile_*.wav sndfile_*.au; do
  sndfile-convert -pcm16 "$f" "$f.tmp.wav"
  # libsndfile did the decoding; sox only unwraps the 16-bit PCM WAV (no change to samples).
  sox -D "$f.tmp.wav" -t raw -e signed -b 16 -L "$f.s16"
  rm "$f.tmp.wav"
done
ls -l
