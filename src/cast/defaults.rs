//! The default cast table (`voices/default-cast.toml`): for each script language, the
//! voices and settings speakers get when nothing else is said, in the order measured best.

use crate::script::{CastEntry, Gender, VoiceSettings};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../voices/default-cast.toml");

/// One way a speaker may sound by default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Persona {
    pub(crate) voice: String,
    #[serde(default)]
    pub(crate) blend: Option<String>,
    #[serde(default)]
    pub(crate) pitch: Option<f32>,
    #[serde(default)]
    pub(crate) formant: Option<f32>,
    #[serde(default)]
    pub(crate) speed: Option<f32>,
    pub(crate) gender: Gender,
    /// Measured, in Hz: what keeps two personas of one voice apart.
    pub(crate) median_f0: f32,
}

impl Persona {
    /// The cast entry this persona gives a speaker, over what the speaker's own entry
    /// already says.
    pub(crate) fn apply(&self, entry: &mut CastEntry) {
        entry.voice = self.voice.clone();
        let settings: &mut VoiceSettings = &mut entry.settings;
        if settings.blend.is_none() {
            settings.blend = self.blend.clone();
        }
        settings.pitch = settings.pitch.or(self.pitch);
        settings.formant = settings.formant.or(self.formant);
        settings.speed = settings.speed.or(self.speed);
    }

    /// How a test's message describes it.
    #[cfg(test)]
    pub(crate) fn describe(&self) -> String {
        let mut text = self.voice.clone();
        if let Some(blend) = &self.blend {
            text.push_str(&format!(" blended with {blend}"));
        }
        if let Some(pitch) = self.pitch {
            text.push_str(&format!(" at pitch {pitch:+}"));
        }
        if let Some(formant) = self.formant {
            text.push_str(&format!(", formants {formant:+}"));
        }
        if let Some(speed) = self.speed {
            text.push_str(&format!(", speed {speed}"));
        }
        text
    }
}

/// The personas for a script language (its primary subtag: `zh`, `en`), best first.
///
/// Chinese used to be read by the Baker voice below 8% English: Kokoro's Japanese-trained
/// packs bent Mandarin tones. With the tones given back as pitch (`synth::kokoro::contour`)
/// Kokoro reads every Chinese script (README, "Voices for Chinese"); the Baker personas
/// close the table for machines without Kokoro.
pub(crate) fn personas(language: &str) -> &'static [Persona] {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    table().get(&primary).map_or(&[], Vec::as_slice)
}

fn table() -> &'static BTreeMap<String, Vec<Persona>> {
    static PARSED: OnceLock<BTreeMap<String, Vec<Persona>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        // The table is part of the binary and tested; should it ever fail to parse, casting
        // falls back to the installed voices in catalog order.
        toml::from_str(TABLE).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_keeps_voices_apart() {
        let table: BTreeMap<String, Vec<Persona>> = toml::from_str(TABLE).unwrap();
        assert!(!personas("zh").is_empty() && !personas("en-US").is_empty());
        assert_eq!(personas("zh_CN")[0].voice, "kokoro-jm_kumo");
        // Without Kokoro, the Baker personas at the end cast a Chinese script.
        assert!(personas("zh").iter().any(|p| p.voice == "zh_CN-baker"));
        for (language, list) in &table {
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    if a.voice == b.voice {
                        let ratio = a.median_f0.max(b.median_f0) / a.median_f0.min(b.median_f0);
                        assert!(
                            ratio >= 1.15,
                            "{language}: {} and {} are only {ratio:.2}x apart in F0",
                            a.describe(),
                            b.describe()
                        );
                    }
                }
            }
            assert!(
                list.iter()
                    .any(|p| p.gender == Gender::Male && p.median_f0 < 150.0),
                "{language}: no male voice under 150 Hz"
            );
        }
    }
}
