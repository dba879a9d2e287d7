//! Noticing that an event used a planted token.
//!
//! A use is:
//! - a login attempt, accepted or not, on any protocol, whose password is a planted password,
//!   secret key or API key, or whose user name is a planted AWS key id or API key;
//! - an SSH public key offered whose fingerprint is the planted key's;
//! - an HTTP request whose path is a beacon's path, or whose query, headers (including a
//!   decoded `Authorization: Basic`) or body sample hold a planted key id, secret key or API
//!   key (`Authorization: AWS4-HMAC-SHA256 Credential=AKIA…/…`, `Bearer sk-…`);
//! - a download in the shell of a beacon URL.
//!
//! Passwords in a request body are not matched here: the HTTP decoy reports login forms as
//! login events, which are.

use super::{Honeytokens, Secret, Token};
use crate::events::{Event, EventKind, HoneytokenRef, HttpRequestInfo, Protocol};

/// One token used by one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// The token.
    pub token: HoneytokenRef,
    /// How it was used, for operators.
    pub how: String,
}

impl Honeytokens {
    /// The tokens `event` used, each once.
    pub fn uses(&self, event: &Event) -> Vec<Use> {
        let mut uses: Vec<Use> = Vec::new();
        let mut add = |token: &Token, how: String| {
            if !uses.iter().any(|u| u.token.token == token.id) {
                uses.push(Use {
                    token: token.reference(),
                    how,
                });
            }
        };
        match &event.kind {
            EventKind::LoginSuccess { username, password }
            | EventKind::LoginFailed { username, password } => {
                let via = match event.protocol {
                    Protocol::Ssh => "ssh",
                    Protocol::Http => "http",
                };
                for token in self.tokens() {
                    if login_matches(token, username, password) {
                        add(
                            token,
                            format!(
                                "{via} login as {username:?} with the planted {}",
                                token.kind
                            ),
                        );
                    }
                }
            }
            EventKind::ClientFingerprint {
                username,
                fingerprint,
                ..
            } => {
                for token in self.tokens() {
                    if let Secret::SshKey {
                        fingerprint: planted,
                        ..
                    } = &token.secret
                        && planted == fingerprint
                    {
                        add(
                            token,
                            format!("ssh publickey login as {username:?} with the planted key"),
                        );
                    }
                }
            }
            EventKind::HttpRequest(request) => {
                for token in self.tokens() {
                    if let Some(how) = request_uses(token, request) {
                        add(token, how);
                    }
                }
            }
            EventKind::FileDownload { url, .. } => {
                for token in self.tokens() {
                    if let Secret::Beacon { path, .. } = &token.secret
                        && url_path(url) == path.as_str()
                    {
                        add(token, format!("download of the beacon URL {url}"));
                    }
                }
            }
            _ => {}
        }
        uses
    }
}

/// Whether a login with `username` / `password` uses `token`.
fn login_matches(token: &Token, username: &str, password: &str) -> bool {
    let (username, password) = (username.trim(), password.trim());
    match &token.secret {
        Secret::AwsKey {
            access_key_id,
            secret_access_key,
        } => {
            username == access_key_id || password == secret_access_key || password == access_key_id
        }
        Secret::ApiKey { key } => username == key || password == key,
        Secret::Credential { password: p, .. } => !p.is_empty() && password == p,
        Secret::SshKey { .. } | Secret::Beacon { .. } => false,
    }
}

/// How `request` used `token`, if it did.
fn request_uses(token: &Token, request: &HttpRequestInfo) -> Option<String> {
    if let Secret::Beacon { path, query } = &token.secret {
        let by_path = request.path == *path;
        let by_query = !query.is_empty() && request.query.contains(query.as_str());
        return (by_path || by_query)
            .then(|| format!("{} {} (beacon URL)", request.method, request.path));
    }
    let query = percent_decode(&request.query);
    let secrets: Vec<&str> = match &token.secret {
        Secret::Credential { .. } => Vec::new(),
        _ => token.secrets(),
    };
    for &secret in &secrets {
        if request.path.contains(secret) || request.query.contains(secret) || query.contains(secret)
        {
            return Some(format!(
                "{} {} with the planted {} in the URL",
                request.method, request.path, token.kind
            ));
        }
        for (name, value) in &request.headers {
            if value.contains(secret) || basic_auth(value).is_some_and(|d| d.contains(secret)) {
                return Some(format!(
                    "{} {} with the planted {} in the {name} header",
                    request.method, request.path, token.kind
                ));
            }
        }
        if request.body_sample.contains(secret)
            || percent_decode(&request.body_sample).contains(secret)
        {
            return Some(format!(
                "{} {} with the planted {} in the body",
                request.method, request.path, token.kind
            ));
        }
    }
    // `Authorization: Basic` with a planted password.
    if let Secret::Credential { password, .. } = &token.secret {
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization")
                && let Some(decoded) = basic_auth(value)
                && decoded.split_once(':').is_some_and(|(_, p)| p == password)
            {
                return Some(format!(
                    "{} {} with the planted credential in HTTP basic auth",
                    request.method, request.path
                ));
            }
        }
    }
    None
}

/// The path of a URL (`http://host:port/path?query` → `/path`); a bare path is its own.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = if url.contains("://") {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        rest
    };
    rest.split(['?', '#']).next().unwrap_or(rest)
}

/// The credentials of an `Authorization: Basic …` value, decoded.
fn basic_auth(value: &str) -> Option<String> {
    let encoded = value.trim().strip_prefix("Basic ")?.trim();
    let bytes = base64_decode(encoded)?;
    String::from_utf8(bytes).ok()
}

/// Standard base64, padding optional; `None` on anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().take_while(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `%XX` and `+` decoded (lossily); text that is not percent-encoded stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(text.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_and_encodings() {
        assert_eq!(url_path("http://10.0.0.1:8080/a/b.zip?x=1"), "/a/b.zip");
        assert_eq!(url_path("/a/b.zip#frag"), "/a/b.zip");
        assert_eq!(url_path("http://host"), "/");
        assert_eq!(
            basic_auth("Basic dXNlcjpwYXNz").as_deref(),
            Some("user:pass")
        );
        assert_eq!(basic_auth("Bearer x"), None);
        assert_eq!(percent_decode("a%2Fb%2Bc+d%"), "a/b+c d%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
