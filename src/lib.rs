//! recast: turn a written conversation back into a podcast, offline.
//!
//! The pipeline runs one way through these stages:
//! fetch -> transcript -> script -> text -> voices (with the cast) -> synth -> mix -> output
//! -> play (`fetch` only for an article given by its web address); then `feed` publishes a
//! folder of rendered episodes and `serve` hands it to podcast apps over HTTP. `render`
//! wires the stages together for the command line in `cli/`.

pub mod cast;
pub mod feed;
pub mod fetch;
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
