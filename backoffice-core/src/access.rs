//! Access policy placeholder.
/// Placeholder.
#[derive(Debug, Default, Clone)]
pub struct AccessPolicy;
/// Placeholder.
#[derive(Debug, Default, Clone)]
pub struct Rule;
