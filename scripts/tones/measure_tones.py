"""Measures how well a rendered Mandarin episode carries its tones: tracks the pitch of the
audio with Praat, reads the F0 contour of every syllable with a full tone (1-4) that the
timing sidecar EPISODE.script.json places in the episode, and counts the syllables whose
shape fits the tone that was meant to be spoken (after sandhi) in its citation form.

Run through scripts/measure-tones, which sets up the environment; see --help and README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository
import numpy as np  # noqa: E402
import parselmouth  # noqa: E402

# --- settings ---------------------------------------------------------------------------
# Every threshold below is in semitones (st) unless it says otherwise. Contours are taken
# relative to the voice's median F0 over the episode, so the same numbers serve a bass and
# a soprano. They were set on synthetic contours (test_measure_tones.py) and on rules of
# thumb for running Mandarin (a T2 rise or a T4 fall is a few semitones, about 2-6);
# calibrate them on a native voice before trusting small differences (README.md,
# "Calibration").

# Pitch tracking.
TIME_STEP = 0.005  # s: 30-50 frames over a 150-250 ms syllable, enough for a quadratic fit
FIRST_PASS_FLOOR = 60.0  # Hz: below a deep male voice's low tones, creak aside
FIRST_PASS_CEILING = 500.0  # Hz: above a female voice's high rises
# Second pass, per voice, in a range fitted to the voice's own first-pass quartiles
# (Hirst's two-pass heuristic: floor 0.75 x q25, ceiling 1.5 x q75): it keeps out the
# octave errors that a 60-500 Hz range lets through.
FLOOR_QUANTILE, FLOOR_FACTOR = 0.25, 0.75
CEILING_QUANTILE, CEILING_FACTOR = 0.75, 1.5
RANGE_LIMITS = (40.0, 800.0)  # Hz: whatever the quantiles say
MIN_RANGE_FRAMES = 100  # voiced first-pass frames a voice needs before its range is trusted
SENTENCE_MARGIN = 0.1  # s tracked around each sentence: Praat's window is 3 periods of the floor

# A syllable's contour.
MIN_VOICED_SECONDS = 0.04  # less voicing than this is a creak or a tracker blip, not a tone
MIN_VOICED_FRAMES = 3  # a floor under the above, whatever TIME_STEP is
OUTLIER_ST = 7.0  # a frame this far from the syllable's median is an octave error
TRIM = 0.125  # share of the voiced frames dropped at each end: coarticulation with neighbours
DIP_ZONE = (0.15, 0.85)  # where in the syllable a low point counts as a dip, not an end

# T1, level and not low: a level tone in running speech still drifts (declination,
# coarticulation) by about 1-1.5 st, and sits in the upper part of the range; phrase-final
# declination can bring it near the median, hence a floor a little below it. A dip of
# T3_MIN_DIP in the middle is heard as a third tone, so a level one has none.
T1_MAX_CHANGE = 2.0  # |end - start|
T1_MAX_SPAN = 3.0  # highest - lowest point of the fitted contour
T1_MIN_MEAN = -1.0  # mean, relative to the voice's median
# T2, rising: the end is well above the lowest point (connected-speech T2 often dips a
# little first, so the rise is taken from the lowest point, not from the start), the end
# is above the start (a dip back up to where it began is a T3), and the last third does
# not fall (a rise-fall is no T2).
T2_MIN_RISE = 1.5  # end - lowest point
T2_MIN_NET = 0.5  # end - start
T2_MIN_TAIL = -0.3  # end - value at 2/3 of the syllable; slightly negative: fit wobble
# T3, low or dipping: in running speech T3 is mostly a low (half-third, 21) tone; in
# isolation or phrase-finally it dips (214); before another tone it can fall to low.
T3_MAX_MEAN = -0.5  # mean, relative to the voice's median
T3_MIN_DIP = 1.0  # both ends above a low point in the middle by this much
T3_LOW_END = -1.5  # or the contour falls to at least this low
# T4, falling: from high to low by a clear step, and still falling (or flat) at the end.
T4_MIN_FALL = 2.0  # start - end
T4_MAX_TAIL = 0.3  # end - value at 2/3 of the syllable; slightly positive: fit wobble

# What the T2 summary counts: a second tone that clearly rises (or clearly falls, its opposite).
T2_REPORT_CHANGE = 2.0  # "rising": end > lowest point + this; "falling": end < highest - this

TONE_NAMES = {1: "T1 level", 2: "T2 rising", 3: "T3 low/dip", 4: "T4 falling"}


def settings() -> dict:
    """The constants above, for the JSON report: a figure is comparable only under the same."""
    return {k: v for k, v in globals().items() if k.isupper() and k != "TONE_NAMES"}


# --- the sidecar -------------------------------------------------------------------------


@dataclass
class Syllable:
    text: str
    reading: str
    tone: int  # spoken tone, 1-4 (5 and others are counted apart, never measured)
    start: float
    end: float
    voice: str
    speaker: str
    chapter: int  # 1-based


@dataclass
class Sentence:
    start: float
    end: float
    voice: str
    syllables: list[Syllable]


@dataclass
class Script:
    sentences: list[Sentence]  # those with syllables, in the chosen chapters
    neutral: int = 0  # syllables with tone 5, skipped
    toneless: int = 0  # syllables with no tone 1-5, skipped
    without_syllables: int = 0  # sentences the engine gave no syllable timings for


def parse_chapters(spec: str | None) -> set[int] | None:
    """"2,4-6" -> {2, 4, 5, 6} (1-based chapter numbers)."""
    if not spec:
        return None
    wanted: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            wanted.update(range(int(a), int(b) + 1))
        elif part:
            wanted.add(int(part))
    return wanted


def load_script(path: Path, chapters: set[int] | None = None, limit: float | None = None,
                announcements: bool = True) -> Script:
    data = json.loads(path.read_text(encoding="utf-8"))
    script = Script([])
    for n, ch in enumerate(data.get("chapters", []), 1):
        if chapters is not None and n not in chapters:
            continue
        for turn in ch.get("turns", []):
            if turn.get("announcement") and not announcements:
                continue
            voice = turn.get("voice") or turn.get("speaker") or "?"
            for s in turn.get("sentences", []):
                if not s.get("syllables"):
                    script.without_syllables += 1
                    continue
                sentence = Sentence(float(s["start"]), float(s["end"]), voice, [])
                for y in s["syllables"]:
                    if limit is not None and float(y["end"]) > limit:
                        continue
                    tone = y.get("tone")
                    if tone == 5:
                        script.neutral += 1
                    elif tone not in (1, 2, 3, 4):
                        script.toneless += 1
                    # Every syllable is kept (only tones 1-4 are measured), so that a sentence
                    # of neutral ones is still tracked and counts towards its voice's median.
                    sentence.syllables.append(Syllable(
                        y.get("text", ""), y.get("reading", ""), tone if tone in (1, 2, 3, 4, 5) else 0,
                        float(y["start"]), float(y["end"]), voice, turn.get("speaker", ""), n))
                if sentence.syllables:
                    script.sentences.append(sentence)
    return script


def sidecar_of(audio: Path) -> Path:
    """EPISODE.script.json beside EPISODE.wav (or .mp3, .m4a)."""
    return audio.with_name(audio.with_suffix("").name + ".script.json")


# --- the audio ---------------------------------------------------------------------------


def load_sound(path: Path) -> parselmouth.Sound:
    """The episode as one mono Sound; what Praat cannot read goes through ffmpeg first."""
    sound = None
    if path.suffix.lower() in (".wav", ".wave"):
        try:
            sound = parselmouth.Sound(str(path))
        except parselmouth.PraatError:
            sound = None  # e.g. a WAV flavour Praat does not know: let ffmpeg try
    if sound is None:
        if not shutil.which("ffmpeg"):
            sys.exit(f"measure-tones: {path}: ffmpeg is needed to read it (scripts/setup installs it)")
        with tempfile.TemporaryDirectory(prefix="recast-tones-") as tmp:
            wav = Path(tmp) / "episode.wav"
            run = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vn",
                                  "-ac", "1", "-c:a", "pcm_s16le", str(wav)],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"measure-tones: ffmpeg could not decode {path}: {run.stderr.strip()}")
            sound = parselmouth.Sound(str(wav))
    if sound.n_channels > 1:
        sound = sound.convert_to_mono()
    return sound


@dataclass
class Track:
    times: np.ndarray
    f0: np.ndarray  # Hz, 0 where unvoiced


def track(sound: parselmouth.Sound, start: float, end: float, floor: float, ceiling: float,
          step: float = TIME_STEP) -> Track | None:
    """Praat's autocorrelation pitch over [start, end] and a margin, in episode time."""
    a, b = max(sound.xmin, start - SENTENCE_MARGIN), min(sound.xmax, end + SENTENCE_MARGIN)
    # Praat needs room for at least one analysis window (3 periods of the floor).
    if b - a < 3.0 / floor + 2 * step:
        return None
    part = sound.extract_part(from_time=a, to_time=b, preserve_times=True)
    pitch = part.to_pitch_ac(time_step=step, pitch_floor=floor, pitch_ceiling=ceiling)
    return Track(np.asarray(pitch.xs()), np.asarray(pitch.selected_array["frequency"]))


def voiced_within(t: Track, start: float, end: float) -> np.ndarray:
    keep = (t.times >= start) & (t.times <= end) & (t.f0 > 0)
    return t.f0[keep]


@dataclass
class Voice:
    floor: float = FIRST_PASS_FLOOR
    ceiling: float = FIRST_PASS_CEILING
    median: float = 0.0  # Hz, over the voice's sentences in the second pass; 0: never voiced
    frames: int = 0


def pitch_range(f0: np.ndarray) -> tuple[float, float]:
    """A voice's own floor and ceiling from its first-pass F0 frames."""
    if len(f0) < MIN_RANGE_FRAMES:
        return FIRST_PASS_FLOOR, FIRST_PASS_CEILING
    lo, hi = RANGE_LIMITS
    floor = min(max(FLOOR_FACTOR * float(np.quantile(f0, FLOOR_QUANTILE)), lo), hi / 2)
    ceiling = min(max(CEILING_FACTOR * float(np.quantile(f0, CEILING_QUANTILE)), 2 * floor), hi)
    return floor, ceiling


def track_all(sound: parselmouth.Sound, sentences: list[Sentence], progress=None
              ) -> tuple[dict[str, Voice], list[Track | None]]:
    """Two passes: a wide range for every sentence to learn each voice's range, then each
    sentence again within its voice's range. Returns the voices and a track per sentence."""
    first: dict[str, list[np.ndarray]] = {}
    for k, s in enumerate(sentences):
        # A coarser step does for quantiles, and halves the first pass's time.
        t = track(sound, s.start, s.end, FIRST_PASS_FLOOR, FIRST_PASS_CEILING, step=2 * TIME_STEP)
        if t is not None:
            first.setdefault(s.voice, []).append(voiced_within(t, s.start, s.end))
        if progress:
            progress(k + 1, 2 * len(sentences))
    voices = {}
    for name in {s.voice for s in sentences}:
        f0 = np.concatenate(first.get(name) or [np.zeros(0)])
        voices[name] = Voice(*pitch_range(f0))
    tracks: list[Track | None] = []
    second: dict[str, list[np.ndarray]] = {}
    for k, s in enumerate(sentences):
        v = voices[s.voice]
        t = track(sound, s.start, s.end, v.floor, v.ceiling)
        tracks.append(t)
        if t is not None:
            second.setdefault(s.voice, []).append(voiced_within(t, s.start, s.end))
        if progress:
            progress(len(sentences) + k + 1, 2 * len(sentences))
    for name, v in voices.items():
        f0 = np.concatenate(second.get(name) or [np.zeros(0)])
        v.frames = len(f0)
        v.median = float(np.median(f0)) if len(f0) else 0.0
    return voices, tracks


# --- a syllable's shape ------------------------------------------------------------------


@dataclass
class Shape:
    """A syllable's fitted contour, in st relative to its voice's median F0."""

    start: float
    end: float
    low: float
    high: float
    mean: float
    dip: float  # how far a low point in the middle lies below the lower end; 0 if none
    tail: float  # change over the last third
    frames: int  # voiced frames fitted (after trimming)

    def level(self) -> bool:
        return (abs(self.end - self.start) <= T1_MAX_CHANGE and self.high - self.low <= T1_MAX_SPAN
                and self.mean >= T1_MIN_MEAN and self.dip < T3_MIN_DIP)

    def rising(self) -> bool:
        return (self.end - self.low >= T2_MIN_RISE and self.end - self.start >= T2_MIN_NET
                and self.tail >= T2_MIN_TAIL)

    def low_or_dipping(self) -> bool:
        return (self.mean <= T3_MAX_MEAN or self.dip >= T3_MIN_DIP
                or (self.end <= T3_LOW_END and self.end < self.start))

    def falling(self) -> bool:
        return self.start - self.end >= T4_MIN_FALL and self.tail <= T4_MAX_TAIL

    def fits(self, tone: int) -> bool:
        return {1: self.level, 2: self.rising, 3: self.low_or_dipping, 4: self.falling}[tone]()

    def looks(self) -> list[int]:
        """Every tone whose citation shape this contour fits (a low fall fits T3 and T4)."""
        return [tone for tone in (1, 2, 3, 4) if self.fits(tone)]


def median3(x: np.ndarray) -> np.ndarray:
    """A running median of 3, ends kept: takes out single-frame jitter, keeps slopes."""
    if len(x) < 3:
        return x.copy()
    y = x.copy()
    y[1:-1] = np.median(np.stack([x[:-2], x[1:-1], x[2:]]), axis=0)
    return y


def shape_of(times: np.ndarray, st: np.ndarray) -> Shape | None:
    """Fits a syllable's voiced frames (times in s, F0 in st re the voice's median); None
    when there is too little voicing to say anything."""
    if len(st) == 0:
        return None
    keep = np.abs(st - np.median(st)) <= OUTLIER_ST
    times, st = times[keep], st[keep]
    n = len(st)
    if n < MIN_VOICED_FRAMES or n * TIME_STEP < MIN_VOICED_SECONDS - 1e-9:
        return None
    st = median3(st)
    cut = int(round(n * TRIM))
    times, st = times[cut:n - cut], st[cut:n - cut]
    span = times[-1] - times[0]
    if len(st) < MIN_VOICED_FRAMES or span <= 0:
        return None
    x = (times - times[0]) / span
    # A quadratic shows a dip or a rise-fall; on few frames it would fit noise, so a line.
    fit = np.poly1d(np.polyfit(x, st, 2 if len(st) >= 6 else 1))
    grid = np.linspace(0.0, 1.0, 41)
    curve = fit(grid)
    start, end = float(curve[0]), float(curve[-1])
    k = int(np.argmin(curve))
    low, high = float(curve[k]), float(curve.max())
    dip = min(start, end) - low if DIP_ZONE[0] < grid[k] < DIP_ZONE[1] else 0.0
    tail = end - float(fit(2 / 3))
    return Shape(start, end, low, high, float(np.mean(st)), dip, tail, len(st))


def semitones(hz: np.ndarray, ref: float) -> np.ndarray:
    return 12.0 * np.log2(hz / ref)


@dataclass
class Measured:
    syllable: Syllable
    shape: Shape | None  # None: unmeasured (too little voicing)

    @property
    def fits(self) -> bool | None:
        return None if self.shape is None else self.shape.fits(self.syllable.tone)


def measure(sound: parselmouth.Sound, script: Script, progress=None
            ) -> tuple[dict[str, Voice], list[Measured]]:
    voices, tracks = track_all(sound, script.sentences, progress)
    out = []
    for sentence, t in zip(script.sentences, tracks):
        ref = voices[sentence.voice].median
        for y in sentence.syllables:
            if y.tone not in (1, 2, 3, 4):
                continue
            shape = None
            if t is not None and ref > 0:
                keep = (t.times >= y.start) & (t.times <= y.end) & (t.f0 > 0)
                shape = shape_of(t.times[keep], semitones(t.f0[keep], ref))
            out.append(Measured(y, shape))
    return voices, out


# --- the report --------------------------------------------------------------------------


def share(a: int, b: int) -> float | None:
    return a / b if b else None


def summarize(rows: list[Measured]) -> dict:
    tones = {}
    for tone in (1, 2, 3, 4):
        these = [m for m in rows if m.syllable.tone == tone]
        measured = [m for m in these if m.shape is not None]
        fits = sum(1 for m in measured if m.fits)
        looks = {str(t): share(sum(1 for m in measured if t in m.shape.looks()), len(measured))
                 for t in (1, 2, 3, 4)}
        tones[str(tone)] = {"count": len(these), "measured": len(measured), "fits": fits,
                            "share": share(fits, len(measured)), "looks": looks}
    shares = [t["share"] for t in tones.values() if t["share"] is not None]
    t2 = [m.shape for m in rows if m.syllable.tone == 2 and m.shape is not None]
    return {
        "tones": tones,
        # The mean of the per-tone shares, so that the commonest tone (T4) does not dominate;
        # over the tones measured at all.
        "tone_accuracy": sum(shares) / len(shares) if shares else None,
        "tones_in_accuracy": len(shares),
        "t2_rising": share(sum(1 for s in t2 if s.end - s.low > T2_REPORT_CHANGE), len(t2)),
        "t2_falling": share(sum(1 for s in t2 if s.high - s.end > T2_REPORT_CHANGE), len(t2)),
        "syllables": len(rows),
        "unmeasured": sum(1 for m in rows if m.shape is None),
    }


def pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def clock(t: float) -> str:
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:05.2f}"


def print_summary(s: dict, indent: str = "  ") -> None:
    print(f"{indent}{'':12} {'count':>6} {'measured':>9} {'fits':>6} {'share':>7}   | looks"
          f" {'level':>7} {'rising':>7} {'low/dip':>7} {'falling':>7}")
    for tone in (1, 2, 3, 4):
        t = s["tones"][str(tone)]
        looks = "       " + " ".join(f"{pct(t['looks'][str(k)]):>7}" for k in (1, 2, 3, 4))
        print(f"{indent}{TONE_NAMES[tone]:12} {t['count']:6} {t['measured']:9} {t['fits']:6} "
              f"{pct(t['share']):>7}   |{looks}")
    note = "" if s["tones_in_accuracy"] in (0, 4) else f" (over the {s['tones_in_accuracy']} tones measured)"
    print(f"{indent}tone accuracy (mean of the four shares): {pct(s['tone_accuracy']).strip()}{note}")
    print(f"{indent}T2 rising by > {T2_REPORT_CHANGE:g} st: {pct(s['t2_rising']).strip()}, "
          f"falling by > {T2_REPORT_CHANGE:g} st: {pct(s['t2_falling']).strip()} (of T2 measured)")


def report(args, script: Script, voices: dict[str, Voice], rows: list[Measured]) -> dict:
    overall = summarize(rows)
    per_voice = {}
    for name in sorted(voices):
        v = voices[name]
        per_voice[name] = {"median_hz": round(v.median, 2), "floor_hz": round(v.floor, 2),
                           "ceiling_hz": round(v.ceiling, 2), "voiced_frames": v.frames,
                           **summarize([m for m in rows if m.syllable.voice == name])}
    print(f"Tones in {args.audio} ({args.script}): {plural(len(rows), 'syllable')} with tones 1-4, "
          f"{plural(len(voices), 'voice')}")
    print_summary(overall)
    print(f"  skipped: {script.neutral} neutral (tone 5), {script.toneless} without a tone, "
          f"{plural(script.without_syllables, 'sentence')} without syllable timings; "
          f"unmeasured (< {MIN_VOICED_SECONDS * 1000:g} ms voiced): {overall['unmeasured']}")
    print("  (looks: the share of the measured syllables whose shape fits each citation shape;"
          " one may fit several)")
    for name, v in per_voice.items():
        if args.by_voice:
            print(f"\n{name}: median {v['median_hz']:.0f} Hz, tracked {v['floor_hz']:.0f}-{v['ceiling_hz']:.0f} Hz")
            print_summary(v)
            print(f"  unmeasured: {v['unmeasured']}")
    if args.misfits:
        misfits = [m for m in rows if m.fits is False][: args.misfits]
        if misfits:
            print(f"\nFirst {len(misfits)} syllables whose shape does not fit (st re the voice's median):")
        for m in misfits:
            y, s = m.syllable, m.shape
            looks = ",".join(f"T{t}" for t in s.looks()) or "none"
            print(f"  {clock(y.start)}  {y.text} {y.reading} T{y.tone}  {y.voice}: "
                  f"{s.start:+.1f} -> {s.end:+.1f} (low {s.low:+.1f}, mean {s.mean:+.1f}), looks {looks}")
    return {
        "audio": str(args.audio),
        "script": str(args.script),
        "chapters": args.chapters,
        "limit_seconds": args.limit_seconds,
        **overall,
        "neutral_skipped": script.neutral,
        "toneless_skipped": script.toneless,
        "sentences_without_syllables": script.without_syllables,
        "voices": per_voice,
        "settings": settings(),
        "syllable_shapes": [
            {"text": m.syllable.text, "reading": m.syllable.reading, "tone": m.syllable.tone,
             "voice": m.syllable.voice, "chapter": m.syllable.chapter,
             "start": m.syllable.start, "end": m.syllable.end, "fits": m.fits,
             **({} if m.shape is None else {
                 "f0_start": round(m.shape.start, 2), "f0_end": round(m.shape.end, 2),
                 "f0_low": round(m.shape.low, 2), "f0_high": round(m.shape.high, 2),
                 "f0_mean": round(m.shape.mean, 2), "dip": round(m.shape.dip, 2),
                 "tail": round(m.shape.tail, 2), "frames": m.shape.frames,
                 "looks": m.shape.looks()})}
            for m in rows],
    }


# --- the command -------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="measure-tones",
        description="The share of Mandarin syllables whose F0 shape (tracked by Praat) fits the "
                    "tone spoken, per tone, from an episode and its timing sidecar.",
        epilog="Thresholds: the constants at the top of scripts/tones/measure_tones.py; "
               "what the figures mean: scripts/tones/README.md.")
    p.add_argument("episode", nargs="?", type=Path,
                   help="EPISODE.wav (.mp3, .m4a); the sidecar EPISODE.script.json is read from beside it")
    p.add_argument("--audio", type=Path, help="the episode's audio (instead of EPISODE)")
    p.add_argument("--script", type=Path, help="the timing sidecar (default: beside the audio)")
    p.add_argument("--json", type=Path, help="also write the results here, with every syllable's shape")
    p.add_argument("--by-voice", action="store_true", help="a table per voice too")
    p.add_argument("--chapters", help="only these chapters, 1-based: 2,4-6")
    p.add_argument("--limit-seconds", type=float, help="only syllables ending before this time")
    p.add_argument("--no-announcements", action="store_true",
                   help="leave out the narrator's reading of titles")
    p.add_argument("--misfits", type=int, default=0, metavar="N",
                   help="list the first N syllables whose shape does not fit, to listen to")
    p.add_argument("--min-accuracy", type=float, metavar="X",
                   help="exit with status 1 if the tone accuracy is below X (e.g. 0.7)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    try:
        parse_chapters(args.chapters)
    except ValueError:
        p.error(f"--chapters {args.chapters}: expected numbers and ranges, such as 2,4-6")
    if args.audio is None:
        args.audio = args.episode
    elif args.episode is not None:
        p.error("give the episode either as EPISODE or as --audio, not both")
    if args.audio is None:
        p.error("no audio: give EPISODE.wav or --audio")
    if args.script is None:
        args.script = sidecar_of(args.audio)
    for path in (args.audio, args.script):
        if not path.is_file():
            p.error(f"{path}: no such file")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    script = load_script(args.script, parse_chapters(args.chapters), args.limit_seconds,
                         announcements=not args.no_announcements)
    if not script.sentences:
        print(f"measure-tones: {args.script} has no syllable timings to measure "
              f"({plural(script.without_syllables, 'sentence')} without): the engine reports no durations, "
              f"or the recast that wrote it is older", file=sys.stderr)
        return 1
    sound = load_sound(args.audio)
    if script.sentences[-1].end > sound.xmax + 0.5:
        print(f"measure-tones: warning: the script runs to {script.sentences[-1].end:.1f} s, "
              f"the audio to {sound.xmax:.1f} s: not the same render?", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\rtracking pitch: {done}/{total} sentence passes", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)

    voices, rows = measure(sound, script, progress)
    result = report(args, script, voices, rows)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    accuracy = result["tone_accuracy"]
    if args.min_accuracy is not None and (accuracy is None or accuracy < args.min_accuracy):
        print(f"tone accuracy {pct(accuracy).strip()} is below {100 * args.min_accuracy:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quietly stop when piped into head
    sys.exit(main())
