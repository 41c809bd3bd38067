//! Reading a render's input: the file's bytes decoded to text (UTF-8, or UTF-16 with a
//! byte-order mark), then read as a script file or parsed as a transcript.

use super::RenderError;
use crate::script::{self, Script, ScriptError, ScriptFormat};
use crate::transcript::{self, SkippedLine};
use std::path::Path;

/// A transcript or a script file, loaded as a script, with the transcript lines that were not
/// turned into speech.
pub struct LoadedInput {
    pub script: Script,
    pub skipped: Vec<SkippedLine>,
}

/// Reads INPUT: a script written by `recast script` (JSON or TOML), or a transcript.
pub fn load_input(path: &Path) -> Result<LoadedInput, RenderError> {
    let bytes = std::fs::read(path).map_err(|error| RenderError::ReadInput {
        path: path.to_path_buf(),
        error,
    })?;
    let text = decode_text(path, &bytes)?;
    if script::looks_like_script(path, &text) {
        let format = ScriptFormat::from_path(path)
            .or_else(|| ScriptFormat::sniff(&text))
            .ok_or_else(|| ScriptError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        return Ok(LoadedInput {
            script: Script::parse_str(&text, format, &path.display().to_string())?,
            skipped: Vec::new(),
        });
    }
    let parsed = transcript::parse(&text).map_err(|error| RenderError::Transcript {
        path: path.to_path_buf(),
        error,
    })?;
    let script = Script::from_transcript(&parsed)?;
    Ok(LoadedInput {
        script,
        skipped: parsed.skipped,
    })
}

/// The text of an input file: UTF-8, or UTF-16 with a byte-order mark (the mark is
/// dropped). Anything else is refused with the line and column of the first byte that is
/// not UTF-8, rather than read with replacement characters that would silently lose words.
fn decode_text(path: &Path, bytes: &[u8]) -> Result<String, RenderError> {
    let (encoding, bom_length) =
        encoding_rs::Encoding::for_bom(bytes).unwrap_or((encoding_rs::UTF_8, 0));
    let body = &bytes[bom_length..];
    if encoding != encoding_rs::UTF_8 {
        let bad = |reason: &str| RenderError::BadUtf16 {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if body.len() % 2 == 1 {
            return Err(bad(
                "the file starts like UTF-16 but has an odd number of bytes",
            ));
        }
        return encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|text| text.into_owned())
            .ok_or_else(|| bad("the file starts like UTF-16 but holds an unpaired surrogate"));
    }
    // std's decoder, not encoding_rs's: it says where the first bad byte is.
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        // NUL bytes: a binary file, which the transcript parser names as such.
        Err(_) if body.contains(&0) => Ok(String::from_utf8_lossy(body).into_owned()),
        Err(e) => {
            let valid = &body[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            Err(RenderError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                byte: body[e.valid_up_to()],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<String, String> {
        decode_text(Path::new("in.md"), bytes).map_err(|e| e.to_string())
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        bytes
    }

    #[test]
    fn utf8_and_utf16_with_a_mark_read_as_the_same_text() {
        let text = "主持人：你好 🚀\nHost: hi\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        assert_eq!(decode(format!("\u{feff}{text}").as_bytes()).unwrap(), text);
        assert_eq!(decode(&utf16(text, false)).unwrap(), text);
        assert_eq!(decode(&utf16(text, true)).unwrap(), text);
    }

    #[test]
    fn undecodable_bytes_are_refused_with_where_and_why() {
        let mut odd = utf16("Host: hi", false);
        odd.push(b'x');
        assert!(decode(&odd).unwrap_err().contains("odd number of bytes"));
        // A high surrogate (0xD83D) followed by a letter instead of its low half.
        let lonely = [0xFF, 0xFE, 0x3D, 0xD8, b'a', 0];
        assert!(decode(&lonely).unwrap_err().contains("unpaired surrogate"));
        let latin1 = b"Host: hi\nGuest: caf\xE9\n";
        let message = decode(latin1).unwrap_err();
        assert!(message.starts_with("in.md:2:11: "), "{message}");
        assert!(message.contains("0xE9"), "{message}");
    }
}
