//! `getconf` (glibc): system configuration values. Processor counts come from the host
//! profile's CPU and the C library version from its `libc6` package, so `getconf` agrees
//! with `nproc`, `lscpu` and `dpkg`.

use super::{Command, CommandCtx, usr_bin};

/// `getconf [-v specification] variable_name [pathname]`.
pub struct Getconf;

const USAGE: &str =
    "Usage: getconf [-v specification] variable_name [pathname]\n       getconf -a [pathname]\n";

/// Values that do not depend on the host: `sysconf` and `confstr` names.
const SYSTEM: &[(&str, &str)] = &[
    ("ARG_MAX", "2097152"),
    ("CHILD_MAX", "15421"),
    ("CLK_TCK", "100"),
    ("NGROUPS_MAX", "65536"),
    ("OPEN_MAX", "1024"),
    ("STREAM_MAX", "16"),
    ("TZNAME_MAX", "undefined"),
    ("PAGESIZE", "4096"),
    ("PAGE_SIZE", "4096"),
    ("LONG_BIT", "64"),
    ("WORD_BIT", "32"),
    ("CHAR_BIT", "8"),
    ("CHAR_MAX", "127"),
    ("CHAR_MIN", "-128"),
    ("INT_MAX", "2147483647"),
    ("INT_MIN", "-2147483648"),
    ("UINT_MAX", "4294967295"),
    ("LONG_MAX", "9223372036854775807"),
    ("LONG_MIN", "-9223372036854775808"),
    ("ULONG_MAX", "18446744073709551615"),
    ("SSIZE_MAX", "32767"),
    ("HOST_NAME_MAX", "64"),
    ("LOGIN_NAME_MAX", "256"),
    ("LINE_MAX", "2048"),
    ("RE_DUP_MAX", "32767"),
    ("IOV_MAX", "1024"),
    ("SYMLOOP_MAX", "undefined"),
    ("_POSIX_VERSION", "200809"),
    ("POSIX_VERSION", "200809"),
    ("_POSIX2_VERSION", "200809"),
    ("POSIX2_VERSION", "200809"),
    ("_XOPEN_VERSION", "700"),
    ("PATH", "/bin:/usr/bin"),
    ("CS_PATH", "/bin:/usr/bin"),
    ("LEVEL1_DCACHE_LINESIZE", "64"),
    ("LEVEL1_ICACHE_LINESIZE", "64"),
];

/// `pathconf` names: they need a pathname operand.
const PATH: &[(&str, &str)] = &[
    ("LINK_MAX", "65000"),
    ("_POSIX_LINK_MAX", "65000"),
    ("MAX_CANON", "255"),
    ("_POSIX_MAX_CANON", "255"),
    ("MAX_INPUT", "255"),
    ("_POSIX_MAX_INPUT", "255"),
    ("NAME_MAX", "255"),
    ("_POSIX_NAME_MAX", "255"),
    ("PATH_MAX", "4096"),
    ("_POSIX_PATH_MAX", "4096"),
    ("PIPE_BUF", "4096"),
    ("_POSIX_PIPE_BUF", "4096"),
    ("FILESIZEBITS", "64"),
    ("SYMLINK_MAX", "undefined"),
    ("POSIX_ALLOC_SIZE_MIN", "4096"),
    ("POSIX_REC_XFER_ALIGN", "4096"),
];

impl Getconf {
    /// The host's `libc6` package version and its upstream part (`2.35-0ubuntu3.6`, `2.35`).
    fn libc(cx: &CommandCtx<'_>) -> (&'static str, &'static str) {
        let version = cx
            .host
            .release()
            .packages
            .iter()
            .find(|(pkg, _, _)| *pkg == "libc6")
            .map_or("2.35-0ubuntu3.6", |(_, version, _)| *version);
        (version, version.split('-').next().unwrap_or(version))
    }

    /// The value of a host-dependent or constant system variable.
    fn system_value(cx: &CommandCtx<'_>, name: &str) -> Option<String> {
        let glibc = Getconf::libc(cx).1;
        match name {
            "_NPROCESSORS_ONLN" | "_NPROCESSORS_CONF" | "NPROCESSORS_ONLN" | "NPROCESSORS_CONF" => {
                Some(cx.host.cpu.vcpus.max(1).to_string())
            }
            "_PHYS_PAGES" | "PHYS_PAGES" => Some((cx.host.memory.total_kb / 4).to_string()),
            "GNU_LIBC_VERSION" => Some(format!("glibc {glibc}")),
            "GNU_LIBPTHREAD_VERSION" => Some(format!("NPTL {glibc}")),
            _ => SYSTEM
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned()),
        }
    }
}

impl Command for Getconf {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("getconf")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("getconf", String::as_str);
        let mut args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
        if args.first() == Some(&"--version") {
            let (version, upstream) = Getconf::libc(cx);
            cx.out(format!(
                "{prog} (Ubuntu GLIBC {version}) {upstream}\n\
                 Copyright (C) 2022 Free Software Foundation, Inc.\n\
                 This is free software; see the source for copying conditions.  There is NO\n\
                 warranty; not even for MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\n\
                 Written by Roland McGrath and Ulrich Drepper.\n"
            ));
            return 0;
        }
        if args.first() == Some(&"--help") {
            cx.out(USAGE);
            return 0;
        }
        if args.first() == Some(&"-a") {
            let mut out = String::new();
            for (name, value) in PATH.iter().chain(SYSTEM) {
                out.push_str(&format!("{name:<35}{value}\n"));
            }
            for name in ["_NPROCESSORS_CONF", "_NPROCESSORS_ONLN", "GNU_LIBC_VERSION"] {
                let value = Getconf::system_value(cx, name).unwrap_or_default();
                out.push_str(&format!("{name:<35}{value}\n"));
            }
            cx.out(out);
            return 0;
        }
        // `-v specification` picks a compilation environment; every one has the same values.
        if args.first() == Some(&"-v") {
            args.drain(..args.len().min(2));
        } else if let Some(spec) = args.first().and_then(|a| a.strip_prefix("-v"))
            && !spec.is_empty()
        {
            args.remove(0);
        }
        let (name, path) = match args.as_slice() {
            [name] => (*name, None),
            [name, path] => (*name, Some(*path)),
            _ => {
                cx.err(USAGE);
                return 2;
            }
        };
        if let Some((_, value)) = PATH.iter().find(|(n, _)| *n == name) {
            let Some(path) = path else {
                cx.err(USAGE);
                return 2;
            };
            if !cx.fs.exists(path) {
                cx.err(format!("{prog}: {path}: No such file or directory\n"));
                return 1;
            }
            cx.out(format!("{value}\n"));
            return 0;
        }
        match Getconf::system_value(cx, name) {
            Some(_) if path.is_some() => {
                cx.err(USAGE);
                2
            }
            Some(value) => {
                cx.out(format!("{value}\n"));
                0
            }
            None => {
                cx.err(format!("{prog}: Unrecognized variable `{name}'\n"));
                2
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts are glibc 2.35 `getconf`'s on an x86-64 Ubuntu 22.04.

    use crate::shell::commands::testing::{host, run_status};

    #[test]
    fn values_like_glibc() {
        assert_eq!(run_status("getconf LONG_BIT"), ("64\n".into(), 0));
        assert_eq!(run_status("getconf PAGESIZE"), ("4096\n".into(), 0));
        assert_eq!(run_status("getconf PAGE_SIZE"), ("4096\n".into(), 0));
        assert_eq!(run_status("getconf ARG_MAX"), ("2097152\n".into(), 0));
        assert_eq!(run_status("getconf CLK_TCK"), ("100\n".into(), 0));
        assert_eq!(run_status("getconf NAME_MAX /"), ("255\n".into(), 0));
        assert_eq!(
            run_status("getconf GNU_LIBC_VERSION"),
            ("glibc 2.35\n".into(), 0)
        );
        assert_eq!(
            run_status("getconf -v POSIX_V7_LP64_OFF64 LONG_BIT"),
            ("64\n".into(), 0)
        );
    }

    #[test]
    fn processors_agree_with_nproc() {
        let n = host().cpu.vcpus;
        assert_eq!(
            run_status("getconf _NPROCESSORS_ONLN"),
            (format!("{n}\n"), 0)
        );
        assert_eq!(
            run_status("getconf _NPROCESSORS_ONLN").0,
            run_status("nproc --all").0
        );
    }

    #[test]
    fn errors_like_glibc() {
        let usage = "Usage: getconf [-v specification] variable_name [pathname]\n       getconf -a [pathname]\n";
        assert_eq!(
            run_status("getconf FOO"),
            ("getconf: Unrecognized variable `FOO'\n".into(), 2)
        );
        assert_eq!(run_status("getconf"), (usage.into(), 2));
        assert_eq!(run_status("getconf LONG_BIT /"), (usage.into(), 2));
        assert_eq!(run_status("getconf NAME_MAX"), (usage.into(), 2));
        assert_eq!(run_status("getconf ARG_MAX CLK_TCK"), (usage.into(), 2));
    }
}
