//! The script loader takes any JSON or TOML without panicking, and what it accepts
//! round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(script) = recast::Script::from_json_str(text) {
        let again = recast::Script::from_json_str(&script.to_json()).expect("own JSON loads");
        assert_eq!(again, script);
    }
    let _ = recast::Script::from_toml_str(text);
});
