//! Keeps the compiled contracts and the checked-in `proto/contracts.lock` in
//! step, so a published contract cannot change unnoticed.
//!
//! The lock lists every message, field, enum and enum value of the `cla.*`
//! packages, one per line. This test rebuilds that list from
//! `FILE_DESCRIPTOR_SET` and compares:
//!
//! - a message or enum removed, or a field or enum value removed, renumbered,
//!   renamed or retyped, is a breaking change: the test fails and explains it;
//! - anything added fails too, until the lock is regenerated with
//!   `UPDATE_CONTRACTS_LOCK=1 cargo test -p cla-contracts --test contracts_lock`.
//!
//! `UPDATE_CONTRACTS_LOCK=1` never accepts a breaking change. A version that
//! has never been deployed may still be reshaped with
//! `UPDATE_CONTRACTS_LOCK=allow-breaking`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use prost::Message as _;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorSet};

/// Packages covered by the lock.
const PACKAGE_PREFIX: &str = "cla.";

const HEADER: &str = "\
# Lock of the published event contracts under proto/. Generated: do not edit.
# Check: cargo test -p cla-contracts --test contracts_lock
# After adding messages, fields, enums or values, regenerate with:
#   UPDATE_CONTRACTS_LOCK=1 cargo test -p cla-contracts --test contracts_lock
# Lines: `<Message> message`, `<Message> <number> <field> <type>`,
#        `<Enum> enum`, `<Enum> <number> <VALUE>`.
";

fn lock_path() -> PathBuf {
    let proto_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    proto_dir
        .canonicalize()
        .unwrap_or(proto_dir)
        .join("contracts.lock")
}

/// One line of the lock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entry {
    /// `<type> message` or `<type> enum`.
    Type { name: String, kind: String },
    /// `<type> <number> <name> [<type details>]`: a message field, or an
    /// enum value (no details).
    Member {
        owner: String,
        number: i32,
        name: String,
        detail: String,
    },
}

impl Entry {
    fn sort_key(&self) -> (&str, Option<i32>) {
        match self {
            Entry::Type { name, .. } => (name, None),
            Entry::Member { owner, number, .. } => (owner, Some(*number)),
        }
    }

    fn render(&self) -> String {
        match self {
            Entry::Type { name, kind } => format!("{name} {kind}"),
            Entry::Member {
                owner,
                number,
                name,
                detail,
            } if detail.is_empty() => format!("{owner} {number} {name}"),
            Entry::Member {
                owner,
                number,
                name,
                detail,
            } => format!("{owner} {number} {name} {detail}"),
        }
    }

    fn parse(line: &str) -> Result<Self, String> {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            [name, kind @ ("message" | "enum")] => Ok(Entry::Type {
                name: (*name).to_owned(),
                kind: (*kind).to_owned(),
            }),
            [owner, number, name, detail @ ..] => Ok(Entry::Member {
                owner: (*owner).to_owned(),
                number: number
                    .parse()
                    .map_err(|_| format!("bad number in lock line `{line}`"))?,
                name: (*name).to_owned(),
                detail: detail.join(" "),
            }),
            _ => Err(format!("unreadable lock line `{line}`")),
        }
    }
}

fn sorted(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.cmp(b)));
    entries
}

fn render_lock(entries: &[Entry]) -> String {
    let mut out = String::from(HEADER);
    for entry in entries {
        out.push_str(&entry.render());
        out.push('\n');
    }
    out
}

fn parse_lock(text: &str) -> Result<Vec<Entry>, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(Entry::parse)
        .collect()
}

/// Builds the lock entries of every `cla.*` package in `fds`.
fn summarize(fds: &FileDescriptorSet) -> Vec<Entry> {
    let files: Vec<_> = fds
        .file
        .iter()
        .filter(|f| f.package().starts_with(PACKAGE_PREFIX))
        .collect();

    // Map entry messages, rendered as `map<K,V>` in the fields that use them.
    let mut map_entries = BTreeMap::new();
    for file in &files {
        for message in &file.message_type {
            collect_map_entries(file.package(), message, &mut map_entries);
        }
    }

    let mut entries = Vec::new();
    for file in &files {
        for message in &file.message_type {
            summarize_message(file.package(), message, &map_entries, &mut entries);
        }
        for enumeration in &file.enum_type {
            summarize_enum(file.package(), enumeration, &mut entries);
        }
    }
    sorted(entries)
}

fn is_map_entry(message: &DescriptorProto) -> bool {
    message.options.as_ref().is_some_and(|o| o.map_entry())
}

fn collect_map_entries(scope: &str, message: &DescriptorProto, out: &mut BTreeMap<String, String>) {
    let name = format!("{scope}.{}", message.name());
    if is_map_entry(message) {
        let key = field_type(&message.field[0]);
        let value = field_type(&message.field[1]);
        out.insert(name.clone(), format!("map<{key},{value}>"));
    }
    for nested in &message.nested_type {
        collect_map_entries(&name, nested, out);
    }
}

fn summarize_message(
    scope: &str,
    message: &DescriptorProto,
    map_entries: &BTreeMap<String, String>,
    out: &mut Vec<Entry>,
) {
    let name = format!("{scope}.{}", message.name());
    out.push(Entry::Type {
        name: name.clone(),
        kind: "message".into(),
    });
    for field in &message.field {
        let mut detail = String::new();
        let ty = field_type(field);
        if let Some(map) = map_entries.get(&ty) {
            detail.push_str(map);
        } else {
            if field.label() == Label::Repeated {
                detail.push_str("repeated ");
            } else if field.proto3_optional() {
                detail.push_str("optional ");
            }
            detail.push_str(&ty);
        }
        if let Some(index) = field.oneof_index.filter(|_| !field.proto3_optional()) {
            let oneof = message.oneof_decl[index as usize].name();
            let _ = write!(detail, " oneof:{oneof}");
        }
        // The stored JSON key; listed only when overridden with `json_name`.
        if field.json_name() != lower_camel(field.name()) {
            let _ = write!(detail, " json:{}", field.json_name());
        }
        out.push(Entry::Member {
            owner: name.clone(),
            number: field.number(),
            name: field.name().to_owned(),
            detail,
        });
    }
    for nested in message.nested_type.iter().filter(|m| !is_map_entry(m)) {
        summarize_message(&name, nested, map_entries, out);
    }
    for enumeration in &message.enum_type {
        summarize_enum(&name, enumeration, out);
    }
}

fn summarize_enum(scope: &str, enumeration: &EnumDescriptorProto, out: &mut Vec<Entry>) {
    let name = format!("{scope}.{}", enumeration.name());
    out.push(Entry::Type {
        name: name.clone(),
        kind: "enum".into(),
    });
    for value in &enumeration.value {
        out.push(Entry::Member {
            owner: name.clone(),
            number: value.number(),
            name: value.name().to_owned(),
            detail: String::new(),
        });
    }
}

fn field_type(field: &prost_types::FieldDescriptorProto) -> String {
    match field.r#type() {
        Type::Message | Type::Enum | Type::Group => {
            field.type_name().trim_start_matches('.').to_owned()
        }
        scalar => scalar
            .as_str_name()
            .trim_start_matches("TYPE_")
            .to_lowercase(),
    }
}

/// The default JSON name of a proto field (protobuf's lowerCamelCase rule).
fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The differences between the lock and the compiled contracts.
#[derive(Debug, Default)]
struct Diff {
    breaking: Vec<String>,
    added: Vec<String>,
}

fn diff(locked: &[Entry], current: &[Entry]) -> Diff {
    let types = |entries: &[Entry]| -> BTreeMap<String, String> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Type { name, kind } => Some((name.clone(), kind.clone())),
                Entry::Member { .. } => None,
            })
            .collect()
    };
    // (owner, number) -> (name, detail)
    let members = |entries: &[Entry]| -> BTreeMap<(String, i32), (String, String)> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Member {
                    owner,
                    number,
                    name,
                    detail,
                } => Some(((owner.clone(), *number), (name.clone(), detail.clone()))),
                Entry::Type { .. } => None,
            })
            .collect()
    };
    let (old_types, new_types) = (types(locked), types(current));
    let (old_members, new_members) = (members(locked), members(current));
    let member_kind = |owner: &str, types: &BTreeMap<String, String>| {
        if types.get(owner).is_some_and(|k| k == "enum") {
            "enum value"
        } else {
            "field"
        }
    };

    let mut out = Diff::default();
    for (name, kind) in &old_types {
        match new_types.get(name) {
            None => out.breaking.push(format!("{kind} `{name}` was removed")),
            Some(new_kind) if new_kind != kind => out
                .breaking
                .push(format!("`{name}` changed from {kind} to {new_kind}")),
            Some(_) => {}
        }
    }
    for (name, kind) in &new_types {
        if !old_types.contains_key(name) {
            out.added.push(format!("new {kind} `{name}`"));
        }
    }

    let mut renumbered = BTreeSet::new();
    for ((owner, number), (name, detail)) in &old_members {
        if !new_types.contains_key(owner) {
            continue; // Reported with its message or enum.
        }
        let what = member_kind(owner, &old_types);
        match new_members.get(&(owner.clone(), *number)) {
            Some((new_name, new_detail)) => {
                if new_name != name {
                    out.breaking.push(format!(
                        "{what} #{number} of `{owner}` was renamed from `{name}` to `{new_name}`"
                    ));
                }
                if new_detail != detail {
                    out.breaking.push(format!(
                        "{what} `{name}` (#{number}) of `{owner}` changed from `{detail}` to \
                         `{new_detail}`"
                    ));
                }
            }
            None => {
                let moved = new_members
                    .iter()
                    .find(|((o, _), (n, _))| o == owner && n == name);
                match moved {
                    Some(((_, new_number), _)) => {
                        renumbered.insert((owner.clone(), *new_number));
                        out.breaking.push(format!(
                            "{what} `{name}` of `{owner}` was renumbered from #{number} to \
                             #{new_number}"
                        ));
                    }
                    None => out.breaking.push(format!(
                        "{what} `{name}` (#{number}) of `{owner}` was removed"
                    )),
                }
            }
        }
    }
    for ((owner, number), (name, detail)) in &new_members {
        let key = (owner.clone(), *number);
        if !old_members.contains_key(&key) && !renumbered.contains(&key) {
            let what = member_kind(owner, &new_types);
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            out.added.push(format!(
                "new {what} `{name}` #{number}{detail} in `{owner}`"
            ));
        }
    }
    out
}

fn bullet_list(items: &[String]) -> String {
    items.iter().map(|item| format!("  - {item}\n")).collect()
}

#[test]
fn contracts_match_lock() {
    let fds = FileDescriptorSet::decode(cla_contracts::FILE_DESCRIPTOR_SET)
        .expect("FILE_DESCRIPTOR_SET decodes");
    let current = summarize(&fds);
    let path = lock_path();
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let locked = parse_lock(&existing).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let diff = diff(&locked, &current);
    let expected = render_lock(&current);

    let update = std::env::var("UPDATE_CONTRACTS_LOCK").unwrap_or_default();
    let allow_breaking = update == "allow-breaking";
    let update = allow_breaking || update == "1";

    if !diff.breaking.is_empty() && !allow_breaking {
        panic!(
            "\nBreaking change to published event contracts (compared with {}):\n{}\n\
             A published package version is frozen: fields and enum values are never removed, \
             renumbered, renamed or retyped, because events already stored depend on them.\n\
             Put the new shape in a new package version instead (e.g. `cla.<context>.v2`, \
             stored as `<Message>.v2`), and keep the old version as it was.\n\
             Only if this version has never been deployed, accept the change with \
             `UPDATE_CONTRACTS_LOCK=allow-breaking cargo test -p cla-contracts --test contracts_lock`.\n",
            path.display(),
            bullet_list(&diff.breaking),
        );
    }

    if update {
        if existing != expected {
            std::fs::write(&path, &expected)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            eprintln!("updated {}", path.display());
        }
        return;
    }

    if !diff.added.is_empty() {
        panic!(
            "\nEvent contracts are not in {} yet:\n{}\n\
             Review them (they become frozen once deployed), then regenerate the lock with \
             `UPDATE_CONTRACTS_LOCK=1 cargo test -p cla-contracts --test contracts_lock` \
             and commit it.\n",
            path.display(),
            bullet_list(&diff.added),
        );
    }
    assert!(
        existing == expected,
        "{} is not in canonical form (edited by hand?): regenerate it with \
         `UPDATE_CONTRACTS_LOCK=1 cargo test -p cla-contracts --test contracts_lock`",
        path.display()
    );
}

// The comparison itself, on hand-written lock text.

const BASE: &str = "\
cla.hr.v1.Contract message
cla.hr.v1.Contract 1 contract_id string
cla.hr.v1.Contract 2 grade cla.hr.v1.Grade
cla.hr.v1.Contract 3 tags repeated string
cla.hr.v1.Grade enum
cla.hr.v1.Grade 0 GRADE_UNSPECIFIED
cla.hr.v1.Grade 1 GRADE_G5
";

fn diff_text(old: &str, new: &str) -> Diff {
    diff(&parse_lock(old).unwrap(), &parse_lock(new).unwrap())
}

fn breaking_after(edit: impl Fn(&str) -> String) -> Vec<String> {
    let d = diff_text(BASE, &edit(BASE));
    d.breaking
}

#[test]
fn unchanged_contracts_have_no_diff() {
    let d = diff_text(BASE, BASE);
    assert!(d.breaking.is_empty() && d.added.is_empty(), "{d:?}");
}

#[test]
fn removed_field_is_breaking() {
    let b = breaking_after(|s| s.replace("cla.hr.v1.Contract 3 tags repeated string\n", ""));
    assert_eq!(b, ["field `tags` (#3) of `cla.hr.v1.Contract` was removed"]);
}

#[test]
fn renumbered_field_is_breaking() {
    let d = diff_text(BASE, &BASE.replace("Contract 3 tags", "Contract 4 tags"));
    assert_eq!(
        d.breaking,
        ["field `tags` of `cla.hr.v1.Contract` was renumbered from #3 to #4"]
    );
    assert!(d.added.is_empty(), "{:?}", d.added);
}

#[test]
fn retyped_field_is_breaking() {
    let b = breaking_after(|s| s.replace("tags repeated string", "tags string"));
    assert_eq!(
        b,
        ["field `tags` (#3) of `cla.hr.v1.Contract` changed from `repeated string` to `string`"]
    );
}

#[test]
fn renamed_field_is_breaking() {
    let b = breaking_after(|s| s.replace("1 contract_id string", "1 id string"));
    assert_eq!(
        b,
        ["field #1 of `cla.hr.v1.Contract` was renamed from `contract_id` to `id`"]
    );
}

#[test]
fn changed_enum_value_is_breaking() {
    let b = breaking_after(|s| s.replace("1 GRADE_G5", "1 GRADE_G6"));
    assert_eq!(
        b,
        ["enum value #1 of `cla.hr.v1.Grade` was renamed from `GRADE_G5` to `GRADE_G6`"]
    );
}

#[test]
fn removed_message_is_breaking() {
    let b = breaking_after(|s| {
        s.lines()
            .filter(|l| !l.starts_with("cla.hr.v1.Contract "))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    assert_eq!(b, ["message `cla.hr.v1.Contract` was removed"]);
}

#[test]
fn additions_are_reported_but_not_breaking() {
    let new = format!(
        "{BASE}cla.hr.v1.Contract 4 note optional string\ncla.hr.v1.Grade 2 GRADE_G6\n\
         cla.hr.v2.Contract message\ncla.hr.v2.Contract 1 id string\n"
    );
    let d = diff_text(BASE, &new);
    assert!(d.breaking.is_empty(), "{:?}", d.breaking);
    assert_eq!(
        d.added,
        [
            "new message `cla.hr.v2.Contract`",
            "new field `note` #4 (optional string) in `cla.hr.v1.Contract`",
            "new enum value `GRADE_G6` #2 in `cla.hr.v1.Grade`",
            "new field `id` #1 (string) in `cla.hr.v2.Contract`",
        ]
    );
}

#[test]
fn lock_lines_round_trip() {
    let entries = parse_lock(BASE).unwrap();
    let rendered = render_lock(&sorted(entries.clone()));
    assert_eq!(parse_lock(&rendered).unwrap(), entries);
}
