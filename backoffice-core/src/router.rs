//! The router: finds the command whose pattern matches a message.
//!
//! All patterns are compiled into one combined matcher, so the cost of a
//! message does not grow with one regular expression per command. When several
//! commands match, the most specific (most literal words) wins; two commands
//! that are equally specific and can match the same message are a conflict,
//! reported when the router is built.

use std::fmt;

use crate::pattern::Pattern;

/// The values a message gave to a command's placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    values: Vec<(String, String)>,
}

impl Args {
    /// Returns the value of the placeholder `name`, without quotes, or `None`
    /// when the message left an optional placeholder out.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Sets the value of the placeholder `name`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.push((name.into(), value.into()));
    }

    /// Returns the placeholder names and values in pattern order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A command that matched a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// The index of the command's pattern in the list the router was built from.
    pub command: usize,
    /// The placeholder values.
    pub args: Args,
}

/// Two commands that are equally specific and can match the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The first command's pattern.
    pub first: String,
    /// The second command's pattern.
    pub second: String,
    /// A message that both patterns match.
    pub example: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "commands `{}` and `{}` conflict: both match `{}` equally well; add a literal word to one of them",
            self.first, self.second, self.example
        )
    }
}

/// The combined matcher over every command's pattern.
#[derive(Debug, Clone)]
pub struct Router {
    patterns: Vec<Pattern>,
}

impl Router {
    /// Builds a router over `patterns`; a match reports the index in this list.
    ///
    /// # Errors
    ///
    /// Returns every conflict between the patterns.
    pub fn new(patterns: Vec<Pattern>) -> Result<Self, Vec<Conflict>> {
        todo!("{patterns:?}")
    }

    /// Returns the patterns, in the order the router was built from.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Finds the most specific command matching `text` among those for which
    /// `allowed` returns true. `text` must already be normalised.
    pub fn route(&self, text: &str, allowed: impl Fn(usize) -> bool) -> Option<RouteMatch> {
        todo!("{text} {}", allowed(0))
    }
}

/// Returns every conflict between `patterns`, each naming both patterns and a
/// message that both match.
pub fn conflicts(patterns: &[Pattern]) -> Vec<Conflict> {
    todo!("{patterns:?}")
}
