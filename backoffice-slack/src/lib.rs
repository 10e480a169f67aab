//! The Slack adapter of `backoffice`.
