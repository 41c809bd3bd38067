//! The cast: which voice, with which settings, speaks for every speaker of a script.
//!
//! Explicit choices come from the script's own `cast` table, then a cast file, then `--cast`
//! arguments (later ones win). Speakers left over get the default cast's personas
//! ([`defaults`], measured best first, of the gender a cast entry asks for), then installed
//! voices of the script's language, a different one each; when there are fewer voices than
//! speakers, the same model is reused with another speaker id or, for single-speaker models,
//! another pitch and pace, and the caller is warned.

mod defaults;

use crate::script::{CastEntry, Gender, SettingError, VoiceSettings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CastError {
    #[error(
        "--cast {arg:?} is not SPEAKER=VOICE[:key=value,...]; e.g. --cast 'Ilya=zh_CN-huayan-medium:speed=1.1,pitch=-2'"
    )]
    Syntax { arg: String },
    #[error(
        "--cast {arg:?}: unknown setting {key:?}; known settings: speed, pitch, formant, speaker_id, noise_scale, noise_w, blend, tones"
    )]
    UnknownSetting { arg: String, key: String },
    #[error("--cast {arg:?}: {key} needs a number, got {value:?}")]
    BadNumber {
        arg: String,
        key: String,
        value: String,
    },
    #[error("{origin}: {error}")]
    Setting { origin: String, error: SettingError },
    #[error("{origin}: there is no speaker {speaker:?} in this script; its speakers are: {known}")]
    UnknownSpeaker {
        origin: String,
        speaker: String,
        known: String,
    },
    #[error(
        "{origin}: speaker {speaker:?} is given unknown voice {voice:?}; known voices: {known}"
    )]
    UnknownVoice {
        origin: String,
        speaker: String,
        voice: String,
        known: String,
    },
    #[error(
        "speaker {speaker:?} is cast as {voice}, which is not installed; run `recast voices install {voice}`"
    )]
    NotInstalled { speaker: String, voice: String },
    #[error(
        "no installed voice speaks {language:?}; install one with `recast voices install {suggestion}` (voices for it: {all})"
    )]
    NoVoiceForLanguage {
        language: String,
        suggestion: String,
        all: String,
    },
    #[error("cannot read cast file {path}: {reason}")]
    File { path: PathBuf, reason: String },
}

/// What the cast needs to know about a voice of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub language: String,
    pub speakers: u32,
    pub installed: bool,
    /// Preferred first when casting by default (e.g. a better-quality model).
    pub rank: i32,
    /// Whether its engine can shift formants apart from pitch.
    pub shifts_formants: bool,
    /// The voice's gender, when it is one person's.
    pub gender: Option<Gender>,
}

/// One explicit assignment with where it came from (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub origin: String,
    pub speaker: String,
    pub entry: CastEntry,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    pub entries: BTreeMap<String, CastEntry>,
    pub warnings: Vec<String>,
}

impl Cast {
    pub fn voice_of(&self, speaker: &str) -> Option<&CastEntry> {
        self.entries.get(speaker)
    }
}

/// Parses `SPEAKER=VOICE[:key=value,...]`. The voice may be left empty (`Ilya=:pitch=-2`) to
/// keep the default voice and change only its settings.
pub fn parse_cast_arg(arg: &str) -> Result<Assignment, CastError> {
    let syntax = || CastError::Syntax {
        arg: arg.to_string(),
    };
    let (speaker, rest) = arg.split_once('=').ok_or_else(syntax)?;
    let speaker = speaker.trim();
    if speaker.is_empty() {
        return Err(syntax());
    }
    let (voice, settings_text) = match rest.split_once(':') {
        Some((voice, settings)) => (voice.trim(), settings),
        None => (rest.trim(), ""),
    };
    if voice.is_empty() && settings_text.trim().is_empty() {
        return Err(syntax());
    }
    let mut settings = VoiceSettings::default();
    for pair in settings_text.split(',').filter(|p| !p.trim().is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(syntax)?;
        let (key, value) = (key.trim(), value.trim());
        let number = || -> Result<f64, CastError> {
            value.parse::<f64>().map_err(|_| CastError::BadNumber {
                arg: arg.to_string(),
                key: key.to_string(),
                value: value.to_string(),
            })
        };
        match key {
            "speed" => settings.speed = Some(number()? as f32),
            "pitch" => settings.pitch = Some(number()? as f32),
            "formant" => settings.formant = Some(number()? as f32),
            "noise_scale" => settings.noise_scale = Some(number()? as f32),
            "noise_w" => settings.noise_w = Some(number()? as f32),
            "blend" => settings.blend = Some(value.to_string()),
            "tones" => settings.tones = Some(number()? as f32),
            "speaker_id" | "speaker" => {
                let id = value.parse::<i64>().map_err(|_| CastError::BadNumber {
                    arg: arg.to_string(),
                    key: key.to_string(),
                    value: value.to_string(),
                })?;
                settings.speaker_id = Some(id);
            }
            _ => {
                return Err(CastError::UnknownSetting {
                    arg: arg.to_string(),
                    key: key.to_string(),
                });
            }
        }
    }
    let origin = format!("--cast {arg}");
    check_settings(&origin, &settings)?;
    Ok(Assignment {
        origin,
        speaker: speaker.to_string(),
        entry: CastEntry {
            voice: voice.to_string(),
            settings,
            gender: None,
        },
    })
}

/// Reads a cast file: a TOML table per speaker, as in a script's `[cast]` section:
/// `[Ilya]` / `voice = "en_US-joe-medium"` / `pitch = -2.0`.
pub fn load_cast_file(path: &Path) -> Result<Vec<Assignment>, CastError> {
    let file_error = |reason: String| CastError::File {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let table: BTreeMap<String, CastEntry> = toml::from_str(&text).map_err(|e| {
        file_error(format!(
            "{e}expected one table per speaker, e.g.\n[Ilya]\nvoice = \"en_US-joe-medium\"\nspeed = 1.1"
        ))
    })?;
    let origin = path.display().to_string();
    table
        .into_iter()
        .map(|(speaker, entry)| {
            check_settings(&format!("{origin}: cast {speaker:?}"), &entry.settings)?;
            Ok(Assignment {
                origin: origin.clone(),
                speaker,
                entry,
            })
        })
        .collect()
}

fn check_settings(origin: &str, settings: &VoiceSettings) -> Result<(), CastError> {
    settings.validate().map_err(|error| CastError::Setting {
        origin: origin.to_string(),
        error,
    })
}

/// A variant of one voice lent to an extra speaker: pitch and formant shift in semitones,
/// and pace. Four semitones of pitch (26% in F0) keeps neighbours well apart; no variant goes
/// past eight, beyond which the shifted voices start to sound synthetic. Formant shifts
/// follow the pitch (a lower voice with a larger vocal tract sounds like a different
/// person, not a slowed tape) on engines that can move them separately.
const VARIANTS: &[(f32, f32, f32)] = &[
    (0.0, 0.0, 1.0),
    (-4.0, -2.0, 0.95),
    (4.0, 2.0, 1.05),
    (-8.0, -3.5, 1.0),
    (5.0, 2.5, 1.0),
    (-2.0, -1.0, 1.1),
    (2.0, 1.0, 0.9),
];

/// Gives every speaker a voice. `speakers` are in casting order (the first gets the voice as
/// trained, later ones sharing it get variants); `assignments` are the
/// explicit choices, lowest precedence first.
pub fn resolve(
    speakers: &[String],
    language: &str,
    assignments: &[Assignment],
    candidates: &[Candidate],
) -> Result<Cast, CastError> {
    let mut entries: BTreeMap<String, CastEntry> = BTreeMap::new();
    for assignment in assignments {
        if !speakers.contains(&assignment.speaker) {
            return Err(CastError::UnknownSpeaker {
                origin: assignment.origin.clone(),
                speaker: assignment.speaker.clone(),
                known: speakers.join(", "),
            });
        }
        let entry = &assignment.entry;
        if !entry.voice.is_empty() && !candidates.iter().any(|c| c.id == entry.voice) {
            return Err(CastError::UnknownVoice {
                origin: assignment.origin.clone(),
                speaker: assignment.speaker.clone(),
                voice: entry.voice.clone(),
                known: candidates
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let merged = entries.entry(assignment.speaker.clone()).or_default();
        if !entry.voice.is_empty() {
            merged.voice = entry.voice.clone();
        }
        merge_settings(&mut merged.settings, &entry.settings);
        merged.gender = entry.gender.or(merged.gender);
    }

    let mut usable: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.installed && same_language(&c.language, language))
        .collect();
    usable.sort_by_key(|c| (std::cmp::Reverse(c.rank), c.id.clone()));

    let mut warnings = Vec::new();
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries.values() {
        if !entry.voice.is_empty() {
            *uses.entry(entry.voice.clone()).or_default() += 1;
        }
    }
    // Personas of the default cast go first, each to one speaker.
    let installed = |id: &str| candidates.iter().any(|c| c.id == id && c.installed);
    let mut personas_left: Vec<&defaults::Persona> = defaults::personas(language)
        .iter()
        .filter(|p| installed(&p.voice))
        .collect();
    for speaker in speakers {
        let entry = entries.entry(speaker.clone()).or_default();
        if !entry.voice.is_empty() {
            continue;
        }
        let wanted = entry.gender;
        if let Some(at) = personas_left
            .iter()
            .position(|p| wanted.is_none_or(|g| g == p.gender))
        {
            let persona = personas_left.remove(at);
            persona.apply(entry);
            *uses.entry(persona.voice.clone()).or_default() += 1;
            continue;
        }
        // A gender no persona is left for: the voices of that gender, if there are any.
        let of_gender: Vec<&Candidate> = usable
            .iter()
            .copied()
            .filter(|c| wanted.is_some() && c.gender == wanted)
            .collect();
        let usable = if of_gender.is_empty() {
            usable.clone()
        } else {
            of_gender
        };
        if usable.is_empty() {
            let all: Vec<&str> = candidates
                .iter()
                .filter(|c| same_language(&c.language, language))
                .map(|c| c.id.as_str())
                .collect();
            return Err(CastError::NoVoiceForLanguage {
                language: language.to_string(),
                suggestion: all.first().copied().unwrap_or("<voice id>").to_string(),
                all: if all.is_empty() {
                    "none in the catalog".to_string()
                } else {
                    all.join(", ")
                },
            });
        }
        // Least-used voice first, so voices are shared only once every voice is in use.
        let voice = usable
            .iter()
            .min_by_key(|c| uses.get(&c.id).copied().unwrap_or(0))
            .expect("usable is not empty");
        let taken = uses.entry(voice.id.clone()).or_default();
        if *taken > 0 {
            let speaker_slot = *taken as u32;
            if voice.speakers > speaker_slot && entry.settings.speaker_id.is_none() {
                entry.settings.speaker_id = Some(i64::from(speaker_slot));
                warnings.push(format!(
                    "{speaker}: sharing {} with another speaker, as speaker id {speaker_slot}",
                    voice.id
                ));
            } else {
                let (pitch, formant, speed) = VARIANTS[*taken % VARIANTS.len()];
                entry.settings.pitch.get_or_insert(pitch);
                entry.settings.speed.get_or_insert(speed);
                let mut how = format!("pitch {pitch:+} semitones, speed {speed}");
                if voice.shifts_formants {
                    entry.settings.formant.get_or_insert(formant);
                    how.push_str(&format!(", formants {formant:+}"));
                }
                warnings.push(format!(
                    "{speaker}: sharing {} with another speaker, told apart by {how}; install more voices for distinct people",
                    voice.id
                ));
            }
        }
        *taken += 1;
        entry.voice = voice.id.clone();
    }
    for (speaker, entry) in &entries {
        if let Some(c) = candidates.iter().find(|c| c.id == entry.voice)
            && !c.installed
        {
            return Err(CastError::NotInstalled {
                speaker: speaker.clone(),
                voice: entry.voice.clone(),
            });
        }
    }
    entries.retain(|speaker, _| speakers.contains(speaker));
    Ok(Cast { entries, warnings })
}

fn same_language(voice_language: &str, script_language: &str) -> bool {
    let primary = |l: &str| {
        l.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    primary(voice_language) == primary(script_language)
}

fn merge_settings(into: &mut VoiceSettings, from: &VoiceSettings) {
    into.speed = from.speed.or(into.speed);
    into.pitch = from.pitch.or(into.pitch);
    into.formant = from.formant.or(into.formant);
    into.speaker_id = from.speaker_id.or(into.speaker_id);
    into.noise_scale = from.noise_scale.or(into.noise_scale);
    into.noise_w = from.noise_w.or(into.noise_w);
    into.blend = from.blend.clone().or(into.blend.take());
    into.tones = from.tones.or(into.tones);
}

/// Settings for one call: the voice's catalog defaults overlaid with the cast entry's.
pub fn effective_settings(defaults: &VoiceSettings, entry: &CastEntry) -> VoiceSettings {
    let mut settings = defaults.clone();
    merge_settings(&mut settings, &entry.settings);
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, language: &str, speakers: u32, installed: bool) -> Candidate {
        Candidate {
            id: id.into(),
            language: language.into(),
            speakers,
            installed,
            rank: 0,
            shifts_formants: false,
            gender: None,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cast_arguments_parse() {
        let a = parse_cast_arg("Ilya=en_US-joe-medium:speed=1.1,pitch=-2").unwrap();
        assert_eq!(a.speaker, "Ilya");
        assert_eq!(a.entry.voice, "en_US-joe-medium");
        assert_eq!(a.entry.settings.speed, Some(1.1));
        assert_eq!(a.entry.settings.pitch, Some(-2.0));
        let b = parse_cast_arg("主持人=zh_CN-huayan-medium").unwrap();
        assert_eq!(b.speaker, "主持人");
        let c = parse_cast_arg("Host=:speaker_id=3").unwrap();
        assert_eq!(c.entry.voice, "");
        assert_eq!(c.entry.settings.speaker_id, Some(3));
        for bad in [
            "",
            "=x",
            "Ilya",
            "Ilya=",
            "Ilya=v:speed",
            "Ilya=v:volume=2",
            "Ilya=v:speed=fast",
            "Ilya=v:speed=9",
        ] {
            assert!(parse_cast_arg(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn out_of_range_settings_are_refused_with_the_range() {
        for (arg, expected) in [
            (
                "Ilya=v:pitch=300",
                "--cast Ilya=v:pitch=300: `pitch` is 300, out of range: use -12 to 12 semitones",
            ),
            (
                "Ilya=v:speed=nan",
                "--cast Ilya=v:speed=nan: `speed` is NaN, out of range: use 0.25 to 4",
            ),
            (
                "Ilya=v:noise_w=inf",
                "`noise_w` is inf, out of range: use 0 to 2",
            ),
            (
                "Ilya=v:speaker_id=-1",
                "`speaker_id` is -1, out of range: use 0 or more",
            ),
        ] {
            let err = parse_cast_arg(arg).unwrap_err();
            assert!(err.to_string().contains(expected), "{arg}: {err}");
        }
        // The same ranges as a script's cast: an octave of formant shift is allowed.
        assert!(parse_cast_arg("Ilya=v:formant=-12,pitch=12").is_ok());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cast.toml");
        std::fs::write(&path, "[Ilya]\nvoice = \"a\"\npitch = 300.0\n").unwrap();
        let err = load_cast_file(&path).unwrap_err().to_string();
        let expected = format!(
            "{}: cast \"Ilya\": `pitch` is 300, out of range: use -12 to 12 semitones",
            path.display()
        );
        assert_eq!(err, expected);
    }

    #[test]
    fn every_speaker_gets_a_distinct_voice_when_there_are_enough() {
        let candidates = [
            candidate("a", "en_US", 1, true),
            candidate("b", "en_GB", 1, true),
            candidate("z", "zh_CN", 1, true),
        ];
        let cast = resolve(&names(&["Host", "Guest"]), "en", &[], &candidates).unwrap();
        assert_ne!(cast.entries["Host"].voice, cast.entries["Guest"].voice);
        assert!(cast.warnings.is_empty());
    }

    #[test]
    fn one_single_speaker_voice_is_varied_with_a_warning() {
        let candidates = [candidate("joe", "en_US", 1, true)];
        let speakers = names(&["Narrator", "Host", "Guest"]);
        let cast = resolve(&speakers, "en", &[], &candidates).unwrap();
        let settings: Vec<_> = speakers
            .iter()
            .map(|s| {
                (
                    cast.entries[s].settings.pitch,
                    cast.entries[s].settings.speed,
                )
            })
            .collect();
        assert_eq!(settings[0], (None, None));
        assert_ne!(settings[1], settings[2]);
        assert_eq!(cast.warnings.len(), 2);
    }

    #[test]
    fn multi_speaker_models_share_by_speaker_id() {
        let candidates = [candidate("many", "en_US", 4, true)];
        let cast = resolve(&names(&["A", "B"]), "en", &[], &candidates).unwrap();
        assert_eq!(cast.entries["B"].settings.speaker_id, Some(1));
    }

    #[test]
    fn explicit_choices_win_and_are_checked() {
        let candidates = [
            candidate("a", "en_US", 1, true),
            candidate("b", "en_US", 1, true),
            candidate("c", "en_US", 1, false),
        ];
        let speakers = names(&["Host", "Guest"]);
        let pick = parse_cast_arg("Host=b:speed=1.2").unwrap();
        let cast = resolve(&speakers, "en", &[pick], &candidates).unwrap();
        assert_eq!(cast.entries["Host"].voice, "b");
        assert_eq!(cast.entries["Guest"].voice, "a");

        let err = resolve(
            &speakers,
            "en",
            &[parse_cast_arg("Nobody=a").unwrap()],
            &candidates,
        )
        .unwrap_err();
        assert!(err.to_string().contains("Host, Guest"), "{err}");
        let err = resolve(
            &speakers,
            "en",
            &[parse_cast_arg("Host=zzz").unwrap()],
            &candidates,
        )
        .unwrap_err();
        assert!(err.to_string().contains("a, b, c"), "{err}");
        let err = resolve(
            &speakers,
            "en",
            &[parse_cast_arg("Host=c").unwrap()],
            &candidates,
        )
        .unwrap_err();
        assert!(err.to_string().contains("recast voices install c"), "{err}");
    }

    #[test]
    fn missing_language_names_a_voice_to_install() {
        let candidates = [
            candidate("joe", "en_US", 1, true),
            candidate("zh_CN-huayan-medium", "zh_CN", 1, false),
        ];
        let err = resolve(&names(&["Ilya"]), "zh", &[], &candidates).unwrap_err();
        assert!(
            err.to_string()
                .contains("recast voices install zh_CN-huayan-medium"),
            "{err}"
        );
    }

    #[test]
    fn cast_files_parse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cast.toml");
        std::fs::write(
            &path,
            "[Ilya]\nvoice = \"a\"\npitch = -2.0\n\n[\"主持人\"]\nvoice = \"b\"\n",
        )
        .unwrap();
        let list = load_cast_file(&path).unwrap();
        assert_eq!(list.len(), 2);
        std::fs::write(&path, "[Ilya]\nvoice = \"a\"\nloudness = 3\n").unwrap();
        assert!(load_cast_file(&path).is_err());
        std::fs::write(&path, "not toml [").unwrap();
        assert!(load_cast_file(&path).is_err());
    }

    fn kokoro_candidates() -> Vec<Candidate> {
        [
            "kokoro-jm_kumo",
            "kokoro-jf_gongitsune",
            "kokoro-jf_nezumi",
            "zh_CN-baker",
        ]
        .into_iter()
        .map(|id| Candidate {
            gender: Some(if id.contains("jm_") {
                Gender::Male
            } else {
                Gender::Female
            }),
            ..candidate(id, "zh", 1, true)
        })
        .collect()
    }

    #[test]
    fn the_default_cast_follows_the_measured_table() {
        let cast = resolve(
            &names(&["Ilya", "Host", "Narrator"]),
            "zh",
            &[],
            &kokoro_candidates(),
        )
        .unwrap();
        let ilya = cast.voice_of("Ilya").unwrap();
        let host = cast.voice_of("Host").unwrap();
        let narrator = cast.voice_of("Narrator").unwrap();
        assert_eq!(
            (ilya.voice.as_str(), &ilya.settings.blend),
            ("kokoro-jm_kumo", &None)
        );
        assert_eq!(host.voice, "kokoro-jm_kumo");
        assert_eq!(host.settings.blend.as_deref(), Some("jf_gongitsune*0.25"));
        assert_eq!(narrator.voice, "kokoro-jf_gongitsune");
        assert!(cast.warnings.is_empty(), "{:?}", cast.warnings);
    }

    #[test]
    fn a_gender_in_the_cast_entry_is_honoured() {
        let female = Assignment {
            origin: "test".into(),
            speaker: "Host".into(),
            entry: CastEntry {
                gender: Some(Gender::Female),
                ..Default::default()
            },
        };
        let cast = resolve(
            &names(&["Ilya", "Host", "Guest"]),
            "zh",
            &[female],
            &kokoro_candidates(),
        )
        .unwrap();
        assert_eq!(cast.voice_of("Ilya").unwrap().voice, "kokoro-jm_kumo");
        assert_eq!(cast.voice_of("Host").unwrap().voice, "kokoro-jf_gongitsune");
        // The next speaker takes the next persona left: the second male one.
        let guest = cast.voice_of("Guest").unwrap();
        assert_eq!(guest.voice, "kokoro-jm_kumo");
        assert!(guest.settings.blend.is_some());
    }

    #[test]
    fn without_kokoro_the_baker_personas_cast_chinese() {
        let cast = resolve(
            &names(&["A", "B"]),
            "zh",
            &[],
            &[candidate("zh_CN-baker", "zh", 1, true)],
        )
        .unwrap();
        let (a, b) = (cast.voice_of("A").unwrap(), cast.voice_of("B").unwrap());
        assert_eq!((a.voice.as_str(), a.settings.pitch), ("zh_CN-baker", None));
        assert_eq!(
            (b.voice.as_str(), b.settings.pitch),
            ("zh_CN-baker", Some(-4.0))
        );
        assert!(cast.warnings.is_empty(), "{:?}", cast.warnings);
    }

    #[test]
    fn every_chinese_script_is_kokoro_s_with_men_and_women() {
        let female = Assignment {
            origin: "test".into(),
            speaker: "Guest".into(),
            entry: CastEntry {
                gender: Some(Gender::Female),
                ..Default::default()
            },
        };
        let speakers = names(&["Host", "Guest", "Narrator"]);
        let cast = resolve(&speakers, "zh", &[female], &kokoro_candidates()).unwrap();
        assert_eq!(cast.voice_of("Host").unwrap().voice, "kokoro-jm_kumo");
        assert_eq!(
            cast.voice_of("Guest").unwrap().voice,
            "kokoro-jf_gongitsune"
        );
        let narrator = cast.voice_of("Narrator").unwrap();
        assert_eq!(
            (narrator.voice.as_str(), narrator.settings.blend.as_deref()),
            ("kokoro-jm_kumo", Some("jf_gongitsune*0.25"))
        );
        // One engine per episode: no Baker persona while Kokoro's last.
        for speaker in &speakers {
            assert!(cast.voice_of(speaker).unwrap().voice.starts_with("kokoro-"));
        }
    }
}
