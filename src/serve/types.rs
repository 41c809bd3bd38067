//! The content type each kind of file in an episode folder is served with.

/// The content type for a file named `name`, or `None` for kinds recast does not write (the
/// server's generic guess then applies). Podcast apps decide what they can play, and
/// whether a sidecar is chapters or subtitles, partly from this header, so the kinds recast
/// writes are fixed here rather than left to a general table.
pub(crate) fn content_type(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    // Double extensions first: a sidecar is named after its episode.
    if name == "feed.xml" || name.ends_with(".rss") {
        return Some("application/rss+xml");
    }
    if name.ends_with(".chapters.json") {
        // The type Podcasting 2.0's <podcast:chapters> declares for JSON chapters.
        return Some("application/json+chapters");
    }
    let extension = name.rsplit_once('.')?.1;
    Some(match extension {
        "mp3" => "audio/mpeg",
        // RFC 4337's registered type; AAC in MP4 whether music (m4a) or a book (m4b).
        "m4a" | "m4b" => "audio/mp4",
        // recast's Opus is in an Ogg container.
        "opus" | "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        // Both subtitle formats are UTF-8 text; saying so keeps players from guessing Latin-1.
        "vtt" => "text/vtt; charset=utf-8",
        "srt" => "application/x-subrip; charset=utf-8",
        "json" => "application/json",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn every_kind_recast_writes_has_its_type() {
        for (name, expected) in [
            ("a.mp3", "audio/mpeg"),
            ("a.m4a", "audio/mp4"),
            ("a.m4b", "audio/mp4"),
            ("a.opus", "audio/ogg"),
            ("a.flac", "audio/flac"),
            ("a.wav", "audio/wav"),
            ("a.vtt", "text/vtt; charset=utf-8"),
            ("a.srt", "application/x-subrip; charset=utf-8"),
            ("a.chapters.json", "application/json+chapters"),
            ("a.script.json", "application/json"),
            ("feed.xml", "application/rss+xml"),
            ("cover.jpg", "image/jpeg"),
            ("cover.png", "image/png"),
        ] {
            assert_eq!(content_type(name), Some(expected), "{name}");
        }
    }

    #[test]
    fn case_does_not_matter_and_unknown_kinds_are_left_alone() {
        assert_eq!(content_type("Episode.MP3"), Some("audio/mpeg"));
        assert_eq!(content_type("FEED.XML"), Some("application/rss+xml"));
        assert_eq!(content_type("notes.xml"), None);
        assert_eq!(content_type("README"), None);
    }
}
