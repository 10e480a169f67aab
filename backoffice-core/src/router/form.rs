//! Forms: the plain token sequences a pattern expands into, one for each
//! choice of its optional groups, how a form matches the words of a message,
//! and the regular expression that extracts its placeholder values.

use std::sync::OnceLock;

use regex::bytes::{Captures, Regex};

use super::words;
use super::Args;
use crate::pattern::{Pattern, Segment};

// The regular expressions run over bytes with Unicode classes off, because
// a Unicode `\S` compiles to an automaton several times larger. White space
// between words is therefore ASCII white space, which is all `normalize`
// leaves. Literal words keep Unicode case-insensitive matching.

/// The regular expression of a `<name>` placeholder: a double-quoted string,
/// a single-quoted string or one run of non-white-space bytes. The three
/// alternatives are three capture groups.
const WORD: &str = r#"(?:"([^"]*)"|'([^']*)'|(\S+))"#;

/// The number of capture groups in [`WORD`].
const WORD_GROUPS: usize = 3;

/// The regular expression of a `<name...>` placeholder: one or more words,
/// starting and ending with a non-white-space byte.
const REST: &str = r"(\S(?s:.*\S)?)";

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

/// One form of a command's pattern, with its regular expression compiled on
/// first use.
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
    /// The form's own regular expression, used for captures. It is compiled
    /// lazily because only forms that win a match need it.
    regex: OnceLock<Regex>,
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
            regex: OnceLock::new(),
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
    /// [`words::split`], exactly as [`Form::regex`] matches the message.
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

    /// Returns the anchored regular expression of the form, with a capture
    /// group for each placeholder. It runs over the bytes of the text.
    pub(super) fn regex_source(&self) -> String {
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

    /// Returns the form's regular expression, compiling it on first use.
    ///
    /// NOTE: a compiled regular expression is kept for the router's life, so
    /// memory grows with the number of distinct forms that have won a match.
    ///
    /// # Panics
    ///
    /// Panics if the regular expression fails to compile. Literal words are
    /// escaped and placeholders are fixed fragments, so only a pattern far
    /// beyond the `regex` crate's default size limit could fail.
    pub(super) fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.regex_source()).expect("a form's regular expression compiles")
        })
    }

    /// Returns the placeholder values of a match of [`Form::regex`], without
    /// the quotes of a quoted string.
    pub(super) fn args(&self, captures: &Captures<'_>) -> Args {
        let mut args = Args::default();
        let mut group = 1;

        for token in &self.tokens {
            let (name, groups) = match token {
                Token::Literal(_) => continue,
                Token::Word(name) => (name, WORD_GROUPS),
                Token::Rest(name) => (name, 1),
            };
            let value = (group..group + groups).find_map(|index| captures.get(index));
            // Every group starts and ends next to ASCII or at an end of the
            // text, so its bytes are valid UTF-8 and nothing is lost.
            let text = value.map_or_else(String::new, |m| {
                String::from_utf8_lossy(m.as_bytes()).into_owned()
            });
            args.insert(name.as_str(), text);
            group += groups;
        }

        args
    }
}

/// Returns whether `word` matches the literal word `literal`, whose folded
/// form is `key`, as [`literal_regex`] matches it.
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

/// Returns the case-insensitive regular expression of a literal word. ASCII
/// words use ASCII case-insensitivity, which compiles to a smaller automaton
/// than Unicode case folding and differs from it only in `K` (U+212A, the
/// Kelvin sign) and `ſ` (U+017F, long s).
fn literal_regex(word: &str) -> String {
    let escaped = regex::escape(word);
    if word.is_ascii() {
        format!("(?i:{escaped})")
    } else {
        format!("(?u:(?i:{escaped}))")
    }
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
    /// cases, open and close quoted strings, and separators that `\s`
    /// matches or does not.
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
        ];
        let separator = prop_oneof![
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\x0B"),
            Just("\u{a0}"),
        ];
        prop::collection::vec((separator, word), 0..7).prop_map(|pieces| {
            pieces
                .into_iter()
                .map(|(separator, word)| format!("{separator}{word}"))
                .collect()
        })
    }

    proptest! {
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
