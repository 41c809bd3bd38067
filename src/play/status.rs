//! The status line: chapter, who is speaking and what, and the clock, fitted to the
//! terminal's width (in cells, as `unicode-width` counts them).

use std::time::Duration;

use unicode_width::UnicodeWidthStr;

use super::navigator::Navigator;
use super::time::clock;

impl Navigator {
    fn long_clock(&self) -> bool {
        self.total() >= Duration::from_secs(3600)
    }

    /// E.g. `[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05  (paused)`.
    pub(crate) fn status_line(&self, pos: Duration, paused: bool) -> String {
        let (head, title) = self.status_parts(pos);
        let tail = self.status_tail(pos, paused);
        if title.is_empty() {
            format!("{head} {tail}")
        } else {
            format!("{head} {title} {tail}")
        }
    }

    /// [`status_line`](Self::status_line) shortened (title cut, with `…`) to fit in
    /// `columns` terminal cells (East Asian wide characters and emoji take two).
    pub(crate) fn status_line_fitted(&self, pos: Duration, paused: bool, columns: usize) -> String {
        let full = self.status_line(pos, paused);
        if display_width(&full) <= columns {
            return full;
        }
        let (head, title) = self.status_parts(pos);
        let tail = self.status_tail(pos, paused);
        let fixed = display_width(&head) + display_width(&tail) + 2;
        let room = columns.saturating_sub(fixed);
        let line = format!("{head} {} {tail}", truncate_to_width(&title, room));
        // If even the fixed parts do not fit, cut the whole line.
        truncate_to_width(&line, columns)
    }

    /// The fixed head (`[2/7]`) and the part that may be shortened: the chapter title and,
    /// with timing, who is speaking and what.
    fn status_parts(&self, pos: Duration) -> (String, String) {
        let count = self.chapters().len();
        let (head, title) = match self.chapter_at(pos) {
            Some((i, title)) => (format!("[{}/{count}]", i + 1), title.to_string()),
            None => (format!("[-/{count}]"), String::new()),
        };
        match self.speaking_at(pos) {
            Some((speaker, sentence)) => (head, format!("{title} · {speaker}: {sentence}")),
            None => (head, title),
        }
    }

    fn status_tail(&self, pos: Duration, paused: bool) -> String {
        let long = self.long_clock();
        let mut tail = format!(
            " {} / {}",
            clock(pos.min(self.total()), long),
            clock(self.total(), long)
        );
        if paused {
            tail.push_str("  (paused)");
        }
        tail
    }
}

/// Terminal cells `s` takes.
fn display_width(s: &str) -> usize {
    s.width()
}

/// `s` cut to at most `width` cells, ending in `…` when cut.
fn truncate_to_width(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    // Measured as a whole prefix: a string's width is not always the sum of its
    // characters' (emoji sequences).
    let mut end = 0;
    for (at, c) in s.char_indices() {
        let next = at + c.len_utf8();
        if display_width(&s[..next]) > width - 1 {
            break;
        }
        end = next;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::super::navigator::test_support::*;
    use super::*;
    use std::path::Path;

    #[test]
    fn status_line_shows_who_is_speaking() {
        let nav = timed_nav();
        assert_eq!(nav.speaking_at(secs(2.2)), None);
        assert_eq!(nav.speaking_at(secs(3.0)), Some(("主持人", "请讲。")));
        let line = nav.status_line(secs(10.0), false);
        assert!(line.contains("一 · Ilya: 好的。"), "{line}");
        let fitted = nav.status_line_fitted(secs(10.0), false, 30);
        assert!(fitted.contains("02:00"), "{fitted}");
    }

    #[test]
    fn status_line_with_cjk_title() {
        let nav = Navigator::new(
            Path::new("ep.wav"),
            vec![
                ch("开场", 0.0),
                ch("卷积神经网络与ImageNet的突破", 100.0),
                ch("3", 500.0),
                ch("4", 600.0),
                ch("5", 700.0),
                ch("6", 800.0),
                ch("7", 900.0),
            ],
            secs(41.0 * 60.0 + 5.0),
        );
        let pos = secs(3.0 * 60.0 + 12.7);
        assert_eq!(
            nav.status_line(pos, true),
            "[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05  (paused)"
        );
        assert_eq!(
            nav.status_line(pos, false),
            "[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05"
        );
        // Past the end (rodio's position can overshoot a little): shows the end.
        assert!(
            nav.status_line(secs(9999.0), false)
                .ends_with("41:05 / 41:05")
        );
    }

    #[test]
    fn status_line_uses_hours_for_long_episodes() {
        let nav = Navigator::new(Path::new("long.wav"), vec![ch("A", 0.0)], secs(3723.0));
        assert_eq!(
            nav.status_line(secs(192.0), false),
            "[1/1] A  0:03:12 / 1:02:03"
        );
    }

    #[test]
    fn status_line_fits_the_terminal_width() {
        let nav = Navigator::new(
            Path::new("ep.wav"),
            vec![ch("开场", 0.0), ch("卷积神经网络与ImageNet的突破", 100.0)],
            secs(2465.0),
        );
        let pos = secs(192.0);
        let full = nav.status_line(pos, true);
        // 6 ASCII + 14 CJK*2 + ... : wide characters count double.
        assert_eq!(display_width("卷积A"), 5);
        assert_eq!(nav.status_line_fitted(pos, true, 200), full);
        for columns in [10, 20, 30, 40, 50, display_width(&full) - 1] {
            let line = nav.status_line_fitted(pos, true, columns);
            assert!(display_width(&line) <= columns, "{columns}: {line}");
            assert!(line.ends_with('…') || line.contains("(paused)"), "{line}");
        }
        let line = nav.status_line_fitted(pos, true, 40);
        assert!(line.starts_with("[2/2] 卷积"), "{line}");
        assert!(line.ends_with("…  03:12 / 41:05  (paused)"), "{line}");
        assert_eq!(truncate_to_width("卷积神经", 5), "卷积…");
        assert_eq!(truncate_to_width("abc", 0), "");
    }

    /// Where a hand-written table of wide ranges falls short: emoji outside the common
    /// blocks, combining accents, emoji sequences.
    #[test]
    fn widths_follow_unicode() {
        assert_eq!(display_width("🚀"), 2);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("👩‍🔬"), 2);
        assert_eq!(truncate_to_width("🚀🚀🚀", 5), "🚀🚀…");
        assert_eq!(truncate_to_width("cafe\u{301} noir", 5), "cafe\u{301}…");
    }
}
