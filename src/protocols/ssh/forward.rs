//! Port forwarding, logged and never done.
//!
//! `direct-tcpip` (`ssh -L`, `ssh -W`): the channel is accepted, as by an sshd that allows
//! forwarding, so the client sends what it wanted relayed (a proxied HTTP request, an SMTP
//! dialogue's first line, a scan payload); Mirage logs those bytes as
//! `cowrie.direct-tcpip.data` (bounded) and closes the channel, as a target that hung up
//! would. No outbound connection is ever opened. Accepting rather than refusing is what Cowrie
//! does, and it is what makes the attacker show the payload.
//!
//! `tcpip-forward` (`ssh -R`) is logged and refused, as sshd refuses a port it cannot bind.

use std::time::Duration;

/// Most bytes logged per `direct-tcpip` channel.
pub const MAX_LOGGED: usize = 16 * 1024;

/// Most bytes in one `cowrie.direct-tcpip.data` event.
pub const MAX_EVENT_BYTES: usize = 4096;

/// How long a `direct-tcpip` channel stays open waiting for the client's first bytes.
pub const IDLE_CLOSE: Duration = Duration::from_secs(10);

/// Most `direct-tcpip` channels one connection may have open at once; more are refused.
pub const MAX_OPEN: usize = 16;

/// Longest host name kept from a request.
const MAX_HOST: usize = 255;

/// One open `direct-tcpip` channel.
#[derive(Debug, Clone)]
pub struct Forward {
    /// The host the client wanted reached (truncated).
    pub host: String,
    /// The port the client wanted reached.
    pub port: u32,
    /// Bytes logged so far.
    pub logged: usize,
}

impl Forward {
    /// A channel to `host:port`.
    pub fn new(host: &str, port: u32) -> Forward {
        Forward {
            host: bounded(host),
            port,
            logged: 0,
        }
    }

    /// The part of `data` still to be logged (empty once [`MAX_LOGGED`] is reached).
    pub fn take<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        let room = MAX_LOGGED.saturating_sub(self.logged).min(MAX_EVENT_BYTES);
        let part = &data[..data.len().min(room)];
        self.logged += part.len();
        part
    }
}

/// A host name or address from the client, cut to 255 characters (a DNS name's limit).
pub fn bounded(host: &str) -> String {
    host.chars().take(MAX_HOST).collect()
}

/// `bytes` as Python's `repr` of a bytes object shows it (`b'GET / HTTP/1.1\r\n'`), as
/// Cowrie logs the data.
pub fn py_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_as_python_does() {
        assert_eq!(py_repr(b"GET / HTTP/1.1\r\n"), r"b'GET / HTTP/1.1\r\n'");
        assert_eq!(py_repr(b"it's"), r#"b"it's""#);
        assert_eq!(py_repr(b"'\"\x00\xff\\"), r#"b'\'"\x00\xff\\'"#);
    }

    #[test]
    fn logging_is_bounded() {
        let mut forward = Forward::new(&"h".repeat(1000), 25);
        assert_eq!(forward.host.len(), MAX_HOST);
        let big = vec![b'a'; MAX_LOGGED * 2];
        let mut total = 0;
        for _ in 0..10 {
            let part = forward.take(&big);
            assert!(part.len() <= MAX_EVENT_BYTES);
            total += part.len();
        }
        assert_eq!(total, MAX_LOGGED);
        assert!(forward.take(b"more").is_empty());
    }
}
