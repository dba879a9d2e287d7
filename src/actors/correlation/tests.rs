use std::sync::{Arc, Mutex};

use super::*;
use crate::config::HoneytokensConfig;
use crate::events::{HoneytokenRef, SessionId, SessionOrigin};
use crate::honeytokens::Secret;
use crate::host::HostProfile;

/// Collects what the actor sends to the sink.
struct Collector(Arc<Mutex<Vec<Event>>>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<Event> for Collector {
    type Result = ();
    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        self.0.lock().unwrap().push(event);
    }
}

/// An event as the node's sink hands it to the actor.
fn shared(event: Event) -> SharedEvent {
    SharedEvent(Arc::new(event))
}

fn event(session: &str, ip: &str, kind: EventKind) -> Event {
    SessionOrigin {
        node: "n".into(),
        session: SessionId(session.into()),
        protocol: crate::events::Protocol::Ssh,
        src: format!("{ip}:40000").parse().unwrap(),
        dst: "127.0.0.1:2222".parse().unwrap(),
    }
    .event(kind)
}

#[actix::test]
async fn a_use_names_the_last_reader_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let host = HostProfile::generate(3);
    let tokens =
        Honeytokens::load_or_create(dir.path(), &host, &HoneytokensConfig::default()).unwrap();
    let Secret::Credential { username, password } =
        tokens.token("lure-env-db").unwrap().secret.clone()
    else {
        panic!()
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Collector(seen.clone()).start().recipient();
    let actor = CorrelationActor::new(tokens.clone(), sink.clone(), dir.path(), 3).start();
    // Session A fetched the `/.env` lure (the decoy names its first token, the AWS key).
    let lure = tokens.lure_file("/.env").unwrap().token;
    actor
        .send(shared(event(
            "aaaaaaaaaaaa",
            "127.0.0.1",
            EventKind::HoneytokenAccessed {
                token: lure,
                how: "GET /.env".into(),
            },
        )))
        .await
        .unwrap();
    actor.send(SaveRecords).await.unwrap();
    drop(actor);

    // After a restart, session B from another address logs in with the lure's DB credential.
    let actor = CorrelationActor::new(tokens, sink, dir.path(), 3).start();
    let login = event(
        "bbbbbbbbbbbb",
        "127.0.0.2",
        EventKind::LoginFailed { username, password },
    );
    actor.send(shared(login.clone())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let used = seen.lock().unwrap().clone();
    assert_eq!(used.len(), 1, "{used:?}");
    let EventKind::HoneytokenUsed {
        token,
        accessed_by,
        accessed_from,
        ..
    } = &used[0].kind
    else {
        panic!("{used:?}")
    };
    assert_eq!(
        token,
        &HoneytokenRef {
            token: "lure-env-db".into(),
            kind: "db_password".into(),
            placement: "http:/.env".into(),
        }
    );
    assert_eq!(
        accessed_by.as_ref().map(|s| s.0.as_str()),
        Some("aaaaaaaaaaaa")
    );
    assert_eq!(*accessed_from, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(used[0].session, login.session);
    assert_eq!(used[0].src_ip, login.src_ip);
    assert_ne!(used[0].id, login.id);

    // The use event coming back links A and B into one attacker.
    actor.send(shared(used[0].clone())).await.unwrap();
    let attackers = actor.send(ListAttackers).await.unwrap();
    assert_eq!(attackers.len(), 1, "{attackers:?}");
    assert_eq!(attackers[0].id, "aaaaaaaaaaaa");
    assert_eq!(attackers[0].session_count, 2);
}
