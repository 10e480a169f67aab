//! Forms: the plain token sequences a pattern expands into, one for each
//! choice of its optional groups, and how a form matches the words of a
//! message and takes its placeholder values from them.
//!
//! Each form also has a regular expression, built by `Form::regex_source`
//! in the test code, which defines what the form matches and what its
//! placeholders capture. The word matcher implements that definition
//! without compiling it, and the tests check the two against each other.

use std::ops::Range;

use super::words;
use super::Args;
use crate::pattern::{Pattern, Segment};

/// The quote characters that delimit a quoted string.
const QUOTES: [char; 2] = ['"', '\''];

/// One token of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// A literal word, as written in the pattern.
    Literal(String),
    /// A `<name>` placeholder, by name.
    Word(String),
    /// A `<name...>` placeholder, by name.
    Rest(String),
}

/// One form of a command's pattern.
#[derive(Debug, Clone)]
pub(super) struct Form {
    /// The index of the command's pattern.
    pub(super) command: usize,
    /// The tokens, in order.
    pub(super) tokens: Vec<Token>,
    /// The folded literal word of each token (see [`words::fold`]), or
    /// `None` for a placeholder.
    pub(super) keys: Vec<Option<String>>,
    /// The number of literal words: the more, the more specific.
    pub(super) specificity: usize,
}

impl Form {
    fn new(command: usize, tokens: Vec<Token>) -> Self {
        let keys: Vec<Option<String>> = tokens
            .iter()
            .map(|token| match token {
                Token::Literal(word) => Some(words::fold(word).into_owned()),
                Token::Word(_) | Token::Rest(_) => None,
            })
            .collect();
        let specificity = keys.iter().flatten().count();
        Self {
            command,
            tokens,
            keys,
            specificity,
        }
    }

    /// Returns the folded literal words before the first placeholder.
    pub(super) fn leading_keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map_while(Option::as_deref)
    }

    /// Returns the folded literal words after the last placeholder, last
    /// first, or nothing when the form has no placeholder.
    pub(super) fn trailing_keys(&self) -> impl Iterator<Item = &str> {
        let has_placeholder = self.keys.iter().any(Option::is_none);
        self.keys
            .iter()
            .rev()
            .take_while(move |_| has_placeholder)
            .map_while(Option::as_deref)
    }

    /// Returns whether the form matches a message split into `words` by
    /// [`words::split`], exactly as the form's regular expression matches
    /// the message.
    ///
    /// The form is run as an automaton over word positions: a literal takes
    /// one word, a `<name>` placeholder takes one word or a quoted string
    /// spanning several, and a `<name...>` placeholder takes one or more.
    pub(super) fn matches(&self, words: &[&str]) -> bool {
        let mut reached = vec![false; words.len() + 1];
        let mut next = vec![false; words.len() + 1];
        reached[0] = true;

        for (token, key) in self.tokens.iter().zip(&self.keys) {
            next.fill(false);
            for start in (0..words.len()).filter(|&start| reached[start]) {
                match token {
                    Token::Literal(literal) => {
                        next[start + 1] |= literal_matches(literal, key.as_deref(), words[start]);
                    }
                    Token::Word(_) => {
                        next[start + 1] = true;
                        for quote in QUOTES {
                            if let Some(end) = quoted_span_end(words, start, quote) {
                                next[end] = true;
                            }
                        }
                    }
                    Token::Rest(_) => next[start + 1..].fill(true),
                }
            }
            std::mem::swap(&mut reached, &mut next);
        }

        reached[words.len()]
    }

    /// Returns the placeholder values of the form's match of `text`, or
    /// `None` when the form does not match. `words` are the words of `text`
    /// as [`words::split`] returns them.
    ///
    /// Where the message can match in several ways, the values are those
    /// that the form's regular expression captures. Each token takes its
    /// first choice that still lets the rest of the form match: a `<name>`
    /// placeholder prefers a double-quoted string, then a single-quoted
    /// one, then a plain word, and a `<name...>` placeholder the most
    /// words. Quotes are removed from a quoted string.
    pub(super) fn args(&self, text: &str, words: &[&str]) -> Option<Args> {
        let completes = self.completions(text, words);
        if !completes[0][0] {
            return None;
        }

        let mut args = Args::default();
        let mut position = 0;
        for (index, token) in self.tokens.iter().enumerate() {
            let step = self
                .steps(index, text, words, position)
                .into_iter()
                .find(|step| completes[index + 1][step.end])
                .expect("a position from which the form completes has a step that keeps it so");
            if let (Token::Word(name) | Token::Rest(name), Some(span)) = (token, step.value) {
                args.insert(name.as_str(), &text[span]);
            }
            position = step.end;
        }
        Some(args)
    }

    /// Returns, for each token index `i` and word position `p`, whether the
    /// tokens from `i` on match exactly the words from `p` on.
    fn completions(&self, text: &str, words: &[&str]) -> Vec<Vec<bool>> {
        let count = self.tokens.len();
        let mut completes = vec![vec![false; words.len() + 1]; count + 1];
        completes[count][words.len()] = true;

        for index in (0..count).rev() {
            let (row, next) = completes.split_at_mut(index + 1);
            let (row, next) = (&mut row[index], &next[0]);

            if matches!(self.tokens[index], Token::Rest(_)) {
                // A rest placeholder takes one or more words, so it
                // completes where any later position completes.
                let mut later = false;
                for position in (0..words.len()).rev() {
                    later |= next[position + 1];
                    row[position] = later;
                }
                continue;
            }
            for (position, slot) in row.iter_mut().enumerate() {
                *slot = self
                    .steps(index, text, words, position)
                    .iter()
                    .any(|step| next[step.end]);
            }
        }
        completes
    }

    /// Returns the ways token `index` can match the words from `position`,
    /// in the order the regular expression tries them.
    fn steps(&self, index: usize, text: &str, words: &[&str], position: usize) -> Vec<Step> {
        let Some(&word) = words.get(position) else {
            return Vec::new();
        };
        let span = words::span(text, word);

        match &self.tokens[index] {
            Token::Literal(literal) => {
                let matched = literal_matches(literal, self.keys[index].as_deref(), word);
                matched
                    .then_some(Step::new(position + 1, None))
                    .into_iter()
                    .collect()
            }
            Token::Word(_) => {
                let mut steps: Vec<Step> = QUOTES
                    .iter()
                    .filter_map(|&quote| quoted_step(text, words, position, quote))
                    .collect();
                steps.push(Step::new(position + 1, Some(span)));
                steps
            }
            Token::Rest(_) => (position + 1..=words.len())
                .rev()
                .map(|end| {
                    let last = words::span(text, words[end - 1]);
                    Step::new(end, Some(span.start..last.end))
                })
                .collect(),
        }
    }
}

/// One way a token matches: the word position after it and, for a
/// placeholder, the bytes of its value in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    end: usize,
    value: Option<Range<usize>>,
}

impl Step {
    fn new(end: usize, value: Option<Range<usize>>) -> Self {
        Self { end, value }
    }
}

/// Returns the step of a string quoted with `quote` that opens at
/// `words[position]`, or `None` when there is none.
///
/// As `"([^"]*)"` does, the string opens with the word's first character
/// and closes at the next `quote` in the text, which must end a word. The
/// value is the text between the two quotes, separators included.
fn quoted_step(text: &str, words: &[&str], position: usize, quote: char) -> Option<Step> {
    let tail = words[position].strip_prefix(quote)?;
    let opening = words::span(text, words[position]).start;

    let end = match tail.find(quote) {
        Some(offset) if offset + quote.len_utf8() == tail.len() => position + 1,
        Some(_) => return None,
        None => quoted_span_end(words, position, quote)?,
    };
    let closing = words::span(text, words[end - 1]).end - quote.len_utf8();
    Some(Step::new(end, Some(opening + quote.len_utf8()..closing)))
}

/// Returns whether `word` matches the literal word `literal`, whose folded
/// form is `key`, as the literal's regular expression matches it.
fn literal_matches(literal: &str, key: Option<&str>, word: &str) -> bool {
    if literal.is_ascii() {
        return word.eq_ignore_ascii_case(literal);
    }
    key == Some(words::fold(word).as_ref())
}

/// Returns the position after a quoted string of two or more words that
/// starts at `words[start]`, or `None` when there is none. The string opens
/// with a word that starts with `quote` and has no other, continues with
/// words without `quote` and closes with a word that ends with `quote` and
/// has no other. A quoted string within one word is a plain word.
fn quoted_span_end(words: &[&str], start: usize, quote: char) -> Option<usize> {
    let tail = words[start].strip_prefix(quote)?;
    if tail.contains(quote) {
        return None;
    }

    let offset = words[start + 1..]
        .iter()
        .position(|word| word.contains(quote))?;
    let close = start + 1 + offset;
    let head = words[close].strip_suffix(quote)?;
    (!head.contains(quote)).then_some(close + 1)
}

/// Expands the pattern of command `command` into its forms.
///
/// Forms come in a fixed order: for each optional group in turn, the forms
/// that include it come before those that leave it out. The router breaks
/// ties between equally specific forms of one command by this order.
pub(super) fn expand(command: usize, pattern: &Pattern) -> Vec<Form> {
    let mut sequences: Vec<Vec<Token>> = vec![Vec::new()];

    for segment in pattern.segments() {
        match segment {
            Segment::Optional(inner) => {
                let inner_tokens: Vec<Token> = inner.iter().filter_map(token_of).collect();
                sequences = sequences
                    .into_iter()
                    .flat_map(|without| {
                        let mut with = without.clone();
                        with.extend(inner_tokens.iter().cloned());
                        [with, without]
                    })
                    .collect();
            }
            other => {
                let token = token_of(other).expect("a segment outside a group is a token");
                for sequence in &mut sequences {
                    sequence.push(token.clone());
                }
            }
        }
    }

    sequences
        .into_iter()
        .map(|tokens| Form::new(command, tokens))
        .collect()
}

/// Returns the token of a literal or placeholder segment, or `None` for an
/// optional group.
fn token_of(segment: &Segment) -> Option<Token> {
    match segment {
        Segment::Literal(word) => Some(Token::Literal(word.clone())),
        Segment::Placeholder(placeholder) if placeholder.rest => {
            Some(Token::Rest(placeholder.name.clone()))
        }
        Segment::Placeholder(placeholder) => Some(Token::Word(placeholder.name.clone())),
        Segment::Optional(_) => None,
    }
}

/// The regular expressions that define what a form matches and captures.
/// The router does not compile them: the tests check the word matcher
/// against them.
///
/// They run over bytes with Unicode classes off. White space between words
/// is therefore ASCII white space, which is all `normalize` leaves. Literal
/// words keep Unicode case-insensitive matching.
#[cfg(test)]
mod definition {
    use regex::bytes::Regex;

    use super::{Form, Token};
    use crate::router::Args;

    /// The regular expression of a `<name>` placeholder: a double-quoted
    /// string, a single-quoted string or one run of non-white-space bytes.
    /// The three alternatives are three capture groups.
    const WORD: &str = r#"(?:"([^"]*)"|'([^']*)'|(\S+))"#;

    /// The number of capture groups in [`WORD`].
    const WORD_GROUPS: usize = 3;

    /// The regular expression of a `<name...>` placeholder: one or more
    /// words, starting and ending with a non-white-space byte.
    const REST: &str = r"(\S(?s:.*\S)?)";

    impl Form {
        /// Returns the anchored regular expression of the form, with a
        /// capture group for each placeholder. It runs over the bytes of the
        /// text.
        pub(in crate::router) fn regex_source(&self) -> String {
            let parts: Vec<String> = self
                .tokens
                .iter()
                .map(|token| match token {
                    Token::Literal(literal) => literal_regex(literal),
                    Token::Word(_) => WORD.to_owned(),
                    Token::Rest(_) => REST.to_owned(),
                })
                .collect();
            format!(r"(?-u)^{}$", parts.join(r"\s+"))
        }

        /// Compiles `Form::regex_source` (test code).
        pub(in crate::router) fn regex(&self) -> Regex {
            Regex::new(&self.regex_source()).expect("a form's regular expression compiles")
        }

        /// Returns the values that [`Form::regex`] captures in `text`,
        /// without the quotes of a quoted string, or `None` when it does not
        /// match.
        pub(in crate::router) fn regex_args(&self, text: &str) -> Option<Args> {
            let captures = self.regex().captures(text.as_bytes())?;
            let mut args = Args::default();
            let mut group = 1;

            for token in &self.tokens {
                let (name, groups) = match token {
                    Token::Literal(_) => continue,
                    Token::Word(name) => (name, WORD_GROUPS),
                    Token::Rest(name) => (name, 1),
                };
                let value = (group..group + groups).find_map(|index| captures.get(index));
                let text = value.map_or_else(String::new, |m| {
                    String::from_utf8_lossy(m.as_bytes()).into_owned()
                });
                args.insert(name.as_str(), text);
                group += groups;
            }
            Some(args)
        }
    }

    /// Returns the case-insensitive regular expression of a literal word.
    /// ASCII words use ASCII case-insensitivity, which differs from Unicode
    /// case folding only in `K` (U+212A, the Kelvin sign) and `ſ` (U+017F,
    /// long s).
    fn literal_regex(word: &str) -> String {
        let escaped = regex::escape(word);
        if word.is_ascii() {
            format!("(?i:{escaped})")
        } else {
            format!("(?u:(?i:{escaped}))")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn shapes(source: &str) -> Vec<String> {
        let pattern = Pattern::parse(source).unwrap();
        expand(0, &pattern)
            .iter()
            .map(|form| {
                let words: Vec<String> = form
                    .tokens
                    .iter()
                    .map(|token| match token {
                        Token::Literal(word) => word.clone(),
                        Token::Word(name) => format!("<{name}>"),
                        Token::Rest(name) => format!("<{name}...>"),
                    })
                    .collect();
                words.join(" ")
            })
            .collect()
    }

    #[test]
    fn expand_without_groups() {
        assert_eq!(shapes("show <a> <b...>"), ["show <a> <b...>"]);
    }

    #[test]
    fn expand_groups_included_first() {
        assert_eq!(
            shapes("a [b] c [<d>]"),
            ["a b c <d>", "a b c", "a c <d>", "a c"]
        );
    }

    #[test]
    fn expand_six_groups() {
        assert_eq!(shapes("x [a] [b] [c] [d] [e] [f]").len(), 64);
    }

    #[test]
    fn specificity_counts_literals() {
        let pattern = Pattern::parse("extend <s> trial [by <n> days]").unwrap();
        let counts: Vec<usize> = expand(0, &pattern).iter().map(|f| f.specificity).collect();
        assert_eq!(counts, [4, 2]);
    }

    /// Generates a pattern over a few literal words, some of them non-ASCII,
    /// with placeholders, optional groups and a rest placeholder.
    fn pattern_source() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just("a"),
            Just("Straße"),
            Just("k"),
            Just("<>"),
            Just("[a <>]"),
            Just("[<>]"),
            Just("[<> a]"),
            Just("[b]"),
        ];
        (prop::collection::vec(part, 1..5), any::<bool>()).prop_map(|(parts, rest)| {
            let mut words: Vec<String> = Vec::new();
            for (index, part) in parts.iter().enumerate() {
                words.push(part.replace("<>", &format!("<p{index}>")));
            }
            if rest {
                words.push("<rest...>".to_owned());
            }
            words.join(" ")
        })
    }

    /// Generates a message from words that spell the literals in other
    /// cases, open and close quoted strings (some next to multi-byte
    /// characters, some empty), and separators that `\s` matches or does
    /// not. An empty separator joins two words into one.
    fn message() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            Just("a"),
            Just("A"),
            Just("b"),
            Just("STRASSE"),
            Just("STRA\u{1E9E}E"),
            Just("\u{17F}tra\u{DF}e"),
            Just("K"),
            Just("\u{212A}"),
            Just("x"),
            Just("\"x"),
            Just("x\""),
            Just("'x"),
            Just("x'"),
            Just("\""),
            Just("'"),
            Just("\"x\""),
            Just("\"x'"),
            Just("x\"y"),
            Just("\"\""),
            Just("''"),
            Just("'\"'"),
            Just("\"\u{e9}"),
            Just("\u{e9}\""),
            Just("'\u{1F389}"),
            Just("\u{1F389}'"),
            Just("\"\u{a0}"),
        ];
        let separator = prop_oneof![
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\n"),
            Just("\r"),
            Just("\x0B"),
            Just("\x0C"),
            Just("\u{a0}"),
            Just(""),
        ];
        prop::collection::vec((separator, word), 0..10).prop_map(|pieces| {
            pieces
                .into_iter()
                .map(|(separator, word)| format!("{separator}{word}"))
                .collect()
        })
    }

    /// Returns the values that the word matcher takes for `form` from `text`.
    fn word_args(form: &Form, text: &str) -> Option<Args> {
        form.args(text, &words::split(text))
    }

    #[test]
    fn args_prefer_quoted_strings() {
        let pattern = Pattern::parse("say <a> <b>").unwrap();
        let form = &expand(0, &pattern)[0];

        let args = word_args(form, r#"say "x  y" 'z'"#).unwrap();
        assert_eq!(args.get("a"), Some("x  y"));
        assert_eq!(args.get("b"), Some("z"));

        let args = word_args(form, r#"say "x y"#).unwrap();
        assert_eq!(args.get("a"), Some("\"x"));
        assert_eq!(args.get("b"), Some("y"));
    }

    #[test]
    fn args_rest_keeps_inner_white_space() {
        let pattern = Pattern::parse("note <who> <text...>").unwrap();
        let form = &expand(0, &pattern)[0];

        let args = word_args(form, "note bob  call\tback later").unwrap();
        assert_eq!(args.get("who"), Some("bob"));
        assert_eq!(args.get("text"), Some("call\tback later"));
    }

    #[test]
    fn args_none_without_match() {
        let pattern = Pattern::parse("show <a>").unwrap();
        let form = &expand(0, &pattern)[0];

        assert!(word_args(form, "show").is_none());
        assert!(word_args(form, "show a b").is_none());
        assert!(word_args(form, "list a").is_none());
    }

    /// A message and the placeholder values expected from it, by name in
    /// pattern order, or `None` when the form does not match it.
    type ArgsCase<'a> = (&'a str, Option<&'a [(&'a str, &'a str)]>);

    /// Checks the word matcher's values for the first form of `source` on
    /// each case, and that the regular expression captures the same.
    fn check_args(source: &str, cases: &[ArgsCase<'_>]) {
        let pattern = Pattern::parse(source).unwrap();
        let form = &expand(0, &pattern)[0];

        for &(text, expected) in cases {
            let expected = expected.map(|pairs| {
                let mut args = Args::default();
                for &(name, value) in pairs {
                    args.insert(name, value);
                }
                args
            });
            assert_eq!(word_args(form, text), expected, "{source:?} on {text:?}");
            assert_eq!(
                form.regex_args(text),
                expected,
                "regular expression of {source:?} on {text:?}"
            );
        }
    }

    #[test]
    fn args_empty_and_lone_quotes() {
        check_args(
            "say <a> <b>",
            &[
                ("say \"\" ''", Some(&[("a", ""), ("b", "")])),
                ("say \" x\" y", Some(&[("a", " x"), ("b", "y")])),
                ("say \" \"x", Some(&[("a", "\""), ("b", "\"x")])),
                ("say \"\"\" x", Some(&[("a", "\"\"\""), ("b", "x")])),
                ("say x\"\" y", Some(&[("a", "x\"\""), ("b", "y")])),
                ("say ' \" '", None),
            ],
        );
        check_args("say <a>", &[("say ' \" '", Some(&[("a", " \" ")]))]);
    }

    #[test]
    fn args_closing_quote_ends_word() {
        check_args(
            "say <a> <b>",
            &[
                ("say \"a b\"c\" d", None),
                ("say \"a b\"c\"", Some(&[("a", "\"a"), ("b", "b\"c\"")])),
                ("say 'a b'c d'", None),
                ("say 'a b'c", Some(&[("a", "'a"), ("b", "b'c")])),
            ],
        );
    }

    #[test]
    fn args_quotes_next_to_multi_byte() {
        check_args(
            "say <a> <b>",
            &[
                (
                    "say \"\u{e9}\" '\u{fc} \u{1F389}'",
                    Some(&[("a", "\u{e9}"), ("b", "\u{fc} \u{1F389}")]),
                ),
                (
                    "say \u{e9}\"x \"y",
                    Some(&[("a", "\u{e9}\"x"), ("b", "\"y")]),
                ),
                ("say \"x\u{a0}y\" z", Some(&[("a", "x\u{a0}y"), ("b", "z")])),
                (
                    "say \"x\u{a0}y z\"",
                    Some(&[("a", "\"x\u{a0}y"), ("b", "z\"")]),
                ),
                (
                    "say \u{a0}\"x\" y",
                    Some(&[("a", "\u{a0}\"x\""), ("b", "y")]),
                ),
            ],
        );
    }

    #[test]
    fn args_rest_after_quoted_string() {
        check_args(
            "note <who> <text...>",
            &[
                (
                    "note \"a b\" c  d",
                    Some(&[("who", "a b"), ("text", "c  d")]),
                ),
                ("note \"a b\"", Some(&[("who", "\"a"), ("text", "b\"")])),
                ("note '' \"x y\"", Some(&[("who", ""), ("text", "\"x y\"")])),
            ],
        );
    }

    #[test]
    fn args_literal_case_folding() {
        check_args(
            "Stra\u{df}e <a>",
            &[
                ("STRA\u{1E9E}E x", Some(&[("a", "x")])),
                ("\u{17F}tra\u{df}e x", Some(&[("a", "x")])),
                ("STRASSE x", None),
            ],
        );
        check_args(
            "k <a>",
            &[("K x", Some(&[("a", "x")])), ("\u{212A} x", None)],
        );
        check_args("k\u{f6} <a>", &[("\u{212A}\u{d6} x", Some(&[("a", "x")]))]);
    }

    /// Messages of about 40,000 characters get the values that the regular
    /// expression captures.
    #[test]
    fn args_long_message() {
        let quoted = vec!["x"; 12_000].join(" ");
        let rest = vec!["\"w"; 5_000].join(" ");
        let text = format!("say \"{quoted}\" '\u{e9} \u{1F389}' {rest}");
        let pattern = Pattern::parse("say <a> <b> <rest...>").unwrap();
        let form = &expand(0, &pattern)[0];

        let args = word_args(form, &text).unwrap();
        assert_eq!(args.get("a"), Some(quoted.as_str()));
        assert_eq!(args.get("b"), Some("\u{e9} \u{1F389}"));
        assert_eq!(args.get("rest"), Some(rest.as_str()));
        assert_eq!(Some(args), form.regex_args(&text));

        let lone_quotes = vec!["\""; 20_000].join(" ");
        let text = format!("say {lone_quotes}");
        assert_eq!(word_args(form, &text), form.regex_args(&text));
    }

    proptest! {
        #[test]
        fn args_agree_with_regex(source in pattern_source(), text in message()) {
            let pattern = Pattern::parse(&source).unwrap();
            let text = text.trim();
            for form in expand(0, &pattern) {
                prop_assert_eq!(
                    word_args(&form, text),
                    form.regex_args(text),
                    "form {:?} on {:?}",
                    form.regex_source(),
                    text
                );
            }
        }

        #[test]
        fn matches_agrees_with_regex(source in pattern_source(), text in message()) {
            let pattern = Pattern::parse(&source).unwrap();
            let text = text.trim();
            let words = words::split(text);
            for form in expand(0, &pattern) {
                let expected = form.regex().is_match(text.as_bytes());
                prop_assert_eq!(
                    form.matches(&words),
                    expected,
                    "form {:?} on {:?}",
                    form.regex_source(),
                    text
                );
            }
        }
    }
}
