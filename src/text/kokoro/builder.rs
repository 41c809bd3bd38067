//! The phoneme string of a sentence, put together word by word and mark by mark: one space
//! between two words, the spaces misaki writes around each mark, and where clauses end (so
//! an engine can split a long input there).

use super::{KokoroWord, WordSource, is_kokoro_symbol};

/// A punctuation mark in Kokoro's symbols, with the spaces misaki writes around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub symbol: &'static str,
    pub space_before: bool,
    pub space_after: bool,
}

impl Mark {
    /// A mark that ends a clause: an input may be split right after it.
    fn ends_clause(&self) -> bool {
        matches!(self.symbol, "," | ";" | ":" | "." | "!" | "?" | "…" | "—")
    }
}

/// A word or a mark, in sentence order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Word(KokoroWord),
    Mark(Mark),
}

#[derive(Debug, Default)]
pub(crate) struct Builder {
    phonemes: String,
    /// `phonemes` in characters (each is one symbol).
    len: usize,
    words: Vec<KokoroWord>,
    clause_ends: Vec<usize>,
    after_word: bool,
    /// Symbols a reading had that Kokoro lacks (left out), each once.
    dropped: Vec<char>,
}

impl Builder {
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if is_kokoro_symbol(c) {
                self.phonemes.push(c);
                self.len += 1;
            } else if !self.dropped.contains(&c) {
                self.dropped.push(c);
            }
        }
    }

    fn space(&mut self) {
        if !self.phonemes.is_empty() && !self.phonemes.ends_with(' ') {
            self.push(" ");
        }
    }

    pub fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Word(w) => {
                self.word(w);
            }
            Piece::Mark(m) => self.mark(m, None),
        }
    }

    /// Adds a word; returns where its phonemes start, in symbols from the sentence's start.
    pub fn word(&mut self, word: KokoroWord) -> usize {
        if !word.phonemes.is_empty() {
            if self.after_word {
                self.space();
            }
            let phonemes = word.phonemes.clone();
            let start = self.len;
            self.push(&phonemes);
            self.after_word = true;
            self.words.push(word);
            return start;
        }
        self.words.push(word);
        self.len
    }

    /// A mark; `text` is what it stood for in the sentence, for the explanation.
    pub fn mark(&mut self, mark: Mark, text: Option<&str>) {
        if mark.space_before {
            self.space();
        }
        self.push(mark.symbol);
        if mark.ends_clause() {
            self.clause_ends.push(self.len);
        }
        if mark.space_after {
            self.space();
        }
        self.after_word = false;
        self.words.push(KokoroWord {
            text: text.unwrap_or(mark.symbol).to_string(),
            phonemes: mark.symbol.to_string(),
            source: WordSource::Punctuation,
        });
    }

    /// What was built.
    pub fn finish(self) -> Built {
        let phonemes = self.phonemes.trim_end();
        let len = phonemes.chars().count();
        Built {
            phonemes: phonemes.to_string(),
            words: self.words,
            clause_ends: self.clause_ends.into_iter().filter(|&e| e < len).collect(),
            dropped: self.dropped,
        }
    }
}

/// A sentence's phonemes, put together.
pub(crate) struct Built {
    /// Kokoro's symbols only, no space at either end.
    pub phonemes: String,
    pub words: Vec<KokoroWord>,
    /// In symbols from the start; the end of the last clause is not one.
    pub clause_ends: Vec<usize>,
    /// Symbols Kokoro lacks that readings had, left out.
    pub dropped: Vec<char>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(p: &str) -> KokoroWord {
        KokoroWord {
            text: p.into(),
            phonemes: p.into(),
            source: WordSource::Espeak,
        }
    }

    const COMMA: Mark = Mark {
        symbol: ",",
        space_before: false,
        space_after: true,
    };
    const OPEN: Mark = Mark {
        symbol: "“",
        space_before: true,
        space_after: false,
    };

    #[test]
    fn spaces_between_words_and_around_marks() {
        let mut b = Builder::default();
        b.word(word("ab"));
        b.word(word("cd"));
        b.mark(COMMA, None);
        b.mark(OPEN, None);
        b.word(word("ef"));
        b.mark(COMMA, None);
        let built = b.finish();
        assert_eq!(built.phonemes, "ab cd, “ef,");
        assert_eq!(built.words.len(), 6);
        // After "ab cd," (6 symbols); the final comma is the end, not a boundary.
        assert_eq!(built.clause_ends, vec![6]);
    }

    #[test]
    fn empty_words_add_nothing_and_unknown_symbols_are_left_out() {
        let mut b = Builder::default();
        b.word(word(""));
        b.word(word("aʍgʍ"));
        b.mark(COMMA, None);
        b.word(word("b"));
        let built = b.finish();
        assert_eq!(built.phonemes, "a, b");
        assert_eq!(built.dropped, vec!['ʍ', 'g']);
        assert_eq!(built.clause_ends, vec![2]);
    }
}
