//! Revalidation of GET answers, for report builders and spreadsheets that ask the same question
//! again and again: each answer carries an entity tag, and a request sending the tag of the
//! answer it has (`If-None-Match`) is answered `304 Not Modified`, without the body, while the
//! answer would be the same.
//!
//! The tag is drawn from the answer itself (its SHA-256), with the caller (identity, roles,
//! missions) and the question: it changes whenever the answer does — when the read models move
//! and the answer with them, and also when the clock alone moves it ("today", days open), which a
//! tag drawn from the projections' position would miss — and one caller's tag never matches
//! another's answer, even an identical one. The tag is weak (`W/`): the bytes on the wire vary
//! with the compression the client asks for.
//!
//! `Cache-Control: private, no-cache`: an answer is the caller's own (no shared cache may keep
//! it), and may be kept by the caller's client but asked again before each use, since any write
//! by anyone can change it. `Vary: Authorization, Accept`: the caller and the media type make
//! another answer.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// What a GET answer's caches are told.
pub const CACHE_CONTROL: &str = "private, no-cache";

/// What makes another answer to the same URL.
pub const VARY: &str = "Authorization, Accept";

/// The tag of `body`, as answered to `seed` (the caller and the question).
pub fn tag(seed: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(seed.as_bytes());
    hash.update([0]);
    hash.update(body);
    format!("W/\"{}\"", hex::encode(&hash.finalize()[..16]))
}

/// Whether an `If-None-Match` header lists `tag` (compared weakly, as the header asks) or `*`.
fn matches(headers: &HeaderMap, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(tag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

/// A GET's answer with its tag and cache headers, or `304 Not Modified` where the request
/// already has it. Anything but a 200 goes out as it is, told not to be stored.
pub async fn revalidated(response: Response, seed: &str, request: &HeaderMap) -> Response {
    let (mut parts, body) = response.into_parts();
    if parts.status != StatusCode::OK {
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = tag(seed, &bytes);
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let cache_headers = [
        (header::ETAG, value),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
        (header::VARY, HeaderValue::from_static(VARY)),
    ];
    if matches(request, &tag) {
        return (StatusCode::NOT_MODIFIED, cache_headers).into_response();
    }
    for (name, value) in cache_headers {
        parts.headers.insert(name, value);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, value.parse().unwrap());
        headers
    }

    #[test]
    fn a_tag_is_the_callers_and_the_answers() {
        let tag = tag("ana\0query={a}", b"{\"data\":1}");
        assert_ne!(tag, super::tag("ben\0query={a}", b"{\"data\":1}"));
        assert_ne!(tag, super::tag("ana\0query={a}", b"{\"data\":2}"));
        assert!(matches(&asking(&tag), &tag));
        assert!(matches(&asking(&tag.replace("W/", "")), &tag));
        assert!(matches(&asking(&format!("\"x\", {tag}")), &tag));
        assert!(matches(&asking("*"), &tag));
        assert!(!matches(&asking("W/\"other\""), &tag));
        assert!(!matches(&HeaderMap::new(), &tag));
    }
}
