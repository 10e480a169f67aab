//! Parses the attribute's arguments: the pattern, then `key = value` pairs.

use std::time::Duration;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

use crate::errors::Errors;

/// The keys the attribute accepts after the pattern. Any other key is an
/// error, so adding a key later cannot change the meaning of code that
/// compiles today.
const KNOWN_KEYS: &[&str] = &["access", "description", "timeout"];

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
        };
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
                "timeout" => match parse_duration(&text.value()) {
                    Ok(duration) => attr.timeout = Some(duration),
                    Err(message) => errors.push(syn::Error::new(text.span(), message)),
                },
                _ => unreachable!("every key in KNOWN_KEYS has a branch"),
            }
        }
        attr
    }
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

/// Parses a duration such as `500ms`, `30s`, `5m` or `1h`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || {
        format!(
            "invalid timeout `{text}`: write a whole number followed by `ms`, `s`, `m` or `h`, for example `timeout = \"30s\"`"
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
    let too_long = || format!("timeout `{text}` is too large: write a shorter duration");
    let count: u64 = digits.parse().map_err(|_| too_long())?;
    let millis = count.checked_mul(millis_per_unit).ok_or_else(too_long)?;
    if millis == 0 {
        return Err(format!(
            "timeout `{text}` is zero: give the handler some time, for example `timeout = \"30s\"`"
        ));
    }
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_accepts_each_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }

    #[test]
    fn parse_duration_rejects_invalid_text() {
        for text in ["", "30", "s", "30x", "30 s", "-5s", "1.5s", "0s"] {
            assert!(parse_duration(text).is_err(), "{text:?} was accepted");
        }
        let huge = format!("{}h", u64::MAX);
        assert!(parse_duration(&huge).unwrap_err().contains("too large"));
    }

    #[test]
    fn list_keys_joins_with_and() {
        assert_eq!(list_keys(), "`access`, `description` and `timeout`");
    }
}
