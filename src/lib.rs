//! recast: turn a written conversation back into a podcast, offline.
//!
//! The pipeline runs one way through these stages:
//! transcript -> script -> text -> voices (with the cast) -> synth -> mix -> output -> play.
//! `render` wires the stages together for the command-line front end in `main.rs`.

pub mod cast;
pub mod mix;
pub mod output;
pub mod play;
pub mod render;
pub mod report;
pub mod script;
pub mod synth;
pub mod text;
pub mod transcript;
pub mod voices;

pub use render::{RenderConfig, RenderSummary, render};
pub use script::Script;
