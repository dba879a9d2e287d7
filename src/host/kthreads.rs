//! Kernel threads and the load average: what `ps`, `top` and `/proc/loadavg` show besides
//! the daemons.

use super::release::Series;

/// A kernel thread as `ps` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelThread {
    /// Process id.
    pub pid: u32,
    /// Name without brackets.
    pub name: String,
    /// State (`S`, `I`, `I<`, `SN`).
    pub stat: &'static str,
}

/// The kernel threads of a `series` kernel on `vcpus` CPUs whose root disk is `disk`.
pub fn kernel_threads(series: Series, vcpus: u32, disk: &str) -> Vec<KernelThread> {
    let mut out = Vec::new();
    let mut pid = 2;
    let push = |out: &mut Vec<KernelThread>, pid: &mut u32, name: String, stat: &'static str| {
        out.push(KernelThread {
            pid: *pid,
            name,
            stat,
        });
        *pid += 1;
    };
    push(&mut out, &mut pid, "kthreadd".to_owned(), "S");
    let early: &[(&str, &str)] = match series {
        Series::Focal => &[
            ("rcu_gp", "I<"),
            ("rcu_par_gp", "I<"),
            ("", ""),
            ("kworker/0:0H-kblockd", "I<"),
            ("", ""),
            ("mm_percpu_wq", "I<"),
            ("ksoftirqd/0", "S"),
            ("rcu_sched", "I"),
            ("migration/0", "S"),
            ("idle_inject/0", "S"),
        ],
        Series::Jammy => &[
            ("rcu_gp", "I<"),
            ("rcu_par_gp", "I<"),
            ("slub_flushwq", "I<"),
            ("netns", "I<"),
            ("", ""),
            ("kworker/0:0H-events_highpri", "I<"),
            ("", ""),
            ("mm_percpu_wq", "I<"),
            ("rcu_tasks_rude_", "S"),
            ("rcu_tasks_trace", "S"),
            ("ksoftirqd/0", "S"),
            ("rcu_sched", "I"),
            ("migration/0", "S"),
            ("idle_inject/0", "S"),
        ],
        Series::Noble => &[
            ("pool_workqueue_release", "S"),
            ("kworker/R-rcu_g", "I<"),
            ("kworker/R-rcu_p", "I<"),
            ("kworker/R-slub_", "I<"),
            ("kworker/R-netns", "I<"),
            ("", ""),
            ("kworker/0:0H-events_highpri", "I<"),
            ("", ""),
            ("kworker/R-mm_pe", "I<"),
            ("rcu_tasks_kthread", "I"),
            ("rcu_tasks_rude_kthread", "I"),
            ("rcu_tasks_trace_kthread", "I"),
            ("ksoftirqd/0", "S"),
            ("rcu_preempt", "I"),
            ("migration/0", "S"),
            ("idle_inject/0", "S"),
        ],
    };
    for (name, stat) in early {
        if name.is_empty() {
            pid += 1;
        } else {
            push(&mut out, &mut pid, (*name).to_owned(), stat);
        }
    }
    pid += 1;
    push(&mut out, &mut pid, "cpuhp/0".to_owned(), "S");
    for cpu in 1..vcpus.min(64) {
        push(&mut out, &mut pid, format!("cpuhp/{cpu}"), "S");
        push(&mut out, &mut pid, format!("idle_inject/{cpu}"), "S");
        push(&mut out, &mut pid, format!("migration/{cpu}"), "S");
        push(&mut out, &mut pid, format!("ksoftirqd/{cpu}"), "S");
        pid += 1;
        push(
            &mut out,
            &mut pid,
            format!("kworker/{cpu}:0H-events_highpri"),
            "I<",
        );
    }
    let late: &[(&str, &str)] = &[
        ("kdevtmpfs", "S"),
        ("inet_frag_wq", "I<"),
        ("kauditd", "S"),
        ("khungtaskd", "S"),
        ("oom_reaper", "S"),
        ("writeback", "I<"),
        ("kcompactd0", "S"),
        ("ksmd", "SN"),
        ("khugepaged", "SN"),
        ("kintegrityd", "I<"),
        ("kblockd", "I<"),
        ("blkcg_punt_bio", "I<"),
        ("tpm_dev_wq", "I<"),
        ("ata_sff", "I<"),
        ("md", "I<"),
        ("edac-poller", "I<"),
        ("devfreq_wq", "I<"),
        ("watchdogd", "S"),
        ("kworker/0:1H-kblockd", "I<"),
        ("kswapd0", "S"),
        ("ecryptfs-kthrea", "S"),
        ("kthrotld", "I<"),
        ("acpi_thermal_pm", "I<"),
    ];
    pid += 40;
    for (name, stat) in late {
        push(&mut out, &mut pid, (*name).to_owned(), stat);
    }
    if disk.starts_with("nvme") {
        for name in ["nvme-wq", "nvme-reset-wq", "nvme-delete-wq"] {
            push(&mut out, &mut pid, name.to_owned(), "I<");
        }
    } else {
        for name in ["scsi_eh_0", "scsi_tmf_0", "scsi_eh_1", "scsi_tmf_1"] {
            push(
                &mut out,
                &mut pid,
                name.to_owned(),
                if name.contains("eh") { "S" } else { "I<" },
            );
        }
    }
    pid += 1;
    for (name, stat) in [
        ("mld", "I<"),
        ("ipv6_addrconf", "I<"),
        ("kstrp", "I<"),
        ("zswap-shrink", "I<"),
        ("charger_manager", "I<"),
    ] {
        push(&mut out, &mut pid, name.to_owned(), stat);
    }
    pid += 30;
    let part = if disk.starts_with("nvme") {
        format!("{disk}p1")
    } else {
        format!("{disk}1")
    };
    // The journal thread's name is cut to 15 bytes like every comm.
    let jbd: String = format!("jbd2/{part}-8").chars().take(15).collect();
    push(&mut out, &mut pid, jbd, "S");
    push(&mut out, &mut pid, "ext4-rsv-conver".to_owned(), "I<");
    out
}

/// Everything a process listing needs about the machine at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadAvg {
    /// 1-, 5- and 15-minute load averages.
    pub avg: [f64; 3],
}

/// The load average after `uptime` seconds: an idle server's, with a little noise.
pub fn load_at(seed: u64, vcpus: u32, uptime: u64) -> LoadAvg {
    let base = 0.02 + f64::from(vcpus.min(8)) * 0.01;
    let wave = |period: f64, shift: u64| {
        let phase = ((seed >> shift) % 1000) as f64 / 1000.0;
        ((uptime as f64 / period + phase) * std::f64::consts::TAU)
            .sin()
            .max(0.0)
    };
    let one = base * wave(900.0, 3) * 3.0 + wave(170.0, 11) * 0.08;
    let five = base * wave(900.0, 3) * 2.0 + 0.01;
    let fifteen = base * 1.2;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    LoadAvg {
        avg: [round(one), round(five), round(fifteen)],
    }
}
