//! Request extractors that refuse in the JSON error envelope: a
//! size-limited JSON body that keeps its raw bytes (for idempotency
//! fingerprints), the `Idempotency-Key` header, and query strings.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// Largest request body the API accepts.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body of at most [`BODY_LIMIT`] bytes.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = read_limited(req).await?;
        let value = parse_json(&raw)?;
        Ok(Self { value, raw })
    }
}

/// Reads the whole body, refusing more than [`BODY_LIMIT`] bytes, and a
/// body declared as something other than JSON (`415`; no `Content-Type`
/// at all is taken as JSON).
pub async fn read_limited(req: Request) -> Result<Bytes, ApiError> {
    if let Some(given) = req.headers().get(axum::http::header::CONTENT_TYPE) {
        let text = given.to_str().unwrap_or("?");
        if !is_json(text) {
            return Err(ApiError::unsupported_media_type(text, "application/json"));
        }
    }
    if let Some(len) = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > BODY_LIMIT {
            return Err(ApiError::body_too_large(BODY_LIMIT));
        }
    }
    axum::body::to_bytes(req.into_body(), BODY_LIMIT)
        .await
        .map_err(|_| ApiError::body_too_large(BODY_LIMIT))
}

/// `application/json` or a `+json` type, with any parameters.
fn is_json(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses JSON, telling syntax errors (400) from wrong fields (422).
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(raw).map_err(|err| {
        use serde_json::error::Category;
        match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::malformed_json(&err.to_string())
            }
            Category::Data => ApiError::invalid_body(&err.to_string()),
        }
    })
}

/// The optional `Idempotency-Key` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .map_err(|_| ApiError::bad_idempotency_key())?;
        if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(ApiError::bad_idempotency_key());
        }
        Ok(Self(Some(key.to_owned())))
    }
}

/// A query string read into `T`; a malformed one is `400 bad_query` in
/// JSON (axum's own rejection is plain text).
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|rejection| ApiError::bad_query(&rejection.body_text()))
    }
}

/// A path parameter; one that does not decode (`%FF` is not UTF-8) names
/// nothing: `404 not_found` in JSON (axum's own rejection is plain text).
#[derive(Debug, Clone, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| ApiError::not_found())
    }
}

/// What makes two requests "the same" for an idempotency key: method, path
/// and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_api::ErrorCode;

    #[test]
    fn syntax_errors_and_field_errors_differ() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            service: String,
        }
        assert_eq!(
            parse_json::<B>(b"{\"service\":").unwrap_err().code,
            ErrorCode::MalformedJson
        );
        assert_eq!(
            parse_json::<B>(b"{}").unwrap_err().code,
            ErrorCode::InvalidBody
        );
        assert_eq!(
            parse_json::<B>(b"{\"service\":1}").unwrap_err().code,
            ErrorCode::InvalidBody
        );
    }

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "json",
        ] {
            assert!(!is_json(refused), "{refused}");
        }
    }

    #[test]
    fn fingerprints_depend_on_every_part() {
        let a = fingerprint("POST", "/a", b"x");
        assert_ne!(a, fingerprint("POST", "/b", b"x"));
        assert_ne!(a, fingerprint("POST", "/a", b"y"));
        assert_eq!(a, fingerprint("POST", "/a", b"x"));
    }
}
