//! What the commands write to the terminal outside the reporter: standard output that a
//! closed pipe ends quietly, and the first-audio line benchmarks read.

use std::io::Write;

/// Writes to standard output; a closed pipe (`recast script x | head`) ends the program
/// quietly, as it does for other command-line tools.
pub(crate) fn out(text: impl AsRef<str>) {
    use std::io::ErrorKind;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_ref().as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

pub(crate) fn outln(text: impl AsRef<str>) {
    out(format!("{}\n", text.as_ref()));
}

/// The line benchmarks read to time a live preview.
pub(crate) fn report_first_audio(after: std::time::Duration) {
    eprintln!(
        "first audio reached the player {} ms after start",
        after.as_millis()
    );
}
