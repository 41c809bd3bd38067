//! A Chinese sentence as Chinese text and English runs, so that the English is read as
//! English (the Chinese front end would read it into pinyin).
//!
//! An English run starts at an ASCII letter and takes letters, digits, and ' ’ . - between
//! them (Jeff, GPT-3.5, don't, U.S); after spaces it goes on with another such word, or with
//! a number unless a Chinese character follows the number (`GPT 4，` is English; in
//! `Hinton 2012年` and `Llama 2 模型` the number is left to the Chinese text, 二零一二年, 二).
//! Digits not after an English word are Chinese (`17个`). Full-width letters and digits count
//! as ASCII.

use crate::text::is_han;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Run {
    Chinese(String),
    English(String),
}

/// Full-width letters and digits as ASCII.
fn fold(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// The end of an English word starting at `i` (an ASCII letter).
fn word_end(chars: &[char], mut i: usize) -> usize {
    i += 1;
    while let Some(&c) = chars.get(i) {
        let inner = matches!(c, '\'' | '’' | '.' | '-')
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric());
        if c.is_ascii_alphanumeric() || inner {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The end of a number starting at `i` (a digit): digits, with , or . between digits.
fn number_end(chars: &[char], mut i: usize) -> usize {
    while let Some(&c) = chars.get(i) {
        let inner = matches!(c, '.' | ',') && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() || inner {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The end of the English run starting at `i` (an ASCII letter).
fn run_end(chars: &[char], i: usize) -> usize {
    let mut end = word_end(chars, i);
    loop {
        let mut j = end;
        while chars.get(j) == Some(&' ') {
            j += 1;
        }
        if j == end {
            return end;
        }
        match chars.get(j) {
            Some(c) if c.is_ascii_alphabetic() => end = word_end(chars, j),
            Some(c) if c.is_ascii_digit() => {
                let k = number_end(chars, j);
                let mut after = k;
                while chars.get(after) == Some(&' ') {
                    after += 1;
                }
                if chars.get(after).is_some_and(|&c| is_han(c)) {
                    return end;
                }
                end = k;
            }
            _ => return end,
        }
    }
}

/// Splits a sentence that has Chinese characters into runs, in order; nothing is lost (the
/// runs joined give the sentence, with full-width letters and digits folded).
pub(crate) fn split(text: &str) -> Vec<Run> {
    let chars: Vec<char> = text.chars().map(fold).collect();
    let mut runs = Vec::new();
    let mut chinese = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() {
            let end = run_end(&chars, i);
            if !chinese.is_empty() {
                runs.push(Run::Chinese(std::mem::take(&mut chinese)));
            }
            runs.push(Run::English(chars[i..end].iter().collect()));
            i = end;
        } else {
            chinese.push(chars[i]);
            i += 1;
        }
    }
    if !chinese.is_empty() {
        runs.push(Run::Chinese(chinese));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> Vec<String> {
        split(text)
            .into_iter()
            .map(|r| match r {
                Run::Chinese(t) => format!("zh:{t}"),
                Run::English(t) => format!("en:{t}"),
            })
            .collect()
    }

    #[test]
    fn english_runs_take_names_model_numbers_and_spaces() {
        assert_eq!(
            show("我认识Jeff Hinton，他做了AlexNet。"),
            [
                "zh:我认识",
                "en:Jeff Hinton",
                "zh:，他做了",
                "en:AlexNet",
                "zh:。"
            ]
        );
        assert_eq!(
            show("GPT-3.5和GPT 4，不是Llama 2 的对手"),
            [
                "en:GPT-3.5",
                "zh:和",
                "en:GPT 4",
                "zh:，不是",
                "en:Llama",
                "zh: 2 的对手"
            ]
        );
        assert_eq!(
            show("Hinton 2012年做了17个实验"),
            ["en:Hinton", "zh: 2012年做了17个实验"]
        );
        assert_eq!(
            show("（reinforcement learning from human feedback）"),
            [
                "zh:（",
                "en:reinforcement learning from human feedback",
                "zh:）"
            ]
        );
        assert_eq!(show("用ＧＰＵ训练"), ["zh:用", "en:GPU", "zh:训练"]);
        assert_eq!(
            show("Hinton's U.S. lab"),
            ["en:Hinton's U.S", "zh:. ", "en:lab"]
        );
    }

    #[test]
    fn nothing_is_lost() {
        for text in [
            "",
            "中文",
            "a",
            "中a",
            "a 1",
            "a -1",
            "a.b.",
            "1a",
            "x'",
            "你好 GPT  4 。",
        ] {
            let joined: String = split(text)
                .into_iter()
                .map(|r| match r {
                    Run::Chinese(t) | Run::English(t) => t,
                })
                .collect();
            assert_eq!(joined, text, "{text:?}");
        }
    }
}
