//! The text of a fetched page: which encoding its bytes are in, settled as a browser does
//! (byte-order mark, the `Content-Type` header's `charset=`, a `<meta>` charset near the
//! top), else by recast's own detection for files.

use crate::transcript::encoding::{self, EncodingSource};
use encoding_rs::Encoding;

/// How far into a page the `<meta>` charset is looked for, as the HTML standard's
/// prescan does: a declaration further down would be read after text it governs.
const PRESCAN: usize = 1024;

/// Where the encoding of a fetched page came from, for `--explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    ByteOrderMark,
    /// The `Content-Type` header's `charset=`.
    Header,
    /// A `<meta charset>` or `<meta http-equiv="content-type">` near the top.
    Meta,
    /// Nothing declared it: read as recast reads a file (UTF-8, or a detected Chinese
    /// legacy encoding).
    Content(EncodingSource),
}

/// A page's text, its encoding and how that was settled.
pub(crate) struct PageText {
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: CharsetSource,
}

/// Decodes a page's bytes. The byte-order mark comes first, as in browsers: a page that
/// carries one is in that encoding whatever the server says. A declared encoding that the
/// bytes do not fit (a server configured for one encoding serving a page in another) gives
/// way to detection; when detection finds nothing either, the page is read as declared,
/// with replacement characters, as a browser shows it. An undeclared page that is neither
/// UTF-8 nor Chinese is refused, as such a file is.
pub(crate) fn decode_page(
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<PageText, encoding::DecodeError> {
    if let Some((encoding, length)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[length..]);
        return Ok(PageText {
            text: text.into_owned(),
            encoding,
            source: CharsetSource::ByteOrderMark,
        });
    }
    let declared = content_type
        .and_then(header_charset)
        .map(|e| (e, CharsetSource::Header))
        .or_else(|| meta_charset(bytes).map(|e| (e, CharsetSource::Meta)));
    if let Some((encoding, source)) = declared
        && let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok(PageText {
            text: text.into_owned(),
            encoding,
            source,
        });
    }
    Ok(match encoding::decode(bytes, None) {
        Ok(decoded) => PageText {
            text: decoded.text,
            encoding: decoded.encoding,
            source: CharsetSource::Content(decoded.source),
        },
        Err(error) => match declared {
            Some((encoding, source)) => PageText {
                text: encoding.decode_without_bom_handling(bytes).0.into_owned(),
                encoding,
                source,
            },
            // Undeclared and neither UTF-8 nor Chinese: refused as a file would be, rather
            // than read on a guess that could change words.
            None => return Err(error),
        },
    })
}

/// The encoding a `Content-Type` value names with `charset=`, if recast knows it.
pub(crate) fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| Encoding::for_label(value.trim().trim_matches(['"', '\'']).as_bytes()))?
    })
}

/// The encoding a `<meta>` declares in the first [`PRESCAN`] bytes: a simplified form of
/// the HTML standard's prescan (comments skipped, attributes read with or without quotes).
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let lower = head.to_ascii_lowercase();
    let mut at = 0;
    while at < lower.len() {
        let rest = &lower[at..];
        if rest.starts_with(b"<!--") {
            at += find(&rest[4..], b"-->").map_or(rest.len(), |end| end + 7);
        } else if rest.starts_with(b"<meta")
            && rest
                .get(5)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'/')
        {
            let end = rest.iter().position(|&c| c == b'>').unwrap_or(rest.len());
            if let Some(encoding) = meta_tag_charset(&head[at + 5..at + end]) {
                // A page cannot declare itself UTF-16 in ASCII bytes: the standard reads it
                // as UTF-8, and `x-user-defined` as windows-1252.
                return Some(
                    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                        encoding_rs::UTF_8
                    } else if encoding == encoding_rs::X_USER_DEFINED {
                        encoding_rs::WINDOWS_1252
                    } else {
                        encoding
                    },
                );
            }
            at += end;
        } else {
            at += 1;
        }
    }
    None
}

/// The charset one `<meta …>` tag's attributes declare.
fn meta_tag_charset(attributes: &[u8]) -> Option<&'static Encoding> {
    let attributes = String::from_utf8_lossy(attributes);
    let mut charset = None;
    let mut content = None;
    let mut content_type = false;
    for (name, value) in attribute_pairs(&attributes) {
        match name.as_str() {
            "charset" => charset = charset.or(Some(value)),
            "content" => content = content.or(Some(value)),
            "http-equiv" => content_type |= value.eq_ignore_ascii_case("content-type"),
            _ => {}
        }
    }
    if let Some(label) = charset {
        return Encoding::for_label(label.trim().as_bytes());
    }
    let content = content.filter(|_| content_type)?;
    header_charset(&format!(";{}", content.split_once(';')?.1))
}

/// `name=value` pairs of a tag, names lower-cased, values unquoted.
fn attribute_pairs(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        if name_end == 0 {
            return pairs;
        }
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let Some(after) = rest.strip_prefix('=') else {
            pairs.push((name, String::new()));
            continue;
        };
        let after = after.trim_start();
        let (value, next) = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => match after[1..].split_once(quote) {
                Some((value, next)) => (value, next),
                None => (&after[1..], ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        pairs.push((name, value.to_string()));
        rest = next;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<html><head><title>茶馆</title></head><body>\
        <p><b>主持人：</b>这家茶馆开了多少年？</p></body></html>";

    #[test]
    fn a_gbk_page_named_only_by_its_header_reads_right() {
        let (gbk, _, _) = encoding_rs::GBK.encode(PAGE);
        let page = decode_page(&gbk, Some("text/html; charset=GBK")).unwrap();
        assert_eq!(page.text, PAGE);
        assert_eq!(page.source, CharsetSource::Header);
        assert_eq!(page.encoding, encoding_rs::GBK);
    }

    #[test]
    fn the_meta_charset_is_read_in_either_form() {
        for meta in [
            "<meta charset=gb2312>",
            "<meta charset='gbk' />",
            "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gbk\">",
            "<meta content='text/html;charset=\"gbk\"' http-equiv=content-type>",
        ] {
            let html = PAGE.replace("<head>", &format!("<head>{meta}"));
            let (gbk, _, _) = encoding_rs::GBK.encode(&html);
            let page = decode_page(&gbk, Some("text/html")).unwrap();
            assert_eq!(page.text, html, "{meta}");
            assert_eq!(page.source, CharsetSource::Meta, "{meta}");
        }
        // Commented out, or past the prescan: not a declaration.
        let hidden = PAGE.replace("<head>", "<head><!-- <meta charset=big5> -->");
        assert_eq!(meta_charset(hidden.as_bytes()), None);
        let late = format!("{}<meta charset=big5>", " ".repeat(PRESCAN));
        assert_eq!(meta_charset(late.as_bytes()), None);
        assert_eq!(
            meta_charset(b"<meta charset=utf-16le>"),
            Some(encoding_rs::UTF_8)
        );
    }

    #[test]
    fn the_byte_order_mark_outranks_the_header() {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), PAGE.as_bytes()].concat();
        let page = decode_page(&bytes, Some("text/html; charset=gbk")).unwrap();
        assert_eq!(page.text, PAGE);
        assert_eq!(page.source, CharsetSource::ByteOrderMark);
    }

    #[test]
    fn a_wrong_declaration_gives_way_to_detection() {
        let (gbk, _, _) = encoding_rs::GBK.encode(PAGE);
        let page = decode_page(&gbk, Some("text/html; charset=utf-8")).unwrap();
        assert_eq!(page.text, PAGE);
        assert!(matches!(page.source, CharsetSource::Content(_)));
        // Undeclared UTF-8 is UTF-8.
        let page = decode_page(PAGE.as_bytes(), None).unwrap();
        assert_eq!(page.text, PAGE);
        assert_eq!(page.encoding, encoding_rs::UTF_8);
    }

    #[test]
    fn odd_bytes_never_panic() {
        for bytes in [
            b"".as_slice(),
            b"<meta",
            b"<meta charset=",
            b"<meta charset='",
            b"<!--",
            b"<meta http-equiv=content-type content=",
            b"\xff\xfe\x00",
            b"<meta charset=\xff\xfe>",
        ] {
            let _ = decode_page(bytes, Some("text/html; charset"));
            let _ = decode_page(bytes, Some(";;charset=\"\""));
        }
    }
}
