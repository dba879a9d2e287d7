//! `apt-get install` on a host that cannot reach its mirror: APT 2.4 plans the install from
//! its (stale) lists, then every download fails to resolve the mirror.

use std::time::Duration;

use crate::host::io_meter;

/// A package the archive has: name, component, source package, version, architecture,
/// download size in bytes, installed size in KiB, and what it pulls in with it.
struct Archived {
    name: &'static str,
    component: &'static str,
    source: &'static str,
    version: &'static str,
    arch: &'static str,
    size: u64,
    installed_kb: u64,
    depends: &'static [&'static str],
}

const fn p(
    (name, component, source): (&'static str, &'static str, &'static str),
    version: &'static str,
    arch: &'static str,
    size: u64,
    installed_kb: u64,
    depends: &'static [&'static str],
) -> Archived {
    Archived {
        name,
        component,
        source,
        version,
        arch,
        size,
        installed_kb,
        depends,
    }
}

/// What intruders install most often, as the jammy archive has it.
const ARCHIVE: &[Archived] = &[
    p(
        ("net-tools", "main", "net-tools"),
        "1.60+git20181103.0eebece-1ubuntu5",
        "amd64",
        204_032,
        820,
        &[],
    ),
    p(
        ("socat", "main", "socat"),
        "1.7.4.1-3ubuntu4",
        "amd64",
        349_152,
        1_395,
        &[],
    ),
    p(
        ("masscan", "universe", "masscan"),
        "2:1.3.2+ds1-1",
        "amd64",
        356_430,
        1_018,
        &[],
    ),
    p(
        ("nmap", "universe", "nmap"),
        "7.91+dfsg1+really7.80+dfsg1-2ubuntu0.1",
        "amd64",
        1_731_208,
        4_455,
        &[
            "libblas3",
            "liblinear4",
            "liblua5.3-0",
            "lua-lpeg",
            "nmap-common",
        ],
    ),
    p(
        ("nmap-common", "universe", "nmap"),
        "7.91+dfsg1+really7.80+dfsg1-2ubuntu0.1",
        "all",
        3_940_410,
        19_280,
        &[],
    ),
    p(
        ("libblas3", "main", "lapack"),
        "3.10.0-2ubuntu1",
        "amd64",
        151_200,
        653,
        &[],
    ),
    p(
        ("liblinear4", "universe", "liblinear"),
        "2.3.0+dfsg-5",
        "amd64",
        41_410,
        108,
        &[],
    ),
    p(
        ("liblua5.3-0", "main", "lua5.3"),
        "5.3.6-1build1",
        "amd64",
        140_120,
        484,
        &[],
    ),
    p(
        ("lua-lpeg", "universe", "lua-lpeg"),
        "1.0.2-1",
        "amd64",
        31_384,
        95,
        &[],
    ),
    p(
        ("tor", "universe", "tor"),
        "0.4.6.10-1",
        "amd64",
        1_474_300,
        5_432,
        &["tor-geoipdb", "torsocks"],
    ),
    p(
        ("tor-geoipdb", "universe", "tor"),
        "0.4.6.10-1",
        "all",
        1_011_622,
        9_208,
        &[],
    ),
    p(
        ("torsocks", "universe", "torsocks"),
        "2.3.0-3",
        "amd64",
        60_128,
        219,
        &[],
    ),
    p(
        ("proxychains4", "universe", "proxychains-ng"),
        "4.16-1",
        "amd64",
        10_340,
        43,
        &["libproxychains4"],
    ),
    p(
        ("libproxychains4", "universe", "proxychains-ng"),
        "4.16-1",
        "amd64",
        17_060,
        62,
        &[],
    ),
    p(
        ("python3-pip", "universe", "python-pip"),
        "22.0.2+dfsg-1ubuntu0.4",
        "all",
        1_305_200,
        7_125,
        &["python3-wheel"],
    ),
    p(
        ("python3-wheel", "universe", "wheel"),
        "0.37.1-2ubuntu0.22.04.1",
        "all",
        32_040,
        107,
        &[],
    ),
    p(
        ("john", "universe", "john"),
        "1.8.0-4",
        "amd64",
        144_012,
        436,
        &["john-data"],
    ),
    p(
        ("john-data", "universe", "john"),
        "1.8.0-4",
        "all",
        4_312_210,
        7_920,
        &[],
    ),
    p(
        ("hping3", "universe", "hping3"),
        "3.a2.ds2-10",
        "amd64",
        106_232,
        346,
        &[],
    ),
];

fn find(name: &str) -> Option<&'static Archived> {
    ARCHIVE.iter().find(|a| a.name == name)
}

/// APT's `SizeToStr`: `615 kB`, `26.8 MB`.
fn size_text(bytes: f64) -> String {
    let mut value = bytes;
    for unit in ["", "k", "M", "G", "T"] {
        if value < 100.0 && !unit.is_empty() {
            return format!("{value:.1} {unit}B");
        }
        if value < 10_000.0 {
            return format!("{value:.0} {unit}B");
        }
        value /= 1000.0;
    }
    format!("{value:.0} PB")
}

/// A package list as APT wraps it: two spaces, then names, lines at most 80 columns.
fn wrapped(names: &[&str]) -> String {
    let mut out = String::from(" ");
    let mut width = 1;
    for name in names {
        if width + 1 + name.len() > 79 {
            out.push_str("\n ");
            width = 1;
        }
        out.push(' ');
        out.push_str(name);
        width += 1 + name.len();
    }
    out.push('\n');
    out
}

/// The pool path of a `.deb`: `pool/universe/n/nmap/nmap_7.80…_amd64.deb` (no epoch).
fn pool_path(a: &Archived) -> String {
    let prefix = if a.source.starts_with("lib") {
        a.source.get(..4)
    } else {
        a.source.get(..1)
    }
    .unwrap_or(a.source);
    let version = a.version.split_once(':').map_or(a.version, |(_, v)| v);
    format!(
        "pool/{}/{prefix}/{}/{}_{version}_{}.deb",
        a.component, a.source, a.name, a.arch
    )
}

/// What `apt-get install` prints for `wanted` packages the host lacks, as (stdout, stderr,
/// status); `None` when one of them is not in the archive (the caller then says `Unable to
/// locate package`, as before). `codename` names the suites; `yes` is `-y`.
pub(crate) fn install(wanted: &[&str], codename: &str, yes: bool) -> Option<(String, String, i32)> {
    let mut new: Vec<&Archived> = Vec::new();
    let mut extra: Vec<&str> = Vec::new();
    for name in wanted {
        let package = find(name)?;
        for dep in package.depends {
            if let Some(d) = find(dep)
                && !new.iter().any(|n| n.name == d.name)
                && !wanted.contains(dep)
            {
                new.push(d);
                extra.push(d.name);
            }
        }
        if !new.iter().any(|n| n.name == package.name) {
            new.push(package);
        }
    }
    new.sort_by_key(|a| a.name);
    extra.sort_unstable();
    let mut out = String::new();
    if !extra.is_empty() {
        out.push_str("The following additional packages will be installed:\n");
        out.push_str(&wrapped(&extra));
    }
    let names: Vec<&str> = new.iter().map(|a| a.name).collect();
    out.push_str("The following NEW packages will be installed:\n");
    out.push_str(&wrapped(&names));
    let size: u64 = new.iter().map(|a| a.size).sum();
    let installed: u64 = new.iter().map(|a| a.installed_kb).sum();
    out.push_str(&format!(
        "0 upgraded, {} newly installed, 0 to remove and 0 not upgraded.\n\
         Need to get {} of archives.\n\
         After this operation, {} of additional disk space will be used.\n",
        new.len(),
        size_text(size as f64),
        size_text(installed as f64 * 1024.0)
    ));
    if !yes {
        // Standard input is not a terminal that answers: APT reads end of file.
        out.push_str("Do you want to continue? [Y/n] Abort.\n");
        return Some((out, String::new(), 1));
    }
    let mut err = String::new();
    for (n, a) in new.iter().enumerate() {
        out.push_str(&format!(
            "Err:{} http://archive.ubuntu.com/ubuntu {codename}/{} amd64 {} {} {}\n  Temporary failure resolving 'archive.ubuntu.com'\n",
            n + 1,
            a.component,
            a.name,
            a.arch,
            a.version
        ));
        err.push_str(&format!(
            "E: Failed to fetch http://archive.ubuntu.com/ubuntu/{}  Temporary failure resolving 'archive.ubuntu.com'\n",
            pool_path(a)
        ));
    }
    err.push_str(
        "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n",
    );
    // The resolver gives up on each mirror lookup after a few seconds.
    io_meter::block(Duration::from_millis(2_500 * new.len().min(4) as u64));
    Some((out, err, 100))
}

/// The time `apt-get update` spends waiting for the resolver before every source fails.
pub(crate) fn update_wait() {
    io_meter::block(Duration::from_millis(10_400));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_apt_prints_them() {
        assert_eq!(size_text(5_669_000.0), "5669 kB");
        assert_eq!(size_text(26_800_000.0), "26.8 MB");
        assert_eq!(size_text(204_032.0), "204 kB");
    }

    #[test]
    fn pool_paths_drop_the_epoch_and_use_lib_prefixes() {
        assert_eq!(
            pool_path(find("masscan").unwrap()),
            "pool/universe/m/masscan/masscan_1.3.2+ds1-1_amd64.deb"
        );
        assert_eq!(
            pool_path(find("liblinear4").unwrap()),
            "pool/universe/libl/liblinear/liblinear4_2.3.0+dfsg-5_amd64.deb"
        );
    }
}
