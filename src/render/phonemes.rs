//! `recast script --phonemes`: how the Chinese front end reads every sentence of a script.

use crate::script::Script;
use crate::text::{
    self,
    zh::{self, Lexicon},
};

/// For `recast script --phonemes`: every sentence of a Chinese script with its normalised
/// text and pinyin, so a misreading can be traced and fixed in a lexicon.
pub fn phonemes_report(script: &Script, lexicon: &Lexicon) -> String {
    let mut out = String::new();
    if script.language != "zh" {
        out.push_str(&format!(
            "phonemes are shown for Chinese scripts; this one is {:?} and its voices read it with espeak-ng\n",
            script.language
        ));
        return out;
    }
    for (c, chapter) in script.chapters.iter().enumerate() {
        out.push_str(&format!("## {} {}\n", c + 1, chapter.title));
        for turn in &chapter.turns {
            for sentence in text::sentences(&turn.text, text::DEFAULT_MAX_CHARS) {
                if !sentence.speakable {
                    continue;
                }
                out.push_str(&format!("[{}] {}\n", turn.speaker, sentence.text));
                let explained = zh::explain(&sentence.text, lexicon, &zh::ReadOptions::surface());
                for line in explained.lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}
