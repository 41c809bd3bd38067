//! From normalised pieces to words with syllables: segmentation, lexicon look-up, readings
//! in context (得, 地, 只, 行, 子, reduplication), English words.

use super::english;
use super::lexicon::{Lexicon, Reading, Source};
use super::normalize::Piece;
use super::syllable::{char_default, is_han};
use crate::text::phonetic::{Break, Syllable};

/// Where a word's reading came from, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The whole word from a lexicon.
    Lexicon(Source),
    /// Partly from lexicon words inside it, partly character by character.
    Parts,
    /// Character by character (the characters' usual readings, with context rules).
    Characters,
    /// A number written by the normaliser.
    Number,
    /// An English word spelled letter by letter.
    Letters,
    /// An English word transliterated by rule (not in any lexicon).
    Transliterated,
    /// An English word read through a lexicon entry (which may itself be Chinese).
    English(Source),
    /// An English word made of parts read separately ("ChatGPT" → Chat + GPT).
    EnglishParts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Han,
    /// Number words; `sandhi` as in [`Piece::Number`].
    Number {
        sandhi: bool,
    },
    Latin,
}

#[derive(Debug, Clone)]
pub struct Word {
    /// The text as it appears in the normalised sentence.
    pub text: String,
    pub syllables: Vec<Syllable>,
    pub origin: Origin,
    pub kind: Kind,
    /// The part-of-speech tag of jieba's dictionary, when known.
    pub tag: String,
    /// A three-syllable word made of one syllable and a two-syllable word (小老虎): its
    /// first syllable keeps a third tone before two third tones.
    pub one_plus_two: bool,
}

#[derive(Debug, Clone)]
pub enum Token {
    Word(Word),
    Break(Break),
}

/// Reads normalised pieces into tokens; unreadable pieces go to `skipped`.
pub fn read_pieces(pieces: &[Piece], lexicon: &Lexicon, skipped: &mut Vec<String>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Han(text) => {
                for w in read_han(text, lexicon, 0, skipped) {
                    out.push(Token::Word(w));
                }
                i += 1;
            }
            Piece::Number { text, sandhi } => {
                let syllables: Vec<Syllable> = text.chars().filter_map(char_default).collect();
                out.push(Token::Word(Word {
                    text: text.clone(),
                    syllables,
                    origin: Origin::Number,
                    kind: Kind::Number { sandhi: *sandhi },
                    tag: "m".into(),
                    one_plus_two: false,
                }));
                i += 1;
            }
            Piece::Latin(_) => {
                let (words, next) = read_latin_run(pieces, i, lexicon, skipped);
                out.extend(words.into_iter().map(Token::Word));
                i = next;
            }
            Piece::Mark { strength, .. } => {
                out.push(Token::Break(*strength));
                i += 1;
            }
            Piece::Space => i += 1,
            Piece::Skipped(text) => {
                skipped.push(text.clone());
                i += 1;
            }
        }
    }
    apply_context_rules(&mut out);
    out
}

/// Syllables of a lexicon reading; Chinese-character readings are read in turn.
fn resolve(
    reading: &Reading,
    lexicon: &Lexicon,
    depth: usize,
    skipped: &mut Vec<String>,
) -> Vec<Syllable> {
    match reading {
        Reading::Pinyin(s) => s.clone(),
        Reading::Hanzi(text) => {
            if depth >= 2 {
                text.chars().filter_map(char_default).collect()
            } else {
                read_han(text, lexicon, depth + 1, skipped)
                    .into_iter()
                    .flat_map(|w| w.syllables)
                    .collect()
            }
        }
    }
}

/// Segments a run of Chinese characters and reads each word.
fn read_han(text: &str, lexicon: &Lexicon, depth: usize, skipped: &mut Vec<String>) -> Vec<Word> {
    let tags = lexicon.segmenter().tag(text, false);
    let tokens: Vec<(&str, &str)> = tags.iter().map(|t| (t.word, t.tag)).collect();
    let mut words = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        // Join adjacent tokens that together form a lexicon or phrase-dictionary word the
        // segmenter did not know (还/钱 → 还钱), longest first.
        let mut joined = None;
        let mut chars = tokens[i].0.chars().count();
        let mut span = String::from(tokens[i].0);
        for (j, next) in tokens.iter().enumerate().skip(i + 1).take(3) {
            chars += next.0.chars().count();
            if chars > lexicon.max_word_chars {
                break;
            }
            span.push_str(next.0);
            if lexicon.word(&span).is_some() {
                joined = Some((j, span.clone()));
            }
        }
        let (word, tag, next) = match joined {
            Some((j, span)) => (span, String::new(), j + 1),
            None => (tokens[i].0.to_string(), tokens[i].1.to_string(), i + 1),
        };
        words.push(read_han_word(&word, tag, lexicon, depth, skipped));
        i = next;
    }
    words
}

/// Reads one segmented Chinese word.
fn read_han_word(
    word: &str,
    tag: String,
    lexicon: &Lexicon,
    depth: usize,
    skipped: &mut Vec<String>,
) -> Word {
    let mut w = read_han_word_inner(word, tag, lexicon, depth, skipped);
    let chars: Vec<char> = word.chars().collect();
    if chars.len() == 3 && w.syllables.len() == 3 {
        let seg = lexicon.segmenter();
        let right: String = chars[1..].iter().collect();
        let left: String = chars[..2].iter().collect();
        w.one_plus_two = seg.has_word(&right) && !seg.has_word(&left);
    }
    w
}

fn read_han_word_inner(
    word: &str,
    tag: String,
    lexicon: &Lexicon,
    depth: usize,
    skipped: &mut Vec<String>,
) -> Word {
    if let Some((reading, source)) = lexicon.word(word) {
        let syllables = resolve(&reading, lexicon, depth, skipped);
        return Word {
            text: word.to_string(),
            syllables,
            origin: Origin::Lexicon(source),
            kind: Kind::Han,
            tag,
            one_plus_two: false,
        };
    }
    // Longest lexicon words inside, then characters.
    let chars: Vec<char> = word.chars().collect();
    let mut syllables = Vec::with_capacity(chars.len());
    let mut from_lexicon = false;
    let mut i = 0;
    while i < chars.len() {
        let longest = (2..=lexicon.max_word_chars.min(chars.len() - i))
            .rev()
            .find_map(|n| {
                let part: String = chars[i..i + n].iter().collect();
                lexicon.word(&part).map(|r| (n, r.0))
            });
        if let Some((n, reading)) = longest {
            syllables.extend(resolve(&reading, lexicon, depth, skipped));
            from_lexicon = true;
            i += n;
            continue;
        }
        let c = chars[i];
        let single: String = c.to_string();
        if let Some((reading, _)) = lexicon.word(&single) {
            syllables.extend(resolve(&reading, lexicon, depth, skipped));
        } else if let Some(mut s) = char_default(c) {
            // A final 子 in a longer word is the neutral suffix (桌子); elsewhere it is zǐ.
            if c == '子' && !(i + 1 == chars.len() && chars.len() > 1) {
                s.tone = 3;
            }
            syllables.push(s);
        } else if is_han(c) {
            skipped.push(single);
        }
        i += 1;
    }
    Word {
        text: word.to_string(),
        syllables,
        origin: if from_lexicon {
            Origin::Parts
        } else {
            Origin::Characters
        },
        kind: Kind::Han,
        tag,
        one_plus_two: false,
    }
}

/// A run of Latin words separated by single spaces: the longest lexicon phrase first.
fn read_latin_run(
    pieces: &[Piece],
    start: usize,
    lexicon: &Lexicon,
    skipped: &mut Vec<String>,
) -> (Vec<Word>, usize) {
    // Collect the run: Latin (Space Latin)*.
    let mut run: Vec<(&str, usize)> = Vec::new();
    let mut i = start;
    while let Some(Piece::Latin(w)) = pieces.get(i) {
        run.push((w, i));
        if matches!(pieces.get(i + 1), Some(Piece::Space))
            && matches!(pieces.get(i + 2), Some(Piece::Latin(_)))
        {
            i += 2;
        } else {
            i += 1;
            break;
        }
    }
    let end = i.max(start + 1);
    let mut words = Vec::new();
    let mut k = 0;
    while k < run.len() {
        let mut matched = false;
        for n in (2..=lexicon.max_english_words.min(run.len() - k)).rev() {
            let phrase = run[k..k + n]
                .iter()
                .map(|(w, _)| *w)
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(entry) = lexicon.english(&phrase) {
                words.push(Word {
                    text: phrase,
                    syllables: resolve(&entry.reading, lexicon, 0, skipped),
                    origin: Origin::English(entry.source.clone()),
                    kind: Kind::Latin,
                    tag: "eng".into(),
                    one_plus_two: false,
                });
                k += n;
                matched = true;
                break;
            }
        }
        if !matched {
            words.push(read_latin_word(run[k].0, lexicon, skipped, 0));
            k += 1;
        }
    }
    (words, end)
}

/// Reads one English word (see `english.rs` for the fallbacks).
fn read_latin_word(word: &str, lexicon: &Lexicon, skipped: &mut Vec<String>, depth: usize) -> Word {
    let make = |syllables: Vec<Syllable>, origin: Origin| Word {
        text: word.to_string(),
        syllables,
        origin,
        kind: Kind::Latin,
        tag: "eng".into(),
        one_plus_two: false,
    };
    if let Some(entry) = lexicon.english(word) {
        return make(
            resolve(&entry.reading, lexicon, 0, skipped),
            Origin::English(entry.source.clone()),
        );
    }
    if depth < 3 {
        // Possessive: LeCun's → LeCun + s.
        if let Some(stem) = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix('\''))
            .filter(|s| !s.is_empty())
        {
            let mut w = read_latin_word(stem, lexicon, skipped, depth + 1);
            if word.ends_with("'s") {
                w.syllables.push(Syllable::new("si", 5));
            }
            return make(w.syllables, w.origin);
        }
        // Dotted: U.S → letters; example.com → example 点 com.
        if word.contains('.') {
            let parts: Vec<&str> = word.split('.').filter(|p| !p.is_empty()).collect();
            if parts.iter().all(|p| p.chars().count() == 1) {
                return make(english::spell(word), Origin::Letters);
            }
            let mut syllables = Vec::new();
            for (n, p) in parts.iter().enumerate() {
                if n > 0 {
                    syllables.push(Syllable::new("dian", 3));
                }
                syllables.extend(read_latin_word(p, lexicon, skipped, depth + 1).syllables);
            }
            return make(syllables, Origin::EnglishParts);
        }
        // Plural of a known word: Transformers → Transformer + s.
        if let Some(stem) = word
            .strip_suffix('s')
            .filter(|s| s.len() > 1 && !s.ends_with('s'))
            && let Some(entry) = lexicon.english(stem)
        {
            let mut syllables = resolve(&entry.reading, lexicon, 0, skipped);
            syllables.push(Syllable::new("si", 5));
            return make(syllables, Origin::English(entry.source.clone()));
        }
        // Mixed case: ChatGPT → Chat + GPT.
        let parts = english::split_camel(word);
        if parts.len() > 1 {
            let syllables = parts
                .iter()
                .flat_map(|p| read_latin_word(p, lexicon, skipped, depth + 1).syllables)
                .collect();
            return make(syllables, Origin::EnglishParts);
        }
    }
    if english::is_acronym(word) {
        return make(english::spell(word), Origin::Letters);
    }
    let syllables = english::transliterate(word);
    if syllables.is_empty() {
        skipped.push(word.to_string());
    }
    make(syllables, Origin::Transliterated)
}

/// Measure words that make a preceding 只 or 行 a measure word reading.
const NUMERAL_CHARS: &[char] = &[
    '一', '二', '两', '三', '四', '五', '六', '七', '八', '九', '十', '几', '每', '这', '那', '哪',
    '各', '某', '半', '百', '千', '万',
];

/// Kinship terms and verbs whose reduplication has a neutral second syllable.
const REDUPLICATED_NEUTRAL: &str = "爸妈哥姐弟妹爷奶姥叔舅姑婆公宝娃伯婶嫂星猩太谢看想谈试走说听问等找坐写读玩尝聊摸学练歇笑转逛查算比猜讲动洗擦帮跑跳揉敲拍摇翻改催逗抱亲喝吃数";

/// Context rules on words read character by character.
fn apply_context_rules(tokens: &mut [Token]) {
    let n = tokens.len();
    for i in 0..n {
        let (prev, next) = neighbours(tokens, i);
        let Token::Word(w) = &mut tokens[i] else {
            continue;
        };
        if w.kind != Kind::Han {
            continue;
        }
        let per_char = matches!(w.origin, Origin::Characters);
        let chars: Vec<char> = w.text.chars().collect();
        if per_char && chars.len() == 1 && w.syllables.len() == 1 {
            let s = &mut w.syllables[0];
            match chars[0] {
                // 地 after an adverbial word, before a verb: the particle de.
                '地' => {
                    let adverbial = prev.as_ref().is_some_and(|(text, tag, kind)| {
                        *kind == Kind::Han
                            && text.chars().count() >= 2
                            && ["a", "ad", "d", "i", "l", "z", "v", "vd", "b"]
                                .contains(&tag.as_str())
                            || is_reduplicated(text)
                    });
                    let verb_next = next
                        .as_ref()
                        .is_some_and(|(_, tag, _)| tag.starts_with('v'));
                    if adverbial || (verb_next && prev.is_some()) {
                        set(s, "de", 5);
                    }
                }
                // 得 after a verb or adjective: the complement particle de; between a
                // pronoun or adverb and a verb: the modal děi.
                // 得: the modal děi between a pronoun or adverb and a verb (我得走); dé
                // before 了/过 or a noun after a non-verb (他得了奖); otherwise the complement
                // particle de (跑得快, 过得好).
                '得' => {
                    let prev_verb = prev.as_ref().is_some_and(|(_, tag, kind)| {
                        *kind == Kind::Han && (tag.starts_with('v') || tag.starts_with('a'))
                    });
                    let modal = next.as_ref().is_some_and(|(_, tag, _)| {
                        ["v", "r", "d", "p"].iter().any(|t| tag.starts_with(t))
                    }) && prev
                        .as_ref()
                        .is_none_or(|(_, tag, _)| tag.starts_with('r') || tag.starts_with('d'));
                    let obtain = !prev_verb
                        && next.as_ref().is_some_and(|(text, tag, _)| {
                            matches!(text.as_str(), "了" | "过" | "着")
                                || tag.starts_with('n')
                                || tag.starts_with('m')
                        });
                    if modal && !prev_verb {
                        set(s, "dei", 3);
                    } else if obtain || prev.is_none() {
                        set(s, "de", 2);
                    } else {
                        set(s, "de", 5);
                    }
                }
                // 还 ending a clause, or before 了/给/清, is huán (按时还, 还给).
                '还' => {
                    let returning = next.as_ref().is_none_or(|(text, tag, _)| {
                        matches!(text.as_str(), "了" | "给" | "清" | "回") || tag.starts_with('r')
                    });
                    if returning && prev.is_some() {
                        set(s, "huan", 2);
                    }
                }
                // 过 right after a verb is the aspect particle, neutral: 读过.
                '过' if prev
                    .as_ref()
                    .is_some_and(|(_, tag, kind)| *kind == Kind::Han && tag.starts_with('v')) =>
                {
                    s.tone = 5;
                }
                // 教 before a pronoun is the verb jiāo: 教我们.
                '教' if next
                    .as_ref()
                    .is_some_and(|(_, tag, _)| tag.starts_with('r')) =>
                {
                    set(s, "jiao", 1);
                }
                // 数 before 一下, 一, 了, 着, 过, 不, 得 is the verb shǔ (数一下).
                '数' if next.as_ref().is_some_and(|(text, _, _)| {
                    ["一", "了", "着", "过", "不", "得"]
                        .iter()
                        .any(|p| text.starts_with(p))
                }) =>
                {
                    set(s, "shu", 3);
                }
                // 种 on its own is the verb zhòng (亲手种的), unless a numeral or demonstrative
                // makes it the measure word zhǒng (三种, 这种).
                '种' => {
                    let measure = prev.as_ref().is_some_and(|(text, _, kind)| {
                        matches!(kind, Kind::Number { .. })
                            || text
                                .chars()
                                .last()
                                .is_some_and(|c| NUMERAL_CHARS.contains(&c) || c == '有')
                    });
                    if !measure && prev.is_some() {
                        set(s, "zhong", 4);
                    }
                }
                // 只 and 行 after a numeral are measure words: zhī, háng.
                '只' | '行' => {
                    let numeral = prev.as_ref().is_some_and(|(text, _, kind)| {
                        matches!(kind, Kind::Number { .. })
                            || text
                                .chars()
                                .last()
                                .is_some_and(|c| NUMERAL_CHARS.contains(&c))
                    });
                    if numeral {
                        if chars[0] == '只' {
                            set(s, "zhi", 1);
                        } else {
                            set(s, "hang", 2);
                        }
                    }
                }
                _ => {}
            }
        }
        // Inside a word read by characters: 地 first after an adverbial word (jieba's
        // dictionary has odd entries such as 地走了), 得 last after a verb (过得).
        if per_char && chars.len() > 1 && chars.len() == w.syllables.len() {
            let adverbial = prev.as_ref().is_some_and(|(text, tag, _)| {
                is_reduplicated(text) || ["a", "ad", "d", "i", "l", "z"].contains(&tag.as_str())
            });
            if chars[0] == '地' && adverbial {
                set(&mut w.syllables[0], "de", 5);
            }
            let after_verb = prev
                .as_ref()
                .is_some_and(|(_, tag, kind)| *kind == Kind::Han && tag.starts_with('v'));
            if chars[0] == '得' && after_verb {
                set(&mut w.syllables[0], "de", 5);
            }
            // 说得对, 跑得快: a 得 after the first character is the particle (words where it
            // is dé, such as 获得, are in the lexicon).
            for (c, s) in chars.iter().zip(w.syllables.iter_mut()).skip(1) {
                if *c == '得' {
                    set(s, "de", 5);
                }
            }
            // 数一下, 数了: the verb shǔ.
            if chars[0] == '数' && matches!(chars[1], '一' | '了' | '着' | '过' | '不' | '得')
            {
                set(&mut w.syllables[0], "shu", 3);
            }
            let last = chars.len() - 1;
            if chars[last] == '得' {
                set(&mut w.syllables[last], "de", 5);
            }
        }
        // 只 and 行 after a numeral inside a word read by characters or from the phrase
        // dictionary (三只, 三行).
        let phrases = matches!(w.origin, Origin::Lexicon(Source::Phrases));
        if (per_char || phrases) && chars.len() == w.syllables.len() {
            for k in 1..chars.len() {
                if NUMERAL_CHARS.contains(&chars[k - 1]) {
                    match chars[k] {
                        '只' => set(&mut w.syllables[k], "zhi", 1),
                        '行' => set(&mut w.syllables[k], "hang", 2),
                        _ => {}
                    }
                }
            }
        }
        // AA reduplication of kinship terms and verbs: the second syllable is neutral.
        if chars.len() == 2
            && chars[0] == chars[1]
            && REDUPLICATED_NEUTRAL.contains(chars[0])
            && !matches!(w.origin, Origin::Lexicon(_))
            && w.syllables.len() == 2
        {
            w.syllables[1].tone = 5;
        }
    }
    // Reduplicated verbs split into two tokens (看/看), and X一X, X不X across tokens.
    let flat: Vec<(usize, usize)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Token::Word(w) if w.kind == Kind::Han => Some(i),
            _ => None,
        })
        .flat_map(|i| {
            let len = match &tokens[i] {
                Token::Word(w) => w.syllables.len(),
                _ => 0,
            };
            (0..len).map(move |k| (i, k))
        })
        .collect();
    let hanzi = |tokens: &[Token], (i, k): (usize, usize)| match &tokens[i] {
        Token::Word(w) => w.syllables.get(k).and_then(|s| s.hanzi),
        _ => None,
    };
    for x in 0..flat.len() {
        let a = hanzi(tokens, flat[x]);
        // X一X / X不X: 看一看, 是不是.
        let middle = if x + 1 < flat.len() {
            hanzi(tokens, flat[x + 1])
        } else {
            None
        };
        let verb = a.is_some_and(|c| REDUPLICATED_NEUTRAL.contains(c));
        if x + 2 < flat.len()
            && a.is_some()
            && a != middle
            && a == hanzi(tokens, flat[x + 2])
            && (middle == Some('不') || (middle == Some('一') && verb))
            && adjacent(&flat, x, x + 2)
        {
            let (i, k) = flat[x + 1];
            if let Token::Word(w) = &mut tokens[i] {
                w.syllables[k].tone = 5;
            }
        }
        // 看/看 as two single-character tokens.
        if x + 1 < flat.len()
            && flat[x].0 != flat[x + 1].0
            && a.is_some()
            && a == hanzi(tokens, flat[x + 1])
            && a.is_some_and(|c| REDUPLICATED_NEUTRAL.contains(c))
            && adjacent(&flat, x, x + 1)
        {
            let single = |i: usize| matches!(&tokens[i], Token::Word(w) if w.syllables.len() == 1);
            if single(flat[x].0) && single(flat[x + 1].0) {
                let (i, k) = flat[x + 1];
                if let Token::Word(w) = &mut tokens[i] {
                    w.syllables[k].tone = 5;
                }
            }
        }
    }
}

/// Whether flattened syllables `a..=b` lie in consecutive tokens (no break between).
fn adjacent(flat: &[(usize, usize)], a: usize, b: usize) -> bool {
    flat[b].0 - flat[a].0 <= b - a
}

fn set(s: &mut Syllable, pinyin: &str, tone: u8) {
    s.pinyin = pinyin.to_string();
    s.tone = tone;
}

fn is_reduplicated(text: &str) -> bool {
    let c: Vec<char> = text.chars().collect();
    (c.len() == 2 && c[0] == c[1]) || (c.len() == 4 && c[0] == c[1] && c[2] == c[3])
}

type Neighbour = Option<(String, String, Kind)>;

/// The words before and after token `i` within the same clause.
fn neighbours(tokens: &[Token], i: usize) -> (Neighbour, Neighbour) {
    let info = |t: &Token| match t {
        Token::Word(w) => Some((w.text.clone(), w.tag.clone(), w.kind.clone())),
        Token::Break(_) => None,
    };
    let prev = i.checked_sub(1).and_then(|p| info(&tokens[p]));
    let next = tokens.get(i + 1).and_then(info);
    (prev, next)
}
