//! The web-page reader (html5ever into the markdown reader) and the encoding detector take
//! any bytes without panicking, with or without the user's speaker lists.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recast::transcript::{self, SpeakerOverrides};

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = transcript::encoding::decode(data, None) else {
        return;
    };
    let overrides = SpeakerOverrides {
        speakers: vec!["甲".into()],
        not_speakers: vec!["Note".into()],
    };
    for options in [&SpeakerOverrides::default(), &overrides] {
        if let Ok(t) = transcript::parse_html_with(&decoded.text, options) {
            let _ = recast::Script::from_transcript(&t);
        }
    }
});
