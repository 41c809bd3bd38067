//! The text of an input file: which encoding it is in (a byte-order mark, UTF-8, or a
//! detected Chinese legacy encoding, GB18030/GBK or Big5), and its decoding.
//!
//! Detection is chardetng's (Firefox's detector): it weighs the byte patterns of each
//! legacy encoding. Only the Chinese ones are taken on a guess; any other guess (Latin-1
//! text, say) is refused as before, with the place of the first byte that is not UTF-8,
//! because a wrong guess would silently change words. `--encoding` reads any encoding.

use encoding_rs::Encoding;
use std::fmt;

/// How the encoding of a file was settled, for `--explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// The file starts with a byte-order mark.
    ByteOrderMark,
    /// Every byte reads as UTF-8.
    Valid,
    /// Not UTF-8: the detector's guess.
    Detected,
    /// Named with `--encoding`.
    Given,
}

/// A decoded input file.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: EncodingSource,
}

impl Decoded {
    /// `GB18030 (detected)`, `UTF-8`, … as `--explain` says it.
    pub fn describe(&self) -> String {
        let how = match self.source {
            EncodingSource::ByteOrderMark => " (byte-order mark)",
            EncodingSource::Valid => "",
            EncodingSource::Detected => " (detected: the file is not UTF-8)",
            EncodingSource::Given => " (--encoding)",
        };
        format!("{}{how}", self.encoding.name())
    }
}

/// Why a file could not be decoded; the caller adds the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not UTF-8, and not a Chinese legacy encoding either.
    NotUtf8 {
        line: usize,
        column: usize,
        byte: u8,
        /// The detector's best guess, when it is not UTF-8.
        guess: Option<&'static str>,
    },
    /// A UTF-16 byte-order mark, then bytes that are not UTF-16.
    BadUtf16(&'static str),
    /// Bytes that the encoding named with `--encoding` (or detected) cannot read.
    Malformed {
        encoding: &'static str,
        line: usize,
        column: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NotUtf8 { byte, guess, .. } => {
                write!(
                    f,
                    "the file is not UTF-8 text (byte 0x{byte:02X} cannot be read as UTF-8)"
                )?;
                if let Some(guess) = guess {
                    write!(f, " and looks like {guess}")?;
                }
                write!(
                    f,
                    "; name its encoding with `--encoding` (e.g. `--encoding GB18030`, \
                     `--encoding windows-1252`) or save it as UTF-8, e.g. \
                     `iconv -f GB18030 -t UTF-8`"
                )
            }
            DecodeError::BadUtf16(reason) => write!(f, "{reason}; save it as UTF-8 text"),
            DecodeError::Malformed { encoding, .. } => write!(
                f,
                "the file is not valid {encoding}: name the encoding it is in with \
                 `--encoding`, or save it as UTF-8"
            ),
        }
    }
}

impl DecodeError {
    /// Line and column (1-based) of the first byte that could not be read, if known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match *self {
            DecodeError::NotUtf8 { line, column, .. }
            | DecodeError::Malformed { line, column, .. } => Some((line, column)),
            DecodeError::BadUtf16(_) => None,
        }
    }
}

/// Decodes a file's bytes: in `given` when named, else by its byte-order mark, as UTF-8,
/// or as the Chinese legacy encoding it is detected to be.
pub fn decode(bytes: &[u8], given: Option<&'static Encoding>) -> Result<Decoded, DecodeError> {
    if let Some(encoding) = given {
        let body = match Encoding::for_bom(bytes) {
            Some((bom, length)) if bom == encoding => &bytes[length..],
            _ => bytes,
        };
        return strictly(encoding, body).map(|text| Decoded {
            text,
            encoding,
            source: EncodingSource::Given,
        });
    }
    if let Some((encoding, length)) = Encoding::for_bom(bytes) {
        let body = &bytes[length..];
        if encoding != encoding_rs::UTF_8 && body.len() % 2 == 1 {
            return Err(DecodeError::BadUtf16(
                "the file starts like UTF-16 but has an odd number of bytes",
            ));
        }
        let text = strictly(encoding, body).map_err(|e| match e {
            DecodeError::Malformed { .. } if encoding != encoding_rs::UTF_8 => {
                DecodeError::BadUtf16("the file starts like UTF-16 but holds an unpaired surrogate")
            }
            other => other,
        })?;
        return Ok(Decoded {
            text,
            encoding,
            source: EncodingSource::ByteOrderMark,
        });
    }
    // std's decoder, not encoding_rs's: it says where the first bad byte is.
    let not_utf8 = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: text.to_string(),
                encoding: encoding_rs::UTF_8,
                source: EncodingSource::Valid,
            });
        }
        Err(e) => e,
    };
    // NUL bytes: a binary file, which the transcript parser names as such.
    if bytes.contains(&0) {
        return Ok(Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            encoding: encoding_rs::UTF_8,
            source: EncodingSource::Valid,
        });
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // GB18030 reads all of GBK and more.
    let chinese = if guess == encoding_rs::GBK || guess == encoding_rs::GB18030 {
        Some(encoding_rs::GB18030)
    } else if guess == encoding_rs::BIG5 {
        Some(encoding_rs::BIG5)
    } else {
        None
    };
    if let Some(encoding) = chinese
        && let Ok(text) = strictly(encoding, bytes)
    {
        return Ok(Decoded {
            text,
            encoding,
            source: EncodingSource::Detected,
        });
    }
    let valid = std::str::from_utf8(&bytes[..not_utf8.valid_up_to()]).unwrap_or_default();
    let (line, column) = position_after(valid);
    Err(DecodeError::NotUtf8 {
        line,
        column,
        byte: bytes[not_utf8.valid_up_to()],
        guess: (guess != encoding_rs::UTF_8).then(|| guess.name()),
    })
}

/// Decodes without replacement characters: a byte the encoding cannot read is an error
/// that says where it is, not a `�` that loses a word.
fn strictly(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, DecodeError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, _read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(text),
        encoding_rs::DecoderResult::Malformed(..) | encoding_rs::DecoderResult::OutputFull => {
            let (line, column) = position_after(&text);
            Err(DecodeError::Malformed {
                encoding: encoding.name(),
                line,
                column,
            })
        }
    }
}

/// The 1-based line and column just after `text`.
fn position_after(text: &str) -> (usize, usize) {
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn text(bytes: &[u8]) -> String {
        decode(bytes, None).unwrap().text
    }

    const INTERVIEW: &str = "记者：您的面馆开了多少年了？\n老陈：整整二十年，从一张桌子开始。\n\
                             记者：每天几点起床？\n老陈：四点。汤要熬足六个小时，急不得。\n";

    #[test]
    fn utf8_and_utf16_with_a_mark_read_as_the_same_text() {
        let source = "主持人：你好 🚀\nHost: hi\n";
        assert_eq!(text(source.as_bytes()), source);
        assert_eq!(text(format!("\u{feff}{source}").as_bytes()), source);
        assert_eq!(text(&utf16(source, false)), source);
        assert_eq!(text(&utf16(source, true)), source);
        assert_eq!(
            decode(&utf16(source, true), None).unwrap().source,
            EncodingSource::ByteOrderMark
        );
    }

    #[test]
    fn gb18030_and_big5_are_detected_and_read() {
        let (gbk, _, _) = encoding_rs::GB18030.encode(INTERVIEW);
        let decoded = decode(&gbk, None).unwrap();
        assert_eq!(decoded.text, INTERVIEW);
        assert_eq!(decoded.encoding, encoding_rs::GB18030);
        assert_eq!(decoded.source, EncodingSource::Detected);
        let traditional = "主持人：您教書法多久了？\n林老師：三十年。寫字要先學會坐得住。\n\
                           主持人：學生多嗎？\n林老師：週末的班總是滿的，孩子們很認真。\n";
        let (big5, _, unmappable) = encoding_rs::BIG5.encode(traditional);
        assert!(!unmappable);
        let decoded = decode(&big5, None).unwrap();
        assert_eq!(decoded.text, traditional);
        assert_eq!(decoded.encoding, encoding_rs::BIG5);
    }

    #[test]
    fn a_named_encoding_wins_over_detection() {
        let (gbk, _, _) = encoding_rs::GB18030.encode(INTERVIEW);
        let given = Encoding::for_label(b"gbk").unwrap();
        let decoded = decode(&gbk, Some(given)).unwrap();
        assert_eq!(decoded.text, INTERVIEW);
        assert_eq!(decoded.source, EncodingSource::Given);
        assert!(decoded.describe().contains("--encoding"));
        // Latin-1 read as Latin-1 when asked.
        let latin = decode(b"Host: caf\xE9", Encoding::for_label(b"latin1")).unwrap();
        assert_eq!(latin.text, "Host: café");
        // UTF-8 named for bytes that are not UTF-8: refused with where.
        let err = decode(b"ok\nno \xFF", Some(encoding_rs::UTF_8)).unwrap_err();
        assert_eq!(err.position(), Some((2, 4)));
        assert!(err.to_string().contains("not valid UTF-8"), "{err}");
    }

    #[test]
    fn undecodable_bytes_are_refused_with_where_and_why() {
        let mut odd = utf16("Host: hi", false);
        odd.push(b'x');
        assert!(
            decode(&odd, None)
                .unwrap_err()
                .to_string()
                .contains("odd number of bytes")
        );
        // A high surrogate (0xD83D) followed by a letter instead of its low half.
        let lonely = [0xFF, 0xFE, 0x3D, 0xD8, b'a', 0];
        assert!(
            decode(&lonely, None)
                .unwrap_err()
                .to_string()
                .contains("unpaired surrogate")
        );
        let latin1 = b"Host: hi\nGuest: caf\xE9\n";
        let err = decode(latin1, None).unwrap_err();
        assert_eq!(err.position(), Some((2, 11)));
        let message = err.to_string();
        assert!(message.contains("0xE9"), "{message}");
        assert!(message.contains("--encoding"), "{message}");
    }
}
