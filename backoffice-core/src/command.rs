//! Commands: a pattern, its facts, and the code that parses arguments and runs.
//!
//! The `#[command]` macro turns an annotated async function into a function
//! that returns a [`Command`]. A command is run in two steps: [`Command::prepare`]
//! parses the message's arguments into the handler's types, and the returned
//! [`Invocation`] runs the handler. Parsing first means a bad argument is
//! reported before anything is claimed or run.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::context::Context;
use crate::pattern::Pattern;
use crate::router::Args;

/// A boxed future that can move between threads.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a handler's successful run posts in the message's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    text: String,
}

impl Reply {
    /// Creates a reply with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into() }
    }

    /// Returns the reply's text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for Reply {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// A handler's failure, with the message shown to the person who ran it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HandlerError {
    message: String,
}

impl HandlerError {
    /// Creates a failure with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The result types a handler may return: `Result<T, E>` where `T` converts
/// into a [`Reply`] (`String`, `&str`, `Reply`) and `E` can be displayed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a command's result",
    label = "return `Result<T, E>` where `T` converts into `Reply` and `E` implements `Display`"
)]
pub trait IntoOutcome {
    /// Converts the handler's result into a reply or a failure.
    fn into_outcome(self) -> Result<Reply, HandlerError>;
}

impl<T, E> IntoOutcome for Result<T, E>
where
    T: Into<Reply>,
    E: fmt::Display,
{
    fn into_outcome(self) -> Result<Reply, HandlerError> {
        self.map(Into::into)
            .map_err(|error| HandlerError::new(error.to_string()))
    }
}

/// A placeholder value that could not be parsed into the handler's type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not {expected}", visible(value))]
pub struct ArgError {
    /// The placeholder's name.
    pub placeholder: String,
    /// The value the message gave.
    pub value: String,
    /// What was expected, for example `a whole number`.
    pub expected: String,
}

/// Returns `value` with control characters written as escapes (`\u{7}`,
/// `\n`), so that an error reply shows them instead of passing them on.
fn visible(value: &str) -> String {
    let mut shown = String::with_capacity(value.len());
    for character in value.chars() {
        if character.is_control() {
            shown.extend(character.escape_default());
        } else {
            shown.push(character);
        }
    }
    shown
}

/// Parses the required placeholder `name` into `T`.
///
/// # Errors
///
/// Returns an [`ArgError`] when the value is missing or `T::from_str` rejects it.
pub fn parse_required<T>(args: &Args, name: &str) -> Result<T, ArgError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    let value = args.get(name).ok_or_else(|| ArgError {
        placeholder: name.to_owned(),
        value: String::new(),
        expected: format!("a value for <{name}>"),
    })?;
    parse_value(name, value)
}

/// Parses the optional placeholder `name` into `T`, or `None` when the message
/// left it out.
///
/// # Errors
///
/// Returns an [`ArgError`] when `T::from_str` rejects the value.
pub fn parse_optional<T>(args: &Args, name: &str) -> Result<Option<T>, ArgError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    args.get(name)
        .map(|value| parse_value(name, value))
        .transpose()
}

fn parse_value<T>(name: &str, value: &str) -> Result<T, ArgError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    value.parse().map_err(|error: T::Err| ArgError {
        placeholder: name.to_owned(),
        value: value.to_owned(),
        expected: describe_expected::<T>(name, &error.to_string()),
    })
}

/// Describes what a placeholder of type `T` accepts, in words an operator
/// understands.
fn describe_expected<T>(name: &str, error: &str) -> String {
    let type_name = std::any::type_name::<T>();
    if let Some((min, max)) = integer_range(type_name) {
        return format!("a whole number from {min} to {max}");
    }
    match type_name {
        "f32" | "f64" => "a number".into(),
        "bool" => "`true` or `false`".into(),
        _ => format!("a valid <{name}>: {error}"),
    }
}

/// Returns the smallest and largest value of a primitive integer type, by name.
fn integer_range(type_name: &str) -> Option<(i128, u128)> {
    let range = match type_name {
        "u8" => (0, u128::from(u8::MAX)),
        "u16" => (0, u128::from(u16::MAX)),
        "u32" => (0, u128::from(u32::MAX)),
        "u64" | "usize" => (0, u128::from(u64::MAX)),
        "u128" => (0, u128::MAX),
        "i8" => (i128::from(i8::MIN), i8::MAX as u128),
        "i16" => (i128::from(i16::MIN), i16::MAX as u128),
        "i32" => (i128::from(i32::MIN), i32::MAX as u128),
        "i64" | "isize" => (i128::from(i64::MIN), i64::MAX as u128),
        "i128" => (i128::MIN, i128::MAX as u128),
        _ => return None,
    };
    Some(range)
}

/// Runs a prepared command with its context.
type RunFn<S> = Box<dyn FnOnce(Context<S>) -> BoxFuture<Result<Reply, HandlerError>> + Send>;

/// A command whose arguments were parsed and that is ready to run, or to
/// describe what it would do.
///
/// The handler and the dry run receive the same parsed arguments, so what
/// the dry run shows is what the handler will do.
pub struct Invocation<S> {
    run: RunFn<S>,
    dry_run: Option<RunFn<S>>,
}

impl<S> Invocation<S> {
    /// Creates an invocation from the closure that runs the handler.
    pub fn new<F>(run: F) -> Self
    where
        F: FnOnce(Context<S>) -> BoxFuture<Result<Reply, HandlerError>> + Send + 'static,
    {
        Self {
            run: Box::new(run),
            dry_run: None,
        }
    }

    /// Adds the dry run: the closure that describes what the handler would
    /// change, and changes nothing.
    pub fn with_dry_run<F>(mut self, dry_run: F) -> Self
    where
        F: FnOnce(Context<S>) -> BoxFuture<Result<Reply, HandlerError>> + Send + 'static,
    {
        self.dry_run = Some(Box::new(dry_run));
        self
    }

    /// Runs the handler.
    pub fn run(self, context: Context<S>) -> BoxFuture<Result<Reply, HandlerError>> {
        (self.run)(context)
    }

    /// Runs the dry run, or returns `None` when the command has none.
    pub fn dry_run(self, context: Context<S>) -> Option<BoxFuture<Result<Reply, HandlerError>>> {
        self.dry_run.map(|dry_run| dry_run(context))
    }
}

impl<S> fmt::Debug for Invocation<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invocation").finish_non_exhaustive()
    }
}

/// Parses arguments into an invocation.
type PrepareFn<S> = Arc<dyn Fn(&Args) -> Result<Invocation<S>, ArgError> + Send + Sync>;

/// The facts of a command that its attribute declares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandInfo {
    /// The handler function's name.
    pub name: String,
    /// The pattern as written.
    pub pattern: String,
    /// One line that says what the command does.
    pub description: String,
    /// The access role; `None` means the command runs nowhere.
    pub access: Option<String>,
    /// How long the handler may run, or `None` for the bot's default.
    pub timeout: Option<Duration>,
    /// How many people besides the caller must approve a run; 0 means the
    /// command runs without approval.
    pub approvals: u32,
    /// How long a request for approval stays open, or `None` for one hour.
    pub expires: Option<Duration>,
    /// The access role of those who may approve, or `None` for the command's
    /// own access role.
    pub approvers: Option<String>,
}

impl CommandInfo {
    /// Creates the facts of a command with no access role and no timeout.
    pub fn new(
        name: impl Into<String>,
        pattern: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            pattern: pattern.into(),
            description: description.into(),
            access: None,
            timeout: None,
            approvals: 0,
            expires: None,
            approvers: None,
        }
    }

    /// Sets the access role.
    pub fn access(mut self, role: impl Into<String>) -> Self {
        self.access = Some(role.into());
        self
    }

    /// Sets how long the handler may run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many people besides the caller must approve a run.
    pub fn approvals(mut self, others: u32) -> Self {
        self.approvals = others;
        self
    }

    /// Sets how long a request for approval stays open.
    pub fn expires(mut self, after: Duration) -> Self {
        self.expires = Some(after);
        self
    }

    /// Sets the access role of those who may approve.
    pub fn approvers(mut self, role: impl Into<String>) -> Self {
        self.approvers = Some(role.into());
        self
    }
}

/// A command: its facts, its parsed pattern and its handler.
pub struct Command<S> {
    info: CommandInfo,
    pattern: Pattern,
    prepare: PrepareFn<S>,
}

impl<S> Command<S> {
    /// Creates a command. `prepare` parses the arguments of a matching message
    /// and returns the invocation that runs the handler.
    ///
    /// # Panics
    ///
    /// Panics when `info.pattern` is not a valid pattern. The `#[command]`
    /// macro checks the pattern at compile time, so its commands never panic.
    #[track_caller]
    pub fn new<F>(info: CommandInfo, prepare: F) -> Self
    where
        F: Fn(&Args) -> Result<Invocation<S>, ArgError> + Send + Sync + 'static,
    {
        let pattern = match Pattern::parse(&info.pattern) {
            Ok(pattern) => pattern,
            Err(error) => panic!("invalid pattern `{}`: {error}", info.pattern),
        };
        Self {
            info,
            pattern,
            prepare: Arc::new(prepare),
        }
    }

    /// Returns the command's facts.
    pub fn info(&self) -> &CommandInfo {
        &self.info
    }

    /// Returns the parsed pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Parses `args` into an invocation of the handler.
    ///
    /// # Errors
    ///
    /// Returns the first argument that could not be parsed.
    pub fn prepare(&self, args: &Args) -> Result<Invocation<S>, ArgError> {
        (self.prepare)(args)
    }
}

impl<S> Clone for Command<S> {
    fn clone(&self) -> Self {
        Self {
            info: self.info.clone(),
            pattern: self.pattern.clone(),
            prepare: Arc::clone(&self.prepare),
        }
    }
}

impl<S> fmt::Debug for Command<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arg_error_shows_control_characters() {
        let error = ArgError {
            placeholder: "n".into(),
            value: "1\u{7}\n\u{1b}[31m".into(),
            expected: "a whole number".into(),
        };
        assert_eq!(
            error.to_string(),
            "`1\\u{7}\\n\\u{1b}[31m` is not a whole number"
        );
    }
}
