//! The editable script: title, metadata, chapters of speaker turns and an optional cast,
//! built from a parsed transcript and read or written as JSON or TOML.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The name given to the speaker of unlabelled text such as an intro.
pub const DEFAULT_NARRATOR: &str = "Narrator";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Script {
    pub title: String,
    /// BCP-47-ish primary language of the spoken text, e.g. "zh" or "en".
    pub language: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    pub chapters: Vec<Chapter>,
    /// Speaker name -> voice assignment. Optional: the default cast fills the gaps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cast: BTreeMap<String, CastEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub title: String,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub speaker: String,
    pub text: String,
}

/// How one speaker sounds: a voice id from the catalog plus optional settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CastEntry {
    pub voice: String,
    #[serde(flatten)]
    pub settings: VoiceSettings,
}

/// Per-speaker voice settings; `None` means the voice's own default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSettings {
    /// Speaking rate: 1.0 is the model's own pace, 1.2 is 20% faster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f32>,
    /// Pitch shift in semitones (e.g. -3.0 lowers, 2.5 raises).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch: Option<f32>,
    /// Speaker id inside a multi-speaker model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_scale: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_w: Option<f32>,
}
