//! Compiles the event contracts in `proto/` into Rust.
//!
//! - `protox` parses every `.proto` file under `proto/` (no `protoc` needed);
//! - `prost-build` generates one Rust file per package (`<package>.rs`);
//! - `pbjson-build` generates serde impls following the proto3 JSON mapping
//!   (`<package>.serde.rs`), tolerant of unknown fields;
//! - the encoded `FileDescriptorSet` is written to `descriptor.bin`;
//! - `contracts_modules.rs` nests the generated files in a module tree that
//!   mirrors the packages (`cla.store.v1` becomes `cla::store::v1`).
//!
//! The layout rules of `proto/README.md` are enforced here: a file's package
//! is its directory path with dots (`proto/cla/store/v1/*.proto` declares
//! `package cla.store.v1;`), it lives under `cla`, and its last segment is
//! the version `v<N>`.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use prost::Message as _;

/// Package root shared by every contract.
const ROOT_PACKAGE: &str = "cla";

fn main() {
    if let Err(error) = run() {
        panic!("cla-contracts build failed: {error}");
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("../../proto").canonicalize()?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);

    // Cargo scans a directory given to rerun-if-changed recursively, so new
    // files are picked up as well as edits to existing ones.
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    let mut files = Vec::new();
    collect_protos(&proto_dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(format!("no .proto file found under {}", proto_dir.display()).into());
    }
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    let fds = protox::compile(&files, [&proto_dir])?;

    // Enforce the layout and collect the contract packages.
    let mut packages = Vec::new();
    for file in fds.file.iter().filter(|f| !f.name().starts_with("google/")) {
        let package = file.package();
        check_layout(file.name(), package)?;
        if !packages.iter().any(|p| p == package) {
            packages.push(package.to_owned());
        }
    }
    packages.sort();

    let descriptor_bytes = fds.encode_to_vec();
    fs::write(out_dir.join("descriptor.bin"), &descriptor_bytes)?;

    // Well-known types (Timestamp, ...) map to pbjson-types, whose serde
    // impls follow the proto3 JSON mapping like the generated ones.
    prost_build::Config::new()
        .out_dir(&out_dir)
        .compile_well_known_types()
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_fds(fds)?;

    pbjson_build::Builder::new()
        .out_dir(&out_dir)
        .register_descriptors(&descriptor_bytes)?
        .extern_path(".google.protobuf", "::pbjson_types")
        .ignore_unknown_fields()
        .build(&[format!(".{ROOT_PACKAGE}")])?;

    fs::write(out_dir.join("contracts_modules.rs"), module_tree(&packages))?;
    Ok(())
}

/// Recursively collects every `.proto` file under `dir`.
fn collect_protos(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            files.push(path);
        }
    }
    Ok(())
}

/// Checks that `file` (relative to `proto/`) declares the package matching
/// its directory, under the root package, with a `v<N>` version segment.
fn check_layout(file: &str, package: &str) -> Result<(), String> {
    let dir = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    let expected = dir.replace('/', ".");
    if package != expected {
        return Err(format!(
            "{file} declares package `{package}`, but files under proto/{dir}/ must declare \
             `package {expected};`"
        ));
    }
    let segments: Vec<&str> = package.split('.').collect();
    if segments.len() < 3 || segments[0] != ROOT_PACKAGE {
        return Err(format!(
            "{file}: package `{package}` must be `{ROOT_PACKAGE}.<context>.v<N>`"
        ));
    }
    let version = segments[segments.len() - 1];
    let is_version = version.strip_prefix('v').is_some_and(|n| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
    });
    if !is_version {
        return Err(format!(
            "{file}: package `{package}` must end with a version segment `v<N>` (v1, v2, ...)"
        ));
    }
    for segment in &segments {
        let valid = segment.starts_with(|c: char| c.is_ascii_lowercase())
            && segment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || is_rust_keyword(segment) {
            return Err(format!(
                "{file}: package segment `{segment}` must be lowercase snake_case and not a \
                 Rust keyword"
            ));
        }
    }
    Ok(())
}

fn is_rust_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "try", "type", "unsafe", "use", "where", "while", "abstract", "become", "box",
        "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield",
    ];
    KEYWORDS.contains(&word)
}

/// A node of the module tree: child modules, and the package whose generated
/// code belongs in this module, if any.
#[derive(Default)]
struct Node {
    children: BTreeMap<String, Node>,
    package: Option<String>,
}

/// Renders nested `pub mod` items, one per package segment, including the
/// prost and pbjson output of each package in its leaf module.
fn module_tree(packages: &[String]) -> String {
    let mut root = Node::default();
    for package in packages {
        let mut node = &mut root;
        for segment in package.split('.') {
            node = node.children.entry(segment.to_owned()).or_default();
        }
        node.package = Some(package.clone());
    }
    let mut out = String::from("// @generated by cla-contracts/build.rs from proto/.\n");
    render(&root, "", 0, &mut out);
    out
}

fn render(node: &Node, prefix: &str, depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    if let Some(package) = &node.package {
        for suffix in ["rs", "serde.rs"] {
            let _ = writeln!(
                out,
                "{indent}include!(concat!(env!(\"OUT_DIR\"), \"/{package}.{suffix}\"));"
            );
        }
    }
    for (name, child) in &node.children {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        if child.package.is_some() {
            let _ = writeln!(out, "{indent}/// Contracts of proto package `{path}`.");
        } else {
            let _ = writeln!(out, "{indent}/// Proto packages under `{path}`.");
        }
        if depth == 0 {
            // Generated code is not held to the workspace's lint settings.
            let _ = writeln!(out, "{indent}#[allow(clippy::all, clippy::pedantic)]");
        }
        let _ = writeln!(out, "{indent}pub mod {name} {{");
        render(child, &path, depth + 1, out);
        let _ = writeln!(out, "{indent}}}");
    }
}
