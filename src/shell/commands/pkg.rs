//! `apt-get` and `apt` (APT 2.x): installing never works. Other users cannot take dpkg's
//! lock; root finds the mirrors unreachable (`Temporary failure resolving`), so `update`
//! fails softly, an installed package is "already the newest version" (from the profile's
//! package list) and anything else cannot be located. Nothing is ever fetched.

use super::{Command, CommandCtx};

/// `apt-get`, `apt`.
pub struct AptGet;

const READING: &str = "Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n";

impl Command for AptGet {
    fn names(&self) -> &'static [&'static str] {
        &[
            "apt-get",
            "/usr/bin/apt-get",
            "/bin/apt-get",
            "apt",
            "/usr/bin/apt",
            "/bin/apt",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let apt = argv
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some("apt"));
        let words: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let Some(action) = words.first().map(|s| s.as_str()) else {
            let release = cx
                .host
                .release()
                .packages
                .iter()
                .find(|(n, _, _)| *n == "apt")
                .map_or("2.4.11", |(_, v, _)| v);
            cx.out(format!(
                "apt {release} (amd64)\nUsage: {} [options] command\n",
                if apt { "apt" } else { "apt-get" }
            ));
            return if apt { 1 } else { 0 };
        };
        if apt && cx.terminal().is_none() {
            cx.err("\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n");
        }
        let root = cx.fs.cred().is_root();
        match action {
            "update" => {
                if !root {
                    cx.out("Reading package lists... Done\n");
                    cx.err(
                        "E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\n\
                         E: Unable to lock directory /var/lib/apt/lists/\n",
                    );
                    return 100;
                }
                let codename = cx.host.release().codename;
                let suites = [
                    ("archive", codename.to_owned()),
                    ("archive", format!("{codename}-updates")),
                    ("archive", format!("{codename}-backports")),
                    ("security", format!("{codename}-security")),
                ];
                let mut out = String::new();
                let mut warnings = String::new();
                for (n, (host, suite)) in suites.iter().enumerate() {
                    out.push_str(&format!(
                        "Err:{} http://{host}.ubuntu.com/ubuntu {suite} InRelease\n  Temporary failure resolving '{host}.ubuntu.com'\n",
                        n + 1
                    ));
                    warnings.push_str(&format!(
                        "W: Failed to fetch http://{host}.ubuntu.com/ubuntu/dists/{suite}/InRelease  Temporary failure resolving '{host}.ubuntu.com'\n"
                    ));
                }
                out.push_str("Reading package lists... Done\n");
                if super::offline::realistic(cx) {
                    super::offline::apt::update_wait();
                }
                cx.out(out);
                cx.err(format!(
                    "{warnings}W: Some index files failed to download. They have been ignored, or old ones used instead.\n"
                ));
                0
            }
            "install" | "upgrade" | "remove" | "purge" | "dist-upgrade" | "autoremove"
            | "reinstall" => {
                if !root {
                    cx.err(
                        "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n\
                         E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n",
                    );
                    return 100;
                }
                cx.out(READING);
                if action != "install" && action != "reinstall" {
                    cx.out("Calculating upgrade... Done\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n");
                    return 0;
                }
                if super::offline::realistic(cx) {
                    let missing: Vec<&str> = words
                        .iter()
                        .skip(1)
                        .map(|w| w.as_str())
                        .filter(|w| !cx.host.packages.iter().any(|p| p.name == *w))
                        .collect();
                    let yes = argv.iter().any(|a| {
                        a == "--yes"
                            || a == "--assume-yes"
                            || (a.starts_with('-') && !a.starts_with("--") && a.contains('y'))
                    });
                    if !missing.is_empty()
                        && let Some((out, err, status)) =
                            super::offline::apt::install(&missing, cx.host.release().codename, yes)
                    {
                        cx.out(out);
                        cx.err(err);
                        return status;
                    }
                }
                for name in words.iter().skip(1) {
                    let found = cx.host.packages.iter().find(|p| p.name == **name);
                    match found {
                        Some(package) => {
                            let text = format!(
                                "{} is already the newest version ({}).\n",
                                package.name, package.version
                            );
                            cx.out(text);
                        }
                        None => {
                            cx.err(format!("E: Unable to locate package {name}\n"));
                            return 100;
                        }
                    }
                }
                cx.out("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n");
                0
            }
            other => {
                cx.err(format!("E: Invalid operation {other}\n"));
                100
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn installs_fail_realistically() {
        assert_eq!(
            run_status("apt-get install -y nosuchpkg"),
            (
                "Reading package lists... Done\nBuilding dependency tree... Done\n\
                 Reading state information... Done\nE: Unable to locate package nosuchpkg\n"
                    .into(),
                100
            )
        );
        let user = run_as("deploy", "apt-get install curl");
        assert_eq!(user.status, 100);
        assert!(
            String::from_utf8_lossy(&user.output).starts_with(
                "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n"
            )
        );
        let (out, status) = run_status("apt-get update");
        assert_eq!(status, 0);
        assert!(out.starts_with(
            "Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n  Temporary failure resolving 'archive.ubuntu.com'\n"
        ));
        assert!(out.ends_with(
            "W: Some index files failed to download. They have been ignored, or old ones used instead.\n"
        ));
        assert_eq!(
            run_status("apt-get foo"),
            ("E: Invalid operation foo\n".into(), 100)
        );
    }
}
