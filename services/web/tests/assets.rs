//! The script served is htmx's own file from its npm package (`tests/web`, pinned by its lock),
//! not an edited copy; every asset has a content-hashed name.

use std::path::Path;

#[test]
fn the_served_htmx_is_the_npm_packages_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let packaged = root.join("tests/web/node_modules/htmx.org/dist/htmx.min.js");
    let Ok(npm) = std::fs::read(&packaged) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "npm ci --prefix tests/web must run first under CI=true"
        );
        eprintln!("skipped: npm ci --prefix tests/web has not run");
        return;
    };
    let served = std::fs::read(root.join("services/web/assets/htmx.min.js")).unwrap();
    assert!(
        served == npm,
        "services/web/assets/htmx.min.js differs from the npm package's"
    );
    let lock = std::fs::read_to_string(root.join("tests/web/package-lock.json")).unwrap();
    assert!(
        lock.contains("\"node_modules/htmx.org\""),
        "pinned by the lock"
    );
}

#[test]
fn assets_are_named_by_their_content() {
    let style = &*cla_web::assets::STYLE;
    let htmx = &*cla_web::assets::HTMX;
    assert!(style.name.starts_with("style.") && style.name.ends_with(".css"));
    assert_ne!(style.name, "style.css");
    assert!(cla_web::assets::find(&htmx.name).is_some());
    assert!(cla_web::assets::find("htmx.js").is_none());
}
