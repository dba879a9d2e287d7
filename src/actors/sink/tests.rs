//! The sink's tests: subscribers, batched writes, the inbox.

use super::*;
use crate::events::tests::origin;
use crate::store::sqlite::SqliteStore;

/// Remembers the `eventid` of every event it is given, owned or shared.
#[derive(Default)]
struct Seen(Vec<&'static str>);

impl Actor for Seen {
    type Context = Context<Self>;
}

impl Handler<Event> for Seen {
    type Result = ();
    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        self.0.push(event.kind.eventid());
    }
}

impl Handler<SharedEvent> for Seen {
    type Result = ();
    fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
        self.0.push(event.0.kind.eventid());
    }
}

#[derive(Message)]
#[rtype(result = "Vec<&'static str>")]
struct Take;

impl Handler<Take> for Seen {
    type Result = MessageResult<Take>;
    fn handle(&mut self, _: Take, _: &mut Context<Self>) -> Self::Result {
        MessageResult(std::mem::take(&mut self.0))
    }
}

#[actix::test]
async fn subscribers_get_the_kinds_they_want_and_the_store_gets_every_event() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = Spool::open(&tmp.path().join("spool")).unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::new(tmp.path().join("mirage.db"), 1000));
    let sink = EventSink::new(spool, store.clone(), None, Metrics::new()).start();
    let copies = Seen::default().start();
    let logins = Seen::default().start();
    sink.send(Subscribe(copies.clone().recipient()))
        .await
        .unwrap();
    sink.send(SubscribeShared {
        recipient: logins.clone().recipient(),
        wants: |kind| matches!(kind, EventKind::LoginSuccess { .. }),
    })
    .await
    .unwrap();
    let origin = origin();
    let mut sent = Vec::new();
    for kind in [
        EventKind::SessionConnect,
        EventKind::LoginSuccess {
            username: "root".into(),
            password: "hunter2\u{0}\"".into(),
        },
        EventKind::SessionClosed { duration_ms: 1249 },
    ] {
        let event = origin.event(kind);
        sent.push(event.clone());
        sink.send(event).await.unwrap();
    }
    let left = sink
        .send(Flush {
            timeout: Duration::from_secs(10),
        })
        .await
        .unwrap();
    assert_eq!(left, 0, "everything drained");
    assert_eq!(
        copies.send(Take).await.unwrap(),
        [
            "cowrie.session.connect",
            "cowrie.login.success",
            "cowrie.session.closed"
        ]
    );
    assert_eq!(logins.send(Take).await.unwrap(), ["cowrie.login.success"]);
    // Stored from the spool's copy, payload and all: the same events come back.
    let mut stored = store.events(None, 10).await.unwrap();
    stored.sort_by_key(|e| e.id);
    sent.sort_by_key(|e| e.id);
    assert_eq!(stored, sent);
}

/// A sink with an inbox, on a fresh spool and store in `dir`, and an observer of every event
/// it passes on.
async fn sink_with_inbox(dir: &std::path::Path) -> (Addr<EventSink>, InboxQueue, Addr<Seen>) {
    let spool = Spool::open(&dir.join("spool")).unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::new(dir.join("mirage.db"), 1000));
    let queue = InboxQueue::new();
    let sink = EventSink::new(spool, store, None, Metrics::new())
        .with_inbox(queue.clone())
        .start();
    let seen = Seen::default().start();
    sink.send(Subscribe(seen.clone().recipient()))
        .await
        .unwrap();
    (sink, queue, seen)
}

#[actix::test]
async fn inbox_events_arrive_in_order_and_before_later_direct_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (sink, queue, seen) = sink_with_inbox(tmp.path()).await;
    let inbox = EventInbox::new(queue, sink.clone().recipient());
    let origin = origin();
    // Handed over from another thread, as the SSH decoy does.
    let handed = {
        let (inbox, origin) = (inbox.clone(), origin.clone());
        std::thread::spawn(move || {
            inbox.do_send(origin.event(EventKind::SessionConnect));
            inbox.do_send(origin.event(EventKind::LoginSuccess {
                username: "root".into(),
                password: "x".into(),
            }));
        })
    };
    handed.join().unwrap();
    // Sent directly after them: stored after them, though the inbox waits a moment.
    sink.send(origin.event(EventKind::CommandInput { input: "id".into() }))
        .await
        .unwrap();
    assert_eq!(
        seen.send(Take).await.unwrap(),
        [
            "cowrie.session.connect",
            "cowrie.login.success",
            "cowrie.command.input"
        ]
    );
    // Made before a close that waits in the inbox, but sent after it: stored before it.
    let last_command = origin.event(EventKind::CommandInput {
        input: "exit".into(),
    });
    inbox.do_send(origin.event(EventKind::SessionClosed { duration_ms: 9 }));
    sink.send(last_command).await.unwrap();
    assert_eq!(
        seen.send(Take).await.unwrap(),
        ["cowrie.command.input", "cowrie.session.closed"]
    );
    // Alone in the inbox, an event still arrives, a moment later.
    inbox.do_send(origin.event(EventKind::SessionClosed { duration_ms: 5 }));
    let mut got = Vec::new();
    for _ in 0..100 {
        got.extend(seen.send(Take).await.unwrap());
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(INBOX_DELAY).await;
    }
    assert_eq!(got, ["cowrie.session.closed"]);
}

#[actix::test]
async fn an_event_target_hands_events_over_through_the_inbox_or_directly_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (sink, queue, seen) = sink_with_inbox(tmp.path()).await;
    let origin = origin();
    // A node's sessions: through the inbox, from the connection's thread and the session's
    // worker alike, in the order they were handed over.
    let inbox = EventTarget::from(EventInbox::new(queue, sink.clone().recipient()));
    let session = {
        let (inbox, origin) = (inbox.clone(), origin.clone());
        std::thread::spawn(move || {
            inbox.do_send(origin.event(EventKind::CommandInput { input: "id".into() }));
            inbox.do_send(origin.event(EventKind::CommandFailed { input: "x".into() }));
        })
    };
    inbox.do_send(origin.event(EventKind::SessionConnect));
    session.join().unwrap();
    inbox.do_send(origin.event(EventKind::SessionClosed { duration_ms: 3 }));
    let mut got = Vec::new();
    for _ in 0..100 {
        got.extend(seen.send(Take).await.unwrap());
        if got.len() >= 4 {
            break;
        }
        tokio::time::sleep(INBOX_DELAY).await;
    }
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[3], "cowrie.session.closed");
    let command = got.iter().position(|e| *e == "cowrie.command.input");
    let failed = got.iter().position(|e| *e == "cowrie.command.failed");
    assert!(command < failed, "{got:?}");
    // A replay's: one message each, at once.
    EventTarget::from(sink.clone().recipient::<Event>())
        .do_send(origin.event(EventKind::SessionConnect));
    sink.send(Flush {
        timeout: Duration::from_secs(10),
    })
    .await
    .unwrap();
    assert_eq!(seen.send(Take).await.unwrap(), ["cowrie.session.connect"]);
}

#[actix::test]
async fn a_burst_of_events_is_on_disk_when_the_sink_is_done_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spool_dir = tmp.path().join("spool");
    let log_path = tmp.path().join("log").join("mirage.json");
    let spool = Spool::open(&spool_dir).unwrap();
    let log = JsonLog::open(&log_path, &crate::config::LogConfig::default()).unwrap();
    // A store that cannot open: no drain takes segments away while the test reads them.
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::new(
        tmp.path().join("no-such-dir").join("mirage.db"),
        1000,
    ));
    let sink = EventSink::new(spool, store, Some(log), Metrics::new()).start();
    let origin = origin();
    for n in 0..50 {
        sink.do_send(origin.event(EventKind::CommandInput {
            input: format!("echo {n}"),
        }));
    }
    // Answered in the same turn as the burst: the lines are written when it ends.
    sink.send(Subscribe(Seen::default().start().recipient()))
        .await
        .unwrap();
    let log_lines = std::fs::read_to_string(&log_path).unwrap();
    let inputs: Vec<String> = log_lines
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["input"].to_string())
        .collect();
    let expected: Vec<String> = (0..50).map(|n| format!("\"echo {n}\"")).collect();
    assert_eq!(inputs, expected, "every line in the JSON log, in order");
    let spooled: usize = std::fs::read_dir(&spool_dir)
        .unwrap()
        .map(|entry| spool::read_segment(&entry.unwrap().path()).unwrap().len())
        .sum();
    assert_eq!(spooled, 50, "every event in the spool's files");
}
