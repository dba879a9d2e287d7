//! net-tools' `arp` and `route`, read from the host profile's network so they agree with
//! `ip route`, `ip neigh`, `ifconfig` and `netstat -r`: one neighbour (the gateway, with the
//! MAC `ip neigh` shows) and the routes of `/proc/net/route`. Changes (`route add`, `arp -d`)
//! are refused to non-root users and otherwise accepted without effect.

use std::net::Ipv4Addr;

use super::{Command, CommandCtx};
use crate::host::HostProfile;
use crate::host::files::proc::routes;

/// `arp --help` and the usage after an error, on standard output…
const ARP_USAGE: &str = "Usage:
  arp [-vn]  [<HW>] [-i <if>] [-a] [<hostname>]             <-Display ARP cache
  arp [-v]          [-i <if>] -d  <host> [pub]               <-Delete ARP entry
  arp [-vnD] [<HW>] [-i <if>] -f  [<filename>]            <-Add entry from file
  arp [-v]   [<HW>] [-i <if>] -s  <host> <hwaddr> [temp]            <-Add entry
  arp [-v]   [<HW>] [-i <if>] -Ds <host> <if> [netmask <nm>] pub          <-''-

        -a                       display (all) hosts in alternative (BSD) style
        -e                       display (all) hosts in default (Linux) style
        -s, --set                set a new ARP entry
        -d, --delete             delete a specified entry
        -v, --verbose            be verbose
        -n, --numeric            don't resolve names
        -i, --device             specify network interface (e.g. eth0)
        -D, --use-device         read <hwaddr> from given device
        -A, -p, --protocol       specify protocol family
        -f, --file               read new entries from file or from /etc/ethers

  <HW>=Use '-H <hw>' to specify hardware address type. Default: ether
  List of possible hardware types (which support ARP):
";

/// …and the hardware types, which net-tools prints on standard error.
const ARP_HW_TYPES: &str = "    ash (Ash) ether (Ethernet) ax25 (AMPR AX.25) 
    netrom (AMPR NET/ROM) rose (AMPR ROSE) arcnet (ARCnet) 
    dlci (Frame Relay DLCI) fddi (Fiber Distributed Data Interface) hippi (HIPPI) 
    irda (IrLAP) x25 (generic X.25) eui64 (Generic EUI-64) 
";

/// `route --help` on standard output…
const ROUTE_USAGE: &str = "Usage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables
       route [-v] [-FC] {add|del|flush} ...  Modify routing table for AF.

       route {-h|--help} [<AF>]              Detailed usage syntax for specified AF.
       route {-V|--version}                  Display version/author and exit.

        -v, --verbose            be verbose
        -n, --numeric            don't resolve names
        -e, --extend             display other/more information
        -F, --fib                display Forwarding Information Base (default)
        -C, --cache              display routing cache instead of FIB

  <AF>=Use -4, -6, '-A <af>' or '--<af>'; default: inet
  List of possible address families (which support routing):
";

/// …and the address families on standard error.
const ROUTE_FAMILIES: &str = "    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) 
    netrom (AMPR NET/ROM) rose (AMPR ROSE) ipx (Novell IPX) 
    ddp (Appletalk DDP) x25 (CCITT X.25) 
";

/// The `AF:` line of both programs' `-V`.
const FAMILIES_BUILT: &str =
    "AF: (inet) +UNIX +INET +INET6 +IPX +AX25 +NETROM +X25 +ATALK +ECONET +ROSE -BLUETOOTH\n";

/// The names a program in `/usr/sbin` has on a merged-`/usr` Ubuntu.
macro_rules! usr_sbin {
    ($name:literal) => {
        &[
            $name,
            concat!("/usr/sbin/", $name),
            concat!("/sbin/", $name),
        ]
    };
}

/// `arp`.
pub struct Arp;

impl Command for Arp {
    fn names(&self) -> &'static [&'static str] {
        usr_sbin!("arp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut bsd, mut numeric, mut delete, mut set) = (false, false, false, false);
        let mut hosts = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            let flags: Vec<char> = match arg.as_str() {
                "--help" => vec!['h'],
                "--version" => vec!['V'],
                "--numeric" => vec!['n'],
                "--verbose" => vec!['v'],
                "--delete" => vec!['d'],
                "--set" => vec!['s'],
                "--all" => vec!['a'],
                a if a.starts_with("--") => {
                    cx.err(format!("arp: unrecognized option '{a}'\n"));
                    cx.out(ARP_USAGE);
                    cx.err(ARP_HW_TYPES);
                    return 3;
                }
                a if a.len() > 1 && a.starts_with('-') => a.chars().skip(1).collect(),
                _ => {
                    hosts.push(arg.clone());
                    continue;
                }
            };
            for c in flags {
                match c {
                    'a' => bsd = true,
                    'e' => bsd = false,
                    'n' => numeric = true,
                    'd' => delete = true,
                    's' => set = true,
                    'v' | 'D' => {}
                    'i' | 'H' | 't' | 'A' | 'p' | 'f' => {
                        args.next();
                    }
                    'h' => {
                        cx.out(ARP_USAGE);
                        cx.err(ARP_HW_TYPES);
                        return 0;
                    }
                    'V' => {
                        cx.out(format!(
                            "net-tools 2.10\n+I18N +SELINUX\n{FAMILIES_BUILT}HW: (ether) +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64 \n"
                        ));
                        return 0;
                    }
                    c => {
                        cx.err(format!("arp: invalid option -- '{c}'\n"));
                        cx.out(ARP_USAGE);
                        cx.err(ARP_HW_TYPES);
                        return 3;
                    }
                }
            }
        }
        if delete || set {
            if !cx.fs.cred().is_root() {
                let call = if delete {
                    "SIOCDARP(dontpub)"
                } else {
                    "SIOCSARP"
                };
                cx.err(format!("{call}: Operation not permitted\n"));
                return 255;
            }
            return 0;
        }
        let net = &cx.host.network;
        let gateway = net.gateway;
        if let Some(wanted) = hosts.first() {
            let resolved = super::ping::resolve(cx, wanted);
            let Some(std::net::IpAddr::V4(ip)) = resolved else {
                cx.err(format!("{wanted}: Unknown host\n"));
                return 255;
            };
            if ip != gateway {
                cx.out("arp: in 1 entries no match found.\n");
                return 0;
            }
        }
        let mac = super::net::gateway_mac(cx.host);
        let text = if bsd {
            let name = if numeric { "?" } else { "_gateway" };
            format!("{name} ({gateway}) at {mac} [ether] on {}\n", net.iface)
        } else {
            let name = if numeric {
                gateway.to_string()
            } else {
                "_gateway".to_owned()
            };
            format!(
                "Address                  HWtype  HWaddress           Flags Mask            Iface\n\
                 {name:<23.23}  {:<8.8}{mac:<20.20}{:<6.6}{:<15.15} {}\n",
                "ether", "C", "", net.iface
            )
        };
        cx.out(text);
        0
    }
}

/// `route`.
pub struct Route;

impl Command for Route {
    fn names(&self) -> &'static [&'static str] {
        usr_sbin!("route")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut numeric, mut extend) = (false, 0u8);
        let mut operands = Vec::new();
        for arg in argv.iter().skip(1) {
            let flags: Vec<char> = match arg.as_str() {
                "--help" => vec!['h'],
                "--version" => vec!['V'],
                "--numeric" => vec!['n'],
                "--extend" => vec!['e'],
                "--verbose" => vec!['v'],
                "--fib" => vec!['F'],
                "--cache" => vec!['C'],
                "--inet" => vec!['4'],
                a if a.starts_with("--") => {
                    cx.err(format!("route: unrecognized option '{a}'\n"));
                    cx.out(ROUTE_USAGE);
                    cx.err(ROUTE_FAMILIES);
                    return 0;
                }
                a if a.len() > 1 && a.starts_with('-') => a.chars().skip(1).collect(),
                _ => {
                    operands.push(arg.clone());
                    continue;
                }
            };
            for c in flags {
                match c {
                    'n' | 'N' => numeric = true,
                    'e' => extend = extend.saturating_add(1),
                    'v' | 'F' | 'C' | '4' => {}
                    'h' => {
                        cx.out(ROUTE_USAGE);
                        cx.err(ROUTE_FAMILIES);
                        return 0;
                    }
                    'V' => {
                        cx.out(format!(
                            "net-tools 2.10\n+NEW_ADDRT +RTF_IRTT +RTF_REJECT +I18N +SELINUX\n{FAMILIES_BUILT}HW:  +ETHER +ARC +SLIP +PPP +TUNNEL -TR +AX25 +NETROM +X25 +FR +ROSE +ASH +SIT +FDDI +HIPPI +HDLC/LAPB +EUI64 \n"
                        ));
                        return 0;
                    }
                    c => {
                        cx.err(format!("route: invalid option -- '{c}'\n"));
                        cx.out(ROUTE_USAGE);
                        cx.err(ROUTE_FAMILIES);
                        return 0;
                    }
                }
            }
        }
        if let Some(action) = operands.first() {
            return modify(cx, action, &operands[1..]);
        }
        cx.out(table(cx.host, numeric, extend > 0));
        0
    }
}

/// `route add|del|flush …`: only root may; the fake table does not change.
fn modify(cx: &mut CommandCtx<'_>, action: &str, rest: &[String]) -> i32 {
    let call = match action {
        "add" => "SIOCADDRT",
        "del" | "delete" => "SIOCDELRT",
        "flush" => return 0,
        _ => {
            cx.out(ROUTE_USAGE);
            cx.err(ROUTE_FAMILIES);
            return 4;
        }
    };
    // The target (after an optional -net/-host) must be an address or a known name.
    let target = rest
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str)
        .unwrap_or("");
    if target.is_empty() {
        cx.out(ROUTE_USAGE);
        cx.err(ROUTE_FAMILIES);
        return 4;
    }
    if target != "default" && super::ping::resolve(cx, target).is_none() {
        cx.err(format!("{target}: Unknown host\n"));
        return 6;
    }
    if !cx.fs.cred().is_root() {
        cx.err(format!("{call}: Operation not permitted\n"));
        return 7;
    }
    0
}

/// The kernel routing table as `route` prints it (`-e`: the `netstat -r` columns).
fn table(host: &HostProfile, numeric: bool, extend: bool) -> String {
    let n = &host.network;
    let mut out = String::from("Kernel IP routing table\n");
    out.push_str(if extend {
        "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n"
    } else {
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
    });
    for r in routes(host) {
        let mask = Ipv4Addr::from(if r.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(r.prefix.min(32)))
        });
        let dest = if !numeric && r.prefix == 0 {
            "default".to_owned()
        } else if !numeric && r.dest == n.gateway {
            "_gateway".to_owned()
        } else {
            r.dest.to_string()
        };
        let gateway = match r.via {
            Some(via) if !numeric && via == n.gateway => "_gateway".to_owned(),
            Some(via) => via.to_string(),
            None => "0.0.0.0".to_owned(),
        };
        let flags = format!(
            "U{}{}",
            if r.via.is_some() { "G" } else { "" },
            if r.prefix == 32 { "H" } else { "" }
        );
        let mask = mask.to_string();
        if extend {
            out.push_str(&format!(
                "{dest:<15} {gateway:<15} {mask:<15} {flags:<5} {:5} {:<5} {:6} {}\n",
                0, 0, 0, n.iface
            ));
        } else {
            out.push_str(&format!(
                "{dest:<15} {gateway:<15} {mask:<15} {flags:<5} {:<6} {:<2} {:7} {}\n",
                r.metric, 0, 0, n.iface
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;
