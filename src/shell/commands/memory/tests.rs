//! Expected outputs written from procps-ng `free.c` (3.3.16: `%-7s` + ` %11s`, 3.3.17 and
//! 4.0.4: `%-9s` + `%11s`; `scale_size` of each version) for given meminfo values.

use super::{Layout, Scale, render, scale};
use crate::host::hardware::MemSnapshot;
use crate::shell::commands::testing::{host, run, run_status};

/// A 4 GiB machine: MemTotal 4015772, MemFree 3287932, Buffers 20000, Cached 400000,
/// SReclaimable 73732, Shmem 948, MemAvailable 3552580 (kB).
fn snapshot() -> MemSnapshot {
    MemSnapshot {
        total: 4_015_772,
        free: 3_287_932,
        available: 3_552_580,
        buffers: 20_000,
        cached: 400_000,
        shmem: 948,
        sreclaimable: 73_732,
        sunreclaim: 50_000,
        anon: 200_000,
        mapped: 90_000,
        kernel_stack: 2_600,
        page_tables: 3_500,
        dirty: 40,
        swap_total: 0,
        swap_free: 0,
        committed: 900_000,
    }
}

fn layout(old_labels: bool) -> Layout {
    Layout {
        wide: false,
        lohi: false,
        total: false,
        line: false,
        committed: false,
        old_labels,
    }
}

fn kib(v4: bool) -> Scale {
    Scale {
        exponent: 0,
        human: false,
        si: false,
        v4,
    }
}

#[test]
fn default_output_per_release() {
    // procps 3.3.17 (22.04): used = total - free - buffers - cache.
    assert_eq!(
        render(&snapshot(), kib(false), layout(false)),
        "               total        used        free      shared  buff/cache   available\n\
         Mem:         4015772      234108     3287932         948      493732     3552580\n\
         Swap:              0           0           0\n"
    );
    // procps 3.3.16 (20.04): one column narrower labels and header.
    assert_eq!(
        render(&snapshot(), kib(false), layout(true)),
        "              total        used        free      shared  buff/cache   available\n\
         Mem:        4015772      234108     3287932         948      493732     3552580\n\
         Swap:             0           0           0\n"
    );
    // procps 4.0 (24.04): used = total - available.
    assert_eq!(
        render(&snapshot(), kib(true), layout(false)),
        "               total        used        free      shared  buff/cache   available\n\
         Mem:         4015772      463192     3287932         948      493732     3552580\n\
         Swap:              0           0           0\n"
    );
}

#[test]
fn wide_total_and_lohi() {
    let l = Layout {
        wide: true,
        lohi: true,
        total: true,
        ..layout(false)
    };
    assert_eq!(
        render(&snapshot(), kib(false), l),
        "               total        used        free      shared     buffers       cache   available\n\
         Mem:         4015772      234108     3287932         948       20000      473732     3552580\n\
         Low:         4015772      727840     3287932\n\
         High:              0           0           0\n\
         Swap:              0           0           0\n\
         Total:       4015772      234108     3287932\n"
    );
}

#[test]
fn human_scaling_per_version() {
    let human = |v4| Scale {
        human: true,
        ..kib(v4)
    };
    // 3.3 first truncates to whole MiB, then scales.
    assert_eq!(scale(4_015_772, human(false)), "3.8Gi");
    assert_eq!(scale(234_108, human(false)), "228Mi");
    assert_eq!(scale(948, human(false)), "0.0Ki");
    assert_eq!(scale(0, human(false)), "0B");
    assert_eq!(
        render(&snapshot(), human(true), layout(false)),
        "               total        used        free      shared  buff/cache   available\n\
         Mem:           3.8Gi       452Mi       3.1Gi       948Ki       482Mi       3.4Gi\n\
         Swap:             0B          0B          0B\n"
    );
    // -m, -g, -b and --si.
    let unit = |exponent, si| Scale {
        exponent,
        si,
        ..kib(false)
    };
    assert_eq!(scale(4_015_772, unit(3, false)), "3921");
    assert_eq!(scale(4_015_772, unit(4, false)), "3");
    assert_eq!(scale(4_015_772, unit(1, false)), "4112150528");
    assert_eq!(scale(4_015_772, unit(3, true)), "4112");
    assert_eq!(
        scale(
            4_015_772,
            Scale {
                si: true,
                ..kib(true)
            }
        ),
        "4112150"
    );
}

#[test]
fn free_reads_the_profile_snapshot() {
    let h = host();
    let m = h.memory_at(crate::host::fixture::now());
    let out = run("free");
    let mem: Vec<u64> = out
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    assert_eq!(mem.first(), Some(&m.total));
    assert_eq!(mem.get(2), Some(&m.free));
    assert_eq!(mem.get(5), Some(&m.available));
    // What the Outlaw bot runs: `free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'`.
    let m_line = run("free -m");
    assert!(
        m_line
            .lines()
            .nth(1)
            .unwrap_or_default()
            .starts_with("Mem:            3871 "),
        "{m_line}"
    );
}

#[test]
fn free_errors_like_procps() {
    let (out, status) = run_status("free -x");
    assert!(out.starts_with(
        "free: invalid option -- 'x'\n\nUsage:\n free [options]\n\nOptions:\n -b, --bytes "
    ));
    assert!(out.ends_with("\nFor more details see free(1).\n"));
    assert_eq!(status, 1);
    assert_eq!(
        run_status("free -m -g"),
        (
            "free: Multiple unit options doesn't make sense.\n".to_owned(),
            1
        )
    );
    assert_eq!(run("free -V"), "free from procps-ng 3.3.17\n");
    // -c repeats with a blank line between frames.
    let twice = run("free -c 2");
    assert_eq!(twice.matches("total").count(), 2);
    assert!(twice.contains("\n\n               total"));
}
