//! The HTTP transport's parts: GraphQL over HTTP (with its persisted queries and the
//! revalidation of GET answers), GraphiQL's page and files, the engine's refusals, and the
//! connection serving with its timeouts.

pub mod etag;
pub mod graphiql;
pub mod graphql;
pub mod persisted;
pub mod refusals;
pub mod serve;
