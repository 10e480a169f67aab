//! Help and "did you mean" suggestions, drawn only from the commands a person
//! may run in the current channel.

use std::borrow::Cow;

use crate::pattern::{Pattern, Segment};

/// One command as help shows it.
#[derive(Debug, Clone, Copy)]
pub struct HelpEntry<'a> {
    /// The parsed pattern.
    pub pattern: &'a Pattern,
    /// What the command does.
    pub description: &'a str,
}

/// The maximum number of suggestions for an unknown command.
const MAX_SUGGESTIONS: usize = 3;

/// The lowest similarity, from 0 to 1, for a command to be suggested.
const MIN_SIMILARITY: f64 = 0.5;

/// Returns the words after `help` when `text` asks for help (`help` or
/// `help <words>`), or `None` when it does not.
pub fn help_query(text: &str) -> Option<&str> {
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    first.eq_ignore_ascii_case("help").then(|| rest.trim())
}

/// Renders help for `query`: every entry when the query is empty, otherwise
/// the entries whose literal words contain every word of the query.
pub fn render(query: &str, entries: &[HelpEntry<'_>]) -> String {
    if entries.is_empty() {
        return "There are no commands you can run here.".into();
    }
    if query.is_empty() {
        return render_list("Commands you can run here:", entries.iter());
    }
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let found: Vec<&HelpEntry<'_>> = entries
        .iter()
        .filter(|entry| {
            let literals = literal_words(entry.pattern);
            words.iter().all(|word| literals.contains(word))
        })
        .collect();
    if found.is_empty() {
        return format!("No command here matches `{query}`. Type `help` to see them all.");
    }
    render_list("", found.into_iter())
}

fn render_list<'a>(title: &str, entries: impl Iterator<Item = &'a HelpEntry<'a>>) -> String {
    let mut lines: Vec<String> = Vec::new();
    if !title.is_empty() {
        lines.push(title.to_owned());
    }
    for entry in entries {
        lines.push(format!(
            "• `{}`: {}",
            entry.pattern.usage(),
            entry.description
        ));
    }
    lines.join("\n")
}

/// Returns the usage lines of the entries most similar to `text`, best first.
///
/// Every entry is scored, so the cost grows with the number of entries.
pub fn suggest(text: &str, entries: &[HelpEntry<'_>]) -> Vec<String> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let mut scored: Vec<(f64, &Pattern)> = entries
        .iter()
        .map(|entry| (similarity(&words, entry.pattern), entry.pattern))
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .collect();

    // The sort is stable, so equally similar entries keep their order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, pattern)| pattern.usage())
        .collect()
}

/// Scores how well `words` fit the pattern's required words, position by
/// position: a literal word scores its spelling similarity, a placeholder
/// scores 1 when a word stands in its place.
fn similarity(words: &[String], pattern: &Pattern) -> f64 {
    let mut tokens = 0;
    let mut total = 0.0;

    for segment in pattern.segments() {
        let score = match segment {
            Segment::Literal(literal) => words
                .get(tokens)
                .map(|word| strsim::normalized_levenshtein(&lowercase(literal), word)),
            Segment::Placeholder(_) => words.get(tokens).map(|_| 1.0),
            Segment::Optional(_) => continue,
        };
        total += score.unwrap_or(0.0);
        tokens += 1;
    }

    if tokens == 0 || words.is_empty() {
        return 0.0;
    }
    total / tokens.max(words.len()) as f64
}

/// Lowercases `word`, without a copy when it is lowercase ASCII already.
fn lowercase(word: &str) -> Cow<'_, str> {
    if word.is_ascii() && !word.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Cow::Borrowed(word);
    }
    Cow::Owned(word.to_lowercase())
}

fn literal_words(pattern: &Pattern) -> Vec<String> {
    let mut words = Vec::new();
    for segment in pattern.segments() {
        match segment {
            Segment::Literal(word) => words.push(word.to_lowercase()),
            Segment::Optional(inner) => words.extend(inner.iter().filter_map(|s| match s {
                Segment::Literal(word) => Some(word.to_lowercase()),
                _ => None,
            })),
            Segment::Placeholder(_) => {}
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> Vec<Pattern> {
        [
            "show account <subdomain>",
            "set <subdomain> trial remaining to <number> days",
        ]
        .iter()
        .map(|p| Pattern::parse(p).unwrap())
        .collect()
    }

    fn entries(patterns: &[Pattern]) -> Vec<HelpEntry<'_>> {
        patterns
            .iter()
            .map(|pattern| HelpEntry {
                pattern,
                description: "does things",
            })
            .collect()
    }

    #[test]
    fn help_query_recognises_help() {
        assert_eq!(help_query("help"), Some(""));
        assert_eq!(help_query("HELP show"), Some("show"));
        assert_eq!(help_query("helpful"), None);
    }

    #[test]
    fn render_lists_and_filters() {
        let patterns = patterns();
        let entries = entries(&patterns);
        let all = render("", &entries);
        assert!(
            all.contains("• `show account <subdomain>`: does things"),
            "{all}"
        );
        assert!(all.contains("• `set <subdomain> trial"), "{all}");

        let one = render("trial", &entries);
        assert!(!one.contains("show account"), "{one}");
        assert!(one.contains("set <subdomain> trial"), "{one}");

        let none = render("delete", &entries);
        assert!(
            none.starts_with("No command here matches `delete`"),
            "{none}"
        );
    }

    #[test]
    fn suggest_finds_typo() {
        let patterns = patterns();
        let found = suggest("shwo acount acme", &entries(&patterns));
        assert_eq!(found, ["show account <subdomain>"]);
        assert!(suggest("reboot the moon please now", &entries(&patterns)).is_empty());
    }
}
