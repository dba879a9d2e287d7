//! The machine's network: loopback plus one primary NIC, as the platform configures it.
//!
//! `ip addr`, `ifconfig`, `hostname -I`, `/etc/hosts`, `ip route`, `/proc/net/route`, `ss` and
//! `netstat` all read this, so they agree. Cloud NICs get their address by DHCP (so `ip addr`
//! shows `dynamic` and a lease counting down); ISO installs use netplan's static addresses.

use std::net::{Ipv4Addr, Ipv6Addr};

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::platform::Platform;

/// The primary interface and how it is configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Interface name: `ens5`, `eth0`, `ens4`, `ens160`…
    pub iface: String,
    /// The alternative (path-based) name systemd 249+ gives predictable names, e.g. `enp0s5`.
    pub altname: Option<String>,
    /// MAC address, lower-case with colons, in the provider's range.
    pub mac: String,
    /// IPv4 address.
    pub ipv4: Ipv4Addr,
    /// Prefix length.
    pub prefix: u8,
    /// Default gateway.
    pub gateway: Ipv4Addr,
    /// The DNS server the DHCP lease names, when it lies outside the subnet (EC2's VPC
    /// resolver): systemd-networkd adds a route to it.
    pub dns_route: Option<Ipv4Addr>,
    /// MTU.
    pub mtu: u32,
    /// DHCP lease length in seconds (`None`: static address).
    pub dhcp_lease: Option<u32>,
    /// The root queueing discipline (`mq` on multi-queue NICs, `fq_codel` otherwise).
    pub qdisc: String,
    /// Average bytes per second received, for interface counters.
    pub rx_rate: u32,
    /// Average bytes per second sent.
    pub tx_rate: u32,
}

/// Traffic counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
}

impl Network {
    /// The subnet mask.
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(mask(self.prefix))
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.ipv4) & mask(self.prefix))
    }

    /// The broadcast address (`None` for a /32, which has none).
    pub fn broadcast(&self) -> Option<Ipv4Addr> {
        (self.prefix < 32).then(|| Ipv4Addr::from(u32::from(self.ipv4) | !mask(self.prefix)))
    }

    /// The IPv6 link-local address derived from the MAC (EUI-64).
    pub fn ipv6_link_local(&self) -> Ipv6Addr {
        let b = mac_bytes(&self.mac);
        let seg = |hi: u8, lo: u8| (u16::from(hi) << 8) | u16::from(lo);
        Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            seg(b[0] ^ 0x02, b[1]),
            seg(b[2], 0xff),
            seg(0xfe, b[3]),
            seg(b[4], b[5]),
        )
    }

    /// Seconds left on the DHCP lease after `uptime` seconds (renewed at half-time).
    pub fn lease_left(&self, uptime: u64) -> Option<u64> {
        self.dhcp_lease.map(|lease| {
            let lease = u64::from(lease.max(2));
            lease - uptime % (lease / 2)
        })
    }

    /// The NIC's counters after `uptime` seconds.
    pub fn counters(&self, uptime: u64) -> Counters {
        let rx_bytes = uptime * u64::from(self.rx_rate) + 1_234_567 + uptime % 4_093;
        let tx_bytes = uptime * u64::from(self.tx_rate) + 345_678 + uptime % 2_039;
        Counters {
            rx_bytes,
            rx_packets: rx_bytes / 612 + 1_321,
            tx_bytes,
            tx_packets: tx_bytes / 251 + 977,
        }
    }

    /// Counters of `lo` after `uptime` seconds (resolver and local daemons chatting).
    pub fn loopback_counters(&self, uptime: u64) -> Counters {
        let bytes = uptime * 11 + 84_312;
        let packets = bytes / 96 + 212;
        Counters {
            rx_bytes: bytes,
            rx_packets: packets,
            tx_bytes: bytes,
            tx_packets: packets,
        }
    }
}

fn mask(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p if p >= 32 => u32::MAX,
        p => u32::MAX << (32 - u32::from(p)),
    }
}

/// The six bytes of a `aa:bb:…` MAC (zeros where it does not parse).
pub fn mac_bytes(mac: &str) -> [u8; 6] {
    let mut out = [0u8; 6];
    for (slot, part) in out.iter_mut().zip(mac.split(':')) {
        *slot = u8::from_str_radix(part, 16).unwrap_or(0);
    }
    out
}

fn random_mac(rng: &mut StdRng, prefix: &[u8]) -> String {
    let mut bytes = [0u8; 6];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = prefix.get(i).copied().unwrap_or_else(|| rng.r#gen());
    }
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The address `a.b.c.d`, or, failing that, one drawn from `pick`.
fn subnet_for(address: [u8; 4], prefix: u8) -> (Ipv4Addr, u8, Ipv4Addr) {
    let ip = Ipv4Addr::from(address);
    let mut prefix = prefix;
    loop {
        let gateway = Ipv4Addr::from((u32::from(ip) & mask(prefix)) + 1);
        if gateway != ip || prefix <= 8 {
            return (ip, prefix, gateway);
        }
        prefix -= 4;
    }
}

/// The network of a `platform` host; `address` is the one its hostname spells, if any.
pub(super) fn generate_network(
    rng: &mut StdRng,
    platform: Platform,
    address: Option<[u8; 4]>,
    predictable_altnames: bool,
) -> Network {
    let host_octet = |rng: &mut StdRng| rng.gen_range(4..250u8);
    let (iface, mac, ip, prefix, gateway, dns_route, mtu, lease, qdisc) = match platform {
        Platform::Aws | Platform::AwsXen => {
            let address = address.unwrap_or_else(|| {
                if rng.gen_bool(0.6) {
                    [172, 31, rng.gen_range(0..96), host_octet(rng)]
                } else {
                    [
                        10,
                        rng.gen_range(0..=255),
                        rng.gen_range(0..=255),
                        host_octet(rng),
                    ]
                }
            });
            // The default VPC is 172.31/16 cut into /20s; custom VPCs mostly use /24s.
            let wanted = if address[0] == 172 { 20 } else { 24 };
            let (ip, prefix, gateway) = subnet_for(address, wanted);
            let vpc = if address[0] == 172 {
                Ipv4Addr::new(172, 31, 0, 2)
            } else {
                Ipv4Addr::new(address[0], address[1], 0, 2)
            };
            let dns =
                (u32::from(vpc) & mask(prefix) != u32::from(ip) & mask(prefix)).then_some(vpc);
            let xen = platform == Platform::AwsXen;
            let first = if rng.gen_bool(0.5) { 0x0a } else { 0x06 };
            (
                if xen { "eth0" } else { "ens5" },
                random_mac(rng, &[first]),
                ip,
                prefix,
                gateway,
                dns,
                9001,
                Some(3600),
                if xen { "fq_codel" } else { "mq" },
            )
        }
        Platform::Gcp => {
            let region = [128, 132, 138, 142, 150, 154, 156, 164, 166, 170][rng.gen_range(0..10)];
            let ip = Ipv4Addr::new(10, region, 0, rng.gen_range(2..60));
            let o = ip.octets();
            let mac = format!("42:01:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3]);
            (
                "ens4",
                mac,
                ip,
                32,
                Ipv4Addr::new(10, region, 0, 1),
                None,
                1460,
                Some(3600),
                "mq",
            )
        }
        Platform::Azure => {
            let oui: &[u8] = [
                &[0x00, 0x0d, 0x3a][..],
                &[0x00, 0x22, 0x48],
                &[0x60, 0x45, 0xbd],
            ][rng.gen_range(0..3)];
            (
                "eth0",
                random_mac(rng, oui),
                Ipv4Addr::new(10, 0, 0, rng.gen_range(4..40)),
                24,
                Ipv4Addr::new(10, 0, 0, 1),
                None,
                1500,
                Some(86_400 * 100),
                "mq",
            )
        }
        Platform::DigitalOcean => {
            let net = rng.gen_range(52..68u8) * 2;
            let first = [0x2e, 0x4a, 0x5e, 0x6a, 0x9e, 0xae, 0xd2, 0xf2][rng.gen_range(0..8)];
            (
                "eth0",
                random_mac(rng, &[first]),
                Ipv4Addr::new(10, net, 0, rng.gen_range(2..30)),
                20,
                Ipv4Addr::new(10, net, 0, 1),
                None,
                1500,
                None,
                "fq_codel",
            )
        }
        Platform::Hetzner => (
            "eth0",
            {
                let third = rng.gen_range(0..4);
                random_mac(rng, &[0x96, 0x00, third])
            },
            Ipv4Addr::new(10, 0, 0, rng.gen_range(2..20)),
            32,
            Ipv4Addr::new(10, 0, 0, 1),
            None,
            1450,
            Some(86_400),
            "fq_codel",
        ),
        Platform::Vmware | Platform::Kvm => {
            let address = match rng.gen_range(0..3) {
                0 => [
                    10,
                    rng.gen_range(0..=255),
                    rng.gen_range(0..=255),
                    host_octet(rng),
                ],
                1 => [
                    172,
                    rng.gen_range(16..32),
                    rng.gen_range(0..=255),
                    host_octet(rng),
                ],
                _ => [192, 168, rng.gen_range(0..=255), host_octet(rng)],
            };
            let (ip, prefix, gateway) = subnet_for(address, 24);
            let vmware = platform == Platform::Vmware;
            let (iface, oui): (&str, &[u8]) = if vmware {
                (
                    ["ens160", "ens192", "ens33"][rng.gen_range(0..3)],
                    &[0x00, 0x50, 0x56],
                )
            } else {
                (
                    ["ens18", "ens3"][rng.gen_range(0..2)],
                    if rng.gen_bool(0.5) {
                        &[0xbc, 0x24, 0x11]
                    } else {
                        &[0x52, 0x54, 0x00]
                    },
                )
            };
            (
                iface,
                random_mac(rng, oui),
                ip,
                prefix,
                gateway,
                None,
                1500,
                None,
                if vmware { "mq" } else { "fq_codel" },
            )
        }
    };
    let altname = if predictable_altnames {
        altname_for(iface)
    } else {
        None
    };
    Network {
        iface: iface.to_owned(),
        altname,
        mac,
        ipv4: ip,
        prefix,
        gateway,
        dns_route,
        mtu,
        dhcp_lease: lease,
        qdisc: qdisc.to_owned(),
        rx_rate: rng.gen_range(300..4_000),
        tx_rate: rng.gen_range(150..2_500),
    }
}

/// The path-based name udev gives a slot-named NIC (`ens5` sits at PCI 00:05.0).
fn altname_for(iface: &str) -> Option<String> {
    match iface {
        "ens160" => Some("enp3s0".to_owned()),
        "ens192" => Some("enp11s0".to_owned()),
        "ens33" => Some("enp2s1".to_owned()),
        _ => {
            let slot: u32 = iface.strip_prefix("ens")?.parse().ok()?;
            Some(format!("enp0s{slot}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn addresses_fit_their_subnets() {
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            for platform in [
                Platform::Aws,
                Platform::AwsXen,
                Platform::Gcp,
                Platform::Azure,
                Platform::DigitalOcean,
                Platform::Hetzner,
                Platform::Vmware,
                Platform::Kvm,
            ] {
                let n = generate_network(&mut rng, platform, None, true);
                assert_ne!(n.ipv4, n.gateway, "{n:?}");
                if n.prefix < 32 {
                    assert_eq!(
                        u32::from(n.gateway) & mask(n.prefix),
                        u32::from(n.network()),
                        "{n:?}"
                    );
                }
                assert!(n.ipv4.is_private(), "{n:?}");
            }
        }
        let mut rng = StdRng::seed_from_u64(1);
        let n = generate_network(&mut rng, Platform::Aws, Some([172, 31, 20, 7]), true);
        assert_eq!((n.ipv4, n.prefix), (Ipv4Addr::new(172, 31, 20, 7), 20));
        assert_eq!(n.gateway, Ipv4Addr::new(172, 31, 16, 1));
        assert_eq!(n.broadcast(), Some(Ipv4Addr::new(172, 31, 31, 255)));
        assert_eq!(n.dns_route, Some(Ipv4Addr::new(172, 31, 0, 2)));
        assert_eq!(n.altname.as_deref(), Some("enp0s5"));
    }

    #[test]
    fn link_local_is_eui64() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut n = generate_network(&mut rng, Platform::Aws, None, false);
        n.mac = "0a:1b:2c:3d:4e:5f".to_owned();
        assert_eq!(n.ipv6_link_local().to_string(), "fe80::81b:2cff:fe3d:4e5f");
        n.mac = "42:01:0a:80:00:02".to_owned();
        assert_eq!(n.ipv6_link_local().to_string(), "fe80::4001:aff:fe80:2");
    }
}
