//! `netstat` (net-tools): connections, the routing table and interface statistics.

use super::super::{Command, CommandCtx, usr_bin};
use super::{Filter, Sock, service_name, sockets};
use crate::host::HostProfile;

/// `netstat`: network connections, routes and interface statistics.
pub struct Netstat;

impl Command for Netstat {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("netstat")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut f = Filter::default();
        let (mut numeric, mut programs, mut route, mut interfaces) = (false, false, false, false);
        for arg in argv.get(1..).unwrap_or_default() {
            let flags: Vec<char> = match arg.strip_prefix("--") {
                Some(long) => match long {
                    "tcp" => vec!['t'],
                    "udp" => vec!['u'],
                    "listening" => vec!['l'],
                    "all" => vec!['a'],
                    "numeric" => vec!['n'],
                    "programs" => vec!['p'],
                    "route" => vec!['r'],
                    "interfaces" => vec!['i'],
                    "version" => vec!['V'],
                    _ => vec!['?'],
                },
                None => arg
                    .strip_prefix('-')
                    .map_or_else(Vec::new, |f| f.chars().collect()),
            };
            for c in flags {
                match c {
                    't' => f.tcp = true,
                    'u' => f.udp = true,
                    'l' => f.listening = true,
                    'a' => f.all = true,
                    'n' => numeric = true,
                    'p' => programs = true,
                    'r' => route = true,
                    'i' => interfaces = true,
                    '4' => f.v4 = true,
                    '6' => f.v6 = true,
                    'e' | 'W' | 'c' | 'o' | 'v' | 'w' | 'x' | 'A' | 'C' | 'F' => {}
                    'V' => {
                        cx.out("net-tools 2.10\nFenwick, Netfilter\n+NEW_ADDRT +RTF_IRTT +RTF_REJECT +FW_MASQUERADE +I18N +SELINUX\nAF: (inet) +UNIX +INET +INET6 +IPX +AX25 +NETROM +X25 +ATALK +ECONET +ROSE -BLUETOOTH\nHW:  +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64\n");
                        return 0;
                    }
                    other => {
                        cx.err(format!("netstat: invalid option -- '{other}'\nusage: netstat [-vWeenNcCF] [<Af>] -r         netstat {{-V|--version|-h|--help}}\n"));
                        return 1;
                    }
                }
            }
        }
        if route {
            cx.out(route_table(cx.host, numeric));
            return 0;
        }
        if interfaces {
            cx.out(interface_table(cx));
            return 0;
        }
        let socks: Vec<Sock> = sockets(cx).into_iter().filter(|s| f.keeps(s)).collect();
        let mut out = String::from("Active Internet connections ");
        out.push_str(if f.all {
            "(servers and established)"
        } else if f.listening {
            "(only servers)"
        } else {
            "(w/o servers)"
        });
        out.push_str(
            "\nProto Recv-Q Send-Q Local Address           Foreign Address         State      ",
        );
        if programs {
            out.push_str(&format!(" {:<20}", "PID/Program name"));
        }
        out.push('\n');
        let own_ip = cx.host.network.ipv4.to_string();
        let name_port = |p: u16| {
            if numeric {
                p.to_string()
            } else {
                service_name(p)
            }
        };
        let name_host = |a: &str| {
            if numeric || a == "0.0.0.0" || a == "::" {
                a.to_owned()
            } else if a == "127.0.0.53" {
                "_localdnsstub".to_owned()
            } else if a == own_ip {
                cx.host.short_hostname().to_owned()
            } else {
                a.to_owned()
            }
        };
        let fmt_addr = |a: &str, port: Option<u16>| {
            let port = port.map_or("*".to_owned(), name_port);
            let host = name_host(a);
            if host.len() + port.len() > 22 {
                let port_len = port.len().min(18);
                let host_len = 22 - port_len;
                format!(
                    "{}:{}",
                    &host[..host_len.min(host.len())],
                    &port[..port_len]
                )
            } else {
                format!("{host}:{port}")
            }
        };
        // The kernel lists tcp, tcp6, udp, udp6.
        let mut ordered: Vec<&Sock> = Vec::new();
        for (tcp, v6) in [(true, false), (true, true), (false, false), (false, true)] {
            ordered.extend(socks.iter().filter(|s| s.tcp == tcp && s.v6 == v6));
        }
        for s in ordered {
            let proto = match (s.tcp, s.v6) {
                (true, false) => "tcp ",
                (true, true) => "tcp6",
                (false, false) => "udp  ",
                (false, true) => "udp6 ",
            };
            let state = match (s.tcp, s.listen) {
                (true, true) => "LISTEN",
                (true, false) => "ESTABLISHED",
                (false, _) => "",
            };
            let local = fmt_addr(&s.local, Some(s.local_port));
            let peer = fmt_addr(&s.peer, s.peer_port);
            let send_q = if s.listen { 0 } else { s.send_q };
            let sep = if s.tcp { "  " } else { " " };
            out.push_str(&format!(
                "{proto}{sep}{:6} {send_q:6} {local:<23} {peer:<23} {state:<11}",
                s.recv_q
            ));
            if programs {
                let name = if s.args.starts_with('/') {
                    s.args
                        .split(' ')
                        .next()
                        .unwrap_or("")
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_owned()
                } else {
                    s.args.clone()
                };
                let cell: String = format!("{}/{name}", s.pid).chars().take(19).collect();
                out.push_str(&format!(" {cell:<20}"));
            }
            out.push('\n');
        }
        if !(f.tcp || f.udp) {
            out.push_str(&unix_sockets(f.all || f.listening, f.listening && !f.all));
        }
        cx.out(out);
        0
    }
}

/// The UNIX-socket section of a plain `netstat`.
fn unix_sockets(servers: bool, only_servers: bool) -> String {
    let title = if only_servers {
        "(only servers)"
    } else if servers {
        "(servers and established)"
    } else {
        "(w/o servers)"
    };
    let mut out = format!(
        "Active UNIX domain sockets {title}\nProto RefCnt Flags       Type       State         I-Node   Path\n"
    );
    let listening = [
        ("STREAM", 18_323, "/run/systemd/private"),
        (
            "STREAM",
            18_325,
            "/run/systemd/userdb/io.systemd.DynamicUser",
        ),
        ("STREAM", 18_334, "/run/systemd/journal/stdout"),
        ("STREAM", 21_566, "/run/dbus/system_bus_socket"),
        ("STREAM", 21_590, "/run/snapd.socket"),
        ("STREAM", 21_592, "/run/snapd-snap.socket"),
        ("STREAM", 21_600, "/run/uuidd/request"),
    ];
    if servers {
        for (kind, inode, path) in listening {
            out.push_str(&format!(
                "unix  2      [ ACC ]     {kind:<10} LISTENING     {inode:<8} {path}\n"
            ));
        }
    }
    if !only_servers {
        for (inode, path) in [
            (18_336, "/run/systemd/journal/socket"),
            (18_351, "/run/systemd/journal/dev-log"),
        ] {
            out.push_str(&format!(
                "unix  {:<6} [ ]         {:<10} {:<13} {inode:<8} {path}\n",
                7, "DGRAM", "CONNECTED"
            ));
        }
    }
    out
}

/// `netstat -r`: the routing table as net-tools prints it.
fn route_table(host: &HostProfile, numeric: bool) -> String {
    let n = &host.network;
    let mut out = "Kernel IP routing table\nDestination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n".to_owned();
    for r in crate::host::files::proc::routes(host) {
        let mask = if r.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(r.prefix))
        };
        let mask = std::net::Ipv4Addr::from(mask);
        let gateway = r.via.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
        let dest = if !numeric && r.prefix == 0 {
            "default".to_owned()
        } else if !numeric && r.dest == n.gateway {
            "_gateway".to_owned()
        } else {
            r.dest.to_string()
        };
        let gateway = if !numeric && r.via == Some(n.gateway) {
            "_gateway".to_owned()
        } else {
            gateway.to_string()
        };
        let flags = format!(
            "U{}{}",
            if r.via.is_some() { "G" } else { "" },
            if r.prefix == 32 { "H" } else { "" }
        );
        out.push_str(&format!(
            "{dest:<15} {gateway:<15} {:<15} {flags:<5} {:5} {:<5} {:6} {}\n",
            mask.to_string(),
            0,
            0,
            0,
            n.iface
        ));
    }
    out
}

/// `netstat -i`.
fn interface_table(cx: &CommandCtx<'_>) -> String {
    let n = &cx.host.network;
    let uptime = cx.host.uptime_secs(cx.now());
    let nic = n.counters(uptime);
    let lo = n.loopback_counters(uptime);
    let mut rows = vec![
        (n.iface.clone(), n.mtu, nic, "BMRU"),
        ("lo".to_owned(), 65_536, lo, "LRU"),
    ];
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = "Kernel Interface table\nIface      MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n".to_owned();
    for (name, mtu, c, flags) in rows {
        let name: String = name.chars().take(8).collect();
        out.push_str(&format!(
            "{name:<8} {mtu:5} {:8} {:6} {:6} {:<6} {:8} {:6} {:6} {:6} {flags}\n",
            c.rx_packets, 0, 0, 0, c.tx_packets, 0, 0, 0
        ));
    }
    out
}
