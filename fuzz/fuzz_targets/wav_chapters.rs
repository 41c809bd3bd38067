//! The WAV chapter reader takes any bytes without panicking, and never reports a chapter
//! that starts past the end of the audio.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(data).expect("write");
    if let Ok(info) = recast::output::read_chapters(file.path()) {
        for chapter in &info.chapters {
            assert!(chapter.start <= info.frames);
        }
    }
});
