//! `dpkg` and `dpkg-query` (dpkg 1.21) on the profile's installed packages.
//!
//! Only the queries are real (`-l`, `-s`, `-W`); installing or removing is refused for
//! users and fails on the archive for root, so nothing is ever unpacked.

use super::{Command, CommandCtx};
use crate::host::Package;
use crate::shell::pattern::glob_match;

/// The first line of each package's `Description:`, as Ubuntu's archive has it.
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("adduser", "add and remove users and groups"),
    ("apt", "commandline package manager"),
    ("base-files", "Debian base system miscellaneous files"),
    ("bash", "GNU Bourne Again SHell"),
    ("bsdutils", "basic utilities from 4.4BSD-Lite"),
    ("ca-certificates", "Common CA certificates"),
    (
        "cloud-init",
        "initialization and customization tool for cloud instances",
    ),
    ("coreutils", "GNU core utilities"),
    ("cron", "process scheduling daemon"),
    (
        "curl",
        "command line tool for transferring data with URL syntax",
    ),
    (
        "dbus",
        "simple interprocess messaging system (daemon and utilities)",
    ),
    ("dpkg", "Debian package management system"),
    ("git", "fast, scalable, distributed revision control system"),
    ("grep", "GNU grep, egrep and fgrep"),
    ("gzip", "GNU compression utilities"),
    (
        "hostname",
        "utility to set/show the host name or domain name",
    ),
    ("iproute2", "networking and traffic control tools"),
    (
        "iputils-ping",
        "Tools to test the reachability of network hosts",
    ),
    ("less", "pager program similar to more"),
    ("libc6", "GNU C Library: Shared libraries"),
    (
        "libssl1.1",
        "Secure Sockets Layer toolkit - shared libraries",
    ),
    ("libssl3", "Secure Sockets Layer toolkit - shared libraries"),
    (
        "libssl3t64",
        "Secure Sockets Layer toolkit - shared libraries",
    ),
    ("login", "system login tools"),
    ("nano", "small, friendly text editor inspired by Pico"),
    ("net-tools", "NET-3 networking toolkit"),
    (
        "netplan.io",
        "YAML network configuration abstraction for various backends",
    ),
    ("nginx", "small, powerful, scalable web/proxy server"),
    (
        "nginx-common",
        "small, powerful, scalable web/proxy server - common files",
    ),
    (
        "openssh-client",
        "secure shell (SSH) client, for secure access to remote machines",
    ),
    (
        "openssh-server",
        "secure shell (SSH) server, for secure access from remote machines",
    ),
    (
        "openssh-sftp-server",
        "secure shell (SSH) sftp server module, for SFTP access from remote machines",
    ),
    (
        "openssl",
        "Secure Sockets Layer toolkit - cryptographic utility",
    ),
    ("passwd", "change and administer password and group data"),
    ("procps", "/proc file system utilities"),
    (
        "python3",
        "interactive high-level object-oriented language (default python3 version)",
    ),
    ("rsyslog", "reliable system and kernel logging daemon"),
    ("sed", "GNU stream editor for filtering/transforming text"),
    ("snapd", "Daemon and tooling that enable snap packages"),
    (
        "sudo",
        "Provide limited super user privileges to specific users",
    ),
    ("systemd", "system and service manager"),
    ("tar", "GNU version of the tar archiving utility"),
    ("tzdata", "time zone and daylight-saving time data"),
    ("util-linux", "miscellaneous system utilities"),
    ("vim", "Vi IMproved - enhanced vi editor"),
    ("wget", "retrieves files from the web"),
];

/// `(package, section, priority, source)` where they are not `utils`, `optional`, itself.
const CONTROL: &[(&str, &str, &str, &str)] = &[
    ("adduser", "admin", "important", "adduser"),
    ("apt", "admin", "important", "apt"),
    ("base-files", "admin", "required", "base-files"),
    ("bash", "shells", "required", "bash"),
    ("bsdutils", "utils", "required", "util-linux"),
    ("coreutils", "utils", "required", "coreutils"),
    ("cron", "admin", "important", "cron"),
    ("dbus", "admin", "optional", "dbus"),
    ("dpkg", "admin", "required", "dpkg"),
    ("git", "vcs", "optional", "git"),
    ("grep", "utils", "required", "grep"),
    ("gzip", "utils", "required", "gzip"),
    ("hostname", "admin", "required", "hostname"),
    ("iproute2", "net", "important", "iproute2"),
    ("iputils-ping", "net", "important", "iputils"),
    ("libc6", "libs", "optional", "glibc"),
    ("libssl3", "libs", "optional", "openssl"),
    ("login", "admin", "required", "shadow"),
    ("nano", "editors", "important", "nano"),
    ("net-tools", "net", "important", "net-tools"),
    ("openssh-client", "net", "standard", "openssh"),
    ("openssh-server", "net", "optional", "openssh"),
    ("openssh-sftp-server", "net", "optional", "openssh"),
    ("passwd", "admin", "required", "shadow"),
    ("procps", "admin", "important", "procps"),
    ("python3", "python", "important", "python3-defaults"),
    ("rsyslog", "admin", "important", "rsyslog"),
    ("sed", "utils", "required", "sed"),
    ("sudo", "admin", "important", "sudo"),
    ("systemd", "admin", "important", "systemd"),
    ("tar", "utils", "required", "tar"),
    ("tzdata", "localization", "required", "tzdata"),
    ("util-linux", "utils", "required", "util-linux"),
    ("vim", "editors", "optional", "vim"),
    ("wget", "web", "standard", "wget"),
];

/// The synopsis `dpkg -l` shows for `p`.
fn description(p: &Package) -> String {
    if p.name.starts_with("linux-image-") {
        return "Signed kernel image generic".to_owned();
    }
    if let Some(version) = p.name.strip_prefix("python3.") {
        return format!("Interactive high-level object-oriented language (version 3.{version})");
    }
    DESCRIPTIONS
        .iter()
        .find(|(n, _)| *n == p.name)
        .map_or_else(|| p.name.clone(), |(_, d)| (*d).to_owned())
}

/// The installed packages whose names match `pattern` (all when `None`).
fn matching<'a>(cx: &'a CommandCtx<'_>, pattern: Option<&str>) -> Vec<&'a Package> {
    cx.host
        .packages
        .iter()
        .filter(|p| pattern.is_none_or(|pat| glob_match(pat, &p.name)))
        .collect()
}

/// `dpkg -l [PATTERN...]`: the status table with column widths fitted to the packages.
fn list(cx: &mut CommandCtx<'_>, prog: &str, patterns: &[String]) -> i32 {
    let mut rows: Vec<&Package> = Vec::new();
    let mut missing = Vec::new();
    if patterns.is_empty() {
        rows = matching(cx, None);
    } else {
        for pattern in patterns {
            let found = matching(cx, Some(pattern));
            if found.is_empty() {
                missing.push(pattern.clone());
            }
            for p in found {
                if !rows.iter().any(|r| r.name == p.name) {
                    rows.push(p);
                }
            }
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let descriptions: Vec<String> = rows.iter().map(|p| description(p)).collect();
    let nw = rows.iter().map(|p| p.name.len()).max().unwrap_or(0).max(14);
    let vw = rows
        .iter()
        .map(|p| p.version.len())
        .max()
        .unwrap_or(0)
        .max(12);
    let aw = rows.iter().map(|p| p.arch.len()).max().unwrap_or(0).max(12);
    let dw = descriptions
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(33);
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(
            "Desired=Unknown/Install/Remove/Purge/Hold\n\
             | Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n\
             |/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n",
        );
        out.push_str(&format!(
            "||/ {:nw$} {:vw$} {:aw$} Description\n",
            "Name", "Version", "Architecture"
        ));
        out.push_str(&format!(
            "+++-{}-{}-{}-{}\n",
            "=".repeat(nw),
            "=".repeat(vw),
            "=".repeat(aw),
            "=".repeat(dw)
        ));
    }
    for (p, d) in rows.iter().zip(&descriptions) {
        out.push_str(&format!(
            "ii  {:nw$} {:vw$} {:aw$} {d}\n",
            p.name, p.version, p.arch
        ));
    }
    cx.out(out);
    for pattern in &missing {
        cx.err(format!("{prog}: no packages found matching {pattern}\n"));
    }
    i32::from(!missing.is_empty())
}

/// `dpkg -s PKG...`: the status paragraphs.
fn status(cx: &mut CommandCtx<'_>, prog: &str, names: &[String]) -> i32 {
    if names.is_empty() {
        cx.err(format!(
            "{prog}: error: --status needs at least one package name argument\n\n\
             Use --help for help about querying packages.\n"
        ));
        return 2;
    }
    let mut code = 0;
    let mut first = true;
    for name in names {
        let Some(p) = cx.host.packages.iter().find(|p| p.name == *name).cloned() else {
            cx.err(format!(
                "{prog}: package '{name}' is not installed and no information is available\n\
                 Use dpkg --info (= dpkg-deb --info) to examine archive files.\n"
            ));
            code = 1;
            continue;
        };
        let (section, priority, source) = CONTROL
            .iter()
            .find(|c| c.0 == p.name)
            .map_or(("utils", "optional", p.name.as_str()), |c| (c.1, c.2, c.3));
        let size = 100 + p.name.bytes().map(u64::from).sum::<u64>() * 7 % 4000;
        let mut out = String::new();
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(&format!(
            "Package: {}\nStatus: install ok installed\nPriority: {priority}\nSection: {section}\n\
             Installed-Size: {size}\n\
             Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\n\
             Architecture: {}\n",
            p.name, p.arch
        ));
        if source != p.name {
            out.push_str(&format!("Source: {source}\n"));
        }
        out.push_str(&format!(
            "Version: {}\nDescription: {}\n",
            p.version,
            description(&p)
        ));
        cx.out(out);
    }
    code
}

/// `dpkg-query -W [-f FORMAT] [PATTERN...]`.
fn show(cx: &mut CommandCtx<'_>, prog: &str, format: Option<&str>, patterns: &[String]) -> i32 {
    let format = format.unwrap_or("${binary:Package}\t${Version}\n");
    let mut code = 0;
    let mut out = String::new();
    let groups: Vec<Option<&str>> = if patterns.is_empty() {
        vec![None]
    } else {
        patterns.iter().map(|p| Some(p.as_str())).collect()
    };
    for pattern in groups {
        let found: Vec<String> = matching(cx, pattern)
            .into_iter()
            .map(|p| render(format, p))
            .collect();
        if found.is_empty() {
            cx.err(format!(
                "{prog}: no packages found matching {}\n",
                pattern.unwrap_or("")
            ));
            code = 1;
        }
        for line in found {
            out.push_str(&line);
        }
    }
    cx.out(out);
    code
}

/// Expands a `--showformat` for `p`: `${Field}`, `\n`, `\t`, `\\`.
fn render(format: &str, p: &Package) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            let field = after.get(..end).unwrap_or("");
            let name = field.split(';').next().unwrap_or("");
            out.push_str(&match name {
                "Package" | "binary:Package" => p.name.clone(),
                "Version" => p.version.clone(),
                "Architecture" => p.arch.clone(),
                "Status" => "install ok installed".to_owned(),
                "db:Status-Abbrev" => "ii ".to_owned(),
                "db:Status-Status" => "installed".to_owned(),
                "binary:Summary" | "Description" => description(p),
                "Maintainer" => {
                    "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>".to_owned()
                }
                _ => String::new(),
            });
            rest = after.get(end + 1..).unwrap_or("");
            continue;
        }
        if let Some(after) = rest.strip_prefix('\\')
            && let Some(e) = after.chars().next()
        {
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
            rest = after.get(e.len_utf8()..).unwrap_or("");
            continue;
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// The dpkg version without Ubuntu's suffix (`1.21.1`).
fn dpkg_version(cx: &CommandCtx<'_>) -> String {
    cx.host
        .packages
        .iter()
        .find(|p| p.name == "dpkg")
        .map_or("1.21.1", |p| p.version.as_str())
        .split("ubuntu")
        .next()
        .unwrap_or("1.21.1")
        .to_owned()
}

/// The actions both programs share; `None` when `arg` is not one.
enum Action {
    List,
    Status,
    Show,
    Version,
    Modify(&'static str),
}

/// Which action `arg` asks for.
fn action(arg: &str) -> Option<Action> {
    Some(match arg {
        "-l" | "--list" => Action::List,
        "-s" | "--status" => Action::Status,
        "-W" | "--show" => Action::Show,
        "--version" => Action::Version,
        "-i" | "--install" => Action::Modify("--install"),
        "-r" | "--remove" => Action::Modify("--remove"),
        "-P" | "--purge" => Action::Modify("--purge"),
        "--configure" => Action::Modify("--configure"),
        _ => return None,
    })
}

/// Runs `dpkg` (`query` false) or `dpkg-query`.
fn run(cx: &mut CommandCtx<'_>, argv: &[String], query: bool) -> i32 {
    let prog = if query { "dpkg-query" } else { "dpkg" };
    let mut chosen = None;
    let mut format = None;
    let mut operands = Vec::new();
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        if let Some(f) = arg.strip_prefix("--showformat=") {
            format = Some(f.to_owned());
        } else if arg == "-f" || arg == "--showformat" {
            format = args.next().cloned();
        } else if let Some(f) = arg.strip_prefix("-f").filter(|f| !f.is_empty()) {
            // dpkg's option parser skips the `=` of `-f=FORMAT`.
            format = Some(f.strip_prefix('=').unwrap_or(f).to_owned());
        } else if let Some(a) = action(arg) {
            if chosen.is_none() {
                chosen = Some(a);
            }
        } else if arg.starts_with('-') && arg.len() > 1 {
            cx.err(format!(
                "{prog}: error: unknown option {arg}\n\nUse --help for help about {}.\n",
                if query {
                    "querying packages"
                } else {
                    "installing and deinstalling packages"
                }
            ));
            return 2;
        } else {
            operands.push(arg.clone());
        }
    }
    let query_prog = "dpkg-query";
    match chosen {
        Some(Action::List) => list(cx, query_prog, &operands),
        Some(Action::Status) => status(cx, query_prog, &operands),
        Some(Action::Show) => show(cx, query_prog, format.as_deref(), &operands),
        Some(Action::Version) => {
            let text = if query {
                format!(
                    "Debian dpkg-query package management program query tool version {}.\n\
                     This is free software; see the GNU General Public License version 2 or\n\
                     later for copying conditions. There is NO warranty.\n",
                    dpkg_version(cx)
                )
            } else {
                format!(
                    "Debian 'dpkg' package management program version {} (amd64).\n\
                     This is free software; see the GNU General Public License version 2 or\n\
                     later for copying conditions. There is NO warranty.\n",
                    dpkg_version(cx)
                )
            };
            cx.out(text);
            0
        }
        Some(Action::Modify(what)) if !query => {
            if !cx.state.is_root() {
                cx.err("dpkg: error: requested operation requires superuser privilege\n");
                return 2;
            }
            if what == "--install" {
                let Some(file) = operands.first() else {
                    cx.err("dpkg: error: --install needs at least one package archive file argument\n\nType dpkg --help for help about installing and deinstalling packages [*];\nUse 'apt' or 'aptitude' for user-friendly package management;\nType dpkg -Dhelp for a list of dpkg debug flag values;\nType dpkg --force-help for a list of forcing options;\nType dpkg-deb --help for help about manipulating *.deb files;\n\nOptions marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n");
                    return 2;
                };
                if cx.fs.read_limited(file, 4).is_err() {
                    cx.err(format!(
                        "dpkg: error: cannot access archive '{file}': No such file or directory\n"
                    ));
                    return 2;
                }
                cx.err(format!(
                    "dpkg-deb: error: '{file}' is not a Debian format archive\n\
                     dpkg: error processing archive {file} (--install):\n \
                     dpkg-deb --control subprocess returned error exit status 2\n\
                     Errors were encountered while processing:\n {file}\n"
                ));
                return 1;
            }
            for name in &operands {
                if !cx.host.packages.iter().any(|p| p.name == *name) {
                    cx.err(format!(
                        "dpkg: warning: ignoring request to remove {name} which isn't installed\n"
                    ));
                }
            }
            0
        }
        Some(Action::Modify(_)) | None => {
            cx.err(format!(
                "{prog}: error: need an action option\n\n\
                 Use --help for help about {}.\n",
                if query {
                    "querying packages"
                } else {
                    "installing and deinstalling packages"
                }
            ));
            2
        }
    }
}

/// `dpkg`.
pub struct Dpkg;

impl Command for Dpkg {
    fn names(&self) -> &'static [&'static str] {
        super::usr_bin!("dpkg")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        run(cx, argv, false)
    }
}

/// `dpkg-query`.
pub struct DpkgQuery;

impl Command for DpkgQuery {
    fn names(&self) -> &'static [&'static str] {
        super::usr_bin!("dpkg-query")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        run(cx, argv, true)
    }
}

#[cfg(test)]
mod tests;
