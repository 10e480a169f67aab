//! Parses the attribute's arguments: the pattern, then `key = value` pairs.

use std::time::Duration;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitInt, LitStr, Path, Token, UnOp};

use crate::errors::Errors;

/// The keys the attribute accepts after the pattern. Any other key is an
/// error, so adding a key later cannot change the meaning of code that
/// compiles today.
const KNOWN_KEYS: &[&str] = &[
    "access",
    "description",
    "timeout",
    "approvals",
    "expires",
    "approvers",
    "dry_run",
];

/// The attribute's arguments as written, before their values are checked.
pub(crate) struct RawAttr {
    pattern: LitStr,
    options: Vec<(Ident, Expr)>,
}

impl Parse for RawAttr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing command pattern: write it as the first argument, for example `#[command(\"show account <subdomain>\")]`",
            ));
        }
        let pattern = if input.peek(LitStr) {
            input.parse()?
        } else {
            return Err(input.error(
                "expected the command pattern as a string literal, for example `#[command(\"show account <subdomain>\")]`",
            ));
        };

        let mut options = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key = Ident::parse_any(input).map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected an argument such as `access = \"role\"`",
                )
            })?;
            if !input.peek(Token![=]) {
                return Err(
                    input.error(format!("expected `=` after `{key}`: write `{key} = value`"))
                );
            }
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            options.push((key, value));
        }
        Ok(Self { pattern, options })
    }
}

/// The attribute's checked arguments.
pub(crate) struct CommandAttr {
    /// The pattern literal, kept for its span.
    pub(crate) pattern: LitStr,
    pub(crate) access: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) timeout: Option<Duration>,
    /// How many people besides the caller must approve, when given.
    pub(crate) approvals: Option<u32>,
    pub(crate) expires: Option<Duration>,
    pub(crate) approvers: Option<LitStr>,
    /// The path to the dry run function.
    pub(crate) dry_run: Option<Path>,
}

/// The approval keys as written, kept for the spans of the errors that
/// relate them to each other.
#[derive(Default)]
struct ApprovalKeys {
    /// The `approvals` value, or `None` when it is missing or invalid.
    approvals: Option<(u32, Expr)>,
    /// Whether `approvals` was given with an invalid value. The other keys
    /// are then not checked against it, so one mistake gives one error.
    approvals_invalid: bool,
    expires: Option<Ident>,
    approvers: Option<Ident>,
    dry_run: Option<Ident>,
}

impl CommandAttr {
    /// Checks each `key = value` pair, adding a spanned error to `errors` for
    /// every unknown or duplicate key and every invalid value.
    pub(crate) fn from_raw(raw: RawAttr, errors: &mut Errors) -> Self {
        let mut attr = Self {
            pattern: raw.pattern,
            access: None,
            description: None,
            timeout: None,
            approvals: None,
            expires: None,
            approvers: None,
            dry_run: None,
        };
        let mut approval_keys = ApprovalKeys::default();
        let mut seen: Vec<String> = Vec::new();

        for (key, value) in raw.options {
            let name = key.unraw().to_string();
            if !KNOWN_KEYS.contains(&name.as_str()) {
                errors.push(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{name}`: the known arguments are {}",
                        list_keys()
                    ),
                ));
                continue;
            }
            if seen.contains(&name) {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("duplicate argument `{name}`: give each argument once"),
                ));
                continue;
            }
            seen.push(name.clone());

            match name.as_str() {
                "approvals" => {
                    match approval_count(&value) {
                        Ok(count) => {
                            attr.approvals = Some(count);
                            approval_keys.approvals = Some((count, value));
                        }
                        Err(error) => {
                            approval_keys.approvals_invalid = true;
                            errors.push(error);
                        }
                    }
                    continue;
                }
                "dry_run" => {
                    attr.dry_run = dry_run_path(&value, errors);
                    approval_keys.dry_run = Some(key);
                    continue;
                }
                _ => {}
            }

            let Some(text) = string_literal(&name, &value, errors) else {
                continue;
            };
            match name.as_str() {
                "access" => {
                    if text.value().trim().is_empty() {
                        errors.push(syn::Error::new(
                            text.span(),
                            "`access` is empty: name a role of the access policy, for example `access = \"backoffice\"`",
                        ));
                    }
                    attr.access = Some(text);
                }
                "description" => {
                    if text.value().trim().is_empty() {
                        errors.push(syn::Error::new(
                            text.span(),
                            "`description` is empty: say in one line what the command does",
                        ));
                    }
                    attr.description = Some(text);
                }
                "timeout" => match parse_duration(&text.value(), DurationKey::Timeout) {
                    Ok(duration) => attr.timeout = Some(duration),
                    Err(message) => errors.push(syn::Error::new(text.span(), message)),
                },
                "expires" => {
                    match parse_duration(&text.value(), DurationKey::Expires) {
                        Ok(duration) => attr.expires = Some(duration),
                        Err(message) => errors.push(syn::Error::new(text.span(), message)),
                    }
                    approval_keys.expires = Some(key);
                }
                "approvers" => {
                    if text.value().trim().is_empty() {
                        errors.push(syn::Error::new(
                            text.span(),
                            "`approvers` is empty: name the access role of those who may approve, for example `approvers = \"leads\"`",
                        ));
                    }
                    attr.approvers = Some(text);
                    approval_keys.approvers = Some(key);
                }
                _ => unreachable!("every key in KNOWN_KEYS has a branch"),
            }
        }

        approval_keys.check(errors);
        attr
    }
}

impl ApprovalKeys {
    /// Checks that a command that needs approval has a dry run, and that the
    /// keys about approval appear only on such a command.
    fn check(&self, errors: &mut Errors) {
        if self.approvals_invalid {
            return;
        }
        let needs_approval = match &self.approvals {
            Some((count, value)) => {
                if *count > 0 && self.dry_run.is_none() {
                    errors.push(syn::Error::new_spanned(
                        value,
                        "a command that needs approval must show what it would do: add `dry_run = fn_name`, an async fn with the same parameters that changes nothing",
                    ));
                }
                *count > 0
            }
            None => false,
        };
        if needs_approval {
            return;
        }
        if let Some(key) = &self.dry_run {
            errors.push(syn::Error::new(
                key.span(),
                "`dry_run` is only shown to approvers: add `approvals = N` or remove it",
            ));
        }
        for key in [&self.expires, &self.approvers].into_iter().flatten() {
            errors.push(syn::Error::new(
                key.span(),
                format!("`{key}` only applies to commands that need approval: add `approvals = N`"),
            ));
        }
    }
}

/// Reads the `approvals` value: a whole number literal that fits in `u32`.
fn approval_count(value: &Expr) -> syn::Result<u32> {
    let not_a_count = || {
        syn::Error::new_spanned(
            value,
            "`approvals` takes a whole number of people besides the caller, for example `approvals = 2`",
        )
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => parse_count(int),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) if matches!(&**expr, Expr::Lit(ExprLit { lit: Lit::Int(_), .. })) => {
            Err(syn::Error::new_spanned(
                value,
                "`approvals` cannot be negative: give how many people besides the caller must approve, or 0 for none",
            ))
        }
        _ => Err(not_a_count()),
    }
}

fn parse_count(int: &LitInt) -> syn::Result<u32> {
    if !matches!(int.suffix(), "" | "u32") {
        return Err(syn::Error::new(
            int.span(),
            format!(
                "`approvals` is a `u32`: remove the `{}` suffix",
                int.suffix()
            ),
        ));
    }
    int.base10_parse::<u32>().map_err(|_| {
        syn::Error::new(
            int.span(),
            format!(
                "`approvals = {}` is too large: the maximum is {}",
                int.base10_digits(),
                u32::MAX
            ),
        )
    })
}

/// Returns the `dry_run` value when it is a path, or adds an error.
fn dry_run_path(value: &Expr, errors: &mut Errors) -> Option<Path> {
    if let Expr::Path(ExprPath {
        qself: None, path, ..
    }) = value
    {
        return Some(path.clone());
    }
    errors.push(syn::Error::new_spanned(
        value,
        "`dry_run` takes the name of an async fn, for example `dry_run = preview_refund`",
    ));
    None
}

/// Returns `value` when it is a string literal, or adds an error.
fn string_literal(key: &str, value: &Expr, errors: &mut Errors) -> Option<LitStr> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(text),
        ..
    }) = value
    {
        return Some(text.clone());
    }
    let example = match key {
        "access" => "backoffice",
        "timeout" => "30s",
        "expires" => "1h",
        "approvers" => "leads",
        _ => "...",
    };
    errors.push(syn::Error::new_spanned(
        value,
        format!("`{key}` takes a string literal, for example `{key} = \"{example}\"`"),
    ));
    None
}

/// Formats [`KNOWN_KEYS`] as "`a`, `b` and `c`".
fn list_keys() -> String {
    let quoted: Vec<String> = KNOWN_KEYS.iter().map(|key| format!("`{key}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The keys whose value is a duration.
#[derive(Clone, Copy)]
pub(crate) enum DurationKey {
    Timeout,
    Expires,
}

impl DurationKey {
    fn key(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Expires => "expires",
        }
    }

    /// Returns the noun that error messages use for the duration.
    fn noun(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Expires => "expiry",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Self::Timeout => "30s",
            Self::Expires => "1h",
        }
    }

    /// Returns why a zero duration is rejected.
    fn zero_reason(self) -> &'static str {
        match self {
            Self::Timeout => "give the handler some time",
            Self::Expires => "give approvers some time",
        }
    }
}

/// Parses a duration such as `500ms`, `30s`, `5m` or `1h` given for `key`.
pub(crate) fn parse_duration(text: &str, key: DurationKey) -> Result<Duration, String> {
    let (name, noun, example) = (key.key(), key.noun(), key.example());
    let invalid = || {
        format!(
            "invalid {noun} `{text}`: write a whole number followed by `ms`, `s`, `m` or `h`, for example `{name} = \"{example}\"`"
        )
    };
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err(invalid());
    }
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(invalid()),
    };
    let too_long = || format!("{noun} `{text}` is too large: write a shorter duration");
    let count: u64 = digits.parse().map_err(|_| too_long())?;
    let millis = count.checked_mul(millis_per_unit).ok_or_else(too_long)?;
    if millis == 0 {
        return Err(format!(
            "{noun} `{text}` is zero: {}, for example `{name} = \"{example}\"`",
            key.zero_reason()
        ));
    }
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_accepts_each_unit() {
        let parse = |text| parse_duration(text, DurationKey::Timeout);
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn parse_duration_rejects_invalid_text() {
        for text in ["", "30", "s", "30x", "30 s", "-5s", "1.5s", "0s"] {
            assert!(
                parse_duration(text, DurationKey::Timeout).is_err(),
                "{text:?} was accepted"
            );
        }
        let huge = format!("{}h", u64::MAX);
        let error = parse_duration(&huge, DurationKey::Timeout).unwrap_err();
        assert!(error.contains("too large"), "{error}");
    }

    #[test]
    fn parse_duration_names_expires_key() {
        let error = parse_duration("soon", DurationKey::Expires).unwrap_err();
        assert!(error.starts_with("invalid expiry `soon`"), "{error}");
        assert!(error.contains("`expires = \"1h\"`"), "{error}");
    }

    #[test]
    fn approval_count_accepts_u32_literals() {
        assert_eq!(approval_count(&syn::parse_quote!(0)).ok(), Some(0));
        assert_eq!(approval_count(&syn::parse_quote!(2)).ok(), Some(2));
        assert_eq!(approval_count(&syn::parse_quote!(3u32)).ok(), Some(3));
        assert_eq!(
            approval_count(&syn::parse_quote!(4294967295)).ok(),
            Some(u32::MAX)
        );
    }

    #[test]
    fn approval_count_rejects_other_values() {
        let cases: [(Expr, &str); 5] = [
            (syn::parse_quote!(-1), "cannot be negative"),
            (syn::parse_quote!(4294967296), "too large"),
            (syn::parse_quote!(2u8), "remove the `u8` suffix"),
            (syn::parse_quote!("2"), "takes a whole number"),
            (syn::parse_quote!(1.5), "takes a whole number"),
        ];
        for (value, expected) in cases {
            let error = approval_count(&value).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn list_keys_joins_with_and() {
        assert_eq!(
            list_keys(),
            "`access`, `description`, `timeout`, `approvals`, `expires`, `approvers` and `dry_run`"
        );
    }
}
