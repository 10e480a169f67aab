//! Reads the handler's signature into the context parameter and the
//! parameters bound to placeholders.

use quote::ToTokens;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Token, Type, TypePath,
};

use crate::errors::Errors;

/// The handler function and what its signature declares.
pub(crate) struct Handler {
    /// The function as written.
    pub(crate) item: ItemFn,
    /// The context parameter, when there is exactly one.
    pub(crate) context: Option<ContextParam>,
    /// The parameters other than the context, in signature order.
    pub(crate) params: Vec<Param>,
    /// Whether a parameter had a pattern instead of a name. Placeholders may
    /// then be meant for it, so none is reported as lacking a parameter.
    pub(crate) has_unnamed_params: bool,
    /// The declared return type.
    pub(crate) output: Option<Type>,
}

/// The `Context` parameter.
pub(crate) struct ContextParam {
    /// The parameter's position in the signature.
    pub(crate) index: usize,
    /// The state type `S` of `Context<S>`, or `None` for a bare `Context`.
    pub(crate) state: Option<Type>,
}

/// A parameter that a placeholder binds by name.
pub(crate) struct Param {
    /// The parameter's position in the signature.
    pub(crate) index: usize,
    pub(crate) ident: Ident,
    /// The identifier without a `r#` prefix, which is the placeholder's name.
    pub(crate) name: String,
    pub(crate) ty: Type,
    /// `T` when the parameter's type is `Option<T>`.
    pub(crate) option_inner: Option<Type>,
    /// The whole `name: Type`, for error spans.
    pub(crate) tokens: FnArg,
}

impl Handler {
    /// Reads `item`'s signature, adding an error to `errors` for each part the
    /// macro cannot support. Returns what could be read even on errors, so a
    /// stub with the right state type can still be generated.
    pub(crate) fn from_item(item: ItemFn, errors: &mut Errors) -> Self {
        let sig = &item.sig;
        let fn_span_tokens = signature_head(sig);

        if sig.asyncness.is_none() {
            errors.push(syn::Error::new(
                sig.fn_token.span,
                "a command handler must be an `async fn`: add `async` before `fn`",
            ));
        }
        if let Some(constness) = &sig.constness {
            errors.push(syn::Error::new(
                constness.span,
                "a command handler cannot be `const`: remove `const`",
            ));
        }
        if let Some(unsafety) = &sig.unsafety {
            errors.push(syn::Error::new(
                unsafety.span,
                "a command handler cannot be `unsafe`: remove `unsafe`",
            ));
        }
        if let Some(abi) = &sig.abi {
            errors.push(syn::Error::new_spanned(
                abi,
                "a command handler cannot declare an ABI: remove it",
            ));
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(syn::Error::new_spanned(
                variadic,
                "a command handler cannot be variadic: remove `...`",
            ));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errors.push(syn::Error::new_spanned(
                &sig.generics,
                "a command handler cannot be generic: name the state type in `Context<MyState>`, or write `Context` without a type to accept any state",
            ));
        }

        let output = match &sig.output {
            ReturnType::Type(_, ty) => Some((**ty).clone()),
            ReturnType::Default => {
                errors.push(syn::Error::new_spanned(
                    &fn_span_tokens,
                    "a command handler must return a `Result`: add a return type such as `-> Result<String, MyError>`",
                ));
                None
            }
        };

        let mut context: Option<ContextParam> = None;
        let mut params = Vec::new();
        let mut has_unnamed_params = false;
        for (index, input) in sig.inputs.iter().enumerate() {
            let typed = match input {
                FnArg::Receiver(receiver) => {
                    errors.push(syn::Error::new_spanned(
                        receiver,
                        "a command handler cannot take `self`: make it a free function",
                    ));
                    continue;
                }
                FnArg::Typed(typed) => typed,
            };

            if let Some(state) = context_state(&typed.ty, errors) {
                if context.is_some() {
                    errors.push(syn::Error::new_spanned(
                        input,
                        "a command handler takes one `Context` parameter: remove this one",
                    ));
                } else {
                    context = Some(ContextParam { index, state });
                }
                continue;
            }
            if let Type::Reference(reference) = &*typed.ty {
                if let Some(state) = context_state(&reference.elem, errors) {
                    errors.push(syn::Error::new_spanned(
                        &typed.ty,
                        "take the context by value: remove the `&`",
                    ));
                    // Still count it as the context, so no second error
                    // reports a missing context parameter.
                    context.get_or_insert(ContextParam { index, state });
                    continue;
                }
            }

            let ident = match &*typed.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.clone(),
                pat => {
                    has_unnamed_params = true;
                    errors.push(syn::Error::new_spanned(
                        pat,
                        "a command parameter must be a plain name that matches a placeholder, such as `subdomain: String`: destructure the value in the body",
                    ));
                    continue;
                }
            };
            params.push(Param {
                index,
                name: ident.unraw().to_string(),
                ident,
                ty: (*typed.ty).clone(),
                option_inner: option_inner(&typed.ty).cloned(),
                tokens: input.clone(),
            });
        }

        if context.is_none() {
            errors.push(syn::Error::new_spanned(
                &fn_span_tokens,
                "a command handler needs a context parameter: add `ctx: Context<MyState>`, or `ctx: Context` for a command that uses no state",
            ));
        }

        Self {
            item,
            context,
            params,
            has_unnamed_params,
            output,
        }
    }

    /// Returns the state type of the context parameter, or `None` when the
    /// command accepts any state (or the signature has no context parameter).
    pub(crate) fn state(&self) -> Option<&Type> {
        self.context
            .as_ref()
            .and_then(|context| context.state.as_ref())
    }
}

/// Returns `async fn name`, the tokens that errors about the whole signature
/// span.
pub(crate) fn signature_head(sig: &syn::Signature) -> proc_macro2::TokenStream {
    let (asyncness, fn_token, ident) = (&sig.asyncness, &sig.fn_token, &sig.ident);
    quote::quote!(#asyncness #fn_token #ident)
}

/// For a `Context` or `Context<S>` type, returns `Some(None)` or `Some(Some(S))`.
/// Returns `None` for any other type. Adds an error for a `Context` with
/// other generic arguments and still treats it as the context parameter.
fn context_state(ty: &Type, errors: &mut Errors) -> Option<Option<Type>> {
    let segment = last_segment(ty).filter(|segment| segment.ident == "Context")?;
    match &segment.arguments {
        PathArguments::None => Some(None),
        PathArguments::AngleBracketed(arguments) => match single_type(&arguments.args) {
            Some(state) => Some(Some(state.clone())),
            None => {
                errors.push(syn::Error::new_spanned(
                    arguments,
                    "`Context` takes one type argument, the application's state: write `Context<MyState>`, or `Context` to accept any state",
                ));
                Some(None)
            }
        },
        PathArguments::Parenthesized(arguments) => {
            errors.push(syn::Error::new_spanned(
                arguments,
                "`Context` takes one type argument, the application's state: write `Context<MyState>`",
            ));
            Some(None)
        }
    }
}

/// Returns `T` when `ty` is `Option<T>` (matched by the last path segment).
fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty).filter(|segment| segment.ident == "Option")?;
    match &segment.arguments {
        PathArguments::AngleBracketed(arguments) => single_type(&arguments.args),
        _ => None,
    }
}

fn single_type(arguments: &Punctuated<GenericArgument, Token![,]>) -> Option<&Type> {
    match arguments.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(ty)] => Some(ty),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(TypePath { qself: None, path }) => path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// Renders a type for an error message: `Option<u32>`, not `Option < u32 >`.
pub(crate) fn type_to_string(ty: &Type) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
}
