//! Cutting a phoneme string that is longer than Kokoro takes in one call: at the last
//! clause end that fits, else at the last word end, never inside a word when a word end
//! fits.

/// Most symbols Kokoro takes in one call (its context is 512 tokens, two of them pads).
pub const MAX_SYMBOLS: usize = 510;

/// The pieces of `symbols`, each at most `max` symbols (chars), cut after a clause end
/// (indices into the chars of `symbols`, after a clause's last symbol) where one fits, else
/// after a space, else (a single word longer than `max`) at `max`.
pub fn split(symbols: &str, clause_ends: &[usize], max: usize) -> Vec<String> {
    let chars: Vec<char> = symbols.chars().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    while chars.len() - start > max {
        let limit = start + max;
        let at_clause = clause_ends
            .iter()
            .copied()
            .filter(|&end| end > start && end <= limit)
            .max();
        let at_word = || {
            (start + 1..=limit)
                .rev()
                .find(|&i| chars[i - 1] == ' ' || chars.get(i) == Some(&' '))
        };
        let cut = at_clause.or_else(at_word).unwrap_or(limit);
        push_trimmed(&mut pieces, &chars[start..cut]);
        start = cut;
    }
    push_trimmed(&mut pieces, &chars[start..]);
    pieces
}

fn push_trimmed(pieces: &mut Vec<String>, chars: &[char]) {
    let piece: String = chars.iter().collect();
    let piece = piece.trim();
    if !piece.is_empty() {
        pieces.push(piece.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inputs_stay_whole() {
        assert_eq!(split("ni xaʊ.", &[], 510), ["ni xaʊ."]);
        assert!(split("  ", &[], 510).is_empty());
    }

    #[test]
    fn long_inputs_are_cut_at_the_last_clause_that_fits() {
        // Three clauses of 9 symbols and their commas.
        let text = "aaaa bbbb, cccc dddd, eeee ffff.";
        let ends = [10, 21, 32];
        assert_eq!(
            split(text, &ends, 25),
            ["aaaa bbbb, cccc dddd,", "eeee ffff."]
        );
        assert_eq!(
            split(text, &ends, 12),
            ["aaaa bbbb,", "cccc dddd,", "eeee ffff."]
        );
    }

    #[test]
    fn without_a_clause_that_fits_words_stay_whole() {
        let text = "aaaa bbbb cccc dddd";
        let pieces = split(text, &[], 12);
        assert_eq!(pieces, ["aaaa bbbb", "cccc dddd"]);
        for piece in pieces {
            assert!(piece.chars().count() <= 12);
        }
        // Only a word longer than the limit is cut inside.
        assert_eq!(split("abcdefghij", &[], 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn every_piece_fits_and_nothing_is_lost() {
        let word = "ʦʰɤ↘ ";
        let text: String = std::iter::repeat_n(word, 300).collect();
        let ends: Vec<usize> = (1..300).filter(|i| i % 7 == 0).map(|i| i * 5).collect();
        let pieces = split(&text, &ends, MAX_SYMBOLS);
        assert!(pieces.len() >= 3);
        for piece in &pieces {
            assert!(piece.chars().count() <= MAX_SYMBOLS);
            assert!(piece.ends_with('↘'), "cut mid-word: {piece}");
        }
        let rejoined: String = pieces.join(" ");
        assert_eq!(rejoined, text.trim());
    }
}
