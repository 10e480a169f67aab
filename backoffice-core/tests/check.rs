//! The configuration check: conflicts between commands and commands without
//! an access rule, through `BotBuilder::check`, `check` and `build`.

use backoffice_core::check::Unbound;
use backoffice_core::{
    check, AccessPolicy, Bot, BotBuilder, BuildError, Command, CommandInfo, Invocation, Reply, Rule,
};

fn command(info: CommandInfo) -> Command<()> {
    Command::new(info, |_args| {
        Ok(Invocation::new(|_ctx| {
            Box::pin(async { Ok(Reply::new("done")) })
        }))
    })
}

fn with_role(name: &str, pattern: &str, role: &str) -> Command<()> {
    command(CommandInfo::new(name, pattern, "Does something").access(role))
}

fn support_bot() -> BotBuilder<()> {
    Bot::builder(()).role("support", Rule::channels(["support"]))
}

#[test]
fn clean_bot_is_ok() {
    let report = support_bot()
        .command(with_role("show", "show account <name>", "support"))
        .command(with_role("disable", "disable account <name>", "support"))
        .check();
    assert!(report.is_ok(), "{report}");
    assert!(report.conflicts().is_empty());
    assert!(report.unbound().is_empty());
    assert_eq!(
        report.to_string(),
        "no conflicts, and every command has an access rule"
    );
}

#[test]
fn conflict_names_commands_and_example() {
    let report = support_bot()
        .command(with_role("show_account", "show <what> now", "support"))
        .command(with_role("show_item", "show <item> now", "support"))
        .check();
    assert!(!report.is_ok());
    assert_eq!(report.conflicts().len(), 1);

    let conflict = &report.conflicts()[0];
    assert_eq!(conflict.commands(), ["show_account", "show_item"]);
    assert_eq!(conflict.conflict().first, "show <what> now");
    assert_eq!(conflict.conflict().second, "show <item> now");
    assert_eq!(conflict.example(), "show x now");

    let text = report.to_string();
    assert!(
        text.contains("`show_account` (`show <what> now`)"),
        "{text}"
    );
    assert!(text.contains("`show_item` (`show <item> now`)"), "{text}");
    assert!(text.contains("both match `show x now`"), "{text}");
}

#[test]
fn same_pattern_names_both_commands() {
    let report = support_bot()
        .command(with_role("first", "restart <service>", "support"))
        .command(with_role("second", "restart <service>", "support"))
        .check();
    assert_eq!(report.conflicts().len(), 1);
    assert_eq!(report.conflicts()[0].commands(), ["first", "second"]);
}

#[test]
fn every_conflict_reported() {
    let report = support_bot()
        .command(with_role("a", "show <x>", "support"))
        .command(with_role("b", "show <y>", "support"))
        .command(with_role("c", "stop <x> now", "support"))
        .command(with_role("d", "stop <y> now", "support"))
        .check();
    let pairs: Vec<[&str; 2]> = report.conflicts().iter().map(|c| c.commands()).collect();
    assert_eq!(pairs, [["a", "b"], ["c", "d"]]);
}

#[test]
fn command_without_access_role() {
    let report = support_bot()
        .command(command(CommandInfo::new(
            "orphan",
            "orphan",
            "Runs nowhere",
        )))
        .check();
    assert!(!report.is_ok());
    let unbound = &report.unbound()[0];
    assert_eq!(unbound.command, "orphan");
    assert_eq!(unbound.pattern, "orphan");
    assert_eq!(unbound.reason, Unbound::NoAccessRole);
    let text = report.to_string();
    assert!(
        text.contains("`orphan` (`orphan`) has no access role"),
        "{text}"
    );
    assert!(text.contains("add `access = \"ROLE\"`"), "{text}");
}

#[test]
fn role_bound_to_nothing() {
    let report = support_bot()
        .command(with_role("show", "show account <name>", "support"))
        .command(with_role("delete", "delete account <name>", "developers"))
        .check();
    assert_eq!(report.unbound().len(), 1);
    let unbound = &report.unbound()[0];
    assert_eq!(unbound.command, "delete");
    assert_eq!(
        unbound.reason,
        Unbound::RoleBoundToNothing {
            role: "developers".into()
        }
    );
    let text = report.to_string();
    assert!(
        text.contains("`developers`, which is bound to nothing"),
        "{text}"
    );
    assert!(text.contains(".role(\"developers\""), "{text}");
}

#[test]
fn approvers_bound_to_nothing() {
    let info = CommandInfo::new("refund", "refund <invoice>", "Refunds an invoice")
        .access("support")
        .approvals(1)
        .approvers("billing-leads");
    let report = support_bot().command(command(info)).check();
    assert_eq!(
        report.unbound()[0].reason,
        Unbound::ApproversBoundToNothing {
            role: "billing-leads".into()
        }
    );
}

#[test]
fn approvers_ignored_without_approvals() {
    let info = CommandInfo::new("refund", "refund <invoice>", "Refunds an invoice")
        .access("support")
        .approvers("billing-leads");
    let report = support_bot().command(command(info)).check();
    assert!(report.is_ok(), "{report}");
}

#[test]
fn report_lists_every_problem() {
    let report = support_bot()
        .command(with_role("a", "show <x>", "support"))
        .command(with_role("b", "show <y>", "support"))
        .command(with_role("c", "stop", "nobody"))
        .command(command(CommandInfo::new("d", "start", "Starts")))
        .check();
    let text = report.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "3 problem(s) in the bot's commands:");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].contains("`a`"), "{text}");
    assert!(lines[2].contains("`c`"), "{text}");
    assert!(lines[3].contains("`d`"), "{text}");
}

#[test]
fn free_function_matches_builder() {
    let commands = vec![
        with_role("a", "show <x>", "support"),
        with_role("b", "show <y>", "support"),
        with_role("c", "stop", "nobody"),
    ];
    let mut policy = AccessPolicy::default();
    policy.bind("support", Rule::channels(["support"]));

    let from_function = check(&commands, &policy);
    let from_builder = support_bot().commands(commands).check();
    assert_eq!(from_function, from_builder);
}

#[test]
fn build_fails_naming_commands() {
    let result = support_bot()
        .command(with_role("show_account", "show <what> now", "support"))
        .command(with_role("show_item", "show <item> now", "support"))
        .build();
    let Err(BuildError::Conflicts(conflicts)) = result else {
        panic!("the patterns conflict, so the build must fail");
    };
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].commands(), ["show_account", "show_item"]);
    let text = BuildError::Conflicts(conflicts).to_string();
    assert!(text.contains("`show_account`"), "{text}");
    assert!(text.contains("`show x now`"), "{text}");
}

#[test]
fn build_succeeds_with_unbound_commands() {
    let builder = support_bot()
        .command(with_role("show", "show account <name>", "support"))
        .command(with_role("delete", "delete account <name>", "developers"));
    assert_eq!(builder.check().unbound().len(), 1);
    let bot = builder.build().expect("unbound commands only warn");
    assert_eq!(bot.commands().len(), 2);
}
