//! Who files an objection, as far as the hourly limit needs to know: the client address, and
//! the double-submit CSRF cookie of the public objection form (there is no session).
//!
//! The address is the TCP peer (`ConnectInfo<SocketAddr>`, present when the server is run with
//! `into_make_service_with_connect_info`). Behind a reverse proxy every peer is the proxy, so
//! `GUAGOU_TRUST_FORWARDED_FOR=1` takes the right-most `X-Forwarded-For` entry instead (the one
//! the proxy itself added; entries to its left are whatever the client sent). Without either,
//! all clients share the key `unknown` (the limit then applies to everyone together). IPv6
//! addresses count by their /64 prefix, which one household's router hands out.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::auth;

/// The setting that makes `X-Forwarded-For` trusted.
pub const TRUST_FORWARDED_ENV: &str = "GUAGOU_TRUST_FORWARDED_FOR";
/// The cookie of the public objection form's CSRF token.
pub const PUBLIC_CSRF_COOKIE: &str = "guagou_public_csrf";

/// The key the hourly objection limit counts by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let trust = std::env::var(TRUST_FORWARDED_ENV).is_ok_and(|v| v == "1" || v == "true");
        Ok(ClientKey(client_key(peer, forwarded, trust)))
    }
}

/// The limit's key: the trusted forwarded address, else the peer, else `unknown`.
pub fn client_key(peer: Option<IpAddr>, forwarded: Option<&str>, trust_forwarded: bool) -> String {
    let from_proxy = forwarded
        .filter(|_| trust_forwarded)
        .and_then(|f| f.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    match from_proxy.or(peer) {
        Some(ip) => address_key(ip),
        None => "unknown".to_owned(),
    }
}

fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The form's CSRF token: the cookie's if it is well formed, else a new one.
pub fn form_token(headers: &HeaderMap) -> Result<(String, bool), crate::WebError> {
    match auth::cookie(headers, PUBLIC_CSRF_COOKIE) {
        Some(t) if is_token(t) => Ok((t.to_owned(), false)),
        _ => Ok((auth::random_hex(32)?, true)),
    }
}

fn is_token(t: &str) -> bool {
    t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit())
}

/// Refuses a form whose token is missing or differs from the cookie's.
pub fn require_form_token(headers: &HeaderMap, sent: &str) -> Result<(), crate::WebError> {
    match auth::cookie(headers, PUBLIC_CSRF_COOKIE) {
        Some(expected) if is_token(expected) && expected == sent => Ok(()),
        _ => Err(crate::WebError::Csrf),
    }
}

/// The `Set-Cookie` of the form's token (a day).
pub fn token_cookie(token: &str) -> String {
    auth::set_cookie(PUBLIC_CSRF_COOKIE, token, 24 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn the_peer_counts_unless_the_proxy_is_trusted() {
        let peer = ip("10.0.0.2");
        assert_eq!(client_key(peer, None, false), "10.0.0.2");
        assert_eq!(client_key(peer, Some("1.2.3.4"), false), "10.0.0.2");
        assert_eq!(client_key(peer, Some("6.6.6.6, 1.2.3.4"), true), "1.2.3.4");
        assert_eq!(client_key(peer, Some("junk"), true), "10.0.0.2");
        assert_eq!(client_key(None, None, false), "unknown");
    }

    #[test]
    fn ipv6_counts_by_its_64_prefix() {
        let a = client_key(ip("2001:db8:1:2:aaaa::1"), None, false);
        let b = client_key(ip("2001:db8:1:2:bbbb::9"), None, false);
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(client_key(ip("::ffff:1.2.3.4"), None, false), "1.2.3.4");
    }
}
