//! The `minimal_bot` example: its commands through the test kit, and the
//! built example through its console front-end.

mod support;

#[allow(dead_code)]
#[path = "../examples/minimal_bot.rs"]
mod minimal_bot;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use backoffice::testing::TestKit;
use backoffice::{ChannelKind, DispatchError, Outcome};

fn kit() -> TestKit<()> {
    let bot = minimal_bot::bot()
        .build()
        .expect("the example's commands do not conflict");
    TestKit::new(bot)
        .channel("C1", "general", ChannelKind::Public)
        .channel("C2", "random", ChannelKind::Public)
}

#[tokio::test]
async fn ping_replies_pong() {
    let exchange = kit().send("U1", "C1", "ping").await;
    assert_eq!(
        exchange.outcome,
        Outcome::Ran {
            command: "ping".into()
        }
    );
    assert_eq!(exchange.replies, ["pong"]);
}

#[tokio::test]
async fn echo_repeats_rest_of_line() {
    let exchange = kit().send("U1", "C1", "echo hello, \"world\"").await;
    assert_eq!(exchange.replies, ["hello, \"world\""]);
}

#[tokio::test]
async fn other_channel_sees_nothing() {
    let exchange = kit().send("U1", "C2", "ping").await;
    assert!(
        matches!(
            exchange.outcome,
            Outcome::Failed(DispatchError::UnknownCommand { .. })
        ),
        "{:?}",
        exchange.outcome
    );
}

#[test]
fn configuration_check_is_clean() {
    let report = minimal_bot::bot().check();
    assert!(report.is_ok(), "{report}");
}

#[test]
fn console_run_answers() {
    let mut child = Command::new(support::example_binary("minimal_bot"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(b"help\nping\necho hi there\n")
        .expect("the script is written");

    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    let output = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the example exits within 60 seconds")
        .expect("the example's output is read");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr:\n{stderr}");
    assert!(stdout.contains("• `ping`: Replies pong."), "{stdout}");
    assert!(
        stdout.contains("• `echo <text...>`: Repeats the rest of the line."),
        "{stdout}"
    );
    assert!(stdout.contains("pong\n"), "{stdout}");
    assert!(stdout.contains("hi there\n"), "{stdout}");
}
