//! The checked-in `schema.graphql` is the schema the server serves. Regenerate it with
//! `UPDATE_SCHEMA=1 cargo test -p cla-gateway --test schema` (or `just schema`).

#[test]
fn checked_in_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let current = cla_gateway::schema::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &current).expect("write schema.graphql");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == current,
        "schema.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p cla-gateway --test schema` and commit it"
    );
}
