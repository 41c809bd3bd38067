//! `recast script --phonemes`: how every sentence of a script will be read, by the voice its
//! speaker is cast to.

use crate::cast::Cast;
use crate::script::Script;
use crate::synth::engine_for;
use crate::text::{
    self,
    zh::{self, Lexicon},
};
use crate::voices::InstalledVoice;

/// For `recast script --phonemes`: every sentence with its normalised text and the symbols
/// its speaker's voice speaks (pinyin, or Kokoro's phonemes), and where each reading came
/// from, so a misreading can be traced and fixed in a lexicon. Without a cast (no voice
/// installed), Chinese sentences are shown as the Baker voice would read them.
pub fn phonemes_report(
    script: &Script,
    lexicon: &Lexicon,
    cast: Option<&Cast>,
    installed: &[InstalledVoice],
) -> String {
    let mut out = String::new();
    for (c, chapter) in script.chapters.iter().enumerate() {
        out.push_str(&format!("## {} {}\n", c + 1, chapter.title));
        for turn in &chapter.turns {
            let voice = cast
                .and_then(|cast| cast.voice_of(&turn.speaker))
                .and_then(|entry| installed.iter().find(|v| v.entry.id == entry.voice));
            for sentence in text::sentences(&turn.text, text::DEFAULT_MAX_CHARS) {
                if !sentence.speakable {
                    continue;
                }
                let by = voice.map_or(String::new(), |v| format!(" ({})", v.entry.id));
                out.push_str(&format!("[{}{by}] {}\n", turn.speaker, sentence.text));
                let explained = match voice {
                    Some(voice) => engine_for(&voice.entry).explain(&sentence.text, lexicon),
                    None if script.language == "zh" => {
                        zh::explain(&sentence.text, lexicon, &zh::ReadOptions::surface())
                    }
                    None => "no installed voice reads this script's language\n".to_string(),
                };
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
