//! The HTTP transport's parts: GraphQL over HTTP, the engine's refusals, and the connection
//! serving with its timeouts.

pub mod graphql;
pub mod refusals;
pub mod serve;
