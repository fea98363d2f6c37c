#!/bin/sh
# Regenerates the G.726/G.722 interop fixtures in this folder. Tools used when committed:
# SoX v14.4.2, ffmpeg 5.1.9-0+deb12u1 (Debian 12), libsndfile 1.2.0 (sndfile-convert).
set -eu
cd "$(dirname "$0")"
raw="-t raw -b 16 -c 1 -e signed-integer"

# Inputs: a sweep, a full-scale square wave (clipping, saturation paths) and white noise.
for rate in 8000 16000; do
  top=$((rate / 2 - 100))
  sox -R -n $raw -r $rate /tmp/g72x_a.raw synth 0.5 sine 60-$top vol 0.9
  sox -R -n $raw -r $rate /tmp/g72x_b.raw synth 0.25 square 440 vol 0.99
  sox -R -n $raw -r $rate /tmp/g72x_c.raw synth 0.25 whitenoise vol 0.5
  sox -D $raw -r $rate /tmp/g72x_a.raw $raw -r $rate /tmp/g72x_b.raw $raw -r $rate /tmp/g72x_c.raw \
      $raw -r $rate "in$((rate / 1000))k.s16le"
done

ff="ffmpeg -hide_banner -loglevel error -y"

# G.722: ffmpeg encoder output, and ffmpeg's decode of it in modes 1-3 (8/7/6 bits per codeword).
$ff -f s16le -ar 16000 -ac 1 -i in16k.s16le -c:a g722 -f g722 ffmpeg.g722
for bits in 8 7 6; do
  $ff -bits_per_codeword $bits -f g722 -i ffmpeg.g722 -f s16le "ffmpeg_g722_dec_${bits}bit.s16le"
done
# G.722 in WAV as ffmpeg writes it (header fields checked by the tests and the README).
$ff -f s16le -ar 16000 -ac 1 -i in16k.s16le -c:a g722 ffmpeg_g722.wav

# G.726: ffmpeg encodes at each rate, MSB-first (g726) and LSB-first (g726le), and decodes its
# own MSB-first streams.
for kbps in 16 24 32 40; do
  bits=$((kbps / 8))
  $ff -f s16le -ar 8000 -ac 1 -i in8k.s16le -c:a g726 -b:a ${kbps}k -f g726 "ffmpeg_${kbps}k.g726"
  $ff -f s16le -ar 8000 -ac 1 -i in8k.s16le -c:a g726le -b:a ${kbps}k -f g726le "ffmpeg_${kbps}k.g726le"
  $ff -code_size $bits -sample_rate 8000 -f g726 -i "ffmpeg_${kbps}k.g726" -f s16le "ffmpeg_${kbps}k_g726_dec.s16le"
done
# G.726-32 in WAV as ffmpeg writes it.
$ff -f s16le -ar 8000 -ac 1 -i in8k.s16le -c:a g726 -b:a 32k ffmpeg_g726_32k.wav

# Sun .au G.721 (32 kbit/s) and G.723 (24, 40 kbit/s) as libsndfile writes them, and libsndfile's
# decodes of them (sndfile-convert has no G.72x option: Python soundfile 0.14.0, libsndfile 1.2.2).
python3 - <<'PY'
import numpy as np, soundfile as sf
x = np.fromfile("in8k.s16le", dtype="<i2")
for subtype, name in [("G721_32", "g721"), ("G723_24", "g723_24"), ("G723_40", "g723_40")]:
    sf.write(f"libsndfile_{name}.au", x, 8000, subtype=subtype, format="AU")
    y, _ = sf.read(f"libsndfile_{name}.au", dtype="int16")
    y.astype("<i2").tofile(f"libsndfile_{name}_dec.s16le")
PY
rm -f /tmp/g72x_*.raw /tmp/g72x_*.wav
