"""Normalisation and tokenisation of reference and recognised text for error rates.

Both sides of a comparison go through the same function, so that only what was heard
differently counts as an error, not how it was written:

- Unicode NFKC (full-width letters, digits and punctuation become their plain forms),
  lower case;
- traditional Chinese characters become simplified ones (OpenCC `t2s`, on both sides:
  Whisper often writes Mandarin in traditional characters), and 著 becomes 着, 妳 你;
- numbers written with digits are spelled out, the way a voice reads them: in Chinese
  "17" -> 十七, "2003年" -> 二零零三年 (four digits before 年 are read digit by digit),
  "3.5" -> 三点五, "20%" -> 百分之二十; in English with num2words ("30" -> thirty,
  "1998" -> nineteen ninety-eight);
- punctuation, symbols and spaces are dropped.

Units (what one error is counted on):
- Chinese: every Han character is one unit; a word in Latin letters is one unit
  (case-insensitive), as in the "mixed error rate" used for Mandarin-English speech;
  `latin="letters"` counts its letters instead;
- English: every letter or digit is one unit (spaces are not counted); words are also
  returned for a word error rate.

Each unit keeps the index of the character of the original text it came from, so that
errors can be traced back to a sentence and, through the recogniser's timestamps, to a
moment in the audio.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

CN_DIGITS = "零一二三四五六七八九"

_converter = None

# Variants that OpenCC's t2s keeps, because they are also simplified characters, but that
# Whisper writes for the common one: mapped on both sides.
_VARIANTS = str.maketrans({"著": "着", "妳": "你"})


def _t2s(text: str) -> str:
    """Traditional -> simplified Chinese, keeping one character per character."""
    global _converter
    if not text:
        return text
    if _converter is None:
        import opencc  # PyPI `opencc`, the project's own Python binding

        _converter = opencc.OpenCC("t2s")
    converted = _converter.convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character so that every
    # character still maps back to its source position.
    return "".join(
        c if len(c) == 1 else t for t, c in ((t, _converter.convert(t)) for t in text)
    )


def is_han(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x3134F
        or ch == "〇"
    )


# --- numbers --------------------------------------------------------------------------


def _digits_zh(digits: str) -> str:
    return "".join(CN_DIGITS[int(d)] for d in digits)


def _below_10000_zh(n: int) -> str:
    units = ["", "十", "百", "千"]
    s = str(n)
    out = []
    pending_zero = False
    for i, ch in enumerate(s):
        d = int(ch)
        place = len(s) - 1 - i
        if d == 0:
            pending_zero = True
            continue
        if pending_zero and out:
            out.append("零")
        pending_zero = False
        out.append(CN_DIGITS[d] + units[place])
    return "".join(out)


def int_zh(digits: str) -> str:
    """Reads an integer written with digits as a Chinese cardinal number."""
    if (len(digits) > 1 and digits.startswith("0")) or len(digits) > 12:
        return _digits_zh(digits)
    n = int(digits)
    if n == 0:
        return "零"
    yi, wan, rest = n // 10**8, (n // 10**4) % 10**4, n % 10**4
    out = ""
    if yi:
        out += _below_10000_zh(yi) + "亿"
    if wan:
        if out and wan < 1000:
            out += "零"
        out += _below_10000_zh(wan) + "万"
    if rest:
        if out and rest < 1000 and not out.endswith("零"):
            out += "零"
        out += _below_10000_zh(rest)
    if out.startswith("一十"):
        out = out[1:]
    return out


def number_zh(number: str, following: str) -> str:
    """Chinese reading of a number token such as 17, 2003, 3.5, 1,000 or 20%."""
    percent = number.endswith("%")
    number = number.rstrip("%")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number):
        number = number.replace(",", "")
    parts = re.split(r"[.,]", number)
    if len(parts) == 1 and len(number) == 4 and not percent and following.startswith("年"):
        spoken = _digits_zh(number)
    elif len(parts) == 2 and "." in number:
        spoken = int_zh(parts[0]) + "点" + _digits_zh(parts[1])
    else:
        spoken = "".join(int_zh(p) for p in parts)
    return ("百分之" if percent else "") + spoken


def number_en(number: str) -> str:
    from num2words import num2words

    percent = number.endswith("%")
    number = number.rstrip("%")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number):
        number = number.replace(",", "")
    try:
        if re.fullmatch(r"\d+\.\d+", number):
            spoken = num2words(float(number))
        elif re.fullmatch(r"\d+", number):
            n = int(number)
            if len(number) == 4 and 1100 <= n <= 2099 and not percent:
                spoken = num2words(n, to="year")
            else:
                spoken = num2words(n)
        else:
            spoken = " ".join(num2words(int(p)) for p in re.findall(r"\d+", number))
    except (OverflowError, ValueError, NotImplementedError):
        spoken = " ".join(number)
    spoken = spoken.replace(" and ", " ")
    return spoken + (" percent" if percent else "")


# --- tokenisation ---------------------------------------------------------------------


@dataclass
class Units:
    """Units of one text, with the index in the original text each one came from."""

    tokens: list[str] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # English: word units, for a WER
    text: str = ""  # the text the units were taken from, when kept

    def add(self, token: str, source: int) -> None:
        self.tokens.append(token)
        self.sources.append(source)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")


def _prepare(text: str) -> tuple[str, list[int]]:
    """NFKC + lower case + traditional->simplified, with a map back to source indices."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            chars.append(c)
            index.append(i)
    prepared = _t2s("".join(chars)).translate(_VARIANTS)
    return prepared, index


def units(text: str, language: str = "zh", latin: str = "word") -> Units:
    """Splits TEXT into the units errors are counted on (see the module docstring)."""
    if language not in ("zh", "en"):
        raise ValueError(f"unsupported language {language!r}")
    if latin not in ("word", "letters"):
        raise ValueError(f"latin must be 'word' or 'letters', not {latin!r}")
    s, index = _prepare(text)
    out = Units()
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        m = _NUMBER.match(s, i) if ch.isdigit() and ch.isascii() else None
        if m:
            src = index[i]
            if language == "zh":
                for c in number_zh(m.group(), s[m.end() :]):
                    out.add(c, src)
            else:
                for word in re.findall(r"[a-z]+", number_en(m.group())):
                    out.words.append(word)
                    for c in word:
                        out.add(c, src)
            i = m.end()
            continue
        if is_han(ch):
            if language == "zh":
                out.add(ch, index[i])
            else:
                out.words.append(ch)
                out.add(ch, index[i])
            i += 1
            continue
        if unicodedata.category(ch).startswith("L") or (ch.isdigit() and not ch.isascii()):
            j = i
            while j < n and (
                unicodedata.category(s[j]).startswith(("L", "M"))
                and not is_han(s[j])
                or s[j] == "'"
                and j + 1 < n
                and unicodedata.category(s[j + 1]).startswith("L")
            ):
                j += 1
            word = s[i:j].replace("'", "")
            if not word:
                i += 1
                continue
            if language == "zh" and latin == "word":
                out.add(word, index[i])
            else:
                if language == "en":
                    out.words.append(word)
                for k, c in enumerate(s[i:j]):
                    if c != "'":
                        out.add(c, index[i + k])
            i = j
            continue
        i += 1  # punctuation, symbols, spaces, marks
    return out


def display(tokens: list[str]) -> str:
    """Joins units for display: no space between Han characters, one around Latin words."""
    out = ""
    for t in tokens:
        if out and not (is_han(t[0]) and is_han(out[-1])):
            out += " "
        out += t
    return out


_SENTENCE_END = re.compile(r"[。！？；!?;…\n]+|\.(?=\s|$)")


def passages(text: str, max_units: int = 40, language: str = "zh") -> list[tuple[int, int]]:
    """Splits TEXT into listening-sized passages: (start, end) character ranges.

    Sentences end at 。！？；!?; … a full stop followed by a space, or a line break; a
    sentence longer than MAX_UNITS units is split again at commas.
    """
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for a, b in spans:
        if len(units(text[a:b], language).tokens) <= max_units:
            out.append((a, b))
            continue
        piece_start = a
        count = 0
        for m in re.finditer(r"[，,、：:]", text[a:b]):
            end = a + m.end()
            count = len(units(text[piece_start:end], language).tokens)
            if count >= max_units // 2:
                out.append((piece_start, end))
                piece_start = end
        out.append((piece_start, b))
    return [(a, b) for a, b in out if text[a:b].strip()]
