//! The registry's workflows across streams and contexts.

pub mod closure;
