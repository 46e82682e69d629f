#!/usr/bin/env python3
"""Writes the station's scan sounds to assets/sounds/ (16-bit mono 22.05 kHz WAV):
ok.wav a short rising chirp, warning.wav a double beep, refusal.wav a low buzz."""
import math, struct, wave, pathlib

RATE = 22050
OUT = pathlib.Path(__file__).resolve().parent.parent / "assets" / "sounds"


def tone(freq_from, freq_to, secs, shape=math.sin, volume=0.6):
    n = int(RATE * secs)
    phase, out = 0.0, []
    for i in range(n):
        f = freq_from + (freq_to - freq_from) * i / n
        phase += 2 * math.pi * f / RATE
        env = min(1.0, i / 200, (n - i) / 200)  # no clicks
        out.append(volume * env * shape(phase))
    return out


def square(x):
    return 1.0 if math.sin(x) >= 0 else -1.0


def silence(secs):
    return [0.0] * int(RATE * secs)


def write(name, samples):
    OUT.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT / name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))


write("ok.wav", tone(1800, 2600, 0.12))
write("warning.wav", tone(1400, 1400, 0.15) + silence(0.08) + tone(1400, 1400, 0.15))
write("refusal.wav", tone(160, 140, 0.6, shape=square, volume=0.45))
