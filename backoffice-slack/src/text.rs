//! Reply text preparation: escaping Slack's control characters and splitting
//! long replies into several messages.
//!
//! Slack reads `<…>` in message text as markup: `<!channel>` notifies a whole
//! channel and `<@U123>` mentions a person. Escaping `&`, `<` and `>` makes a
//! reply plain text, whatever a handler or a user-supplied value put into it.

/// The maximum length of one posted message, in characters after escaping.
///
/// Slack truncates `text` above 40,000 characters and recommends staying
/// under 4,000 for readability; 3,900 leaves room for Slack's own additions.
pub const MAX_MESSAGE_CHARS: usize = 3_900;

/// Escapes `&`, `<` and `>` as Slack requires for plain text.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        push_escaped(&mut escaped, character);
    }
    escaped
}

fn push_escaped(out: &mut String, character: char) {
    match character {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        other => out.push(other),
    }
}

fn escaped_len(character: char) -> usize {
    match character {
        '&' => 5,
        '<' | '>' => 4,
        _ => 1,
    }
}

/// Escapes `text` and splits it into messages of at most `limit` characters.
///
/// Splits fall at line boundaries; a single line longer than `limit` is split
/// between characters, never inside an escape. No text is dropped: only the
/// line breaks where a split falls are removed. An empty text gives one empty
/// part.
///
/// # Panics
///
/// Panics when `limit` is less than 5, the length of the longest escape.
pub fn escape_and_split(text: &str, limit: usize) -> Vec<String> {
    assert!(
        limit >= 5,
        "a message limit below 5 characters cannot hold an escape"
    );

    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;

    for line in text.split('\n') {
        let line_len: usize = line.chars().map(escaped_len).sum();
        let separator = usize::from(!current.is_empty());

        if current_len + separator + line_len <= limit {
            if separator == 1 {
                current.push('\n');
            }
            line.chars().for_each(|c| push_escaped(&mut current, c));
            current_len += separator + line_len;
            continue;
        }

        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
            current_len = 0;
        }
        for character in line.chars() {
            if current_len + escaped_len(character) > limit {
                parts.push(std::mem::take(&mut current));
                current_len = 0;
            }
            push_escaped(&mut current, character);
            current_len += escaped_len(character);
        }
    }

    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_mentions() {
        assert_eq!(
            escape("<!channel> & <@U1>"),
            "&lt;!channel&gt; &amp; &lt;@U1&gt;"
        );
    }

    #[test]
    fn escape_keeps_plain_text() {
        assert_eq!(escape("pong ✓\nline two"), "pong ✓\nline two");
    }

    #[test]
    fn split_short_text_is_one_part() {
        assert_eq!(escape_and_split("a\nb", 10), vec!["a\nb"]);
    }

    #[test]
    fn split_empty_text_is_one_empty_part() {
        assert_eq!(escape_and_split("", 10), vec![""]);
    }

    #[test]
    fn split_falls_at_line_boundaries() {
        let parts = escape_and_split("aaaa\nbbbb\ncccc", 9);
        assert_eq!(parts, vec!["aaaa\nbbbb", "cccc"]);
    }

    #[test]
    fn split_long_line_between_characters() {
        let parts = escape_and_split("abcdefghij", 5);
        assert_eq!(parts, vec!["abcde", "fghij"]);
    }

    #[test]
    fn split_counts_escaped_length() {
        let parts = escape_and_split("<<<", 8);
        assert_eq!(parts, vec!["&lt;&lt;", "&lt;"]);
    }

    #[test]
    fn split_never_cuts_an_escape() {
        let parts = escape_and_split("a&b&c", 6);
        assert_eq!(parts, vec!["a&amp;", "b&amp;", "c"]);
    }

    #[test]
    fn split_loses_no_text() {
        let text: String = (0..2_000)
            .map(|i| format!("line {i} with <markup> & more\n"))
            .collect();
        let parts = escape_and_split(&text, MAX_MESSAGE_CHARS);

        assert!(parts.len() > 1);
        for part in &parts {
            assert!(
                part.chars().count() <= MAX_MESSAGE_CHARS,
                "part of {}",
                part.len()
            );
        }
        assert_eq!(parts.join("\n"), escape(&text));
    }

    #[test]
    fn split_keeps_line_breaks_inside_parts() {
        let parts = escape_and_split("ab\n\ncd", 10);
        assert_eq!(parts, vec!["ab\n\ncd"]);
    }
}
