//! The default cast of a two-speaker English transcript, with the one English voice there
//! is, must still sound like two people: their pitch is measured on the same sentence.

use recast::render::{self, DEFAULT_RATE};
use recast::voices::{self, Catalog};
use std::path::Path;

mod common;
use common::median_f0;

#[test]
fn two_speakers_sharing_one_model_differ_in_pitch() {
    let data = voices::data_dir().unwrap();
    let catalog = Catalog::builtin();
    let installed = voices::installed(&catalog, &data);
    assert!(
        installed.iter().any(|v| v.entry.id == "en_US-joe-medium"),
        "run scripts/setup first: the real voice is needed"
    );
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e/two-speakers.md");
    let loaded = render::load_input(&input, &render::InputOptions::default()).unwrap();
    let cast = render::cast_script(&loaded.script, &[], &catalog, &installed).unwrap();
    let sentence = "Every Monday morning I bake bread for the whole street, and the neighbours bring the bags back.";
    let mut f0 = Vec::new();
    for speaker in ["Host", "Baker"] {
        let entry = cast.voice_of(speaker).unwrap();
        let request = render::SayRequest {
            text: sentence,
            entry,
            data_dir: &data,
            threads: 2,
            lexicon: None,
        };
        let (samples, rate) = render::say(request, DEFAULT_RATE).unwrap();
        f0.push(median_f0(&samples, rate));
    }
    let ratio = f0[0].max(f0[1]) / f0[0].min(f0[1]);
    eprintln!(
        "median F0: Host {:.1} Hz, Baker {:.1} Hz, ratio {ratio:.3}",
        f0[0], f0[1]
    );
    assert!(ratio > 1.15, "voices too alike: {f0:?}");
}
