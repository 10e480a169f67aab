//! Normalises arbitrary message text: the result must have no leading,
//! trailing or repeated white space, and stripping the bot's mention must
//! return the trimmed end of the text.

#![no_main]

use backoffice_core::normalize::{normalize, strip_mention};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let normal = normalize(text);
    assert_eq!(normal.trim(), normal, "{text:?}");
    assert!(!normal.contains("  "), "{text:?}");

    if let Some(rest) = strip_mention(text, "UBOT") {
        assert!(text.trim_end().ends_with(rest), "{text:?}");
        assert_eq!(rest.trim(), rest, "{text:?}");
    }
});
