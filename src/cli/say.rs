//! `recast say`: synthesises a piece of text in one voice, to a file or the speakers.

use super::terminal::report_first_audio;
use anyhow::{Result, bail};
use recast::output;
use recast::render::{self, format_time};
use recast::script::{CastEntry, VoiceSettings};
use recast::voices;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct SayCommand {
    text: String,
    /// The voice id (see `recast voices list`).
    #[arg(long)]
    voice: String,
    /// Write a WAV here.
    #[arg(short, long, conflicts_with = "play")]
    output: Option<PathBuf>,
    /// Play it instead of writing a file.
    #[arg(long)]
    play: bool,
    /// Speaking rate, 0.25 to 4 (1.0 = the voice's own).
    #[arg(long)]
    speed: Option<f32>,
    /// Pitch shift in semitones, -12 to 12.
    #[arg(long, allow_hyphen_values = true)]
    pitch: Option<f32>,
    /// Formant (spectral envelope) shift in semitones, -12 to 12, for voices that
    /// support it.
    #[arg(long, allow_hyphen_values = true)]
    formant: Option<f32>,
    /// For Kokoro voices: other packs mixed in, as PACK*WEIGHT terms joined by +.
    #[arg(long, value_name = "PACK*WEIGHT+...")]
    blend: Option<String>,
    /// For Kokoro voices: how far Mandarin syllables take their tones' pitch, 0 (the
    /// model's own) to 1.
    #[arg(long)]
    tones: Option<f32>,
    /// A lexicon file for Chinese voices.
    #[arg(long, value_name = "FILE")]
    lexicon: Option<PathBuf>,
}

impl SayCommand {
    pub(crate) fn run(self) -> Result<()> {
        if self.output.is_none() && !self.play {
            bail!("say needs -o OUT.wav or --play");
        }
        let entry = CastEntry {
            voice: self.voice,
            settings: VoiceSettings {
                speed: self.speed,
                pitch: self.pitch,
                formant: self.formant,
                blend: self.blend,
                tones: self.tones,
                ..Default::default()
            },
            gender: None,
        };
        let data_dir = voices::data_dir()?;
        let request = render::SayRequest {
            text: &self.text,
            entry: &entry,
            data_dir: &data_dir,
            threads: default_threads(),
            lexicon: self.lexicon.as_deref(),
        };
        let Some(path) = self.output else {
            report_first_audio(render::say_and_play(request)?);
            return Ok(());
        };
        let (samples, rate) = render::say(request, render::DEFAULT_RATE)?;
        let episode = output::Episode {
            sample_rate: rate,
            samples: &samples,
            chapters: &[],
        };
        output::write_episode(
            &path,
            &episode,
            &output::Tags {
                title: self.text.chars().take(60).collect(),
                artist: entry.voice.clone(),
            },
        )?;
        eprintln!(
            "wrote {} ({})",
            path.display(),
            format_time(Duration::from_secs_f64(
                samples.len() as f64 / f64::from(rate)
            ))
        );
        Ok(())
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
