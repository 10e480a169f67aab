//! The pattern language of commands.
//!
//! A pattern such as `extend <subdomain> trial [by <number> days]` is a
//! sequence of literal words, placeholders and optional groups:
//!
//! - a literal word matches itself, case-insensitively; characters that are
//!   special in regular expressions are literal;
//! - `<name>` takes one word, or a quoted string (`"two words"` or
//!   `'two words'`) without its quotes;
//! - `<name...>` takes the rest of the line and may only come last;
//! - `[...]` marks an optional part, whose placeholders are optional.
//!
//! The `#[command]` macro parses patterns with [`Pattern::parse`] at compile
//! time, so a malformed pattern is a compile error.

use std::fmt;
use std::ops::Range;

/// A parsed command pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    segments: Vec<Segment>,
}

/// One part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A literal word, as written in the pattern.
    Literal(String),
    /// A placeholder.
    Placeholder(Placeholder),
    /// An optional group: `[...]`. Groups do not nest.
    Optional(Vec<Segment>),
}

/// A `<name>` or `<name...>` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The placeholder's name, a Rust identifier.
    pub name: String,
    /// Whether the placeholder takes the rest of the line (`<name...>`).
    pub rest: bool,
    /// Whether the placeholder sits inside an optional group.
    pub optional: bool,
}

/// Why a pattern is invalid, with the byte range of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    message: String,
    span: Range<usize>,
}

impl PatternError {
    /// Returns the byte range of the offending part within the pattern.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatternError {}

impl Pattern {
    /// Parses a pattern.
    ///
    /// # Errors
    ///
    /// Returns the first problem found: an empty pattern, an unclosed or
    /// unmatched bracket, a nested optional group, an empty group, an invalid
    /// or duplicate placeholder name, or a rest placeholder that is not last.
    ///
    /// # Examples
    ///
    /// ```
    /// use backoffice_core::pattern::Pattern;
    ///
    /// let pattern = Pattern::parse("extend <subdomain> trial [by <number> days]").unwrap();
    /// assert_eq!(pattern.placeholders().len(), 2);
    /// assert!(Pattern::parse("say <words...> now").is_err());
    /// ```
    pub fn parse(source: &str) -> Result<Self, PatternError> {
        let segments = Parser::new(source).parse()?;
        let pattern = Self {
            source: source.to_owned(),
            segments,
        };
        pattern.check_placeholders()?;
        Ok(pattern)
    }

    /// Returns the pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Returns the segments in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Returns every placeholder in order, optional ones included.
    pub fn placeholders(&self) -> Vec<&Placeholder> {
        let mut found = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Placeholder(placeholder) => found.push(placeholder),
                Segment::Optional(inner) => found.extend(inner.iter().filter_map(|s| match s {
                    Segment::Placeholder(placeholder) => Some(placeholder),
                    _ => None,
                })),
                Segment::Literal(_) => {}
            }
        }
        found
    }

    /// Returns the usage line shown in help: the pattern with its white
    /// space folded.
    pub fn usage(&self) -> String {
        let words: Vec<String> = self.segments.iter().map(Segment::to_string).collect();
        words.join(" ")
    }

    /// Checks that placeholder names are unique and that a rest placeholder
    /// comes last.
    fn check_placeholders(&self) -> Result<(), PatternError> {
        let placeholders = self.placeholders();
        for (index, placeholder) in placeholders.iter().enumerate() {
            if placeholders[..index]
                .iter()
                .any(|p| p.name == placeholder.name)
            {
                return Err(self.error_at(
                    &format!("<{}", placeholder.name),
                    format!(
                        "duplicate placeholder <{}>: give each placeholder its own name",
                        placeholder.name
                    ),
                ));
            }
        }
        if let Some(position) = placeholders.iter().position(|p| p.rest) {
            let rest = placeholders[position];
            // A pattern can end with one rest placeholder and contain another
            // earlier, so the first must also be the last placeholder.
            if position + 1 != placeholders.len() || !self.ends_with_rest() {
                return Err(self.error_at(
                    &format!("<{}...>", rest.name),
                    format!("<{}...> takes the rest of the line, so it must be the last part of the pattern", rest.name),
                ));
            }
        }
        Ok(())
    }

    /// Returns whether the last segment, or the last segment of a final
    /// optional group, is a rest placeholder.
    fn ends_with_rest(&self) -> bool {
        let last = match self.segments.last() {
            Some(Segment::Optional(inner)) => inner.last(),
            other => other,
        };
        matches!(last, Some(Segment::Placeholder(p)) if p.rest)
    }

    fn error_at(&self, needle: &str, message: String) -> PatternError {
        let start = self.source.find(needle).unwrap_or(0);
        PatternError {
            message,
            span: start..start + needle.len(),
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(word) => f.write_str(word),
            Self::Placeholder(placeholder) if placeholder.rest => {
                write!(f, "<{}...>", placeholder.name)
            }
            Self::Placeholder(placeholder) => write!(f, "<{}>", placeholder.name),
            Self::Optional(inner) => {
                let words: Vec<String> = inner.iter().map(Self::to_string).collect();
                write!(f, "[{}]", words.join(" "))
            }
        }
    }
}

/// The maximum number of optional groups in one pattern. Each group doubles
/// the number of forms the router compiles.
pub const MAX_OPTIONAL_GROUPS: usize = 6;

/// A single-pass parser over the pattern's characters.
struct Parser<'a> {
    source: &'a str,
    position: usize,
    groups: usize,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Self {
            source,
            position: 0,
            groups: 0,
        }
    }

    fn parse(mut self) -> Result<Vec<Segment>, PatternError> {
        let segments = self.parse_sequence(false)?;
        if segments.is_empty() {
            return Err(self.error(0..self.source.len(), "the pattern is empty: write the words of the command, for example `show account <subdomain>`".into()));
        }
        Ok(segments)
    }

    /// Parses segments up to the end of the pattern, or up to `]` inside a group.
    fn parse_sequence(&mut self, in_group: bool) -> Result<Vec<Segment>, PatternError> {
        let mut segments = Vec::new();
        loop {
            self.skip_white_space();
            let Some(next) = self.peek() else {
                return Ok(segments);
            };
            let start = self.position;
            match next {
                '<' => segments.push(Segment::Placeholder(self.parse_placeholder(in_group)?)),
                '[' if in_group => {
                    return Err(self.error(
                        start..start + 1,
                        "optional groups cannot nest: close the first `[` before opening another"
                            .into(),
                    ));
                }
                '[' => segments.push(self.parse_group()?),
                ']' if in_group => return Ok(segments),
                ']' => return Err(self.error(start..start + 1, "`]` has no matching `[`".into())),
                '>' => return Err(self.error(start..start + 1, "`>` has no matching `<`".into())),
                _ => segments.push(Segment::Literal(self.parse_word())),
            }
        }
    }

    fn parse_group(&mut self) -> Result<Segment, PatternError> {
        let start = self.position;
        self.position += 1;
        let inner = self.parse_sequence(true)?;
        if self.peek() != Some(']') {
            return Err(self.error(
                start..self.source.len(),
                "`[` is never closed: add `]` after the optional part".into(),
            ));
        }
        self.position += 1;
        if inner.is_empty() {
            return Err(self.error(
                start..self.position,
                "the optional group `[]` is empty: put words inside it or remove it".into(),
            ));
        }
        self.groups += 1;
        if self.groups > MAX_OPTIONAL_GROUPS {
            return Err(self.error(start..self.position, format!("a pattern may have at most {MAX_OPTIONAL_GROUPS} optional groups: split the command in two")));
        }
        Ok(Segment::Optional(inner))
    }

    fn parse_placeholder(&mut self, optional: bool) -> Result<Placeholder, PatternError> {
        let start = self.position;
        let Some(length) = self.source[start..].find('>') else {
            return Err(self.error(
                start..self.source.len(),
                "`<` is never closed: write placeholders as `<name>`".into(),
            ));
        };
        let inner = &self.source[start + 1..start + length];
        self.position = start + length + 1;
        let span = start..self.position;
        let (name, rest) = match inner.strip_suffix("...") {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if !is_identifier(name) {
            return Err(self.error(span, format!("`<{inner}>` is not a valid placeholder: a name is a Rust identifier such as `<subdomain>` or `<reason...>`")));
        }
        if self.peek().is_some_and(|c| !c.is_whitespace() && c != ']') {
            return Err(self.error(
                span,
                format!("put a space after `<{inner}>`: a placeholder is a whole word"),
            ));
        }
        Ok(Placeholder {
            name: name.to_owned(),
            rest,
            optional,
        })
    }

    /// Reads a literal word up to white space or a bracket.
    fn parse_word(&mut self) -> String {
        let start = self.position;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '<' | '>' | '[' | ']') {
                break;
            }
            self.position += c.len_utf8();
        }
        self.source[start..self.position].to_owned()
    }

    fn skip_white_space(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.position += c.len_utf8();
        }
    }

    fn peek(&self) -> Option<char> {
        self.source[self.position..].chars().next()
    }

    fn error(&self, span: Range<usize>, message: String) -> PatternError {
        PatternError { message, span }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_literals_placeholders_and_groups() {
        let pattern = Pattern::parse("extend <subdomain> trial [by <number> days]").unwrap();
        let names: Vec<_> = pattern
            .placeholders()
            .iter()
            .map(|p| (p.name.as_str(), p.optional))
            .collect();
        assert_eq!(names, [("subdomain", false), ("number", true)]);
        assert_eq!(
            pattern.usage(),
            "extend <subdomain> trial [by <number> days]"
        );
    }

    #[test]
    fn parse_rejects_each_malformed_pattern() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("show <name", "never closed"),
            ("show [by days", "never closed"),
            ("show by] days", "no matching `[`"),
            ("show [a [b]]", "cannot nest"),
            ("show []", "empty"),
            ("show <1abc>", "not a valid placeholder"),
            ("show <>", "not a valid placeholder"),
            ("show <a> and <a>", "duplicate placeholder <a>"),
            ("say <words...> now", "must be the last part"),
            ("say <first...> <second...>", "<first...> takes the rest"),
            ("say [<first...>] <second...>", "<first...> takes the rest"),
            (
                "say [to <first...>] [as <second...>]",
                "<first...> takes the rest",
            ),
            ("show <a>b", "put a space after"),
        ];
        for (source, expected) in cases {
            let error = Pattern::parse(source).expect_err(source);
            assert!(error.to_string().contains(expected), "{source:?}: {error}");
        }
    }

    #[test]
    fn rest_placeholder_last_in_final_group() {
        assert!(Pattern::parse("disable <a> [because <reason...>]").is_ok());
    }

    #[test]
    fn error_span_points_at_duplicate() {
        let error = Pattern::parse("show <a> and <a>").unwrap_err();
        assert_eq!(error.span(), 5..7);
    }

    proptest::proptest! {
        #[test]
        fn parse_arbitrary_no_panic(source in proptest::prelude::any::<String>()) {
            if let Err(error) = Pattern::parse(&source) {
                let span = error.span();
                proptest::prop_assert!(span.start <= span.end, "{span:?} for {source:?}");
                proptest::prop_assert!(span.end <= source.len(), "{span:?} for {source:?}");
            }
        }

        #[test]
        fn parse_pattern_like_no_panic(source in "[a-z<>\\[\\]. ]{0,24}") {
            if let Ok(pattern) = Pattern::parse(&source) {
                let _ = pattern.usage();
            }
        }
    }
}
