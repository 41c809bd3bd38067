//! Tests of the whole front end, rule by rule (the sentence fixture with accuracy figures
//! is `tests/zh_front_end.rs`).

use super::*;
use crate::text::phonetic::Syllable;
use crate::text::phonetic::Unit;

fn lex() -> &'static Lexicon {
    static LEX: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    LEX.get_or_init(Lexicon::builtin)
}

fn py(s: &str) -> String {
    pinyin_line(&read(s, lex(), &ReadOptions::default()).unwrap().sentence)
}

fn lexical(s: &str) -> String {
    pinyin_line(&read(s, lex(), &ReadOptions::lexical()).unwrap().sentence)
}

fn breaks(s: &str) -> String {
    read(s, lex(), &ReadOptions::default())
        .unwrap()
        .sentence
        .units
        .iter()
        .map(|u| match u {
            Unit::Syllable(s) => s.numbered(),
            Unit::Break(Break::Word) => "|".into(),
            Unit::Break(Break::Phrase) => "||".into(),
            Unit::Break(Break::Clause) => ",".into(),
            Unit::Break(Break::Sentence) => ".".into(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn polyphones_by_word() {
    for (text, want) in [
        ("银行", "yin2 hang2"),
        ("行走", "xing2 zou3"),
        ("重要", "zhong4 yao4"),
        ("重新", "chong2 xin1"),
        ("长大", "zhang3 da4"),
        ("很长", "hen3 chang2"),
        ("音乐", "yin1 yue4"),
        ("快乐", "kuai4 le4"),
        ("还是", "hai2 shi4"),
        ("还钱", "huan2 qian2"),
        ("觉得", "jue2 de5"),
        ("睡觉", "shui4 jiao4"),
        ("便宜", "pian2 yi5"),
        ("暖和", "nuan3 huo5"),
        ("爱好", "ai4 hao4"),
        ("几乎", "ji1 hu1"),
        ("出差", "chu1 chai1"),
        ("大夫", "dai4 fu5"),
        ("传记", "zhuan4 ji4"),
        ("应用", "ying4 yong4"),
        ("有空", "you3 kong4"),
        ("要求", "yao1 qiu2"),
        ("少年", "shao4 nian2"),
        ("相机", "xiang4 ji1"),
        ("首都", "shou3 du1"),
        ("目的", "mu4 di4"),
    ] {
        assert_eq!(lexical(text), want, "{text}");
    }
}

#[test]
fn single_characters_use_the_overrides() {
    assert_eq!(lexical("长"), "chang2");
    assert_eq!(lexical("谁"), "shei2");
    // 子 is neutral only as the last character of a longer word.
    assert_eq!(lexical("桌子"), "zhuo1 zi5");
    assert_eq!(lexical("电子"), "dian4 zi3");
    assert_eq!(lexical("子女"), "zi3 nv3");
}

#[test]
fn particles_in_context() {
    // 地 after an adverbial, 得 after a verb, modal 得, 得 as "obtain".
    assert_eq!(lexical("他认真地学习。"), "ta1 ren4 zhen1 de5 xue2 xi2");
    assert_eq!(lexical("在地上"), "zai4 di4 shang4");
    assert_eq!(lexical("他跑得快。"), "ta1 pao3 de5 kuai4");
    assert_eq!(lexical("我得走了。"), "wo3 dei3 zou3 le5");
    assert_eq!(lexical("他得了奖。"), "ta1 de2 le5 jiang3");
    // 过 after a verb, 了 and 着.
    assert_eq!(lexical("我们讨论过。"), "wo3 men5 tao3 lun4 guo5");
    assert_eq!(lexical("他笑着说。"), "ta1 xiao4 zhe5 shuo1");
    assert_eq!(lexical("他来了。"), "ta1 lai2 le5");
}

#[test]
fn measure_word_readings_after_numerals() {
    assert_eq!(lexical("三只猫"), "san1 zhi1 mao1");
    assert_eq!(lexical("写了3行"), "xie3 le5 san1 hang2");
    assert_eq!(lexical("只有"), "zhi3 you3");
}

#[test]
fn verbs_in_context() {
    assert_eq!(lexical("按时还。"), "an4 shi2 huan2");
    assert_eq!(lexical("他教我们。"), "ta1 jiao1 wo3 men5");
    assert_eq!(lexical("亲手种的。"), "qin1 shou3 zhong4 de5");
    assert_eq!(lexical("这种"), "zhe4 zhong3");
    assert_eq!(lexical("数一下"), "shu3 yi1 xia4");
}

#[test]
fn neutral_tones() {
    assert_eq!(lexical("妈妈"), "ma1 ma5");
    assert_eq!(lexical("哥哥"), "ge1 ge5");
    assert_eq!(lexical("看看"), "kan4 kan5");
    assert_eq!(lexical("常常"), "chang2 chang2");
    assert_eq!(lexical("东西"), "dong1 xi5");
    assert_eq!(lexical("我们的吗"), "wo3 men5 de5 ma5");
    assert_eq!(lexical("看一看"), "kan4 yi5 kan4");
    assert_eq!(lexical("是不是"), "shi4 bu5 shi4");
    assert_eq!(lexical("一个一个"), "yi1 ge4 yi1 ge4");
}

#[test]
fn yi_and_bu_sandhi() {
    assert_eq!(py("一个"), "yi2 ge4");
    assert_eq!(py("一天"), "yi4 tian1");
    assert_eq!(py("一年"), "yi4 nian2");
    assert_eq!(py("一起"), "yi4 qi3");
    assert_eq!(py("第一"), "di4 yi1");
    assert_eq!(py("统一"), "tong3 yi1");
    assert_eq!(py("一。"), "yi1");
    assert_eq!(py("一月"), "yi1 yue4");
    assert_eq!(py("一一对应"), "yi1 yi1 dui4 ying4");
    assert_eq!(py("不是"), "bu2 shi4");
    assert_eq!(py("不好"), "bu4 hao3");
    assert_eq!(py("不对，"), "bu2 dui4");
    // Numbers: cardinals change before their unit, digit strings and decimals do not.
    assert_eq!(py("100个"), "yi4 bai3 ge4");
    assert_eq!(py("10000"), "yi2 wan4");
    assert_eq!(py("11"), "shi2 yi1");
    assert_eq!(py("2001年"), "er4 ling2 ling2 yi1 nian2");
    assert_eq!(py("1.5"), "yi1 dian2 wu3");
    assert_eq!(py("1/3是"), "san1 fen1 zhi1 yi1 shi4");
    // Dictionaries that write sandhi tones are brought back to lexical ones first.
    assert_eq!(lexical("一个不是"), "yi1 ge4 bu4 shi4");
}

#[test]
fn third_tone_sandhi() {
    assert_eq!(py("你好"), "ni2 hao3");
    assert_eq!(py("展览馆"), "zhan2 lan2 guan3");
    assert_eq!(py("小老虎"), "xiao3 lao2 hu3");
    assert_eq!(py("我很好"), "wo3 hen2 hao3");
    assert_eq!(py("很有意思"), "hen2 you3 yi4 si5");
    assert_eq!(py("姐姐"), "jie3 jie5");
    // Across a comma nothing changes.
    assert_eq!(py("我，好"), "wo3 hao3");
    assert_eq!(lexical("你好"), "ni3 hao3");
}

#[test]
fn prosodic_words_and_breaks() {
    assert_eq!(
        breaks("我在银行工作，你呢？"),
        "wo3 | zai4 yin2 hang2 | gong1 zuo4 , ni3 ne5 ."
    );
    assert_eq!(breaks("十七岁的他"), "shi2 qi1 sui4 de5 | ta1 .");
    assert_eq!(
        breaks("AI（人工智能）"),
        "ei1 ai4 || ren2 gong1 zhi4 neng2 ."
    );
    assert_eq!(breaks("“好”"), "hao3 .");
    assert_eq!(breaks("。。。"), "");
}

#[test]
fn english_words() {
    assert_eq!(py("AI"), "ei1 ai4");
    assert_eq!(py("GPT-3"), "ji4 pi1 ti4 san1");
    assert_eq!(py("Hinton"), "xin1 dun4");
    assert_eq!(py("Transformers"), "chuan4 si1 fo2 mo4 si5");
    assert_eq!(py("Deep Blue"), "shen1 lan2");
    assert_eq!(py("deep blue"), "shen1 lan2");
    assert_eq!(py("Yann LeCun"), "yang2 li4 kun1");
    assert_eq!(py("LeCun's"), "le4 kun1 si5");
    // Acronyms, dotted letters, camel case, unknown words.
    assert_eq!(py("NLP"), "en1 ai2 le5 pi1");
    assert_eq!(py("U.S."), "you1 ai2 si1");
    assert_eq!(py("ChatGPT"), "qia4 te4 ji4 pi1 ti4");
    assert_eq!(py("GPTModel"), "ji4 pi1 ti4 ma4 de5");
    assert_eq!(py("Bob"), "bo1 bu5");
    let r = read("Zxqv", lex(), &ReadOptions::default()).unwrap();
    assert!(!r.sentence.units.is_empty());
}

#[test]
fn hanzi_readings_carry_their_characters() {
    let r = read("Hinton", lex(), &ReadOptions::default()).unwrap();
    let hanzi: Vec<Option<char>> = r
        .sentence
        .units
        .iter()
        .filter_map(|u| match u {
            Unit::Syllable(s) => Some(s.hanzi),
            Unit::Break(_) => None,
        })
        .collect();
    assert_eq!(hanzi, [Some('辛'), Some('顿')]);
    let r = read("银行", lex(), &ReadOptions::default()).unwrap();
    assert_eq!(
        r.sentence.units[0],
        Unit::Syllable(Syllable {
            pinyin: "yin".into(),
            tone: 2,
            hanzi: Some('银')
        })
    );
}

#[test]
fn normalized_text_and_skipped_pieces() {
    let r = read("我在17岁时👍，AI!", lex(), &ReadOptions::default()).unwrap();
    assert_eq!(r.sentence.normalized, "我在十七岁时👍，AI！");
    assert_eq!(r.skipped, ["👍"]);
}

#[test]
fn explain_lists_sources_and_sandhi() {
    let text = explain("你好，我在银行看GPT。", lex(), &ReadOptions::default());
    assert!(
        text.contains("pinyin:     你好/ni2 hao3 #3 我/wo3 #1 在/zai4 银行/yin2 hang2"),
        "{text}"
    );
    assert!(text.contains("GPT: letter by letter"), "{text}");
    assert!(text.contains("sandhi:     你好 ni3→ni2"), "{text}");
    assert!(!text.contains("skipped"), "{text}");
}
