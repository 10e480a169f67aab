//! Generates the function that builds the `Command`, or a stub when the
//! attribute or the signature has errors.

use std::time::Duration;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitStr, Path, PathArguments, Type};

use crate::attr::{CommandAttr, RawAttr};
use crate::errors::Errors;
use crate::signature::{signature_head, Handler, Param};
use crate::validate;

/// The generic parameter of the handler when it takes a bare `Context`.
const INNER_STATE: &str = "__State";

/// Expands `#[command(args)] item`.
pub(crate) fn command(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[command]` applies only to an `async fn`",
            );
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };

    let mut errors = Errors::default();
    let attr = match syn::parse2::<RawAttr>(args) {
        Ok(raw) => Some(CommandAttr::from_raw(raw, &mut errors)),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let handler = Handler::from_item(item, &mut errors);
    let pattern = attr
        .as_ref()
        .and_then(|attr| validate::parse_pattern(&attr.pattern, &mut errors));
    if let (Some(attr), Some(pattern)) = (&attr, &pattern) {
        validate::check_bindings(pattern, &attr.pattern, &handler, &mut errors);
    }
    if let Some(attr) = &attr {
        check_dry_run_is_not_handler(attr, &handler, &mut errors);
    }
    let description = attr.as_ref().map(|attr| {
        validate::description(
            attr.description.as_ref(),
            &handler.item.attrs,
            &signature_head(&handler.item.sig),
            &mut errors,
        )
    });

    match (errors.finish(), attr, description) {
        (Ok(()), Some(attr), Some(description)) => generate(&attr, &description, &handler),
        (result, _, _) => {
            let errors = result.err().map(|error| error.to_compile_error());
            let stub = stub(&handler);
            quote!(#errors #stub)
        }
    }
}

/// Generates the function that returns the command, with the handler nested
/// inside it.
fn generate(attr: &CommandAttr, description: &str, handler: &Handler) -> TokenStream {
    let item = &handler.item;
    let name = &item.sig.ident;
    let name_text = name.unraw().to_string();
    let pattern = &attr.pattern;
    let description = LitStr::new(description, Span::call_site());
    let access = attr.access.as_ref().map(|role| quote!(.access(#role)));
    let timeout = attr
        .timeout
        .map(|timeout| duration_call("timeout", timeout));
    let approvals = attr.approvals.map(|count| {
        let count = Literal::u32_suffixed(count);
        quote!(.approvals(#count))
    });
    let expires = attr
        .expires
        .map(|expires| duration_call("expires", expires));
    let approvers = attr
        .approvers
        .as_ref()
        .map(|role| quote!(.approvers(#role)));

    // Mixed-site identifiers cannot clash with the user's parameter names.
    let args = Ident::new("__args", Span::mixed_site());
    let context = Ident::new("__context", Span::mixed_site());

    let parse_params = handler.params.iter().map(|param| {
        let ident = &param.ident;
        let placeholder = LitStr::new(&param.name, ident.span());
        // The spans put a missing `FromStr` impl on the parameter's type.
        match &param.option_inner {
            Some(inner) => quote_spanned! {inner.span()=>
                let #ident = ::backoffice::__private::parse_optional::<#inner>(#args, #placeholder)?;
            },
            None => {
                let ty = &param.ty;
                quote_spanned! {ty.span()=>
                    let #ident = ::backoffice::__private::parse_required::<#ty>(#args, #placeholder)?;
                }
            }
        }
    });

    let call_args = call_args(handler, &context, |param| param.ident.clone());
    // A return type that is not a `Result` is reported on the return type,
    // because every token of the `into_outcome` call carries its span. The
    // local may shadow a parameter named `__output`, which is harmless once
    // the handler has been called.
    let output_span = handler
        .output
        .as_ref()
        .map_or_else(Span::call_site, Spanned::span);
    let output = Ident::new("__output", output_span);
    let run = quote_spanned! {output_span=>
        let #output = #name(#(#call_args),*).await;
        ::backoffice::__private::IntoOutcome::into_outcome(#output)
    };

    let dry_run = attr
        .dry_run
        .as_ref()
        .map(|path| dry_run(path, handler, &context));
    let (clone_params, with_dry_run) = dry_run.unzip();

    let (outer_attrs, inner_attrs): (Vec<_>, Vec<_>) = item
        .attrs
        .iter()
        .partition(|attr| attr.path().is_ident("doc") || attr.path().is_ident("cfg"));
    let vis = &item.vis;
    let inner = inner_fn(handler);

    let (generics, state) = match handler.state() {
        Some(state) => (TokenStream::new(), state.to_token_stream()),
        None => (
            quote!(<S: ::core::marker::Send + ::core::marker::Sync + 'static>),
            quote!(S),
        ),
    };

    quote! {
        #(#outer_attrs)*
        #vis fn #name #generics() -> ::backoffice::__private::Command<#state> {
            #(#inner_attrs)*
            #inner

            ::backoffice::__private::Command::new(
                ::backoffice::__private::CommandInfo::new(#name_text, #pattern, #description)
                    #access
                    #timeout
                    #approvals
                    #expires
                    #approvers,
                move |#args: &::backoffice::__private::Args| {
                    #(#parse_params)*
                    #clone_params
                    ::backoffice::__private::Ok(::backoffice::__private::Invocation::new(
                        move |#context| {
                            ::backoffice::__private::Box::pin(async move { #run })
                        },
                    )#with_dry_run)
                },
            )
        }
    }
}

/// Returns the arguments of a call with the handler's parameter order: the
/// context where the handler takes it, and `param_ident(param)` for each
/// other parameter.
fn call_args<'a>(
    handler: &'a Handler,
    context: &'a Ident,
    param_ident: impl Fn(&Param) -> Ident + 'a,
) -> impl Iterator<Item = TokenStream> + 'a {
    (0..handler.item.sig.inputs.len()).map(move |index| {
        match handler.params.iter().find(|param| param.index == index) {
            Some(param) => param_ident(param).to_token_stream(),
            None => context.to_token_stream(),
        }
    })
}

/// Returns the statements that clone each parsed argument for the dry run,
/// and the `.with_dry_run(...)` call that passes the clones to `path` in
/// the handler's parameter order.
fn dry_run(path: &Path, handler: &Handler, context: &Ident) -> (TokenStream, TokenStream) {
    // Mixed-site names cannot clash with the user's, and the located span
    // puts type errors of the dry run's call on the handler's parameter.
    let clone_ident = |param: &Param| {
        let name = format!("__dry_run_{}", param.index);
        Ident::new(&name, Span::mixed_site().located_at(param.ident.span()))
    };

    let clones = handler.params.iter().map(|param| {
        let ident = &param.ident;
        let clone = clone_ident(param);
        let ty = &param.ty;
        // The span puts a missing `Clone` impl on the parameter's type.
        quote_spanned! {ty.span()=>
            let #clone = <#ty as ::core::clone::Clone>::clone(&#ident);
        }
    });

    let args = call_args(handler, context, clone_ident);
    // A dry run that is not async, or that returns something other than a
    // `Result`, is reported on the path in the attribute.
    let span = path.span();
    let output = Ident::new("__output", span);
    let run = quote_spanned! {span=>
        let #output = #path(#(#args),*).await;
        ::backoffice::__private::IntoOutcome::into_outcome(#output)
    };
    let with_dry_run = quote! {
        .with_dry_run(move |#context| {
            ::backoffice::__private::Box::pin(async move { #run })
        })
    };
    (quote!(#(#clones)*), with_dry_run)
}

/// Rejects `dry_run = name` where `name` is the handler itself: inside the
/// expansion that name resolves to the handler, which would run the change
/// while claiming to preview it.
fn check_dry_run_is_not_handler(attr: &CommandAttr, handler: &Handler, errors: &mut Errors) {
    let Some(path) = &attr.dry_run else {
        return;
    };
    if path.get_ident() == Some(&handler.item.sig.ident) {
        errors.push(syn::Error::new_spanned(
            path,
            "the dry run cannot be the handler itself: write a separate async fn with the same parameters that changes nothing",
        ));
    }
}

/// Returns the user's function without its outer attributes. A bare `Context`
/// becomes `Context<__State>` with `__State` a generic parameter.
fn inner_fn(handler: &Handler) -> TokenStream {
    let mut sig = handler.item.sig.clone();
    if let Some(context) = handler.context.as_ref().filter(|c| c.state.is_none()) {
        let state = Ident::new(INNER_STATE, Span::call_site());
        if let Some(FnArg::Typed(typed)) = sig.inputs.iter_mut().nth(context.index) {
            if let Type::Path(path) = &mut *typed.ty {
                if let Some(segment) = path.path.segments.last_mut() {
                    segment.arguments = PathArguments::AngleBracketed(syn::parse_quote!(<#state>));
                }
            }
        }
        sig.generics = syn::parse_quote! {
            <#state: ::core::marker::Send + ::core::marker::Sync + 'static>
        };
    }
    let block = &handler.item.block;
    quote!(#sig #block)
}

/// Returns `.method(Duration::from_millis(..))`.
fn duration_call(method: &str, duration: Duration) -> TokenStream {
    let method = Ident::new(method, Span::call_site());
    let millis = Literal::u64_suffixed(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX));
    quote!(.#method(::backoffice::__private::Duration::from_millis(#millis)))
}

/// Returns a function with the command's name and return type whose body
/// panics, so that callers compile and the user sees only the macro's errors.
fn stub(handler: &Handler) -> TokenStream {
    let item = &handler.item;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let docs = item.attrs.iter().filter(|attr| attr.path().is_ident("doc"));
    let (generics, state) = match handler.state() {
        Some(state) => (TokenStream::new(), state.to_token_stream()),
        None => (
            quote!(<S: ::core::marker::Send + ::core::marker::Sync + 'static>),
            quote!(S),
        ),
    };
    quote! {
        #(#docs)*
        #[allow(dead_code)]
        #vis fn #name #generics() -> ::backoffice::__private::Command<#state> {
            ::core::unimplemented!("`#[command]` reported errors for this function")
        }
    }
}
