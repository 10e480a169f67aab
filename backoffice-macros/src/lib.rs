//! The `#[command]` attribute of `backoffice`.

use proc_macro::TokenStream;

/// Placeholder.
#[proc_macro_attribute]
pub fn command(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
