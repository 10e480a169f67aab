//! The console front-end, in demo and operator mode, driven through its
//! real input and output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use backoffice_core::console::{self, ConsoleSettings};
use backoffice_core::{Bot, Command, CommandInfo, Context, Invocation, Reply, Rule};

/// An output that tests can read after the console wrote to it.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<u8>>>);

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Output {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn whoami(role: &str, approvals: u32) -> Command<()> {
    let info = CommandInfo::new(
        format!("whoami_{role}"),
        format!("whoami {role}"),
        "Names the caller",
    )
    .access(role)
    .approvals(approvals);
    Command::new(info, |_args| {
        let run = |ctx: Context<()>| -> backoffice_core::command::BoxFuture<_> {
            let caller = ctx.caller().to_owned();
            let channel = ctx.channel().to_owned();
            Box::pin(async move { Ok(Reply::new(format!("you are {caller} in {channel}"))) })
        };
        let dry_run = |_ctx: Context<()>| -> backoffice_core::command::BoxFuture<_> {
            Box::pin(async { Ok(Reply::new("I would name you.")) })
        };
        Ok(Invocation::new(run).with_dry_run(dry_run))
    })
}

fn bot() -> Bot<()> {
    Bot::builder(())
        .command(whoami("support", 0))
        .command(whoami("slackonly", 0))
        .command(whoami("risky", 1))
        .command(whoami("urgent", 1))
        .role("support", Rule::channels(["support"]).allow_console())
        .role("slackonly", Rule::channels(["support"]))
        .role("risky", Rule::channels(["support"]).allow_console())
        .role(
            "urgent",
            Rule::channels(["support"]).allow_console_without_approval(),
        )
        .build()
        .expect("no conflicts")
}

async fn run(script: &str, settings: ConsoleSettings) -> String {
    let output = Output::default();
    console::run(bot(), script.as_bytes(), output.clone(), settings)
        .await
        .expect("the console runs to the end of its input");
    output.text()
}

#[tokio::test]
async fn demo_mode_switches_user_and_channel() {
    let text = run(
        "/user ann\n/channel support\nwhoami support\n",
        ConsoleSettings::new("elsewhere", "you"),
    )
    .await;
    assert!(text.contains("You are now ann."), "{text}");
    assert!(text.contains("you are ann in support"), "{text}");
}

#[tokio::test]
async fn demo_mode_react_approves() {
    let script = "/channel support\nwhoami risky\n/react white_check_mark\n/user bob\n/react white_check_mark\n";
    let text = run(script, ConsoleSettings::new("support", "ann")).await;
    assert!(text.contains("I would name you."), "{text}");
    assert!(
        text.contains("Approved by bob. you are ann in support"),
        "{text}"
    );
}

#[tokio::test]
async fn react_without_message_explains() {
    let text = run(
        "/react white_check_mark\n/react\n",
        ConsoleSettings::new("support", "ann"),
    )
    .await;
    assert!(
        text.contains("There is no message to react to yet"),
        "{text}"
    );
    assert!(text.contains("Write one emoji name"), "{text}");
}

#[tokio::test]
async fn operator_mode_fixes_identity() {
    let text = run(
        "/user bob\n/channel support\n/react x\nwhoami support\n",
        ConsoleSettings::operator("U0ANN", "ann"),
    )
    .await;
    assert!(
        text.contains("`/user` and `/channel` are for demo mode"),
        "{text}"
    );
    assert!(
        text.contains("Approvals cannot be given from the operator console"),
        "{text}"
    );
    assert!(text.contains("you are U0ANN in console"), "{text}");
    assert!(!text.contains("You are now bob"), "{text}");
}

#[tokio::test]
async fn operator_mode_runs_only_console_roles() {
    let text = run(
        "whoami slackonly\n",
        ConsoleSettings::operator("U0ANN", "ann"),
    )
    .await;
    assert!(text.contains("I don't know that command."), "{text}");
}

#[tokio::test]
async fn operator_mode_refuses_unwaived_approval() {
    let text = run(
        "whoami risky\nwhoami urgent\n",
        ConsoleSettings::operator("U0ANN", "ann"),
    )
    .await;
    assert!(
        text.contains(
            "`whoami risky` needs approval by other people, which the console cannot collect"
        ),
        "{text}"
    );
    assert!(text.contains("you are U0ANN in console"), "{text}");
    assert!(!text.contains("I would name you."), "{text}");
}

#[tokio::test]
async fn operator_help_lists_runnable_commands() {
    let text = run("help\n", ConsoleSettings::operator("U0ANN", "ann")).await;

    assert!(text.contains("whoami support"), "{text}");
    assert!(text.contains("whoami urgent"), "{text}");
    assert!(!text.contains("whoami risky"), "{text}");
    assert!(!text.contains("whoami slackonly"), "{text}");
}

#[tokio::test]
async fn demo_help_lists_approval_commands() {
    let text = run("help\n", ConsoleSettings::new("support", "ann")).await;

    assert!(text.contains("whoami risky"), "{text}");
}
