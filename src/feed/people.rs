//! Who speaks in an episode, as `podcast:person` entries: the speakers of the transcript, each
//! a host or a guest.

use crate::output::TimedScript;
use crate::script::DEFAULT_NARRATOR;

/// A role from the Podcasting 2.0 taxonomy (group "cast", which `podcast:person` assumes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Host,
    Guest,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Guest => "guest",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) role: Role,
}

/// Labels, or parts of labels (`李明（主持人）`), of the one asking the questions. An
/// interview's reporter or editor asks, so they host it.
const HOST_MARKS_ZH: &[&str] = &[
    "主持人",
    "主播",
    "记者",
    "编辑",
    "采访者",
    "访谈者",
    "提问者",
];
/// Words that make an English label a host's (`Host`, `Co-host`, `Interviewer (Jane)`).
const HOST_WORDS: &[&str] = &[
    "host",
    "interviewer",
    "moderator",
    "reporter",
    "editor",
    "q",
    "question",
];
/// Whole labels that are the asking side in Chinese Q&A transcripts.
const HOST_LABELS_ZH: &[&str] = &["问", "提问"];

/// The distinct speakers of the transcript's turns in the order they first speak. The titles
/// the narrator reads (announcements) and recast's own narrator are not people of the
/// conversation, so they are left out.
pub(crate) fn speakers(script: &TimedScript) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for turn in script.chapters.iter().flat_map(|c| &c.turns) {
        let name = turn.speaker.trim();
        if turn.announcement
            || name.is_empty()
            || name == DEFAULT_NARRATOR
            || people.iter().any(|p| p.name == name)
        {
            continue;
        }
        people.push(Person {
            name: name.to_string(),
            role: role_of(name),
        });
    }
    people
}

fn role_of(label: &str) -> Role {
    let lower = label.to_lowercase();
    let host = HOST_MARKS_ZH.iter().any(|mark| label.contains(mark))
        || HOST_LABELS_ZH.contains(&label)
        || lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| HOST_WORDS.contains(&word));
    if host { Role::Host } else { Role::Guest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{TimedChapter, TimedTurn};

    #[test]
    fn askers_host_and_everyone_else_is_a_guest() {
        for host in [
            "主持人",
            "李明（主持人）",
            "记者",
            "编辑",
            "Host",
            "Co-host",
            "Interviewer (Jane)",
            "Q",
            "问",
        ] {
            assert_eq!(role_of(host), Role::Host, "{host}");
        }
        for guest in ["王工", "嘉宾", "Ilya", "A", "Hostetler", "答", "Questlove"] {
            assert_eq!(role_of(guest), Role::Guest, "{guest}");
        }
    }

    #[test]
    fn speakers_in_order_of_first_turn_without_the_narrator() {
        let turn = |speaker: &str, announcement: bool| TimedTurn {
            speaker: speaker.to_string(),
            voice: "v".to_string(),
            announcement,
            start: 0.0,
            end: 1.0,
            sentences: Vec::new(),
        };
        let chapter = |turns| TimedChapter {
            title: "c".to_string(),
            start: 0.0,
            end: 1.0,
            turns,
        };
        let script = TimedScript {
            title: "t".to_string(),
            language: "zh".to_string(),
            sample_rate: 24_000,
            duration: 1.0,
            article: Default::default(),
            chapters: vec![
                chapter(vec![
                    turn("Narrator", true),
                    turn("主持人", false),
                    turn("王工", false),
                ]),
                chapter(vec![
                    turn("Narrator", false),
                    turn("王工", false),
                    turn("Jane", true),
                    turn("主持人", false),
                ]),
            ],
        };
        let people = speakers(&script);
        let names: Vec<_> = people.iter().map(|p| (p.name.as_str(), p.role)).collect();
        assert_eq!(names, [("主持人", Role::Host), ("王工", Role::Guest)]);
    }
}
