//! Forms: the plain token sequences a pattern expands into, one for each
//! choice of its optional groups, and the regular expression of each.

use std::sync::OnceLock;

use regex::bytes::{Captures, Regex};

use super::Args;
use crate::pattern::{Pattern, Segment};

// The regular expressions run over bytes with Unicode classes off, because
// a Unicode `\S` compiles to an automaton several times larger: a router
// over 10,000 commands peaked at about twice the memory with it. White space between words is
// therefore ASCII white space, which is all `normalize` leaves. Literal words
// keep Unicode case-insensitive matching.

/// The regular expression of a `<name>` placeholder: a double-quoted string,
/// a single-quoted string or one run of non-white-space bytes. The three
/// alternatives are three capture groups.
const WORD: &str = r#"(?:"([^"]*)"|'([^']*)'|(\S+))"#;

/// [`WORD`] without capture groups, for the `RegexSet`.
const WORD_MATCH: &str = r#"(?:"[^"]*"|'[^']*'|\S+)"#;

/// The number of capture groups in [`WORD`].
const WORD_GROUPS: usize = 3;

/// The regular expression of a `<name...>` placeholder: one or more words,
/// starting and ending with a non-white-space byte.
const REST: &str = r"(\S(?s:.*\S)?)";

/// [`REST`] without its capture group, for the `RegexSet`.
const REST_MATCH: &str = r"\S(?s:.*\S)?";

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
    /// The number of literal words: the more, the more specific.
    pub(super) specificity: usize,
    /// The form's own regular expression, used for captures. It is compiled
    /// lazily because only forms that win a match need it.
    regex: OnceLock<Regex>,
}

impl Form {
    fn new(command: usize, tokens: Vec<Token>) -> Self {
        let specificity = tokens
            .iter()
            .filter(|token| matches!(token, Token::Literal(_)))
            .count();
        Self {
            command,
            tokens,
            specificity,
            regex: OnceLock::new(),
        }
    }

    /// Returns the anchored regular expression of the form, with a capture
    /// group for each placeholder when `captures` is true. It runs over the
    /// bytes of the text.
    pub(super) fn regex_source(&self, captures: bool) -> String {
        let (word, rest) = if captures {
            (WORD, REST)
        } else {
            (WORD_MATCH, REST_MATCH)
        };
        let parts: Vec<String> = self
            .tokens
            .iter()
            .map(|token| match token {
                Token::Literal(literal) => literal_regex(literal),
                Token::Word(_) => word.to_owned(),
                Token::Rest(_) => rest.to_owned(),
            })
            .collect();
        format!(r"(?-u)^{}$", parts.join(r"\s+"))
    }

    /// Returns the form's regular expression, compiling it on first use.
    ///
    /// # Panics
    ///
    /// Panics if the regular expression fails to compile, which cannot happen
    /// once the same source, less its capture groups, compiled into the
    /// router's `RegexSet`.
    pub(super) fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.regex_source(true)).expect("the form compiled into the RegexSet")
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
}
