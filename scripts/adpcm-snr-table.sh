#!/usr/bin/env bash
# Makes the README's ADPCM SNR table: aquant's IMA and MS ADPCM encoders at each effort against
# the encoders of SoX, FFmpeg (plain and -trellis 8) and libsndfile, on the same inputs. Every
# file is decoded by SoX (the reference decoder, bit-exact with libsndfile and with aquant) and
# compared with its input over the true length. aquant codes at SoX's block size for that input
# (the same bitrate); the peers use their own defaults (block sizes in the table).
#
#   scripts/adpcm-snr-table.sh            # Markdown table on stdout
#
# Inputs: a speech-like signal (a gliding glottal pulse train through moving formant
# resonators, syllable envelopes and noise bursts), a music-like one (plucked chords, a bass
# line and a bell), both 48 kHz stereo 20 s, synthesized here with sox; plus the four shared
# ADPCM inputs (../shared/testvectors/adpcm_input, or $AQUANT_TESTVECTORS/adpcm_input).
# Needs sox, ffmpeg, sndfile-convert, python3. aquant: $AQUANT_CLI if set, else the release
# CLI built here.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in sox ffmpeg sndfile-convert python3; do
  command -v "$tool" >/dev/null || { echo "adpcm-snr-table: $tool is not installed" >&2; exit 1; }
done
VECTORS=${AQUANT_TESTVECTORS:-../shared/testvectors}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [[ -z "${AQUANT_CLI:-}" ]]; then
  cargo build --release --quiet
  AQUANT_CLI=$PWD/target/release/aquant
fi
aq() { "$AQUANT_CLI" convert "$2" "$3" --format "$1" --block-size "$4" --effort "$5" >/dev/null; }

# Speech-like: a 110-150 Hz pulse train (sawtooth) through three band-passes whose centres move,
# gated into syllables by a 4 Hz tremolo, with noise bursts for fricatives.
# sox -R: repeatable noise, so every run codes the same input.
sox -R -n -r 48000 -c 1 -b 16 "$WORK/voiced.wav" synth 20 sawtooth 110:150 \
  tremolo 4 90 gain -6 sinc 100-3800
sox -R "$WORK/voiced.wav" "$WORK/f1.wav" gain -6 bandpass 700 3q bend 0,400,6 6,-400,6
sox -R "$WORK/voiced.wav" "$WORK/f2.wav" gain -6 bandpass 1500 4q
sox -R -n -r 48000 -c 1 -b 16 "$WORK/fric.wav" synth 20 whitenoise tremolo 1.3 100 gain -30 \
  highpass 3000
sox -R -m "$WORK/f1.wav" "$WORK/f2.wav" "$WORK/fric.wav" "$WORK/speech_m.wav" norm -3
sox -R "$WORK/speech_m.wav" "$WORK/speech_48k_stereo.wav" remix 1 1v0.8 norm -3
# Music-like: plucked chords, a sine bass line and a bell partial set, stereo.
sox -R -n -r 48000 -c 2 -b 16 "$WORK/music_48k_stereo.wav" synth 20 pluck C3 pluck G4 \
  sine 55:110 sine 1320 remix 1,3v0.6,4v0.1 2,3v0.5,4v0.15 reverb 30 norm -3

inputs=("$WORK/speech_48k_stereo.wav" "$WORK/music_48k_stereo.wav")
for n in in_8000_mono in_8000_stereo in_44100_mono in_44100_stereo; do
  [[ -f "$VECTORS/adpcm_input/$n.wav" ]] && inputs+=("$VECTORS/adpcm_input/$n.wav")
done

# snr REFERENCE.wav CODED.wav: SNR in dB of SoX's decode of CODED over REFERENCE's length.
snr() {
  sox -D "$1" -t raw -e signed-integer -b 16 -L "$WORK/ref.raw"
  sox -D "$2" -t raw -e signed-integer -b 16 -L "$WORK/dec.raw"
  python3 - "$WORK/ref.raw" "$WORK/dec.raw" <<'PY'
import array, math, sys
a, b = array.array('h'), array.array('h')
a.frombytes(open(sys.argv[1], 'rb').read()); b.frombytes(open(sys.argv[2], 'rb').read())
if len(b) < len(a): raise SystemExit(f"decoded file is short: {len(b)} < {len(a)} samples")
s = sum(x * x for x in a); n = sum((x - y) ** 2 for x, y in zip(a, b))
print(f"{10 * math.log10(s / n):.2f}" if n else "inf")
PY
}
block_align() { python3 -c "
import struct, sys
b = open(sys.argv[1], 'rb').read(); i = b.find(b'fmt ')
print(struct.unpack('<H', b[i + 20:i + 22])[0])" "$1"; }

echo "| input | codec | block (sox) | aquant e0 | aquant e1 (default) | aquant e2 | aquant e3 | aquant e4 | aquant e5 | sox | ffmpeg | ffmpeg -trellis 8 | libsndfile (block) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for in in "${inputs[@]}"; do
  name=$(basename "$in" .wav)
  for codec in ima ms; do
    case $codec in
      ima) sox_e=ima-adpcm; ff_c=adpcm_ima_wav; sf=-ima-adpcm; aq_f=ima-adpcm ;;
      ms) sox_e=ms-adpcm; ff_c=adpcm_ms; sf=-ms-adpcm; aq_f=ms-adpcm ;;
    esac
    sox -R -D "$in" -e "$sox_e" "$WORK/sox.wav"
    ba=$(block_align "$WORK/sox.wav")
    row="| $name | $codec | $ba"
    for e in 0 1 2 3 4 5; do
      aq "$aq_f" "$in" "$WORK/aq$e.wav" "$ba" "$e"
      row+=" | $(snr "$in" "$WORK/aq$e.wav")"
    done
    row+=" | $(snr "$in" "$WORK/sox.wav")"
    ffmpeg -v error -y -i "$in" -c:a "$ff_c" "$WORK/ff.wav"
    row+=" | $(snr "$in" "$WORK/ff.wav")"
    if ffmpeg -v error -y -i "$in" -c:a "$ff_c" -trellis 8 "$WORK/fft.wav" 2>/dev/null; then
      row+=" | $(snr "$in" "$WORK/fft.wav")"
    else
      row+=" | crashed"  # ffmpeg 5.1 segfaults on some inputs with -trellis
    fi
    sndfile-convert "$sf" "$in" "$WORK/sf.wav"
    row+=" | $(snr "$in" "$WORK/sf.wav") ($(block_align "$WORK/sf.wav"))"
    echo "$row |"
  done
done
echo
echo "SNR in dB of SoX's decode against the input. ffmpeg uses 1024-byte blocks; aquant and SoX the block size shown."
