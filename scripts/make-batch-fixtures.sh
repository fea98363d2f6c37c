#!/usr/bin/env bash
# Makes tests/data/batch/: short signals in every input format `aquant batch` reads, encoded by
# sox and ffmpeg (not by aquant), plus ffmpeg's own decodes of the ADPCM and G.711 files as
# references. Run from the repository root; needs sox and ffmpeg.
set -euo pipefail
out=tests/data/batch
mkdir -p "$out"
cd "$out"
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }

# 0.25 s of two sines (440 Hz left, 660 Hz right) at -6 dBFS, 44.1 kHz stereo 16-bit.
sox -n -r 44100 -c 2 -b 16 tone16.wav synth 0.25 sine 440 sine 660 vol 0.5
# 0.25 s of 1 kHz at -3 dBFS, 48 kHz mono 24-bit.
sox -n -r 48000 -c 1 -b 24 tone24.wav synth 0.25 sine 1000 vol 0.7

# Lossless: must decode to exactly the samples of the WAV they were made from.
sox tone16.wav tone16.flac
sox tone24.wav tone24.flac
sox tone16.wav tone16.aiff
ff -i tone16.wav -c:a pcm_s16le tone16.caf
# Lossy.
ff -i tone16.wav -c:a libmp3lame -b:a 128k tone16.mp3
ff -i tone16.wav -c:a libvorbis -q:a 5 tone16.ogg
# WAV variants hound does not read, with ffmpeg's decode as the reference.
ff -i tone16.wav -c:a adpcm_ima_wav tone16-ima.wav
ff -i tone16-ima.wav -f s16le tone16-ima.ffmpeg.s16le
ff -i tone16.wav -c:a adpcm_ms tone16-msadpcm.wav
ff -i tone16-msadpcm.wav -f s16le tone16-msadpcm.ffmpeg.s16le
# The reference ADPCM decodes (sox and libsndfile agree; ffmpeg's IMA rounding differs):
sox tone16-ima.wav -t raw -e signed -b 16 -L tone16-ima.sox.s16le
sox tone16-msadpcm.wav -t raw -e signed -b 16 -L tone16-msadpcm.sox.s16le
sox tone16.wav -e mu-law tone16-mulaw.wav
ff -i tone16-mulaw.wav -f s16le tone16-mulaw.ffmpeg.s16le

# Corrupt inputs.
printf 'this is not audio\n' > garbage.flac
head -c 300 tone16.flac > truncated.flac
head -c 30 tone16.wav > truncated-header.wav
