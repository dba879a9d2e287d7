//! The JSON log line of the most frequent events written straight to bytes, without building
//! a [`serde_json::Value`] first: a login flood makes five of them per connection.
//!
//! The bytes are exactly those of [`cowrie_json`](super::cowrie_json) serialized with the
//! log's [`AsciiFormatter`](super::AsciiFormatter): the same fields, in the same (sorted)
//! order, the same escapes. Every other kind, and any event whose timestamp the fixed format
//! below cannot write, returns `None` and takes the general path.

use std::fmt::Write as _;
use std::io;

use chrono::{Datelike, Timelike};
use serde::Serializer as _;
use serde::ser::SerializeMap;

use super::AsciiFormatter;
use super::cowrie::seconds_with_tenths;
use crate::events::{Event, EventKind};

/// One value of a line.
enum Field<'a> {
    Str(&'a str),
    Uint(u64),
    List(&'a [String]),
}

impl serde::Serialize for Field<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Str(s) => serializer.serialize_str(s),
            Field::Uint(n) => serializer.serialize_u64(*n),
            Field::List(items) => serializer.collect_seq(items.iter()),
        }
    }
}

/// The line of `event` (newline included) if its kind is one written here; `None` otherwise.
pub(super) fn encode(event: &Event) -> Option<io::Result<Vec<u8>>> {
    let timestamp = timestamp(event)?;
    let src_ip = crate::events::ip_text(event.src_ip.to_canonical());
    let dst_ip = crate::events::ip_text(event.dst_ip.to_canonical());
    let mut uuid = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let uuid = &*event.id.hyphenated().encode_lower(&mut uuid);
    // Made before the fields, which borrow it (empty, without allocating, for other kinds).
    let duration = match &event.kind {
        EventKind::SessionClosed { duration_ms } => seconds_with_tenths(*duration_ms),
        _ => String::new(),
    };
    // The kind's own fields, each arm pushing them in key order (merged with the common ones
    // below, so no sort is needed).
    let mut fields: Vec<(&str, Field<'_>)> = Vec::with_capacity(8);
    let message = match &event.kind {
        EventKind::SessionConnect => format!(
            "New connection: {src_ip}:{} ({dst_ip}:{}) [session: {}]",
            event.src_port, event.dst_port, event.session
        ),
        EventKind::ClientVersion { version } => {
            fields.push(("version", Field::Str(version)));
            format!("Remote SSH version: {version}")
        }
        EventKind::ClientKex(kex) => {
            fields.push(("compCS", Field::List(&kex.comp_cs)));
            fields.push(("encCS", Field::List(&kex.enc_cs)));
            fields.push(("hassh", Field::Str(&kex.hassh)));
            fields.push(("hasshAlgorithms", Field::Str(&kex.hassh_algorithms)));
            fields.push(("kexAlgs", Field::List(&kex.kex_algs)));
            fields.push(("keyAlgs", Field::List(&kex.key_algs)));
            fields.push(("langCS", Field::List(&kex.lang_cs)));
            fields.push(("macCS", Field::List(&kex.mac_cs)));
            format!("SSH client hassh fingerprint: {}", kex.hassh)
        }
        EventKind::LoginSuccess { username, password } => {
            fields.push(("password", Field::Str(password)));
            fields.push(("username", Field::Str(username)));
            format!("login attempt [{username}/{password}] succeeded")
        }
        EventKind::LoginFailed { username, password } => {
            fields.push(("password", Field::Str(password)));
            fields.push(("username", Field::Str(username)));
            format!("login attempt [{username}/{password}] failed")
        }
        EventKind::ClientSize { width, height } => {
            fields.push(("height", Field::Uint(u64::from(*height))));
            fields.push(("width", Field::Uint(u64::from(*width))));
            format!("Terminal Size: {width} {height}")
        }
        EventKind::ClientVar { name, value } => {
            fields.push(("name", Field::Str(name)));
            fields.push(("value", Field::Str(value)));
            format!("request_env: {name}={value}")
        }
        EventKind::CommandInput { input } => {
            fields.push(("input", Field::Str(input)));
            format!("CMD: {input}")
        }
        EventKind::CommandFailed { input } => {
            fields.push(("input", Field::Str(input)));
            format!("Command not found: {input}")
        }
        EventKind::SessionClosed { duration_ms } => {
            fields.push(("duration", Field::Str(&duration)));
            fields.push(("duration_ms", Field::Uint(*duration_ms)));
            format!("Connection lost after {duration} seconds")
        }
        _ => return None,
    };
    // Every line's fields, in key order.
    let common = [
        ("dst_ip", Field::Str(&dst_ip)),
        ("dst_port", Field::Uint(u64::from(event.dst_port))),
        ("eventid", Field::Str(event.kind.eventid())),
        ("message", Field::Str(&message)),
        ("mirage_schema", Field::Uint(u64::from(event.schema))),
        ("protocol", Field::Str(event.protocol.as_str())),
        ("sensor", Field::Str(&event.node)),
        ("session", Field::Str(&event.session.0)),
        ("src_ip", Field::Str(&src_ip)),
        ("src_port", Field::Uint(u64::from(event.src_port))),
        ("timestamp", Field::Str(&timestamp)),
        ("uuid", Field::Str(uuid)),
    ];
    Some(write(&fields, &common))
}

/// The fields of both key-ordered lists, merged in key order (the general path's object is a
/// BTreeMap: keys in byte order), as one compact ASCII JSON object and a newline.
fn write(own: &[(&str, Field<'_>)], common: &[(&str, Field<'_>)]) -> io::Result<Vec<u8>> {
    let mut line = Vec::with_capacity(512);
    let mut serializer = serde_json::Serializer::with_formatter(&mut line, AsciiFormatter);
    let mut map = serializer
        .serialize_map(Some(own.len() + common.len()))
        .map_err(io::Error::from)?;
    let (mut own, mut common) = (own.iter().peekable(), common.iter().peekable());
    let mut last = "";
    loop {
        let next = match (own.peek(), common.peek()) {
            (Some(a), Some(b)) if a.0 < b.0 => own.next(),
            (Some(_), Some(_)) | (None, Some(_)) => common.next(),
            (Some(_), None) => own.next(),
            (None, None) => break,
        };
        let Some((key, value)) = next else { break };
        debug_assert!(last < *key, "{last:?} before {key:?}: not in key order");
        last = key;
        map.serialize_entry(key, value).map_err(io::Error::from)?;
    }
    map.end().map_err(io::Error::from)?;
    line.push(b'\n');
    Ok(line)
}

/// [`TIMESTAMP_FORMAT`](super::TIMESTAMP_FORMAT) without parsing the format string each time;
/// `None` for years it would not write with four digits and for leap seconds.
fn timestamp(event: &Event) -> Option<String> {
    let t = event.timestamp;
    let year = t.year();
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let mut text = String::with_capacity(27);
    write!(
        text,
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        nanos / 1000
    )
    .ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ClientKex, Protocol, SessionId, SessionOrigin};

    fn general(event: &Event) -> Vec<u8> {
        super::super::encode_line(&super::super::cowrie_json(event)).unwrap()
    }

    #[test]
    fn lines_match_the_general_path_byte_for_byte() {
        let origin = SessionOrigin {
            node: "sensör-1".into(),
            session: SessionId("0123456789ab".into()),
            protocol: Protocol::Ssh,
            // An IPv4-mapped address is logged as plain IPv4.
            src: "[::ffff:203.0.113.9]:50022".parse().unwrap(),
            dst: "[2001:db8::1]:2222".parse().unwrap(),
        };
        let odd = "r\u{f6}ot\n\"\\\u{2028}\u{1f600}\u{7}";
        let kinds = vec![
            EventKind::SessionConnect,
            EventKind::ClientVersion {
                version: format!("SSH-2.0-{odd}"),
            },
            EventKind::ClientKex(ClientKex {
                hassh: "ec7378c1a92f5a8dde7e8b7a1ddf33d1".into(),
                hassh_algorithms: "curve25519-sha256;aes128-ctr;hmac-sha2-256;none".into(),
                kex_algs: vec!["curve25519-sha256".into(), odd.into()],
                key_algs: vec!["ssh-ed25519".into()],
                enc_cs: vec!["aes128-ctr".into()],
                mac_cs: vec!["hmac-sha2-256".into()],
                comp_cs: vec!["none".into()],
                lang_cs: vec![],
            }),
            EventKind::LoginSuccess {
                username: odd.into(),
                password: "hunter2".into(),
            },
            EventKind::LoginFailed {
                username: "root".into(),
                password: odd.into(),
            },
            EventKind::ClientSize {
                width: 80,
                height: u32::MAX,
            },
            EventKind::ClientVar {
                name: "LANG".into(),
                value: odd.into(),
            },
            EventKind::CommandInput { input: odd.into() },
            EventKind::CommandFailed {
                input: String::new(),
            },
            EventKind::SessionClosed { duration_ms: 1249 },
            EventKind::SessionClosed { duration_ms: 0 },
        ];
        for kind in kinds {
            let mut event = origin.event(kind);
            for nanos in [0, 7_000, 999_999_999] {
                event.timestamp = chrono::DateTime::from_timestamp(1_700_000_000, nanos).unwrap();
                let fast = encode(&event).expect("a kind written here").unwrap();
                assert_eq!(
                    String::from_utf8(fast).unwrap(),
                    String::from_utf8(general(&event)).unwrap(),
                    "{:?}",
                    event.kind
                );
            }
        }
    }

    #[test]
    fn other_kinds_and_odd_times_take_the_general_path() {
        let origin = SessionOrigin {
            node: "n".into(),
            session: SessionId("0123456789ab".into()),
            protocol: Protocol::Ssh,
            src: "203.0.113.9:50022".parse().unwrap(),
            dst: "192.0.2.1:2222".parse().unwrap(),
        };
        let event = origin.event(EventKind::TcpipForward {
            address: "0.0.0.0".into(),
            port: 80,
        });
        assert!(encode(&event).is_none());
        let mut event = origin.event(EventKind::SessionConnect);
        event.timestamp = chrono::DateTime::from_timestamp(253_402_300_800, 0).unwrap();
        assert!(encode(&event).is_none(), "year 10000");
    }
}
