"""Tests of measure_tones.py on audio with known pitch contours, made here (no TTS needed).
Run them with `scripts/measure-tones --self-test`, or in the venv:
    $RECAST_HOME/tones-venv/bin/python -m unittest discover -s scripts/tones -p 'test_*.py'

The synthetic syllables are glottal-pulse-like (harmonics falling at 6 dB per octave) with
an F0 that follows a contour given in semitones around a register's centre, each behind a
40 ms noise "initial consonant" and followed by a short quiet gap. Each register gets the
same plan of contours, some of them written with a tone they do not fit, so the counts that
the tests check are exact and any misreading moves them.
"""

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
import wave
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402

import measure_tones as mt  # noqa: E402

RATE = 24000
MALE, FEMALE = 113.0, 228.0  # Hz: centres of the registers (about 90-135 and 180-270 Hz)

# Contours: (position in the voiced part 0..1, st re the register's centre) knots.
LEVEL_HIGH = [(0, 2.5), (1, 2.5)]
LEVEL_LOW = [(0, -4.0), (1, -4.0)]
RISING = [(0, -2.0), (1, 2.5)]
DIP_RISING = [(0, 0.0), (0.3, -1.2), (1, 2.5)]  # the usual connected-speech T2
FALLING = [(0, 3.5), (1, -1.5)]
DIPPING = [(0, 0.0), (0.5, -3.5), (1, -1.0)]
LOW_FALLING = [(0, -1.5), (1, -3.5)]  # the half third, 21
NEUTRAL = [(0, 0.0), (1, -0.5)]
UNVOICED = None  # noise only: a whispered or devoiced syllable

# (contour, spoken tone): what each register says, twice over.
PLAN = [
    (LEVEL_HIGH, 1), (RISING, 2), (DIPPING, 3), (FALLING, 4), (NEUTRAL, 5), (FALLING, 2),
    (LEVEL_LOW, 1), (DIP_RISING, 2), (LOW_FALLING, 3), (LEVEL_HIGH, 4), (UNVOICED, 4), (RISING, 4),
] * 2
# What the plan must give, per register: tone -> (count, measured, fits).
EXPECTED = {1: (4, 4, 2), 2: (6, 6, 4), 3: (4, 4, 4), 4: (8, 6, 2)}
EXPECTED_ACCURACY = (2 / 4 + 4 / 6 + 4 / 4 + 2 / 6) / 4
EXPECTED_T2 = (4 / 6, 2 / 6)  # rising by > 2 st, falling by > 2 st
EXPECTED_NEUTRAL = 2
EXPECTED_UNMEASURED = 2

CONSONANT, VOWEL, GAP, PAUSE = 0.04, 0.20, 0.06, 0.30  # s
PER_SENTENCE = 6


def voiced(knots, centre: float, seconds: float) -> np.ndarray:
    n = int(round(seconds * RATE))
    x = np.arange(n) / n
    st = np.interp(x, [k[0] for k in knots], [k[1] for k in knots])
    f0 = centre * 2 ** (st / 12)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    harmonics = int(5000 / f0.max())
    y = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    ramp = int(0.015 * RATE)
    env = np.ones(n)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[-ramp:] = np.linspace(1, 0, ramp)
    return 0.3 * env * y / np.abs(y).max()


class Episode:
    """Audio and sidecar built syllable by syllable, as recast would write them."""

    def __init__(self, seed: int = 1):
        self.rng = np.random.default_rng(seed)
        self.audio: list[np.ndarray] = [self.noise(0.3, 0.001)]
        self.chapters: list[dict] = []

    def noise(self, seconds: float, level: float) -> np.ndarray:
        return self.rng.normal(0, level, int(round(seconds * RATE)))

    @property
    def now(self) -> float:
        return sum(len(a) for a in self.audio) / RATE

    def chapter(self, title: str) -> None:
        self.chapters.append({"title": title, "start": self.now, "end": self.now, "turns": []})

    def turn(self, voice: str, centre: float, plan, announcement: bool = False) -> None:
        turn = {"speaker": voice.split("_")[-1], "voice": voice, "start": self.now, "sentences": []}
        if announcement:
            turn["announcement"] = True
        for at in range(0, len(plan), PER_SENTENCE):
            sentence = {"text": "", "start": self.now, "syllables": []}
            for contour, tone in plan[at:at + PER_SENTENCE]:
                start = self.now
                if contour is UNVOICED:
                    self.audio.append(self.noise(CONSONANT + VOWEL, 0.05))
                else:
                    self.audio.append(self.noise(CONSONANT, 0.03))
                    self.audio.append(voiced(contour, centre, VOWEL) + self.noise(VOWEL, 0.001))
                sentence["syllables"].append({"text": "字", "reading": f"zi{tone}", "tone": tone,
                                              "start": round(start, 4), "end": round(self.now, 4)})
                self.audio.append(self.noise(GAP, 0.001))
            sentence["text"] = "字" * len(sentence["syllables"])
            sentence["end"] = self.now
            turn["sentences"].append(sentence)
            self.audio.append(self.noise(PAUSE, 0.001))
        turn["end"] = self.now
        self.chapters[-1]["turns"].append(turn)
        self.chapters[-1]["end"] = self.now

    def english(self, voice: str) -> None:
        """A sentence with no syllable timings, as an English one is written."""
        start = self.now
        self.audio.append(voiced(NEUTRAL, MALE, 0.5))
        self.chapters[-1]["turns"].append({
            "speaker": "x", "voice": voice, "start": start, "end": self.now,
            "sentences": [{"text": "Hello.", "start": start, "end": self.now}]})
        self.audio.append(self.noise(PAUSE, 0.001))

    def write(self, folder: Path, name: str = "episode") -> Path:
        wav = folder / f"{name}.wav"
        pcm = np.clip(np.concatenate(self.audio), -1, 1)
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((pcm * 32767).astype("<i2").tobytes())
        sidecar = {"title": "test", "language": "zh", "sample_rate": RATE,
                   "duration": self.now, "chapters": self.chapters}
        (folder / f"{name}.script.json").write_text(json.dumps(sidecar, ensure_ascii=False))
        return wav


def run(argv: list[str]) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = mt.main(argv + ["--quiet"])
    return code, out.getvalue() + err.getvalue()


class Fixture(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="recast-tones-test-"))
        self.addCleanup(shutil.rmtree, self.dir)

    def measure(self, episode: Episode, *options: str, name: str = "episode") -> dict:
        wav = episode.write(self.dir, name)
        out = self.dir / "out.json"
        code, text = run([str(wav), "--json", str(out), *options])
        self.assertEqual(code, 0, text)
        self.text = text
        return json.loads(out.read_text())

    def check_plan(self, result: dict, times: int = 1) -> None:
        """RESULT holds the plan TIMES over (once per register)."""
        for tone, (count, measured, fits) in EXPECTED.items():
            t = result["tones"][str(tone)]
            self.assertEqual((t["count"], t["measured"], t["fits"]),
                             (times * count, times * measured, times * fits), f"tone {tone}")
        self.assertAlmostEqual(result["tone_accuracy"], EXPECTED_ACCURACY)
        self.assertAlmostEqual(result["t2_rising"], EXPECTED_T2[0])
        self.assertAlmostEqual(result["t2_falling"], EXPECTED_T2[1])
        self.assertEqual(result["unmeasured"], times * EXPECTED_UNMEASURED)


class Registers(Fixture):
    def one_voice(self, voice: str, centre: float) -> dict:
        e = Episode()
        e.chapter("one")
        e.turn(voice, centre, PLAN)
        result = self.measure(e)
        self.check_plan(result)
        self.assertEqual(result["neutral_skipped"], EXPECTED_NEUTRAL)
        v = result["voices"][voice]
        # The median is among the plan's frames, a little below the centre.
        self.assertLess(abs(12 * np.log2(v["median_hz"] / centre)), 1.0, v)
        return result

    def test_male(self):
        v = self.one_voice("test_male", MALE)["voices"]["test_male"]
        self.assertLess(v["ceiling_hz"], 250)  # the second pass narrowed the range

    def test_female(self):
        v = self.one_voice("test_female", FEMALE)["voices"]["test_female"]
        self.assertGreater(v["floor_hz"], 120)

    def test_each_syllable(self):
        """Every contour reads as the shapes it was made as, in both registers."""
        looks = {id(LEVEL_HIGH): [1], id(LEVEL_LOW): [3], id(RISING): [2], id(DIP_RISING): [2],
                 id(FALLING): [4], id(DIPPING): [3], id(LOW_FALLING): [3]}
        for centre in (MALE, FEMALE):
            e = Episode()
            e.chapter("one")
            e.turn("v", centre, PLAN)
            result = self.measure(e)
            measured = [(c, t) for c, t in PLAN if t != 5]
            self.assertEqual(len(measured), len(result["syllable_shapes"]))
            for (contour, tone), s in zip(measured, result["syllable_shapes"]):
                if contour is UNVOICED:
                    self.assertIsNone(s["fits"], s)
                    self.assertNotIn("looks", s)
                else:
                    self.assertEqual(s["looks"], looks[id(contour)], (centre, s))

    def test_two_voices(self):
        """Each voice is measured against its own median: pooled, the male's high level
        tones would be low against the female's, and the female's low ones high."""
        e = Episode()
        e.chapter("men")
        e.turn("test_male", MALE, PLAN[:12])
        e.turn("test_female", FEMALE, PLAN[:12])
        e.chapter("women")
        e.turn("test_male", MALE, PLAN[12:])
        e.turn("test_female", FEMALE, PLAN[12:])
        result = self.measure(e, "--by-voice")
        self.check_plan(result, times=2)
        for voice in ("test_male", "test_female"):
            self.check_plan(result["voices"][voice])
        self.assertIn("test_female: median", self.text)
        self.assertIn("tone accuracy (mean of the four shares): 62.5%", self.text)

    def test_chapters_limit_and_announcements(self):
        e = Episode()
        e.chapter("title")
        e.turn("narrator", FEMALE, PLAN, announcement=True)
        e.chapter("body")
        e.english("test_male")
        e.turn("test_male", MALE, PLAN)
        result = self.measure(e, "--chapters", "2")
        self.check_plan(result)
        self.assertEqual(list(result["voices"]), ["test_male"])
        self.assertEqual(result["sentences_without_syllables"], 1)
        result = self.measure(e, "--no-announcements")
        self.check_plan(result)
        result = self.measure(e)
        self.check_plan(result, times=2)
        # Up to the end of the announcement: the narrator's plan alone.
        end = e.chapters[0]["end"]
        result = self.measure(e, "--limit-seconds", str(end + 0.01))
        self.check_plan(result)
        self.assertEqual(list(result["voices"]), ["narrator"])

    @unittest.skipUnless(shutil.which("ffmpeg"), "no ffmpeg")
    def test_mp3(self):
        """An MP3 is decoded through ffmpeg, and its encoder delay does not shift the times."""
        e = Episode()
        e.chapter("one")
        e.turn("test_female", FEMALE, PLAN)
        wav = e.write(self.dir)
        mp3 = self.dir / "episode.mp3"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(wav), "-b:a", "128k", str(mp3)],
                       check=True)
        out = self.dir / "out.json"
        code, text = run(["--audio", str(mp3), "--script", str(self.dir / "episode.script.json"),
                          "--json", str(out)])
        self.assertEqual(code, 0, text)
        self.check_plan(json.loads(out.read_text()))
        # And EPISODE.mp3 finds EPISODE.script.json beside it.
        code, text = run([str(mp3)])
        self.assertEqual(code, 0, text)
        self.assertIn("tone accuracy (mean of the four shares): 62.5%", text)

    def test_min_accuracy(self):
        e = Episode()
        e.chapter("one")
        e.turn("v", MALE, PLAN)
        wav = e.write(self.dir)
        self.assertEqual(run([str(wav), "--min-accuracy", "0.6"])[0], 0)
        self.assertEqual(run([str(wav), "--min-accuracy", "0.7"])[0], 1)

    def test_nothing_to_measure(self):
        e = Episode()
        e.chapter("one")
        e.english("v")
        wav = e.write(self.dir)
        self.assertEqual(run([str(wav)])[0], 1)


def contour(knots, frames: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Frame times and st values along KNOTS, as the tracker would give them."""
    times = np.arange(frames) * mt.TIME_STEP
    x = times / times[-1]
    return times, np.interp(x, [k[0] for k in knots], [k[1] for k in knots])


class Shapes(unittest.TestCase):
    """The classifier alone, on contours given in st re the voice's median."""

    def looks(self, knots, frames: int = 40) -> list[int] | None:
        shape = mt.shape_of(*contour(knots, frames))
        return None if shape is None else shape.looks()

    def test_citation_shapes(self):
        self.assertEqual(self.looks([(0, 2), (1, 2.5)]), [1])
        self.assertEqual(self.looks([(0, 0.3), (1, 0.3)]), [1])  # at the median: still T1
        self.assertEqual(self.looks([(0, -0.8), (1, -0.8)]), [1, 3])  # just below: either
        self.assertEqual(self.looks([(0, -3), (1, -3)]), [3])  # low level: T3, not T1
        self.assertEqual(self.looks([(0, -1), (1, 2.5)]), [2])
        self.assertEqual(self.looks([(0, 3), (1, -1)]), [4])
        self.assertEqual(self.looks([(0, 1), (0.5, -2), (1, 0.5)]), [3])  # a dip
        self.assertEqual(self.looks([(0, 3), (0.5, 0.5), (1, 3)]), [3])  # a dip up high
        self.assertEqual(self.looks([(0, 2), (1, -3)]), [3, 4])  # a fall to low fits both

    def test_not_shapes(self):
        self.assertEqual(self.looks([(0, -1), (0.6, 3), (1, 0)]), [])  # a rise-fall is none
        self.assertEqual(self.looks([(0, 2.5), (1, 1.5)]), [1])  # a slight fall is level
        self.assertEqual(self.looks([(0, 0.5), (1, 1.5)]), [1])  # a slight rise too

    def test_too_little_voicing(self):
        need = int(round(mt.MIN_VOICED_SECONDS / mt.TIME_STEP))
        self.assertIsNone(self.looks([(0, 2), (1, 2)], need - 1))
        self.assertEqual(self.looks([(0, 2), (1, 2)], need), [1])
        self.assertIsNone(mt.shape_of(np.zeros(0), np.zeros(0)))

    def test_octave_errors_ignored(self):
        times, st = contour([(0, 2), (1, 2)])
        st[[10, 25]] += 12
        st[30] -= 12
        self.assertEqual(mt.shape_of(times, st).looks(), [1])

    def test_coarticulated_ends_trimmed(self):
        """A level tone reached from a low neighbour stays level: the first 12% of its
        voicing is the transition."""
        times, st = contour([(0, -3), (0.12, 2), (1, 2)])
        self.assertEqual(mt.shape_of(times, st).looks(), [1])


class Parts(unittest.TestCase):
    def test_parse_chapters(self):
        self.assertIsNone(mt.parse_chapters(None))
        self.assertEqual(mt.parse_chapters("2, 4-6"), {2, 4, 5, 6})

    def test_sidecar_of(self):
        self.assertEqual(mt.sidecar_of(Path("/a/ep.01.m4a")), Path("/a/ep.01.script.json"))

    def test_pitch_range(self):
        self.assertEqual(mt.pitch_range(np.full(10, 200.0)), (mt.FIRST_PASS_FLOOR, mt.FIRST_PASS_CEILING))
        floor, ceiling = mt.pitch_range(np.linspace(100, 140, 1000))
        self.assertAlmostEqual(floor, 0.75 * 110)
        self.assertAlmostEqual(ceiling, 1.5 * 130)

    def test_median3(self):
        self.assertEqual(list(mt.median3(np.array([1.0, 9.0, 1.0, 2.0, 3.0]))), [1, 1, 2, 2, 3])


if __name__ == "__main__":
    unittest.main()
