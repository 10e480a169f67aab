//! Routes an arbitrary message among arbitrary patterns. The input's lines
//! are the patterns, and its last line is the message. Invalid patterns are
//! skipped, and a set with conflicts is not routed.

#![no_main]

use backoffice_core::normalize::normalize;
use backoffice_core::pattern::Pattern;
use backoffice_core::router::Router;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let mut lines: Vec<&str> = input.lines().collect();
    let Some(message) = lines.pop() else {
        return;
    };
    let patterns: Vec<Pattern> = lines
        .iter()
        .take(8)
        .filter_map(|source| Pattern::parse(source).ok())
        .collect();
    let count = patterns.len();
    let Ok(router) = Router::new(patterns) else {
        return;
    };

    let text = normalize(message);
    if let Some(found) = router.route(&text, |_| true) {
        assert!(found.command < count);
    }
    assert!(router.route(&text, |_| false).is_none());
});
