//! The words of a message, and the case folding that makes two spellings of
//! a literal word compare equal.

use std::borrow::Cow;
use std::ops::Range;

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

/// Returns whether `c` separates words. These are the bytes that `\s`
/// matches in the forms' regular expressions, which run with Unicode
/// classes off: tab, line feed, vertical tab, form feed, carriage return
/// and space.
fn is_separator(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0B' | '\x0C' | '\r' | ' ')
}

/// Splits `text` into the runs of characters between separators.
pub(super) fn split(text: &str) -> Vec<&str> {
    text.split(is_separator)
        .filter(|word| !word.is_empty())
        .collect()
}

/// Returns the byte range of `word` in `text`.
///
/// # Panics
///
/// Panics if `word` is not a part of `text`, as the words that [`split`]
/// returns are.
pub(super) fn span(text: &str, word: &str) -> Range<usize> {
    let start = (word.as_ptr() as usize)
        .checked_sub(text.as_ptr() as usize)
        .filter(|start| start + word.len() <= text.len())
        .expect("the word is a part of the text");
    start..start + word.len()
}

/// Folds `word` so that two words that a case-insensitive literal treats as
/// equal fold to the same string.
///
/// Each character maps to the smallest character of its class under the
/// simple case folding that the `regex` crate uses for `(?i)`, and ASCII
/// letters then to lowercase. Words that differ only in ASCII case fold to
/// the same string as well. ASCII words without capitals are returned
/// without a copy.
pub(super) fn fold(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        if word.bytes().any(|byte| byte.is_ascii_uppercase()) {
            return Cow::Owned(word.to_ascii_lowercase());
        }
        return Cow::Borrowed(word);
    }

    Cow::Owned(word.chars().map(fold_char).collect())
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }

    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    let smallest = class.ranges().first().map_or(c, ClassUnicodeRange::start);
    smallest.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    use regex::bytes::Regex;

    #[test]
    fn separators_match_regex_white_space() {
        let white_space = Regex::new(r"(?-u)^\s$").unwrap();
        for byte in 0..=0x7F_u8 {
            assert_eq!(
                is_separator(char::from(byte)),
                white_space.is_match(&[byte]),
                "byte {byte:#04x}"
            );
        }
    }

    #[test]
    fn split_skips_runs_of_separators() {
        assert_eq!(
            split("show \t account\x0Bacme "),
            ["show", "account", "acme"]
        );
        assert_eq!(split("a\u{a0}b"), ["a\u{a0}b"]);
        assert!(split("").is_empty());
    }

    #[test]
    fn span_locates_each_word() {
        let text = "grüße  an\talle";
        let spans: Vec<Range<usize>> = split(text).iter().map(|word| span(text, word)).collect();

        assert_eq!(spans, [0..7, 9..11, 12..16]);
    }

    #[test]
    #[should_panic(expected = "the word is a part of the text")]
    fn span_rejects_foreign_word() {
        let _ = span("show", "elsewhere");
    }

    #[test]
    fn fold_ascii_lowercases() {
        assert!(matches!(fold("show"), Cow::Borrowed("show")));
        assert_eq!(fold("ShOw$?"), "show$?");
    }

    #[test]
    fn fold_unicode_classes() {
        assert_eq!(fold("GRÜßE"), fold("grüße"));
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
        assert_eq!(fold("\u{212A}ick"), "kick");
        assert_eq!(fold("\u{17F}tra\u{1E9E}e"), fold("straße"));
        assert_ne!(fold("grüsse"), fold("grüße"));
    }

    /// Every pair of characters that `(?i)` treats as equal folds alike.
    #[test]
    fn fold_agrees_with_regex_case_folding() {
        for c in ('\0'..=char::MAX).filter(|c| !c.is_ascii()) {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            class.case_fold_simple();
            for range in class.ranges() {
                for other in range.start()..=range.end() {
                    assert_eq!(fold_char(other), fold_char(c), "{c:?} and {other:?}");
                }
            }
        }
    }
}
