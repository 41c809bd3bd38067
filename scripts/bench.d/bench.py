#!/usr/bin/env python3
"""The measurements behind scripts/bench (run that, not this: it installs and builds first).

Prints a table of figures and ratios; with --write also rewrites BENCHMARKS.md. It never
asserts a timing: it exits non-zero only when a command it measures fails.
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

EN_VOICE = "en_US-joe-medium"
KOKORO_VOICE = "kokoro-jm_kumo"
# Text for the real-time factor and first-audio figures (written for this benchmark).
EN_SAY = (
    "The kettle clicked off in the next room, and she poured the tea and sat down by the old window. "
    "Outside, the rain had finally stopped, and the street was shining. "
    "A bus went past with its lights on, although it was only four in the afternoon."
)
ZH_SAY = (
    "今天下午我们去公园散步。天气很好，风也不大。湖边有很多人在钓鱼，孩子们在草地上放风筝。"
    "回家的路上，我们买了一些新鲜的水果。"
)
# Appended to one turn of the Chinese script for the "edited" render.
ZH_EDIT = "这一句是后来加上的，用来测试缓存。"


def log(msg):
    print(f"\033[1mbench:\033[0m {msg}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


class Run:
    """One command measured by /usr/bin/time -v."""

    def __init__(self, wall, user, sys_, rss_kb, output):
        self.wall, self.user, self.sys, self.rss_kb, self.output = wall, user, sys_, rss_kb, output

    @property
    def cpu(self):
        return self.user + self.sys

    @property
    def rss_mb(self):
        return self.rss_kb / 1024

    def synthesised(self):
        """recast render's "synthesised N of M sentences", as (N, M), or None."""
        m = re.search(r"synthesised (\d+) of (\d+) sentences", self.output)
        return (int(m.group(1)), int(m.group(2))) if m else None


class Bench:
    def __init__(self, args):
        self.a = args
        self.work = Path(args.work)
        self.recast = args.recast
        self.real_home = Path(args.home)
        self.fixture = Path(args.repo) / "tests/fixtures/bench/english-60.md"
        # Sentences alike in length (79-88 characters): the case a dispatch that pairs
        # long with short sentences cannot help.
        self.uniform = Path(args.repo) / "tests/fixtures/bench/english-uniform-60.md"
        self.en_sentence_counts = {}
        self.n = 0
        self.rows = []  # (item, measurement, Run or None, audio s, note)
        self.ratios = []  # (figure, value text, target, verdict)
        self.rounds = []  # item 1, per round: {config: Run}
        self.not_measured = []
        self.shares = []  # (render, share of synthesis workers' time inside model calls)
        self.failures = []
        self.loads = []
        self._stop = threading.Event()

    # -- helpers -------------------------------------------------------------------------
    def timed(self, cmd, env_extra=None, stdin=subprocess.DEVNULL):
        self.n += 1
        tfile = self.work / f"time-{self.n}.txt"
        env = dict(os.environ)
        env.update(env_extra or {})
        p = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(tfile)] + [str(c) for c in cmd],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            errors="replace",
        )
        if p.returncode != 0:
            tail = "\n".join(p.stdout.strip().splitlines()[-8:])
            raise Failed(f"`{' '.join(str(c) for c in cmd)}` exited {p.returncode}:\n{tail}")
        t = tfile.read_text()

        def field(name):
            m = re.search(re.escape(name) + r".*?:\s*(\S+)\s*$", t, re.M)
            if not m:
                raise Failed(f"/usr/bin/time printed no {name!r}")
            return m.group(1)

        parts = [float(x) for x in field("Elapsed (wall clock) time").split(":")]
        wall = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
        return Run(
            wall,
            float(field("User time (seconds)")),
            float(field("System time (seconds)")),
            int(field("Maximum resident set size (kbytes)")),
            p.stdout,
        )

    def home(self, name):
        """A private RECAST_HOME: the real runtime, voices and zh data, its own empty cache."""
        d = self.work / name
        d.mkdir()
        for entry in ("runtime", "voices", "zh"):
            if (self.real_home / entry).exists():
                (d / entry).symlink_to(self.real_home / entry)
        return {"RECAST_HOME": str(d)}

    def out(self, cmd, env_extra=None):
        env = dict(os.environ)
        env.update(env_extra or {})
        return subprocess.run(
            [str(c) for c in cmd], env=env, check=True, capture_output=True, text=True
        ).stdout

    @staticmethod
    def wav_seconds(path):
        try:
            with wave.open(str(path)) as w:
                return w.getnframes() / w.getframerate()
        except (OSError, wave.Error, EOFError):
            return None

    def row(self, item, what, run, audio=None, note=""):
        self.rows.append((item, what, run, audio, note))

    def ratio(self, figure, value, target=None, met=None, fmt="{:.2f}"):
        text = value if isinstance(value, str) else fmt.format(value)
        verdict = "" if met is None else ("met" if met else "not met")
        self.ratios.append((figure, text, target or "", verdict))

    def sample_load(self):
        while not self._stop.wait(5):
            try:
                self.loads.append(float(Path("/proc/loadavg").read_text().split()[0]))
            except OSError:
                pass

    @staticmethod
    def cpu_busy(seconds=3.0):
        """Share of all cores busy over a short idle sample (before we start anything)."""

        def snap():
            v = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
            idle = v[3] + (v[4] if len(v) > 4 else 0)
            return sum(v[:8]), idle

        t0, i0 = snap()
        time.sleep(seconds)
        t1, i1 = snap()
        return 1 - (i1 - i0) / max(1, t1 - t0)

    def script_json(self, src, dest, env):
        self.out([self.recast, "script", src, "-o", dest], env)
        return json.loads(Path(dest).read_text())

    def installed_voices(self):
        voices = []
        for line in self.out([self.recast, "voices", "list"]).splitlines()[1:]:
            cols = line.split()
            if len(cols) >= 6 and cols[-1] == "yes":
                voices.append((cols[0], cols[1]))
        return voices

    def attempt(self, label, fn):
        try:
            fn()
        except Failed as e:
            log(f"{label} failed: {e}")
            self.failures.append(f"{label}: {e}")
        except (subprocess.CalledProcessError, OSError, ValueError, KeyError) as e:
            detail = getattr(e, "stderr", "") or ""
            log(f"{label} failed: {e} {detail}")
            self.failures.append(f"{label}: {e} {detail}".strip())

    # -- 1. Piper's CLI vs recast ---------------------------------------------------------
    def piper_vs_recast(self):
        for tag, fixture in (("varied", self.fixture), ("uniform", self.uniform)):
            self.piper_vs_recast_on(tag, fixture)

    def piper_vs_recast_on(self, tag, fixture):
        env = self.home(f"home-en-{tag}")
        speakers = []
        for ch in self.script_json(fixture, self.work / f"en-{tag}.json", env)["chapters"]:
            for turn in ch["turns"]:
                if turn["speaker"] not in speakers:
                    speakers.append(turn["speaker"])
        plain = []
        for s in speakers:
            plain += ["--cast", f"{s}={EN_VOICE}"]
        # A first render gives the sentences exactly as recast splits them (sidecar), and
        # reads the model into the page cache for everyone.
        log(f"1. {tag}: warm-up render for the sentence list")
        self.timed(
            [self.recast, "render", fixture, "-o", self.work / f"en-sentences-{tag}.wav",
             "--no-announce", *plain], env)
        sidecar = json.loads((self.work / f"en-sentences-{tag}.script.json").read_text())
        sentences = [s["text"] for ch in sidecar["chapters"] for t in ch["turns"]
                     for s in t["sentences"]]
        listing = self.work / f"sentences-{tag}.txt"
        listing.write_text("\n".join(sentences) + "\n")
        words = sum(len(s.split()) for s in sentences)
        lengths = [len(s) for s in sentences]
        self.en_sentence_counts[tag] = (len(sentences), words, min(lengths), max(lengths))

        model = self.real_home / "voices" / EN_VOICE / f"{EN_VOICE}.onnx"
        render = [self.recast, "render", fixture, "--no-cache", "--no-announce"]
        configs = [
            ("piper", "Piper CLI 1.8.0 (`-i sentences.txt -f out.wav`)",
             lambda o: [self.a.piper, "-m", model, "-c", f"{model}.json", "-i", listing, "-f", o]),
            ("j2t1", "recast `--jobs 2 --threads 1`, same voice for both speakers",
             lambda o: render + ["-o", o, "--jobs", "2", "--threads", "1", *plain]),
            ("j1t2", "recast `--jobs 1 --threads 2`, same voice for both speakers",
             lambda o: render + ["-o", o, "--jobs", "1", "--threads", "2", *plain]),
            ("same", "recast defaults, same voice for both speakers",
             lambda o: render + ["-o", o, *plain]),
        ]
        if tag == "varied":
            configs.append(("default", "recast defaults (default cast: joe and Kokoro packs)",
                            lambda o: render + ["-o", o]))
        rounds = []
        for r in range(self.a.rounds):
            order = configs if r % 2 == 0 else configs[::-1]
            runs = {}
            for key, _, cmd in order:
                log(f"1. {tag}, round {r + 1}/{self.a.rounds}: {key}")
                o = self.work / f"en-{tag}-{key}-{r}.wav"
                runs[key] = self.timed(cmd(o), env)
                runs[key].audio = self.wav_seconds(o)
            rounds.append(runs)
        self.rounds.extend(rounds)

        med = lambda xs: statistics.median(xs)
        name = fixture.name
        for key, what, _ in configs:
            runs = [rd[key] for rd in rounds]
            agg = Run(med([x.wall for x in runs]), med([x.user for x in runs]),
                      med([x.sys for x in runs]), med([x.rss_kb for x in runs]), "")
            walls = ", ".join(f"{x.wall:.1f}" for x in runs)
            self.row("1", f"`{name}`: {what}", agg, runs[0].audio,
                     f"median of {len(runs)}; walls {walls} s")
        ours = [k for k, _, _ in configs if k != "piper"]
        for key in ours:
            per = [rd["piper"].wall / rd[key].wall for rd in rounds]
            v = med(per)
            rng = f" ({min(per):.2f}–{max(per):.2f})" if len(per) > 1 else ""
            target = key == "same"
            self.ratio(f"`{name}`: Piper wall / recast wall, {key}", f"{v:.2f}{rng}",
                       "≥ 1.3" if target else "", (v >= 1.3) if target else None)
        for key in ours:
            per = [rd[key].rss_kb / rd["piper"].rss_kb for rd in rounds]
            v = med(per)
            target = key == "same"
            self.ratio(f"`{name}`: recast peak RSS / Piper peak RSS, {key}", v,
                       "≤ 1.0" if target else "", (v <= 1.0) if target else None)
        for key in ("j2t1", "j1t2", "same"):
            per = [rd["piper"].cpu / rd[key].cpu for rd in rounds]
            self.ratio(f"`{name}`: Piper CPU time / recast CPU time, {key}", med(per))
        for key in ours:
            shares = [self.model_share(rd[key]) for rd in rounds]
            if None not in shares:
                self.shares.append((f"`{name}`, {key}", med(shares), key == "same"))

    # -- 2. and 4. Chinese transcript: cold, warm, edited; 1x and 10x memory --------------
    def chinese(self):
        zh = [v for v, lang in self.installed_voices() if lang.startswith("zh")]
        src = Path(self.a.transcript)
        if not zh:
            self.not_measured.append("2. cold vs warm: skipped: no Chinese voice installed")
            log("2. skipped: no Chinese voice installed")
            self.attempt("4. peak RSS (English)", self.memory_english)
            return
        if not src.exists():
            self.not_measured.append(f"2. cold vs warm: skipped: no transcript at {src}")
            self.attempt("4. peak RSS (English)", self.memory_english)
            return
        self.zh_voices = zh
        env = self.home("home-zh")
        log("2. cold render of the Chinese transcript (empty private cache)")
        cold = self.timed([self.recast, "render", src, "-o", self.work / "zh-cold.wav"], env)
        audio = self.wav_seconds(self.work / "zh-cold.wav")
        self.row("2", f"cold render of `{src.name}` (default cast, empty cache)", cold, audio,
                 self.synth_note(cold))
        if self.model_share(cold) is not None:
            self.shares.append((f"`{src.name}`, cold", self.model_share(cold), False))
        rtf = cold.wall / audio if audio else float("nan")
        self.ratio(f"real-time factor of the cold render of `{src.name}` (default cast)", rtf,
                   "≤ 0.10", rtf <= 0.10, "{:.3f}")
        self.ratio(f"peak RSS of the cold render of `{src.name}`, MB", cold.rss_mb, "≤ 600",
                   cold.rss_mb <= 600, "{:.0f}")
        log("2. warm render")
        warm = self.timed([self.recast, "render", src, "-o", self.work / "zh-warm.wav"], env)
        self.row("2", "warm render, unchanged", warm, audio, self.synth_note(warm))
        script = self.script_json(src, self.work / "zh.json", env)
        turns = [t for ch in script["chapters"] for t in ch["turns"]]
        turn = turns[len(turns) // 2]
        turn["text"] = turn["text"].rstrip() + ZH_EDIT
        (self.work / "zh-edited.json").write_text(json.dumps(script, ensure_ascii=False))
        log("2. warm render after editing one turn")
        edited = self.timed(
            [self.recast, "render", self.work / "zh-edited.json", "-o", self.work / "zh-ed.wav"],
            env)
        self.row("2", f"warm render, one turn edited ({turn['speaker']}: one sentence added)",
                 edited, self.wav_seconds(self.work / "zh-ed.wav"), self.synth_note(edited))
        self.ratio("warm / cold wall, unchanged", warm.wall / cold.wall, "≤ 0.10",
                   warm.wall / cold.wall <= 0.10, "{:.3f}")
        self.ratio("warm / cold wall, one turn edited", edited.wall / cold.wall, "≤ 0.10",
                   edited.wall / cold.wall <= 0.10, "{:.3f}")
        self.attempt("4. peak RSS", lambda: self.memory(
            "zh", self.work / "zh.json", env, cold, f"`{src.name}`"))

    def memory_english(self):
        env = self.home("home-mem-en")
        self.out([self.recast, "script", self.fixture, "-o", self.work / "en-mem.json"], env)
        log("4. cold render of the English fixture (no Chinese voice)")
        cold = self.timed(
            [self.recast, "render", self.work / "en-mem.json", "-o", self.work / "m.wav"], env)
        self.memory("en", self.work / "en-mem.json", env, cold, "english-60.md")

    def memory(self, tag, json1, env, cold1, label):
        script = json.loads(Path(json1).read_text())
        script["chapters"] = script["chapters"] * 10
        json10 = self.work / f"{tag}-10x.json"
        json10.write_text(json.dumps(script, ensure_ascii=False))
        log("4. warm render, 1x")
        w1 = self.timed([self.recast, "render", json1, "-o", self.work / "m1.wav"], env)
        a1 = self.wav_seconds(self.work / "m1.wav")
        # The first 10x render may synthesise a few new sentences (announcements of the
        # later chapters); the second finds everything in the cache.
        log("4. first render, 10x")
        p10 = self.timed([self.recast, "render", json10, "-o", self.work / "m10.wav"], env)
        log("4. warm render, 10x")
        w10 = self.timed([self.recast, "render", json10, "-o", self.work / "m10.wav"], env)
        a10 = self.wav_seconds(self.work / "m10.wav")
        self.row("4", f"warm render of {label}, 1x", w1, a1, self.synth_note(w1))
        self.row("4", f"first render of {label} chapters repeated 10x, cache of the 1x",
                 p10, a10, self.synth_note(p10))
        self.row("4", f"warm render of {label} chapters repeated 10x", w10, a10,
                 self.synth_note(w10))
        self.ratio("peak RSS 10x / 1x, warm cache", w10.rss_kb / w1.rss_kb, "≤ 1.10",
                   w10.rss_kb / w1.rss_kb <= 1.10)
        if self.a.long_cold:
            env10 = self.home(f"home-cold10-{tag}")
            log("4. cold render, 10x (--long-cold)")
            c10 = self.timed([self.recast, "render", json10, "-o", self.work / "c10.wav"], env10)
            self.row("4", f"cold render of {label} chapters repeated 10x", c10, a10,
                     self.synth_note(c10))
            self.ratio("peak RSS 10x / 1x, empty cache", c10.rss_kb / cold1.rss_kb, "≤ 1.10",
                       c10.rss_kb / cold1.rss_kb <= 1.10)
        else:
            self.not_measured.append(
                "4. cold render of the 10x script: not run (`--long-cold`; it synthesises "
                "every repeated sentence again, about ten cold renders)")

    @staticmethod
    def model_share(run):
        m = re.search(r"spent (\d+)% of their time inside model calls", run.output)
        return int(m.group(1)) / 100 if m else None

    @staticmethod
    def synth_note(run):
        s = run.synthesised()
        return f"synthesised {s[0]} of {s[1]} sentences" if s else ""

    # -- 3. real-time factor per voice ------------------------------------------------------
    def voices_rtf(self):
        env = self.home("home-say")
        for voice, lang in self.installed_voices():
            text = EN_SAY if lang.startswith("en") else ZH_SAY if lang.startswith("zh") else None
            if text is None:
                self.not_measured.append(f"3. {voice}: no benchmark text for {lang}")
                continue
            log(f"3. recast say, {voice}")
            best, audio = None, None
            for i in range(2):
                o = self.work / f"say-{voice}-{i}.wav"
                try:
                    run = self.timed([self.recast, "say", text, "--voice", voice, "-o", o], env)
                except Failed as e:
                    self.failures.append(f"3. {voice}: {e}")
                    break
                audio = self.wav_seconds(o)
                if best is None or run.wall < best.wall:
                    best = run
            if best is None:
                continue
            self.say_walls = getattr(self, "say_walls", {})
            self.say_walls[voice] = best.wall
            n = len(re.findall(r"[.!?。！？]", text))
            self.row("3", f"`recast say` {voice}, {n} sentences (best of 2)", best, audio,
                     "includes loading the model")
            if audio:
                self.ratio(f"real-time factor {voice} (audio s / wall s)", audio / best.wall,
                           fmt="{:.1f}")

    # -- 5. time to first audio ---------------------------------------------------------------
    def first_audio(self):
        helptext = self.out([self.recast, "say", "--help"])
        if "--play" not in helptext:
            self.not_measured.append("5. time to first audio: `recast say` has no --play")
            return
        env = self.home("home-play")
        env_o = dict(env)
        # recast's device-free player: takes the audio in real time, no sound card needed.
        env["RECAST_AUDIO_DEVICE"] = "null"
        firsts, walls = [], []
        for _ in range(3):
            log("5. recast say --play (device-free player)")
            try:
                run = self.timed([self.recast, "say", EN_SAY, "--voice", EN_VOICE, "--play"], env)
            except Failed as e:
                msg = str(e)
                why = "no audio device" if "audio output device" in msg else msg.splitlines()[0]
                self.not_measured.append(f"5. time to first audio: not measured: {why}")
                return
            m = re.search(r"first audio reached the player (\d+) ms", run.output)
            if not m:
                self.not_measured.append(
                    "5. time to first audio: not measured: say --play streams nothing yet")
                return
            firsts.append(int(m.group(1)) / 1000)
            walls.append(run)
        best = min(walls, key=lambda r: r.wall)
        words = len(EN_SAY.split(". ")[0].split())
        self.row("5", f"`recast say --play` {EN_VOICE} (best of 3), whole run", best, None,
                 f"first audio after {min(firsts):.2f} s (runs: "
                 + ", ".join(f"{f:.2f}" for f in firsts) + f"); first sentence {words} words; "
                 "the device-free player takes audio in real time")
        med = statistics.median(firsts)
        self.ratio(f"time to first audio, s (`say --play`, {words}-word first sentence; median of 3)",
                   med, "< 0.5", med < 0.5, fmt="{:.2f}")
        # The same with the Kokoro voice that reads the user's interview, on Chinese text.
        if any(v == KOKORO_VOICE for v, _ in self.installed_voices()):
            kfirsts = []
            for _ in range(3):
                log(f"5. recast say --play, {KOKORO_VOICE}")
                run = self.timed([self.recast, "say", ZH_SAY, "--voice", KOKORO_VOICE, "--play"],
                                 env)
                m = re.search(r"first audio reached the player (\d+) ms", run.output)
                if m:
                    kfirsts.append(int(m.group(1)) / 1000)
            if kfirsts:
                kmed = statistics.median(kfirsts)
                self.ratio(f"time to first audio, s (`say --play`, {KOKORO_VOICE}, Chinese; "
                           "median of 3)", kmed, "< 0.5", kmed < 0.5, fmt="{:.2f}")
        else:
            self.not_measured.append(f"5. first audio with {KOKORO_VOICE}: not installed")
        # render --play: first audio of an episode while the rest is synthesised (cold cache).
        renders = []
        for k in range(2):
            log("5. recast render --play (device-free player, cold cache)")
            home = self.home(f"home-render-play-{k}")
            home["RECAST_AUDIO_DEVICE"] = "null"
            run = self.timed([self.recast, "render", Path(self.a.repo) / "tests/fixtures/e2e/two-speakers.md",
                              "-o", self.work / f"played-{k}.wav", "--play"], home)
            m = re.search(r"first audio reached the player (\d+) ms", run.output)
            if m:
                renders.append(int(m.group(1)) / 1000)
        if renders:
            self.ratio("time to first audio, s (`render --play`, cold cache; best of 2)",
                       min(renders), fmt="{:.2f}")
        first = EN_SAY.split(". ")[0] + "."
        one = min((self.timed([self.recast, "say", first, "--voice", EN_VOICE,
                               "-o", self.work / "first.wav"], env_o) for _ in range(2)),
                  key=lambda r: r.wall)
        self.row("5", f"`recast say -o` of the first sentence alone (best of 2)", one,
                 self.wav_seconds(self.work / "first.wav"),
                 "the least a streaming player can wait: load + one sentence")
        whole = getattr(self, "say_walls", {}).get(EN_VOICE)
        if whole:
            self.ratio("first audio / whole `say -o` of the same text", min(firsts) / whole)

    def onnx_share(self):
        for what, share, target in self.shares:
            self.ratio(f"share of synthesis workers' time inside model calls, {what}", share,
                       "≥ 90%" if target else "", (share >= 0.9) if target else None,
                       fmt="{:.0%}")
        if self.shares:
            return
        helptext = self.out([self.recast, "render", "--help"])
        m = re.search(r"--(profile|timings?|trace)\b", helptext)
        if m:
            self.not_measured.append(
                f"share of wall time in ONNX Runtime: recast has --{m.group(1)}, "
                "which this script does not read yet")
        else:
            self.not_measured.append(
                "share of wall time in ONNX Runtime model calls: not measured "
                "(`recast render` has no timing/profile option)")

    # -- report -------------------------------------------------------------------------------
    def machine(self):
        def sh(cmd):
            try:
                return subprocess.run(cmd, shell=True, capture_output=True,
                                      text=True).stdout.rstrip()
            except OSError:
                return "?"

        model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip() or "?"
        return {
            "date": sh("date -u"),
            "cpu": f"{model}, {sh('nproc')} cores (nproc)",
            "memory": sh("free -h"),
            "kernel": sh("uname -sr"),
        }

    def versions(self):
        def sh(cmd, cwd=None):
            r = subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=cwd,
                               env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))
            return r.stdout.strip()

        repo = self.a.repo
        rev = sh("git rev-parse --short HEAD", repo) or "?"
        dirty = sh("git status --porcelain --untracked-files=no", repo)
        dirty_n = len(dirty.splitlines()) if dirty else 0
        py = str(Path(self.a.piper).parent / "python")
        piper_v = sh(f"{py} -c 'import importlib.metadata as m; print(m.version(\"piper-tts\"), "
                     f"m.version(\"onnxruntime\"))'").split()
        ort = sorted(p.name for p in (self.real_home / "runtime").glob("libonnxruntime.so*"))
        v = {
            "recast": f"{sh(self.recast + ' --version')}, git {rev}"
                      + (f" + uncommitted changes in {dirty_n} tracked files" if dirty_n else ""),
            "recast's ONNX Runtime": ", ".join(ort) or "system / ORT_DYLIB_PATH",
            "Piper": f"piper-tts {piper_v[0]} with onnxruntime {piper_v[1]} (PyPI)"
                     if len(piper_v) == 2 else "?",
            "rustc": sh("rustc --version"),
        }
        if self.a.build_note:
            v["build"] = self.a.build_note
        return v

    def table(self):
        lines = ["| # | measurement | wall s | CPU s (user+sys) | peak RSS MB | audio s | note |",
                 "|---|---|---:|---:|---:|---:|---|"]
        for item, what, run, audio, note in sorted(self.rows, key=lambda r: r[0]):
            a = f"{audio:.1f}" if audio else ""
            if run is None:
                lines.append(f"| {item} | {what} |  |  |  | {a} | {note} |")
            else:
                lines.append(f"| {item} | {what} | {run.wall:.2f} | {run.cpu:.2f} | "
                             f"{run.rss_mb:.0f} | {a} | {note} |")
        lines += ["", "| figure | value | target | |", "|---|---:|---|---|"]
        for fig, val, target, verdict in self.ratios:
            lines.append(f"| {fig} | {val} | {target} | {verdict} |")
        if self.not_measured:
            lines.append("")
            lines += [f"- {x}" for x in self.not_measured]
        if self.failures:
            lines.append("")
            lines += [f"- FAILED {x.splitlines()[0]}" for x in self.failures]
        return "\n".join(lines)

    def busy_text(self):
        ncpu = os.cpu_count() or 1
        mean = statistics.mean(self.loads) if self.loads else 0.0
        peak = max(self.loads) if self.loads else 0.0
        busy = self.busy_before > 0.25 or mean > ncpu + 0.5
        facts = (f"before the run, with nothing of the benchmark running, "
                 f"{self.busy_before:.0%} of the {ncpu} cores were busy; during it the 1-minute "
                 f"load average was {mean:.1f} on average and {peak:.1f} at most (the benchmark "
                 f"alone accounts for up to {ncpu})")
        return busy, facts

    def write(self, table, machine, versions, started, took):
        busy, facts = self.busy_text()
        doc = ["# Benchmarks", "",
               f"Written by `scripts/bench --write` on {machine['date']} ({took / 60:.0f} min). "
               "Figures come from one run on one machine: absolute times move with the "
               "machine's load, so compare the ratios, which were measured in the same run.", ""]
        if busy:
            doc += [f"**This run was on a shared, busy machine** (other work was running "
                    f"beside it): {facts}. Expect absolute figures to be slower and noisier "
                    "than on an idle machine.", ""]
        else:
            doc += [f"Load: {facts}.", ""]
        doc += ["Run it with `scripts/bench` (prints the table) or `scripts/bench --write` "
                "(also rewrites this file); `--rounds N` repeats the Piper comparison, "
                "`--long-cold` adds the slow cold 10x render, `--note TEXT` adds a note.", "",
                "## Machine", "",
                f"- date: {machine['date']}",
                f"- CPU: {machine['cpu']}",
                f"- kernel: {machine['kernel']}",
                "- memory (`free -h`):", "", "```", machine["memory"], "```", "",
                "## Versions", ""]
        doc += [f"- {k}: {v}" for k, v in versions.items()]
        doc += ["", "## Results", "", table, ""]
        doc += ["## How each figure is made", "",
                f"1. `tests/fixtures/bench/english-60.md` ({self.en_sentences_text('varied')}) "
                f"and `english-uniform-60.md` ({self.en_sentences_text('uniform')}): a first "
                "render gives the sentences as recast splits them (its `.script.json` sidecar); "
                "Piper's CLI reads them one per line (`piper -m MODEL -c MODEL.json -i "
                "sentences.txt -f out.wav`: one WAV, default length/noise scales, no sentence "
                "silence) and recast renders the transcript with `--no-cache --no-announce` "
                "(fresh synthesis of the same sentences). \"Same voice for both speakers\" "
                f"casts every speaker to plain {EN_VOICE}, so both tools do the same synthesis "
                "(the targets are on recast's default jobs and threads, \"same\"); the "
                "default cast gives the other speakers Kokoro packs (varied fixture only). recast "
                "also resamples to 24 kHz, inserts pauses and masters loudness, so its audio is "
                "longer (the pauses) than Piper's. Configurations alternate order from round "
                "to round; each ratio is the median of per-round ratios (range in brackets).",
                "2. The transcript is rendered with a private `RECAST_HOME` whose `runtime`, "
                "`voices` and `zh` are symlinks to the real data folder and whose cache starts "
                "empty (cold), then again (warm), then a script from `recast script` with "
                "one sentence added to one turn (edited). The cold render's real-time factor "
                "(wall / audio) and peak RSS are the Kokoro figures when the default cast is "
                "Kokoro's (the user's interview).",
                "3. `recast say TEXT --voice ID -o out.wav` with a few sentences written for "
                "this benchmark, English or Chinese by the voice's language; best of two runs, "
                "loading the model included. Real-time factor = audio seconds / wall seconds.",
                "4. The script of item 2 and one whose chapters are repeated ten times, both "
                "with the cache warm, so the figures are assembly and mastering; with "
                "`--long-cold` also the 10x script with an empty cache.",
                "5. `recast say --play` with `RECAST_AUDIO_DEVICE=null` (recast's device-free "
                "player, which takes audio in real time), reading recast's own \"first audio "
                "reached the player\" line; the text's first sentence has 20 words, and the "
                "preview says its first clause before the rest is synthesised. Beside it, "
                "`recast say -o` of the first sentence alone (model load + one sentence), and "
                "`recast render --play` of a short two-speaker transcript with an empty cache. "
                f"Then `say --play` of the Chinese text with {KOKORO_VOICE}.",
                "",
                "Share of time inside model calls: recast's own render summary (\"synthesis "
                "workers spent N% of their time inside model calls\": time in the engines' "
                "synthesis calls, phonemisation included, over the workers' wall time).",
                "", "Wall time, CPU time (user+sys) and peak RSS are /usr/bin/time -v's; CPU "
                "time above wall time means more than one core was used. The script never "
                "asserts a timing.", ""]
        if self.a.note:
            doc += ["", "## Notes", ""] + [f"- {n}" for n in self.a.note] + [""]
        path = Path(self.a.repo) / "BENCHMARKS.md"
        path.write_text("\n".join(doc))
        log(f"wrote {path}")

    def en_sentences_text(self, tag):
        if tag in self.en_sentence_counts:
            n, words, shortest, longest = self.en_sentence_counts[tag]
            return (f"{n} sentences, {words} words, {shortest}-{longest} characters, "
                    "two speakers")
        return "two speakers"

    def main(self):
        started = time.monotonic()
        log("sampling the machine's load before starting (3 s)")
        self.busy_before = self.cpu_busy()
        machine, versions = self.machine(), self.versions()
        sampler = threading.Thread(target=self.sample_load, daemon=True)
        sampler.start()
        self.attempt("1. Piper vs recast", self.piper_vs_recast)
        self.attempt("2./4. Chinese transcript", self.chinese)
        self.attempt("3. real-time factor", self.voices_rtf)
        self.attempt("5. first audio", self.first_audio)
        self.attempt("ONNX share", self.onnx_share)
        self._stop.set()
        took = time.monotonic() - started
        table = self.table()
        busy, facts = self.busy_text()
        print(f"recast benchmark, {machine['date']}; {machine['cpu']}")
        for k, v in versions.items():
            print(f"{k}: {v}")
        print(("shared, busy machine: " if busy else "load: ") + facts)
        print()
        print(table)
        if self.a.write:
            self.write(table, machine, versions, started, took)
        return 1 if self.failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repo", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--recast", required=True)
    p.add_argument("--piper", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--transcript", required=True)
    p.add_argument("--build-note", default="")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--long-cold", action="store_true")
    p.add_argument("--write", action="store_true")
    p.add_argument("--note", action="append", default=[])
    args = p.parse_args()
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    sys.exit(Bench(args).main())


if __name__ == "__main__":
    main()
