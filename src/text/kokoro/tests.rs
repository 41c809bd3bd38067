//! Sentences read whole (without espeak-ng: every English word here is in a lexicon or
//! spelled; `tests/kokoro_front_end.rs` covers espeak-ng and the reference strings).

use super::*;

fn read(text: &str) -> KokoroReading {
    kokoro_phonemes(text, &Lexicon::builtin(), &KokoroOptions::default()).unwrap()
}

#[test]
fn mandarin_words_are_spaced_and_marks_mapped() {
    let r = read("你好，世界。");
    assert_eq!(r.language, Language::Mandarin);
    assert_eq!(r.phonemes, "ni↓xau↓, ʂɨ↘ʨje↘.");
    assert_eq!(r.clause_ends, vec![8]);
    assert!(r.phonemes.chars().all(is_kokoro_symbol));
}

#[test]
fn lexical_tones_by_default_sandhi_on_request() {
    let lexicon = Lexicon::builtin();
    let lexical = read("你好");
    assert_eq!(lexical.phonemes, "ni↓xau↓");
    let surface = kokoro_phonemes("你好", &lexicon, &KokoroOptions { tone_sandhi: true }).unwrap();
    assert_eq!(surface.phonemes, "ni↗xau↓");
}

#[test]
fn english_runs_in_chinese_are_english() {
    let r = read("GPT和AlexNet都用GPU。");
    assert_eq!(r.phonemes, "ʤˌipˌitˈi xɤ↗ ˈælɪksnˌɛt tou→ jʊ↘ŋ ʤˌipˌijˈu.");
    let sources: Vec<&WordSource> = r.words.iter().map(|w| &w.source).collect();
    assert_eq!(sources[0], &WordSource::Letters);
    assert!(matches!(sources[2], WordSource::Lexicon(_)));
    assert!(matches!(sources[1], WordSource::Pinyin { .. }));
}

#[test]
fn model_numbers_are_english_chinese_numbers_chinese() {
    let r = read("GPT-3在2020年发布。");
    assert!(r.phonemes.starts_with("ʤˌipˌitˈi θɹˈi "), "{}", r.phonemes);
    assert!(
        r.phonemes.contains("ɚ↘"),
        "2020 read in Chinese: {}",
        r.phonemes
    );
}

#[test]
fn quotes_and_brackets_as_misaki_spaces_them() {
    let r = read("他说“好”。《论文》（很好）");
    assert_eq!(r.phonemes, "tʰa→ ʂwo→“xau↓”. “lwə↘nwə↗n” (xə↓n xau↓)");
}

#[test]
fn the_user_lexicon_overrides_the_acronym_rule_and_readings() {
    let mut lexicon = Lexicon::builtin();
    lexicon.insert("GPT", "/ʤˈipˌit/").unwrap();
    lexicon.insert("ONNX", "spell").unwrap();
    let r = kokoro_phonemes("GPT和ONNX", &lexicon, &KokoroOptions::default()).unwrap();
    assert_eq!(r.phonemes, "ʤˈipˌit xɤ↗ ˌOˌɛnˌɛnˈɛks");
    assert!(matches!(&r.words[0].source, WordSource::Lexicon(s) if s == "user entry"));
    // Without the user entries: spelled GPT, ONNX as the built-in lexicon reads it.
    assert_eq!(read("GPT和ONNX").phonemes, "ʤˌipˌitˈi xɤ↗ ˈɑnɪks");
}

#[test]
fn plurals_and_possessives_of_known_words() {
    assert_eq!(
        read("Transformers和GPUs，Hinton's").phonemes,
        "tɹænsfˈɔɹməɹz xɤ↗ ʤˌipˌijˈuz, hˈɪntənz"
    );
}

#[test]
fn long_readings_split_at_clause_ends_then_spaces() {
    let sentence = "我们今天聊一聊这种模型，它为什么会这么有效。".repeat(12);
    let r = read(&sentence);
    let chunks = r.chunks(60);
    assert!(chunks.len() > 5);
    assert!(chunks.iter().all(|c| c.chars().count() <= 60));
    assert!(chunks.iter().all(|c| c.ends_with([',', '.'])), "{chunks:?}");
    let rejoined: String = chunks.concat().chars().filter(|c| *c != ' ').collect();
    let all: String = r.phonemes.chars().filter(|c| *c != ' ').collect();
    assert_eq!(rejoined, all);
    // A clause longer than the limit is cut between words, never inside one.
    let words: Vec<&str> = r.phonemes.split([' ', ',', '.']).collect();
    for c in read(&"我们今天聊一聊这种模型".repeat(8)).chunks(20) {
        for w in c.split(' ') {
            assert!(words.contains(&w), "{w} is not a whole word");
        }
    }
}

#[test]
fn explain_names_each_source() {
    let text = explain(
        "我在银行见了GPT。",
        &Lexicon::builtin(),
        &KokoroOptions::default(),
    );
    assert!(text.contains("language:   Mandarin"), "{text}");
    assert!(
        text.contains("银行 yin2 hang2 (built-in lexicon) → i↗nxa↗ŋ"),
        "{text}"
    );
    assert!(
        text.contains("GPT (letter by letter) → ʤˌipˌitˈi"),
        "{text}"
    );
    let long = "字".repeat(crate::text::zh::MAX_SENTENCE_CHARS + 1);
    assert!(explain(&long, &Lexicon::builtin(), &KokoroOptions::default()).starts_with("error:"));
}

#[test]
fn odd_input_never_panics() {
    for text in [
        "", " ", "。", "……", "👍", "中", "中👍A", "“", "》", "GPT-", "-3", "1.2.3中", "中 ,.!?",
        "中AB'C", "Ａ中", "中ß",
    ] {
        let r = read(text);
        assert!(r.phonemes.chars().all(is_kokoro_symbol), "{text:?}");
    }
}

#[test]
fn front_end_version_covers_the_builtin_lexicon() {
    let v = front_end_version();
    assert!(v.starts_with("kokoro-text-1-"), "{v}");
    assert_eq!(v, front_end_version());
}
