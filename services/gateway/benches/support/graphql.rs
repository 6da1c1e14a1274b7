//! The benchmarks' GraphQL client call: a request as `token`, its data, asserting no errors.

use serde_json::{Value, json};

pub async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let body: Value = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{query}: {body}");
    body["data"].clone()
}
