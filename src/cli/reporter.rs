//! The terminal side of the library's `Reporter`: progress bars (or one line per task
//! when standard error is not a terminal), notes and warnings.

use recast::report::Reporter;
use std::io::IsTerminal;
use std::sync::Mutex;

/// Shows what the library reports on standard error: while a task runs, a progress bar
/// when standard error is a terminal, else one line as the task starts; notes and warnings
/// as lines of their own.
pub(crate) struct TerminalReporter {
    /// Standard error is a terminal: draw bars.
    bars: bool,
    /// Show no progress at all (`--quiet`).
    quiet: bool,
    counting: Counting,
    /// The bar of the task under way.
    bar: Mutex<Option<indicatif::ProgressBar>>,
    /// Warnings kept to be printed with a summary, once the bar is gone (and not at all if
    /// the work fails: its error is what matters); `None` prints them as they come.
    deferred_warnings: Option<Mutex<Vec<String>>>,
}

/// What the steps of a task count: how the bar shows them, and how a total reads.
struct Counting {
    /// The bar's style, for a task whose total is known or not.
    style: fn(total_known: bool) -> indicatif::ProgressStyle,
    /// A total as the line that starts a task shows it, e.g. "63.2 MB", or `None` for
    /// tasks that start without a line where no bar is drawn (a render's summary says it all).
    total: Option<fn(u64) -> String>,
}

impl TerminalReporter {
    /// For tasks counted in bytes (downloads).
    pub(crate) fn bytes() -> Self {
        TerminalReporter::new(Counting {
            style: |total_known| {
                let template = if total_known {
                    "{msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
                } else {
                    "{msg} {bytes} {bytes_per_sec}"
                };
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> ")
            },
            total: Some(|bytes| format!("{:.1} MB", bytes as f64 / 1e6)),
        })
    }

    /// For a render: sentences synthesised, its warnings kept for the summary.
    pub(crate) fn sentences(quiet: bool) -> Self {
        TerminalReporter {
            quiet,
            deferred_warnings: Some(Mutex::new(Vec::new())),
            ..TerminalReporter::new(Counting {
                style: |_| {
                    indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sentences (eta {eta}) {wide_msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                },
                total: None,
            })
        }
    }

    fn new(counting: Counting) -> Self {
        TerminalReporter {
            bars: std::io::stderr().is_terminal(),
            quiet: false,
            counting,
            bar: Mutex::new(None),
            deferred_warnings: None,
        }
    }

    pub(crate) fn take_warnings(&self) -> Vec<String> {
        self.deferred_warnings
            .as_ref()
            .map(|kept| std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner())))
            .unwrap_or_default()
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        // A panic elsewhere while the lock was held leaves a bar that is still drawable.
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The line a task starts with where no bar is drawn, e.g. `Downloading URL (63.2 MB)…`.
    fn start_line(&self, task: &str, total: Option<u64>) -> Option<String> {
        let show = self.counting.total?;
        Some(match total {
            Some(n) => format!("{task} ({})…", show(n)),
            None => format!("{task}…"),
        })
    }

    /// Prints a line above the bar under way, if any, without tearing it.
    fn line(&self, text: &str) {
        match &*self.bar() {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

impl Reporter for TerminalReporter {
    fn warning(&self, message: &str) {
        match &self.deferred_warnings {
            Some(kept) => kept
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(message.to_string()),
            None => self.line(&format!("warning: {message}")),
        }
    }

    fn note(&self, message: &str) {
        self.line(message);
    }

    fn start(&self, task: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        if !self.bars {
            if let Some(line) = self.start_line(task, total) {
                self.line(&line);
            }
            return;
        }
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::no_length(),
        };
        bar.set_style((self.counting.style)(total.is_some()));
        bar.set_message(task.to_string());
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Some(previous) = self.bar().replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn advance(&self, steps: u64, message: Option<&str>) {
        if let Some(bar) = &*self.bar() {
            if let Some(message) = message {
                bar.set_message(message.to_string());
            }
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_without_a_terminal_is_one_line() {
        let reporter = TerminalReporter::bytes();
        let task = "Downloading https://h/zh_CN-huayan-medium.onnx";
        assert_eq!(
            reporter.start_line(task, Some(63_201_294)).unwrap(),
            "Downloading https://h/zh_CN-huayan-medium.onnx (63.2 MB)…"
        );
        assert_eq!(
            reporter.start_line(task, None).unwrap(),
            "Downloading https://h/zh_CN-huayan-medium.onnx…"
        );
        assert_eq!(
            TerminalReporter::sentences(false).start_line("x", Some(3)),
            None
        );
    }
}
