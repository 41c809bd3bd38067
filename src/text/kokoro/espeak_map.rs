//! espeak-ng's US English IPA in Kokoro v1.0's symbols, the way the front end Kokoro was
//! trained with (misaki's espeak fallback) maps it.
//!
//! That mapping works on espeak-ng's output with a tie (`^`) inside each phoneme written with
//! several letters ("a^ɪ" is one phoneme, "aɪ" two), so recast asks espeak-ng for its
//! phonemes separated ([`SEPARATOR`]) and writes the ties back the way espeak-ng itself would
//! (before every letter of a phoneme's name but the first, not before modifier letters or
//! diacritics such as ː and the syllabic mark). Then, in this order:
//! - tied diphthongs and affricates become Kokoro's single symbols: aɪ I, aʊ W, eɪ A, ɔɪ Y,
//!   oʊ O, dʒ ʤ, tʃ ʧ; a lone e is A; the syllabic ə^l is ᵊl;
//! - ɚ is əɹ, r ɹ, ɐ ə, x and ç k, ɬ l; palatalisation ʲ and nasalisation marks go;
//! - a syllabic consonant gets a ᵊ before it (n̩ → ᵊn), except after a glottal stop (ʔn̩ → tn);
//! - US English: ɜː is ɜɹ, ɪə iə, length marks go; a remaining o is ɔ;
//! - Kokoro v1.0 has no flap or glottal stop of its own: ɾ is T, ʔ is t.

/// What separates phonemes in the espeak-ng output this module reads.
pub(crate) const SEPARATOR: char = '_';

/// The tie written back between the letters of one phoneme.
const TIE: char = '^';

/// Replacements on the tied string, longest first (the order matters: e^ɪ before e).
const TIED: &[(&str, &str)] = &[
    ("ʔˌn\u{329}", "ʔn"),
    ("ʔn\u{329}", "ʔn"),
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("d^ʒ", "ʤ"),
    ("e^ɪ", "A"),
    ("t^ʃ", "ʧ"),
    ("ɔ^ɪ", "Y"),
    ("ə^l", "ᵊl"),
    ("ʲo", "jo"),
    ("ʲə", "jə"),
    ("e", "A"),
    ("ʲ", ""),
    ("ɚ", "əɹ"),
    ("r", "ɹ"),
    ("x", "k"),
    ("ç", "k"),
    ("ɐ", "ə"),
    ("ɬ", "l"),
    ("\u{303}", ""),
];

/// US English, after the syllabic consonants.
const US: &[(&str, &str)] = &[
    ("o^ʊ", "O"),
    ("ɜːɹ", "ɜɹ"),
    ("ɜː", "ɜɹ"),
    ("ɪə", "iə"),
    ("ː", ""),
    ("o", "ɔ"),
    ("ɾ", "T"),
    ("ʔ", "t"),
];

const SYLLABIC: char = '\u{329}';

/// Whether espeak-ng writes a tie before `c` inside a phoneme's name: a letter that is not a
/// modifier letter or a combining mark.
fn takes_tie(c: char) -> bool {
    c.is_alphabetic() && !('\u{2b0}'..='\u{36f}').contains(&c)
}

/// One word of espeak-ng's output, its phonemes separated by [`SEPARATOR`], as the tied
/// string espeak-ng would have written.
fn tied(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for unit in word.split(SEPARATOR) {
        let mut first = true;
        for c in unit.chars() {
            if matches!(c, 'ˈ' | 'ˌ') {
                out.push(c);
                continue;
            }
            if !first && takes_tie(c) {
                out.push(TIE);
            }
            out.push(c);
            first = false;
        }
    }
    out
}

fn replace_all(mut s: String, table: &[(&str, &str)]) -> String {
    for (from, to) in table {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// A syllabic consonant: ᵊ before it, the mark gone (n̩ → ᵊn).
fn syllabic(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if chars.get(i + 1) == Some(&SYLLABIC) && !c.is_whitespace() {
            out.push('ᵊ');
            out.push(c);
            i += 2;
            continue;
        }
        if c != SYLLABIC {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// One word of espeak-ng's separated output ("n_ˈʊɹ_ɹ_əl") in Kokoro's symbols ("nˈʊɹɹᵊl").
/// Punctuation espeak-ng adds at a clause's end is left out.
pub(crate) fn word(separated: &str) -> String {
    let trimmed = separated.trim_matches(|c: char| c.is_ascii_punctuation() && c != SEPARATOR);
    let s = replace_all(tied(trimmed), TIED);
    let s = replace_all(syllabic(&s), US);
    s.chars().filter(|&c| c != TIE && c != SEPARATOR).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_written_back_inside_phonemes_only() {
        assert_eq!(tied("tʃ_ˈɔɪ_s"), "t^ʃˈɔ^ɪs");
        assert_eq!(tied("n_ˈʌ_t_ʃ_ɛ_l"), "nˈʌtʃɛl");
        assert_eq!(tied("f_ˈɔːɹ_m"), "fˈɔː^ɹm");
        assert_eq!(tied("b_ˈʌ_ʔ_n\u{329}"), "bˈʌʔn\u{329}");
    }

    #[test]
    fn diphthongs_affricates_and_rhotics() {
        assert_eq!(word("tʃ_ˈɔɪ_s"), "ʧˈYs");
        assert_eq!(word("n_ˈʌ_t_ʃ_ɛ_l"), "nˈʌtʃɛl");
        assert_eq!(word("dʒ_ˈʌ_dʒ"), "ʤˈʌʤ");
        assert_eq!(word("ɡ_ˈoʊ"), "ɡˈO");
        assert_eq!(word("ˈaʊ_ɚ"), "ˈWəɹ");
        assert_eq!(word("ˈeɪ_t"), "ˈAt");
        assert_eq!(word("b_aɪ"), "bI");
        assert_eq!(word("t_ɹ_æ_n_s_f_ˈɔːɹ_m_ɚ"), "tɹænsfˈɔɹməɹ");
        assert_eq!(word("l_ˈɜː_n_ɪ_ŋ"), "lˈɜɹnɪŋ");
        assert_eq!(word("n_ˈʊɹ_ɹ_əl"), "nˈʊɹɹᵊl");
    }

    #[test]
    fn flaps_glottal_stops_and_syllabic_consonants() {
        assert_eq!(word("b_ˈɪ_ɾ_ɚ"), "bˈɪTəɹ");
        assert_eq!(word("b_ˈʌ_ʔ_n\u{329}"), "bˈʌtn");
        assert_eq!(word("s_ˈʌ_ʔ_ˌn\u{329}"), "sˈʌtn");
        assert_eq!(word("b_ˈɑː_ɾ_l\u{329}"), "bˈɑTᵊl");
        assert_eq!(word("ˈɪ_l_ɪ__ə"), "ˈɪliə");
    }

    #[test]
    fn clause_punctuation_is_left_out() {
        assert_eq!(word("t_ˈɛ_s_t."), "tˈɛst");
        assert_eq!(word(""), "");
    }
}
