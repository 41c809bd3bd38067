//! The command line's top level: the `recast` parser, its commands, and the dispatch to
//! the file that runs each one.

mod cache;
mod chapters;
mod feed;
mod input;
mod play;
mod render;
mod reporter;
mod say;
mod script;
mod serve;
mod summary;
mod terminal;
mod voices;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "recast",
    version,
    about = "Turn a written conversation back into a podcast, offline",
    long_about = "Turn a written conversation back into a podcast, offline.\n\n\
        Typical use:\n  recast script interview.md -o interview.toml   # check and edit the script\n  \
        recast render interview.toml -o episode.wav --clips clips/\n  recast play episode.wav --chapter 2\n\n\
        From an article's link to a podcast app:\n  recast render 'https://…' -o podcast/episode.mp3\n  \
        recast feed podcast --base-url http://HOST:8080/\n  recast serve podcast --host 0.0.0.0"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the script (chapters, turns, speakers) from a transcript and print or write it.
    Script(script::ScriptCommand),
    /// Render a transcript, an article's link or a script to a chaptered episode (and clips).
    Render(render::RenderCommand),
    /// Print the chapter markers stored in a WAV file.
    Chapters(chapters::ChaptersCommand),
    /// Preview a WAV with chapter and turn navigation (space, n/p, up/down, left/right, q).
    Play(play::PlayCommand),
    /// Synthesise a piece of text in one voice.
    Say(say::SayCommand),
    /// List, install and describe voices.
    Voices(voices::VoicesCommand),
    /// Inspect or trim the cache of synthesised sentences.
    Cache(cache::CacheCommand),
    /// Write DIR/feed.xml, a podcast feed of the episodes in DIR, for a podcast app.
    Feed(feed::FeedCommand),
    /// Serve DIR (episodes and feed.xml) over HTTP to podcast apps, until Ctrl-C.
    Serve(serve::ServeCommand),
}

/// Runs the command the arguments name.
pub(crate) fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Script(command) => command.run(),
        Command::Render(command) => command.run(),
        Command::Chapters(command) => command.run(),
        Command::Play(command) => command.run(),
        Command::Say(command) => command.run(),
        Command::Voices(command) => command.run(),
        Command::Cache(command) => command.run(),
        Command::Feed(command) => command.run(),
        Command::Serve(command) => command.run(),
    }
}
