//! `GET /sessions/{id}/tty`: a live session's terminal output as it is written, as
//! Server-Sent Events (`event: output`, `data:` a JSON string of the text), ending with
//! `event: end` when the session's terminal closes. `static/player.js` feeds it into the
//! session page's `<pre>` (text only, escape sequences interpreted or dropped). 404 when the
//! session has no live terminal on this node.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use tokio::sync::broadcast;

use crate::outputs::tty_watch::TtyWatchers;

/// Comment line sent when nothing happened for this long (keeps proxies from closing).
const KEEPALIVE: Duration = Duration::from_secs(15);
/// Most chunks joined into one write.
const BATCH: usize = 64;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions/{id}/tty", web::get().to(tty));
}

fn frame(text: &str) -> Vec<u8> {
    let json = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    format!("event: output\ndata: {json}\n\n").into_bytes()
}

async fn tty(path: web::Path<String>, watchers: web::Data<TtyWatchers>) -> HttpResponse {
    let Some(rx) = watchers.watch(&path.into_inner()) else {
        return HttpResponse::NotFound().body("no live terminal for this session on this node\n");
    };
    let mut tick = tokio::time::interval(KEEPALIVE);
    tick.reset();
    let stream = futures::stream::unfold(Some((rx, tick)), |state| async move {
        let (mut rx, mut tick) = state?;
        loop {
            tokio::select! {
                chunk = rx.recv() => match chunk {
                    Ok(text) => {
                        let mut out = frame(&text);
                        for _ in 0..BATCH {
                            match rx.try_recv() {
                                Ok(more) => out.extend_from_slice(&frame(&more)),
                                Err(_) => break,
                            }
                        }
                        return Some((Ok::<_, Infallible>(web::Bytes::from(out)), Some((rx, tick))));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => {
                        return Some((Ok(web::Bytes::from_static(b"event: end\ndata: \"\"\n\n")), None));
                    }
                },
                _ = tick.tick() => {
                    return Some((Ok(web::Bytes::from_static(b": keepalive\n\n")), Some((rx, tick))));
                }
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_one_json_string_each() {
        let f = String::from_utf8(frame("a\r\n\u{1b}[31mb\n")).unwrap();
        assert_eq!(f, "event: output\ndata: \"a\\r\\n\\u001b[31mb\\n\"\n\n");
    }
}
