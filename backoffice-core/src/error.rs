//! The ways a message can fail to become a finished command, one variant per
//! gate, each with the reply an operator understands.

use std::time::Duration;

/// Why a command did not run, or did not finish.
///
/// [`DispatchError::reply`] is the default answer posted in the message's thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// No command allowed here matches the message. A command that exists but
    /// is not allowed here gets this answer too, so it stays invisible.
    #[error("unknown command")]
    UnknownCommand {
        /// Usage lines of similar commands allowed here.
        suggestions: Vec<String>,
    },
    /// An argument could not be parsed into the handler's type.
    #[error("invalid argument for <{placeholder}>: {message}")]
    BadArgument {
        /// The placeholder's name.
        placeholder: String,
        /// What was wrong, for example "`many` is not a whole number".
        message: String,
        /// The command's usage line.
        usage: String,
    },
    /// The caller's access could not be checked because a lookup failed.
    #[error("access could not be checked: {cause}")]
    AccessCheckFailed {
        /// The failed lookup.
        cause: String,
    },
    /// The message could not be claimed, so the command did not run.
    #[error("the message could not be claimed: {cause}")]
    ClaimFailed {
        /// The failed platform call.
        cause: String,
    },
    /// The handler returned an error.
    #[error("the handler failed: {message}")]
    HandlerFailed {
        /// The handler's error message.
        message: String,
    },
    /// The handler panicked.
    #[error("the handler panicked: {message}")]
    Panicked {
        /// The panic message.
        message: String,
    },
    /// The handler ran past its timeout and was cancelled.
    #[error("the handler timed out after {timeout:?}")]
    TimedOut {
        /// The timeout that passed.
        timeout: Duration,
    },
}

impl DispatchError {
    /// Returns the reply posted to the person who sent the message.
    pub fn reply(&self, usage: &str) -> String {
        match self {
            Self::UnknownCommand { suggestions } => unknown_command_reply(suggestions),
            Self::BadArgument { message, usage, .. } => {
                format!("{message}.\nUsage: `{usage}`")
            }
            Self::AccessCheckFailed { .. } => "I could not check whether you may run this command here, \
                 so I did not run it. Please try again in a minute."
                .into(),
            Self::ClaimFailed { .. } => "I could not mark your message as taken, so I did not run it. \
                 Please try again in a minute."
                .into(),
            Self::HandlerFailed { message } => format!("`{usage}` failed: {message}"),
            Self::Panicked { .. } => format!(
                "`{usage}` stopped because of an internal error. It may have done part of its work. \
                 The error was logged for the bot's maintainers."
            ),
            Self::TimedOut { timeout } => format!(
                "`{usage}` took longer than {} and was stopped. It may have done part of its work: \
                 check before you run it again.",
                format_duration(*timeout)
            ),
        }
    }
}

fn unknown_command_reply(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        return "I don't know that command. Type `help` to see what you can run here.".into();
    }
    let mut reply = String::from("I don't know that command. Did you mean:");
    for usage in suggestions {
        reply.push_str(&format!("\n• `{usage}`"));
    }
    reply.push_str("\nType `help` to see what you can run here.");
    reply
}

/// Formats a duration the way people write it: `90s`, `5m`, `1h 30m`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let parts = [(hours, "h"), (minutes, "m"), (seconds, "s")];
    let words: Vec<String> = parts
        .iter()
        .filter(|(value, _)| *value > 0)
        .map(|(value, unit)| format!("{value}{unit}"))
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_lists_suggestions() {
        let error = DispatchError::UnknownCommand {
            suggestions: vec!["show account <subdomain>".into()],
        };
        let reply = error.reply("");
        assert!(
            reply.contains("Did you mean:\n• `show account <subdomain>`"),
            "{reply}"
        );
    }

    #[test]
    fn duration_formats() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
    }
}
