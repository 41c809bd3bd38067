//! Text normalisation for Mandarin: numbers, dates, times, percentages, fractions, ranges,
//! units and currencies become Chinese words; full-width letters and digits become ASCII;
//! punctuation is unified into break marks. English words are kept as words, for the
//! English reader.
//!
//! Choices (documented in `mod.rs` too):
//! - years are read digit by digit (2003年 → 二零零三年), except round durations
//!   (1000年前 → 一千年前);
//! - phone numbers are read digit by digit with 1 as 幺 (yāo): an 11-digit number starting
//!   with 1, groups joined by hyphens (010-12345678, 400-810-8888), or digits after 电话,
//!   手机, 号码, 热线, 拨打, 致电, 分机, 传真 or "tel";
//! - other digit strings are read as cardinals up to 16 digits; longer ones, and those with
//!   a leading zero (007), digit by digit with 一;
//! - GPT-3 → GPT三, GPT-3.5 → GPT三点五: digits after letters are a cardinal, the hyphen is
//!   not read;
//! - 两 replaces 二 for a count before a measure word (2个 → 两个, 2000人 → 两千人), never in
//!   dates, ordinals (第2 → 第二), digit strings or 12, 20, 22.

use super::numbers::{cardinal, count, decimal, digits, shift};
use super::syllable::is_han;
use crate::text::phonetic::Break;

/// A piece of normalised text.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Chinese text, to be segmented and looked up.
    Han(String),
    /// Number words written by the normaliser. `sandhi`: whether a leading 一 follows the
    /// tone of what comes next (counts: 一个 yí gè) or keeps yī (digit strings, dates,
    /// times, decimals, percentages, fractions).
    Number { text: String, sandhi: bool },
    /// One English word, acronym or letter run (ASCII letters, inner `'` or `.`).
    Latin(String),
    /// Punctuation, unified: its display form and break strength.
    Mark { text: String, strength: Break },
    /// Whitespace between words.
    Space,
    /// Something that cannot be read (emoji, unknown symbols, other scripts).
    Skipped(String),
}

impl Piece {
    fn display(&self) -> &str {
        match self {
            Piece::Han(t) | Piece::Number { text: t, .. } | Piece::Latin(t) => t,
            Piece::Mark { text, .. } => text,
            Piece::Space => " ",
            Piece::Skipped(t) => t,
        }
    }
}

/// The normalised text of a sentence, for display: numbers and symbols in Chinese words,
/// punctuation in its Chinese form, English words kept.
pub fn normalize(text: &str) -> String {
    render(&pieces(text))
}

/// Joins pieces for display.
pub fn render(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for (i, p) in pieces.iter().enumerate() {
        if let Piece::Space = p {
            // A space is shown only between two Latin words.
            let prev_latin = i > 0 && matches!(pieces[i - 1], Piece::Latin(_));
            let next_latin = matches!(pieces.get(i + 1), Some(Piece::Latin(_)));
            if prev_latin && next_latin {
                out.push(' ');
            }
            continue;
        }
        out.push_str(p.display());
    }
    out
}

/// Characters that count as a measure word (or unit) after a number: a count, read with 两.
const MEASURES: &[&str] = &[
    "个",
    "位",
    "名",
    "人",
    "口",
    "只",
    "头",
    "条",
    "匹",
    "张",
    "本",
    "把",
    "件",
    "套",
    "台",
    "辆",
    "架",
    "艘",
    "部",
    "座",
    "栋",
    "间",
    "所",
    "家",
    "层",
    "次",
    "回",
    "遍",
    "趟",
    "下",
    "声",
    "句",
    "段",
    "篇",
    "章",
    "节",
    "页",
    "行",
    "首",
    "字",
    "年",
    "岁",
    "天",
    "周",
    "星期",
    "小时",
    "分钟",
    "秒",
    "倍",
    "成",
    "份",
    "批",
    "群",
    "组",
    "类",
    "种",
    "样",
    "项",
    "门",
    "场",
    "轮",
    "步",
    "块",
    "元",
    "角",
    "毛",
    "斤",
    "公斤",
    "克",
    "吨",
    "米",
    "公里",
    "千米",
    "厘米",
    "毫米",
    "升",
    "毫升",
    "度",
    "亿",
    "万",
    "千",
    "百",
    "双",
    "对",
    "副",
    "支",
    "枝",
    "根",
    "颗",
    "粒",
    "片",
    "滴",
    "杯",
    "碗",
    "瓶",
    "盒",
    "箱",
    "包",
    "袋",
    "桶",
    "盘",
    "笔",
    "顿",
    "阵",
    "股",
    "点",
    "代",
    "辈",
    "款",
    "集",
    "季",
    "国",
    "方",
    "面",
    "边",
    "侧",
    "者",
    "美元",
    "英镑",
    "欧元",
    "亿元",
    "万元",
    "千元",
    "倍",
    "所",
    "封",
    "棵",
    "朵",
    "首",
    "扇",
    "道",
    "堂",
    "节课",
    "个月",
    "年前",
    "年后",
    "篇论文",
    "岁时",
];

/// After these, a number is an ordinal or a label and keeps 二 ("2月", "2号", "2楼").
const NOT_COUNTS: &[&str] = &[
    "年级", "号", "月", "日", "楼", "等", "班", "期", "季度", "路", "版", "代码",
];

/// Words after which digits are a phone number.
const PHONE_CUES: &[&str] = &[
    "电话", "手机", "号码", "热线", "拨打", "致电", "分机", "传真", "tel", "Tel", "TEL",
];

/// Units written in Latin letters after a number, and how they are read.
const UNITS: &[(&str, &str)] = &[
    ("km/h", "公里每小时"),
    ("m/s", "米每秒"),
    ("km²", "平方公里"),
    ("m²", "平方米"),
    ("km", "公里"),
    ("cm", "厘米"),
    ("mm", "毫米"),
    ("nm", "纳米"),
    ("kg", "公斤"),
    ("mg", "毫克"),
    ("ml", "毫升"),
    ("mL", "毫升"),
    ("kWh", "千瓦时"),
    ("kW", "千瓦"),
    ("mAh", "毫安时"),
    ("GHz", "吉赫兹"),
    ("MHz", "兆赫兹"),
    ("kHz", "千赫兹"),
    ("Hz", "赫兹"),
    ("ms", "毫秒"),
    ("min", "分钟"),
    ("m", "米"),
    ("g", "克"),
    ("t", "吨"),
    ("L", "升"),
    ("h", "小时"),
    ("s", "秒"),
    ("W", "瓦"),
    ("V", "伏"),
];

/// Currency signs before a number.
fn currency(c: char) -> Option<&'static str> {
    Some(match c {
        '$' => "美元",
        '¥' | '￥' => "元",
        '€' => "欧元",
        '£' => "英镑",
        _ => return None,
    })
}

/// Maps full-width ASCII forms to ASCII, the ideographic space to a space, and folds
/// Latin letters with diacritics to their base letter.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => {
            // Keep the Chinese punctuation marks as they are; they are unified later.
            if matches!(c, '，' | '！' | '？' | '；' | '：' | '（' | '）' | '～') {
                c
            } else {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
        }
        '\u{3000}' | '\u{a0}' | '\t' | '\r' | '\n' => ' ',
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ý' | 'ÿ' => 'y',
        '−' | '–' => '-',
        _ => c,
    }
}

/// Greek letters common in technical text, read by their Chinese names.
fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "阿尔法",
        'β' => "贝塔",
        'γ' => "伽马",
        'δ' | 'Δ' => "德尔塔",
        'ε' => "艾普西隆",
        'θ' => "西塔",
        'λ' => "兰姆达",
        'μ' => "缪",
        'π' => "派",
        'σ' | 'Σ' => "西格玛",
        'ω' | 'Ω' => "欧米伽",
        _ => return None,
    })
}

/// Unified punctuation: (display form, strength); None for a character that is not
/// punctuation.
fn mark(c: char) -> Option<(&'static str, Break)> {
    Some(match c {
        '。' | '.' | '｡' => ("。", Break::Sentence),
        '！' | '!' => ("！", Break::Sentence),
        '？' | '?' => ("？", Break::Sentence),
        '，' | ',' | '､' => ("，", Break::Clause),
        '、' => ("、", Break::Clause),
        '；' | ';' => ("；", Break::Clause),
        '：' | ':' => ("：", Break::Clause),
        '…' | '⋯' => ("…", Break::Clause),
        '（' | '(' => ("（", Break::Phrase),
        '）' | ')' => ("）", Break::Phrase),
        '[' | '【' | '〔' => ("【", Break::Phrase),
        ']' | '】' | '〕' => ("】", Break::Phrase),
        '《' | '〈' | '<' => ("《", Break::Phrase),
        '》' | '〉' | '>' => ("》", Break::Phrase),
        '“' | '”' | '"' | '「' | '」' | '『' | '』' => ("“", Break::Phrase),
        '‘' | '’' | '\'' => ("‘", Break::Phrase),
        '—' | '―' | '-' | '～' | '~' | '/' | '|' => ("—", Break::Phrase),
        '·' | '・' | '•' => ("·", Break::Word),
        _ => return None,
    })
}

/// Symbols read as words.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "和",
        '+' => "加",
        '=' => "等于",
        '@' => "艾特",
        '×' => "乘",
        '÷' => "除以",
        '℃' => "摄氏度",
        '°' => "度",
        '%' | '％' => "百分号",
        '‰' => "千分号",
        _ => return None,
    })
}

struct Scanner {
    chars: Vec<char>,
    out: Vec<Piece>,
}

/// Splits and normalises a sentence into pieces.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut s = Scanner {
        chars: text.chars().map(fold).collect(),
        out: Vec::new(),
    };
    s.run();
    merge(s.out)
}

/// Joins adjacent Han pieces and collapses repeated spaces.
fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (out.last_mut(), p) {
            (Some(Piece::Han(a)), Piece::Han(b)) => a.push_str(&b),
            (Some(Piece::Space), Piece::Space) => {}
            (None, Piece::Space) => {}
            (_, p) => out.push(p),
        }
    }
    if let Some(Piece::Space) = out.last() {
        out.pop();
    }
    out
}

impl Scanner {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn digit_at(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    /// Whether the text at `i` starts with `word`.
    fn starts_with(&self, i: usize, word: &str) -> bool {
        (i..).zip(word.chars()).all(|(j, w)| self.at(j) == Some(w))
    }

    fn any_starts(&self, i: usize, words: &[&str]) -> bool {
        words.iter().any(|w| self.starts_with(i, w))
    }

    /// The run of ASCII digits starting at `i` and its end.
    fn digit_run(&self, i: usize) -> (String, usize) {
        let mut j = i;
        while self.digit_at(j) {
            j += 1;
        }
        (self.chars[i..j].iter().collect(), j)
    }

    fn han(&mut self, text: &str) {
        self.out.push(Piece::Han(text.to_string()));
    }

    fn num(&mut self, text: String, sandhi: bool) {
        if !text.is_empty() {
            self.out.push(Piece::Number { text, sandhi });
        }
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            if is_han(c) {
                let start = i;
                while self.at(i).is_some_and(is_han) {
                    i += 1;
                }
                let text: String = self.chars[start..i].iter().collect();
                self.out.push(Piece::Han(text));
            } else if c.is_ascii_digit() {
                i = self.number(i);
            } else if c == '-'
                && self.digit_at(i + 1)
                && !self
                    .at(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_ascii_alphanumeric())
            {
                // A minus sign: "-7°C" → 零下七摄氏度 is handled in `number`, "-5" → 负五.
                i = self.number(i);
            } else if let Some(unit) = currency(c).filter(|_| self.digit_at(i + 1)) {
                i = self.money(i + 1, unit);
            } else if c.is_ascii_alphabetic() {
                i = self.latin(i);
            } else if c.is_whitespace() {
                self.out.push(Piece::Space);
                i += 1;
            } else if c == '.' && self.at(i + 1) == Some('.') {
                // "..." is an ellipsis.
                while self.at(i) == Some('.') {
                    i += 1;
                }
                self.out.push(Piece::Mark {
                    text: "…".into(),
                    strength: Break::Clause,
                });
            } else if let Some((text, strength)) = mark(c) {
                // "——" and "……" are one mark.
                let mut j = i + 1;
                while self.at(j) == Some(c) {
                    j += 1;
                }
                self.out.push(Piece::Mark {
                    text: text.to_string(),
                    strength,
                });
                i = j;
            } else if let Some(word) = symbol_word(c).or_else(|| greek(c)) {
                self.han(word);
                i += 1;
            } else if matches!(
                c,
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{fe0f}'
            ) {
                // Invisible formatting characters carry nothing to read or report.
                i += 1;
            } else {
                // A run of unreadable characters is reported as one piece.
                let start = i;
                while let Some(d) = self.at(i) {
                    if is_han(d)
                        || d.is_ascii_alphanumeric()
                        || d.is_whitespace()
                        || mark(d).is_some()
                        || symbol_word(d).is_some()
                        || greek(d).is_some()
                        || currency(d).is_some()
                    {
                        break;
                    }
                    i += 1;
                }
                if i == start {
                    i += 1;
                }
                let text: String = self.chars[start..i].iter().collect();
                let text: String = text
                    .chars()
                    .filter(|c| !matches!(c, '\u{fe0f}' | '\u{200d}'))
                    .collect();
                if !text.is_empty() {
                    self.out.push(Piece::Skipped(text));
                }
            }
        }
    }

    /// An English word: ASCII letters with inner apostrophes or dots ("don't", "U.S").
    /// Digits after letters are read as a number ("GPT-3", "H100").
    fn latin(&mut self, start: usize) -> usize {
        let mut i = start;
        while let Some(c) = self.at(i) {
            let inner = matches!(c, '\'' | '’' | '.')
                && self.at(i + 1).is_some_and(|n| n.is_ascii_alphabetic())
                && i > start;
            if c.is_ascii_alphabetic() || inner {
                i += 1;
            } else {
                break;
            }
        }
        let word: String = self.chars[start..i].iter().collect();
        self.out.push(Piece::Latin(word.replace('’', "'")));
        // "GPT-3": a hyphen between letters and digits is not read.
        if self.at(i) == Some('-') && self.digit_at(i + 1) {
            return self.number_after_letters(i + 1);
        }
        if self.digit_at(i) {
            return self.number_after_letters(i);
        }
        i
    }

    /// Digits right after letters: a cardinal, with a decimal part ("GPT-3.5").
    fn number_after_letters(&mut self, i: usize) -> usize {
        let (int, mut j) = self.digit_run(i);
        if self.at(j) == Some('.') && self.digit_at(j + 1) {
            let (frac, k) = self.digit_run(j + 1);
            self.num(decimal(&int, &frac), false);
            j = k;
        } else if int.len() > 4 || int.starts_with('0') {
            self.num(digits(&int, false), false);
        } else {
            self.num(cardinal(&int), true);
        }
        j
    }

    /// "$5", "$1.5B", "¥200".
    fn money(&mut self, i: usize, unit: &str) -> usize {
        let (int, mut j) = self.digit_run(i);
        let mut int = int;
        // Thousands separators.
        while self.at(j) == Some(',') && self.digit_run(j + 1).0.len() == 3 {
            let (group, k) = self.digit_run(j + 1);
            int.push_str(&group);
            j = k;
        }
        let mut frac = String::new();
        if self.at(j) == Some('.') && self.digit_at(j + 1) {
            let (f, k) = self.digit_run(j + 1);
            frac = f;
            j = k;
        }
        let scale = match self.at(j) {
            Some('K' | 'k') => Some(3),
            Some('M') => Some(6),
            Some('B') => Some(9),
            Some('T') => Some(12),
            _ => None,
        };
        if let Some(exp) =
            scale.filter(|_| !self.at(j + 1).is_some_and(|c| c.is_ascii_alphabetic()))
        {
            let (i2, f2) = shift(&int, &frac, exp);
            int = i2;
            frac = f2;
            j += 1;
        }
        let words = if frac.is_empty() {
            count(&int)
        } else {
            decimal(&int, &frac)
        };
        self.num(words, frac.is_empty());
        // "$5 million" keeps its word; "$5" gets its currency after the number.
        self.han(unit);
        j
    }

    /// A number starting at `i` (a digit, or a minus sign before one).
    fn number(&mut self, i: usize) -> usize {
        let negative = self.at(i) == Some('-');
        let start = if negative { i + 1 } else { i };
        let (int, j) = self.digit_run(start);

        if !negative {
            if let Some(end) = self.date(start) {
                return end;
            }
            if let Some(end) = self.time(start) {
                return end;
            }
            if let Some(end) = self.phone(start) {
                return end;
            }
            if let Some(end) = self.range(start) {
                return end;
            }
        }

        // Thousands separators: 12,345,678.
        let mut int = int;
        let mut j = j;
        let mut grouped = false;
        while self.at(j) == Some(',') && self.digit_run(j + 1).0.len() == 3 && !self.digit_at(j + 4)
        {
            let (group, k) = self.digit_run(j + 1);
            int.push_str(&group);
            j = k;
            grouped = true;
        }

        // Fractions 1/3 → 三分之一.
        if !grouped && self.at(j) == Some('/') && self.digit_at(j + 1) {
            let (den, k) = self.digit_run(j + 1);
            if !den.trim_start_matches('0').is_empty() && self.at(k) != Some('/') {
                if negative {
                    self.han("负");
                }
                self.num(cardinal(&den), true);
                self.han("分之");
                self.num(cardinal(&int), false);
                return k;
            }
        }

        // Decimals and versions.
        let mut frac = None;
        let mut end = j;
        if self.at(j) == Some('.') && self.digit_at(j + 1) {
            let (f, k) = self.digit_run(j + 1);
            if self.at(k) == Some('.') && self.digit_at(k + 1) {
                // A version number: 3.5.1 → 三点五点一.
                let mut words = digits(&int, false);
                let mut k = j;
                while self.at(k) == Some('.') && self.digit_at(k + 1) {
                    let (part, next) = self.digit_run(k + 1);
                    words.push('点');
                    words.push_str(&digits(&part, false));
                    k = next;
                }
                self.num(words, false);
                return k;
            }
            frac = Some(f);
            end = k;
        }

        // Percentages.
        if matches!(self.at(end), Some('%' | '％' | '‰')) {
            let per = if self.at(end) == Some('‰') {
                "千分之"
            } else {
                "百分之"
            };
            self.han(per);
            if negative {
                self.han("负");
            }
            match &frac {
                Some(f) => self.num(decimal(&int, f), false),
                None => self.num(cardinal(&int), false),
            }
            return end + 1;
        }

        // Temperatures: -7°C → 零下七摄氏度.
        let temp_end = if self.starts_with(end, "°C") {
            Some(end + 2)
        } else if self.at(end) == Some('℃') {
            Some(end + 1)
        } else {
            None
        };
        if let Some(temp_end) = temp_end {
            if negative {
                self.han("零下");
            }
            match &frac {
                Some(f) => self.num(decimal(&int, f), false),
                None => self.num(cardinal(&int), true),
            }
            self.han("摄氏度");
            return temp_end;
        }

        if negative {
            self.han("负");
        }
        if let Some(f) = frac {
            self.num(decimal(&int, &f), false);
            return self.unit(end);
        }
        self.integer(&int, start, end, grouped);
        self.unit(end)
    }

    /// A plain integer `int` spanning `start..end`, read from its context.
    fn integer(&mut self, int: &str, start: usize, end: usize, grouped: bool) {
        let before = start.checked_sub(1).and_then(|p| self.at(p));
        let ordinal = before == Some('第');
        if !grouped && int.len() > 1 && int.starts_with('0') || int.len() > 16 {
            self.num(digits(int, false), false);
            return;
        }
        // Years: 4 digits before 年 (not a round duration), 2 or 4 before 年代.
        let round_duration = int.ends_with("00")
            && self.any_starts(
                end + 1,
                &["前", "后", "来", "间", "内", "多", "之久", "左右"],
            );
        if !grouped
            && ((int.len() == 4 && self.at(end) == Some('年') && !round_duration)
                || ((int.len() == 2 || int.len() == 4) && self.starts_with(end, "年代")))
        {
            self.num(digits(int, false), false);
            return;
        }
        if ordinal || self.any_starts(end, NOT_COUNTS) {
            self.num(cardinal(int), false);
            return;
        }
        let unit_follows = UNITS.iter().any(|(u, _)| {
            self.starts_with(end, u)
                && !self
                    .at(end + u.chars().count())
                    .is_some_and(|c| c.is_ascii_alphabetic())
        });
        if self.any_starts(end, MEASURES) || unit_follows || self.at(end) == Some('+') {
            self.num(count(int), true);
            return;
        }
        self.num(cardinal(int), true);
    }

    /// A unit in Latin letters, or "+" (多), after a number.
    fn unit(&mut self, i: usize) -> usize {
        if self.at(i) == Some('+') && self.at(i + 1).is_some_and(is_han) {
            self.han("多");
            return i + 1;
        }
        for (u, words) in UNITS {
            let n = u.chars().count();
            if self.starts_with(i, u) && !self.at(i + n).is_some_and(|c| c.is_ascii_alphabetic()) {
                self.han(words);
                return i + n;
            }
        }
        i
    }

    /// 2024-07-20, 2024/7/20, 2024.07.20 → 二零二四年七月二十日.
    fn date(&mut self, i: usize) -> Option<usize> {
        let (year, j) = self.digit_run(i);
        if year.len() != 4 {
            return None;
        }
        let sep = self.at(j).filter(|c| matches!(c, '-' | '/' | '.'))?;
        let (month, k) = self.digit_run(j + 1);
        let m: u32 = month.parse().ok()?;
        if !(1..=12).contains(&m) || month.len() > 2 {
            return None;
        }
        let day = if self.at(k) == Some(sep) && self.digit_at(k + 1) {
            let (day, l) = self.digit_run(k + 1);
            let d: u32 = day.parse().ok()?;
            if !(1..=31).contains(&d) || day.len() > 2 || self.digit_at(l) {
                return None;
            }
            Some((day, l))
        } else {
            None
        };
        // "2024-07" alone is a year and month only with a two-digit month.
        if day.is_none() && (month.len() != 2 || sep == '.') {
            return None;
        }
        self.num(digits(&year, false), false);
        self.han("年");
        self.num(cardinal(&month), false);
        self.han("月");
        let mut end = k;
        if let Some((day, l)) = day {
            self.num(cardinal(&day), false);
            // "2024-07-20日" already has its 日.
            if !matches!(self.at(l), Some('日' | '号')) {
                self.han("日");
            }
            end = l;
        }
        Some(end)
    }

    /// 12:18 → 十二点十八分, 9:05:30 → 九点零五分三十秒. Minutes need two digits; "3:2" is
    /// a score (三比二).
    fn time(&mut self, i: usize) -> Option<usize> {
        let (hour, j) = self.digit_run(i);
        if self.at(j) != Some(':') || hour.len() > 2 {
            return None;
        }
        let (minute, k) = self.digit_run(j + 1);
        if minute.is_empty() {
            return None;
        }
        let h: u32 = hour.parse().ok()?;
        if minute.len() != 2 || h > 24 {
            // A ratio or score.
            if minute.len() <= 2 && !self.digit_at(k) {
                self.num(cardinal(&hour), true);
                self.han("比");
                self.num(cardinal(&minute), true);
                return Some(k);
            }
            return None;
        }
        let m: u32 = minute.parse().ok()?;
        if m >= 60 {
            return None;
        }
        self.num(
            if h == 2 {
                "两".into()
            } else {
                cardinal(&hour)
            },
            false,
        );
        self.han("点");
        let mut end = k;
        if m > 0 || self.at(k) == Some(':') {
            let words = if m < 10 && m > 0 {
                format!("零{}", cardinal(&minute))
            } else {
                cardinal(&minute)
            };
            if m > 0 {
                self.num(words, false);
                self.han("分");
            }
            if self.at(k) == Some(':') && self.digit_at(k + 1) {
                let (second, l) = self.digit_run(k + 1);
                let s: u32 = second.parse().unwrap_or(0);
                if s > 0 {
                    self.num(cardinal(&second), false);
                    self.han("秒");
                }
                end = l;
            }
        }
        Some(end)
    }

    /// Phone numbers, read digit by digit with 幺.
    fn phone(&mut self, i: usize) -> Option<usize> {
        let (first, mut j) = self.digit_run(i);
        let mut groups = vec![first];
        while self.at(j) == Some('-') && self.digit_run(j + 1).0.len() >= 3 {
            let (g, k) = self.digit_run(j + 1);
            groups.push(g);
            j = k;
        }
        // A mobile number written 138 1234 5678.
        if groups.len() == 1 && groups[0].len() == 3 && groups[0].starts_with('1') {
            let (g2, k2) = if self.at(j) == Some(' ') {
                self.digit_run(j + 1)
            } else {
                (String::new(), j)
            };
            let (g3, k3) = if g2.len() == 4 && self.at(k2) == Some(' ') {
                self.digit_run(k2 + 1)
            } else {
                (String::new(), k2)
            };
            if g2.len() == 4 && g3.len() == 4 && !self.digit_at(k3) {
                self.num(
                    format!(
                        "{}{}{}",
                        digits(&groups[0], true),
                        digits(&g2, true),
                        digits(&g3, true)
                    ),
                    false,
                );
                return Some(k3);
            }
        }
        let cue = {
            let from = i.saturating_sub(6);
            let before: String = self.chars[from..i].iter().collect();
            PHONE_CUES.iter().any(|c| before.contains(c))
        };
        let all: String = groups.concat();
        let mobile = groups.len() == 1
            && all.len() == 11
            && all.starts_with('1')
            && matches!(all.as_bytes()[1], b'3'..=b'9');
        let hyphenated = groups.len() >= 2
            && groups[0].len() >= 3
            && groups.iter().all(|g| (3..=8).contains(&g.len()))
            && all.len() >= 10
            && !self.at(j).is_some_and(|c| c.is_ascii_digit());
        let cued = cue && all.len() >= 3;
        if !(mobile || hyphenated || cued) {
            return None;
        }
        // With a cue, only the first group counts unless the groups were hyphenated.
        let (words, end) = if mobile || hyphenated {
            (
                groups
                    .iter()
                    .map(|g| digits(g, true))
                    .collect::<Vec<_>>()
                    .join(""),
                j,
            )
        } else {
            let (g, e) = self.digit_run(i);
            (digits(&g, true), e)
        };
        self.num(words, false);
        Some(end)
    }

    /// 3-5年 → 三到五年, 2003-2005年 → 二零零三到二零零五年, 3~5% → 百分之三到百分之五.
    fn range(&mut self, i: usize) -> Option<usize> {
        let (a, j) = self.digit_run(i);
        if !matches!(self.at(j), Some('-' | '~' | '～' | '—' | '至')) {
            return None;
        }
        let (b, k) = self.digit_run(j + 1);
        if b.is_empty() || self.at(k) == Some('.') || self.at(k) == Some('-') {
            return None;
        }
        let pct = matches!(self.at(k), Some('%' | '％'));
        if pct {
            // "3%-5%" is not handled here; "3-5%" is.
            self.han("百分之");
            self.num(cardinal(&a), true);
            self.han("到");
            self.han("百分之");
            self.num(cardinal(&b), true);
            return Some(k + 1);
        }
        let years = a.len() == 4 && b.len() == 4 && self.at(k) == Some('年');
        if years {
            self.num(digits(&a, false), false);
            self.han("到");
            self.num(digits(&b, false), false);
            return Some(k);
        }
        let counted = self.any_starts(k, MEASURES) && !self.any_starts(k, NOT_COUNTS);
        let read = |n: &str| if counted { count(n) } else { cardinal(n) };
        let (ra, rb) = (read(&a), read(&b));
        self.num(ra, true);
        self.han("到");
        self.num(rb, true);
        Some(self.unit(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s)
    }

    #[test]
    fn years_and_dates() {
        assert_eq!(n("时间是2003年。"), "时间是二零零三年。");
        assert_eq!(n("2024-07-20"), "二零二四年七月二十日");
        assert_eq!(n("2024年7月20日"), "二零二四年七月二十日");
        assert_eq!(n("2024/7/2"), "二零二四年七月二日");
        assert_eq!(n("90年代"), "九零年代");
        assert_eq!(n("1000年前"), "一千年前");
        assert_eq!(n("2003-2005年"), "二零零三到二零零五年");
    }

    #[test]
    fn counts_and_cardinals() {
        assert_eq!(n("17岁"), "十七岁");
        assert_eq!(n("20年前"), "二十年前");
        assert_eq!(n("2025个"), "两千零二十五个");
        assert_eq!(n("2个人"), "两个人");
        assert_eq!(n("2月"), "二月");
        assert_eq!(n("第2"), "第二");
        assert_eq!(n("第3名"), "第三名");
        assert_eq!(n("300"), "三百");
        assert_eq!(n("12,345人"), "一万二千三百四十五人");
        assert_eq!(n("10+年"), "十多年");
        assert_eq!(n("007"), "零零七");
    }

    #[test]
    fn decimals_percentages_fractions_ranges() {
        assert_eq!(n("3.5"), "三点五");
        assert_eq!(n("50%"), "百分之五十");
        assert_eq!(n("3.5%"), "百分之三点五");
        assert_eq!(n("1/3"), "三分之一");
        assert_eq!(n("3-5年"), "三到五年");
        assert_eq!(n("2-3个"), "两到三个");
        assert_eq!(n("3~5%"), "百分之三到百分之五");
        assert_eq!(n("-5"), "负五");
        assert_eq!(n("版本3.5.1"), "版本三点五点一");
        assert_eq!(n("比分3:2"), "比分三比二");
    }

    #[test]
    fn times_and_phones() {
        assert_eq!(n("12:18"), "十二点十八分");
        assert_eq!(n("9:05"), "九点零五分");
        assert_eq!(n("12:00"), "十二点");
        assert_eq!(n("2:30"), "两点三十分");
        assert_eq!(n("13812345678"), "幺三八幺二三四五六七八");
        assert_eq!(n("电话110"), "电话幺幺零");
        assert_eq!(n("010-12345678"), "零幺零幺二三四五六七八");
    }

    #[test]
    fn units_and_money() {
        assert_eq!(n("5km"), "五公里");
        assert_eq!(n("2kg"), "两公斤");
        assert_eq!(n("-7°C"), "零下七摄氏度");
        assert_eq!(n("30℃"), "三十摄氏度");
        assert_eq!(n("$5"), "五美元");
        assert_eq!(n("$1.5B"), "十五亿美元");
        assert_eq!(n("￥200"), "两百元");
        assert_eq!(n("16GB"), "十六GB");
    }

    #[test]
    fn english_and_full_width() {
        assert_eq!(n("ＡＢＣ１２３"), "ABC一百二十三");
        assert_eq!(n("GPT-3"), "GPT三");
        assert_eq!(n("GPT-3.5"), "GPT三点五");
        assert_eq!(n("H100"), "H一百");
        assert_eq!(n("Deep Blue下棋"), "Deep Blue下棋");
        assert_eq!(n("LeCun's"), "LeCun's");
    }

    #[test]
    fn punctuation_is_unified() {
        assert_eq!(n("好,是的!真的?"), "好，是的！真的？");
        assert_eq!(n("AI(人工智能)"), "AI（人工智能）");
        assert_eq!(n("嗯......"), "嗯…");
    }

    #[test]
    fn unreadable_pieces_are_kept_as_skipped() {
        let p = pieces("好👍👍的");
        assert!(p.contains(&Piece::Skipped("👍👍".into())));
        assert_eq!(n("α和β"), "阿尔法和贝塔");
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            "",
            " ",
            "-",
            "$",
            "1.",
            ".5",
            "1/0",
            "12:",
            ":30",
            "2024-",
            "2024-13-40",
            "9999999999999999999999",
            "1,2,3",
            "$.",
            "3%%",
            "第",
            "----",
            "1-",
            "+1",
            "1:2:3:4",
            "１",
            "٣",
            "𝟘",
        ] {
            let _ = pieces(s);
        }
    }
}
