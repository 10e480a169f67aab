//! The audit trail: one structured `tracing` event per executed command,
//! approval decision and denial, on the target [`AUDIT_TARGET`].
//!
//! The channel history already shows what happened in Slack; the audit trail
//! is the same record in a form a team can ship to its log store. To write it
//! to a file as JSON lines, add a `tracing_subscriber` layer with
//! `.json()` and a filter on this target, as the access-control guide in the
//! repository's `docs/` folder shows.

use tracing::info;

use crate::platform::Message;
use crate::router::Args;

/// The `tracing` target of every audit event.
pub const AUDIT_TARGET: &str = "backoffice::audit";

/// What happened to a command, as the audit trail records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The command ran and succeeded.
    Succeeded,
    /// The command ran and failed, panicked or timed out.
    Failed,
    /// The dry run was posted and approval was requested.
    ApprovalRequested,
    /// The request was approved; the run follows.
    Approved,
    /// The request was rejected.
    Rejected,
    /// The request expired.
    Expired,
    /// The request was voided by an edit of the command message.
    Voided,
    /// The person may not run the command here.
    Denied,
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::ApprovalRequested => "approval_requested",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Voided => "voided",
            Self::Denied => "denied",
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, Copy)]
pub struct AuditRecord<'a> {
    /// The command's handler name.
    pub command: &'a str,
    /// The parsed arguments, as the message gave them.
    pub args: Option<&'a Args>,
    /// The command message.
    pub message: &'a Message,
    /// The people besides the caller who approved, if any.
    pub approvers: &'a [String],
    /// What happened.
    pub outcome: AuditOutcome,
    /// Why, for denials and failures.
    pub detail: &'a str,
}

/// Writes `record` as one event on the audit target.
pub fn record(record: &AuditRecord<'_>) {
    let args = record.args.map(format_args).unwrap_or_default();
    info!(
        target: AUDIT_TARGET,
        command = record.command,
        args = %args,
        caller = %record.message.user,
        team = %record.message.team,
        channel = %record.message.channel,
        ts = %record.message.ts,
        approvers = %record.approvers.join(","),
        outcome = record.outcome.as_str(),
        detail = record.detail,
        "audit"
    );
}

/// Formats arguments as `name=value` pairs with values quoted as JSON-like
/// strings, so that spaces and quotes in values stay unambiguous.
fn format_args(args: &Args) -> String {
    let pairs: Vec<String> = args
        .iter()
        .map(|(name, value)| format!("{name}={value:?}"))
        .collect();
    pairs.join(" ")
}
