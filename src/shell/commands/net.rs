//! Interfaces and routes: `ip` (iproute2) and `ifconfig` (net-tools).
//!
//! Both show the profile's [`Network`](crate::host::network::Network): `lo` and the primary
//! NIC, with the IPv4 address the platform gives it (DHCP leases count down in `ip addr`'s
//! `valid_lft`), the EUI-64 link-local IPv6 address, and counters that grow with the uptime.

use std::net::Ipv4Addr;

use super::{Command, CommandCtx};
use crate::host::HostProfile;
use crate::host::files::proc::routes;
use crate::host::network::Counters;
use crate::host::release::Series;

/// Names of a program in `/usr/sbin` (and `/usr/bin`, where iproute2 puts `ip`).
const IP_NAMES: &[&str] = &["ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];
const IFCONFIG_NAMES: &[&str] = &["ifconfig", "/usr/sbin/ifconfig", "/sbin/ifconfig"];

/// Which address families `ip` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Any,
    V4,
    V6,
    Link,
}

/// `ip`: show routing, devices and addresses.
pub struct Ip;

const IP_USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | fou | help | ila | ioam | l2tp | link |
                   macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
";

impl Command for Ip {
    fn names(&self) -> &'static [&'static str] {
        IP_NAMES
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut family = Family::Any;
        let mut brief = false;
        let mut rest: Vec<&str> = Vec::new();
        for arg in argv.get(1..).unwrap_or_default() {
            if rest.is_empty() && arg.starts_with('-') && arg.len() > 1 {
                match arg.trim_start_matches('-') {
                    "4" => family = Family::V4,
                    "6" => family = Family::V6,
                    "0" => family = Family::Link,
                    "br" | "brief" => brief = true,
                    "V" | "Version" => {
                        let version = cx.host.release().iproute2;
                        cx.out(format!("ip utility, iproute2-{version}, libbpf 0.5.0\n"));
                        return 0;
                    }
                    "s" | "stats" | "statistics" | "d" | "details" | "c" | "color" | "n" | "N"
                    | "Numeric" | "o" | "oneline" | "a" | "all" | "h" | "human" => {}
                    other => {
                        cx.err(format!(
                            "Option \"-{other}\" is unknown, try \"ip -help\".\n"
                        ));
                        return 255;
                    }
                }
            } else {
                rest.push(arg);
            }
        }
        let Some((object, args)) = rest.split_first() else {
            cx.err(IP_USAGE);
            return 255;
        };
        let matches =
            |word: &str, full: &str, min: usize| word.len() >= min && full.starts_with(word);
        let host = cx.host;
        let uptime = host.uptime_secs(cx.now());
        if matches(object, "address", 1) || *object == "addr" {
            let dev = device_arg(args);
            return self.show(cx, dev, family, brief, false, uptime);
        }
        if matches(object, "link", 1) {
            let dev = device_arg(args);
            return self.show(cx, dev, Family::Link, brief, true, uptime);
        }
        if matches(object, "route", 1) {
            if args.first().is_some_and(|a| matches(a, "get", 1)) {
                return route_get(cx, args.get(1).copied());
            }
            if family == Family::V6 {
                cx.out(format!(
                    "::1 dev lo proto kernel metric 256 pref medium\nfe80::/64 dev {} proto kernel metric 256 pref medium\n",
                    host.network.iface
                ));
                return 0;
            }
            cx.out(route_text(host));
            return 0;
        }
        if matches(object, "neighbour", 1) || matches(object, "neighbor", 1) {
            let n = &host.network;
            let mac = gateway_mac(host);
            cx.out(format!(
                "{} dev {} lladdr {mac} REACHABLE\n",
                n.gateway, n.iface
            ));
            return 0;
        }
        if *object == "help" {
            cx.err(IP_USAGE);
            return 255;
        }
        cx.err(format!(
            "Object \"{object}\" is unknown, try \"ip help\".\n"
        ));
        1
    }
}

/// The device an `ip addr show [dev] X` names.
fn device_arg<'a>(args: &[&'a str]) -> Option<&'a str> {
    let mut it = args.iter().copied().peekable();
    while let Some(word) = it.next() {
        match word {
            "show" | "s" | "list" | "ls" | "l" | "sh" => {}
            "dev" => return it.next(),
            "up" | "scope" | "label" => {}
            other => return Some(other),
        }
    }
    None
}

/// The gateway's MAC: EC2 and most clouds answer with the NIC's own prefix. `ip neigh`,
/// `arp` and `/proc/net/arp` all show this one.
pub(crate) fn gateway_mac(host: &HostProfile) -> String {
    let b = crate::host::network::mac_bytes(&host.network.mac);
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[0],
        b[1] ^ 0x5a,
        b[2],
        b[3] ^ 0x11,
        b[4],
        b[5] ^ 0x3c
    )
}

impl Ip {
    fn show(
        &self,
        cx: &mut CommandCtx<'_>,
        dev: Option<&str>,
        family: Family,
        brief: bool,
        link: bool,
        uptime: u64,
    ) -> i32 {
        let host = cx.host;
        let n = &host.network;
        if let Some(d) = dev
            && d != "lo"
            && d != n.iface
            && Some(d) != n.altname.as_deref()
        {
            cx.err(format!("Device \"{d}\" does not exist.\n"));
            return 1;
        }
        let show_lo = dev.is_none_or(|d| d == "lo");
        let show_nic = dev.is_none_or(|d| d != "lo");
        let noble = host.series() == Series::Noble;
        let mut out = String::new();
        if brief {
            if show_lo {
                out.push_str(&if link {
                    format!(
                        "{:<16} {:<14} {} {} \n",
                        "lo", "UNKNOWN", "00:00:00:00:00:00", "<LOOPBACK,UP,LOWER_UP>"
                    )
                } else {
                    let addrs = match family {
                        Family::V4 => "127.0.0.1/8 ".to_owned(),
                        Family::V6 => "::1/128 ".to_owned(),
                        _ => "127.0.0.1/8 ::1/128 ".to_owned(),
                    };
                    format!("{:<16} {:<14} {addrs}\n", "lo", "UNKNOWN")
                });
            }
            if show_nic {
                out.push_str(&if link {
                    format!(
                        "{:<16} {:<14} {} {} \n",
                        n.iface, "UP", n.mac, "<BROADCAST,MULTICAST,UP,LOWER_UP>"
                    )
                } else {
                    let v4 = format!("{}/{} ", n.ipv4, n.prefix);
                    let v6 = format!("{}/64 ", n.ipv6_link_local());
                    let addrs = match family {
                        Family::V4 => v4,
                        Family::V6 => v6,
                        _ => format!("{v4}{v6}"),
                    };
                    format!("{:<16} {:<14} {addrs}\n", n.iface, "UP")
                });
            }
            cx.out(out);
            return 0;
        }
        let mode = if link { "mode DEFAULT " } else { "" };
        let header = family == Family::Any || family == Family::Link;
        if show_lo {
            out.push_str(&format!("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN {mode}group default qlen 1000\n"));
            if header {
                out.push_str("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
            }
            if !link && family != Family::V6 {
                out.push_str("    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n");
            }
            if !link && family != Family::V4 {
                let flags = if noble { "noprefixroute " } else { "" };
                out.push_str(&format!("    inet6 ::1/128 scope host {flags}\n       valid_lft forever preferred_lft forever\n"));
            }
        }
        if show_nic {
            out.push_str(&format!(
                "2: {}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {} qdisc {} state UP {mode}group default qlen 1000\n",
                n.iface, n.mtu, n.qdisc
            ));
            if header {
                out.push_str(&format!("    link/ether {} brd ff:ff:ff:ff:ff:ff\n", n.mac));
                if let Some(alt) = &n.altname {
                    out.push_str(&format!("    altname {alt}\n"));
                }
            }
            if !link && family != Family::V6 {
                let dhcp = n.dhcp_lease.is_some();
                let metric = if dhcp && host.series() != Series::Focal {
                    "metric 100 "
                } else {
                    ""
                };
                let brd = n.broadcast().map_or(String::new(), |b| format!("brd {b} "));
                let dynamic = if dhcp { "dynamic " } else { "" };
                out.push_str(&format!(
                    "    inet {}/{} {metric}{brd}scope global {dynamic}{}\n",
                    n.ipv4, n.prefix, n.iface
                ));
                let lft = n
                    .lease_left(uptime)
                    .map_or("forever".to_owned(), |s| format!("{s}sec"));
                out.push_str(&format!("       valid_lft {lft} preferred_lft {lft}\n"));
            }
            if !link && family != Family::V4 {
                out.push_str(&format!(
                    "    inet6 {}/64 scope link \n       valid_lft forever preferred_lft forever\n",
                    n.ipv6_link_local()
                ));
            }
        }
        cx.out(out);
        0
    }
}

/// `ip route`: the main table.
pub(crate) fn route_text(host: &HostProfile) -> String {
    let n = &host.network;
    let mut out = String::new();
    for r in routes(host) {
        let dest = if r.prefix == 0 {
            "default".to_owned()
        } else if r.prefix == 32 {
            r.dest.to_string()
        } else {
            format!("{}/{}", r.dest, r.prefix)
        };
        let mut line = dest;
        if let Some(via) = r.via {
            line.push_str(&format!(" via {via}"));
        }
        line.push_str(&format!(" dev {} proto {}", n.iface, r.proto));
        if r.link {
            line.push_str(" scope link");
        }
        if r.src {
            line.push_str(&format!(" src {}", n.ipv4));
        }
        if r.metric > 0 {
            line.push_str(&format!(" metric {}", r.metric));
        }
        out.push_str(&line);
        out.push_str(" \n");
    }
    out
}

fn route_get(cx: &mut CommandCtx<'_>, target: Option<&str>) -> i32 {
    let Some(target) = target else {
        cx.err("need at least a destination address\n");
        return 1;
    };
    let Ok(addr) = target.parse::<Ipv4Addr>() else {
        cx.err(format!(
            "Error: any valid prefix is expected rather than \"{target}\".\n"
        ));
        return 1;
    };
    let n = &cx.host.network;
    let uid = cx.host.session_uid(&cx.state.user);
    let text = if addr.is_loopback() {
        format!("local {addr} dev lo src 127.0.0.1 uid {uid} \n    cache <local> \n")
    } else if u32::from(addr) & u32::from(n.netmask()) == u32::from(n.network()) && n.prefix < 32 {
        format!(
            "{addr} dev {} src {} uid {uid} \n    cache \n",
            n.iface, n.ipv4
        )
    } else {
        format!(
            "{addr} via {} dev {} src {} uid {uid} \n    cache \n",
            n.gateway, n.iface, n.ipv4
        )
    };
    cx.out(text);
    0
}

/// net-tools' byte count with its binary unit, `(168.7 MiB)`.
fn scaled(bytes: u64) -> String {
    let units = [
        (1u64 << 50, "PiB"),
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    let tenths = units
        .iter()
        .find(|(size, _)| bytes > *size)
        .map_or((bytes * 10, "B"), |(size, unit)| (bytes * 10 / size, *unit));
    format!("{}.{} {}", tenths.0 / 10, tenths.0 % 10, tenths.1)
}

fn ifconfig_stats(c: &Counters) -> String {
    format!(
        "        RX packets {}  bytes {} ({})\n        RX errors 0  dropped 0  overruns 0  frame 0\n        TX packets {}  bytes {} ({})\n        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n",
        c.rx_packets,
        c.rx_bytes,
        scaled(c.rx_bytes),
        c.tx_packets,
        c.tx_bytes,
        scaled(c.tx_bytes)
    )
}

/// `ifconfig`: configure (here: show) network interfaces.
pub struct Ifconfig;

impl Command for Ifconfig {
    fn names(&self) -> &'static [&'static str] {
        IFCONFIG_NAMES
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let host = cx.host;
        let n = &host.network;
        let uptime = host.uptime_secs(cx.now());
        let args: Vec<&str> = argv
            .get(1..)
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "-a" && *a != "-v")
            .collect();
        if args.first().is_some_and(|a| *a == "-h" || *a == "--help") {
            cx.err("Usage:\n  ifconfig [-a] [-v] [-s] <interface> [[<AF>] <address>]\n");
            return 0;
        }
        let nic = format!(
            "{}: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu {}\n        inet {}  netmask {}{}\n        inet6 {}  prefixlen 64  scopeid 0x20<link>\n        ether {}  txqueuelen 1000  (Ethernet)\n{}\n",
            n.iface,
            n.mtu,
            n.ipv4,
            n.netmask(),
            n.broadcast()
                .map_or(String::new(), |b| format!("  broadcast {b}")),
            n.ipv6_link_local(),
            n.mac,
            ifconfig_stats(&n.counters(uptime)),
        );
        let lo = format!(
            "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        inet 127.0.0.1  netmask 255.0.0.0\n        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        loop  txqueuelen 1000  (Local Loopback)\n{}\n",
            ifconfig_stats(&n.loopback_counters(uptime))
        );
        match args.as_slice() {
            [] => {
                // net-tools lists interfaces sorted by name.
                let text = if n.iface.as_str() < "lo" {
                    format!("{nic}{lo}")
                } else {
                    format!("{lo}{nic}")
                };
                cx.out(text);
                0
            }
            [dev] if *dev == "lo" => {
                cx.out(lo);
                0
            }
            [dev] if *dev == n.iface => {
                cx.out(nic);
                0
            }
            [dev] => {
                cx.err(format!(
                    "{dev}: error fetching interface information: Device not found\n"
                ));
                1
            }
            [dev, ..] => {
                if !cx.state.is_root() {
                    cx.err("SIOCSIFADDR: Operation not permitted\n");
                    return 1;
                }
                if *dev != "lo" && *dev != n.iface {
                    cx.err(format!("SIOCSIFADDR: No such device\n{dev}: ERROR while getting interface flags: No such device\n"));
                    return 1;
                }
                0
            }
        }
    }
}

#[cfg(test)]
mod tests;
