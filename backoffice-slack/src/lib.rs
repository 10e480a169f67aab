//! The Slack adapter of `backoffice`.

#![deny(missing_docs)]
