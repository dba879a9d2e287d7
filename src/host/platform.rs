//! Where the fake machine runs: the cloud or hypervisor, and the instance size it rents.
//!
//! The platform decides the facts that cloud images differ on, so they come as a set: an EC2
//! Nitro instance has an `ens5` NIC with MTU 9001 on a 172.31/16 VPC, an NVMe root disk that
//! `df` shows as `/dev/root`, and a Xeon Platinum; a DigitalOcean droplet has `eth0` and
//! `/dev/vda1`; an ESXi guest installed from the server ISO has `ens160` and an LVM root.
//! Hostnames that name a provider (`ip-10-0-3-17`, `ubuntu-s-2vcpu-4gb-fra1-01`,
//! `ubuntu-4gb-nbg1-1`) fix the platform, the address and the size they spell out.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// The cloud or hypervisor the machine runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// EC2 on Nitro (KVM): `ens5`, NVMe.
    Aws,
    /// EC2 on Xen (t2 and older): `eth0`, `xvda`.
    AwsXen,
    /// Google Compute Engine: `ens4`, `sda`, MTU 1460, /32 addresses.
    Gcp,
    /// Azure (Hyper-V): `eth0`, `sda`, a temporary disk on `/mnt`.
    Azure,
    /// DigitalOcean droplet: `eth0`, `vda`.
    DigitalOcean,
    /// Hetzner Cloud: `eth0`, `sda`.
    Hetzner,
    /// On-premises VMware ESXi, installed from the server ISO (LVM, swap file).
    Vmware,
    /// On-premises KVM (Proxmox, libvirt), installed from the server ISO.
    Kvm,
}

impl Platform {
    /// Whether this is an image a cloud provider built (cloud-init, no swap, `/dev/root`…)
    /// rather than an install from the ISO.
    pub fn is_cloud(self) -> bool {
        !matches!(self, Platform::Vmware | Platform::Kvm)
    }
}

/// What a hostname says about the machine.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct HostnameHints {
    /// The platform the name style belongs to.
    pub platform: Option<Platform>,
    /// The private address an EC2-style name spells.
    pub address: Option<[u8; 4]>,
    /// vCPUs and GiB a droplet or Hetzner name spells.
    pub shape: Option<(u32, u32)>,
}

/// Reads the provider defaults out of a hostname.
pub(super) fn hints(hostname: &str) -> HostnameHints {
    let short = hostname.split('.').next().unwrap_or(hostname);
    let mut hints = HostnameHints::default();
    if let Some(rest) = short.strip_prefix("ip-") {
        let octets: Vec<u8> = rest.split('-').filter_map(|p| p.parse().ok()).collect();
        if let [a, b, c, d] = octets[..] {
            hints.platform = Some(Platform::Aws);
            hints.address = Some([a, b, c, d]);
        }
    } else if let Some(rest) = short.strip_prefix("ubuntu-s-") {
        // ubuntu-s-2vcpu-4gb-fra1-01
        let mut parts = rest.split('-');
        let vcpus = parts
            .next()
            .and_then(|p| p.strip_suffix("vcpu")?.parse().ok());
        let gib = parts
            .next()
            .and_then(|p| p.strip_suffix("gb")?.parse().ok());
        if let (Some(vcpus), Some(gib)) = (vcpus, gib) {
            hints.platform = Some(Platform::DigitalOcean);
            hints.shape = Some((vcpus, gib));
        }
    } else if let Some(rest) = short.strip_prefix("ubuntu-") {
        // ubuntu-4gb-nbg1-1: Hetzner's CX line (1 vCPU per 2 GB up to 2, then 4).
        let gib: Option<u32> = rest
            .split('-')
            .next()
            .and_then(|p| p.strip_suffix("gb")?.parse().ok());
        if let Some(gib) = gib {
            let vcpus = match gib {
                0..=2 => 1,
                3..=8 => 2,
                _ => 4,
            };
            hints.platform = Some(Platform::Hetzner);
            hints.shape = Some((vcpus, gib));
        }
    }
    hints
}

/// A platform for a hand-named host, weighted by how common each is among exposed servers.
pub(super) fn pick_platform(rng: &mut StdRng) -> Platform {
    const WEIGHTED: &[(Platform, u32)] = &[
        (Platform::Aws, 30),
        (Platform::AwsXen, 4),
        (Platform::Gcp, 10),
        (Platform::Azure, 10),
        (Platform::DigitalOcean, 14),
        (Platform::Hetzner, 10),
        (Platform::Vmware, 12),
        (Platform::Kvm, 10),
    ];
    let total: u32 = WEIGHTED.iter().map(|(_, w)| w).sum();
    let mut ticket = rng.gen_range(0..total);
    for (platform, weight) in WEIGHTED {
        if ticket < *weight {
            return *platform;
        }
        ticket -= weight;
    }
    Platform::Aws
}

/// vCPUs and GiB of a common instance type on `platform`.
pub(super) fn pick_shape(rng: &mut StdRng, platform: Platform) -> (u32, u32) {
    let shapes: &[(u32, u32)] = match platform {
        // t3.micro/small/medium/large, m5.large/xlarge, c5.large/xlarge
        Platform::Aws => &[
            (2, 1),
            (2, 2),
            (2, 4),
            (2, 4),
            (2, 8),
            (2, 8),
            (4, 16),
            (2, 4),
            (4, 8),
        ],
        // t2.micro/small/medium
        Platform::AwsXen => &[(1, 1), (1, 2), (2, 4)],
        // e2-small/medium, e2-standard-2/4
        Platform::Gcp => &[(2, 2), (2, 4), (2, 8), (4, 16)],
        // B1s, B2s, D2s_v3, D4s_v3
        Platform::Azure => &[(1, 1), (2, 4), (2, 8), (4, 16)],
        Platform::DigitalOcean => &[(1, 1), (1, 2), (2, 2), (2, 4), (4, 8)],
        Platform::Hetzner => &[(1, 2), (2, 4), (2, 8), (4, 16)],
        Platform::Vmware | Platform::Kvm => &[(2, 4), (2, 4), (4, 8), (4, 8), (8, 16), (2, 2)],
    };
    shapes[rng.gen_range(0..shapes.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_hostnames_give_hints() {
        let h = hints("ip-172-31-20-7");
        assert_eq!(h.platform, Some(Platform::Aws));
        assert_eq!(h.address, Some([172, 31, 20, 7]));
        let h = hints("ubuntu-s-2vcpu-4gb-fra1-01");
        assert_eq!(
            (h.platform, h.shape),
            (Some(Platform::DigitalOcean), Some((2, 4)))
        );
        let h = hints("ubuntu-8gb-nbg1-2");
        assert_eq!(
            (h.platform, h.shape),
            (Some(Platform::Hetzner), Some((2, 8)))
        );
        assert_eq!(hints("web-prod-03"), HostnameHints::default());
        assert_eq!(hints("ip-1-2"), HostnameHints::default());
    }
}
