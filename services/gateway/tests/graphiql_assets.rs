//! The files GraphiQL's page loads are the npm packages' own (`services/gateway/graphiql`, pinned
//! by its lock), production builds, not edited copies.

use std::path::Path;

#[test]
fn the_served_graphiql_files_are_the_npm_packages_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let packages = root.join("graphiql/node_modules");
    if !packages.exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "npm ci --prefix services/gateway/graphiql must run first under CI=true"
        );
        eprintln!("skipped: npm ci --prefix services/gateway/graphiql has not run");
        return;
    }
    for (vendored, packaged) in [
        ("graphiql.min.js", "graphiql/graphiql.min.js"),
        ("graphiql.min.css", "graphiql/graphiql.min.css"),
        (
            "react.production.min.js",
            "react/umd/react.production.min.js",
        ),
        (
            "react-dom.production.min.js",
            "react-dom/umd/react-dom.production.min.js",
        ),
    ] {
        let served = std::fs::read(root.join("assets/graphiql").join(vendored)).unwrap();
        let npm = std::fs::read(packages.join(packaged)).unwrap();
        assert!(
            served == npm,
            "services/gateway/assets/graphiql/{vendored} differs from the npm package's {packaged}"
        );
    }
    let lock = std::fs::read_to_string(root.join("graphiql/package-lock.json")).unwrap();
    for package in ["graphiql", "react", "react-dom"] {
        assert!(
            lock.contains(&format!("\"node_modules/{package}\"")),
            "{package} pinned by the lock"
        );
    }
    let manifest = std::fs::read_to_string(root.join("graphiql/package.json")).unwrap();
    assert!(
        manifest.contains("\"graphiql\": \"4.1.2\"") && manifest.contains("\"react\": \"18.3.1\""),
        "exact versions"
    );
}

#[test]
fn the_page_loads_every_file_under_its_content_hashed_name() {
    let assets = &*cla_gateway::http::graphiql::ASSETS;
    for asset in assets.iter() {
        let (stem, rest) = asset.name.split_once('.').unwrap();
        let (hash, extension) = rest.split_once('.').unwrap();
        assert!(!stem.is_empty() && hash.len() == 12, "{}", asset.name);
        assert!(matches!(extension, "js" | "css"), "{}", asset.name);
        // Production builds only.
        let text = String::from_utf8_lossy(asset.body);
        assert!(
            !text.contains("react.development") && !text.contains("react-dom.development"),
            "{}",
            asset.name
        );
    }
}
