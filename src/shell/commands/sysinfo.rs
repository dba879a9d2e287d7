//! Who and where: `whoami`, `id`, `uname`, `hostname`.
//!
//! The facts come from the [`HostProfile`](crate::host::HostProfile) (its account database and
//! addresses) and the session's user;
//! the texts are GNU coreutils' (as the profile's coreutils version prints them) and the
//! `hostname` package's.

use super::{Command, CommandCtx, OptSpec, getopt, try_help, usr_bin};

/// `whoami`: the effective user's name.
pub struct Whoami;

impl Command for Whoami {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("whoami")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const SPEC: OptSpec = OptSpec {
            short: &[],
            long: &["help", "version"],
        };
        let prog = argv.first().map_or("whoami", String::as_str);
        let parsed = getopt(prog, argv.get(1..).unwrap_or_default(), &SPEC);
        if let Some(opt) = parsed.opts.first() {
            if *opt == "help" {
                let text = format!(
                    "Usage: {prog} [OPTION]...\n\
                     Print the user name associated with the current effective user ID.\n\
                     Same as id -un.\n\n{}{}",
                    cx.coreutils_help_options(),
                    cx.coreutils_help_footer("whoami")
                );
                cx.out(text);
                return 0;
            }
            let text = cx.coreutils_version_text("whoami", "Richard Mlynarik");
            cx.out(text);
            return 0;
        }
        if let Some(error) = parsed.error {
            cx.err(error + &try_help(prog));
            return 1;
        }
        if let Some(extra) = parsed.operands.first() {
            let text = format!(
                "{prog}: extra operand {}\n{}",
                cx.quote(extra),
                try_help(prog)
            );
            cx.err(text);
            return 1;
        }
        let user = cx.state.user.clone();
        cx.out(format!("{user}\n"));
        0
    }
}

/// The account `name` (or, failing that, numeric uid `name`) as the session's `/etc/passwd`
/// and `/etc/group` have it now, so accounts added or changed with `useradd`/`usermod` are
/// seen; the session's own user exists even when the files do not list it (a login the
/// honeypot accepted).
pub(crate) fn account_named(cx: &CommandCtx<'_>, name: &str) -> Option<crate::host::Account> {
    let accounts = cx.fs.accounts();
    let user = accounts.user(name).or_else(|| {
        name.parse::<u32>()
            .ok()
            .and_then(|uid| accounts.user_by_uid(uid))
    });
    let Some(user) = user else {
        return (name == cx.state.user).then(|| cx.host.session_account(name));
    };
    let group = accounts
        .group_by_gid(user.gid)
        .map_or_else(|| user.gid.to_string(), |g| g.name.clone());
    let groups = accounts
        .groups
        .iter()
        .filter(|g| g.gid != user.gid && g.members.contains(&user.name))
        .map(|g| (g.gid, g.name.clone()))
        .collect();
    Some(crate::host::Account {
        name: user.name.clone(),
        uid: user.uid,
        gid: user.gid,
        group,
        groups,
        home: user.home.clone(),
        shell: user.shell.clone(),
    })
}

/// `id`: user and group ids.
pub struct Id;

impl Command for Id {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("id")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const SPEC: OptSpec = OptSpec {
            short: &[
                ('a', "a"),
                ('Z', "context"),
                ('g', "group"),
                ('G', "groups"),
                ('n', "name"),
                ('r', "real"),
                ('u', "user"),
                ('z', "zero"),
            ],
            long: &[
                "context", "group", "groups", "name", "real", "user", "zero", "help", "version",
            ],
        };
        let prog = argv.first().map_or("id", String::as_str);
        let parsed = getopt(prog, argv.get(1..).unwrap_or_default(), &SPEC);
        let (mut user, mut group, mut groups, mut context, mut name, mut zero) =
            (false, false, false, false, false, false);
        let mut real = false;
        for opt in &parsed.opts {
            match *opt {
                "help" => {
                    let current = if cx.host.coreutils_version.starts_with("8.") {
                        "user"
                    } else {
                        "process"
                    };
                    let text = format!(
                        "Usage: {prog} [OPTION]... [USER]...\n\
                         Print user and group information for each specified USER,\n\
                         or (when USER omitted) for the current {current}.\n\n\
                         \x20 -a             ignore, for compatibility with other versions\n\
                         \x20 -Z, --context  print only the security context of the process\n\
                         \x20 -g, --group    print only the effective group ID\n\
                         \x20 -G, --groups   print all group IDs\n\
                         \x20 -n, --name     print a name instead of a number, for -ugG\n\
                         \x20 -r, --real     print the real ID instead of the effective ID, with -ugG\n\
                         \x20 -u, --user     print only the effective user ID\n\
                         \x20 -z, --zero     delimit entries with NUL characters, not whitespace;\n\
                         \x20                  not permitted in default format\n\
                         {}\n\
                         Without any OPTION, print some useful set of identified information.\n{}",
                        cx.coreutils_help_options(),
                        cx.coreutils_help_footer("id")
                    );
                    cx.out(text);
                    return 0;
                }
                "version" => {
                    let text =
                        cx.coreutils_version_text("id", "Arnold Robbins and David MacKenzie");
                    cx.out(text);
                    return 0;
                }
                "context" => context = true,
                "group" => group = true,
                "groups" => groups = true,
                "name" => name = true,
                "real" => real = true,
                "user" => user = true,
                "zero" => zero = true,
                _ => {}
            }
        }
        if let Some(error) = parsed.error {
            cx.err(error + &try_help(prog));
            return 1;
        }
        let die = |cx: &mut CommandCtx<'_>, message: &str| {
            cx.err(format!("{prog}: {message}\n"));
            1
        };
        if !parsed.operands.is_empty() && context {
            return die(cx, "cannot print security context when user specified");
        }
        if usize::from(user) + usize::from(group) + usize::from(groups) + usize::from(context) > 1 {
            return die(cx, "cannot print \"only\" of more than one choice");
        }
        let default_format = !(user || group || groups || context);
        if default_format && (real || name) {
            return die(cx, "cannot print only names or real IDs in default format");
        }
        if default_format && zero {
            return die(cx, "option --zero not permitted in default format");
        }
        if context {
            return die(cx, "--context (-Z) works only on an SELinux-enabled kernel");
        }
        let session_user = cx.state.user.clone();
        let targets: Vec<String> = if parsed.operands.is_empty() {
            vec![session_user.clone()]
        } else {
            parsed.operands.clone()
        };
        let mut status = 0;
        let end = if zero { "\0" } else { "\n" };
        for target in &targets {
            // The session's own user exists even when the account database does not list it
            // (a login the honeypot accepted).
            let account = account_named(cx, target);
            let Some(account) = account else {
                let text = format!("{prog}: {}: no such user\n", cx.quote(target));
                cx.err(text);
                status = 1;
                continue;
            };
            let all_groups: Vec<(u32, String)> =
                std::iter::once((account.gid, account.group.clone()))
                    .chain(account.groups.iter().cloned())
                    .collect();
            let line = if user {
                if name {
                    account.name.clone()
                } else {
                    account.uid.to_string()
                }
            } else if group {
                if name {
                    account.group.clone()
                } else {
                    account.gid.to_string()
                }
            } else if groups {
                let sep = if zero { "\0" } else { " " };
                all_groups
                    .iter()
                    .map(|(gid, g)| if name { g.clone() } else { gid.to_string() })
                    .collect::<Vec<_>>()
                    .join(sep)
            } else {
                let list: Vec<String> = all_groups
                    .iter()
                    .map(|(gid, g)| format!("{gid}({g})"))
                    .collect();
                format!(
                    "uid={}({}) gid={}({}) groups={}",
                    account.uid,
                    account.name,
                    account.gid,
                    account.group,
                    list.join(",")
                )
            };
            cx.out(format!("{line}{end}"));
        }
        status
    }
}

/// `uname`: kernel and machine facts, GNU coreutils style.
pub struct Uname;

impl Command for Uname {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("uname")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const FIELDS: &[&str] = &[
            "kernel-name",
            "nodename",
            "kernel-release",
            "kernel-version",
            "machine",
            "processor",
            "hardware-platform",
            "operating-system",
        ];
        const SPEC: OptSpec = OptSpec {
            short: &[
                ('a', "all"),
                ('s', "kernel-name"),
                ('n', "nodename"),
                ('r', "kernel-release"),
                ('v', "kernel-version"),
                ('m', "machine"),
                ('p', "processor"),
                ('i', "hardware-platform"),
                ('o', "operating-system"),
            ],
            long: &[
                "all",
                "kernel-name",
                "nodename",
                "kernel-release",
                "kernel-version",
                "machine",
                "processor",
                "hardware-platform",
                "operating-system",
                "help",
                "version",
            ],
        };
        let prog = argv.first().map_or("uname", String::as_str);
        let parsed = getopt(prog, argv.get(1..).unwrap_or_default(), &SPEC);
        let mut all = false;
        let mut wanted = [false; 8];
        for opt in &parsed.opts {
            match *opt {
                "help" => {
                    let text = format!(
                        "Usage: {prog} [OPTION]...\n\
                         Print certain system information.  With no OPTION, same as -s.\n\n\
                         \x20 -a, --all                print all information, in the following order,\n\
                         \x20                            except omit -p and -i if unknown:\n\
                         \x20 -s, --kernel-name        print the kernel name\n\
                         \x20 -n, --nodename           print the network node hostname\n\
                         \x20 -r, --kernel-release     print the kernel release\n\
                         \x20 -v, --kernel-version     print the kernel version\n\
                         \x20 -m, --machine            print the machine hardware name\n\
                         \x20 -p, --processor          print the processor type (non-portable)\n\
                         \x20 -i, --hardware-platform  print the hardware platform (non-portable)\n\
                         \x20 -o, --operating-system   print the operating system\n{}{}",
                        cx.coreutils_help_options(),
                        cx.coreutils_help_footer("uname")
                    );
                    cx.out(text);
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("uname", "David MacKenzie");
                    cx.out(text);
                    return 0;
                }
                "all" => all = true,
                field => {
                    if let Some(i) = FIELDS.iter().position(|f| *f == field) {
                        wanted[i] = true;
                    }
                }
            }
        }
        if let Some(error) = parsed.error {
            cx.err(error + &try_help(prog));
            return 1;
        }
        if let Some(extra) = parsed.operands.first() {
            let text = format!(
                "{prog}: extra operand {}\n{}",
                cx.quote(extra),
                try_help(prog)
            );
            cx.err(text);
            return 1;
        }
        if !all && !wanted.contains(&true) {
            wanted[0] = true;
        }
        let host = cx.host;
        let values = [
            &host.kernel_name,
            &host.hostname,
            &host.kernel_release,
            &host.kernel_version,
            &host.machine,
            &host.processor,
            &host.hardware_platform,
            &host.os,
        ];
        let mut shown: Vec<&str> = Vec::new();
        for (i, value) in values.iter().enumerate() {
            let unknown_optional = (i == 5 || i == 6) && value.as_str() == "unknown";
            // -a shows everything except -p and -i when they are unknown.
            if wanted[i] || (all && !unknown_optional) {
                shown.push(value);
            }
        }
        cx.out(format!("{}\n", shown.join(" ")));
        0
    }
}

/// `hostname` (from the `hostname` package, not coreutils): shows the name; only root may
/// set it.
pub struct Hostname;

const HOSTNAME_USAGE: &str =
    "Usage: hostname [-b] {hostname|-F file}         set host name (from file)
       hostname [-a|-A|-d|-f|-i|-I|-s|-y]       display formatted name
       hostname                                 display host name

       {yp,nis,}domainname {nisdomain|-F file}  set NIS domain name (from file)
       {yp,nis,}domainname                      display NIS domain name

       dnsdomainname                            display dns domain name

       hostname -V|--version|-h|--help          print info and exit

Program name:
       {yp,nis,}domainname=hostname -y
       dnsdomainname=hostname -d

Program options:
    -a, --alias            alias names
    -A, --all-fqdns        all long host names (FQDNs)
    -b, --boot             set default hostname if none available
    -d, --domain           DNS domain name
    -f, --fqdn, --long     long host name (FQDN)
    -F, --file             read host name or NIS domain name from given file
    -i, --ip-address       addresses for the host name
    -I, --all-ip-addresses all addresses for the host
    -s, --short            short host name
    -y, --yp, --nis        NIS/YP domain name

Description:
   This command can get or set the host name or the NIS domain name. You can
   also get the DNS domain or the FQDN (fully qualified domain name).
   Unless you are using bind or NIS for host lookups you can change the
   FQDN (Fully Qualified Domain Name) and the DNS domain name (which is
   part of the FQDN) in the /etc/hosts file.
";

impl Command for Hostname {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("hostname")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const SPEC: OptSpec = OptSpec {
            short: &[
                ('a', "alias"),
                ('A', "all-fqdns"),
                ('b', "boot"),
                ('d', "domain"),
                ('f', "fqdn"),
                ('F', "file"),
                ('h', "help"),
                ('i', "ip-address"),
                ('I', "all-ip-addresses"),
                ('s', "short"),
                ('v', "verbose"),
                ('V', "version"),
                ('y', "nis"),
            ],
            // The hostname package's table order (it decides "ambiguous" messages).
            long: &[
                "domain",
                "boot",
                "file",
                "fqdn",
                "all-fqdns",
                "help",
                "long",
                "short",
                "version",
                "verbose",
                "alias",
                "ip-address",
                "all-ip-addresses",
                "nis",
                "yp",
            ],
        };
        // hostname names itself without the path in messages.
        let prog = "hostname";
        let parsed = getopt(prog, argv.get(1..).unwrap_or_default(), &SPEC);
        if let Some(error) = parsed.error {
            cx.err(error);
            cx.out(HOSTNAME_USAGE);
            return 255;
        }
        let host = cx.host.hostname.clone();
        let short = cx.host.short_hostname().to_owned();
        let mut set_from_file = false;
        let mut show: Option<&str> = None;
        for opt in &parsed.opts {
            match *opt {
                "help" => {
                    cx.out(HOSTNAME_USAGE);
                    return 255;
                }
                "version" => {
                    cx.out("hostname 3.23\n");
                    return 0;
                }
                "file" => set_from_file = true,
                "boot" | "verbose" => {}
                other => show = Some(other),
            }
        }
        if set_from_file || (!parsed.operands.is_empty() && show.is_none()) {
            if !cx.state.is_root() {
                cx.err("hostname: you must be root to change the host name\n");
                return 1;
            }
            // Root may: the name stays as the profile says, since the profile is the node's
            // one identity shared by every session.
            return 0;
        }
        let fqdn = fqdn(cx.host);
        let address = cx.host.network.ipv4.to_string();
        match show {
            None => cx.out(format!("{host}\n")),
            Some("short") => cx.out(format!("{short}\n")),
            Some("fqdn" | "long") => cx.out(format!("{fqdn}\n")),
            // Every address's name, each followed by a space, as hostname prints them.
            Some("all-fqdns") => cx.out(format!("{fqdn} \n")),
            Some("domain") => {
                if let Some((_, domain)) = fqdn.split_once('.') {
                    cx.out(format!("{domain}\n"));
                }
            }
            Some("nis" | "yp") => {
                cx.err("hostname: Local domain name not set\n");
                return 1;
            }
            // The name resolves through /etc/hosts (127.0.1.1) where the file maps it, else
            // through DNS to the interface address.
            Some("ip-address") => {
                if crate::host::files::etc::hosts_maps_loopback(cx.host) {
                    cx.out("127.0.1.1\n");
                } else {
                    cx.out(format!("{address}\n"));
                }
            }
            // Every configured address but loopback and link-local, each followed by a space.
            Some("all-ip-addresses") => cx.out(format!("{address} \n")),
            Some(_) => cx.out("\n"),
        }
        0
    }
}

/// The fully qualified name the hostname resolves to: EC2's resolver answers its own
/// `ip-a-b-c-d` names with the region's internal domain; other names resolve to themselves.
fn fqdn(host: &crate::host::HostProfile) -> String {
    if host.hostname.contains('.') {
        return host.hostname.clone();
    }
    let aws = matches!(
        host.platform,
        crate::host::platform::Platform::Aws | crate::host::platform::Platform::AwsXen
    );
    if aws && host.hostname.starts_with("ip-") {
        format!("{}.ec2.internal", host.hostname)
    } else {
        host.hostname.clone()
    }
}

#[cfg(test)]
mod tests;
