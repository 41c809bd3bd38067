//! The phoneme string of a sentence, put together word by word and mark by mark: one space
//! between two words, the spaces misaki writes around each mark, and where clauses end (so
//! an engine can split a long input there).

use super::{KokoroWord, WordSource};

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
}

impl Builder {
    fn push(&mut self, s: &str) {
        self.phonemes.push_str(s);
        self.len += s.chars().count();
    }

    fn space(&mut self) {
        if !self.phonemes.is_empty() && !self.phonemes.ends_with(' ') {
            self.push(" ");
        }
    }

    pub fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Word(w) => self.word(w),
            Piece::Mark(m) => self.mark(m, None),
        }
    }

    pub fn word(&mut self, word: KokoroWord) {
        if !word.phonemes.is_empty() {
            if self.after_word {
                self.space();
            }
            let phonemes = word.phonemes.clone();
            self.push(&phonemes);
            self.after_word = true;
        }
        self.words.push(word);
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

    /// The phoneme string (no space at either end), the words, and the clause ends (in
    /// symbols from the start, the last one dropped when it is the end).
    pub fn finish(self) -> (String, Vec<KokoroWord>, Vec<usize>) {
        let phonemes = self.phonemes.trim_end();
        let len = phonemes.chars().count();
        let clause_ends = self.clause_ends.into_iter().filter(|&e| e < len).collect();
        (phonemes.to_string(), self.words, clause_ends)
    }
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
        let (phonemes, words, ends) = b.finish();
        assert_eq!(phonemes, "ab cd, “ef,");
        assert_eq!(words.len(), 6);
        // After "ab cd," (6 symbols); the final comma is the end, not a boundary.
        assert_eq!(ends, vec![6]);
    }

    #[test]
    fn empty_words_add_nothing() {
        let mut b = Builder::default();
        b.word(word(""));
        b.word(word("a"));
        assert_eq!(b.finish().0, "a");
    }
}
