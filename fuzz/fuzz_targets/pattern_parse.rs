//! Parses arbitrary text as a command pattern: parsing must return a pattern
//! or an error whose span lies within the text, and a parsed pattern must
//! print its usage line.

#![no_main]

use backoffice_core::pattern::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    match Pattern::parse(source) {
        Ok(pattern) => {
            let _ = pattern.usage();
            let _ = pattern.placeholders();
        }
        Err(error) => {
            let span = error.span();
            assert!(span.start <= span.end, "{span:?} for {source:?}");
            assert!(span.end <= source.len(), "{span:?} for {source:?}");
        }
    }
});
