//! Undoes the markup Slack adds to what people type.
//!
//! Slack turns `acme.com` into `<http://acme.com|acme.com>`, an address into
//! `<mailto:a@example.com|a@example.com>`, escapes `&`, `<` and `>`, and
//! phones turn quotes curly. Patterns are written against what the person
//! typed, so the router sees the text after [`normalize`].

/// Returns `text` as the person typed it: links show their label (or their
/// address when they have none), `mailto:` links their address, `&amp;`,
/// `&lt;` and `&gt;` are unescaped, curly quotes become straight quotes,
/// no-break spaces become spaces, runs of white space fold into one space and
/// the ends are trimmed. User and channel mentions (`<@U123>`, `<#C123|name>`)
/// stay as they are, so that a parameter type can parse them.
pub fn normalize(text: &str) -> String {
    todo!("{text}")
}

/// Returns the rest of `text` when it starts with a mention of `bot_user_id`
/// (`<@U123>` or `<@U123|name>`), trimmed, or `None` when it does not.
pub fn strip_mention<'a>(text: &'a str, bot_user_id: &str) -> Option<&'a str> {
    todo!("{text} {bot_user_id}")
}
