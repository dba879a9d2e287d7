//! Layer 3's richness, enticement and vulnerable-path settings through the real shell: what
//! an attacker sees change, and that the default settings change nothing.

use std::sync::Arc;

use crate::host::fs::{Image, Limits, Overlay};
use crate::host::io_meter;
use crate::models::strategy::{Deception, Enticement, LatencyProfile, Richness, VulnerablePath};
use crate::shell::commands::testing::{host, session, shell};
use crate::shell::{Shell, ShellState, Terminal};

/// One session of `user` with `deception`: its state and its own filesystem.
struct Session {
    shell: Shell,
    state: ShellState,
    fs: Overlay,
}

impl Session {
    fn new(user: &str, deception: Deception) -> Session {
        Session::on(shell(), user, deception)
    }

    fn on(shell: Shell, user: &str, deception: Deception) -> Session {
        let mut state = session(user);
        state.deception = deception;
        let fs = shell.scratch_overlay(user);
        Session { shell, state, fs }
    }

    fn run(&mut self, line: &str) -> String {
        let outcome = self
            .shell
            .run(&mut self.state, &mut self.fs, Terminal::None, line);
        String::from_utf8_lossy(&outcome.output).into_owned()
    }
}

fn with(f: impl FnOnce(&mut Deception)) -> Deception {
    let mut d = Deception::default();
    f(&mut d);
    d
}

const PROBES: &[&str] = &[
    "ps aux",
    "ps aux | wc -l",
    "ss -tlnp",
    "netstat -tlnp",
    "w",
    "who",
    "users",
    "last",
    "crontab -l",
    "ls -la /root /etc/cron.d /usr/local/bin",
    "cat /etc/passwd",
    "uptime",
    "sleep 2; dd if=/dev/zero of=/tmp/x bs=1M count=4",
];

#[test]
fn default_settings_answer_exactly_as_before() {
    // The same lines on a state that never heard of Layer 3 and on one with the explicit
    // default: byte for byte the same, and no time spent.
    let mut plain = Session::new("root", Deception::default());
    let mut explicit = Session::new("root", Deception::default());
    explicit.state.deception = Deception {
        latency: LatencyProfile::None,
        enticement: Enticement::Medium,
        richness: Richness::Standard,
        ..Deception::default()
    };
    for line in PROBES {
        let (a, work) = io_meter::measure(|| plain.run(line));
        assert_eq!(a, explicit.run(line), "{line}");
        assert!(work.blocked.is_zero(), "{line}");
    }
    assert_eq!(plain.state.deception_staged, 0);
}

#[test]
fn a_rich_host_runs_services_that_listen_have_configs_and_an_admin_is_on() {
    let mut s = Session::new("root", with(|d| d.richness = Richness::Rich));
    let ps = s.run("ps aux");
    for program in [
        "/usr/sbin/mysqld",
        "redis-server 127.0.0.1:6379",
        "/usr/bin/dockerd",
    ] {
        assert!(ps.contains(program), "{program} in\n{ps}");
    }
    assert!(ps.lines().any(|l| l.starts_with("mysql ")), "{ps}");
    let ss = s.run("ss -tlnp");
    assert!(ss.contains("127.0.0.1:3306"), "{ss}");
    assert!(ss.contains("\"mysqld\""), "{ss}");
    assert!(ss.contains("127.0.0.1:6379"), "{ss}");
    let netstat = s.run("netstat -tlnp");
    assert!(netstat.contains("/mysqld"), "{netstat}");
    // The configuration the processes were started with is there.
    assert!(
        s.run("cat /etc/mysql/mysql.conf.d/mysqld.cnf")
            .contains("bind-address\t\t= 127.0.0.1")
    );
    assert!(
        s.run("grep ^port /etc/redis/redis.conf")
            .contains("port 6379")
    );
    assert!(s.run("ls /usr/sbin/mysqld").contains("/usr/sbin/mysqld"));
    assert!(s.run("grep ^mysql: /etc/passwd").starts_with("mysql:x:"));
    // Someone else is logged in.
    let w = s.run("w");
    assert!(w.lines().next().unwrap().contains(" 2 users"), "{w}");
    assert!(w.lines().any(|l| l.contains("pts/1")), "{w}");
    assert_eq!(s.run("who").lines().count(), 2);
    // Root has cron jobs and a history.
    assert!(s.run("crontab -l").contains("mysqldump"));
    assert!(s.run("cat ~/.bash_history").contains("docker ps"));
    // A file the attacker removes stays removed.
    s.run("rm /etc/redis/redis.conf");
    assert!(s.run("cat /etc/redis/redis.conf").contains("No such file"));
}

/// A generated host whose admins logged in before the session.
const GENERATED: u64 = 42;

fn generated_boot() -> chrono::DateTime<chrono::Utc> {
    crate::host::HostProfile::generate(GENERATED).boot_time
}

#[test]
fn a_sparse_host_is_a_fresh_vps() {
    // A generated host runs the optional daemons a fresh image does not.
    let generated = Shell::new(Arc::new(crate::host::HostProfile::generate(GENERATED)));
    let mut standard = Session::on(generated.clone(), "root", Deception::default());
    let mut sparse = Session::on(generated, "root", with(|d| d.richness = Richness::Sparse));
    // A clock some weeks after the generated host's boot, so its admins have logged in.
    let later = generated_boot() + chrono::Duration::days(20);
    for s in [&mut standard, &mut sparse] {
        s.state.clock = Some(later);
        s.state.login_time = Some(later - chrono::Duration::seconds(30));
    }
    let (a, b) = (standard.run("last"), sparse.run("last"));
    assert!(a.lines().count() > b.lines().count(), "{a}\n---\n{b}");
    let count = |s: &mut Session| s.run("ps aux | wc -l").trim().parse::<usize>().unwrap();
    assert!(count(&mut sparse) < count(&mut standard));
    assert!(!sparse.run("ps aux").contains("multipathd"));
    // Nobody but the attacker ever logged in.
    let last = sparse.run("last");
    let admins: Vec<&str> = last
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("root") && !l.starts_with("reboot"))
        .filter(|l| !l.starts_with("wtmp begins"))
        .collect();
    assert!(admins.is_empty(), "{last}");
    assert_eq!(sparse.run("crontab -l"), "no crontab for root\n");
    assert_eq!(sparse.run("who").lines().count(), 1);
}

#[test]
fn the_vulnerable_path_is_a_world_writable_root_cron_script() {
    let mut never = Session::new("deploy", Deception::default());
    assert!(
        never
            .run("ls /etc/cron.d")
            .lines()
            .all(|l| l != "backup-www")
    );
    let mut s = Session::new(
        "deploy",
        with(|d| d.vulnerable = VulnerablePath::Immediately),
    );
    let job = s.run("cat /etc/cron.d/backup-www");
    assert!(
        job.contains("*/10 * * * * root /usr/local/bin/backup-www.sh"),
        "{job}"
    );
    let ls = s.run("ls -l /usr/local/bin/backup-www.sh");
    assert!(ls.starts_with("-rwxrwxrwx 1 root root "), "{ls}");
    // Writable indeed, by the user who is not root.
    s.run("echo 'cp /bin/bash /tmp/b; chmod u+s /tmp/b' >> /usr/local/bin/backup-www.sh");
    assert!(
        s.run("cat /usr/local/bin/backup-www.sh")
            .contains("chmod u+s /tmp/b")
    );
    // After recon is offered the same way once the strategy flips it.
    let mut later = Session::new("root", with(|d| d.vulnerable = VulnerablePath::AfterRecon));
    assert!(later.run("ls /etc/cron.d").contains("backup-www"));
}

#[test]
fn high_enticement_leaves_breadcrumbs_to_the_planted_tokens_which_are_still_noticed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = host();
    let config = crate::config::HoneytokensConfig {
        beacon_host: "198.51.100.4".into(),
        ..Default::default()
    };
    let tokens = crate::honeytokens::Honeytokens::load_or_create(dir.path(), &profile, &config)
        .expect("tokens");
    let mut image = Image::build(&profile, crate::host::fixture::now(), &[]);
    image.plant(tokens.files());
    let image = Arc::new(image);
    let shell = Shell::with_image(Arc::new(profile), image.clone());
    let high = with(|d| d.enticement = Enticement::High);
    let mut s = Session::on(shell.clone(), "root", high);
    s.fs = Overlay::new(&image, Limits::default());
    let notes = s.run("cat /root/notes.txt");
    assert!(notes.contains("/var/www/html/.env"), "{notes}");
    assert!(notes.contains("~/.aws/credentials"), "{notes}");
    // Following the breadcrumb reads a planted token, and it is noticed.
    let (_, read) =
        crate::honeytokens::watch_reads(image.planted(), || s.run("cat /root/.aws/credentials"));
    assert_eq!(read.len(), 1, "{read:?}");
    // The planted history is the planted one, not replaced.
    let (_, read) =
        crate::honeytokens::watch_reads(image.planted(), || s.run("cat /root/.bash_history"));
    assert!(!read.is_empty());
    // Without the setting there are no notes.
    let mut medium = Session::on(shell, "root", Deception::default());
    medium.fs = Overlay::new(&image, Limits::default());
    assert!(medium.run("cat /root/notes.txt").contains("No such file"));
}

#[test]
fn latency_profiles_make_sleep_and_dd_take_their_time() {
    let mut s = Session::new("root", with(|d| d.latency = LatencyProfile::SlowDisk));
    let (out, work) = io_meter::measure(|| s.run("dd if=/dev/zero of=/tmp/x bs=1M count=8"));
    // 8 MiB at the slow disk's write rate: about 0.76 seconds, and dd says so.
    let secs = work.blocked.as_secs_f64();
    assert!((0.6..1.0).contains(&secs), "{secs} {out}");
    let line = out.lines().last().unwrap();
    let reported: f64 = line
        .rsplit(", ")
        .nth(1)
        .and_then(|t| t.strip_suffix(" s"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((reported - secs).abs() < 0.01, "{reported} vs {secs}");
    assert!(line.ends_with(" MB/s"), "{line}");
    let (_, work) = io_meter::measure(|| s.run("sleep 3"));
    assert_eq!(work.blocked.as_secs(), 3);
    // Reading a big tree counts its entries for the disk.
    let (_, work) = io_meter::measure(|| s.run("ls -R / > /dev/null"));
    assert!(work.entries > 500, "{work:?}");
}

#[test]
fn planting_a_rich_hosts_files_is_not_the_first_lines_work() {
    // A rich host's programs (mysqld, dockerd, …) are planted before the first line runs;
    // on a slow disk that first `uname -a` must not pay for writing them.
    let mut s = Session::new(
        "root",
        with(|d| {
            d.richness = Richness::Rich;
            d.latency = LatencyProfile::SlowDisk;
        }),
    );
    let (out, work) = io_meter::measure(|| s.run("uname -a"));
    assert!(out.starts_with("Linux "), "{out}");
    assert_eq!(work.written, 0, "{work:?}");
    assert!(
        work.slow_disk_time() < std::time::Duration::from_millis(10),
        "{work:?}"
    );
    assert!(s.state.deception_staged != 0);
    assert!(s.run("ls /usr/sbin/mysqld").contains("/usr/sbin/mysqld"));
}
