//! Interpreters: `python3` and `perl`. They report their versions and complain about
//! missing scripts like the real ones; code given to them (`-c`, `-e`, a script file) is
//! never run: it "runs" silently and succeeds.

use super::fetch::absolute;
use super::{Command, CommandCtx};
use crate::host::release::Series;

/// `python3`.
pub struct Python3;

impl Python3 {
    /// The upstream version of the release's `python3.X` package, e.g. `3.10.12`.
    fn version(cx: &CommandCtx<'_>) -> String {
        cx.host
            .release()
            .packages
            .iter()
            .find(|(name, _, _)| name.starts_with("python3.") && name.len() > 8)
            .map(|(_, version, _)| version.split('-').next().unwrap_or(version).to_owned())
            .unwrap_or_else(|| "3.10.12".to_owned())
    }
}

impl Command for Python3 {
    fn names(&self) -> &'static [&'static str] {
        &[
            "python3",
            "/usr/bin/python3",
            "/bin/python3",
            "python3.8",
            "/usr/bin/python3.8",
            "python3.10",
            "/usr/bin/python3.10",
            "python3.12",
            "/usr/bin/python3.12",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-V" | "--version" => {
                    let text = format!("Python {}\n", Python3::version(cx));
                    cx.out(text);
                    return 0;
                }
                "-c" | "-m" => return 0,
                a if a.starts_with('-') => {}
                script => {
                    if cx.fs.is_dir(script) || !cx.fs.exists(script) {
                        let path = absolute(cx, script);
                        let (errno, text) = if cx.fs.is_dir(script) {
                            (21, "Is a directory")
                        } else {
                            (2, "No such file or directory")
                        };
                        let prog = argv.first().map_or("python3", String::as_str);
                        let prog = if prog.starts_with("python3.") {
                            "python3"
                        } else {
                            prog
                        };
                        cx.err(format!(
                            "{prog}: can't open file '{path}': [Errno {errno}] {text}\n"
                        ));
                        return 2;
                    }
                    return 0;
                }
            }
        }
        0
    }
}

/// `perl`.
pub struct Perl;

impl Command for Perl {
    fn names(&self) -> &'static [&'static str] {
        &[
            "perl",
            "/usr/bin/perl",
            "/bin/perl",
            "perl5.30.0",
            "/usr/bin/perl5.30.0",
            "perl5.34.0",
            "/usr/bin/perl5.34.0",
            "perl5.38.2",
            "/usr/bin/perl5.38.2",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (minor, sub, patches, year) = match cx.host.series() {
            Series::Focal => (30, 0, 49, 2019),
            Series::Jammy => (34, 0, 60, 2021),
            Series::Noble => (38, 2, 47, 2023),
        };
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-v" | "--version" => {
                    cx.out(format!(
                        "\nThis is perl 5, version {minor}, subversion {sub} (v5.{minor}.{sub}) built for x86_64-linux-gnu-thread-multi\n\
                         (with {patches} registered patches, see perl -V for more detail)\n\n\
                         Copyright 1987-{year}, Larry Wall\n\n\
                         Perl may be copied only under the terms of either the Artistic License or the\n\
                         GNU General Public License, which may be found in the Perl 5 source kit.\n\n\
                         Complete documentation for Perl, including FAQ lists, should be found on\n\
                         this system using \"man perl\" or \"perldoc perl\".  If you have access to the\n\
                         Internet, point your browser at https://www.perl.org/, the Perl Home Page.\n\n"
                    ));
                    return 0;
                }
                "-e" | "-E" => return 0,
                a if a.starts_with('-') => {}
                script => {
                    if !cx.fs.exists(script) {
                        cx.err(format!(
                            "Can't open perl script \"{script}\": No such file or directory\n"
                        ));
                        return 2;
                    }
                    return 0;
                }
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::run_status;

    #[test]
    fn versions_and_missing_scripts() {
        assert_eq!(run_status("python3 -V"), ("Python 3.10.12\n".into(), 0));
        assert_eq!(run_status("python3 -c 'import os'"), (String::new(), 0));
        assert_eq!(
            run_status("cd /root; python3 x.py"),
            (
                "python3: can't open file '/root/x.py': [Errno 2] No such file or directory\n"
                    .into(),
                2
            )
        );
        assert!(
            run_status("perl -v")
                .0
                .starts_with("\nThis is perl 5, version 34, subversion 0 (v5.34.0) built for")
        );
        assert_eq!(
            run_status("perl x.pl"),
            (
                "Can't open perl script \"x.pl\": No such file or directory\n".into(),
                2
            )
        );
    }
}
