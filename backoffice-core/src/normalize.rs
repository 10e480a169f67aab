//! Undoes the markup Slack adds to what people type.
//!
//! Slack turns `acme.com` into `<http://acme.com|acme.com>`, an address into
//! `<mailto:a@example.com|a@example.com>`, escapes `&`, `<` and `>`, and
//! phones turn quotes curly. Patterns are written against what the person
//! typed, so the router sees the text after [`normalize`].

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// One piece of markup: an angle-bracket token or an HTML entity. Matching
/// both in one pass decodes every entity exactly once, left to right.
static MARKUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([^<>]*)>|&(amp|lt|gt);").expect("the markup regex is valid"));

/// The entities Slack escapes.
static ENTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&(amp|lt|gt);").expect("the entity regex is valid"));

/// A URI scheme at the start of a link token, such as `http:` or `tel:`.
static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.\-]*:").expect("the scheme regex is valid"));

/// Returns `text` as the person typed it: links show their label (or their
/// address when they have none), `mailto:` links their address, `&amp;`,
/// `&lt;` and `&gt;` are unescaped, curly quotes become straight quotes,
/// no-break spaces become spaces, runs of white space fold into one space and
/// the ends are trimmed. User and channel mentions (`<@U123>`, `<#C123|name>`)
/// stay as they are, so that a parameter type can parse them.
pub fn normalize(text: &str) -> String {
    let unescaped = MARKUP.replace_all(text, replace_markup);

    let straight: String = unescaped.chars().map(straighten_quote).collect();

    // `split_whitespace` splits on every Unicode `White_Space` character,
    // which includes U+00A0, U+2007 and U+202F.
    straight.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the replacement for one match of [`MARKUP`].
fn replace_markup(captures: &Captures<'_>) -> String {
    if let Some(entity) = captures.get(2) {
        return decode_entity(entity.as_str()).to_owned();
    }

    let whole = &captures[0];
    let inner = &captures[1];
    match link_text(inner) {
        Some(shown) => ENTITY
            .replace_all(shown, |c: &Captures<'_>| decode_entity(&c[1]))
            .into_owned(),
        None => whole.to_owned(),
    }
}

/// Returns the text a link token shows, or `None` when the token is not a
/// link: mentions (`@`), channels (`#`), special mentions (`!`) and anything
/// without a URI scheme stay as written.
fn link_text(inner: &str) -> Option<&str> {
    if let Some(mail) = inner.strip_prefix("mailto:") {
        let address = mail.split('|').next().unwrap_or(mail);
        return Some(address);
    }

    if !SCHEME.is_match(inner) {
        return None;
    }
    match inner.split_once('|') {
        Some((_, label)) if !label.is_empty() => Some(label),
        Some((url, _)) => Some(url),
        None => Some(inner),
    }
}

/// Returns the character an entity name stands for.
fn decode_entity(name: &str) -> &'static str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        _ => unreachable!("the entity regexes only match amp, lt and gt"),
    }
}

/// Replaces typographic quotes and primes with their ASCII counterparts.
fn straighten_quote(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        other => other,
    }
}

/// Returns the rest of `text` when it starts with a mention of `bot_user_id`
/// (`<@U123>` or `<@U123|name>`), trimmed, or `None` when it does not.
pub fn strip_mention<'a>(text: &'a str, bot_user_id: &str) -> Option<&'a str> {
    if bot_user_id.is_empty() {
        return None;
    }

    let after_id = text
        .trim_start()
        .strip_prefix("<@")?
        .strip_prefix(bot_user_id)?;

    let rest = match after_id.strip_prefix('>') {
        Some(rest) => rest,
        None => {
            let label = after_id.strip_prefix('|')?;
            let end = label.find('>')?;
            &label[end + 1..]
        }
    };

    // `<@U1>: help` and `<@U1>, help` address the bot like a person.
    let rest = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix(','))
        .unwrap_or(rest);
    Some(rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    #[test]
    fn link_with_label_shows_label() {
        assert_eq!(
            normalize("open <http://acme.com|acme.com> now"),
            "open acme.com now"
        );
    }

    #[test]
    fn link_without_label_shows_address() {
        assert_eq!(
            normalize("see <https://acme.com/a?b=1>"),
            "see https://acme.com/a?b=1"
        );
    }

    #[test]
    fn link_address_entities_decoded() {
        assert_eq!(
            normalize("<https://x.io/?a=1&amp;b=2>"),
            "https://x.io/?a=1&b=2"
        );
    }

    #[test]
    fn mailto_shows_address() {
        assert_eq!(
            normalize("mail <mailto:a@example.com|a@example.com>"),
            "mail a@example.com"
        );
        assert_eq!(normalize("<mailto:a@example.com>"), "a@example.com");
    }

    #[test]
    fn mailto_label_ignored() {
        assert_eq!(
            normalize("<mailto:a@example.com|write to us>"),
            "a@example.com"
        );
    }

    #[test]
    fn entities_decoded() {
        assert_eq!(normalize("a &amp; b &lt;c&gt;"), "a & b <c>");
    }

    #[test]
    fn entities_decoded_once() {
        assert_eq!(normalize("&amp;lt;"), "&lt;");
        assert_eq!(normalize("&amp;amp;"), "&amp;");
    }

    #[test]
    fn escaped_link_stays_literal() {
        assert_eq!(normalize("&lt;http://x&gt;"), "<http://x>");
    }

    #[test]
    fn curly_quotes_straightened() {
        assert_eq!(
            normalize("say \u{201C}hi there\u{201D} \u{2018}x\u{2019}"),
            "say \"hi there\" 'x'"
        );
        assert_eq!(
            normalize("\u{201E}a\u{201F} \u{201A}b\u{201B} 5\u{2032} 6\u{2033}"),
            "\"a\" 'b' 5' 6\""
        );
    }

    #[test]
    fn no_break_spaces_become_spaces() {
        assert_eq!(normalize("a\u{00A0}b\u{202F}c\u{2007}d"), "a b c d");
    }

    #[test]
    fn white_space_folded_and_trimmed() {
        assert_eq!(
            normalize("  show \t\n  account\u{3000}x  "),
            "show account x"
        );
        assert_eq!(normalize(" \u{00A0}\n"), "");
    }

    #[test]
    fn user_mentions_kept() {
        assert_eq!(normalize("ban <@U123>"), "ban <@U123>");
        assert_eq!(normalize("ban <@U123|jane>"), "ban <@U123|jane>");
    }

    #[test]
    fn channel_mention_kept() {
        assert_eq!(
            normalize("post in <#C123|general>"),
            "post in <#C123|general>"
        );
    }

    #[test]
    fn special_mentions_kept() {
        for token in ["<!here>", "<!channel>", "<!subteam^S123|@team>"] {
            assert_eq!(normalize(&format!("ping {token}")), format!("ping {token}"));
        }
    }

    #[test]
    fn non_link_brackets_kept() {
        assert_eq!(normalize("use <name> here"), "use <name> here");
        assert_eq!(normalize("a < b > c"), "a < b > c");
    }

    #[test]
    fn strip_mention_plain() {
        assert_eq!(strip_mention("<@U1> help", "U1"), Some("help"));
    }

    #[test]
    fn strip_mention_with_label() {
        assert_eq!(strip_mention("  <@U1|bot>   show x ", "U1"), Some("show x"));
    }

    #[test]
    fn strip_mention_drops_colon_and_comma() {
        assert_eq!(strip_mention("<@U1>: help", "U1"), Some("help"));
        assert_eq!(strip_mention("<@U1|bot>, help", "U1"), Some("help"));
    }

    #[test]
    fn strip_mention_keeps_emoji_colon() {
        assert_eq!(strip_mention("<@U1> :wave:", "U1"), Some(":wave:"));
    }

    #[test]
    fn strip_mention_only_mention() {
        assert_eq!(strip_mention("<@U1>", "U1"), Some(""));
    }

    #[test]
    fn strip_mention_rejects_other_text() {
        assert_eq!(strip_mention("<@U2> help", "U1"), None);
        assert_eq!(strip_mention("<@U12> help", "U1"), None);
        assert_eq!(strip_mention("help <@U1>", "U1"), None);
        assert_eq!(strip_mention("<@U1 help", "U1"), None);
        assert_eq!(strip_mention("<@U1|bot help", "U1"), None);
        assert_eq!(strip_mention("<@> help", ""), None);
    }

    /// Generates one piece of Slack text: a plain word, a link, an address,
    /// an entity, a curly quote or a mention.
    fn piece() -> impl Strategy<Value = String> {
        let word = "[a-zA-Z0-9.,:;!?'\"/@#-]{1,8}";
        prop_oneof![
            word.prop_map(String::from),
            (word, word).prop_map(|(url, label)| format!("<http://{url}|{label}>")),
            word.prop_map(|url| format!("<https://{url}>")),
            word.prop_map(|user| format!("<mailto:{user}@example.com|{user}@example.com>")),
            word.prop_map(|user| format!("<mailto:{user}@example.com>")),
            prop_oneof![Just("&amp;"), Just("&lt;"), Just("&gt;")].prop_map(String::from),
            prop_oneof![Just("\u{2018}"), Just("\u{201C}"), Just("\u{201D}")]
                .prop_map(String::from),
            "[A-Z0-9]{1,6}".prop_map(|id| format!("<@U{id}>")),
        ]
    }

    /// Generates Slack text from pieces separated by white space, so a
    /// decoded `&` or `<` can never join the next piece into a new entity or
    /// link.
    fn slack_text() -> impl Strategy<Value = String> {
        let space = prop_oneof![
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\n"),
            Just("\u{00A0}"),
            Just("\u{202F}"),
            Just("\u{2007}"),
        ];
        prop::collection::vec((space, piece()), 0..12).prop_map(|pieces| {
            pieces
                .into_iter()
                .map(|(space, piece)| format!("{space}{piece}"))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn markup_removed(text in slack_text()) {
            let output = normalize(&text);
            for markup in ["<http", "<mailto:", "&amp;", "&lt;", "&gt;"] {
                prop_assert!(!output.contains(markup), "{markup:?} in {output:?}");
            }
        }

        #[test]
        fn white_space_single_spaces(text in any::<String>()) {
            let output = normalize(&text);
            prop_assert!(!output.contains("  "), "double space in {output:?}");
            prop_assert!(
                output.chars().all(|c| c == ' ' || !c.is_whitespace()),
                "white space other than U+0020 in {output:?}"
            );
            prop_assert_eq!(output.trim(), output.as_str());
        }

        #[test]
        fn generated_white_space_single_spaces(text in slack_text()) {
            let output = normalize(&text);
            prop_assert!(!output.contains('\u{00A0}'), "no-break space in {output:?}");
            prop_assert!(!output.contains("  "), "double space in {output:?}");
            prop_assert_eq!(output.trim(), output.as_str());
        }

        #[test]
        fn idempotent_without_markup(text in "[^<>&]{0,40}") {
            let once = normalize(&text);
            prop_assert_eq!(normalize(&once), once);
        }

        #[test]
        fn arbitrary_input_no_panic(text in any::<String>(), id in "[A-Z0-9]{0,4}") {
            normalize(&text);
            strip_mention(&text, &id);
        }
    }
}
