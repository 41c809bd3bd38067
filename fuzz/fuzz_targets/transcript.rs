//! The transcript parser and script builder take any text without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(transcript) = recast::transcript::parse(text)
    {
        let _ = recast::Script::from_transcript(&transcript);
    }
});
