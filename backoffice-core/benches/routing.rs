//! Routing benchmarks over generated bots of 10 to 10,000 commands.
//!
//! Each size measures one message that matches a command, one that matches
//! nothing (routing, then the "did you mean" suggestions over every command)
//! and one full of Slack markup (normalisation, then routing). A last
//! benchmark builds the router for 10,000 commands, conflict check included.
//!
//! Run it with `cargo bench -p backoffice-core --bench routing`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};

use backoffice_core::help::{self, HelpEntry};
use backoffice_core::normalize::normalize;
use backoffice_core::pattern::Pattern;
use backoffice_core::router::Router;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

const VERBS: [&str; 24] = [
    "show", "list", "extend", "disable", "enable", "reset", "grant", "revoke", "export", "import",
    "archive", "restore", "pause", "resume", "rename", "merge", "close", "open", "sync", "approve",
    "reject", "count", "purge", "audit",
];

const NOUNS: [&str; 40] = [
    "account",
    "user",
    "team",
    "workspace",
    "invoice",
    "plan",
    "trial",
    "subscription",
    "project",
    "repository",
    "deployment",
    "cluster",
    "node",
    "queue",
    "job",
    "webhook",
    "token",
    "domain",
    "channel",
    "report",
    "ticket",
    "order",
    "refund",
    "coupon",
    "region",
    "bucket",
    "cache",
    "feature",
    "flag",
    "role",
    "group",
    "policy",
    "backup",
    "snapshot",
    "database",
    "index",
    "service",
    "worker",
    "schedule",
    "license",
];

const QUALIFIERS: [&str; 11] = [
    "usage", "limits", "history", "owners", "settings", "quota", "logs", "status", "members",
    "billing", "alerts",
];

/// The number of command classes: one per shape of [`command`].
const CLASSES: usize = 6;

/// A generated command: its pattern and a message that matches it.
struct Command {
    pattern: String,
    message: String,
}

/// A small linear congruential generator, so every run sees the same bots.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() as usize % words.len()]
    }
}

/// Returns the class of command `index`: which shape its pattern has.
fn class(index: usize) -> usize {
    let verb = index % VERBS.len();
    if verb == 0 {
        0
    } else {
        1 + verb % (CLASSES - 1)
    }
}

/// Generates command `index`. Every command has its own verb, noun and
/// qualifier triple, and all commands with one verb share a shape, so the
/// generated bots have no conflicts. Commands of the first verb start with
/// a placeholder instead.
///
/// Two placeholders on either side of the varying words would let quoted
/// strings shift the words between them, and the router would reject the
/// bot for conflicts, so no shape has them.
fn command(index: usize, rng: &mut Lcg) -> Command {
    let verb = VERBS[index % VERBS.len()];
    let noun = NOUNS[index / VERBS.len() % NOUNS.len()];
    let qualifier = QUALIFIERS[index / (VERBS.len() * NOUNS.len())];
    let account = rng.pick(&["acme", "\"Acme Inc\"", "globex-42", "'Initech Ltd'"]);
    let user = rng.pick(&["jane", "<@U024BE7LH>", "bob.smith"]);

    let (pattern, message) = match class(index) {
        0 => (
            format!("<account> {noun} {qualifier}"),
            format!("{account} {noun} {qualifier}"),
        ),
        1 => (
            format!("{verb} {noun} {qualifier} <account>"),
            format!("{verb} {noun} {qualifier} {account}"),
        ),
        2 => (
            format!("{verb} {noun} {qualifier} <account> [by <days> days]"),
            format!("{verb} {noun} {qualifier} {account} by 14 days"),
        ),
        3 => (
            format!("{verb} <account> {noun} {qualifier} [now]"),
            format!("{verb} {account} {noun} {qualifier} now"),
        ),
        4 => (
            format!("{verb} {noun} {qualifier} <account> [<note...>]"),
            format!("{verb} {noun} {qualifier} {account} please ask {user} to check the logs"),
        ),
        _ => (
            format!("{verb} {noun} {qualifier} [in <region>] <account>"),
            format!("{verb} {noun} {qualifier} in eu-west-1 {account}"),
        ),
    };
    Command { pattern, message }
}

/// A generated bot and the messages its benchmarks send.
struct Bot {
    patterns: Vec<Pattern>,
    router: Router,
    /// One matching message per command class, from the last command of
    /// each class.
    matching: Vec<String>,
    /// A message with a misspelt verb, which matches nothing.
    unknown: String,
    /// A matching message as Slack delivers it, with links, an address,
    /// entities and curly quotes.
    markup: String,
}

fn bot(size: usize) -> Bot {
    let mut rng = Lcg(size as u64);
    let commands: Vec<Command> = (0..size).map(|index| command(index, &mut rng)).collect();
    let patterns: Vec<Pattern> = commands
        .iter()
        .map(|command| Pattern::parse(&command.pattern).expect("generated patterns parse"))
        .collect();
    let router = Router::new(patterns.clone()).expect("generated bots have no conflicts");

    let last_of = |wanted: usize| (0..size).rev().find(|&index| class(index) == wanted);
    let matching: Vec<String> = (0..CLASSES)
        .map(|wanted| {
            let index = last_of(wanted).expect("every size has every class");
            commands[index].message.clone()
        })
        .collect();

    let plain = &commands[last_of(1).expect("every size has class 1")].message;
    let unknown = misspell_first_word(plain);

    let index = last_of(4).expect("every size has class 4");
    let verb = VERBS[index % VERBS.len()];
    let noun = NOUNS[index / VERBS.len() % NOUNS.len()];
    let qualifier = QUALIFIERS[index / (VERBS.len() * NOUNS.len())];
    let markup = format!(
        "{verb}  {noun}\u{a0}{qualifier} <http://acme.com|acme.com> see \
         <https://status.acme.com/incidents?id=7&amp;view=full> &amp; ask \
         <mailto:jane@example.com|jane@example.com> about \u{201c}the late invoice\u{201d}"
    );

    for message in &matching {
        assert!(router.route(message, |_| true).is_some(), "{message:?}");
    }
    assert!(router.route(&unknown, |_| true).is_none(), "{unknown:?}");
    assert!(router.route(&normalize(&markup), |_| true).is_some());

    Bot {
        patterns,
        router,
        matching,
        unknown,
        markup,
    }
}

/// Swaps the second and third letters of the first word: `show` becomes
/// `sohw`.
fn misspell_first_word(message: &str) -> String {
    let mut chars: Vec<char> = message.chars().collect();
    chars.swap(1, 2);
    chars.into_iter().collect()
}

fn routing(c: &mut Criterion) {
    let mut group = c.benchmark_group("route");

    for size in SIZES {
        let bot = bot(size);
        let allowed = vec![true; size];
        let is_allowed = |command: usize| allowed[command];

        group.bench_with_input(BenchmarkId::new("match", size), &bot, |b, bot| {
            let mut next = 0;
            b.iter(|| {
                next = (next + 1) % bot.matching.len();
                black_box(bot.router.route(black_box(&bot.matching[next]), is_allowed))
            });
        });

        let entries: Vec<HelpEntry<'_>> = bot
            .patterns
            .iter()
            .map(|pattern| HelpEntry {
                pattern,
                description: "Does one generated thing.",
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("no_match", size), &bot, |b, bot| {
            b.iter(|| {
                let text = black_box(bot.unknown.as_str());
                match bot.router.route(text, is_allowed) {
                    Some(found) => black_box(found.command),
                    None => black_box(help::suggest(text, &entries).len()),
                }
            });
        });

        group.bench_with_input(BenchmarkId::new("markup", size), &bot, |b, bot| {
            b.iter(|| {
                let text = normalize(black_box(&bot.markup));
                black_box(bot.router.route(&text, is_allowed))
            });
        });
    }

    group.finish();
}

fn building(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);

    let size = 10_000;
    let mut rng = Lcg(size as u64);
    let patterns: Vec<Pattern> = (0..size)
        .map(|index| Pattern::parse(&command(index, &mut rng).pattern).expect("patterns parse"))
        .collect();

    group.bench_function(BenchmarkId::new("router", size), |b| {
        b.iter_batched(
            || patterns.clone(),
            |patterns| Router::new(patterns).expect("generated bots have no conflicts"),
            BatchSize::LargeInput,
        );
    });

    group.finish();
}

criterion_group!(benches, routing, building);
criterion_main!(benches);
