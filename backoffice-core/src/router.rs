//! The router: finds the command whose pattern matches a message.
//!
//! An index over the literal words at the start and end of each pattern
//! narrows a message down to the few forms that could match it, so the cost
//! of a message barely grows with the number of commands. When several
//! commands match, the most specific (most literal words) wins; two commands
//! that are equally specific and can match the same message are a conflict,
//! reported when the router is built.

mod conflict;
mod form;
mod index;
mod words;

use std::fmt;

use crate::pattern::Pattern;
use form::Form;
use index::Index;

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

/// The matcher over every command's pattern.
///
/// Each pattern expands into its forms, one per choice of optional groups.
/// Routing a message looks its words up in an index over the forms' leading
/// and trailing literal words, tries the forms found there, most specific
/// first, and takes the winner's placeholder values from the words that
/// matched it.
///
/// NOTE: forms with no literal word before their first placeholder or after
/// their last one share an index entry with every other such form, and a
/// message tries each of them in turn. Routing slows down when many
/// patterns of one bot start with the same literal words and then have only
/// placeholders and middle literals.
#[derive(Debug, Clone)]
pub struct Router {
    patterns: Vec<Pattern>,
    forms: Vec<Form>,
    index: Index,
}

impl Router {
    /// Builds a router over `patterns`; a match reports the index in this list.
    ///
    /// # Errors
    ///
    /// Returns every conflict between the patterns.
    pub fn new(patterns: Vec<Pattern>) -> Result<Self, Vec<Conflict>> {
        let forms = expand_all(&patterns);

        let conflicts = conflict::find_conflicts(&patterns, &forms);
        if !conflicts.is_empty() {
            return Err(conflicts);
        }

        let index = Index::new(&forms);
        Ok(Self {
            patterns,
            forms,
            index,
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
        // A form matches no white space at either end of the text.
        let text = text.trim();
        let words = words::split(text);
        let keys: Vec<_> = words.iter().map(|word| words::fold(word)).collect();

        let mut winner: Option<usize> = None;
        self.index.visit(&keys, |candidates| {
            // Each list is ordered best first, so the first allowed match
            // is the list's best, and a form that ranks below the winner so
            // far ends the list.
            for &index in candidates {
                if winner.is_some_and(|best| self.rank(index) < self.rank(best)) {
                    return;
                }
                let form = &self.forms[index];
                if form.matches(&words) && allowed(form.command) {
                    winner = Some(index);
                    return;
                }
            }
        });

        let form = &self.forms[winner?];
        let args = form.args(text, &words)?;
        Some(RouteMatch {
            command: form.command,
            args,
        })
    }

    /// Returns the rank of form `index` among matching forms: the most
    /// specific wins, then the earliest.
    fn rank(&self, index: usize) -> (usize, std::cmp::Reverse<usize>) {
        (self.forms[index].specificity, std::cmp::Reverse(index))
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

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn router(sources: &[&str]) -> Router {
        let patterns = sources.iter().map(|s| Pattern::parse(s).unwrap()).collect();
        Router::new(patterns).unwrap()
    }

    fn route(router: &Router, text: &str) -> Option<RouteMatch> {
        router.route(text, |_| true)
    }

    /// Returns whether `pattern`, alone in a router, matches `text`.
    fn matches_alone(pattern: &str, text: &str) -> bool {
        route(&router(&[pattern]), text).is_some()
    }

    fn conflicts_of(sources: &[&str]) -> Vec<Conflict> {
        let patterns: Vec<Pattern> = sources.iter().map(|s| Pattern::parse(s).unwrap()).collect();
        conflicts(&patterns)
    }

    #[test]
    fn match_reports_command_and_args() {
        let router = router(&["ping", "show account <name>"]);
        let found = route(&router, "show account acme").unwrap();
        assert_eq!(found.command, 1);
        assert_eq!(found.args.get("name"), Some("acme"));
    }

    #[test]
    fn anchoring_rejects_extra_words() {
        let router = router(&["show account <name>"]);
        assert_eq!(route(&router, "show account acme extra"), None);
        assert_eq!(route(&router, "please show account acme"), None);
        assert_eq!(route(&router, "show account"), None);
    }

    #[test]
    fn literals_case_insensitive() {
        let router = router(&["show account <name>", "grüße <who>"]);
        let found = route(&router, "SHOW Account ACME").unwrap();
        assert_eq!(found.args.get("name"), Some("ACME"));
        assert_eq!(route(&router, "GRÜSSE x"), None);
        assert_eq!(route(&router, "GRÜßE x").unwrap().command, 1);
    }

    #[test]
    fn white_space_flexible() {
        let router = router(&["show account <name>"]);
        for text in [
            "show   account\tacme",
            " show account acme ",
            "show\naccount  acme",
        ] {
            let found = route(&router, text).unwrap();
            assert_eq!(found.args.get("name"), Some("acme"), "{text:?}");
        }
    }

    #[test]
    fn quoted_strings_lose_quotes() {
        let router = router(&["rename <old> to <new>"]);
        let found = route(&router, "rename \"Acme Inc\" to 'Acme Corp'").unwrap();
        assert_eq!(found.args.get("old"), Some("Acme Inc"));
        assert_eq!(found.args.get("new"), Some("Acme Corp"));
    }

    #[test]
    fn quoted_string_empty() {
        let router = router(&["rename <old> to <new>"]);
        let found = route(&router, "rename acme to \"\"").unwrap();
        assert_eq!(found.args.get("new"), Some(""));
    }

    #[test]
    fn unclosed_quote_is_a_word() {
        let router = router(&["tag <a> <b>"]);
        let found = route(&router, "tag \"x y").unwrap();
        assert_eq!(found.args.get("a"), Some("\"x"));
        assert_eq!(found.args.get("b"), Some("y"));
    }

    #[test]
    fn rest_takes_remaining_words() {
        let router = router(&["disable <account> because <reason...>"]);
        let found = route(&router, "disable acme because it was \"late\" again").unwrap();
        assert_eq!(found.args.get("account"), Some("acme"));
        assert_eq!(found.args.get("reason"), Some("it was \"late\" again"));
        assert_eq!(route(&router, "disable acme because"), None);
    }

    #[test]
    fn non_ascii_args_intact() {
        let router = router(&["greet <who> with <words...>"]);
        let found = route(&router, "greet Zoë with grüße und 🎉").unwrap();
        assert_eq!(found.args.get("who"), Some("Zoë"));
        assert_eq!(found.args.get("words"), Some("grüße und 🎉"));
    }

    #[test]
    fn optional_group_absent() {
        let router = router(&["extend <account> trial [by <days> days]"]);
        let found = route(&router, "extend acme trial").unwrap();
        assert_eq!(found.args.get("account"), Some("acme"));
        assert_eq!(found.args.get("days"), None);
    }

    #[test]
    fn optional_group_present() {
        let router = router(&["extend <account> trial [by <days> days]"]);
        let found = route(&router, "extend acme trial by 14 days").unwrap();
        assert_eq!(found.args.get("account"), Some("acme"));
        assert_eq!(found.args.get("days"), Some("14"));
        assert_eq!(route(&router, "extend acme trial by 14"), None);
    }

    #[test]
    fn regex_characters_literal() {
        let router = router(&["show stats (beta)", "price $5.00?"]);
        assert_eq!(route(&router, "show stats (beta)").unwrap().command, 0);
        assert_eq!(route(&router, "show stats beta"), None);
        assert_eq!(route(&router, "price $5.00?").unwrap().command, 1);
        assert_eq!(route(&router, "price $5x00"), None);
        assert_eq!(route(&router, "price $5.0"), None);
    }

    #[test]
    fn most_specific_wins() {
        let router = router(&["show <what> <name>", "show account <name>"]);
        let account = route(&router, "show account acme").unwrap();
        assert_eq!(account.command, 1);
        assert_eq!(account.args.get("name"), Some("acme"));

        let other = route(&router, "show user jane").unwrap();
        assert_eq!(other.command, 0);
        assert_eq!(other.args.get("what"), Some("user"));
    }

    #[test]
    fn most_specific_form_of_command_wins() {
        let router = router(&["list [all] <kind>"]);
        let found = route(&router, "list all users").unwrap();
        assert_eq!(found.args.get("kind"), Some("users"));

        let found = route(&router, "list all").unwrap();
        assert_eq!(found.args.get("kind"), Some("all"));
    }

    #[test]
    fn allowed_falls_back_to_less_specific() {
        let router = router(&["show <what> <name>", "show account <name>"]);
        let found = router
            .route("show account acme", |command| command != 1)
            .unwrap();
        assert_eq!(found.command, 0);
        assert_eq!(found.args.get("what"), Some("account"));
    }

    #[test]
    fn allowed_none_matches_nothing() {
        let router = router(&["show <what> <name>", "show account <name>"]);
        assert_eq!(router.route("show account acme", |_| false), None);
    }

    #[test]
    fn conflict_names_both_patterns() {
        let conflicts = conflicts_of(&["ping", "restart <service>", "<verb> worker"]);
        assert_eq!(conflicts.len(), 1);

        let conflict = &conflicts[0];
        assert_eq!(conflict.first, "restart <service>");
        assert_eq!(conflict.second, "<verb> worker");
        assert_eq!(conflict.example, "restart worker");
        assert!(matches_alone(&conflict.first, &conflict.example));
        assert!(matches_alone(&conflict.second, &conflict.example));
    }

    #[test]
    fn conflict_rejected_by_new() {
        let patterns = vec![
            Pattern::parse("restart <service>").unwrap(),
            Pattern::parse("<verb> worker").unwrap(),
        ];
        let conflicts = Router::new(patterns).unwrap_err();
        assert_eq!(conflicts.len(), 1);
        assert!(conflicts[0].to_string().contains("`restart worker`"));
    }

    #[test]
    fn conflict_through_quoted_string() {
        let conflicts = conflicts_of(&["show <name>", "show <kind> <name>"]);
        assert_eq!(conflicts.len(), 1);

        let example = &conflicts[0].example;
        assert!(
            example.contains('"') || example.contains('\''),
            "{example:?}"
        );
        assert!(matches_alone("show <name>", example), "{example:?}");
        assert!(matches_alone("show <kind> <name>", example), "{example:?}");
    }

    #[test]
    fn conflict_with_rest() {
        let conflicts = conflicts_of(&["say <words...>", "<verb> hello there"]);
        assert!(conflicts.is_empty(), "different specificity: {conflicts:?}");

        let conflicts = conflicts_of(&["say <words...>", "<verb> hello"]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].example, "say hello");
    }

    #[test]
    fn conflict_identical_patterns() {
        let conflicts = conflicts_of(&["show account <name>", "SHOW ACCOUNT <id>"]);
        assert_eq!(conflicts.len(), 1);
        assert!(matches_alone(&conflicts[0].second, &conflicts[0].example));
    }

    #[test]
    fn conflict_between_optional_forms() {
        let conflicts = conflicts_of(&["list [all] <kind>", "list <kind> users"]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].example, "list all users");

        assert!(conflicts_of(&["list [all] users", "list <kind> users"]).is_empty());
    }

    #[test]
    fn conflict_once_per_command_pair() {
        let conflicts = conflicts_of(&["a [<x>] [<y>]", "a [<p>] [<q>]"]);
        assert_eq!(conflicts.len(), 1);
    }

    #[test]
    fn no_conflict_different_specificity() {
        assert!(conflicts_of(&["show account <name>", "show <what> <name>"]).is_empty());
    }

    #[test]
    fn no_conflict_disjoint_literals() {
        assert!(conflicts_of(&["show account <name>", "list account <name>"]).is_empty());
        assert!(conflicts_of(&["show <a> users", "show <a> groups"]).is_empty());
    }

    #[test]
    fn no_conflict_different_lengths() {
        assert!(conflicts_of(&["show <a> users", "show users <b> <c>"]).is_empty());
    }

    #[test]
    fn conflict_different_lengths_quoted() {
        let conflicts = conflicts_of(&["show <a> users", "show <a> <b> <c> users"]);
        assert_eq!(conflicts.len(), 1);
        assert!(matches_alone(&conflicts[0].first, &conflicts[0].example));
        assert!(matches_alone(&conflicts[0].second, &conflicts[0].example));
    }

    #[test]
    fn no_conflict_within_one_command() {
        assert!(conflicts_of(&["show [<a>] [<b>]"]).is_empty());
    }

    /// One part of a generated pattern. Every optional group starts with a
    /// literal word, and literal words are unique within a pattern, so the
    /// literal words of a message tell which groups it includes.
    #[derive(Debug, Clone)]
    enum Part {
        Literal,
        Word,
        /// An optional group: a literal word, then literal words (`true`)
        /// and placeholders (`false`).
        Group(Vec<bool>),
    }

    fn part() -> impl Strategy<Value = Part> {
        prop_oneof![
            Just(Part::Literal),
            Just(Part::Word),
            prop::collection::vec(any::<bool>(), 0..3).prop_map(Part::Group),
        ]
    }

    /// Generates a placeholder value and its expected argument. Values start
    /// with a digit, so they never equal a literal word.
    fn value() -> impl Strategy<Value = (String, String)> {
        let word = "[0-9][a-zA-Z0-9_.$]{0,5}";
        prop_oneof![
            word.prop_map(|w| (w.clone(), w)),
            (word, word).prop_map(|(a, b)| (format!("\"{a} {b}\""), format!("{a} {b}"))),
            (word, word).prop_map(|(a, b)| (format!("'{a} {b}'"), format!("{a} {b}"))),
        ]
    }

    /// A pattern and a message built from it, with the expected arguments.
    #[derive(Debug)]
    struct Sample {
        pattern: String,
        message: String,
        args: Vec<(String, String)>,
    }

    /// Builds a pattern from `parts` and a message from one of its forms.
    struct SampleBuilder {
        pattern: Vec<String>,
        message: Vec<String>,
        args: Vec<(String, String)>,
        literals: usize,
        placeholders: usize,
        values: Vec<(String, String)>,
        shout: bool,
    }

    impl SampleBuilder {
        fn literal(&mut self, include: bool) -> String {
            const SUFFIXES: [&str; 8] = ["", "?", "(", ")", "$", ".", "*", "+"];
            let word = format!(
                "w{}{}",
                self.literals,
                SUFFIXES[self.literals % SUFFIXES.len()]
            );
            self.literals += 1;
            if include {
                let spelled = if self.shout {
                    word.to_uppercase()
                } else {
                    word.clone()
                };
                self.message.push(spelled);
            }
            word
        }

        fn placeholder(&mut self, include: bool) -> String {
            let name = format!("p{}", self.placeholders);
            self.placeholders += 1;
            if include {
                let (typed, expected) = self.values.pop().unwrap();
                self.message.push(typed);
                self.args.push((name.clone(), expected));
            }
            format!("<{name}>")
        }
    }

    prop_compose! {
        fn sample()(
            parts in prop::collection::vec(part(), 1..5),
            include in prop::collection::vec(any::<bool>(), 6),
            values in prop::collection::vec(value(), 16),
            rest in prop::option::of(prop::collection::vec("[0-9][a-z\"']{0,4}", 1..4)),
            shout in any::<bool>(),
        ) -> Sample {
            let mut builder = SampleBuilder {
                pattern: Vec::new(),
                message: Vec::new(),
                args: Vec::new(),
                literals: 0,
                placeholders: 0,
                values,
                shout,
            };
            let mut groups = include.into_iter();
            for part in parts {
                let written = match part {
                    Part::Literal => builder.literal(true),
                    Part::Word => builder.placeholder(true),
                    Part::Group(inner) => {
                        let included = groups.next().unwrap_or(false);
                        let mut words = vec![builder.literal(included)];
                        for is_literal in inner {
                            words.push(if is_literal {
                                builder.literal(included)
                            } else {
                                builder.placeholder(included)
                            });
                        }
                        format!("[{}]", words.join(" "))
                    }
                };
                builder.pattern.push(written);
            }
            if let Some(words) = rest {
                builder.pattern.push("<rest...>".to_owned());
                builder.message.push(words.join(" "));
                builder.args.push(("rest".to_owned(), words.join(" ")));
            }
            Sample {
                pattern: builder.pattern.join(" "),
                message: builder.message.join(" "),
                args: builder.args,
            }
        }
    }

    /// Generates a short pattern over the literal words `a` and `b`, so
    /// that two of them often overlap.
    fn small_pattern() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just("a"),
            Just("b"),
            Just("<>"),
            Just("[a <>]"),
            Just("[b]")
        ];
        (prop::collection::vec(part, 1..4), any::<bool>()).prop_map(|(parts, rest)| {
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

    /// Returns every message of up to four words over a vocabulary that
    /// covers the literal words, a plain word and both ends of a quoted
    /// string.
    fn small_messages() -> Vec<String> {
        const VOCABULARY: [&str; 5] = ["a", "b", "x", "\"x", "x\""];
        let mut messages = vec![String::new()];
        let mut last = vec![Vec::<&str>::new()];
        for _ in 0..4 {
            let next: Vec<Vec<&str>> = last
                .iter()
                .flat_map(|words| {
                    VOCABULARY.iter().map(move |word| {
                        let mut longer = words.clone();
                        longer.push(word);
                        longer
                    })
                })
                .collect();
            messages.extend(next.iter().map(|words| words.join(" ")));
            last = next;
        }
        messages
    }

    /// Returns whether two equally specific forms of the two patterns match
    /// one of `messages`.
    fn brute_force_conflict(first: &Pattern, second: &Pattern, messages: &[String]) -> bool {
        let compile = |forms: Vec<form::Form>| -> Vec<(usize, regex::bytes::Regex)> {
            forms
                .iter()
                .map(|form| (form.specificity, form.regex()))
                .collect()
        };
        let forms_a = compile(form::expand(0, first));
        let forms_b = compile(form::expand(1, second));
        forms_a.iter().any(|(specificity_a, a)| {
            forms_b.iter().any(|(specificity_b, b)| {
                specificity_a == specificity_b
                    && messages.iter().any(|message| {
                        a.is_match(message.as_bytes()) && b.is_match(message.as_bytes())
                    })
            })
        })
    }

    proptest! {
        #[test]
        fn generated_message_round_trips(sample in sample()) {
            let router = router(&[sample.pattern.as_str()]);
            let found = route(&router, &sample.message);
            prop_assert!(found.is_some(), "{sample:?}");

            let args: Vec<(String, String)> = found
                .unwrap()
                .args
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect();
            prop_assert_eq!(args, sample.args);
        }

        #[test]
        fn conflict_examples_match_both(first in small_pattern(), second in small_pattern()) {
            for conflict in conflicts_of(&[first.as_str(), second.as_str()]) {
                prop_assert!(matches_alone(&first, &conflict.example), "{conflict:?}");
                prop_assert!(matches_alone(&second, &conflict.example), "{conflict:?}");
            }
        }

        #[test]
        fn conflicts_agree_with_brute_force(first in small_pattern(), second in small_pattern()) {
            let patterns = vec![Pattern::parse(&first).unwrap(), Pattern::parse(&second).unwrap()];
            let found = !conflicts(&patterns).is_empty();
            let brute = brute_force_conflict(&patterns[0], &patterns[1], &small_messages());
            if brute {
                prop_assert!(found, "missed a conflict between {first:?} and {second:?}");
            }
        }

        #[test]
        fn route_arbitrary_no_panic(text in any::<String>()) {
            let router = router(&[
                "show account <name>",
                "show <what> <name>",
                "say <words...>",
                "extend <a> trial [by <n> days]",
                "price $5.00?",
            ]);
            let _ = route(&router, &text);
        }
    }
}
