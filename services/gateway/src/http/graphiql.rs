//! GraphiQL at `/graphql` in a browser, served whole by this binary: mission LANs have no
//! internet, so no script or style comes from a CDN. The files are the npm packages' own
//! production builds (`graphiql`, `react`, `react-dom`, pinned by `services/gateway/graphiql/`'s
//! lock and copied as they are into `services/gateway/assets/graphiql/`; a test checks they are
//! the packages' files), served under names holding a hash of their content so that browsers
//! keep them until they change. The page opens with an example query and a template for the
//! token header, under a Content-Security-Policy that allows this server's files only.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Where the assets are served.
pub const PREFIX: &str = "/graphiql/";

/// What the page allows: this server's scripts, styles and connections, nothing inline, and
/// `data:` only for the fonts and icons GraphiQL's stylesheet carries inside itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// One file the page loads.
pub struct Asset {
    /// The name it is served under: `graphiql.<hash>.js`.
    pub name: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

fn asset(stem: &str, extension: &str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..6]);
    let content_type = if extension == "css" {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    Asset {
        name: format!("{stem}.{hash}.{extension}"),
        content_type,
        body,
    }
}

/// The files, in the order the page loads them: styles, then React, ReactDOM, GraphiQL and
/// the script that starts it.
pub static ASSETS: LazyLock<[Asset; 6]> = LazyLock::new(|| {
    [
        asset(
            "graphiql",
            "css",
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
        ),
        asset(
            "page",
            "css",
            include_bytes!("../../assets/graphiql/page.css"),
        ),
        asset(
            "react",
            "js",
            include_bytes!("../../assets/graphiql/react.production.min.js"),
        ),
        asset(
            "react-dom",
            "js",
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
        ),
        asset(
            "graphiql",
            "js",
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
        ),
        asset(
            "start",
            "js",
            include_bytes!("../../assets/graphiql/start.js"),
        ),
    ]
});

/// The query the page opens with: a mission's board.
pub const EXAMPLE_QUERY: &str =
    "# CLA workforce — GraphQL. Put your token in the Authorization header below,
# then run (Ctrl-Enter). The schema is in the documentation explorer (top left).
query Board {
  baseBoard(missionCode: \"MONUSCO\", first: 20) {
    totalCount
    edges {
      node {
        baseId
        name
        status
        deployed
        effectiveStrength
        minimum
        languagesMissing
      }
    }
  }
}
";

/// The header editor's template.
pub const HEADER_TEMPLATE: &str = "{\n  \"Authorization\": \"Bearer <token>\"\n}";

static PAGE: LazyLock<String> = LazyLock::new(|| {
    let settings = serde_json::json!({
        "endpoint": "/graphql",
        "defaultQuery": EXAMPLE_QUERY,
        "defaultHeaders": HEADER_TEMPLATE,
    });
    // Inside a script element: no `<` may end it early.
    let settings = settings.to_string().replace('<', "\\u003c");
    let mut styles = String::new();
    let mut scripts = String::new();
    for asset in ASSETS.iter() {
        if asset.name.ends_with(".css") {
            styles.push_str(&format!(
                "    <link rel=\"stylesheet\" href=\"{PREFIX}{}\">\n",
                asset.name
            ));
        } else {
            scripts.push_str(&format!(
                "    <script src=\"{PREFIX}{}\"></script>\n",
                asset.name
            ));
        }
    }
    format!(
        "<!DOCTYPE html>
<html lang=\"en\">
  <head>
    <meta charset=\"utf-8\">
    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
    <meta name=\"robots\" content=\"noindex\">
    <title>CLA workforce — GraphQL</title>
    <link rel=\"icon\" href=\"data:,\">
{styles}  </head>
  <body>
    <div id=\"graphiql\">CLA workforce — GraphQL: starting GraphiQL…</div>
    <script id=\"graphiql-settings\" type=\"application/json\">{settings}</script>
{scripts}  </body>
</html>
"
    )
});

/// The page, `no-cache` (it names the assets by hash, so it must be asked for again).
pub fn page() -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE.as_str(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `GET /graphiql/{name}`: an asset, kept by browsers for a year (its name changes with it).
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_this_servers_files_only() {
        assert!(PAGE.contains("<title>CLA workforce — GraphQL</title>"));
        for asset in ASSETS.iter() {
            assert!(
                PAGE.contains(&format!("{PREFIX}{}", asset.name)),
                "{}",
                asset.name
            );
        }
        assert!(!PAGE.contains("https://") && !PAGE.contains("http://"));
        assert!(
            !PAGE.contains("<token>"),
            "escaped inside the script element"
        );
        let settings_start =
            PAGE.find("application/json\">").unwrap() + "application/json\">".len();
        let settings_end = PAGE[settings_start..].find("</script>").unwrap() + settings_start;
        let settings: serde_json::Value =
            serde_json::from_str(&PAGE[settings_start..settings_end]).unwrap();
        assert_eq!(settings["defaultHeaders"], HEADER_TEMPLATE);
        assert_eq!(settings["defaultQuery"], EXAMPLE_QUERY);
    }
}
