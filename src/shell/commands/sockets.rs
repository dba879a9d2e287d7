//! Sockets: `ss` (iproute2) and `netstat` (net-tools).
//!
//! The sockets are the profile's listening daemons (sshd on :22, the stub resolver on
//! 127.0.0.53, the DHCP client, nginx on web hosts) plus the attacker's own SSH connection.
//! `ss` lays out columns the way iproute2 does when its output is not a terminal: each column
//! as wide as its widest cell, addresses right-aligned against their ports.

use super::procs::process_table;
use super::{Command, CommandCtx, usr_bin};

/// One socket as both tools see it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sock {
    tcp: bool,
    v6: bool,
    listen: bool,
    local: String,
    dev: Option<String>,
    local_port: u16,
    peer: String,
    peer_port: Option<u16>,
    recv_q: u32,
    send_q: u32,
    pid: u32,
    /// `comm`, as `ss -p` quotes it.
    comm: String,
    /// The command line, as `netstat -p` abbreviates it.
    args: String,
    fd: u32,
}

/// The remote port of the attacker's connection: stable for the session.
fn peer_port(cx: &CommandCtx<'_>) -> u16 {
    let t = cx
        .state
        .login_time
        .map_or(0, |t| t.timestamp().unsigned_abs());
    32_768 + ((t.wrapping_mul(7_919) ^ cx.host.seed) % 28_000) as u16
}

fn sockets(cx: &CommandCtx<'_>) -> Vec<Sock> {
    let host = cx.host;
    let n = &host.network;
    let mut out = Vec::new();
    for s in &host.services {
        for l in &s.listen {
            let (local, dev) = match &l.addr {
                Some(a) => (a.clone(), l.dev.clone()),
                None => (n.ipv4.to_string(), Some(n.iface.clone())),
            };
            out.push(Sock {
                tcp: l.proto == "tcp",
                v6: l.v6,
                listen: true,
                local,
                dev,
                local_port: l.port,
                peer: if l.v6 {
                    "::".to_owned()
                } else {
                    "0.0.0.0".to_owned()
                },
                peer_port: None,
                recv_q: 0,
                send_q: l.backlog,
                pid: s.pid,
                comm: s.comm.clone(),
                args: s.args.clone(),
                fd: l.fd,
            });
        }
    }
    if !cx.state.remote_ip.is_empty() {
        let procs = process_table(cx, &["ss".to_owned()]);
        let sshd = procs.iter().find(|p| {
            p.comm == "sshd" && p.args.starts_with("sshd: ") && !p.args.contains("listener")
        });
        if let Some(sshd) = sshd {
            out.push(Sock {
                tcp: true,
                v6: false,
                listen: false,
                local: n.ipv4.to_string(),
                dev: None,
                local_port: 22,
                peer: cx.state.remote_ip.clone(),
                peer_port: Some(peer_port(cx)),
                recv_q: 0,
                send_q: 36 + (cx.state.history.len() as u32 % 7) * 44,
                pid: sshd.pid,
                comm: "sshd".to_owned(),
                args: sshd.args.to_string(),
                fd: 4,
            });
        }
    }
    out
}

/// `/etc/services` names for the ports in use.
fn service_name(port: u16) -> String {
    match port {
        22 => "ssh",
        53 => "domain",
        68 => "bootpc",
        80 => "http",
        443 => "https",
        323 => "323",
        _ => return port.to_string(),
    }
    .to_owned()
}

/// Which sockets a command line selects.
#[derive(Debug, Default, Clone, Copy)]
struct Filter {
    tcp: bool,
    udp: bool,
    listening: bool,
    all: bool,
    v4: bool,
    v6: bool,
}

impl Filter {
    fn keeps(&self, s: &Sock) -> bool {
        let (tcp, udp) = if self.tcp || self.udp {
            (self.tcp, self.udp)
        } else {
            (true, true)
        };
        let proto = if s.tcp { tcp } else { udp };
        let family = if self.v4 || self.v6 {
            (s.v6 && self.v6) || (!s.v6 && self.v4)
        } else {
            true
        };
        let state = self.all || s.listen == self.listening;
        proto && family && state
    }
}

/// `ss`: socket statistics.
pub struct Ss;

impl Command for Ss {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ss")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut f = Filter::default();
        let (mut numeric, mut processes, mut header) = (false, false, true);
        for arg in argv.get(1..).unwrap_or_default() {
            if let Some(long) = arg.strip_prefix("--") {
                match long {
                    "tcp" => f.tcp = true,
                    "udp" => f.udp = true,
                    "listening" => f.listening = true,
                    "all" => f.all = true,
                    "numeric" => numeric = true,
                    "processes" => processes = true,
                    "no-header" => header = false,
                    "ipv4" => f.v4 = true,
                    "ipv6" => f.v6 = true,
                    "version" => {
                        let version = cx.host.release().iproute2;
                        cx.out(format!("ss utility, iproute2-{version}\n"));
                        return 0;
                    }
                    "help" => {
                        cx.out("Usage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n   -h, --help          this message\n   -V, --version       output version information\n   -n, --numeric       don't resolve service names\n   -a, --all           display all sockets\n   -l, --listening     display listening sockets\n   -p, --processes     show process using socket\n   -4, --ipv4          display only IP version 4 sockets\n   -6, --ipv6          display only IP version 6 sockets\n   -t, --tcp           display only TCP sockets\n   -u, --udp           display only UDP sockets\n");
                        return 0;
                    }
                    other => {
                        cx.err(format!("ss: unrecognized option '--{other}'\n"));
                        return 255;
                    }
                }
            } else if let Some(flags) = arg.strip_prefix('-') {
                for c in flags.chars() {
                    match c {
                        't' => f.tcp = true,
                        'u' => f.udp = true,
                        'l' => f.listening = true,
                        'a' => f.all = true,
                        'n' => numeric = true,
                        'p' => processes = true,
                        'H' => header = false,
                        '4' => f.v4 = true,
                        '6' => f.v6 = true,
                        'e' | 'o' | 'm' | 'i' | 'r' | 'x' | 'w' | 's' => {}
                        'V' => {
                            let version = cx.host.release().iproute2;
                            cx.out(format!("ss utility, iproute2-{version}\n"));
                            return 0;
                        }
                        'h' => {
                            cx.out("Usage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n");
                            return 0;
                        }
                        other => {
                            cx.err(format!("ss: invalid option -- '{other}'\nUsage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n"));
                            return 255;
                        }
                    }
                }
            }
        }
        let socks: Vec<Sock> = sockets(cx).into_iter().filter(|s| f.keeps(s)).collect();
        let netid = !(f.tcp ^ f.udp);
        let mut rows: Vec<Vec<String>> = Vec::new();
        if header {
            let mut h = Vec::new();
            if netid {
                h.push("Netid".to_owned());
            }
            h.extend(
                [
                    "State",
                    "Recv-Q",
                    "Send-Q",
                    "Local Address:",
                    "Port",
                    "Peer Address:",
                    "Port",
                ]
                .map(str::to_owned),
            );
            if processes {
                h.push("Process".to_owned());
            }
            rows.push(h);
        }
        let port = |p: u16| {
            if numeric {
                p.to_string()
            } else {
                service_name(p)
            }
        };
        let addr = |a: &str, v6: bool| if v6 { format!("[{a}]") } else { a.to_owned() };
        // iproute2 dumps UDP before TCP, each family IPv4 first, listeners before
        // connections (the kernel's listening hash comes first).
        let mut ordered: Vec<&Sock> = Vec::new();
        for tcp in [false, true] {
            for v6 in [false, true] {
                for listen in [true, false] {
                    ordered.extend(
                        socks
                            .iter()
                            .filter(|s| s.tcp == tcp && s.v6 == v6 && s.listen == listen),
                    );
                }
            }
        }
        for s in ordered {
            let mut r = Vec::new();
            if netid {
                r.push(if s.tcp { "tcp" } else { "udp" }.to_owned());
            }
            let state = if !s.listen {
                "ESTAB"
            } else if s.tcp {
                "LISTEN"
            } else {
                "UNCONN"
            };
            r.push(state.to_owned());
            r.push(s.recv_q.to_string());
            r.push(s.send_q.to_string());
            let local = match &s.dev {
                Some(d) => format!("{}%{d}:", addr(&s.local, s.v6)),
                None => format!("{}:", addr(&s.local, s.v6)),
            };
            r.push(local);
            r.push(port(s.local_port));
            r.push(format!("{}:", addr(&s.peer, s.v6)));
            r.push(s.peer_port.map_or("*".to_owned(), port));
            if processes {
                r.push(format!(
                    "users:((\"{}\",pid={},fd={}))",
                    s.comm, s.pid, s.fd
                ));
            }
            rows.push(r);
        }
        let screen = cx.terminal().map(usize::from);
        cx.out(render_ss(&rows, netid, processes, screen));
        0
    }
}

/// iproute2's compact rendering: column widths from the widest cell (plus the one-space left
/// delimiter most columns have), `Local Address:`/`Peer Address:` right-aligned.
fn render_ss(rows: &[Vec<String>], netid: bool, processes: bool, screen: Option<usize>) -> String {
    // (left delimiter, right-aligned) per column, as ss's column table.
    let mut spec: Vec<(&str, bool)> = Vec::new();
    if netid {
        spec.push(("", false));
    }
    spec.extend([
        (" ", false),
        (" ", false),
        (" ", false),
        (" ", true),
        ("", false),
        (" ", true),
        ("", false),
    ]);
    if processes {
        spec.push(("", false));
    }
    let mut widths = vec![0usize; spec.len()];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    for (i, w) in widths.iter_mut().enumerate() {
        if i > 0 && *w > 0 {
            *w += spec[i].0.len();
        }
    }
    if let Some(screen) = screen {
        spread(&mut widths, screen);
    }
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let (delim, right) = spec[i];
            let mut printed = 0;
            if i > 0 {
                out.push_str(delim);
                printed = delim.len();
            }
            let len = cell.chars().count();
            if right {
                let pad = widths[i].saturating_sub(len + printed);
                out.push_str(&" ".repeat(pad));
                printed += pad;
            }
            out.push_str(cell);
            printed += len;
            if !right {
                out.push_str(&" ".repeat(widths[i].saturating_sub(printed)));
            }
        }
        out.push('\n');
    }
    out
}

/// iproute2's `render_calc_width` on a terminal: columns that fit on a line share the
/// spare width, the last ones getting the remainder; a line that overflows is cut before the
/// column that does not fit, and the rest forms the next line (which the terminal wraps).
fn spread(widths: &mut [usize], screen: usize) {
    for w in widths.iter_mut() {
        *w = (*w).min(screen);
    }
    let (mut len, mut linecols) = (0usize, 0usize);
    let mut first = 0usize;
    let mut c = 0usize;
    while c < widths.len() {
        if widths[c] == 0 {
            c += 1;
            continue;
        }
        linecols += 1;
        len += widths[c];
        let last = !widths[c + 1..].iter().any(|w| *w > 0);
        if !last && len < screen {
            c += 1;
            continue;
        }
        let mut end = c;
        if len > screen && linecols > 1 {
            len -= widths[c];
            linecols -= 1;
            end = c - 1;
        }
        if len < screen {
            let pad = screen - len;
            let (spacing, mut rem) = (pad / linecols.max(1), pad % linecols.max(1));
            for w in widths[first..=end].iter_mut().rev().filter(|w| **w > 0) {
                *w += spacing;
                if rem > 0 {
                    *w += 1;
                    rem -= 1;
                }
            }
        }
        first = end + 1;
        c = end + 1;
        len = 0;
        linecols = 0;
    }
}

mod netstat;

pub use netstat::Netstat;

#[cfg(test)]
mod tests;
