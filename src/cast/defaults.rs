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

/// A Chinese script with less English than this (Latin letters among its Latin and Han
/// letters) gets the `zh-little-english` table (the Baker voice), and the `zh` table
/// (Kokoro) from here on. Measured (README, "Voices for Chinese"): Baker read better at
/// 0.6% and 3.7% English (CER 10.5% and 9.7% against Kokoro's 12.7-16.1% and 12.9%),
/// Kokoro at 15.6-19.4%, where Baker's English becomes transliterations no listener can
/// place. The threshold lies between the two, where no fixture has been measured.
pub(crate) const KOKORO_FROM_LATIN_SHARE: f64 = 0.08;

/// The personas for a script language (its primary subtag: `zh`, `en`), best first, given
/// how much of the script is in Latin letters ([`crate::script::Script::latin_share`]).
pub(crate) fn personas(language: &str, latin_share: f64) -> &'static [Persona] {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let key = if primary == "zh" && latin_share < KOKORO_FROM_LATIN_SHARE {
        "zh-little-english".to_string()
    } else {
        primary
    };
    table().get(&key).map_or(&[], Vec::as_slice)
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
        assert!(!personas("zh", 0.2).is_empty() && !personas("en-US", 0.9).is_empty());
        assert_ne!(
            personas("zh", 0.0),
            personas("zh", 0.2),
            "Chinese with little English has a table of its own"
        );
        assert_eq!(personas("zh", 0.2)[0].voice, "kokoro-jm_kumo");
        assert_eq!(personas("zh_CN", 0.01)[0].voice, "zh_CN-baker");
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
