//! `ssh`: the OpenSSH client of the SSH decoy's release, as far as it goes without a network.
//!
//! `ssh -V` prints the version line of the release installed on the host (the node installs
//! the SSH decoy's release at startup, see [`SshProfile::install`]), so it matches the banner
//! the attacker connected to (a mismatch is a classic honeypot tell). Everything else fails the way the real client
//! fails before or at connecting, and never connects anywhere: option errors and the usage
//! text of that release (its bundled BSD `getopt`, which does not permute and logs through
//! OpenSSH's log, so its messages end in CR LF), `Bad port`, the user and host name checks,
//! then a name that does not resolve or an address that refuses the connection.

use super::{Command, CommandCtx, usr_bin};
use crate::protocols::ssh::profile::SshProfile;

/// `ssh`.
pub struct Ssh;

impl Command for Ssh {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ssh")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let profile = SshProfile::installed_on(cx.host);
        let args = argv.get(1..).unwrap_or_default();
        match parse(args, profile) {
            Parsed::Version => {
                cx.err(format!("{}\n", profile.client_version));
                0
            }
            Parsed::Usage(message) => {
                cx.err(message);
                cx.err(usage(profile));
                255
            }
            Parsed::Fail(message) => {
                cx.err(message);
                255
            }
            Parsed::Connect { host, port } => {
                let message = if is_address(&host) || host == "localhost" {
                    format!("ssh: connect to host {host} port {port}: Connection refused\r\n")
                } else {
                    // What getaddrinfo says with no reachable resolver.
                    let shown: String = host.chars().take(100).collect();
                    format!(
                        "ssh: Could not resolve hostname {shown}: Temporary failure in name resolution\r\n"
                    )
                };
                cx.err(message);
                255
            }
        }
    }
}

/// Whether the release is OpenSSH 9.6 or later (the `-P tag` option, the new usage layout).
fn is_9_6(profile: &SshProfile) -> bool {
    profile.banner.contains("OpenSSH_9.6")
}

/// What the command line comes to.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// `-V`.
    Version,
    /// A message (possibly empty), then the usage text.
    Usage(String),
    /// A fatal message.
    Fail(String),
    /// Everything checked out: it would connect here.
    Connect {
        /// The host, lower-cased as ssh does.
        host: String,
        /// The port.
        port: u16,
    },
}

/// Parses like ssh's `main()`: options, the destination, options again after it (unless
/// `--` came first), then the command.
fn parse(args: &[String], profile: &SshProfile) -> Parsed {
    let optstring = if is_9_6(profile) {
        "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy"
    } else {
        "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy"
    };
    let mut user: Option<String> = None;
    let mut port: Option<u16> = None;
    let mut host: Option<String> = None;
    let mut rest = args;
    loop {
        let mut getopt = Getopt::new(rest, optstring);
        for opt in getopt.by_ref() {
            match opt {
                Opt::Bad(message) => return Parsed::Usage(message),
                Opt::Flag('V') => return Parsed::Version,
                Opt::Flag('1') => {
                    return Parsed::Fail("SSH protocol v.1 is no longer supported\r\n".into());
                }
                Opt::Arg('p', value) => {
                    if port.is_none() {
                        match a2port(&value) {
                            Some(p) => port = Some(p),
                            None => return Parsed::Fail(format!("Bad port '{value}'\n")),
                        }
                    }
                }
                Opt::Arg('l', value) => {
                    user.get_or_insert(value);
                }
                Opt::Flag(_) | Opt::Arg(..) => {}
            }
        }
        let terminated = getopt.terminated;
        let operands = rest.get(getopt.index..).unwrap_or_default();
        let Some(destination) = operands.first() else {
            break;
        };
        if host.is_some() {
            break;
        }
        match parse_destination(destination) {
            Some((dest_user, dest_host, dest_port)) => {
                if user.is_none() {
                    user = dest_user;
                }
                if port.is_none() {
                    port = dest_port;
                }
                host = Some(dest_host);
            }
            None => return Parsed::Usage(String::new()),
        }
        // Options may follow the destination, unless `--` ended them.
        if operands.len() > 1 && !terminated {
            rest = operands;
            // getopt starts after argv[0], which is now the destination.
            rest = rest.get(1..).unwrap_or_default();
            continue;
        }
        break;
    }
    let Some(host) = host else {
        return Parsed::Usage(String::new());
    };
    if !valid_hostname(&host) {
        return Parsed::Fail("hostname contains invalid characters\r\n".into());
    }
    if user.as_deref().is_some_and(|u| !valid_ruser(u)) {
        return Parsed::Fail("remote username contains invalid characters\r\n".into());
    }
    Parsed::Connect {
        host: host.to_lowercase(),
        port: port.unwrap_or(22),
    }
}

/// `[user@]host`, or `ssh://[user@]host[:port]`. `None` where ssh prints its usage.
fn parse_destination(arg: &str) -> Option<(Option<String>, String, Option<u16>)> {
    if let Some(uri) = arg.strip_prefix("ssh://") {
        let (user, hostport) = match uri.rsplit_once('@') {
            Some((user, rest)) => (Some(user.to_owned()), rest),
            None => (None, uri),
        };
        if user.as_deref().is_some_and(str::is_empty) {
            return None;
        }
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']')?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(a2port(port)?)),
                None if after.is_empty() => (host, None),
                None => return None,
            }
        } else {
            match hostport.split_once(':') {
                Some((host, port)) => (host, Some(a2port(port)?)),
                None => (hostport, None),
            }
        };
        if host.is_empty() || host.contains('/') {
            return None;
        }
        return Some((user, host.to_owned(), port));
    }
    match arg.rsplit_once('@') {
        Some(("", _)) => None,
        Some((user, host)) => Some((Some(user.to_owned()), host.to_owned(), None)),
        None => Some((None, arg.to_owned(), None)),
    }
}

/// OpenSSH's `a2port`: a decimal number from 1 to 65535.
fn a2port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u16>().ok().filter(|p| *p > 0)
}

/// ssh's `valid_hostname`: no leading `-`, no shell metacharacters, blanks or controls.
fn valid_hostname(host: &str) -> bool {
    !host.starts_with('-')
        && !host
            .bytes()
            .any(|b| b"'`\"$\\;&<>|(){}".contains(&b) || b == b' ' || b.is_ascii_control())
}

/// ssh's `valid_ruser`: no leading `-`, no shell metacharacters, no `-` after a blank, no
/// trailing backslash.
fn valid_ruser(user: &str) -> bool {
    let bytes = user.as_bytes();
    if bytes.first() == Some(&b'-') || bytes.last() == Some(&b'\\') {
        return false;
    }
    !bytes.iter().enumerate().any(|(i, &b)| {
        b"'`\";&<>|(){}".contains(&b)
            || ((b.is_ascii_whitespace() || b == 0x0b) && bytes.get(i + 1) == Some(&b'-'))
    })
}

/// Whether `host` is a numeric IPv4 or IPv6 address (it needs no resolver).
fn is_address(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// The release's usage text.
fn usage(profile: &SshProfile) -> &'static str {
    if is_9_6(profile) {
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n\
        \x20          [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n\
        \x20          [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n\
        \x20          [-J destination] [-L address] [-l login_name] [-m mac_spec]\n\
        \x20          [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n\
        \x20          [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n\
        \x20          destination [command [argument ...]]\n\
        \x20      ssh [-Q query_option]\n"
    } else if profile.banner.contains("OpenSSH_8.2") {
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n\
        \x20          [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n\
        \x20          [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n\
        \x20          [-i identity_file] [-J [user@]host[:port]] [-L address]\n\
        \x20          [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n\
        \x20          [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n\
        \x20          [-w local_tun[:remote_tun]] destination [command]\n"
    } else {
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n\
        \x20          [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n\
        \x20          [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n\
        \x20          [-i identity_file] [-J [user@]host[:port]] [-L address]\n\
        \x20          [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n\
        \x20          [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n\
        \x20          [-w local_tun[:remote_tun]] destination [command [argument ...]]\n"
    }
}

/// One result of [`Getopt`].
#[derive(Debug, PartialEq, Eq)]
enum Opt {
    /// An option without argument.
    Flag(char),
    /// An option and its argument.
    Arg(char, String),
    /// An unknown option or a missing argument: the message to print before the usage.
    Bad(String),
}

/// OpenSSH's bundled `getopt` (OpenBSD's, no permutation): options until the first operand,
/// `-` or `--`.
struct Getopt<'a> {
    args: &'a [String],
    optstring: &'static str,
    /// The next argument to look at; after the end, the first operand.
    index: usize,
    /// Position inside a cluster of short options (`-abc`), 0 when between arguments.
    place: usize,
    /// Whether `--` ended the options.
    terminated: bool,
    done: bool,
}

impl<'a> Getopt<'a> {
    fn new(args: &'a [String], optstring: &'static str) -> Getopt<'a> {
        Getopt {
            args,
            optstring,
            index: 0,
            place: 0,
            terminated: false,
            done: false,
        }
    }

    /// Whether `c` is an option and, if so, whether it takes an argument.
    fn spec(&self, c: char) -> Option<bool> {
        if c == ':' {
            return None;
        }
        let at = self.optstring.find(c)?;
        Some(self.optstring[at + c.len_utf8()..].starts_with(':'))
    }
}

impl Iterator for Getopt<'_> {
    type Item = Opt;

    fn next(&mut self) -> Option<Opt> {
        if self.done {
            return None;
        }
        let arg = self.args.get(self.index)?;
        if self.place == 0 {
            if !arg.starts_with('-') || arg == "-" {
                self.done = true;
                return None;
            }
            if arg == "--" {
                self.index += 1;
                self.terminated = true;
                self.done = true;
                return None;
            }
            self.place = 1;
        }
        let cluster: Vec<char> = arg.chars().collect();
        let Some(&c) = cluster.get(self.place) else {
            // Defensive: an exhausted cluster moves on.
            self.place = 0;
            self.index += 1;
            return self.next();
        };
        self.place += 1;
        let at_end = self.place >= cluster.len();
        match self.spec(c) {
            None => {
                self.done = true;
                Some(Opt::Bad(format!("unknown option -- {c}\r\n")))
            }
            Some(false) => {
                if at_end {
                    self.place = 0;
                    self.index += 1;
                }
                Some(Opt::Flag(c))
            }
            Some(true) => {
                let value = if !at_end {
                    cluster
                        .get(self.place..)
                        .unwrap_or_default()
                        .iter()
                        .collect()
                } else if let Some(next) = self.args.get(self.index + 1) {
                    self.index += 1;
                    next.clone()
                } else {
                    self.done = true;
                    return Some(Opt::Bad(format!("option requires an argument -- {c}\r\n")));
                };
                self.place = 0;
                self.index += 1;
                Some(Opt::Arg(c, value))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::ssh::profile::PROFILES;
    use crate::shell::commands::testing::{run_as, run_status};

    fn profile(id: &str) -> &'static SshProfile {
        SshProfile::by_id(id).expect("profile exists")
    }

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    /// `ssh -V` of the release whose banner an Ubuntu 22.04 host shows, to stderr.
    #[test]
    fn version_matches_the_banner() {
        let (out, status) = run_status("ssh -V");
        assert_eq!(
            out,
            "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022\n"
        );
        assert_eq!(status, 0);
        // To stderr: a redirect of stdout leaves it on the terminal.
        assert_eq!(run_status("ssh -V >/dev/null").0, out);
        assert_eq!(run_status("ssh -V 2>/dev/null").0, "");
        assert_eq!(run_status("ssh root@x -V").0, out);
        assert_eq!(run_status("/usr/bin/ssh -Vq").0, out);
    }

    #[test]
    fn every_profile_prints_its_own_version() {
        for p in PROFILES {
            assert_eq!(parse(&args("-V"), p), Parsed::Version);
            assert!(p.client_version.starts_with(p.software_version()));
        }
    }

    /// Texts as OpenSSH 9.2p1's client printed them (measured) and as ssh.c has them.
    #[test]
    fn bad_command_lines_fail_like_openssh() {
        let p = profile("openssh_9.2p1_debian");
        assert_eq!(parse(&[], p), Parsed::Usage(String::new()));
        assert_eq!(
            parse(&args("-z"), p),
            Parsed::Usage("unknown option -- z\r\n".into())
        );
        assert_eq!(
            parse(&args("-l"), p),
            Parsed::Usage("option requires an argument -- l\r\n".into())
        );
        assert_eq!(parse(&args("@x"), p), Parsed::Usage(String::new()));
        assert_eq!(
            parse(&args("-p abc x"), p),
            Parsed::Fail("Bad port 'abc'\n".into())
        );
        assert_eq!(
            parse(&args("-p 0 x"), p),
            Parsed::Fail("Bad port '0'\n".into())
        );
        // Only the first -p counts.
        assert_eq!(
            parse(&args("-p 2222 -p abc x"), p),
            Parsed::Connect {
                host: "x".into(),
                port: 2222
            }
        );
        assert_eq!(
            parse(&args("-- -x"), p),
            Parsed::Fail("hostname contains invalid characters\r\n".into())
        );
        assert_eq!(
            parse(&["a;b@x".to_owned()], p),
            Parsed::Fail("remote username contains invalid characters\r\n".into())
        );
        assert_eq!(
            parse(&args("ssh://root@Host:2222"), p),
            Parsed::Connect {
                host: "host".into(),
                port: 2222
            }
        );
        assert_eq!(
            parse(&args("ROOT@WEB01 -p 2200 uname -a"), p),
            Parsed::Connect {
                host: "web01".into(),
                port: 2200
            }
        );
        // After the destination, the command's own options are not ssh's.
        assert_eq!(
            parse(&args("x ls -z"), p),
            Parsed::Connect {
                host: "x".into(),
                port: 22
            }
        );
        assert_eq!(parse(&args("ssh://[::1"), p), Parsed::Usage(String::new()));
    }

    #[test]
    fn the_release_decides_the_options_and_the_usage() {
        // -P takes a tag from 9.6 on; before, it is a flag.
        assert_eq!(
            parse(&args("-P x"), profile("openssh_8.9p1_ubuntu")),
            Parsed::Connect {
                host: "x".into(),
                port: 22
            }
        );
        assert_eq!(
            parse(&args("-P x"), profile("openssh_9.6p1_ubuntu")),
            Parsed::Usage(String::new())
        );
        assert!(usage(profile("openssh_8.2p1_ubuntu")).ends_with("destination [command]\n"));
        assert!(usage(profile("openssh_9.6p1_ubuntu")).ends_with("ssh [-Q query_option]\n"));
        assert_eq!(usage(profile("openssh_9.6p1_ubuntu")).lines().count(), 8);
        assert_eq!(usage(profile("openssh_8.9p1_ubuntu")).lines().count(), 7);
    }

    #[test]
    fn nothing_is_ever_reached() {
        let (out, status) = run_status("ssh root@10.0.0.5");
        assert_eq!(
            out,
            "ssh: connect to host 10.0.0.5 port 22: Connection refused\r\n"
        );
        assert_eq!(status, 255);
        let (out, _) = run_status("ssh -p 2222 deploy@Backup.Example.COM");
        assert_eq!(
            out,
            "ssh: Could not resolve hostname backup.example.com: Temporary failure in name resolution\r\n"
        );
        let outcome = run_as("root", "ssh; echo $?");
        let text = String::from_utf8_lossy(&outcome.output);
        assert!(
            text.starts_with("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy]"),
            "{text}"
        );
        assert!(text.ends_with("\n255\n"), "{text}");
    }
}
