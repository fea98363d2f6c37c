#!/usr/bin/env python3
"""Writes tests/data/malformed/: hostile and malformed files, each with the exact error
aquant must produce (listed in tests/data/malformed/README.md and checked by tests/hostile.rs).

Every file is built here byte by byte from the RIFF/WAVE layout (or FLAC's), so that each one
is wrong in exactly one way. Run from the repository root: python3 scripts/make-malformed.py
"""
import os
import struct

OUT = "tests/data/malformed"

def chunk(tag, body, size=None, pad=True):
    size = len(body) if size is None else size
    data = tag + struct.pack("<I", size) + body
    if pad and len(body) % 2:
        data += b"\0"
    return data

def fmt_body(tag=1, channels=2, rate=8000, bits=16, block_align=None, byte_rate=None, extra=b""):
    block_align = channels * ((bits + 7) // 8) if block_align is None else block_align
    byte_rate = block_align * rate if byte_rate is None else byte_rate
    return struct.pack("<HHIIHH", tag, channels, rate, byte_rate & 0xFFFFFFFF, block_align, bits) + extra

def riff(*chunks, size=None):
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if size is None else size) + body

# 100 frames of 16-bit stereo: a ramp, so that a reader that misaligns shows it.
SAMPLES = b"".join(struct.pack("<hh", i * 100, -i * 100) for i in range(100))

def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

os.makedirs(OUT, exist_ok=True)
good_fmt = chunk(b"fmt ", fmt_body())
good = riff(good_fmt, chunk(b"data", SAMPLES))

write("empty.wav", b"")
write("riff-only.wav", b"RIFF" + struct.pack("<I", 4))
write("truncated-fmt.wav", riff(good_fmt)[:12 + 8 + 6])
write("no-fmt.wav", riff(chunk(b"data", SAMPLES)))
write("no-data.wav", riff(good_fmt))
write("zero-channels.wav", riff(chunk(b"fmt ", fmt_body(channels=0, block_align=4)), chunk(b"data", SAMPLES)))
write("zero-rate.wav", riff(chunk(b"fmt ", fmt_body(rate=0)), chunk(b"data", SAMPLES)))
write("absurd-block-align.wav", riff(chunk(b"fmt ", fmt_body(block_align=65535)), chunk(b"data", SAMPLES)))
write("bits-zero.wav", riff(chunk(b"fmt ", fmt_body(bits=0, block_align=4)), chunk(b"data", SAMPLES)))
write("data-beyond-file.wav", riff(good_fmt, chunk(b"data", SAMPLES, size=1_000_000)))
write("huge-declared-length.wav", riff(good_fmt, chunk(b"data", SAMPLES, size=0x7FFFFFF0)))
# 0xFFFFFFFF is what a writer streaming to a pipe leaves: read to the end of the file.
write("streamed-length.wav", riff(good_fmt, chunk(b"data", SAMPLES, size=0xFFFFFFFF), size=0xFFFFFFFF))
write("fmt-size-beyond-file.wav", riff(chunk(b"fmt ", fmt_body(), size=0x7FFFFFFF)))
write("chunk-beyond-file.wav", riff(chunk(b"LIST", b"abcd", size=0x7FFFFFF0), good_fmt, chunk(b"data", SAMPLES)))
# An odd-sized chunk followed by its pad byte is valid RIFF.
write("odd-sized-chunk.wav", riff(chunk(b"LIST", b"abc"), good_fmt, chunk(b"data", SAMPLES)))
# A partial last frame (one sample of two) is ignored, as sox and ffmpeg do.
write("partial-last-frame.wav", riff(good_fmt, chunk(b"data", SAMPLES + b"\x01\x02")))
# A data length that is not a whole number of samples.
write("data-not-whole-samples.wav", riff(good_fmt, chunk(b"data", SAMPLES + b"\x01")))
write("float-16-bit.wav", riff(chunk(b"fmt ", fmt_body(tag=3, bits=16)), chunk(b"data", SAMPLES)))
write("extensible-short.wav", riff(chunk(b"fmt ", fmt_body(tag=0xFFFE, extra=b"\0\0")), chunk(b"data", SAMPLES)))
write("unknown-format-tag.wav", riff(chunk(b"fmt ", fmt_body(tag=0x1234)), chunk(b"data", SAMPLES)))

# FLAC: a STREAMINFO block declaring 4096 frames, then nothing.
streaminfo = struct.pack(">HH", 4096, 4096) + b"\0\0\0" + b"\0\0\0"
# 20 bits rate (44100), 3 bits channels-1 (1), 5 bits bps-1 (15), 36 bits total frames (4096).
packed = (44100 << 44) | (1 << 41) | (15 << 36) | 4096
streaminfo += packed.to_bytes(8, "big") + b"\0" * 16
write("flac-no-frames.flac", b"fLaC" + bytes([0x80, 0, 0, 34]) + streaminfo)
# FLAC whose STREAMINFO says sample rate 0.
packed0 = (0 << 44) | (1 << 41) | (15 << 36) | 4096
write("flac-zero-rate.flac", b"fLaC" + bytes([0x80, 0, 0, 34]) + streaminfo[:10] + packed0.to_bytes(8, "big") + b"\0" * 16)
write("not-audio.mp3", b"ID3" + b"\x04\x00\x00" + b"\x00\x00\x00\x10" + b"x" * 16 + b"plain text, no frames\n")

assert len(good) == 12 + 24 + 8 + 400
