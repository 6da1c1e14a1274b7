//! Errors the GraphQL engine raises itself (parse, validation, limits, malformed scalars and enum
//! values) get a stable code, and the argument, input field or variable they are about as
//! `field`, as the application's own refusals do.

use async_graphql::Pos;
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned};
use async_graphql_value::Value;

/// Gives `error` its code and, where its position names an argument, its field.
pub fn give_code(error: &mut async_graphql::ServerError, document: Option<&ExecutableDocument>) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    let has_code = extensions.get("code").is_some();
    if !has_code {
        let code = if error.message.contains("nested too deep") {
            "QUERY_TOO_DEEP"
        } else if error.message.contains("too complex") {
            "QUERY_TOO_COMPLEX"
        } else {
            "GRAPHQL_VALIDATION"
        };
        extensions.set("code", code);
    }
    if extensions.get("field").is_some() || has_code {
        return;
    }
    let Some(document) = document else {
        return;
    };
    if let Some(field) = error
        .locations
        .iter()
        .find_map(|pos| field_at(document, *pos, &error.message))
    {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("field", field);
    }
}

/// The path an engine message quotes after `Invalid value for argument`, e.g. `input.gender`.
fn quoted_path(message: &str) -> Option<&str> {
    let rest = message.split("Invalid value for argument \"").nth(1)?;
    rest.split('"').next().filter(|p| !p.is_empty())
}

/// What the error at `pos` is about: a variable declared there, or an argument named or valued
/// there (a variable where the argument's offending part is one).
fn field_at(document: &ExecutableDocument, pos: Pos, message: &str) -> Option<String> {
    let operations = document.operations.iter().map(|(_, op)| op);
    for op in operations {
        if let Some(variable) = variable_at(&op.node, pos) {
            return Some(variable);
        }
        if let Some(found) = in_selection_set(&op.node.selection_set.node, pos, message) {
            return Some(found);
        }
    }
    document
        .fragments
        .values()
        .find_map(|f| in_selection_set(&f.node.selection_set.node, pos, message))
}

fn variable_at(op: &OperationDefinition, pos: Pos) -> Option<String> {
    op.variable_definitions
        .iter()
        .find(|v| v.pos == pos || v.node.name.pos == pos)
        .map(|v| v.node.name.node.to_string())
}

fn in_selection_set(set: &SelectionSet, pos: Pos, message: &str) -> Option<String> {
    set.items.iter().find_map(|s| match &s.node {
        Selection::Field(f) => in_field(&f.node, pos, message),
        Selection::InlineFragment(f) => in_selection_set(&f.node.selection_set.node, pos, message),
        Selection::FragmentSpread(_) => None,
    })
}

fn in_field(field: &Field, pos: Pos, message: &str) -> Option<String> {
    for (name, value) in &field.arguments {
        if name.pos == pos || value.pos == pos {
            return Some(argument_field(name, value, message));
        }
    }
    in_selection_set(&field.selection_set.node, pos, message)
}

/// The field an argument's error is about: the path the message quotes (without a leading
/// `input.`, as the application names input fields), or the variable the argument (or that part
/// of it) takes its value from, else the argument itself.
fn argument_field(name: &Positioned<Name>, value: &Positioned<Value>, message: &str) -> String {
    let argument = name.node.to_string();
    let path: Vec<&str> = quoted_path(message)
        .filter(|p| p.split('.').next() == Some(argument.as_str()))
        .map(|p| p.split('.').skip(1).collect())
        .unwrap_or_default();
    let mut at = &value.node;
    if let Value::Variable(v) = at {
        return v.to_string();
    }
    for segment in &path {
        let next = match at {
            Value::Object(fields) => fields.get(*segment),
            Value::List(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(Value::Variable(v)) => return v.to_string(),
            Some(inner) => at = inner,
            None => break,
        }
    }
    if path.is_empty() {
        return argument;
    }
    if argument == "input" {
        path.join(".")
    } else {
        format!("{argument}.{}", path.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(query: &str, line: usize, column: usize, message: &str) -> Option<String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        field_at(&document, Pos { line, column }, message)
    }

    #[test]
    fn positions_name_arguments_input_fields_and_variables() {
        let q = "mutation { deployCla(staffId: \"s\", from: \"2021-02-30\") { id } }";
        assert_eq!(
            field_of(q, 1, 36, "Failed to parse \"Date\""),
            Some("from".into())
        );
        let q = "mutation { add(input: {name: \"x\", gender: ALIEN}) { id } }";
        assert_eq!(
            field_of(
                q,
                1,
                16,
                "Invalid value for argument \"input.gender\", enumeration type \"Gender\" does not contain the value \"ALIEN\""
            ),
            Some("gender".into())
        );
        let q = "mutation($g: Gender!) { add(input: {name: \"x\", gender: $g}) { id } }";
        assert_eq!(
            field_of(q, 1, 29, "Invalid value for argument \"input.gender\", …"),
            Some("g".into())
        );
        let q = "mutation($from: Date!) { deployCla(from: $from) { id } }";
        assert_eq!(field_of(q, 1, 42, "Failed to parse"), Some("from".into()));
        assert_eq!(field_of(q, 1, 10, "any"), Some("from".into()));
        assert_eq!(field_of(q, 1, 1, "any"), None);
    }
}
