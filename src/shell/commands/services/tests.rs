//! Expected texts from systemd 249 (Ubuntu 22.04) `systemctl` and sysvinit-utils `service`,
//! for the fixed host's facts.

use crate::shell::commands::testing::{run_as, run_status};

fn as_user(user: &str, line: &str) -> (String, i32) {
    let outcome = run_as(user, line);
    (
        String::from_utf8_lossy(&outcome.output).into_owned(),
        outcome.status,
    )
}

#[test]
fn status_shows_the_daemon_ps_shows() {
    let (out, status) = run_status("systemctl status ssh");
    assert_eq!(status, 0);
    assert_eq!(
        out,
        "● ssh.service - OpenBSD Secure Shell server\n\
         \x20    Loaded: loaded (/lib/systemd/system/ssh.service; enabled; vendor preset: enabled)\n\
         \x20    Active: active (running) since Wed 2024-01-10 07:12:48 UTC; 1 month 11 days ago\n\
         \x20      Docs: man:sshd(8)\n\
         \x20            man:sshd_config(5)\n\
         \x20  Main PID: 733 (sshd)\n\
         \x20     Tasks: 1 (limit: 4645)\n\
         \x20    Memory: 8.7M\n\
         \x20       CPU: 10min 6.733s\n\
         \x20    CGroup: /system.slice/ssh.service\n\
         \x20            └─733 \"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\"\n\
         \n\
         Jan 10 07:12:48 web-prod-03 systemd[1]: Starting OpenBSD Secure Shell server...\n\
         Jan 10 07:12:48 web-prod-03 sshd[733]: Server listening on 0.0.0.0 port 22.\n\
         Jan 10 07:12:48 web-prod-03 sshd[733]: Server listening on :: port 22.\n\
         Jan 10 07:12:48 web-prod-03 systemd[1]: Started OpenBSD Secure Shell server.\n"
    );
    // `ubuntu` is in `adm` and reads the journal; users outside it see no journal lines.
    assert!(
        as_user("ubuntu", "systemctl status ssh")
            .0
            .ends_with("systemd[1]: Started OpenBSD Secure Shell server.\n")
    );
    let (out, _) = as_user("deploy", "systemctl status ssh");
    assert!(out.ends_with(" 0 of 10-100 startups\"\n"));
    // `sshd` is an alias of ssh.service.
    assert!(
        run_status("systemctl status sshd.service")
            .0
            .starts_with("● ssh.service")
    );
}

#[test]
fn unknown_units() {
    assert_eq!(
        run_status("systemctl status nosuch"),
        ("Unit nosuch.service could not be found.\n".into(), 4)
    );
    assert_eq!(
        run_status("systemctl is-active nosuch"),
        ("inactive\n".into(), 3)
    );
    assert_eq!(
        run_status("systemctl is-enabled nosuch"),
        (
            "Failed to get unit file state for nosuch.service: No such file or directory\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("systemctl start nosuch"),
        (
            "Failed to start nosuch.service: Unit nosuch.service not found.\n".into(),
            5
        )
    );
}

#[test]
fn is_active_and_is_enabled() {
    assert_eq!(
        run_status("systemctl is-active cron"),
        ("active\n".into(), 0)
    );
    assert_eq!(
        run_status("systemctl is-enabled ssh"),
        ("enabled\n".into(), 0)
    );
    // The fixed host runs no nginx.
    assert_eq!(
        run_status("systemctl is-active nginx"),
        ("inactive\n".into(), 3)
    );
}

#[test]
fn root_stops_and_starts_units_for_the_session() {
    let (out, status) =
        run_status("systemctl stop cron; systemctl is-active cron; systemctl status cron");
    assert_eq!(status, 3);
    assert_eq!(
        out,
        "inactive\n\
         ○ cron.service - Regular background program processing daemon\n\
         \x20    Loaded: loaded (/lib/systemd/system/cron.service; enabled; vendor preset: enabled)\n\
         \x20    Active: inactive (dead) since Wed 2024-02-21 10:03:01 UTC; now\n\
         \x20      Docs: man:cron(8)\n"
    );
    assert_eq!(
        run_status("systemctl stop cron; systemctl start cron; systemctl is-active cron"),
        ("active\n".into(), 0)
    );
    assert_eq!(
        run_status("systemctl disable cron"),
        (
            "Synchronizing state of cron.service with SysV service script with /lib/systemd/systemd-sysv-install.\n\
             Executing: /lib/systemd/systemd-sysv-install disable cron\n\
             Removed /etc/systemd/system/multi-user.target.wants/cron.service.\n"
                .into(),
            0
        )
    );
}

#[test]
fn users_are_refused_by_polkit() {
    assert_eq!(
        as_user("deploy", "systemctl stop ssh"),
        (
            "Failed to stop ssh.service: Interactive authentication required.\n\
             See system logs and 'systemctl status ssh.service' for details.\n"
                .into(),
            1
        )
    );
    assert_eq!(
        as_user("deploy", "systemctl enable ssh"),
        (
            "Failed to enable unit: Interactive authentication required.\n".into(),
            1
        )
    );
    assert_eq!(
        as_user("deploy", "systemctl is-active ssh"),
        ("active\n".into(), 0)
    );
}

#[test]
fn list_units_table_and_legend() {
    let (out, status) = run_status("systemctl list-units --type=service");
    assert_eq!(status, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "  UNIT                               LOAD   ACTIVE SUB     DESCRIPTION"
    );
    assert!(lines.contains(
        &"  ssh.service                        loaded active running OpenBSD Secure Shell server"
    ));
    assert!(lines.contains(
        &"  systemd-sysctl.service             loaded active exited  Apply Kernel Variables"
    ));
    assert!(out.ends_with(
        "\nLOAD   = Reflects whether the unit definition was properly loaded.\n\
         ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n\
         SUB    = The low-level unit activation state, values depend on unit type.\n\
         27 loaded units listed. Pass --all to see loaded but inactive units, too.\n\
         To show all installed unit files use 'systemctl list-unit-files'.\n"
    ));
}

#[test]
fn service_wraps_systemctl() {
    let (out, status) = run_status("service --status-all");
    assert_eq!(status, 0);
    assert!(out.starts_with(" [ + ]  apparmor\n [ + ]  apport\n"));
    assert!(out.contains("\n [ + ]  ssh\n"));
    assert!(out.contains("\n [ - ]  grub-common\n"));
    assert_eq!(
        run_status("service nosuch start"),
        (
            "Failed to start nosuch.service: Unit nosuch.service not found.\n".into(),
            5
        )
    );
    assert_eq!(run_status("service cron stop; service cron status").1, 3);
    assert_eq!(
        as_user("deploy", "service ssh restart"),
        (
            "Failed to restart ssh.service: Interactive authentication required.\n\
             See system logs and 'systemctl status ssh.service' for details.\n"
                .into(),
            1
        )
    );
}

#[test]
fn relative_times_like_systemd() {
    assert_eq!(super::format::relative(0), "now");
    assert_eq!(super::format::relative(59), "59s ago");
    assert_eq!(super::format::relative(125), "2min 5s ago");
    assert_eq!(super::format::relative(3 * 3600 + 120), "3h 2min ago");
    assert_eq!(super::format::relative(26 * 3600), "1 day 2h ago");
    assert_eq!(super::format::relative(9 * 86_400), "1 week 2 days ago");
    assert_eq!(super::format::relative(400 * 86_400), "1 year 1 month ago");
}

#[test]
fn power_links() {
    assert_eq!(
        run_status("shutdown +5"),
        (
            "Shutdown scheduled for Wed 2024-02-21 10:08:01 UTC, use 'shutdown -c' to cancel.\n"
                .into(),
            0
        )
    );
    assert_eq!(run_status("shutdown -c"), (String::new(), 0));
    assert_eq!(
        as_user("deploy", "reboot"),
        (
            "Failed to set wall message, ignoring: Interactive authentication required.\n\
             Failed to reboot system via logind: Interactive authentication required.\n\
             Failed to open initctl fifo: Permission denied\n\
             Failed to talk to init daemon.\n"
                .into(),
            1
        )
    );
}
