//! The router: finds the command whose pattern matches a message.
//!
//! All patterns are compiled into one combined matcher, so the cost of a
//! message does not grow with one regular expression per command. When several
//! commands match, the most specific (most literal words) wins; two commands
//! that are equally specific and can match the same message are a conflict,
//! reported when the router is built.

mod conflict;
mod form;

use std::fmt;

use regex::bytes::{RegexSet, RegexSetBuilder};

use crate::pattern::Pattern;
use form::Form;

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
///
/// Each pattern expands into its forms, one per choice of optional groups,
/// and every form is one anchored, case-insensitive regular expression in a
/// single [`RegexSet`]. Routing a message runs the set once, picks the most
/// specific allowed form among the matches, then runs that form's own
/// regular expression for the placeholder values.
#[derive(Debug, Clone)]
pub struct Router {
    patterns: Vec<Pattern>,
    forms: Vec<Form>,
    set: RegexSet,
}

impl Router {
    /// Builds a router over `patterns`; a match reports the index in this list.
    ///
    /// # Errors
    ///
    /// Returns every conflict between the patterns.
    ///
    /// # Panics
    ///
    /// Panics if the combined regular expression exceeds the `regex` crate's
    /// size limit, which only a very large number of commands can reach.
    pub fn new(patterns: Vec<Pattern>) -> Result<Self, Vec<Conflict>> {
        let forms = expand_all(&patterns);

        let conflicts = conflict::find_conflicts(&patterns, &forms);
        if !conflicts.is_empty() {
            return Err(conflicts);
        }

        let set = RegexSetBuilder::new(forms.iter().map(|form| form.regex_source(false)))
            .size_limit(1 << 30)
            .dfa_size_limit(1 << 30)
            .build()
            .expect("the combined regular expression of every form compiles");
        Ok(Self {
            patterns,
            forms,
            set,
        })
    }

    /// Returns the patterns, in the order the router was built from.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Finds the most specific command matching `text` among those for which
    /// `allowed` returns true. `text` must already be normalised.
    ///
    /// Among equally specific forms of one command, the form that includes
    /// earlier optional groups wins.
    pub fn route(&self, text: &str, allowed: impl Fn(usize) -> bool) -> Option<RouteMatch> {
        // The forms' regular expressions do not allow white space at the ends.
        let text = text.trim();
        let winner = self
            .set
            .matches(text.as_bytes())
            .into_iter()
            .filter(|&index| allowed(self.forms[index].command))
            .max_by_key(|&index| (self.forms[index].specificity, std::cmp::Reverse(index)))?;

        let form = &self.forms[winner];
        let captures = form.regex().captures(text.as_bytes())?;
        Some(RouteMatch {
            command: form.command,
            args: form.args(&captures),
        })
    }
}

/// Expands every pattern into its forms, in pattern order.
fn expand_all(patterns: &[Pattern]) -> Vec<Form> {
    patterns
        .iter()
        .enumerate()
        .flat_map(|(command, pattern)| form::expand(command, pattern))
        .collect()
}

/// Returns every conflict between `patterns`, each naming both patterns and a
/// message that both match.
pub fn conflicts(patterns: &[Pattern]) -> Vec<Conflict> {
    conflict::find_conflicts(patterns, &expand_all(patterns))
}
