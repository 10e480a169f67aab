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
    /// The command needs approval, which the operator console cannot collect.
    #[error("the command needs approval, which the operator console cannot collect")]
    ApprovalUnavailable,
    /// Someone who may approve the command rejected it.
    #[error("rejected by {by}")]
    Rejected {
        /// The name of the person who rejected it.
        by: String,
    },
    /// The request for approval expired before it was approved.
    #[error("the request expired at {at}")]
    Expired {
        /// When it expired, in UTC.
        at: String,
    },
    /// The command message was edited after its dry run was shown.
    #[error("the command message was edited after its dry run was shown")]
    Void,
    /// The command message's timestamp is not a valid time or lies in the
    /// future, so a request for approval might never expire.
    #[error("the message timestamp {ts:?} is not a valid time or lies in the future")]
    InvalidTimestamp {
        /// The message timestamp as the platform sent it.
        ts: String,
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

/// The reply when the handled marker could not be added.
///
/// Every replica shares one bot identity, so a lost answer to the claim looks
/// the same as another replica's claim: the command did not run here, but the
/// claim may have reached the platform and another delivery may act on it.
pub const CLAIM_FAILED_REPLY: &str =
    "I could not confirm that I took your message, so I did not run it; \
     check the thread and send it again if nothing happened.";

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
            Self::ClaimFailed { .. } => CLAIM_FAILED_REPLY.into(),
            Self::ApprovalUnavailable => format!(
                "`{usage}` needs approval by other people, which the console cannot collect, \
                 so it did not run. Run it in Slack, or ask the bot's maintainers to allow it \
                 in the console fallback."
            ),
            Self::Rejected { by } => format!("Rejected by {by}, so nothing was changed."),
            Self::Expired { at } => format!(
                "This request expired at {at}, so nothing was changed. \
                 Post the command again to make a new request."
            ),
            Self::Void => "The command message was edited after I showed what it would do, \
                 so this request is void and nothing was changed. Post the command again as a new message."
                .into(),
            Self::InvalidTimestamp { .. } => "I could not tell when your message was posted, \
                 so a request for approval could not expire and nothing was changed. \
                 Post the command again as a new message."
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

/// Formats `time` as a UTC date and time to the minute: `2026-12-04 21:40 UTC`.
pub fn format_utc(time: std::time::SystemTime) -> String {
    let seconds = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let minutes = seconds % 86_400 / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

/// Converts days since 1970-01-01 into a proleptic Gregorian date, with the
/// era-based algorithm from Howard Hinnant's "chrono-Compatible Low-Level
/// Date Algorithms".
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    fn utc_formats() {
        let at = |seconds| std::time::UNIX_EPOCH + Duration::from_secs(seconds);
        assert_eq!(format_utc(at(0)), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(at(951_782_400)), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(at(1_796_420_400)), "2026-12-04 21:40 UTC");
    }

    #[test]
    fn duration_formats() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
    }
}
