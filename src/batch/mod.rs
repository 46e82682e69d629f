//! See the crate-level layout.
