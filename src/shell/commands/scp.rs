//! `scp`: the OpenSSH client of the SSH decoy's release, as far as it goes without a network.
//!
//! Local copies are handed to `cp` (as scp itself does); a remote side fails the way `ssh`
//! fails to connect here (refused, or a name that does not resolve), and nothing is ever
//! sent anywhere. Run by hand, the server modes behave as on a real box: `scp -t DIR`
//! acknowledges with a NUL byte and ends at the end of its input, `scp -f FILE` waits for an
//! acknowledgement that never comes and exits 1.

use super::{Command, CommandCtx, lookup, usr_bin};
use crate::protocols::ssh::profile::SshProfile;

/// `scp`.
pub struct Scp;

/// The release's usage text.
fn usage(profile: &SshProfile) -> &'static str {
    if profile.banner.contains("OpenSSH_8.2") {
        "usage: scp [-346BCpqrTv] [-c cipher] [-F ssh_config] [-i identity_file]\n\
        \x20           [-J destination] [-l limit] [-o ssh_option] [-P port]\n\
        \x20           [-S program] source ... target\n"
    } else if profile.banner.contains("OpenSSH_8.9") {
        "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n\
        \x20          [-i identity_file] [-J destination] [-l limit]\n\
        \x20          [-o ssh_option] [-P port] [-S program] source ... target\n"
    } else {
        "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n\
        \x20          [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n\
        \x20          [-P port] [-S program] [-X sftp_option] source ... target\n"
    }
}

/// Whether the release is OpenSSH 8.2 (the legacy protocol only, unprefixed messages).
fn is_8_2(profile: &SshProfile) -> bool {
    profile.banner.contains("OpenSSH_8.2")
}

/// The options that take an argument, by release.
fn optstring(profile: &SshProfile) -> &'static str {
    if is_8_2(profile) {
        "12346BCpqrTvc:F:i:J:l:o:P:S:dft"
    } else if profile.banner.contains("OpenSSH_8.9") {
        "12346ABCOpqRrsTvc:D:F:i:J:l:o:P:S:dft"
    } else {
        "12346ABCOpqRrsTvc:D:F:i:J:l:o:P:S:X:dft"
    }
}

/// A `[user@]host:path` operand's host, or `None` for a local path.
fn remote_host(arg: &str) -> Option<String> {
    let colon = arg.find(':')?;
    if arg[..colon].contains('/') || colon == 0 {
        return None;
    }
    let host = &arg[..colon];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    Some(host.trim_matches(['[', ']']).to_ascii_lowercase())
}

/// Whether `host` is an IPv4 or IPv6 address.
fn is_address(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

impl Command for Scp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("scp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let profile = SshProfile::installed_on(cx.host);
        // OpenSSH logs scp's errors with CR LF; releases after 8.2 prefix them with "scp: ".
        let prefix = if is_8_2(profile) { "" } else { "scp: " };
        let spec = optstring(profile);
        let args = argv.get(1..).unwrap_or_default();
        let (mut port, mut sink, mut source, mut recursive, mut preserve) =
            (22u16, false, false, false, false);
        let mut i = 0;
        // OpenBSD getopt: options until the first operand, `-` or `--`.
        'args: while let Some(arg) = args.get(i) {
            if arg == "--" {
                i += 1;
                break;
            }
            if !arg.starts_with('-') || arg == "-" {
                break;
            }
            i += 1;
            let chars: Vec<char> = arg.chars().skip(1).collect();
            for (k, &c) in chars.iter().enumerate() {
                let takes = spec
                    .find(c)
                    .filter(|_| c != ':')
                    .map(|at| spec[at + c.len_utf8()..].starts_with(':'));
                match takes {
                    None => {
                        cx.err(format!("{prefix}unknown option -- {c}\r\n"));
                        cx.err(usage(profile));
                        return 1;
                    }
                    Some(true) => {
                        let rest: String = chars[k + 1..].iter().collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            cx.err(format!("{prefix}option requires an argument -- {c}\r\n"));
                            cx.err(usage(profile));
                            return 1;
                        };
                        if c == 'P' {
                            match value.parse::<u16>() {
                                Ok(p) if p > 0 => port = p,
                                _ => {
                                    cx.err(format!("{prefix}bad port \"{value}\"\r\n"));
                                    return 1;
                                }
                            }
                        }
                        continue 'args;
                    }
                    Some(false) => match c {
                        't' => sink = true,
                        'f' => source = true,
                        'r' => recursive = true,
                        'p' => preserve = true,
                        _ => {}
                    },
                }
            }
        }
        let operands = &args[i.min(args.len())..];
        if source {
            // Waits for the peer's acknowledgement; standard input ends first: lost
            // connection, silently, as the remote end.
            return 1;
        }
        if sink {
            if operands.len() != 1 {
                cx.out(b"\x01scp: ambiguous target\n");
                return 1;
            }
            cx.out(b"\0");
            return 0;
        }
        if operands.len() < 2 {
            cx.err(usage(profile));
            return 1;
        }
        let remote = operands.iter().find_map(|op| remote_host(op));
        match remote {
            Some(host) => {
                let message = if is_address(&host) || host == "localhost" {
                    format!("ssh: connect to host {host} port {port}: Connection refused\r\n")
                } else {
                    let shown: String = host.chars().take(100).collect();
                    format!(
                        "ssh: Could not resolve hostname {shown}: Temporary failure in name resolution\r\n"
                    )
                };
                cx.err(message);
                if is_8_2(profile) || profile.banner.contains("OpenSSH_8.9") {
                    cx.err("lost connection\n");
                } else {
                    cx.err("scp: Connection closed\r\n");
                }
                1
            }
            None => {
                // Both sides local: scp runs `cp`.
                let Some(cp) = lookup("cp") else {
                    return 1;
                };
                let mut cp_argv = vec!["cp".to_owned()];
                if recursive {
                    cp_argv.push("-r".to_owned());
                }
                if preserve {
                    cp_argv.push("-p".to_owned());
                }
                cp_argv.push("--".to_owned());
                cp_argv.extend(operands.iter().cloned());
                i32::from(cp.run(cx, &cp_argv) != 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Texts from OpenSSH 8.9p1 (Ubuntu 22.04) `scp.c` and the measured behaviour of its
    //! server modes run by hand.

    use crate::shell::commands::testing::{run_as, run_status};

    const USAGE: &str = "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n           [-i identity_file] [-J destination] [-l limit]\n           [-o ssh_option] [-P port] [-S program] source ... target\n";

    #[test]
    fn usage_and_option_errors() {
        assert_eq!(run_status("scp"), (USAGE.into(), 1));
        assert_eq!(run_status("scp onlyone"), (USAGE.into(), 1));
        assert_eq!(
            run_status("scp -Z a b"),
            (format!("scp: unknown option -- Z\r\n{USAGE}"), 1)
        );
        assert_eq!(
            run_status("scp -P"),
            (
                format!("scp: option requires an argument -- P\r\n{USAGE}"),
                1
            )
        );
    }

    #[test]
    fn server_modes_by_hand() {
        let out = run_as("root", "scp -t /tmp < /dev/null");
        assert_eq!((out.output, out.status), (b"\0".to_vec(), 0));
        assert_eq!(
            run_status("scp -t"),
            ("\u{1}scp: ambiguous target\n".into(), 1)
        );
        assert_eq!(
            run_status("scp -f /etc/hostname < /dev/null"),
            (String::new(), 1)
        );
    }

    #[test]
    fn remote_copies_fail_to_connect() {
        assert_eq!(
            run_status("scp /etc/hostname root@10.0.0.5:/tmp"),
            (
                "ssh: connect to host 10.0.0.5 port 22: Connection refused\r\nlost connection\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("scp -P 2222 bad.example:/x ."),
            (
                "ssh: Could not resolve hostname bad.example: Temporary failure in name resolution\r\nlost connection\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn local_copies_go_through_cp() {
        assert_eq!(
            run_status("scp /etc/hostname /tmp/h2 && cat /tmp/h2").0,
            run_status("cat /etc/hostname").0
        );
        assert_eq!(
            run_status("scp /nonexist /tmp/x"),
            (
                "cp: cannot stat '/nonexist': No such file or directory\n".into(),
                1
            )
        );
    }
}
