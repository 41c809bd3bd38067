//! Prosodic words and tone sandhi.
//!
//! Prosodic words (the Baker corpus' `#1` units): function words (的, 了, 吗, 们 …) join the
//! word before them, a number joins the measure word after it, and a one-syllable word joins
//! the next word when together they make at most three syllables (我在 | 银行, 很好的).
//!
//! Sandhi, when asked for:
//! - 一 is yí before a fourth tone, yì before the other tones, and stays yī at the end of a
//!   word or clause (统一, 第一, 十一), after 第, before 月/号/楼, in digit strings, dates,
//!   times and decimals, and inside numbers except before 百/千/万/亿 (一百 yì bǎi, 一万
//!   yí wàn, 十一 shí yī);
//! - 不 is bú before a fourth tone;
//! - third tones: in a run of third tones inside one prosodic word, all but the last become
//!   second tones (你好 ní hǎo, 展览馆 zhán lán guǎn), except that a one-syllable word
//!   before a two-syllable word keeps its third tone (小 | 老虎 xiǎo láo hǔ). Across
//!   prosodic words only a one-syllable word changes (很 | 有意思 hén yǒu yìsi, 有 | 很多);
//!   longer words keep their last third tone.
//!
//! A neutral tone that comes from the lexicon or the rules stays neutral either way.

use super::reader::{Kind, Token, Word};
use super::syllable::char_default;
use crate::text::phonetic::{Break, Syllable, Unit};

/// Words that lean on the word before them.
const CLITICS: &[&str] = &[
    "的", "地", "得", "了", "着", "过", "吗", "呢", "吧", "啊", "呀", "嘛", "们", "么", "啦", "哦",
    "哇", "之", "似的",
];

/// One-syllable words that follow a number as its measure word (besides those jieba tags
/// as measure words or numerals).
const MEASURES: &[&str] = &[
    "人", "时", "天", "分", "秒", "号", "日", "点", "度", "元", "倍", "层", "页", "行", "只",
];

/// A prosodic word: one or more words read as a unit.
#[derive(Debug, Clone)]
pub struct Group {
    pub words: Vec<Word>,
}

impl Group {
    fn syllable_count(&self) -> usize {
        self.words.iter().map(|w| w.syllables.len()).sum()
    }
}

#[derive(Debug, Clone)]
pub enum Item {
    Group(Group),
    Break(Break),
}

/// Writes 一 and 不 with their lexical tones (yī, bù), whatever a dictionary says (some
/// phrase dictionaries write the sandhi tones), unless neutral.
pub fn lexical_yi_bu(tokens: &mut [Token]) {
    for t in tokens.iter_mut() {
        if let Token::Word(w) = t {
            for s in w.syllables.iter_mut() {
                match s.hanzi {
                    Some('一') if s.tone != 5 && s.pinyin == "yi" => s.tone = 1,
                    Some('不') if s.tone != 5 && s.pinyin == "bu" => s.tone = 4,
                    _ => {}
                }
            }
        }
    }
}

/// Groups words into prosodic words; breaks stay as they are.
pub fn group(tokens: Vec<Token>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current: Option<Group> = None;
    // Whether token `k + 1` is a Chinese word (an adverb or preposition before it leans on it).
    let han_next: Vec<bool> = (0..tokens.len())
        .map(|k| matches!(tokens.get(k + 1), Some(Token::Word(w)) if w.kind == Kind::Han))
        .collect();
    for (k, t) in tokens.into_iter().enumerate() {
        match t {
            Token::Break(b) => {
                if let Some(g) = current.take() {
                    items.push(Item::Group(g));
                }
                items.push(Item::Break(b));
            }
            Token::Word(w) => {
                if w.syllables.is_empty() {
                    continue;
                }
                let joins = match &current {
                    None => false,
                    Some(g) => {
                        let last = g.words.last().expect("groups are never empty");
                        let n = w.syllables.len();
                        let clitic =
                            n <= 2 && w.kind == Kind::Han && CLITICS.contains(&w.text.as_str());
                        let han = last.kind != Kind::Latin && w.kind != Kind::Latin;
                        let measure = matches!(last.kind, Kind::Number { .. })
                            && w.kind == Kind::Han
                            && n == 1
                            && (w.tag == "q"
                                || w.tag == "m"
                                || MEASURES.contains(&w.text.as_str()));
                        // An adverb or preposition of one syllable leans on what follows
                        // (我 | 很好, 我 | 在银行).
                        let leans_forward = n == 1
                            && w.kind == Kind::Han
                            && (w.tag.starts_with('d') || w.tag == "p" || w.tag == "zg")
                            && han_next[k];
                        let mono = g.syllable_count() == 1
                            && g.syllable_count() + n <= 3
                            && !leans_forward;
                        // GPT三: a number right after an English word.
                        let model_number =
                            last.kind == Kind::Latin && matches!(w.kind, Kind::Number { .. });
                        clitic || model_number || (han && (measure || mono))
                    }
                };
                if joins {
                    if let Some(g) = current.as_mut() {
                        g.words.push(w);
                    }
                } else {
                    if let Some(g) = current.take() {
                        items.push(Item::Group(g));
                    }
                    current = Some(Group { words: vec![w] });
                }
            }
        }
    }
    if let Some(g) = current {
        items.push(Item::Group(g));
    }
    items
}

/// Position of a syllable: item, word, syllable.
type Pos = (usize, usize, usize);

fn syllable_mut(items: &mut [Item], (i, w, s): Pos) -> &mut Syllable {
    match &mut items[i] {
        Item::Group(g) => &mut g.words[w].syllables[s],
        Item::Break(_) => unreachable!("positions only point into groups"),
    }
}

fn syllable(items: &[Item], (i, w, s): Pos) -> &Syllable {
    match &items[i] {
        Item::Group(g) => &g.words[w].syllables[s],
        Item::Break(_) => unreachable!("positions only point into groups"),
    }
}

fn word(items: &[Item], (i, w, _): Pos) -> &Word {
    match &items[i] {
        Item::Group(g) => &g.words[w],
        Item::Break(_) => unreachable!("positions only point into groups"),
    }
}

/// The tone a syllable has underneath a neutral tone (个 in 一个 is gè).
fn underlying_tone(s: &Syllable) -> u8 {
    if s.tone != 5 {
        return s.tone;
    }
    s.hanzi.and_then(char_default).map_or(5, |d| d.tone)
}

/// Applies 一, 不 and third-tone sandhi.
pub fn sandhi(items: &mut [Item]) {
    // Clauses: runs of syllables not separated by a clause or sentence break.
    let mut clauses: Vec<Vec<Pos>> = vec![Vec::new()];
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Break(b) if *b >= Break::Clause => clauses.push(Vec::new()),
            Item::Break(_) => {}
            Item::Group(g) => {
                for (w, word) in g.words.iter().enumerate() {
                    for s in 0..word.syllables.len() {
                        if let Some(c) = clauses.last_mut() {
                            c.push((i, w, s));
                        }
                    }
                }
            }
        }
    }
    for clause in &clauses {
        yi_bu(items, clause);
    }
    for item in items.iter_mut() {
        if let Item::Group(g) = item {
            third_tones(g);
        }
    }
    // A one-syllable word in the third tone (很, 有) ending a prosodic word, before a third
    // tone: 很 | 有意思 hén yǒu yìsi, 有 | 很多 yóu hěn duō.
    for i in 0..items.len().saturating_sub(1) {
        let next_first = match &items[i + 1] {
            Item::Group(g) => g
                .words
                .first()
                .and_then(|w| w.syllables.first())
                .map(|s| s.tone),
            Item::Break(_) => None,
        };
        if let Item::Group(g) = &mut items[i]
            && next_first == Some(3)
            && let Some(last) = g.words.last_mut()
            && last.syllables.len() == 1
            && last.syllables[0].tone == 3
        {
            last.syllables[0].tone = 2;
        }
    }
}

/// Third tones as a fluent speaker says them across prosodic words: of two third tones in a
/// row with no pause between (no mark), the first becomes a second tone (老李 | 买好 | 酒:
/// hǎo jiǔ → háo jiǔ). [`sandhi`] leaves these as the Baker corpus labels them; a voice
/// given its pitch by recast speaks them this way.
pub fn sandhi_across_words(items: &mut [Item]) {
    let mut previous: Option<(usize, usize, usize)> = None;
    for i in 0..items.len() {
        let positions: Vec<(usize, usize)> = match &items[i] {
            Item::Break(b) => {
                if *b > Break::Word {
                    previous = None;
                }
                continue;
            }
            Item::Group(g) => g
                .words
                .iter()
                .enumerate()
                .flat_map(|(w, word)| (0..word.syllables.len()).map(move |s| (w, s)))
                .collect(),
        };
        for (w, s) in positions {
            let tone = syllable(items, (i, w, s)).tone;
            if tone == 3
                && let Some(p) = previous
                && syllable(items, p).tone == 3
            {
                syllable_mut(items, p).tone = 2;
            }
            previous = Some((i, w, s));
        }
    }
}

fn yi_bu(items: &mut [Item], clause: &[Pos]) {
    for (k, &pos) in clause.iter().enumerate() {
        let s = syllable(items, pos);
        let (is_yi, is_bu) = match s.hanzi {
            Some('一') if s.pinyin == "yi" && s.tone == 1 => (true, false),
            Some('不') if s.pinyin == "bu" && s.tone == 4 => (false, true),
            _ => continue,
        };
        let Some(&next_pos) = clause.get(k + 1) else {
            continue;
        };
        let next = syllable(items, next_pos);
        let next_tone = underlying_tone(next);
        if is_bu {
            if next_tone == 4 {
                syllable_mut(items, pos).tone = 2;
            }
            continue;
        }
        if !is_yi {
            continue;
        }
        let w = word(items, pos);
        let same_word = next_pos.0 == pos.0 && next_pos.1 == pos.1;
        let chars: Vec<char> = w.syllables.iter().filter_map(|s| s.hanzi).collect();
        let index = pos.2;
        let keep = match w.kind {
            Kind::Number { sandhi } => {
                // 一 before 百/千/万/亿 changes (一百 yì bǎi); a leading 一 changes in counts.
                let before_unit =
                    same_word && matches!(next.hanzi, Some('百' | '千' | '万' | '亿'));
                !(before_unit || (sandhi && index == 0))
            }
            _ => {
                let last_of_word = index + 1 == w.syllables.len() && w.syllables.len() > 1;
                let after_di = index > 0 && chars.get(index - 1) == Some(&'第');
                let before_label = matches!(next.hanzi, Some('月' | '号' | '楼'));
                let after_yi = index > 0 && chars.get(index - 1) == Some(&'一');
                let before_digit = matches!(
                    next.hanzi,
                    Some('一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '零')
                );
                last_of_word || after_di || after_yi || before_label || before_digit
            }
        };
        if keep {
            continue;
        }
        let tone = match next_tone {
            4 => 2,
            1..=3 => 4,
            _ => continue,
        };
        syllable_mut(items, pos).tone = tone;
    }
}

fn third_tones(g: &mut Group) {
    // Flatten with word boundaries.
    let mut flat: Vec<(usize, usize)> = Vec::new();
    let mut starts: Vec<bool> = Vec::new();
    for (w, word) in g.words.iter().enumerate() {
        for s in 0..word.syllables.len() {
            flat.push((w, s));
            starts.push(s == 0 || (s == 1 && word.one_plus_two));
        }
    }
    let tone = |g: &Group, (w, s): (usize, usize)| g.words[w].syllables[s].tone;
    let mut k = 0;
    while k < flat.len() {
        if tone(g, flat[k]) != 3 {
            k += 1;
            continue;
        }
        let mut end = k;
        while end + 1 < flat.len() && tone(g, flat[end + 1]) == 3 {
            end += 1;
        }
        let len = end - k + 1;
        if len >= 2 {
            // 1 + 2 structure: a one-syllable word, then a word of at least two syllables
            // that starts inside the run.
            let one_plus_two = len == 3 && starts[k] && starts[k + 1] && !starts[k + 2];
            for (m, &pos) in flat.iter().enumerate().take(end).skip(k) {
                if one_plus_two && m == k {
                    continue;
                }
                g.words[pos.0].syllables[pos.1].tone = 2;
            }
        }
        k = end + 1;
    }
}

/// The units of a sentence: syllables, a word break between prosodic words, the
/// punctuation's breaks (the strongest of adjacent ones), and a sentence break at the end.
pub fn units(items: &[Item]) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut pending: Option<Break> = None;
    for item in items {
        match item {
            Item::Break(b) => pending = Some(pending.map_or(*b, |p| p.max(*b))),
            Item::Group(g) => {
                if g.syllable_count() == 0 {
                    continue;
                }
                if !out.is_empty() {
                    out.push(Unit::Break(pending.unwrap_or(Break::Word)));
                }
                pending = None;
                for w in &g.words {
                    out.extend(w.syllables.iter().cloned().map(Unit::Syllable));
                }
            }
        }
    }
    if !out.is_empty() {
        out.push(Unit::Break(Break::Sentence));
    }
    out
}
