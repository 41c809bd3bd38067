//! Kokoro's front end against the reference strings of misaki 0.9.4 (fixtures written by
//! `scripts/kokoro-reference.py`): every sentence is identical, or differs only as listed in
//! [`DIFFERENCES`], each with the reason recast reads it its own way. espeak-ng's mapping is
//! checked word by word against misaki's espeak fallback (same espeak-ng 1.52).

mod common;

use recast::text::kokoro::{
    KokoroOptions, KokoroReading, Language, SYMBOLS, english_by_espeak, kokoro_phonemes,
    unknown_symbols,
};
use recast::text::zh::Lexicon;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Once;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kokoro-reference")
}

fn json(name: &str) -> Value {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/kokoro-reference.py)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// espeak-ng reads its data from recast's data folder, as the binary arranges it.
fn espeak() {
    static POINTED: Once = Once::new();
    POINTED.call_once(|| {
        let dir = recast::voices::data_dir().unwrap();
        // SAFETY: every test that reaches espeak-ng (the only C code here that reads the
        // environment) waits for this first.
        unsafe { recast::synth::runtime::point_espeak_at_data(&dir) }
            .expect("espeak-ng-data in recast's data folder: run scripts/setup");
    });
}

fn read(text: &str) -> KokoroReading {
    espeak();
    kokoro_phonemes(text, &Lexicon::builtin(), &KokoroOptions::default()).unwrap()
}

/// A difference recast chose: in sentence `sentence`, the reference's `reference` is
/// recast's `recast`.
struct Difference {
    sentence: &'static str,
    reference: &'static str,
    recast: &'static str,
    why: &'static str,
}

const fn diff(
    sentence: &'static str,
    reference: &'static str,
    recast: &'static str,
    why: &'static str,
) -> Difference {
    Difference {
        sentence,
        reference,
        recast,
        why,
    }
}

// Why recast's Chinese differs: its own front end chooses the pinyin and the words.
const SEGMENTS: &str = "segmentation: recast's Chinese front end (jieba-rs without HMM, its \
    lexicon, numbers written as one word by its normaliser) cuts the words elsewhere than \
    Python jieba, and words are what the spaces separate";
const LEXICAL_YI_BU: &str = "tones: recast writes 一 and 不 with their lexical tones (yī, bù) \
    everywhere; pypinyin's phrase dictionary has some phrases with the sandhi tone baked in";
const NEUTRAL: &str = "pinyin: recast's lexicon and rules give this syllable the neutral \
    tone, as it is said; pypinyin keeps the full tone";
const COLLAPSED: &str = "marks: a run of spaces or of one mark is written once (misaki's \
    mapping of ：《 and ？（ writes two spaces, and it keeps …… as two symbols)";
const ILYA: &str = "recast's lexicon: Ilya in two syllables, ILL-yuh (misaki has no entry: \
    espeak-ng's ˈɪliə)";
const SUTSKEVER: &str = "recast's lexicon: Sutskever as he says it, soots-KEV-er (misaki has \
    no entry: espeak-ng's SUT-skever)";

/// Every difference from the reference, by sentence, in the order they occur.
const DIFFERENCES: &[Difference] = &[
    diff(
        "numbers",
        "ɚ↘li↗ŋli↗ŋsa→nnjɛ↗n",
        "ɚ↘li↗ŋli↗ŋsa→n njɛ↗n",
        SEGMENTS,
    ),
    diff("numbers", "ʂɨ↗ʨʰi→kɤ↘", "ʂɨ↗ʨʰi→ kɤ↘", SEGMENTS),
    diff(
        "numbers",
        "pai↓fə→nꭧɨ→ʨjou↓ ʂɨ↗pa→tjɛ↓nu↓",
        "pai↓fə→nꭧɨ→ ʨjou↓ʂɨ↗pa→tjɛ↓nu↓",
        SEGMENTS,
    ),
    diff(
        "polyphones",
        "xai↗kʰwa↓n",
        "xwa↗nkʰwa↓n",
        "pinyin: 还款 is huán kuǎn (recast's lexicon); pypinyin reads 还 hái",
    ),
    diff("neutral-tones", "pʰə↗ŋjou↓", "pʰə↗ŋjou", NEUTRAL),
    diff("neutral-tones", "kwo↘ lɤ", "kwo lɤ", NEUTRAL),
    diff(
        "neutral-tones",
        "ʦou↓tɤ↗",
        "ʦou↓ tɤ",
        "pinyin and segmentation: 走|得 with 得 the complement particle, neutral de; \
         Python jieba keeps 走得 one word and pypinyin reads it zǒu dé",
    ),
    diff(
        "er-and-zero-initials",
        "i↘tjɛ↓nɚ↗",
        "i→tjɛ↓nɚ↗",
        LEXICAL_YI_BU,
    ),
    diff("jqx-and-v", "ʨʰɥɛ↗nʂɨ↘", "ʨʰɥɛ↗n ʂɨ↘", SEGMENTS),
    diff("retroflex-and-dental", "ꭧɨ→tau↘", "ꭧɨ→tau", NEUTRAL),
    diff("yi-and-bu", "i↗kɤ↘", "i→kɤ↘", LEXICAL_YI_BU),
    diff("yi-and-bu", "i↘ʨʰi↓", "i→ʨʰi↓", LEXICAL_YI_BU),
    diff(
        "yi-and-bu",
        "kʰa↘ni→kʰa↘n",
        "kʰa↘nikʰa↘n",
        "pinyin: the 一 of a reduplicated verb (看一看) is neutral",
    ),
    diff("yi-and-bu", "pu↗jau↘", "pu↘jau↘", LEXICAL_YI_BU),
    diff("english-names", "ʂɨ↗ʨʰi→swei↘", "ʂɨ↗ʨʰi→ swei↘", SEGMENTS),
    diff("english-names", "ˈɪliə", "ˈɪljə", ILYA),
    diff("english-names", "sˈʌtskɛvəɹ", "sʊtskˈɛvəɹ", SUTSKEVER),
    diff(
        "acronyms",
        "ˌOˌɛnˌɛnˈɛks",
        "ˈɑnɪks",
        "acronyms: ONNX is read as a word, AH-nix (recast's built-in list); misaki spells \
         every word in capitals its lexicon lacks",
    ),
    diff("terms", "ʨʰi↓lai↗", "ʨʰi↓lai", NEUTRAL),
    diff(
        "model-numbers",
        "ɕje↓kwo↘",
        "ɕje↓ kwo",
        "pinyin and segmentation: 写|过 with 过 the aspect particle, neutral guo",
    ),
    diff(
        "quoted-title",
        "ɚ↘li↗ŋi→ ʨʰi→njɛ↗n",
        "ɚ↘li↗ŋi→ʨʰi→ njɛ↗n",
        SEGMENTS,
    ),
    diff("mixed-punctuation", ":  “", ": “", COLLAPSED),
    diff("mixed-punctuation", "na↓li↓?  (", "na↓li↓? (", COLLAPSED),
    diff("mixed-punctuation", "na↓li↓?", "na↓li?", NEUTRAL),
    diff("mixed-punctuation", "……", "…", COLLAPSED),
    diff(
        "english-sentence",
        "ɹəsˈɜɹʧəɹz",
        "ɹᵻsˈɜɹʧəɹz",
        "English: recast's small lexicon lacks `researchers`, which espeak-ng reads; \
         misaki's large English lexicon has it",
    ),
    diff("english-names-sentence", "ˈɪliə", "ˈɪljə", ILYA),
    diff(
        "english-names-sentence",
        "sˈʌtskɛvəɹ",
        "sʊtskˈɛvəɹ",
        SUTSKEVER,
    ),
];

fn sentences() -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("sentence-"))
        })
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 15,
        "fixtures missing: run scripts/kokoro-reference.py"
    );
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

#[test]
fn the_symbols_are_those_of_the_models_vocab() {
    // The model's own symbol table, as `scripts/setup` installs it with the Kokoro voices.
    let path = common::real_data_dir().join("voices/kokoro-jm_kumo/vocab.json");
    let vocab: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup)", path.display())),
    )
    .unwrap();
    let keys: Vec<&str> = vocab["vocab"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 114);
    let mut ours: Vec<char> = SYMBOLS.chars().collect();
    let mut theirs: Vec<char> = keys.iter().flat_map(|k| k.chars()).collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    assert_eq!(
        unknown_symbols(SYMBOLS, keys.iter().copied()),
        Vec::<char>::new()
    );
    assert_eq!(unknown_symbols("aɝg", keys.iter().copied()), vec!['ɝ', 'g']);
}

#[test]
fn espeak_words_map_as_misakis_fallback_maps_them() {
    espeak();
    let words = json("espeak-words.json");
    let mut wrong = Vec::new();
    let words = words["words"].as_object().unwrap();
    for (word, reference) in words {
        let ours = english_by_espeak(word).unwrap();
        if ours != reference.as_str().unwrap() {
            wrong.push(format!("{word}: misaki {reference}, recast {ours}"));
        }
    }
    assert!(words.len() > 100);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn english_tokens_of_the_sentences_map_as_misakis_fallback_maps_them() {
    espeak();
    let mut wrong = Vec::new();
    for s in sentences() {
        for part in s["parts"].as_array().unwrap() {
            for token in part["tokens"].as_array().into_iter().flatten() {
                let Some(reference) = token["espeak"].as_str() else {
                    continue;
                };
                let text = token["text"].as_str().unwrap();
                let ours = english_by_espeak(text).unwrap();
                if ours != reference {
                    wrong.push(format!("{text}: misaki {reference}, recast {ours}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn sentences_equal_the_reference_but_for_the_listed_differences() {
    let mut report = Vec::new();
    let mut identical = 0;
    let all = sentences();
    for d in DIFFERENCES {
        assert!(
            all.iter().any(|s| s["name"] == d.sentence),
            "a difference names no sentence: {}",
            d.sentence
        );
    }
    for s in &all {
        let name = s["name"].as_str().unwrap();
        let text = s["text"].as_str().unwrap();
        let ours = read(text);
        assert!(
            ours.phonemes.chars().all(|c| SYMBOLS.contains(c)),
            "{name}: {}",
            ours.phonemes
        );
        let language = match s["language"].as_str().unwrap() {
            "en" => Language::English,
            _ => Language::Mandarin,
        };
        assert_eq!(ours.language, language, "{name}");
        // What the model sees: the reference without the symbols Kokoro's tokenizer drops.
        let reference: String = s["phonemes"]
            .as_str()
            .unwrap()
            .chars()
            .filter(|c| SYMBOLS.contains(*c))
            .collect();
        let mut expected = reference.clone();
        for d in DIFFERENCES.iter().filter(|d| d.sentence == name) {
            assert!(
                expected.contains(d.reference),
                "{name}: listed difference `{}` ({}) is not in the reference {expected}",
                d.reference,
                d.why
            );
            expected = expected.replacen(d.reference, d.recast, 1);
        }
        if reference == ours.phonemes {
            identical += 1;
        }
        if expected != ours.phonemes {
            report.push(format!(
                "{name}: {text}\n  reference: {reference}\n  expected:  {expected}\n  recast:    {}",
                ours.phonemes
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} sentences identical; unexplained differences:\n{}",
        identical,
        all.len(),
        report.join("\n")
    );
}

#[test]
fn english_function_words_numbers_and_acronyms() {
    let r = read("The end of GPT-4, I think: to ask is 3.5 times better than the LLMs.");
    assert_eq!(r.language, Language::English);
    let p = &r.phonemes;
    assert!(p.starts_with("ði ˈɛnd ʌv ʤˌipˌitˈi fˈɔɹ, "), "{p}");
    assert!(p.contains(" tʊ ˈæsk ɪz θɹˈi pˈYnt fˈIv "), "{p}");
    // LLMs starts with a vowel sound: ði.
    assert!(p.contains("ðən ði ˌɛlˌɛlˈɛmz."), "{p}");
    // "I" is the pronoun here, not the letter.
    let i = r.words.iter().find(|w| w.text == "I").unwrap();
    assert_eq!(i.phonemes, english_by_espeak("I").unwrap());
    // Clause ends after the comma and the colon, not at the final full stop.
    assert_eq!(r.clause_ends.len(), 2, "{:?}", r.clause_ends);
    let chars: Vec<char> = p.chars().collect();
    assert_eq!(chars[r.clause_ends[0] - 1], ',');
    assert_eq!(chars[r.clause_ends[1] - 1], ':');
}

#[test]
fn a_user_lexicon_gives_english_readings() {
    espeak();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("names.txt");
    std::fs::write(&path, "Sutskever = /sˈʌtskɛvəɹ/\nNASA = spell\n").unwrap();
    let lexicon = Lexicon::load(&path).unwrap();
    let r = kokoro_phonemes("Sutskever和NASA", &lexicon, &KokoroOptions::default()).unwrap();
    // NASA spelled, where the built-in lexicon reads it as a word.
    assert_eq!(r.phonemes, "sˈʌtskɛvəɹ xɤ↗ ˌɛnˌAˌɛsˈA");
    assert_eq!(read("NASA").phonemes, "nˈæsə");
    let source = &r.words[0].source;
    assert!(
        matches!(source, recast::text::kokoro::WordSource::Lexicon(s) if s.contains("names.txt")),
        "{source:?}"
    );
}

#[test]
fn an_english_input_longer_than_the_model_takes_splits_between_clauses() {
    let sentence = "Geoffrey Hinton trained a neural network on ImageNet, and it worked. ";
    let r = read(&sentence.repeat(12));
    assert!(r.phonemes.chars().count() > 510);
    let chunks = r.chunks(recast::text::kokoro::MAX_PHONEMES);
    assert!(chunks.len() >= 2);
    for c in &chunks {
        assert!(c.chars().count() <= 510);
        assert!(c.ends_with([',', '.']), "{c}");
    }
}

#[test]
fn the_explanation_names_espeak_and_the_lexicon() {
    espeak();
    let text = recast::text::kokoro::explain(
        "我认识Jeff和Krizhevsky的同事Smith。",
        &Lexicon::builtin(),
        &KokoroOptions::default(),
    );
    assert!(text.contains("Jeff (built-in lexicon) → ʤˈɛf"), "{text}");
    assert!(text.contains("Smith (espeak-ng) → smˈɪθ"), "{text}");
    assert!(text.contains("认识 ren4 shi5"), "{text}");
}
