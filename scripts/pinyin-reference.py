#!/usr/bin/env python3
"""Reference ids for Piper voices whose phonemes are pinyin (zh_CN-chaowen, zh_CN-xiao_ya).

Runs the reference phonemizer, `piper/phonemize_chinese.py` of PyPI `piper-tts==1.8.0`, on
sentences written for recast's tests, and writes what it produced to
`tests/fixtures/pinyin-reference/`:

- `config-trainer.onnx.json`: the config Piper 1.8.0's trainer writes for a pinyin voice
  (`PiperConfig(...).to_dict()`, phoneme map = the reference's own `PHONEME_TO_ID`).
  The published chaowen/xiao_ya configs cannot be downloaded here, so this is NOT their file.
- `config-permuted.onnx.json`: the same symbols under other ids (pad/bos/eos moved, one
  symbol mapped to two ids), so a test can tell "reads the config's map" from "has the
  default map built in".
- `sentence-NN-<name>.json`: per sentence, the text, the text the g2p saw (quotes removed,
  numbers read out by the reference), the pinyin used per character, the reference's symbol
  sequence and its ids under both configs.

What is and is not the reference: `ChinesePhonemizer.phonemize` (quote stripping, sentence
splitting, number reading, syllable normalisation, initial/final/tone split, "Ø", the
punctuation kept) and `phonemes_to_ids` (bos, pad after each group, eos) run unmodified. Only
the g2p model is substituted: g2pW's ONNX model and BERT tokenizer come from Hugging Face,
which is unreachable here. The substitute reads each character the way pypinyin does in
context, keeps that reading only if it is one of the readings g2pW's own lookup tables
(`char_bopomofo_dict.json` + `bopomofo_to_pinyin_wo_tune_dict.json` from PyPI `g2pw`) give
for the character (so every syllable is spelled as g2pW spells it), and otherwise takes
g2pW's first listed reading. Each character's source is recorded. The pinyin may differ
from what g2pW would choose for a polyphone; the ids for the recorded pinyin do not depend
on that.

Usage: scripts/pinyin-reference.py [--check]
Without the reference packages importable, it creates a throw-away venv
(`$RECAST_PINYIN_VENV`, default /tmp/recast-pinyin-reference-venv), installs the pinned
packages from PyPI into it, and re-runs itself there. `--check` compares instead of writing
and exits 1 on a difference.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "fixtures" / "pinyin-reference"
VENV = Path(os.environ.get("RECAST_PINYIN_VENV", "/tmp/recast-pinyin-reference-venv"))

# piper-tts pulls onnxruntime (and numpy) itself; g2pw is installed without its
# dependencies (torch, transformers): only its lookup tables are read.
PINNED = [
    "piper-tts==1.8.0",
    "unicode-rbnf==2.4.1",
    "sentence-stream==1.3.0",
    "pypinyin==0.55.0",
]
PINNED_NO_DEPS = ["g2pw==0.1.2"]

# Written for these tests. Each must stay one sentence for the reference's splitter.
SENTENCES = [
    ("zero-initials", "阿姨在屋外等我，儿子也在。"),
    ("zero-initials-yu", "雨后的月亮又圆又远，云也很美。"),
    ("er-and-o", "哦，这儿有一点儿水，二位请用。"),
    ("jqx-and-v", "女孩去学校借了绿色的旅行包。"),
    ("jqx-u-finals", "他觉得这句话全是军人的语气。"),
    ("retroflex-and-dental", "他知道十四个石狮子吃了日历上的字词。"),
    ("neutral-tones", "我的朋友们都说过了吗？"),
    ("finals-mix", "老翁六点顿悟，熊猫贵在可爱。"),
    ("question-exclamation", "你真的要走吗！"),
    ("mixed-punctuation", "什么？！"),
    ("short-pauses", "好、好吧：就这样——走；对……"),
    ("quotes-and-ascii", "他说：“来吧”, 然后走了!"),
    ("no-final-mark", "我们走吧"),
    ("numbers", "二〇二四年有365天，气温是-7°C，完成了98.5%。"),
    (
        "long",
        "我们在山脚下的小村庄里住了整整三个星期，每天早上听着鸟叫醒来，"
        "晚上和村里的老人一起坐在门口聊天，慢慢学会了他们说话的方式，"
        "也明白了为什么他们从来不着急。",
    ),
]


def ensure_reference() -> None:
    """Re-run inside the throw-away venv unless the reference packages are importable."""
    import importlib.util

    try:
        # g2pw is only located (its __init__ imports torch): its tables are read as files.
        if importlib.util.find_spec("g2pw") is None:
            raise ImportError("g2pw")
        import piper.phonemize_chinese  # noqa: F401
        import pypinyin  # noqa: F401
        import sentence_stream  # noqa: F401
        import unicode_rbnf  # noqa: F401

        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if os.environ.get("RECAST_PINYIN_REEXEC"):
        sys.exit(f"the reference packages are still missing in {VENV}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + PINNED, check=True)
    subprocess.run(pip + ["--no-deps"] + PINNED_NO_DEPS, check=True)
    env = dict(os.environ, RECAST_PINYIN_REEXEC="1")
    os.execve(str(python), [str(python), __file__, *sys.argv[1:]], env)


class LookupG2p:
    """Stands in for g2pW's converter: same call shape, one pinyin (or None) per character."""

    def __init__(self) -> None:
        import importlib.util

        from pypinyin import Style, pinyin

        self._pinyin = pinyin
        self._style = Style.TONE3
        spec = importlib.util.find_spec("g2pw")
        tables = Path(list(spec.submodule_search_locations)[0])
        self.char_bopomofo = json.loads(
            (tables / "char_bopomofo_dict.json").read_text(encoding="utf-8")
        )
        self.bopomofo_pinyin = json.loads(
            (tables / "bopomofo_to_pinyin_wo_tune_dict.json").read_text(encoding="utf-8")
        )
        self.s2t = {}
        for line in (tables / "bert-base-chinese_s2t_dict.txt").read_text(
            encoding="utf-8"
        ).strip().split("\n"):
            simplified, traditional = line.split("\t")
            self.s2t[simplified] = traditional
        self.calls: list[str] = []
        self.results: list[list] = []
        self.sources: list[list[str]] = []

    def candidates(self, char: str) -> list[str]:
        """g2pW's readings for a character, spelled as g2pW spells them ("lv4", "ju4")."""
        readings = self.char_bopomofo.get(self.s2t.get(char, char), [])
        out = []
        for bopomofo in readings:
            base = self.bopomofo_pinyin.get(bopomofo[:-1])
            if base:
                out.append(base + bopomofo[-1])
        return out

    def __call__(self, sentence: str):
        # The reference calls it with one sentence and takes element [0] of the answer.
        self.calls.append(sentence)
        result = [None] * len(sentence)
        source = [""] * len(sentence)
        i = 0
        while i < len(sentence):
            if not self.candidates(sentence[i]):
                i += 1
                continue
            j = i
            while j < len(sentence) and self.candidates(sentence[j]):
                j += 1
            run = sentence[i:j]
            read = self._pinyin(
                run, style=self._style, neutral_tone_with_five=True, errors="default"
            )
            assert len(read) == len(run), (run, read)
            for k, (char, [syllable]) in enumerate(zip(run, read)):
                allowed = self.candidates(char)
                if syllable in allowed:
                    result[i + k], source[i + k] = syllable, "pypinyin"
                else:
                    result[i + k], source[i + k] = allowed[0], "g2pw-first-reading"
            i = j
        self.results.append(result)
        self.sources.append(source)
        return [result]


def reference_configs():
    from piper.config import PhonemeType, PiperConfig
    from piper.const import BOS, EOS, PAD
    from piper.phonemize_chinese import PHONEME_TO_ID

    def config(id_map):
        return PiperConfig(
            num_symbols=256,
            num_speakers=1,
            sample_rate=22050,
            espeak_voice="zh",
            phoneme_id_map=id_map,
            phoneme_type=PhonemeType.PINYIN,
            piper_version="1.5.0",
        ).to_dict()

    trainer = {symbol: list(ids) for symbol, ids in PHONEME_TO_ID.items()}
    # Same symbols, other ids: reverse the non-special ids, move pad/bos/eos, and give one
    # symbol two ids. All ids stay below 256.
    ordinary = [s for s in trainer if s not in (PAD, BOS, EOS)]
    distinct = sorted({trainer[s][0] for s in ordinary})
    flipped = dict(zip(distinct, reversed(distinct)))
    permuted = {PAD: [100], BOS: [101], EOS: [102]}
    for symbol in ordinary:
        permuted[symbol] = [flipped[trainer[symbol][0]] + 110]
    permuted["zh"] = [permuted["zh"][0], 200]
    return {"trainer": config(trainer), "permuted": config(permuted)}


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    ensure_reference()
    from importlib.metadata import version

    from piper.phonemize_chinese import ChinesePhonemizer, phonemes_to_ids
    from unicode_rbnf import RbnfEngine

    check = "--check" in sys.argv[1:]
    files: dict[str, str] = {}
    configs = reference_configs()
    for name, config in configs.items():
        files[f"config-{name}.onnx.json"] = dump(config)

    g2p = LookupG2p()
    # The reference class, minus its constructor (which downloads g2pW): the method that
    # turns text into symbols is the reference's own.
    phonemizer = ChinesePhonemizer.__new__(ChinesePhonemizer)
    phonemizer.g2p = g2p
    phonemizer.number_engine = RbnfEngine.for_language("zh")

    for number, (name, text) in enumerate(SENTENCES, start=1):
        g2p.calls.clear()
        g2p.results.clear()
        g2p.sources.clear()
        sentences = phonemizer.phonemize(text)
        if len(sentences) != 1 or len(g2p.calls) != 1:
            raise SystemExit(f"{name}: the reference split {text!r} into {len(sentences)}")
        symbols = sentences[0]
        seen = g2p.calls[0]
        chars = [
            {"char": char, "pinyin": reading, "source": source or None}
            for char, reading, source in zip(seen, g2p.results[0], g2p.sources[0])
        ]
        record = {
            "name": name,
            "text": text,
            "g2p_input": seen,
            "chars": chars,
            "syllables": [c["pinyin"] for c in chars if c["pinyin"]],
            "symbols": symbols,
            "ids": {
                config_name: phonemes_to_ids(symbols, config["phoneme_id_map"])
                for config_name, config in configs.items()
            },
            "reference": {
                "piper-tts": version("piper-tts"),
                "g2p": "substitute (pypinyin reading checked against g2pW's tables)",
                "pypinyin": version("pypinyin"),
                "g2pw-tables": version("g2pw"),
                "unicode-rbnf": version("unicode-rbnf"),
                "sentence-stream": version("sentence-stream"),
            },
        }
        files[f"sentence-{number:02}-{name}.json"] = dump(record)

    if check:
        stale = [
            n for n, t in files.items()
            if not (OUT / n).exists() or (OUT / n).read_text(encoding="utf-8") != t
        ]
        extra = sorted(
            p.name for p in OUT.glob("*.json") if p.name not in files
        ) if OUT.exists() else []
        for n in stale:
            print(f"differs: {n}")
        for n in extra:
            print(f"not generated: {n}")
        return 1 if stale or extra else 0

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        if old.name not in files:
            old.unlink()
    for n, t in files.items():
        (OUT / n).write_text(t, encoding="utf-8")
    print(f"wrote {len(files)} files to {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
