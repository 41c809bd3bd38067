//! recast: turn a written conversation back into a podcast, offline.
//!
//! The pipeline runs one way through these stages:
//! transcript -> script -> text -> voices (with the cast) -> synth -> mix -> output -> play.
//! `render` wires the stages together for the command-line front end in `main.rs`.
//! `serve` then hands a folder of rendered episodes to podcast apps over HTTP.

pub mod cast;
pub mod mix;
pub mod output;
pub mod play;
pub mod render;
pub mod report;
pub mod script;
pub mod serve;
pub mod synth;
pub mod text;
pub mod transcript;
pub mod voices;

// The cache and the render's intermediate track store f32 samples as their bytes in
// memory, in formats defined as little-endian.
const _: () = assert!(
    cfg!(target_endian = "little"),
    "recast's raw sample files are little-endian"
);

pub use render::{RenderConfig, RenderSummary, render};
pub use script::Script;
