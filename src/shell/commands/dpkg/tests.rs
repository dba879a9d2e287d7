//! Expected texts from dpkg 1.21.1 on Ubuntu 22.04, for the fixed host (which has only
//! `openssh-server` installed).

use crate::shell::commands::testing::{run_as, run_status};

#[test]
fn list_has_the_dpkg_header_and_widths() {
    let (out, status) = run_status("dpkg -l");
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "Desired=Unknown/Install/Remove/Purge/Hold\n\
         | Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n\
         |/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n\
         ||/ Name           Version             Architecture Description\n\
         +++-==============-===================-============-=================================================================\n\
         ii  openssh-server 1:8.9p1-3ubuntu0.10 amd64        secure shell (SSH) server, for secure access from remote machines\n"
    );
    assert_eq!(run_status("dpkg -l 'openssh*'").0, out);
    assert_eq!(
        run_status("dpkg -l nginx"),
        ("dpkg-query: no packages found matching nginx\n".into(), 1)
    );
}

#[test]
fn status_and_show() {
    let (out, status) = run_status("dpkg -s openssh-server");
    assert_eq!(status, 0);
    assert!(out.starts_with(
        "Package: openssh-server\nStatus: install ok installed\nPriority: optional\nSection: net\n"
    ));
    assert!(out.contains("\nSource: openssh\nVersion: 1:8.9p1-3ubuntu0.10\n"));
    assert_eq!(
        run_status("dpkg -s nosuch"),
        (
            "dpkg-query: package 'nosuch' is not installed and no information is available\n\
             Use dpkg --info (= dpkg-deb --info) to examine archive files.\n"
                .into(),
            1
        )
    );
    assert_eq!(
        run_status("dpkg-query -W"),
        ("openssh-server\t1:8.9p1-3ubuntu0.10\n".into(), 0)
    );
    assert_eq!(
        run_status("dpkg-query -W -f='${Package} ${Status}\\n' openssh-server"),
        ("openssh-server install ok installed\n".into(), 0)
    );
    assert_eq!(
        run_status("dpkg-query -W nosuch"),
        ("dpkg-query: no packages found matching nosuch\n".into(), 1)
    );
}

#[test]
fn version_and_privileges() {
    assert_eq!(
        run_status("dpkg --version").0,
        "Debian 'dpkg' package management program version 1.21.1 (amd64).\n\
         This is free software; see the GNU General Public License version 2 or\n\
         later for copying conditions. There is NO warranty.\n"
    );
    let outcome = run_as("deploy", "dpkg -i x.deb");
    assert_eq!(
        String::from_utf8_lossy(&outcome.output),
        "dpkg: error: requested operation requires superuser privilege\n"
    );
    assert_eq!(outcome.status, 2);
    assert_eq!(
        run_status("dpkg"),
        (
            "dpkg: error: need an action option\n\n\
             Use --help for help about installing and deinstalling packages.\n"
                .into(),
            2
        )
    );
}
