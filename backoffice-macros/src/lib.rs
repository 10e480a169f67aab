//! The `#[command]` attribute of `backoffice`.
//!
//! Bot authors use it through the `backoffice` crate, which re-exports it.

#![deny(missing_docs)]

mod attr;
mod errors;
mod expand;
mod signature;
mod validate;

use proc_macro::TokenStream;

/// Turns an async function into a chat command.
///
/// ```ignore
/// use backoffice::prelude::*;
///
/// /// Sets how many days of trial an account has left.
/// #[command(
///     "set <subdomain> trial remaining to <days> days",
///     access = "backoffice",
///     timeout = "30s",
/// )]
/// async fn set_trial(ctx: Context<AppState>, subdomain: String, days: u32) -> Result<String, Error> {
///     ctx.state().accounts.set_trial(&subdomain, days).await?;
///     Ok(format!("{subdomain} now has {days} days of trial left"))
/// }
///
/// // The attribute replaced `set_trial` with a function that builds the command.
/// let command: Command<AppState> = set_trial();
/// ```
///
/// A command that changes something important can wait for approval. The
/// dry run describes the change, the bot posts that description, and the
/// handler runs once enough approvers have agreed:
///
/// ```ignore
/// /// Refunds an invoice.
/// #[command(
///     "refund <invoice> [because <reason...>]",
///     access = "billing",
///     approvals = 2,
///     expires = "30m",
///     approvers = "billing-leads",
///     dry_run = preview_refund,
/// )]
/// async fn refund(ctx: Context<AppState>, invoice: u64, reason: Option<String>) -> Result<String, Error> {
///     let amount = ctx.state().billing.refund(invoice, reason.as_deref()).await?;
///     Ok(format!("refunded {amount} on invoice {invoice}"))
/// }
///
/// /// Describes the refund and changes nothing.
/// async fn preview_refund(ctx: Context<AppState>, invoice: u64, reason: Option<String>) -> Result<String, Error> {
///     let amount = ctx.state().billing.amount(invoice).await?;
///     Ok(format!("will refund {amount} on invoice {invoice} ({})", reason.unwrap_or_default()))
/// }
/// ```
///
/// # Arguments
///
/// - The pattern, a string literal and the only required argument. Words
///   match themselves, case-insensitively. `<name>` takes one word or a
///   quoted string, `<name...>` takes the rest of the line and must come last,
///   and `[...]` marks an optional part. The pattern is parsed at compile time
///   by the same parser the router uses.
/// - `access = "role"`: the role of the access policy that may run the
///   command. Without it the command runs nowhere.
/// - `description = "..."`: the line that help shows. Without it the first
///   paragraph of the doc comment is used, and a command with neither is an
///   error.
/// - `timeout = "30s"`: how long the handler may run, as a whole number
///   followed by `ms`, `s`, `m` or `h`. Without it the bot's default applies.
/// - `approvals = 2`: how many people besides the caller must approve a run,
///   as an integer literal that fits in `u32`. `0`, like leaving it out,
///   means the command runs without approval. A command with `approvals`
///   above zero needs `dry_run`.
/// - `expires = "1h"`: how long a request for approval stays open, written
///   like `timeout`. Without it a request stays open for one hour.
/// - `approvers = "role"`: the access role of those who may approve. Without
///   it the command's own `access` role applies.
/// - `dry_run = fn_name`: the path of an async fn that describes what the
///   command would change and changes nothing. The bot shows its reply to
///   approvers. It takes the same parameters as the handler in the same
///   order, and returns a `Result` like the handler does. With a bare
///   `Context` in the handler, make the dry run generic over the state:
///   `async fn preview<S>(ctx: Context<S>, ...)`.
///
/// `expires`, `approvers` and `dry_run` are errors on a command without
/// `approvals` above zero. Any other key, and any key given twice, is an
/// error.
///
/// # The function
///
/// - It is an `async fn` without generics and without `self`.
/// - It takes exactly one context parameter: `Context<S>` for the bot's state
///   type `S`, or a bare `Context` for a command that uses no state and fits
///   any bot.
/// - It takes one parameter per placeholder, with the placeholder's name, in
///   any order. Each type implements `FromStr` with an error that implements
///   `Display`. A placeholder inside `[...]` takes `Option<T>`, and one
///   outside takes `T`.
/// - It returns `Result<T, E>` where `T` converts into a `Reply` (`String`,
///   `&str` or `Reply`) and `E` implements `Display`. The error's text is
///   shown to the person who ran the command.
/// - With `dry_run`, each parameter's type also implements `Clone`, because
///   the handler and the dry run each get their own copy of the argument.
///
/// # What it expands to
///
/// The function is replaced by a function of the same name and visibility
/// that takes no arguments and returns `Command<S>` (with a bare `Context`,
/// the function is generic over `S`). The command's name is the function's
/// name. The original function is kept, nested inside, with its attributes
/// except doc comments and `cfg`, which go on the outer function. When the
/// command runs, each placeholder's value is parsed with `FromStr` before
/// the handler is called, so a bad value is reported without running it.
/// Each argument is parsed once. With `dry_run`, the parsed values are
/// cloned, and the dry run gets the clones while the handler gets the
/// originals, so the dry run describes the run that approvers allow.
///
/// ```text
/// pub fn set_trial() -> Command<AppState> {
///     async fn set_trial(ctx: Context<AppState>, subdomain: String, days: u32) -> ... { ... }
///     Command::new(CommandInfo::new("set_trial", PATTERN, DESCRIPTION)..., |args| {
///         /* parse `subdomain` and `days`, then call set_trial */
///     })
/// }
///
/// pub fn refund() -> Command<AppState> {
///     async fn refund(ctx: Context<AppState>, invoice: u64, reason: Option<String>) -> ... { ... }
///     Command::new(
///         CommandInfo::new("refund", PATTERN, DESCRIPTION)
///             .access("billing")
///             .approvals(2)
///             .expires(Duration::from_millis(1800000))
///             .approvers("billing-leads"),
///         |args| {
///             /* parse `invoice` and `reason`, and clone them for the dry run */
///             Ok(Invocation::new(/* call refund */).with_dry_run(/* call preview_refund */))
///         },
///     )
/// }
/// ```
#[proc_macro_attribute]
pub fn command(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::command(args.into(), item.into()).into()
}
