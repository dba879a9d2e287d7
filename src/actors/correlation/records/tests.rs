use super::*;
use crate::events::{ClientKex, HoneytokenRef, SessionOrigin};

fn event(session: &str, ip: &str, protocol: Protocol, kind: EventKind) -> Event {
    SessionOrigin {
        node: "n".into(),
        session: SessionId(session.into()),
        protocol,
        src: format!("{ip}:40000").parse().unwrap(),
        dst: "127.0.0.1:2222".parse().unwrap(),
    }
    .event(kind)
}

fn login(user: &str, password: &str) -> EventKind {
    EventKind::LoginFailed {
        username: user.into(),
        password: password.into(),
    }
}

fn hassh(value: &str) -> EventKind {
    EventKind::ClientKex(ClientKex {
        hassh: value.into(),
        hassh_algorithms: String::new(),
        kex_algs: vec![],
        key_algs: vec![],
        enc_cs: vec![],
        mac_cs: vec![],
        comp_cs: vec![],
        lang_cs: vec![],
    })
}

fn ids(records: &Records) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = records
        .attackers()
        .iter()
        .map(|a| a.sessions.iter().map(|s| s.session.0.clone()).collect())
        .collect();
    groups.sort();
    groups
}

#[test]
fn same_address_and_token_use_link_across_protocols() {
    let mut r = Records::new(3);
    r.observe(&event(
        "a1",
        "10.0.0.1",
        Protocol::Ssh,
        EventKind::SessionConnect,
    ));
    r.observe(&event(
        "a2",
        "10.0.0.1",
        Protocol::Http,
        EventKind::SessionConnect,
    ));
    r.observe(&event(
        "b1",
        "10.0.0.9",
        Protocol::Ssh,
        EventKind::SessionConnect,
    ));
    r.observe(&event(
        "c1",
        "10.0.0.7",
        Protocol::Ssh,
        EventKind::SessionConnect,
    ));
    assert_eq!(ids(&r).len(), 3);
    r.observe(&event(
        "b1",
        "10.0.0.9",
        Protocol::Ssh,
        EventKind::HoneytokenUsed {
            token: HoneytokenRef {
                token: "aws-root-credentials".into(),
                kind: "aws_key".into(),
                placement: "/root/.aws/credentials".into(),
            },
            how: "ssh login".into(),
            accessed_by: Some(SessionId("a1".into())),
            accessed_from: Some("10.0.0.1".parse().unwrap()),
        },
    ));
    assert_eq!(ids(&r), vec![vec!["a1", "a2", "b1"], vec!["c1"]]);
    let attacker = r.attacker_of(&SessionId("b1".into())).unwrap();
    assert_eq!(attacker.id, "a1");
    assert_eq!(attacker.protocols, vec![Protocol::Ssh, Protocol::Http]);
    assert_eq!(attacker.tokens_used, vec!["aws-root-credentials"]);
    assert_eq!(attacker.ips.len(), 2);
    assert_eq!(r.attacker("a1").unwrap().session_count, 3);
}

#[test]
fn identifiers_link_only_while_seen_from_few_addresses() {
    let mut r = Records::new(2);
    // A rare password from two addresses links them.
    r.observe(&event(
        "s1",
        "10.0.0.1",
        Protocol::Ssh,
        login("root", "Xq7!rare"),
    ));
    r.observe(&event(
        "s2",
        "10.0.0.2",
        Protocol::Ssh,
        login("root", "Xq7!rare"),
    ));
    assert_eq!(ids(&r), vec![vec!["s1", "s2"]]);
    // A HASSH from three addresses (more than link_max_ips) links nothing.
    for (s, ip) in [("h1", "10.1.0.1"), ("h2", "10.1.0.2"), ("h3", "10.1.0.3")] {
        r.observe(&event(s, ip, Protocol::Ssh, hassh("abc")));
    }
    assert_eq!(ids(&r).len(), 4, "{:?}", ids(&r));
    // And once the rare password spreads to a third address, it stops linking too.
    r.observe(&event(
        "s3",
        "10.0.0.3",
        Protocol::Ssh,
        login("root", "Xq7!rare"),
    ));
    assert_eq!(ids(&r).len(), 6, "{:?}", ids(&r));
}

#[test]
fn records_survive_save_and_restore() {
    let mut r = Records::new(3);
    r.observe(&event(
        "a1",
        "10.0.0.1",
        Protocol::Ssh,
        login("root", "pw-one"),
    ));
    r.observe(&event(
        "a2",
        "10.0.0.2",
        Protocol::Ssh,
        login("root", "pw-one"),
    ));
    r.record_access(
        "t1",
        &SessionId("a1".into()),
        "10.0.0.1".parse().unwrap(),
        Utc::now(),
    );
    let json = serde_json::to_vec(&r.save()).unwrap();
    let restored = Records::restore(3, serde_json::from_slice(&json).unwrap());
    assert_eq!(ids(&restored), ids(&r));
    assert_eq!(
        restored.access("t1").map(|a| a.session.0.as_str()),
        Some("a1")
    );
}

#[test]
fn sessions_are_bounded() {
    let mut r = Records::new(3);
    for i in 0..MAX_SESSIONS + 10 {
        let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        r.observe(&event(
            &format!("s{i}"),
            &ip,
            Protocol::Http,
            EventKind::SessionConnect,
        ));
    }
    assert_eq!(r.save().sessions.len(), MAX_SESSIONS);
}
