//! `nc` / `netcat` (netcat-openbsd 1.218-4ubuntu1, Ubuntu 22.04). Nothing connects anywhere:
//! a TCP port "answers" only on this machine's own addresses, and only where the host
//! profile has a daemon listening (the sockets `ss -tln` shows); everything else is refused.
//! Listening (`nc -lvnp 4444`) reports its socket and ends as if interrupted.

use std::net::IpAddr;

use super::ping::resolve;
use super::{Command, CommandCtx};
use crate::protocols::ssh::profile::SshProfile;

/// The version line `nc -h` starts with.
const VERSION: &str = "OpenBSD netcat (Debian patchlevel 1.218-4ubuntu1)\n";

/// `usage(1)`: on standard error, status 1.
const USAGE: &str = "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]
\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]
\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]
\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]
\t  [destination] [port]
";

/// `help()`'s option summary, after the usage.
const SUMMARY: &str = "\tCommand Summary:
\t\t-4\t\tUse IPv4
\t\t-6\t\tUse IPv6
\t\t-b\t\tAllow broadcast
\t\t-C\t\tSend CRLF as line-ending
\t\t-D\t\tEnable the debug socket option
\t\t-d\t\tDetach from stdin
\t\t-F\t\tPass socket fd
\t\t-h\t\tThis help text
\t\t-I length\tTCP receive buffer length
\t\t-i interval\tDelay interval for lines sent, ports scanned
\t\t-k\t\tKeep inbound sockets open for multiple connects
\t\t-l\t\tListen mode, for inbound connects
\t\t-M ttl\t\tOutgoing TTL / Hop Limit
\t\t-m minttl\tMinimum incoming TTL / Hop Limit
\t\t-N\t\tShutdown the network socket after EOF on stdin
\t\t-n\t\tSuppress name/port resolutions
\t\t-O length\tTCP send buffer length
\t\t-P proxyuser\tUsername for proxy authentication
\t\t-p port\t\tSpecify local port for remote connects
\t\t-q secs\t\tquit after EOF on stdin and delay of secs
\t\t-r\t\tRandomize remote ports
\t\t-S\t\tEnable the TCP MD5 signature option
\t\t-s sourceaddr\tLocal source address
\t\t-T keyword\tTOS value
\t\t-t\t\tAnswer TELNET negotiation
\t\t-U\t\tUse UNIX domain socket
\t\t-u\t\tUDP mode
\t\t-V rtable\tSpecify alternate routing table
\t\t-v\t\tVerbose
\t\t-W recvlimit\tTerminate after receiving a number of packets
\t\t-w timeout\tTimeout for connects and final net reads
\t\t-X proto\tProxy protocol: \"4\", \"5\" (SOCKS) or \"connect\"
\t\t-x addr[:port]\tSpecify proxy address and port
\t\t-Z\t\tDCCP mode
\t\t-z\t\tZero-I/O mode [used for scanning]
\tPort numbers can be individual or ranges: lo-hi [inclusive]
";

/// Debian's `getopt` string: these letters take an argument.
const WITH_ARG: &str = "IiMmOPpqsTVWwXx";
/// And these take none.
const FLAGS: &str = "46bCDdFhklNnrStUuvZz";

/// The most ports one scan may try (a whole range is 65535).
const MAX_PORTS: usize = 65_535;

/// The `/etc/services` name of a port, as `getservbyport` finds it (`*` when none).
pub(crate) fn service(port: u16, udp: bool) -> &'static str {
    match (port, udp) {
        (21, false) => "ftp",
        (22, _) => "ssh",
        (23, false) => "telnet",
        (25, false) => "smtp",
        (53, _) => "domain",
        (67, true) => "bootps",
        (68, true) => "bootpc",
        (80, _) => "http",
        (110, false) => "pop3",
        (123, true) => "ntp",
        (143, false) => "imap2",
        (443, _) => "https",
        (445, false) => "microsoft-ds",
        (587, false) => "submission",
        (993, false) => "imaps",
        (995, false) => "pop3s",
        (3306, _) => "mysql",
        (5432, _) => "postgresql",
        (8080, false) => "http-alt",
        _ => "*",
    }
}

/// Whether a daemon of the host profile accepts TCP connections on `ip`:`port`, as `ss -tln`
/// lists them: bound to the wildcard, to `ip` itself, or (no address) to the primary address.
pub(crate) fn listens(cx: &CommandCtx<'_>, ip: IpAddr, port: u16) -> bool {
    let net = &cx.host.network;
    let local = ip.is_loopback() || ip == IpAddr::V4(net.ipv4);
    local
        && cx.host.services.iter().any(|s| {
            s.listen.iter().any(|l| {
                l.proto == "tcp"
                    && l.port == port
                    && match l.addr.as_deref() {
                        None => ip == IpAddr::V4(net.ipv4),
                        Some("0.0.0.0") => ip.is_ipv4(),
                        // A dual-stack `::` socket takes IPv4 connections too.
                        Some("::") => true,
                        Some(addr) => addr.parse::<IpAddr>().is_ok_and(|a| a == ip),
                    }
            })
        })
}

/// netcat's `strtoport`: a number from 1 to 65535, or a service name.
fn port(p: &str, udp: bool) -> Result<u16, String> {
    match p.parse::<i64>() {
        Ok(n) if n < 1 => Err(format!("nc: port number too small: {p}\n")),
        Ok(n) if n > 65_535 => Err(format!("nc: port number too large: {p}\n")),
        Ok(n) => Ok(n as u16),
        Err(_) => (1..=9_000u16)
            .find(|&n| service(n, udp) == p)
            .ok_or_else(|| format!("nc: service \"{p}\" unknown\n")),
    }
}

/// Parses a port, a service name or a `lo-hi` range, with netcat's messages.
fn ports(spec: &str, udp: bool) -> Result<Vec<u16>, String> {
    if spec.starts_with(|c: char| c.is_ascii_digit())
        && let Some((lo, hi)) = spec.split_once('-')
    {
        let (hi, lo) = (port(hi, udp)?, port(lo, udp)?);
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        Ok((lo..=hi).take(MAX_PORTS).collect())
    } else {
        Ok(vec![port(spec, udp)?])
    }
}

/// `nc` and `netcat`.
pub struct Netcat;

impl Command for Netcat {
    fn names(&self) -> &'static [&'static str] {
        &[
            "nc",
            "/usr/bin/nc",
            "/bin/nc",
            "netcat",
            "/usr/bin/netcat",
            "/bin/netcat",
            "nc.openbsd",
            "/usr/bin/nc.openbsd",
            "/bin/nc.openbsd",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut listen, mut verbose, mut zero, mut udp, mut numeric) =
            (false, false, false, false, false);
        let mut source_port: Option<String> = None;
        let mut operands = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if arg == "--" {
                operands.extend(args.by_ref().cloned());
                break;
            }
            if arg.len() < 2 || !arg.starts_with('-') {
                operands.push(arg.clone());
                continue;
            }
            let letters: Vec<char> = arg.chars().skip(1).collect();
            for (i, &c) in letters.iter().enumerate() {
                if WITH_ARG.contains(c) {
                    let tail: String = letters[i + 1..].iter().collect();
                    let value = if !tail.is_empty() {
                        tail
                    } else if let Some(next) = args.next() {
                        next.clone()
                    } else {
                        cx.err(format!("nc: option requires an argument -- '{c}'\n{USAGE}"));
                        return 1;
                    };
                    if c == 'p' {
                        source_port = Some(value);
                    }
                    break;
                }
                match c {
                    'h' => {
                        cx.err(format!("{VERSION}{USAGE}{SUMMARY}"));
                        return 1;
                    }
                    'l' => listen = true,
                    'v' => verbose = true,
                    'z' => zero = true,
                    'u' => udp = true,
                    'n' => numeric = true,
                    c if FLAGS.contains(c) => {}
                    c => {
                        cx.err(format!("nc: invalid option -- '{c}'\n{USAGE}"));
                        return 1;
                    }
                }
            }
        }
        if listen {
            return listen_mode(cx, source_port, &operands, verbose, udp);
        }
        let [host, port_spec] = operands.as_slice() else {
            cx.err(USAGE);
            return 1;
        };
        let list = match ports(port_spec, udp) {
            Ok(list) => list,
            Err(message) => {
                cx.err(message);
                return 1;
            }
        };
        let resolved = if numeric {
            host.parse::<IpAddr>().ok()
        } else {
            resolve(cx, host)
        };
        let Some(ip) = resolved else {
            let first = list.first().copied().unwrap_or(0);
            cx.err(format!(
                "nc: getaddrinfo for host \"{host}\" port {first}: Name or service not known\n"
            ));
            return 1;
        };
        let shown = if numeric || host.parse::<IpAddr>().is_ok() || *host == ip.to_string() {
            host.clone()
        } else {
            format!("{host} ({ip})")
        };
        let proto = if udp { "udp" } else { "tcp" };
        let mut status = 1;
        let mut text = String::new();
        for port in list {
            // UDP "connects" never fail; TCP only reaches this host's own listeners.
            if udp || listens(cx, ip, port) {
                status = 0;
                if verbose {
                    text.push_str(&format!(
                        "Connection to {shown} {port} port [{proto}/{}] succeeded!\n",
                        service(port, udp)
                    ));
                }
                if !zero && !udp && port == 22 {
                    cx.err(std::mem::take(&mut text));
                    let banner = SshProfile::installed_on(cx.host).banner;
                    cx.out(format!("{banner}\r\n"));
                    if !cx.stdin.is_empty() {
                        cx.out("Invalid SSH identification string.\r\n");
                    }
                }
            } else if verbose {
                text.push_str(&format!(
                    "nc: connect to {shown} port {port} ({proto}) failed: Connection refused\n"
                ));
            }
            if text.len() > 1 << 16 {
                cx.err(std::mem::take(&mut text));
            }
        }
        cx.err(text);
        status
    }
}

/// `nc -l`: binds (or fails as `bind(2)` would) and waits; the wait ends at once, as if the
/// user pressed Ctrl-C.
fn listen_mode(
    cx: &mut CommandCtx<'_>,
    source_port: Option<String>,
    operands: &[String],
    verbose: bool,
    udp: bool,
) -> i32 {
    let port = source_port.or_else(|| operands.last().cloned());
    let Some(port) = port else {
        cx.err(USAGE);
        return 1;
    };
    let port = match ports(&port, udp) {
        Ok(list) if list.len() == 1 => list[0],
        Ok(_) => {
            cx.err(USAGE);
            return 1;
        }
        Err(message) => {
            cx.err(message);
            return 1;
        }
    };
    if port < 1024 && !cx.fs.cred().is_root() {
        cx.err("nc: Permission denied\n");
        return 1;
    }
    // Binding the wildcard clashes with any daemon's socket on that port.
    let taken = cx.host.services.iter().any(|s| {
        s.listen
            .iter()
            .any(|l| l.port == port && (l.proto == "udp") == udp)
    });
    if taken {
        cx.err("nc: Address already in use\n");
        return 1;
    }
    if verbose && !udp {
        cx.err(format!("Listening on 0.0.0.0 {port}\n"));
    }
    if cx.terminal().is_some() {
        cx.out("^C\n");
    }
    130
}

#[cfg(test)]
mod tests;
