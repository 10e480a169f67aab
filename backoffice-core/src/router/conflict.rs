//! Conflict detection: whether two forms of different commands, equally
//! specific, can match the same message.
//!
//! Each form is turned into a small automaton over the words of a message,
//! and the product of two automata is searched breadth-first for a word
//! sequence both accept. The check is exact for the word model below, not
//! sampled.
//!
//! A literal word accepts itself, compared case-insensitively. A `<name>`
//! placeholder accepts any single word, or a quoted string that spans several
//! words: `"a b"` is the word `"a` followed by `b"`. A `<name...>`
//! placeholder accepts one or more words.

use std::cell::OnceCell;
use std::collections::{BTreeMap, VecDeque};

use super::form::{Form, Token};
use super::words;
use super::Conflict;
use crate::pattern::Pattern;

/// The quote characters that delimit a quoted string.
const QUOTES: [char; 2] = ['"', '\''];

/// Words tried, in order, as a sample of the intersection of two word
/// classes that are not literal words. Every non-empty intersection of
/// [`WordClass::Any`], [`WordClass::Open`], [`WordClass::Inside`] and
/// [`WordClass::Close`] contains one of them.
const SAMPLES: [&str; 9] = ["x", "\"x", "x\"", "'x", "x'", "\"", "'", "\"x'", "'x\""];

/// A set of words that one step of a form's automaton accepts.
#[derive(Debug, Clone, Copy)]
enum WordClass<'a> {
    /// One literal word as written, and folded for comparison.
    Literal(&'a str, &'a str),
    /// Any word.
    Any,
    /// The first word of a quoted string: it starts with the quote and has
    /// no other.
    Open(char),
    /// A word inside a quoted string: it has no quote of that kind.
    Inside(char),
    /// The last word of a quoted string: it ends with the quote and has no
    /// other.
    Close(char),
}

impl<'a> WordClass<'a> {
    /// Returns whether the class accepts `word`, which is not a literal word
    /// of a pattern.
    fn accepts(self, word: &str) -> bool {
        match self {
            Self::Literal(_, folded) => fold(word) == folded,
            Self::Any => true,
            Self::Open(quote) => word
                .strip_prefix(quote)
                .is_some_and(|tail| !tail.contains(quote)),
            Self::Inside(quote) => !word.contains(quote),
            Self::Close(quote) => word
                .strip_suffix(quote)
                .is_some_and(|head| !head.contains(quote)),
        }
    }

    /// Returns a word both classes accept, or `None` when they share none.
    fn sample(self, other: Self) -> Option<&'a str> {
        match (self, other) {
            // An ASCII literal matches ASCII words only, so the ASCII
            // spelling is the word that both accept.
            (Self::Literal(written, a), Self::Literal(other, b)) => {
                let word = if written.is_ascii() { written } else { other };
                (a == b).then_some(word)
            }
            (Self::Literal(written, _), class) | (class, Self::Literal(written, _)) => {
                class.accepts(written).then_some(written)
            }
            _ => SAMPLES
                .into_iter()
                .find(|word| self.accepts(word) && other.accepts(word)),
        }
    }
}

/// Folds a word for case-insensitive comparison, as the router does.
fn fold(word: &str) -> String {
    words::fold(word).into_owned()
}

/// A form prepared for comparison: its leading and trailing literal words,
/// folded, and its automaton, built when a comparison first needs it.
///
/// Most pairs of forms differ in their leading or trailing words, so many
/// forms never need an automaton. For the 10,000 commands of the
/// `router_scale` example, building every automaton up front put the
/// check's heap peak at 68 MB, and building them on demand at 44 MB.
struct Shape<'a> {
    tokens: &'a [Token],
    literals: &'a Literals,
    automaton: OnceCell<Automaton<'a>>,
}

/// The folded literal words of a form: those before its first
/// placeholder and those after its last one, the latter in reverse order.
struct Literals {
    prefix: Vec<String>,
    suffix: Vec<String>,
    /// Every token folded, with an empty string for placeholders.
    folded: Vec<String>,
}

impl Literals {
    fn new(tokens: &[Token]) -> Self {
        let folded: Vec<String> = tokens
            .iter()
            .map(|token| match token {
                Token::Literal(word) => fold(word),
                Token::Word(_) | Token::Rest(_) => String::new(),
            })
            .collect();
        let is_literal = |(token, _): &(&Token, &String)| matches!(token, Token::Literal(_));

        let prefix = tokens.iter().zip(&folded).take_while(is_literal);
        let suffix = tokens.iter().zip(&folded).rev().take_while(is_literal);
        Self {
            prefix: prefix.map(|(_, word)| word.clone()).collect(),
            suffix: suffix.map(|(_, word)| word.clone()).collect(),
            folded,
        }
    }
}

impl<'a> Shape<'a> {
    fn new(tokens: &'a [Token], literals: &'a Literals) -> Self {
        Self {
            tokens,
            literals,
            automaton: OnceCell::new(),
        }
    }

    fn automaton(&self) -> &Automaton<'a> {
        self.automaton
            .get_or_init(|| Automaton::new(self.tokens, &self.literals.folded))
    }

    /// Returns whether the leading or trailing literal words of the two
    /// forms differ, which rules out a common message without a search.
    /// A literal word always takes exactly one word of the message, so the
    /// literals before the first placeholder sit at fixed positions from the
    /// start, and those after the last placeholder at fixed positions from
    /// the end.
    fn literals_disagree(&self, other: &Self) -> bool {
        let (mine, theirs) = (self.literals, other.literals);
        let differ = |(a, b): (&String, &String)| a != b;
        mine.prefix.iter().zip(&theirs.prefix).any(differ)
            || mine.suffix.iter().zip(&theirs.suffix).any(differ)
    }
}

/// A nondeterministic automaton over words: state 0 is the start and
/// `accept` the only accepting state.
struct Automaton<'a> {
    edges: Vec<Vec<(WordClass<'a>, usize)>>,
    accept: usize,
}

impl<'a> Automaton<'a> {
    fn new(tokens: &'a [Token], folded: &'a [String]) -> Self {
        let mut automaton = Self {
            edges: vec![Vec::new()],
            accept: 0,
        };

        for (token, folded) in tokens.iter().zip(folded) {
            let from = automaton.accept;
            let to = automaton.add_state();
            match token {
                Token::Literal(word) => {
                    automaton.add_edge(from, WordClass::Literal(word, folded), to);
                }
                Token::Word(_) => automaton.add_word(from, to),
                Token::Rest(_) => {
                    automaton.add_edge(from, WordClass::Any, to);
                    automaton.add_edge(to, WordClass::Any, to);
                }
            }
            automaton.accept = to;
        }

        automaton
    }

    /// Adds the paths of a `<name>` placeholder: one word, or a quoted
    /// string of two or more words for each kind of quote.
    fn add_word(&mut self, from: usize, to: usize) {
        self.add_edge(from, WordClass::Any, to);

        for quote in QUOTES {
            let inside = self.add_state();
            self.add_edge(from, WordClass::Open(quote), inside);
            self.add_edge(inside, WordClass::Inside(quote), inside);
            self.add_edge(inside, WordClass::Close(quote), to);
        }
    }

    fn add_state(&mut self) -> usize {
        self.edges.push(Vec::new());
        self.edges.len() - 1
    }

    fn add_edge(&mut self, from: usize, class: WordClass<'a>, to: usize) {
        self.edges[from].push((class, to));
    }
}

/// Returns a message that both token sequences match, or `None` when there
/// is none. The message is one of the shortest.
#[cfg(test)]
pub(super) fn common_message(first: &[Token], second: &[Token]) -> Option<String> {
    let (literals_a, literals_b) = (Literals::new(first), Literals::new(second));
    let a = Shape::new(first, &literals_a);
    let b = Shape::new(second, &literals_b);
    search(&a, &b)
}

/// Searches the product of two automata breadth-first for a message both
/// accept.
fn search<'a>(a: &Shape<'a>, b: &Shape<'a>) -> Option<String> {
    if a.literals_disagree(b) {
        return None;
    }

    let (a, b) = (a.automaton(), b.automaton());
    let width = b.edges.len();
    let goal = a.accept * width + b.accept;

    // `reached[state]` is the previous product state and the word read.
    let mut reached: Vec<Option<(usize, &str)>> = vec![None; a.edges.len() * width];
    let mut queue = VecDeque::from([0]);
    reached[0] = Some((0, ""));

    while let Some(state) = queue.pop_front() {
        if state == goal {
            return Some(trace_back(&reached, goal));
        }
        let (i, j) = (state / width, state % width);
        for &(class_a, next_a) in &a.edges[i] {
            for &(class_b, next_b) in &b.edges[j] {
                let next = next_a * width + next_b;
                if reached[next].is_some() {
                    continue;
                }
                if let Some(word) = class_a.sample(class_b) {
                    reached[next] = Some((state, word));
                    queue.push_back(next);
                }
            }
        }
    }

    None
}

/// Rebuilds the message that led from the start to `goal`.
fn trace_back(reached: &[Option<(usize, &str)>], goal: usize) -> String {
    let mut words = Vec::new();
    let mut state = goal;

    while state != 0 {
        let (previous, word) = reached[state].expect("every queued state has a predecessor");
        words.push(word);
        state = previous;
    }

    words.reverse();
    words.join(" ")
}

/// Returns every conflict among `forms`, once per pair of commands, ordered
/// by the commands' indices.
///
/// Only forms that could share a message are compared: forms with the same
/// specificity whose leading literal words (those before the first
/// placeholder) agree as far as both go. Forms are grouped by specificity and
/// leading literal words, so a form is compared with its own group and with
/// the groups whose leading words are a prefix of its own, such as forms
/// starting with a placeholder.
///
/// NOTE: when many equally specific forms share their leading literal words,
/// or start with a placeholder, the work grows with the square of their
/// number.
pub(super) fn find_conflicts(patterns: &[Pattern], forms: &[Form]) -> Vec<Conflict> {
    let literals: Vec<Literals> = forms
        .iter()
        .map(|form| Literals::new(&form.tokens))
        .collect();
    let shapes: Vec<Shape<'_>> = forms
        .iter()
        .zip(&literals)
        .map(|(form, literals)| Shape::new(&form.tokens, literals))
        .collect();
    let groups = group_forms(forms, &literals);
    let mut found: BTreeMap<(usize, usize), String> = BTreeMap::new();

    for ((specificity, prefix), members) in &groups {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                check_pair(forms, &shapes, i, j, &mut found);
            }
        }
        for length in 0..prefix.len() {
            let Some(shorter) = groups.get(&(*specificity, prefix[..length].to_vec())) else {
                continue;
            };
            for &i in members {
                for &j in shorter {
                    check_pair(forms, &shapes, i, j, &mut found);
                }
            }
        }
    }

    found
        .into_iter()
        .map(|((a, b), example)| Conflict {
            first: patterns[a].source().to_owned(),
            second: patterns[b].source().to_owned(),
            example,
        })
        .collect()
}

/// Groups form indices by specificity and leading literal words.
fn group_forms(
    forms: &[Form],
    literals: &[Literals],
) -> BTreeMap<(usize, Vec<String>), Vec<usize>> {
    let mut groups: BTreeMap<(usize, Vec<String>), Vec<usize>> = BTreeMap::new();

    for (index, (form, literals)) in forms.iter().zip(literals).enumerate() {
        let key = (form.specificity, literals.prefix.clone());
        groups.entry(key).or_default().push(index);
    }

    groups
}

/// Records a conflict between the commands of forms `i` and `j` unless they
/// are one command or that pair of commands already has one.
fn check_pair(
    forms: &[Form],
    shapes: &[Shape<'_>],
    i: usize,
    j: usize,
    found: &mut BTreeMap<(usize, usize), String>,
) {
    let (a, b) = (forms[i].command, forms[j].command);
    if a == b {
        return;
    }

    let key = (a.min(b), a.max(b));
    if found.contains_key(&key) {
        return;
    }
    if let Some(example) = search(&shapes[i], &shapes[j]) {
        found.insert(key, example);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(word: &str) -> Token {
        Token::Literal(word.to_owned())
    }

    fn word() -> Token {
        Token::Word("w".to_owned())
    }

    fn rest() -> Token {
        Token::Rest("r".to_owned())
    }

    #[test]
    fn common_message_literals_ignore_case() {
        let found = common_message(&[literal("Show")], &[literal("sHOW")]);
        assert_eq!(found.as_deref(), Some("Show"));
    }

    #[test]
    fn common_message_different_literals() {
        assert_eq!(common_message(&[literal("a")], &[literal("b")]), None);
    }

    #[test]
    fn common_message_placeholder_takes_literal() {
        let found = common_message(&[word(), literal("b")], &[literal("a"), word()]);
        assert_eq!(found.as_deref(), Some("a b"));
    }

    #[test]
    fn common_message_quoted_span() {
        let found = common_message(&[word()], &[word(), word(), word()]);
        assert_eq!(found.as_deref(), Some("\"x x x\""));
    }

    #[test]
    fn common_message_rest_takes_several_words() {
        let found = common_message(
            &[literal("a"), rest()],
            &[word(), literal("b"), literal("c")],
        );
        assert_eq!(found.as_deref(), Some("a b c"));
    }

    #[test]
    fn common_message_empty_forms() {
        assert_eq!(common_message(&[], &[]).as_deref(), Some(""));
        assert_eq!(common_message(&[], &[rest()]), None);
    }
}
