"""Tests of the scoring (no model needed):
    $RECAST_HOME/asr-venv/bin/python -m unittest discover -s scripts/asr -p 'test_*.py'
(or `-m pytest scripts/asr/test_measure.py`, where pytest is installed)
"""

import contextlib
import io
import json
import struct
import tempfile
import unittest
from pathlib import Path

import measure
import textnorm


class Numbers(unittest.TestCase):
    def test_chinese_cardinals(self):
        cases = {"0": "零", "7": "七", "10": "十", "17": "十七", "20": "二十", "105": "一百零五",
                 "110": "一百一十", "2003": "二千零三", "10010": "一万零一十", "1000000": "一百万",
                 "100000000": "一亿", "007": "零零七"}
        for digits, spoken in cases.items():
            self.assertEqual(textnorm.int_zh(digits), spoken, digits)

    def test_chinese_forms(self):
        self.assertEqual(textnorm.number_zh("2003", "年，"), "二零零三")
        self.assertEqual(textnorm.number_zh("20", "年前"), "二十")
        self.assertEqual(textnorm.number_zh("3.5", ""), "三点五")
        self.assertEqual(textnorm.number_zh("20%", ""), "百分之二十")
        self.assertEqual(textnorm.number_zh("1,000", ""), "一千")

    def test_english(self):
        self.assertEqual(textnorm.number_en("30"), "thirty")
        self.assertEqual(textnorm.number_en("1998"), "nineteen ninety-eight")
        self.assertEqual(textnorm.number_en("12.5"), "twelve point five")


class Units(unittest.TestCase):
    def test_chinese_units(self):
        u = textnorm.units("他17岁时读了 GPT-3 的論文！", "zh")
        self.assertEqual(u.tokens, ["他", "十", "七", "岁", "时", "读", "了", "gpt", "三", "的", "论", "文"])
        self.assertEqual(u.sources[1], 1)  # 十 comes from the "1" of 17
        self.assertEqual(textnorm.units("ＧＰＴ", "zh").tokens, ["gpt"])
        self.assertEqual(textnorm.units("GPT", "zh", latin="letters").tokens, ["g", "p", "t"])

    def test_spelling_does_not_count(self):
        ref = textnorm.units("那是2003年，我们推着车。", "zh").tokens
        hyp = textnorm.units("那是二零零三年我們推著車", "zh").tokens
        self.assertEqual(ref, hyp)

    def test_english_units(self):
        u = textnorm.units("It's 30 loaves!", "en")
        self.assertEqual(u.words, ["its", "thirty", "loaves"])
        self.assertEqual("".join(u.tokens), "itsthirtyloaves")

    def test_passages(self):
        text = "第一句。第二句很长，" + "很长" * 30 + "，还有。第三句！"
        spans = textnorm.passages(text, max_units=20)
        self.assertEqual(text[spans[0][0]:spans[0][1]], "第一句。")
        self.assertEqual(text[spans[-1][0]:spans[-1][1]], "第三句！")
        self.assertGreater(len(spans), 3)


class Scoring(unittest.TestCase):
    def test_counts(self):
        s, _ = measure.score_units(list("abcdef"), list("axcdzzf"))
        self.assertEqual((s.substitutions, s.deletions, s.insertions), (2, 0, 1))
        self.assertAlmostEqual(s.cer, 3 / 6)
        s, _ = measure.score_units(list("abc"), [])
        self.assertEqual((s.deletions, s.cer), (3, 1.0))

    def test_passage_attribution(self):
        text = "今天天气很好。我们去河边走走。"
        ref = textnorm.units(text, "zh")
        hyp = textnorm.units("今天天气很好我们去和边走", "zh")
        times = [(i * 0.2, i * 0.2 + 0.2) for i in range(len(hyp.tokens))]
        s, ops = measure.score_units(ref.tokens, hyp.tokens)
        ps = measure.passage_scores(0, text, ref, hyp, times, ops, "zh")
        self.assertEqual([p.errors for p in ps], [0, 2])
        self.assertEqual(ps[1].hyp_tokens, list("我们去和边走"))
        self.assertAlmostEqual(ps[1].start, 1.2)


class Wav(unittest.TestCase):
    def test_chapter_markers(self):
        # A WAV laid out as recast writes it: data, then cue and LIST/adtl (labl, ltxt).
        rate, frames = 8000, 800
        data = struct.pack("<800h", *([1000] * frames))
        fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
        cue = struct.pack("<I", 2) + b"".join(
            struct.pack("<II4sIII", n, pos, b"data", 0, 0, pos) for n, pos in ((1, 0), (2, 300)))
        labl = [struct.pack("<I", n) + t.encode() + b"\0" for n, t in ((1, "引言"), (2, "Two"))]
        sub = b""
        for body in labl:
            sub += b"labl" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")
        for n, length in ((1, 300), (2, 500)):
            body = struct.pack("<II4sHHHH", n, length, b"rgn ", 0, 0, 0, 0)
            sub += b"ltxt" + struct.pack("<I", len(body)) + body
        chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
                  + b"cue " + struct.pack("<I", len(cue)) + cue
                  + b"LIST" + struct.pack("<I", 4 + len(sub)) + b"adtl" + sub)
        wav = b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "e.wav"
            path.write_bytes(wav)
            audio = measure.read_wav(path)
        self.assertEqual(audio.rate, rate)
        self.assertEqual(audio.chapters, [("引言", 0, 300), ("Two", 300, 500)])
        self.assertAlmostEqual(float(audio.samples[0]), 1000 / 32768)

    def test_timed_sidecar_and_titles(self):
        timed = {"title": "T", "language": "zh", "chapters": [{"title": "A", "turns": [
            {"speaker": "Narrator", "announcement": True, "sentences": [{"text": "T"}, {"text": "A"}]},
            {"speaker": "X", "sentences": [{"text": "你好。"}, {"text": "再见。"}]}]}]}
        plain = {"title": "T", "language": "zh", "chapters": [{"title": "A", "turns": [
            {"speaker": "X", "text": "你好。再见。"}]}]}
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "e.script.json"
            p.write_text(json.dumps(timed))
            self.assertEqual(measure.load_script(p)[1][0].text, "T A\n你好。 再见。")
            q = Path(d) / "s.json"
            q.write_text(json.dumps(plain))
            self.assertEqual(measure.load_script(q)[1][0].text, "你好。再见。")
            self.assertEqual(measure.load_script(q, titles=True)[1][0].text, "T\nA\n你好。再见。")
            self.assertEqual(measure.timing_sidecar(Path(d) / "e.wav"), p)



class Kinds(unittest.TestCase):
    def test_passages_are_split_by_what_makes_them_hard(self):
        def passage(text, errors):
            p = measure.Passage(0, text, 10)
            p.substitutions = errors
            return p

        self.assertEqual(measure.passage_kinds(passage("他17岁去了银行", 0)), ["numbers", "polyphones"])
        self.assertEqual(measure.passage_kinds(passage("我们用 GPT 写字", 0)), ["Latin words"])
        self.assertEqual(measure.passage_kinds(passage("今天天气很好", 0)), ["none of these"])
        table = measure.scores_by_kind([passage("他17岁", 2), passage("2003年", 1), passage("好天", 0)])
        self.assertEqual(table["numbers"], {"passages": 2, "ref_units": 20, "errors": 3, "cer": 0.15})
        self.assertEqual(table["none of these"]["cer"], 0.0)


class HanMissed(unittest.TestCase):
    def test_a_dropped_or_changed_character_is_missed(self):
        self.assertEqual(measure.han_missed("今天天气很好", "今天天气很好"), measure.HanScore(6, 0))
        self.assertEqual(measure.han_missed("今天天气很好", "今天气很好"), measure.HanScore(6, 1))
        self.assertEqual(measure.han_missed("他说好", "她说好"), measure.HanScore(3, 1))
        self.assertAlmostEqual(measure.han_missed("今天天气很好", "今天气很好").rate, 1 / 6)
        self.assertEqual(measure.han_missed("今天很好", "").missed, 4)

    def test_a_transliteration_is_not_a_han_character_missed(self):
        h = measure.han_missed("我认识 Jeff Hinton 很多年", "我认识杰夫辛顿很多年")
        self.assertEqual((h.ref_chars, h.missed), (6, 0))
        # nor is an English word dropped, or heard in other letters
        self.assertEqual(measure.han_missed("用 Transformer 做", "用做").missed, 0)
        self.assertEqual(measure.han_missed("用 Transformer 做", "用 transform 做").missed, 0)

    def test_written_differently_is_not_missed(self):
        # numbers spelled out, traditional characters, punctuation: as for the CER
        self.assertEqual(measure.han_missed("那是2003年，我们推着车。", "那是二零零三年我們推著車").missed, 0)

    def test_no_han_characters(self):
        self.assertIsNone(measure.han_missed("GPT", "GPT").rate)


class EnglishHeard(unittest.TestCase):
    def heard(self, ref, hyp):
        e = measure.english_heard(ref, hyp)
        return e.heard, e.words

    def test_a_transliteration_is_an_english_word_missed(self):
        e = measure.english_heard("我认识 Jeff Hinton 很多年", "我认识杰夫辛顿很多年")
        self.assertEqual((e.heard, e.words, e.missed_words), (0, 2, ["jeff", "hinton"]))
        self.assertEqual(self.heard("我认识 Jeff Hinton 很多年", "我认识Jeff辛顿很多年"), (1, 2))

    def test_case_and_spelling_out(self):
        self.assertEqual(self.heard("我们用 GPT 写字", "我们用GPT写字"), (1, 1))
        self.assertEqual(self.heard("我们用 GPT 写字", "我们用gpt写字"), (1, 1))
        self.assertEqual(self.heard("我们用 GPT 写字", "我们用 G P T 写字"), (1, 1))
        self.assertEqual(self.heard("我们用 GPT-3 写字", "我们用 G.P.T.3 写字"), (1, 1))
        self.assertEqual(self.heard("我们用ＧＰＴ写字", "我们用 GPT 写字"), (1, 1))

    def test_compounds_and_plurals(self):
        self.assertEqual(self.heard("他们做了 ImageNet。", "他们做了Image Net"), (1, 1))
        self.assertEqual(self.heard("他们做了 Image Net。", "他们做了imagenet"), (2, 2))
        self.assertEqual(self.heard("Transformer 架构", "Transformers架构"), (1, 1))
        self.assertEqual(self.heard("很多 Transformers", "很多transformer"), (1, 1))
        self.assertEqual(self.heard("GPT's 论文", "GPT的论文"), (1, 1))
        self.assertTrue(measure.same_word("box", "boxes"))
        self.assertFalse(measure.same_word("a", "as"))
        self.assertFalse(measure.same_word("gpt", "chatgpt"))

    def test_a_word_is_heard_once_and_near_its_place(self):
        self.assertEqual(self.heard("GPT 和 GPT", "GPT和"), (1, 2))
        self.assertEqual(self.heard("从 neural network 到 Transformer", "从牛肉奈特沃克到transformer"), (1, 3))
        # the same word, but far from where the alignment puts it: not this one heard
        far = "很" * 40
        self.assertEqual(self.heard("GPT" + far, far + "GPT"), (0, 1))
        self.assertEqual(self.heard("GPT" + "很" * 10, "很" * 10 + "GPT"), (1, 1))

    def test_another_word_is_not_heard(self):
        self.assertEqual(self.heard("用 Transformer 做", "用 transform 做"), (0, 1))
        self.assertEqual(self.heard("用 Transformer 做", "用做"), (0, 1))
        self.assertEqual(self.heard("没有英文", "有 GPT"), (0, 0))
        self.assertIsNone(measure.english_heard("没有英文", "有 GPT").rate)


class Summary(unittest.TestCase):
    def test_the_three_figures_are_printed_and_saved(self):
        script = {"title": "T", "language": "zh", "chapters": [
            {"title": "一", "turns": [{"speaker": "A", "text": "我认识 Jeff Hinton 很多年。"}]},
            {"title": "二", "turns": [{"speaker": "A", "text": "今天天气很好，我们用 GPT。"}]}]}
        previous = {"asr": {"model": "whisper-base", "compute_type": "int8", "beam_size": 5, "vad": True,
                            "temperature": 0.0},
                    "chapters": [{"hypothesis": "我认识杰夫辛顿很多年", "audio_seconds": 3.0, "asr_seconds": 1.0},
                                 {"hypothesis": "今天气很好我们用 G P T", "audio_seconds": 3.0, "asr_seconds": 1.0}]}
        with tempfile.TemporaryDirectory() as d:
            s, r, out = Path(d) / "s.json", Path(d) / "r.json", Path(d) / "out.json"
            s.write_text(json.dumps(script), encoding="utf-8")
            r.write_text(json.dumps(previous), encoding="utf-8")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                status = measure.main(["--rescore", str(r), "--script", str(s), "--json", str(out), "-q"])
            doc = json.loads(out.read_text(encoding="utf-8"))
        self.assertEqual(status, 0)
        lines = printed.getvalue().splitlines()
        self.assertIn("han missed: 0.067 (of 15 characters)", lines)
        self.assertIn("english heard: 0.333 (of 3 words)", lines)
        self.assertTrue(any(line.startswith("CER = ") for line in lines))  # the lines there were before
        overall = doc["overall"]
        self.assertEqual((overall["han_chars"], overall["han_missed"]), (15, round(1 / 15, 4)))
        self.assertEqual((overall["english_words"], overall["english_heard"]), (3, round(1 / 3, 4)))
        self.assertEqual(overall["english_missed_words"], ["jeff", "hinton"])
        first, second = doc["chapters"]
        self.assertEqual((first["han_missed"], first["english_heard"], first["english_words"]), (0.0, 0.0, 2))
        self.assertEqual((second["han_missed"], second["english_heard"]), (round(1 / 9, 4), 1.0))
        self.assertEqual((doc["asr"]["temperature"], doc["asr"]["vad"]), (0.0, True))


if __name__ == "__main__":
    unittest.main()
