//! The `#[command]` attribute of `backoffice`.
//!
//! Bot authors use it through the `backoffice` crate, which re-exports it.

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
///
/// Any other key, and any key given twice, is an error.
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
///
/// ```text
/// pub fn set_trial() -> Command<AppState> {
///     async fn set_trial(ctx: Context<AppState>, subdomain: String, days: u32) -> ... { ... }
///     Command::new(CommandInfo::new("set_trial", PATTERN, DESCRIPTION)..., |args| {
///         /* parse `subdomain` and `days`, then call set_trial */
///     })
/// }
/// ```
#[proc_macro_attribute]
pub fn command(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::command(args.into(), item.into()).into()
}
