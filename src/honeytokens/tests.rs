use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::events::{Event, EventKind, HttpRequestInfo, Protocol, SessionId, SessionOrigin};
use crate::host::fs::{Cred, Fs, Image, Limits, Overlay};

fn config() -> HoneytokensConfig {
    HoneytokensConfig {
        beacon_host: "198.51.100.4".into(),
        ..HoneytokensConfig::default()
    }
}

/// One node's tokens, generated in a fresh data directory (kept alive by the caller).
fn node() -> (tempfile::TempDir, HostProfile, Honeytokens) {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = HostProfile::generate(42);
    let tokens = Honeytokens::load_or_create(dir.path(), &host, &config()).expect("tokens");
    (dir, host, tokens)
}

fn event(protocol: Protocol, kind: EventKind) -> Event {
    SessionOrigin {
        node: "n".into(),
        session: SessionId("b00000000001".into()),
        protocol,
        src: "127.0.0.2:40000".parse().unwrap(),
        dst: "127.0.0.1:2222".parse().unwrap(),
    }
    .event(kind)
}

fn secret(tokens: &Honeytokens, id: &str) -> Secret {
    tokens.token(id).expect(id).secret.clone()
}

fn request(path: &str, query: &str, headers: &[(&str, &str)], body: &str) -> EventKind {
    EventKind::HttpRequest(HttpRequestInfo {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        version: "HTTP/1.1".into(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        user_agent: String::new(),
        body_len: body.len() as u64,
        body_sha256: String::new(),
        body_sample: body.into(),
        status: 404,
        lure: "nginx".into(),
    })
}

#[test]
fn every_placement_has_its_own_values_and_they_survive_a_restart() {
    let (dir, host, tokens) = node();
    assert_eq!(tokens.tokens().len(), SPECS.len());
    let mut seen = HashSet::new();
    for token in tokens.tokens() {
        for s in token.secrets() {
            assert!(seen.insert(s.to_owned()), "{} reuses {s}", token.id);
        }
    }
    let again = Honeytokens::load_or_create(dir.path(), &host, &config()).expect("reload");
    assert_eq!(again.tokens(), tokens.tokens());
    assert_eq!(
        again.lure_file("/.env").map(|l| l.body),
        tokens.lure_file("/.env").map(|l| l.body)
    );
    // Another node: other values.
    let (_other_dir, _, other) = node();
    assert_ne!(
        secret(&other, "aws-root-credentials"),
        secret(&tokens, "aws-root-credentials")
    );
}

#[test]
fn disabled_plants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let host = HostProfile::generate(1);
    let off = HoneytokensConfig {
        enabled: false,
        ..config()
    };
    let tokens = Honeytokens::load_or_create(dir.path(), &host, &off).unwrap();
    assert!(tokens.files().is_empty());
    assert!(tokens.lure_file("/.env").is_none());
    assert!(!dir.path().join(TOKENS_FILE).exists());
}

#[test]
fn the_env_lure_holds_an_aws_key_and_db_lines() {
    let (_dir, _, tokens) = node();
    let lure = tokens.lure_file("/.env").expect("lure");
    let text = String::from_utf8(lure.body).unwrap();
    let Secret::AwsKey { access_key_id, .. } = secret(&tokens, "lure-env-aws") else {
        panic!()
    };
    let Secret::Credential { username, password } = secret(&tokens, "lure-env-db") else {
        panic!()
    };
    assert!(text.contains(&format!("AWS_ACCESS_KEY_ID={access_key_id}\n")));
    assert!(text.contains(&format!("DB_USERNAME={username}\n")));
    assert!(text.contains(&format!("DB_PASSWORD={password}\n")));
    assert_eq!(lure.token.placement, "http:/.env");
    let git = String::from_utf8(tokens.lure_file("/.git/config").unwrap().body).unwrap();
    let Secret::ApiKey { key } = secret(&tokens, "lure-git-github") else {
        panic!()
    };
    assert!(git.contains(&format!("https://deploy-bot:{key}@github.com/")));
    assert!(tokens.lure_file("/config.php.bak").is_some());
    assert!(tokens.lure_file("/index.php").is_none());
}

#[test]
fn planted_files_are_in_the_image_and_reading_one_is_noticed() {
    let (_dir, host, tokens) = node();
    let mut image = Image::build(&host, host.boot_time, &[]);
    image.plant(tokens.files());
    let image = Arc::new(image);
    let mut overlay = Overlay::new(&image, Limits::default());
    let (text, read) = watch_reads(image.planted(), || {
        let fs = Fs::new(&mut overlay, &host, Cred::root(), host.boot_time, "/root");
        fs.read(".aws/credentials").expect("credentials")
    });
    let text = String::from_utf8(text).unwrap();
    let Secret::AwsKey {
        access_key_id,
        secret_access_key,
    } = secret(&tokens, "aws-root-credentials")
    else {
        panic!()
    };
    assert_eq!(
        text,
        format!(
            "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret_access_key}\n"
        )
    );
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].token, "aws-root-credentials");
    assert_eq!(read[0].placement, "/root/.aws/credentials");

    // Modes and owners as on a real system; a file without tokens reads unnoticed.
    let (stat, read) = watch_reads(image.planted(), || {
        let fs = Fs::new(&mut overlay, &host, Cred::root(), host.boot_time, "/");
        fs.read("/root/.aws/config").ok();
        fs.read("/etc/hostname").ok();
        (
            fs.stat("/root/.ssh/id_rsa").unwrap(),
            fs.stat("/var/www/html/.env").unwrap(),
        )
    });
    assert!(read.is_empty(), "{read:?}");
    assert_eq!(stat.0.mode & 0o777, 0o600);
    assert_eq!((stat.1.mode & 0o777, stat.1.uid), (0o640, 33));
    // Not readable to other users.
    let fs = Fs::new(
        &mut overlay,
        &host,
        Cred {
            user: "ubuntu".into(),
            uid: 1000,
            gid: 1000,
            groups: vec![1000],
        },
        host.boot_time,
        "/",
    );
    assert!(fs.read("/root/.aws/credentials").is_err());
}

#[test]
fn the_history_holds_four_tokens_read_at_once() {
    let (_dir, host, tokens) = node();
    let mut image = Image::build(&host, host.boot_time, &[]);
    image.plant(tokens.files());
    let image = Arc::new(image);
    let mut overlay = Overlay::new(&image, Limits::default());
    let (text, read) = watch_reads(image.planted(), || {
        let fs = Fs::new(&mut overlay, &host, Cred::root(), host.boot_time, "/");
        String::from_utf8(fs.read("/root/.bash_history").unwrap()).unwrap()
    });
    let ids: Vec<&str> = read.iter().map(|t| t.token.as_str()).collect();
    assert_eq!(
        ids,
        [
            "history-ssh-credential",
            "history-db-password",
            "history-openai-key",
            "history-beacon-url"
        ]
    );
    let Secret::Beacon { path, .. } = secret(&tokens, "history-beacon-url") else {
        panic!()
    };
    assert!(
        text.contains(&format!("wget -q http://198.51.100.4{path} ")),
        "{text}"
    );
    let Secret::Credential { username, password } = secret(&tokens, "history-ssh-credential")
    else {
        panic!()
    };
    assert!(text.contains(&format!("sshpass -p '{password}' ssh {username}@10.")));
}

#[test]
fn logins_with_planted_secrets_are_uses_on_any_protocol() {
    let (_dir, _, tokens) = node();
    let Secret::AwsKey {
        access_key_id,
        secret_access_key,
    } = secret(&tokens, "aws-root-credentials")
    else {
        panic!()
    };
    let login = EventKind::LoginFailed {
        username: access_key_id.clone(),
        password: secret_access_key,
    };
    let uses = tokens.uses(&event(Protocol::Ssh, login));
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].token.token, "aws-root-credentials");
    assert!(uses[0].how.starts_with("ssh login as"), "{}", uses[0].how);

    let Secret::Credential { username, password } = secret(&tokens, "lure-env-db") else {
        panic!()
    };
    let login = EventKind::LoginSuccess { username, password };
    let uses = tokens.uses(&event(Protocol::Http, login));
    assert_eq!(uses[0].token.token, "lure-env-db");
    assert!(uses[0].how.starts_with("http login"));

    // Ordinary guesses are not uses.
    for (u, p) in [("root", "123456"), ("admin", ""), ("", "")] {
        let login = EventKind::LoginFailed {
            username: u.into(),
            password: p.into(),
        };
        assert!(tokens.uses(&event(Protocol::Ssh, login)).is_empty());
    }
}

#[test]
fn keys_beacons_and_secrets_in_requests_are_uses() {
    let (_dir, _, tokens) = node();
    let Secret::SshKey { fingerprint, .. } = secret(&tokens, "ssh-key-root") else {
        panic!()
    };
    let offered = EventKind::ClientFingerprint {
        username: "root".into(),
        fingerprint,
        key_type: "rsa-sha2-512".into(),
    };
    assert_eq!(
        tokens.uses(&event(Protocol::Ssh, offered))[0].token.token,
        "ssh-key-root"
    );

    let Secret::Beacon { path, .. } = secret(&tokens, "sql-dump-beacon") else {
        panic!()
    };
    let uses = tokens.uses(&event(Protocol::Http, request(&path, "", &[], "")));
    assert_eq!(uses[0].token.token, "sql-dump-beacon");
    let download = EventKind::FileDownload {
        url: format!("http://198.51.100.4{path}"),
        outfile: "/tmp/x".into(),
        shasum: String::new(),
    };
    assert_eq!(
        tokens.uses(&event(Protocol::Ssh, download))[0].token.token,
        "sql-dump-beacon"
    );
    let Secret::Beacon { path, query } = secret(&tokens, "env-app-beacon") else {
        panic!()
    };
    assert_eq!(
        tokens.uses(&event(Protocol::Http, request(&path, &query, &[], "")))[0]
            .token
            .token,
        "env-app-beacon"
    );

    let Secret::AwsKey { access_key_id, .. } = secret(&tokens, "env-app-aws") else {
        panic!()
    };
    let sigv4 = format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"
    );
    let uses = tokens.uses(&event(
        Protocol::Http,
        request("/", "", &[("Authorization", &sigv4)], ""),
    ));
    assert_eq!(uses[0].token.token, "env-app-aws");
    let Secret::ApiKey { key } = secret(&tokens, "env-app-openai") else {
        panic!()
    };
    let bearer = format!("Bearer {key}");
    let uses = tokens.uses(&event(
        Protocol::Http,
        request("/v1/models", "", &[("Authorization", &bearer)], ""),
    ));
    assert_eq!(uses[0].token.token, "env-app-openai");

    // HTTP basic auth with a planted password.
    let Secret::Credential { password, .. } = secret(&tokens, "lure-config-bak-db") else {
        panic!()
    };
    let basic = format!("Basic {}", base64(&format!("app_rw:{password}")));
    let uses = tokens.uses(&event(
        Protocol::Http,
        request("/admin/", "", &[("Authorization", &basic)], ""),
    ));
    assert_eq!(uses[0].token.token, "lure-config-bak-db");
    assert!(uses[0].how.contains("basic auth"), "{}", uses[0].how);

    // An ordinary request uses nothing.
    let plain = request("/", "a=b", &[("User-Agent", "curl/8.0")], "x=1");
    assert!(tokens.uses(&event(Protocol::Http, plain)).is_empty());
}

/// Standard base64 with padding (the test's own encoder).
fn base64(text: &str) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
