//! The scripts and styles, inside the binary (never a CDN: mission LANs have no internet), served
//! under names holding a hash of their content so that browsers keep them until they change.
//! `htmx.min.js` is the npm package `htmx.org`'s file, copied as is (a test checks it is).

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

pub struct Asset {
    /// The name it is served under: `style.<hash>.css`.
    pub name: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

fn asset(stem: &str, extension: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..6]);
    Asset {
        name: format!("{stem}.{hash}.{extension}"),
        content_type,
        body,
    }
}

pub static STYLE: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "style",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    )
});

pub static HTMX: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "htmx",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    )
});

/// The alerts list's own script: it follows the server's events (see `pages/alerts.rs`).
pub static ALERTS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "alerts",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/alerts.js"),
    )
});

/// The asset served under `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    [&*STYLE, &*HTMX, &*ALERTS]
        .into_iter()
        .find(|a| a.name == name)
}

/// The path a page links an asset with.
pub fn href(asset: &Asset) -> String {
    format!("/assets/{}", asset.name)
}
