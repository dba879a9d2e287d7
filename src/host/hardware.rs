//! The machine's CPU and memory: what `/proc/cpuinfo`, `nproc`, `lscpu`, `/proc/meminfo`,
//! `free` and `top` report.
//!
//! CPUs come from a table of processors cloud providers actually rent out, each with the
//! `cpuinfo` fields a guest sees under that provider's hypervisor (Nitro and GCE are KVM, old
//! EC2 is Xen, Azure is Hyper-V). Memory usage is not stored: it is a function of the seed and
//! the uptime, so every command asking at the same moment gets the same numbers, and they
//! drift the way a quiet server's do (page cache filling up over days).

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::platform::Platform;

/// The processor as the guest sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    /// `vendor_id`: `GenuineIntel` or `AuthenticAMD`.
    pub vendor_id: String,
    /// `model name`, e.g. `Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz`.
    pub model_name: String,
    /// `cpu family`.
    pub family: u32,
    /// `model`.
    pub model: u32,
    /// `stepping`.
    pub stepping: u32,
    /// `microcode`, e.g. `0x5003604`.
    pub microcode: String,
    /// `cpu MHz`, as printed (`2499.998`).
    pub mhz: String,
    /// `cache size` in KB (the last-level cache).
    pub cache_kb: u32,
    /// `cpuid level`.
    pub cpuid_level: u32,
    /// `bogomips`, as printed (`4999.99`).
    pub bogomips: String,
    /// `address sizes`, e.g. `46 bits physical, 48 bits virtual`.
    pub address_sizes: String,
    /// `flags`, space separated.
    pub flags: String,
    /// `bugs`, space separated.
    pub bugs: String,
    /// Logical CPUs (vCPUs): `nproc`, `CPU(s)`.
    pub vcpus: u32,
    /// Hardware threads per core (2 with hyper-threading exposed, else 1).
    pub threads_per_core: u32,
    /// Sockets; cores per socket is `vcpus / threads_per_core / sockets`.
    pub sockets: u32,
    /// Per-instance cache sizes in KiB: L1d, L1i, L2 (per core) and L3 (per socket).
    pub l1d_kb: u32,
    /// See [`Cpu::l1d_kb`].
    pub l1i_kb: u32,
    /// See [`Cpu::l1d_kb`].
    pub l2_kb: u32,
    /// See [`Cpu::l1d_kb`].
    pub l3_kb: u32,
    /// `lscpu`'s hypervisor vendor: `KVM`, `Xen`, `Microsoft`, `VMware`.
    pub hypervisor: String,
}

impl Cpu {
    /// Cores per socket.
    pub fn cores_per_socket(&self) -> u32 {
        (self.vcpus / self.threads_per_core.max(1) / self.sockets.max(1)).max(1)
    }

    /// Physical cores in total.
    pub fn cores(&self) -> u32 {
        self.cores_per_socket() * self.sockets.max(1)
    }
}

/// One processor model as a given hypervisor presents it.
struct CpuModel {
    vendor: &'static str,
    name: &'static str,
    family: u32,
    model: u32,
    stepping: u32,
    microcode: &'static str,
    mhz: &'static str,
    cache_kb: u32,
    cpuid_level: u32,
    bogomips: &'static str,
    address_sizes: &'static str,
    flags: &'static str,
    bugs: &'static str,
    caches: [u32; 4],
    hypervisor: &'static str,
}

const INTEL_BASE: &str = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch";

/// Cascade Lake on Nitro (AWS m5/c5/t3 and r5 families).
const XEON_8259CL: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
    family: 6,
    model: 85,
    stepping: 7,
    microcode: "0x5003604",
    mhz: "2499.998",
    cache_kb: 36608,
    cpuid_level: 13,
    bogomips: "4999.99",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "invpcid_single fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves ida arat pku ospke avx512_vnni",
    bugs: "spectre_v1 spectre_v2 spec_store_bypass swapgs mmio_stale_data retbleed eibrs_pbrsb gds",
    caches: [32, 32, 1024, 36608],
    hypervisor: "KVM",
};

/// Skylake on Nitro (AWS m5/c5 first generation).
const XEON_8175M: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) Platinum 8175M CPU @ 2.50GHz",
    family: 6,
    model: 85,
    stepping: 4,
    microcode: "0x2007006",
    mhz: "2499.996",
    cache_kb: 33792,
    cpuid_level: 13,
    bogomips: "4999.99",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "invpcid_single pti fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves ida arat pku ospke",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed gds",
    caches: [32, 32, 1024, 33792],
    hypervisor: "KVM",
};

/// AMD Naples on Nitro (AWS t3a/m5a).
const EPYC_7571: CpuModel = CpuModel {
    vendor: "AuthenticAMD",
    name: "AMD EPYC 7571",
    family: 23,
    model: 1,
    stepping: 2,
    microcode: "0x800126e",
    mhz: "2199.824",
    cache_kb: 512,
    cpuid_level: 13,
    bogomips: "4399.64",
    address_sizes: "48 bits physical, 48 bits virtual",
    flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid aperfmperf tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch topoext perfctr_core vmmcall fsgsbase bmi1 avx2 smep bmi2 rdseed adx smap clflushopt sha_ni xsaveopt xsavec xgetbv1 clzero xsaveerptr arat npt nrip_save",
    bugs: "sysret_ss_attrs null_seg spectre_v1 spectre_v2 spec_store_bypass retbleed smt_rsb div0",
    caches: [32, 64, 512, 8192],
    hypervisor: "KVM",
};

/// Haswell under Xen (AWS t2, the previous generation).
const XEON_E5_2676: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) CPU E5-2676 v3 @ 2.40GHz",
    family: 6,
    model: 63,
    stepping: 2,
    microcode: "0x49",
    mhz: "2399.998",
    cache_kb: 30720,
    cpuid_level: 13,
    bogomips: "4800.09",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx rdtscp lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm cpuid_fault invpcid_single pti fsgsbase bmi1 avx2 smep bmi2 erms invpcid xsaveopt",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit mmio_unknown",
    caches: [32, 32, 256, 30720],
    hypervisor: "Xen",
};

/// Google Compute Engine's Cascade Lake (N2/E2), which hides the SKU.
const GCE_CASCADE: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) CPU @ 2.80GHz",
    family: 6,
    model: 85,
    stepping: 7,
    microcode: "0xffffffff",
    mhz: "2800.214",
    cache_kb: 33792,
    cpuid_level: 13,
    bogomips: "5600.42",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "invpcid_single ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat avx512_vnni md_clear arch_capabilities",
    bugs: "spectre_v1 spectre_v2 spec_store_bypass swapgs taa mmio_stale_data retbleed eibrs_pbrsb gds",
    caches: [32, 32, 1024, 33792],
    hypervisor: "KVM",
};

/// Google Compute Engine's Broadwell (N1).
const GCE_BROADWELL: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) CPU @ 2.20GHz",
    family: 6,
    model: 79,
    stepping: 0,
    microcode: "0xffffffff",
    mhz: "2200.174",
    cache_kb: 56320,
    cpuid_level: 13,
    bogomips: "4400.34",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "invpcid_single pti ssbd ibrs ibpb stibp fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm rdseed adx smap xsaveopt arat md_clear arch_capabilities",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa mmio_stale_data retbleed",
    caches: [32, 32, 256, 56320],
    hypervisor: "KVM",
};

/// Azure Dv3/Dsv3 hosts (Hyper-V).
const XEON_8272CL: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz",
    family: 6,
    model: 85,
    stepping: 7,
    microcode: "0xffffffff",
    mhz: "2593.906",
    cache_kb: 36608,
    cpuid_level: 21,
    bogomips: "5187.81",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "fsgsbase bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt avx512cd avx512bw avx512vl xsaveopt xsavec xsaves md_clear",
    bugs: "spectre_v1 spectre_v2 spec_store_bypass swapgs taa itlb_multihit mmio_stale_data retbleed gds",
    caches: [32, 32, 1024, 36608],
    hypervisor: "Microsoft",
};

/// DigitalOcean and most KVM hosting on Broadwell.
const XEON_E5_2650: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz",
    family: 6,
    model: 79,
    stepping: 1,
    microcode: "0x1",
    mhz: "2199.998",
    cache_kb: 30720,
    cpuid_level: 13,
    bogomips: "4399.99",
    address_sizes: "40 bits physical, 48 bits virtual",
    flags: "cpuid_fault invpcid_single pti ssbd ibrs ibpb stibp fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm rdseed adx smap xsaveopt arat md_clear arch_capabilities",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed",
    caches: [32, 32, 4096, 16384],
    hypervisor: "KVM",
};

/// Hetzner Cloud's shared Intel vCPUs.
const HETZNER_SKYLAKE: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel Xeon Processor (Skylake, IBRS)",
    family: 6,
    model: 85,
    stepping: 4,
    microcode: "0x1",
    mhz: "2099.998",
    cache_kb: 16384,
    cpuid_level: 13,
    bogomips: "4199.99",
    address_sizes: "40 bits physical, 48 bits virtual",
    flags: "cpuid_fault invpcid_single pti ssbd ibrs ibpb fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat pku ospke md_clear",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed gds",
    caches: [32, 32, 4096, 16384],
    hypervisor: "KVM",
};

/// On-premises VMware ESXi guests.
const XEON_GOLD_6130: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
    family: 6,
    model: 85,
    stepping: 4,
    microcode: "0x2006e05",
    mhz: "2095.078",
    cache_kb: 22528,
    cpuid_level: 22,
    bogomips: "4190.15",
    address_sizes: "43 bits physical, 48 bits virtual",
    flags: "invpcid_single pti ssbd ibrs ibpb stibp fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 invpcid rtm mpx avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves arat pku ospke md_clear flush_l1d arch_capabilities",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed gds",
    caches: [32, 32, 1024, 22528],
    hypervisor: "VMware",
};

/// On-premises KVM (Proxmox, libvirt) with the host CPU passed through.
const XEON_E5_2680: CpuModel = CpuModel {
    vendor: "GenuineIntel",
    name: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
    family: 6,
    model: 79,
    stepping: 1,
    microcode: "0xb000040",
    mhz: "2399.996",
    cache_kb: 16384,
    cpuid_level: 13,
    bogomips: "4799.99",
    address_sizes: "46 bits physical, 48 bits virtual",
    flags: "cpuid_fault invpcid_single pti ssbd ibrs ibpb stibp fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm rdseed adx smap xsaveopt arat md_clear flush_l1d arch_capabilities",
    bugs: "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit mmio_stale_data retbleed",
    caches: [32, 32, 4096, 16384],
    hypervisor: "KVM",
};

/// The processors a platform rents out; the first is the most common.
fn models_for(platform: Platform) -> &'static [CpuModel] {
    match platform {
        Platform::Aws => &[XEON_8259CL, XEON_8175M, EPYC_7571],
        Platform::AwsXen => &[XEON_E5_2676],
        Platform::Gcp => &[GCE_CASCADE, GCE_BROADWELL],
        Platform::Azure => &[XEON_8272CL],
        Platform::DigitalOcean => &[XEON_E5_2650],
        Platform::Hetzner => &[HETZNER_SKYLAKE],
        Platform::Vmware => &[XEON_GOLD_6130],
        Platform::Kvm => &[XEON_E5_2680, XEON_E5_2650],
    }
}

/// A CPU with `vcpus` logical processors for `platform`.
pub(super) fn generate_cpu(rng: &mut StdRng, platform: Platform, vcpus: u32) -> Cpu {
    let models = models_for(platform);
    let m = &models[rng.gen_range(0..models.len())];
    // Intel models list only what follows the common base; AMD's list is complete.
    let flags = if m.vendor == "GenuineIntel" && !m.flags.starts_with("fpu ") {
        format!("{INTEL_BASE} {}", m.flags)
    } else {
        m.flags.to_owned()
    };
    // Cloud VMs expose hyper-threads in pairs; ESXi and on-premises KVM give one socket
    // (VMware: one socket per vCPU by default) with single-threaded cores.
    let smt = matches!(platform, Platform::Aws | Platform::Gcp | Platform::Azure)
        && vcpus >= 2
        && vcpus.is_multiple_of(2);
    let sockets = if platform == Platform::Vmware {
        vcpus
    } else {
        1
    };
    Cpu {
        vendor_id: m.vendor.to_owned(),
        model_name: m.name.to_owned(),
        family: m.family,
        model: m.model,
        stepping: m.stepping,
        microcode: m.microcode.to_owned(),
        mhz: m.mhz.to_owned(),
        cache_kb: m.cache_kb,
        cpuid_level: m.cpuid_level,
        bogomips: m.bogomips.to_owned(),
        address_sizes: m.address_sizes.to_owned(),
        flags,
        bugs: m.bugs.to_owned(),
        vcpus,
        threads_per_core: if smt { 2 } else { 1 },
        sockets,
        l1d_kb: m.caches[0],
        l1i_kb: m.caches[1],
        l2_kb: m.caches[2],
        l3_kb: m.caches[3],
        hypervisor: m.hypervisor.to_owned(),
    }
}

/// Installed memory: only the total is a fixed fact; usage is [`Memory::at`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// `MemTotal` in kB: the nominal size less what firmware and the kernel keep.
    pub total_kb: u64,
    /// Swap in kB (`0` on cloud images, a `/swap.img` on installs from the server ISO).
    pub swap_kb: u64,
    /// Anonymous memory the services use at rest, in kB.
    pub base_used_kb: u64,
    /// How much of the rest the page cache ends up holding (per mille of the total).
    pub cache_share: u32,
}

/// The nominal size, in GiB, of a VM with `gib` GiB as the kernel reports it.
pub(super) fn generate_memory(rng: &mut StdRng, gib: u32, swap_gib: u32) -> Memory {
    let nominal = u64::from(gib) * 1024 * 1024;
    // Firmware, the kernel image and the crash kernel take 2.5–5.5 %.
    let reserved = nominal * rng.gen_range(25..55) / 1000 + rng.gen_range(0..4096);
    Memory {
        total_kb: nominal - reserved,
        swap_kb: u64::from(swap_gib) * 1024 * 1024,
        base_used_kb: rng.gen_range(150_000..260_000)
            + u64::from(gib) * rng.gen_range(8_000..20_000),
        cache_share: rng.gen_range(300..600),
    }
}

/// Memory use at one moment, in kB, the fields `/proc/meminfo` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemSnapshot {
    /// `MemTotal`.
    pub total: u64,
    /// `MemFree`.
    pub free: u64,
    /// `MemAvailable`.
    pub available: u64,
    /// `Buffers`.
    pub buffers: u64,
    /// `Cached`.
    pub cached: u64,
    /// `Shmem`.
    pub shmem: u64,
    /// `SReclaimable`.
    pub sreclaimable: u64,
    /// `SUnreclaim`.
    pub sunreclaim: u64,
    /// `AnonPages`.
    pub anon: u64,
    /// `Mapped`.
    pub mapped: u64,
    /// `KernelStack`.
    pub kernel_stack: u64,
    /// `PageTables`.
    pub page_tables: u64,
    /// `Dirty`.
    pub dirty: u64,
    /// `SwapTotal`.
    pub swap_total: u64,
    /// `SwapFree`.
    pub swap_free: u64,
    /// `Committed_AS`.
    pub committed: u64,
}

impl Memory {
    /// Usage after `uptime` seconds: the services' memory plus a page cache that fills over
    /// the first days, with a little churn. `seed` varies the churn per node.
    pub fn at(&self, seed: u64, uptime: u64) -> MemSnapshot {
        let total = self.total_kb.max(65_536);
        let days = uptime as f64 / 86_400.0;
        let wobble = |period: f64, phase: u64| {
            let phase = (seed.rotate_left(phase as u32) % 1000) as f64 / 1000.0;
            ((uptime as f64 / period + phase) * std::f64::consts::TAU).sin()
        };
        let kernel_stack = 2_400 + total / 2_000;
        let page_tables = 3_000 + total / 1_200;
        let sunreclaim = 38_000 + total / 80;
        let anon = (self.base_used_kb as f64 * (1.0 + 0.04 * wobble(5_400.0, 7))) as u64;
        let room = total.saturating_sub(anon + kernel_stack + page_tables + sunreclaim);
        let fill = 0.35 + 0.65 * (1.0 - (-days / 4.0).exp());
        let cache_target = room as f64 * f64::from(self.cache_share) / 1000.0;
        let cached = (cache_target * fill * (1.0 + 0.02 * wobble(3_600.0, 13))) as u64;
        let buffers = (20_000.0 + 40_000.0 * fill + 2_000.0 * wobble(1_800.0, 21)) as u64;
        let sreclaimable = (30_000.0 + total as f64 * 0.012 * fill) as u64;
        let used = anon + kernel_stack + page_tables + sunreclaim + cached + buffers + sreclaimable;
        let free = total.saturating_sub(used).max(total / 50);
        let watermark = total / 250;
        let available = (free + (cached + buffers) * 9 / 10 + sreclaimable / 2)
            .saturating_sub(watermark)
            .min(total);
        // tmpfs contents (/run, /dev/shm) and shared mappings.
        let shmem = 1_300 + (seed % 1_200) + (uptime / 86_400).min(30) * 4;
        let swap_used = if self.swap_kb > 0 && days > 3.0 {
            (self.swap_kb / 2000).min(20_000) + seed % 512
        } else {
            0
        };
        MemSnapshot {
            total,
            free,
            available,
            buffers,
            cached,
            shmem,
            sreclaimable,
            sunreclaim,
            anon,
            mapped: anon / 2 + cached / 8,
            kernel_stack,
            page_tables,
            dirty: 16 + (uptime % 97) * 4,
            swap_total: self.swap_kb,
            swap_free: self.swap_kb.saturating_sub(swap_used),
            committed: anon * 3 + 300_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn snapshot_is_consistent_and_deterministic() {
        let mut rng = StdRng::seed_from_u64(1);
        let mem = generate_memory(&mut rng, 4, 0);
        for uptime in [0, 60, 3_600, 86_400, 86_400 * 40, 86_400 * 400] {
            let s = mem.at(9, uptime);
            assert_eq!(s, mem.at(9, uptime));
            assert!(s.free + s.cached + s.buffers <= s.total, "{s:?}");
            assert!(s.available <= s.total && s.available >= s.free / 2, "{s:?}");
        }
        assert!(
            mem.total_kb > 3_900_000 && mem.total_kb < 4_100_000,
            "{mem:?}"
        );
    }
}
