//! Writes the RSS 2.0 document with the iTunes, Podcasting 2.0 and Atom namespaces, through
//! quick-xml's writer, so every text and attribute is escaped by it.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

use super::people::Person;

pub(crate) const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
const ITUNES_NS: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

pub(crate) struct Channel {
    pub(crate) title: String,
    pub(crate) link: String,
    pub(crate) description: String,
    pub(crate) language: String,
    pub(crate) author: String,
    pub(crate) image: Option<String>,
    pub(crate) podcast_guid: String,
    pub(crate) self_url: String,
    pub(crate) generator: String,
}

pub(crate) struct Item {
    pub(crate) title: String,
    pub(crate) guid: String,
    pub(crate) pub_date: String,
    pub(crate) link: Option<String>,
    pub(crate) description: String,
    pub(crate) enclosure: Enclosure,
    pub(crate) duration_seconds: u64,
    pub(crate) image: Option<String>,
    pub(crate) chapters_url: Option<String>,
    pub(crate) transcripts: Vec<Transcript>,
    pub(crate) people: Vec<Person>,
}

pub(crate) struct Enclosure {
    pub(crate) url: String,
    pub(crate) length: u64,
    pub(crate) mime: &'static str,
}

pub(crate) struct Transcript {
    pub(crate) url: String,
    pub(crate) mime: &'static str,
    pub(crate) language: String,
}

/// The whole feed, two-space indented, ending in a newline. Nothing in it depends on when it
/// is written, so the same folder gives the same bytes.
pub(crate) fn render(channel: &Channel, items: &[&Item]) -> Vec<u8> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_feed(&mut writer, channel, items).expect("writing to memory does not fail");
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    bytes
}

fn write_feed(writer: &mut Writer<Vec<u8>>, channel: &Channel, items: &[&Item]) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("rss")
        .with_attributes([
            ("version", "2.0"),
            ("xmlns:itunes", ITUNES_NS),
            ("xmlns:podcast", PODCAST_NS),
            ("xmlns:atom", ATOM_NS),
        ])
        .write_inner_content(|writer| {
            writer
                .create_element("channel")
                .write_inner_content(|writer| {
                    write_channel(writer, channel)?;
                    items.iter().try_for_each(|item| write_item(writer, item))
                })?;
            Ok(())
        })?;
    Ok(())
}

fn write_channel(writer: &mut Writer<Vec<u8>>, channel: &Channel) -> io::Result<()> {
    text(writer, "title", &channel.title)?;
    text(writer, "link", &channel.link)?;
    text(writer, "description", &channel.description)?;
    text(writer, "language", &channel.language)?;
    text(writer, "generator", &channel.generator)?;
    empty(
        writer,
        "atom:link",
        &[
            ("href", &channel.self_url),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    )?;
    text(writer, "itunes:author", &channel.author)?;
    text(writer, "itunes:explicit", "false")?;
    if let Some(image) = &channel.image {
        empty(writer, "itunes:image", &[("href", image)])?;
    }
    text(writer, "podcast:guid", &channel.podcast_guid)
}

fn write_item(writer: &mut Writer<Vec<u8>>, item: &Item) -> io::Result<()> {
    writer
        .create_element("item")
        .write_inner_content(|writer| {
            text(writer, "title", &item.title)?;
            writer
                .create_element("guid")
                .with_attribute(("isPermaLink", "false"))
                .write_text_content(BytesText::new(&item.guid))?;
            text(writer, "pubDate", &item.pub_date)?;
            if let Some(link) = &item.link {
                text(writer, "link", link)?;
            }
            text(writer, "description", &item.description)?;
            let length = item.enclosure.length.to_string();
            empty(
                writer,
                "enclosure",
                &[
                    ("url", &item.enclosure.url),
                    ("length", &length),
                    ("type", item.enclosure.mime),
                ],
            )?;
            text(
                writer,
                "itunes:duration",
                &item.duration_seconds.to_string(),
            )?;
            text(writer, "itunes:episodeType", "full")?;
            if let Some(image) = &item.image {
                empty(writer, "itunes:image", &[("href", image)])?;
            }
            if let Some(url) = &item.chapters_url {
                empty(
                    writer,
                    "podcast:chapters",
                    &[("url", url), ("type", "application/json+chapters")],
                )?;
            }
            for transcript in &item.transcripts {
                empty(
                    writer,
                    "podcast:transcript",
                    &[
                        ("url", &transcript.url),
                        ("type", transcript.mime),
                        ("language", &transcript.language),
                        ("rel", "captions"),
                    ],
                )?;
            }
            for person in &item.people {
                writer
                    .create_element("podcast:person")
                    .with_attribute(("role", person.role.as_str()))
                    .write_text_content(BytesText::new(&xml_chars(&person.name)))?;
            }
            Ok(())
        })?;
    Ok(())
}

fn text(writer: &mut Writer<Vec<u8>>, name: &str, content: &str) -> io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(&xml_chars(content)))?;
    Ok(())
}

fn empty(writer: &mut Writer<Vec<u8>>, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
    let attributes: Vec<(&str, String)> = attributes
        .iter()
        .map(|&(key, value)| (key, xml_chars(value)))
        .collect();
    writer
        .create_element(name)
        .with_attributes(attributes.iter().map(|(key, value)| (*key, value.as_str())))
        .write_empty()?;
    Ok(())
}

/// Keeps only the characters XML 1.0 can hold: one stray control character in a transcript
/// would otherwise make every reader refuse the whole feed.
fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
                || *c >= '\u{10000}'
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_controls_dropped() {
        let channel = Channel {
            title: "Tom & Jerry <live>\u{1}".to_string(),
            link: "https://example.org/".to_string(),
            description: "\"quoted\"".to_string(),
            language: "en".to_string(),
            author: "A".to_string(),
            image: Some("https://example.org/a.jpg?x=1&y=2".to_string()),
            podcast_guid: "g".to_string(),
            self_url: "https://example.org/feed.xml".to_string(),
            generator: "recast".to_string(),
        };
        let xml = String::from_utf8(render(&channel, &[])).unwrap();
        assert!(
            xml.contains("<title>Tom &amp; Jerry &lt;live&gt;</title>"),
            "{xml}"
        );
        assert!(xml.contains(r#"href="https://example.org/a.jpg?x=1&amp;y=2""#));
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss"));
        roxmltree::Document::parse(&xml).unwrap();
    }
}
