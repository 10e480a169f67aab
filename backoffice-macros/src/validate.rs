//! Checks the pattern and binds its placeholders to the handler's parameters.

use backoffice_core::pattern::{Pattern, PatternError, Placeholder};
use syn::{Ident, LitStr};

use crate::errors::Errors;
use crate::signature::{type_to_string, Handler, Param};

/// Parses the pattern with the same parser the router uses at run time.
pub(crate) fn parse_pattern(literal: &LitStr, errors: &mut Errors) -> Option<Pattern> {
    match Pattern::parse(&literal.value()) {
        Ok(pattern) => Some(pattern),
        Err(error) => {
            errors.push(pattern_error(literal, &error));
            None
        }
    }
}

/// Converts a pattern error into a compile error on the literal. The span
/// narrows to the offending part where the compiler supports sub-spans
/// (nightly) and the literal has no escapes; elsewhere it covers the literal.
fn pattern_error(literal: &LitStr, error: &PatternError) -> syn::Error {
    let token = literal.token();
    let source = token.to_string();
    let is_plain = source.len() == literal.value().len() + 2 && source.starts_with('"');
    let range = error.span();
    let span = is_plain
        .then(|| token.subspan(range.start + 1..range.end + 1))
        .flatten()
        .unwrap_or_else(|| literal.span());
    syn::Error::new(span, format!("invalid pattern: {error}"))
}

/// Checks that each placeholder has a parameter of the same name, that each
/// parameter has a placeholder, and that optional placeholders, and only
/// those, take `Option` parameters.
pub(crate) fn check_bindings(
    pattern: &Pattern,
    literal: &LitStr,
    handler: &Handler,
    errors: &mut Errors,
) {
    let placeholders = pattern.placeholders();
    let params = &handler.params;

    for placeholder in &placeholders {
        let Some(param) = params.iter().find(|param| param.name == placeholder.name) else {
            if !handler.has_unnamed_params {
                errors.push(syn::Error::new(
                    literal.span(),
                    missing_param_message(placeholder),
                ));
            }
            continue;
        };
        check_optionality(placeholder, param, errors);
    }

    for param in params.iter() {
        if !placeholders.iter().any(|p| p.name == param.name) {
            errors.push(syn::Error::new_spanned(
                &param.tokens,
                format!(
                    "parameter `{name}` has no placeholder in the pattern: add `<{name}>` to the pattern, or remove the parameter",
                    name = param.name
                ),
            ));
        }
    }
}

fn missing_param_message(placeholder: &Placeholder) -> String {
    let name = &placeholder.name;
    let written = if placeholder.rest {
        format!("<{name}...>")
    } else {
        format!("<{name}>")
    };
    // A placeholder named like a keyword (`<type>`) needs a raw identifier.
    let ident = if syn::parse_str::<Ident>(name).is_ok() {
        name.clone()
    } else {
        format!("r#{name}")
    };
    let ty = if placeholder.optional {
        "Option<String>"
    } else {
        "String"
    };
    format!(
        "placeholder {written} has no parameter: add a parameter named `{ident}` to the function, such as `{ident}: {ty}`"
    )
}

fn check_optionality(placeholder: &Placeholder, param: &Param, errors: &mut Errors) {
    let name = &param.name;
    match (&param.option_inner, placeholder.optional) {
        (Some(inner), false) => errors.push(syn::Error::new_spanned(
            &param.ty,
            format!(
                "placeholder <{name}> is required, so parameter `{name}` cannot be an `Option`: write `{name}: {}`, or put the placeholder inside `[...]` to make it optional",
                type_to_string(inner)
            ),
        )),
        (None, true) => errors.push(syn::Error::new_spanned(
            &param.ty,
            format!(
                "placeholder <{name}> is inside `[...]`, so it may be absent: write `{name}: Option<{}>`",
                type_to_string(&param.ty)
            ),
        )),
        _ => {}
    }
}

/// Returns the description: the `description` argument, or else the first
/// paragraph of the doc comment with its lines joined by spaces.
pub(crate) fn description(
    argument: Option<&LitStr>,
    attrs: &[syn::Attribute],
    signature: &proc_macro2::TokenStream,
    errors: &mut Errors,
) -> String {
    if let Some(argument) = argument {
        return argument.value().trim().to_owned();
    }
    let from_docs = first_doc_paragraph(attrs);
    if from_docs.is_empty() {
        errors.push(syn::Error::new_spanned(
            signature,
            "a command needs a description for help: add a doc comment or `description = \"...\"` to the attribute",
        ));
    }
    from_docs
}

fn first_doc_paragraph(attrs: &[syn::Attribute]) -> String {
    let mut words: Vec<String> = Vec::new();
    let lines = attrs
        .iter()
        .filter_map(doc_text)
        .flat_map(|text| doc_lines(&text));
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            if words.is_empty() {
                continue;
            }
            break;
        }
        words.push(line.to_owned());
    }
    words.join(" ")
}

/// Splits one doc attribute into lines. A `/** ... */` comment whose lines
/// all start with `*` loses that column, as rustdoc does.
fn doc_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.split('\n').map(str::trim).collect();
    let starred = lines.len() > 1
        && lines
            .iter()
            .filter(|line| !line.is_empty())
            .all(|line| line.starts_with('*'));
    lines
        .into_iter()
        .map(|line| match line.strip_prefix('*') {
            Some(rest) if starred => rest.trim().to_owned(),
            _ => line.to_owned(),
        })
        .collect()
}

/// Returns the text of a `#[doc = "..."]` attribute.
pub(crate) fn doc_text(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta.require_name_value().ok()?.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_doc_paragraph_joins_lines() {
        let item: syn::ItemFn = syn::parse_quote! {
            ///
            /// Extends a trial
            ///   by some days.
            ///
            /// Details that help does not show.
            fn f() {}
        };
        assert_eq!(
            first_doc_paragraph(&item.attrs),
            "Extends a trial by some days."
        );
    }

    #[test]
    fn first_doc_paragraph_strips_block_stars() {
        let item: syn::ItemFn = syn::parse_quote! {
            /**
             * Shows a plan
             * and its renewal.
             *
             * More.
             */
            fn f() {}
        };
        assert_eq!(
            first_doc_paragraph(&item.attrs),
            "Shows a plan and its renewal."
        );
    }

    #[test]
    fn first_doc_paragraph_keeps_bullet_in_line_comment() {
        let item: syn::ItemFn = syn::parse_quote! {
            /// * Shows a plan.
            fn f() {}
        };
        assert_eq!(first_doc_paragraph(&item.attrs), "* Shows a plan.");
    }

    #[test]
    fn first_doc_paragraph_ignores_other_attributes() {
        let item: syn::ItemFn = syn::parse_quote! {
            #[allow(unused)]
            #[doc(hidden)]
            fn f() {}
        };
        assert_eq!(first_doc_paragraph(&item.attrs), "");
    }
}
