//! The plan of a render: everything to be spoken, in episode order, with the pause before
//! each sentence; and what can be told from the plan before any synthesis (the least audio
//! it makes, the pieces a Chinese voice will leave out).

use super::RenderError;
use super::engines::chinese_reading;
use crate::cast::Cast;
use crate::mix::{Join, Pauses};
use crate::script::Script;
use crate::text::zh::LazyLexicon;
use crate::text::{self, zh};
use crate::voices::InstalledVoice;
use std::time::Duration;

/// One piece of speech in episode order, before synthesis.
pub(crate) struct Planned<'s> {
    pub(crate) chapter: usize,
    /// Index of the turn in its chapter; `None` for an announcement.
    pub(crate) turn: Option<usize>,
    pub(crate) speaker: &'s str,
    pub(crate) text: String,
    pub(crate) join: Join,
}

/// Lays out everything to be spoken, in order, with the join before each sentence.
pub(crate) fn plan<'s>(
    script: &'s Script,
    narrator: &'s str,
    announce: bool,
    max_chars: usize,
    unspoken: &mut Vec<(String, String)>,
) -> Vec<Planned<'s>> {
    let mut items = Vec::new();
    for (c, chapter) in script.chapters.iter().enumerate() {
        let mut previous: Option<&str> = None;
        let mut announcements = Vec::new();
        if announce {
            if c == 0 && !script.title.is_empty() {
                announcements.push(script.title.clone());
            }
            if !(c == 0 && chapter.title == crate::script::intro_title(&script.language)) {
                announcements.push(chapter.title.clone());
            }
        }
        for title in announcements {
            for sentence in text::sentences(&title, max_chars) {
                if sentence.speakable {
                    items.push(Planned {
                        chapter: c,
                        turn: None,
                        speaker: narrator,
                        text: sentence.text,
                        join: if previous.is_some() {
                            Join::Sentence
                        } else {
                            Join::ChapterStart
                        },
                    });
                    previous = Some(narrator);
                }
            }
        }
        for (t, turn) in chapter.turns.iter().enumerate() {
            let mut first_in_turn = true;
            for sentence in text::sentences(&turn.text, max_chars) {
                if !sentence.speakable {
                    unspoken.push((turn.speaker.clone(), sentence.text));
                    continue;
                }
                let join = match (previous, first_in_turn) {
                    (None, _) => Join::ChapterStart,
                    (Some(_), false) => Join::Sentence,
                    (Some(prev), true) if prev == turn.speaker => Join::Turn,
                    (Some(_), true) => Join::SpeakerChange,
                };
                items.push(Planned {
                    chapter: c,
                    turn: Some(t),
                    speaker: &turn.speaker,
                    text: sentence.text,
                    join,
                });
                previous = Some(&turn.speaker);
                first_in_turn = false;
            }
        }
    }
    items
}

/// Characters a second that no shipped voice exceeds at speed 1 (measured: Baker ~5 Han
/// characters, joe ~15 characters of English): a lower bound of how long text takes to say.
const FASTEST_HAN_PER_SECOND: f64 = 8.0;
const FASTEST_CHARS_PER_SECOND: f64 = 20.0;

/// The least audio the planned sentences can make: their text at the fastest speaking rate
/// of any voice (and the speaker's speed), plus the pauses between them.
pub(crate) fn shortest_audio(items: &[Planned], cast: &Cast, pauses: Pauses) -> Duration {
    let seconds: f64 = items
        .iter()
        .map(|item| {
            let speed = cast
                .voice_of(item.speaker)
                .and_then(|entry| entry.settings.speed)
                .unwrap_or(1.0)
                .clamp(0.25, 4.0);
            let han = item.text.chars().filter(|&c| text::is_han(c)).count();
            let other = item.text.chars().filter(|c| c.is_alphanumeric()).count() - han;
            let speech =
                han as f64 / FASTEST_HAN_PER_SECOND + other as f64 / FASTEST_CHARS_PER_SECOND;
            speech / f64::from(speed) + f64::from(pauses.before(item.join)) / 1000.0
        })
        .sum();
    Duration::from_secs_f64(seconds)
}

/// What the Chinese front end leaves out of the sentences it reads (other scripts, emoji,
/// symbols), as one warning per speaker, so nothing is dropped without a word.
pub(crate) fn unreadable_pieces(
    items: &[Planned],
    cast: &Cast,
    installed: &[InstalledVoice],
    lexicon: &LazyLexicon,
) -> Result<Vec<String>, RenderError> {
    let mut by_speaker: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for item in items {
        let Some(entry) = cast.voice_of(item.speaker) else {
            continue;
        };
        let Some(voice) = installed.iter().find(|v| v.entry.id == entry.voice) else {
            continue;
        };
        let Some(options) = chinese_reading(voice) else {
            continue;
        };
        // A sentence the front end cannot read at all fails loudly at synthesis.
        let Ok(reading) = zh::read(&item.text, lexicon.get()?, &options) else {
            continue;
        };
        if reading.skipped.is_empty() {
            continue;
        }
        let at = match by_speaker.iter().position(|(s, _, _)| *s == item.speaker) {
            Some(at) => at,
            None => {
                by_speaker.push((item.speaker, &entry.voice, Vec::new()));
                by_speaker.len() - 1
            }
        };
        for piece in reading.skipped {
            if !by_speaker[at].2.contains(&piece) {
                by_speaker[at].2.push(piece);
            }
        }
    }
    const SHOWN: usize = 8;
    Ok(by_speaker
        .into_iter()
        .map(|(speaker, voice, pieces)| {
            let mut list: Vec<String> = pieces.iter().take(SHOWN).map(|p| format!("{p:?}")).collect();
            if pieces.len() > SHOWN {
                list.push(format!("and {} more", pieces.len() - SHOWN));
            }
            format!(
                "{speaker}: {voice} cannot read {} (other scripts, emoji or symbols), so they are not spoken; rewrite them in the script if they matter",
                list.join(", ")
            )
        })
        .collect())
}
