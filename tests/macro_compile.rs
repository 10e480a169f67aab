//! Compile-time checks of `#[command]`: each file under `ui/fail` breaks one
//! rule and its `.stderr` contains the expected error; the files under `ui/pass`
//! must compile.
//!
//! After changing an error message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test macro_compile` and review the diff.

#[test]
fn command_macro_ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
