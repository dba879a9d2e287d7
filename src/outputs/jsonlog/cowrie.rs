//! Cowrie's field names and messages for each [`EventKind`]: what makes our lines ingestible by
//! pipelines built for Cowrie (checked against Cowrie 2.9 and 3.0's source).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::TIMESTAMP_FORMAT;
use crate::events::{Event, EventKind};

/// The Cowrie-compatible JSON object for one event.
pub fn cowrie_json(event: &Event) -> Value {
    let src_ip = canonical(event.src_ip);
    let dst_ip = canonical(event.dst_ip);
    let mut object = Map::new();
    object.insert("eventid".into(), json!(event.kind.eventid()));
    object.insert(
        "timestamp".into(),
        json!(event.timestamp.format(TIMESTAMP_FORMAT).to_string()),
    );
    object.insert("session".into(), json!(event.session.0));
    object.insert("src_ip".into(), json!(src_ip.to_string()));
    object.insert("src_port".into(), json!(event.src_port));
    object.insert("dst_ip".into(), json!(dst_ip.to_string()));
    object.insert("dst_port".into(), json!(event.dst_port));
    object.insert("sensor".into(), json!(event.node));
    object.insert("protocol".into(), json!(event.protocol.as_str()));
    object.insert("uuid".into(), json!(event.id.to_string()));
    object.insert("mirage_schema".into(), json!(event.schema));

    let mut field = |key: &str, value: Value| {
        object.insert(key.to_owned(), value);
    };
    let message = match &event.kind {
        EventKind::SessionConnect => format!(
            "New connection: {src_ip}:{} ({dst_ip}:{}) [session: {}]",
            event.src_port, event.dst_port, event.session
        ),
        EventKind::ClientVersion { version } => {
            field("version", json!(version));
            format!("Remote SSH version: {version}")
        }
        EventKind::ClientKex(kex) => {
            field("hassh", json!(kex.hassh));
            field("hasshAlgorithms", json!(kex.hassh_algorithms));
            field("kexAlgs", json!(kex.kex_algs));
            field("keyAlgs", json!(kex.key_algs));
            field("encCS", json!(kex.enc_cs));
            field("macCS", json!(kex.mac_cs));
            field("compCS", json!(kex.comp_cs));
            field("langCS", json!(kex.lang_cs));
            format!("SSH client hassh fingerprint: {}", kex.hassh)
        }
        EventKind::LoginSuccess { username, password } => {
            field("username", json!(username));
            field("password", json!(password));
            format!("login attempt [{username}/{password}] succeeded")
        }
        EventKind::LoginFailed { username, password } => {
            field("username", json!(username));
            field("password", json!(password));
            format!("login attempt [{username}/{password}] failed")
        }
        EventKind::ClientFingerprint {
            username,
            fingerprint,
            key_type,
        } => {
            field("username", json!(username));
            field("fingerprint", json!(fingerprint));
            field("type", json!(key_type));
            format!(
                "public key attempt for user {username} of type {key_type} with fingerprint {fingerprint}"
            )
        }
        EventKind::ClientSize { width, height } => {
            field("width", json!(width));
            field("height", json!(height));
            format!("Terminal Size: {width} {height}")
        }
        EventKind::ClientVar { name, value } => {
            field("name", json!(name));
            field("value", json!(value));
            format!("request_env: {name}={value}")
        }
        EventKind::CommandInput { input } => {
            field("input", json!(input));
            format!("CMD: {input}")
        }
        EventKind::CommandFailed { input } => {
            field("input", json!(input));
            format!("Command not found: {input}")
        }
        EventKind::FileDownload {
            url,
            outfile,
            shasum,
        } => {
            field("url", json!(url));
            field("outfile", json!(outfile));
            field("shasum", json!(shasum));
            field("destfile", json!(outfile));
            format!("Downloaded URL ({url}) with SHA-256 {shasum} to {outfile}")
        }
        EventKind::FileDownloadFailed { url, reason } => {
            field("url", json!(url));
            field("reason", json!(reason));
            format!("Attempt to download file(s) from URL ({url}) failed")
        }
        EventKind::SessionRestarted { reason } => {
            field("reason", json!(reason));
            format!("Session restarted from its last checkpoint: {reason}")
        }
        EventKind::Alert {
            severity,
            rule,
            message,
            details,
        } => {
            field("severity", json!(severity));
            field("rule", json!(rule));
            if !details.is_empty() {
                field("details", json!(details));
            }
            message.clone()
        }
        EventKind::HttpRequest(request) => {
            field("method", json!(request.method));
            field("path", json!(request.path));
            field("query", json!(request.query));
            field("version", json!(request.version));
            field("headers", json!(request.headers));
            field("user_agent", json!(request.user_agent));
            field("body_len", json!(request.body_len));
            field("body_sha256", json!(request.body_sha256));
            field("body_sample", json!(request.body_sample));
            field("status", json!(request.status));
            field("lure", json!(request.lure));
            let query = if request.query.is_empty() {
                String::new()
            } else {
                format!("?{}", request.query)
            };
            format!(
                "HTTP {} {}{query} answered {}",
                request.method, request.path, request.status
            )
        }
        EventKind::HoneytokenAccessed { token, how } => {
            field("token", json!(token.token));
            field("kind", json!(token.kind));
            field("placement", json!(token.placement));
            field("how", json!(how));
            format!(
                "Honeytoken {} ({}) at {} read: {how}",
                token.token, token.kind, token.placement
            )
        }
        EventKind::HoneytokenUsed {
            token,
            how,
            accessed_by,
            accessed_from,
        } => {
            field("token", json!(token.token));
            field("kind", json!(token.kind));
            field("placement", json!(token.placement));
            field("how", json!(how));
            if let Some(session) = accessed_by {
                field("accessed_by", json!(session.0));
            }
            if let Some(ip) = accessed_from {
                field("accessed_from", json!(canonical(*ip).to_string()));
            }
            format!(
                "Honeytoken {} ({}) planted at {} used: {how}",
                token.token, token.kind, token.placement
            )
        }
        EventKind::Persona {
            command,
            source,
            reason,
        } => {
            field("command", json!(command));
            field("source", json!(source));
            field("reason", json!(reason));
            format!("Persona answered {command} from {source}")
        }
        EventKind::Strategy {
            settings,
            mode,
            class,
            phase,
        } => {
            field("settings", json!(settings));
            field("mode", json!(mode));
            field("class", json!(class));
            field("phase", json!(phase));
            format!("Strategy ({mode}) now {settings}")
        }
        EventKind::Reflex {
            rule,
            action,
            detail,
        } => {
            field("rule", json!(rule));
            field("action", json!(action));
            field("detail", json!(detail));
            format!("Reflex {rule} acting on {src_ip}: {action} ({detail})")
        }
        EventKind::Classification {
            class,
            rule,
            source,
            confidence,
            phase,
        } => {
            field("class", json!(class));
            field("rule", json!(rule));
            field("source", json!(source));
            if let Some(phase) = phase {
                field("phase", json!(phase));
            }
            match confidence {
                Some(confidence) => {
                    field("confidence", json!(confidence));
                    format!("Session classified as {class} ({source} {rule}, {confidence:.2})")
                }
                None => format!("Session classified as {class} ({source} {rule})"),
            }
        }
        EventKind::Prediction {
            predicted,
            actual,
            hit_top1,
            hit_top3,
            model,
        } => {
            field("predicted", json!(predicted));
            field("actual", json!(actual));
            field("hit_top1", json!(hit_top1));
            field("hit_top3", json!(hit_top3));
            field("model", json!(model));
            let verdict = match (hit_top1, hit_top3) {
                (true, _) => "top-1 hit",
                (false, true) => "top-3 hit",
                (false, false) => "miss",
            };
            let guess = predicted.first().map_or("nothing", |p| p.command.as_str());
            format!("Prediction {verdict}: expected {guess}, got {actual}")
        }
        EventKind::LogClosed {
            ttylog,
            size,
            shasum,
            duration_ms,
        } => {
            let duration = seconds_with_tenths(*duration_ms);
            field("ttylog", json!(ttylog));
            field("size", json!(size));
            field("shasum", json!(shasum));
            field("duplicate", json!(false));
            field("duration", json!(duration));
            format!("Closing TTY Log: {ttylog} after {duration} seconds")
        }
        EventKind::FileUpload {
            filename,
            destfile,
            outfile,
            shasum,
            size,
            transfer,
        } => {
            field("filename", json!(filename));
            field("destfile", json!(destfile));
            field("outfile", json!(outfile));
            field("shasum", json!(shasum));
            field("size", json!(size));
            field("transfer", json!(transfer));
            let via = transfer.to_uppercase();
            format!("{via} Uploaded file \"{filename}\" to {outfile}")
        }
        // Cowrie puts the requested target in `dst_ip`/`dst_port` and the originator the
        // client reported in `src_ip`/`src_port` of these lines; the store keeps both.
        EventKind::DirectTcpipRequest {
            target_host,
            target_port,
            orig_host,
            orig_port,
        } => {
            field("dst_ip", json!(target_host));
            field("dst_port", json!(target_port));
            field("src_ip", json!(orig_host));
            field("src_port", json!(orig_port));
            format!(
                "direct-tcp connection request to {target_host}:{target_port} from {orig_host}:{orig_port}"
            )
        }
        EventKind::DirectTcpipData {
            target_host,
            target_port,
            data,
        } => {
            field("dst_ip", json!(target_host));
            field("dst_port", json!(target_port));
            field("data", json!(data));
            format!("direct-tcp forward to {target_host}:{target_port} with data {data}")
        }
        EventKind::TcpipForward { address, port } => {
            field("address", json!(address));
            field("port", json!(port));
            format!("tcpip-forward request for {address}:{port} refused")
        }
        EventKind::SessionClosed { duration_ms } => {
            let duration = seconds_with_tenths(*duration_ms);
            field("duration", json!(duration));
            field("duration_ms", json!(duration_ms));
            format!("Connection lost after {duration} seconds")
        }
    };
    object.insert("message".into(), Value::String(message));
    Value::Object(object)
}

/// An IPv4-mapped IPv6 address as plain IPv4, as Cowrie logs `src_ip`.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// Milliseconds as Cowrie 2.x's `duration`: seconds with one decimal (`f"{s:.1f}"`), rounded
/// half up in integers so no float rounding can differ between platforms.
pub(super) fn seconds_with_tenths(ms: u64) -> String {
    let tenths = ms / 100 + u64::from(ms % 100 >= 50);
    format!("{}.{}", tenths / 10, tenths % 10)
}
