//! `ping` (iputils 20211215). No packet is sent: replies are made up from a seed of the
//! destination, so the same host always answers with the same TTL and similar times, the
//! loopback and the gateway answer fast, and a few public addresses never answer. Without
//! `-c` it stops after [`DEFAULT_COUNT`] replies, as if the user pressed Ctrl-C.
//!
//! Names resolve through `/etc/hosts` first, then like `wget`'s resolver (see
//! [`resolve`]), so `ping`, `nc`, `telnet` and `wget` agree on every address.

use std::net::{IpAddr, Ipv4Addr};

use super::fetch::{Url, digest};
use super::{Command, CommandCtx, usr_bin};

/// How many echo requests a `ping` without `-c` sends before its made-up Ctrl-C.
const DEFAULT_COUNT: u64 = 4;
/// The most `-c` may ask for: the shell's clock does not wait, so this bounds the output.
const MAX_COUNT: u64 = 1_000;

/// `ping`'s usage text (on standard error, status 2).
const USAGE: &str = "
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
";

/// Options that take an argument.
const WITH_ARG: &str = "ciIlmMpQsStTwWFN";
/// Options that take none.
const FLAGS: &str = "aABDdfhLnOqRrUvV46b";

/// The address `name` resolves to on the fake host: an address literal, a name in the
/// session's `/etc/hosts`, the host's own name or `_gateway` (systemd-resolved), or what
/// the fake resolver `wget` uses gives it.
pub(crate) fn resolve(cx: &CommandCtx<'_>, name: &str) -> Option<IpAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(hosts) = cx.fs.read("/etc/hosts") {
        let text = String::from_utf8_lossy(&hosts);
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let Some(Ok(ip)) = fields.next().map(str::parse::<IpAddr>) else {
                continue;
            };
            if ip.is_ipv4() && fields.any(|alias| alias.eq_ignore_ascii_case(name)) {
                return Some(ip);
            }
        }
    }
    // systemd-resolved answers for the machine's own name and for `_gateway`.
    if name.eq_ignore_ascii_case(&cx.host.hostname) {
        return Some(IpAddr::V4(cx.host.network.ipv4));
    }
    if name.eq_ignore_ascii_case("_gateway") {
        return Some(IpAddr::V4(cx.host.network.gateway));
    }
    Url::parse(&format!("http://{name}/"))
        .and_then(|url| url.address())
        .and_then(|ip| ip.parse().ok())
}

/// The name a reverse lookup finds for `ip`: `/etc/hosts`, then systemd-resolved's own
/// names for the host and its gateway.
fn reverse(cx: &CommandCtx<'_>, ip: IpAddr) -> Option<String> {
    let hosts = cx.fs.read("/etc/hosts").unwrap_or_default();
    let text = String::from_utf8_lossy(&hosts);
    let listed = text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        (fields.next()?.parse::<IpAddr>().ok()? == ip).then(|| fields.next().map(str::to_owned))?
    });
    listed.or_else(|| {
        let net = &cx.host.network;
        if ip == IpAddr::V4(net.ipv4) {
            Some(cx.host.hostname.clone())
        } else if ip == IpAddr::V4(net.gateway) {
            Some("_gateway".to_owned())
        } else {
            None
        }
    })
}

/// A deterministic stream of numbers for one destination.
struct Seeded(u64);

impl Seeded {
    fn new(seed: &[u8]) -> Seeded {
        let d = digest(seed);
        Seeded(u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]) | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic jitter, not cryptography.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// How a destination answers: its TTL and base round trip in microseconds, or silence.
struct Path {
    ttl: u32,
    base_us: u64,
    answers: bool,
}

/// How `ip` answers from this host.
fn path(cx: &CommandCtx<'_>, ip: Ipv4Addr, rng: &mut Seeded) -> Path {
    let net = &cx.host.network;
    if ip.is_loopback() || ip == net.ipv4 {
        return Path {
            ttl: 64,
            base_us: 20 + rng.next() % 40,
            answers: true,
        };
    }
    let local = u32::from(ip) & u32::from(net.netmask()) == u32::from(net.network());
    if ip == net.gateway || local {
        return Path {
            ttl: if ip == net.gateway { 64 } else { 63 },
            base_us: 150 + rng.next() % 500,
            answers: ip == net.gateway || rng.next().is_multiple_of(3),
        };
    }
    if ip.is_private() || ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
        return Path {
            ttl: 0,
            base_us: 0,
            answers: false,
        };
    }
    let initial = [64, 64, 128, 255][(rng.next() % 4) as usize];
    Path {
        ttl: initial - 4 - (rng.next() % 16) as u32,
        base_us: 1_500 + rng.next() % 160_000,
        answers: !rng.next().is_multiple_of(8),
    }
}

/// iputils' round-trip format: three significant digits from microseconds.
fn rtt_text(us: u64) -> String {
    if us >= 100_000 - 50 {
        format!("{}", (us + 500) / 1000)
    } else if us >= 10_000 - 5 {
        format!("{}.{}", (us + 50) / 1000, ((us + 50) % 1000) / 100)
    } else if us >= 1000 {
        format!("{}.{:02}", (us + 5) / 1000, ((us + 5) % 1000) / 10)
    } else {
        format!("{}.{:03}", us / 1000, us % 1000)
    }
}

/// Microseconds as `%ld.%03ld` milliseconds.
fn ms3(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// The integer square root, as iputils' `llsqrt`.
fn isqrt(n: u128) -> u64 {
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// `ping`.
pub struct Ping;

impl Command for Ping {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ping")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut count: Option<u64> = None;
        let mut deadline: Option<u64> = None;
        let mut interval_ms: u64 = 1000;
        let mut size: u64 = 56;
        let (mut quiet, mut numeric, mut v6) = (false, false, false);
        let mut target: Option<String> = None;
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if arg.len() < 2 || !arg.starts_with('-') {
                // ping takes the last operand as the destination.
                target = Some(arg.clone());
                continue;
            }
            let letters: Vec<char> = arg.chars().skip(1).collect();
            for (i, &c) in letters.iter().enumerate() {
                if WITH_ARG.contains(c) {
                    let tail: String = letters[i + 1..].iter().collect();
                    let value = if tail.is_empty() {
                        match args.next() {
                            Some(v) => v.clone(),
                            None => {
                                cx.err(format!(
                                    "ping: option requires an argument -- '{c}'\n{USAGE}"
                                ));
                                return 2;
                            }
                        }
                    } else {
                        tail
                    };
                    let number = value.parse::<u64>();
                    match c {
                        'c' | 'w' | 's' => match number {
                            Ok(n) if n > 0 || c == 's' => match c {
                                'c' => count = Some(n.min(MAX_COUNT)),
                                'w' => deadline = Some(n.min(MAX_COUNT)),
                                _ => size = n.min(65_507),
                            },
                            Ok(_) => {
                                cx.err(format!(
                                    "ping: invalid argument: '{value}': Numerical result out of range\n"
                                ));
                                return 1;
                            }
                            Err(_) => {
                                cx.err(format!("ping: invalid argument: '{value}'\n"));
                                return 1;
                            }
                        },
                        'i' => match value.parse::<f64>() {
                            Ok(s) if s.is_finite() && s >= 0.0 => {
                                interval_ms = ((s * 1000.0) as u64).clamp(2, 3_600_000);
                            }
                            _ => {
                                cx.err(format!("ping: bad timing interval: {value}\n"));
                                return 1;
                            }
                        },
                        _ => {}
                    }
                    break;
                }
                match c {
                    'h' => {
                        cx.err(USAGE);
                        return 2;
                    }
                    'V' => {
                        cx.out("ping from iputils 20211215\n");
                        return 0;
                    }
                    'q' => quiet = true,
                    'n' => numeric = true,
                    '6' => v6 = true,
                    '4' => v6 = false,
                    c if FLAGS.contains(c) => {}
                    c => {
                        cx.err(format!("ping: invalid option -- '{c}'\n{USAGE}"));
                        return 2;
                    }
                }
            }
        }
        let Some(target) = target else {
            cx.err(USAGE);
            return 2;
        };
        let Some(ip) = resolve(cx, &target) else {
            cx.err(format!("ping: {target}: Name or service not known\n"));
            return 2;
        };
        let ip = match ip {
            IpAddr::V4(ip) if !v6 => ip,
            IpAddr::V6(ip6) if ip6.is_loopback() => {
                return ping6_loopback(cx, &target, count, quiet);
            }
            _ => {
                cx.err("ping: connect: Network is unreachable\n");
                return 2;
            }
        };
        let mut rng = Seeded::new(ip.to_string().as_bytes());
        let route = path(cx, ip, &mut rng);
        let literal = target.parse::<IpAddr>().is_ok();
        let from = if numeric || literal {
            ip.to_string()
        } else {
            let name = reverse(cx, IpAddr::V4(ip)).unwrap_or_else(|| ip.to_string());
            format!("{name} ({ip})")
        };
        let sent = count.or(deadline).unwrap_or(DEFAULT_COUNT);
        let mut text = format!(
            "PING {target} ({ip}) {size}({}) bytes of data.\n",
            size + 28
        );
        let mut rtts = Vec::new();
        for seq in 1..=sent {
            if !route.answers {
                continue;
            }
            // The first reply pays for the ARP or route lookup.
            let jitter = rng.next() % (route.base_us / 10 + 20);
            let first = if seq == 1 { route.base_us / 8 } else { 0 };
            let us = route.base_us + jitter + first;
            rtts.push(us);
            if !quiet {
                let bytes = size + 8;
                let time = if size >= 16 {
                    format!(" time={} ms", rtt_text(us))
                } else {
                    String::new()
                };
                text.push_str(&format!(
                    "{bytes} bytes from {from}: icmp_seq={seq} ttl={}{time}\n",
                    route.ttl
                ));
            }
        }
        if count.is_none() && deadline.is_none() && cx.terminal().is_some() {
            // The user's Ctrl-C, as the terminal echoes it.
            text.push_str("^C");
        }
        let received = rtts.len() as u64;
        let elapsed = (sent - 1) * interval_ms + (rng.next() % (sent + 3)) + 2 * (sent - 1);
        let elapsed = if received == 0 && count.is_some() {
            elapsed + 10 + rng.next() % 60
        } else {
            elapsed
        };
        let loss = (sent - received) as f64 * 100.0 / sent as f64;
        text.push_str(&format!(
            "\n--- {target} ping statistics ---\n{sent} packets transmitted, {received} received, {}% packet loss, time {elapsed}ms\n",
            percent(loss)
        ));
        if received > 0 && size >= 16 {
            let sum: u64 = rtts.iter().sum();
            let sum2: u128 = rtts.iter().map(|&r| u128::from(r) * u128::from(r)).sum();
            let avg = sum / received;
            let mdev = isqrt((sum2 / u128::from(received)).saturating_sub(u128::from(avg).pow(2)));
            let min = rtts.iter().copied().min().unwrap_or(0);
            let max = rtts.iter().copied().max().unwrap_or(0);
            text.push_str(&format!(
                "rtt min/avg/max/mdev = {}/{}/{}/{} ms\n",
                ms3(min),
                ms3(avg),
                ms3(max),
                ms3(mdev)
            ));
        } else {
            text.push('\n');
        }
        cx.out(text);
        if received > 0 { 0 } else { 1 }
    }
}

/// `%g` of a loss percentage.
fn percent(loss: f64) -> String {
    if loss.fract() == 0.0 {
        format!("{}", loss as u64)
    } else {
        // %g keeps six significant digits.
        let digits = 6 - (loss.abs().log10().floor() as i32 + 1);
        let text = format!("{loss:.*}", digits.max(0) as usize);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// `ping ::1` (or `ping -6 localhost`): the one IPv6 destination this host reaches.
fn ping6_loopback(cx: &mut CommandCtx<'_>, target: &str, count: Option<u64>, quiet: bool) -> i32 {
    let sent = count.unwrap_or(DEFAULT_COUNT);
    let mut rng = Seeded::new(b"::1");
    let mut text = format!("PING {target}(::1) 56 data bytes\n");
    let mut rtts = Vec::new();
    for seq in 1..=sent {
        let us = 15 + rng.next() % 40;
        rtts.push(us);
        if !quiet {
            text.push_str(&format!(
                "64 bytes from ::1: icmp_seq={seq} ttl=64 time={} ms\n",
                rtt_text(us)
            ));
        }
    }
    if count.is_none() && cx.terminal().is_some() {
        text.push_str("^C");
    }
    let sum: u64 = rtts.iter().sum();
    let sum2: u128 = rtts.iter().map(|&r| u128::from(r).pow(2)).sum();
    let avg = sum / sent;
    let mdev = isqrt((sum2 / u128::from(sent)).saturating_sub(u128::from(avg).pow(2)));
    text.push_str(&format!(
        "\n--- {target} ping statistics ---\n{sent} packets transmitted, {sent} received, 0% packet loss, time {}ms\n\
         rtt min/avg/max/mdev = {}/{}/{}/{} ms\n",
        (sent - 1) * 1000 + sent,
        ms3(rtts.iter().copied().min().unwrap_or(0)),
        ms3(avg),
        ms3(rtts.iter().copied().max().unwrap_or(0)),
        ms3(mdev)
    ));
    cx.out(text);
    0
}

#[cfg(test)]
mod tests;
