//! What the library has to say while it works (progress, warnings, notes), handed to a
//! reporter that its caller supplies: the library itself never prints.

/// Receives the library's progress, warnings and notes. Every method does nothing by
/// default, so a caller implements only what it shows; [`Silent`] shows nothing.
///
/// One task runs at a time: `start`, any number of `advance`, then `finish`.
pub trait Reporter: Sync {
    /// Something the user should know that did not stop the work (a voice reused, text
    /// left unspoken).
    fn warning(&self, _message: &str) {}
    /// A line of information: what is being done, what was done.
    fn note(&self, _message: &str) {}
    /// A task of `total` steps (bytes, sentences), or of unknown length, began.
    fn start(&self, _task: &str, _total: Option<u64>) {}
    /// `steps` more steps of the current task are done; `message` says what is being worked
    /// on now.
    fn advance(&self, _steps: u64, _message: Option<&str>) {}
    /// The current task is over.
    fn finish(&self) {}
}

/// A reporter that shows nothing: for tests, and for callers that only want the result.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Reporter for Silent {}

#[cfg(test)]
pub(crate) mod recording {
    use super::Reporter;
    use std::sync::Mutex;

    /// A reporter that keeps everything it is told, for tests that check what the library
    /// said.
    #[derive(Default)]
    pub(crate) struct Recording {
        pub(crate) lines: Mutex<Vec<String>>,
    }

    impl Recording {
        pub(crate) fn lines(&self) -> Vec<String> {
            self.lines.lock().unwrap().clone()
        }

        fn push(&self, line: String) {
            self.lines.lock().unwrap().push(line);
        }
    }

    impl Reporter for Recording {
        fn warning(&self, message: &str) {
            self.push(format!("warning: {message}"));
        }
        fn note(&self, message: &str) {
            self.push(format!("note: {message}"));
        }
        fn start(&self, task: &str, total: Option<u64>) {
            self.push(format!("start: {task} ({total:?})"));
        }
        fn advance(&self, steps: u64, message: Option<&str>) {
            self.push(format!("advance: {steps} {}", message.unwrap_or("")));
        }
        fn finish(&self) {
            self.push("finish".to_string());
        }
    }

    #[test]
    fn a_recording_keeps_what_it_was_told_in_order() {
        let recording = Recording::default();
        let reporter: &dyn Reporter = &recording;
        reporter.start("sentences", Some(2));
        reporter.advance(1, Some("你好"));
        reporter.warning("careful");
        reporter.finish();
        assert_eq!(
            recording.lines(),
            [
                "start: sentences (Some(2))",
                "advance: 1 你好",
                "warning: careful",
                "finish"
            ]
        );
    }
}
