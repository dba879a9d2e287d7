//! Expected texts from GNU coreutils `date` (8.32's messages; formats checked against the
//! real tool for the same instants). The test clock reads Wed 21 Feb 2024 10:03:01 UTC.

use crate::shell::commands::testing::{run, run_as, run_status};

#[test]
fn default_output_is_the_session_clock_in_utc() {
    assert_eq!(
        run_status("date"),
        ("Wed Feb 21 10:03:01 UTC 2024\n".into(), 0)
    );
    assert_eq!(run("date -u"), "Wed Feb 21 10:03:01 UTC 2024\n");
    assert_eq!(run("/bin/date +%s"), "1708509781\n");
    assert_eq!(
        run("LANG=en_US.UTF-8 date"),
        "Wed Feb 21 10:03:01 AM UTC 2024\n"
    );
}

#[test]
fn time_zones_from_tz() {
    assert_eq!(
        run("TZ=America/New_York date"),
        "Wed Feb 21 05:03:01 EST 2024\n"
    );
    assert_eq!(
        run("TZ=America/New_York date -u"),
        "Wed Feb 21 10:03:01 UTC 2024\n"
    );
    assert_eq!(run("TZ=Foo/Bar date"), "Wed Feb 21 10:03:01 Foo 2024\n");
    assert_eq!(run("TZ=XYZ-3 date"), "Wed Feb 21 13:03:01 XYZ 2024\n");
    assert_eq!(
        run("TZ=Asia/Kolkata date '+%z %:::z %Z'"),
        "+0530 +05:30 IST\n"
    );
    assert_eq!(
        run("TZ=EST5EDT date -d 2024-07-04T12:00Z"),
        "Thu Jul  4 08:00:00 EDT 2024\n"
    );
    assert_eq!(
        run("TZ=Europe/Berlin date -d '2024-07-01 12:00' +%s"),
        "1719828000\n"
    );
}

#[test]
fn format_sequences_like_glibc() {
    assert_eq!(
        run("date '+%a %A %b %B %C %d %D %e %F %g %G %H %I %j %k %l %m %M %p %P %q %r %R %S %T'"),
        "Wed Wednesday Feb February 20 21 02/21/24 21 2024-02-21 24 2024 10 10 052 10 10 02 03 AM am 1 10:03:01 AM 10:03 01 10:03:01\n"
    );
    assert_eq!(
        run("date '+%u %U %V %w %W %x %X %y %Y %z %:z %::z %:::z %Z %-d %_m %10Y %^b %#Z %5N %Q'"),
        "3 07 08 3 08 02/21/24 10:03:01 24 2024 +0000 +00:00 +00:00:00 +00 UTC 21  2 0000002024 FEB utc 00000 %Q\n"
    );
    assert_eq!(run("date +%N"), "000000000\n");
    assert_eq!(run("date +%%%t%n"), "%\t\n\n");
    assert_eq!(run("date +"), "\n");
}

#[test]
fn standard_formats() {
    assert_eq!(run("date -R"), "Wed, 21 Feb 2024 10:03:01 +0000\n");
    assert_eq!(run("date -I"), "2024-02-21\n");
    assert_eq!(run("date -Iseconds"), "2024-02-21T10:03:01+00:00\n");
    assert_eq!(run("date -Ih"), "2024-02-21T10+00:00\n");
    assert_eq!(
        run("date --iso-8601=ns"),
        "2024-02-21T10:03:01,000000000+00:00\n"
    );
    assert_eq!(
        run("date --rfc-3339=seconds"),
        "2024-02-21 10:03:01+00:00\n"
    );
    assert_eq!(
        run("date --rfc-3339=ns"),
        "2024-02-21 10:03:01.000000000+00:00\n"
    );
}

#[test]
fn dates_from_strings() {
    assert_eq!(run("date -d @0"), "Thu Jan  1 00:00:00 UTC 1970\n");
    assert_eq!(
        run("date --date=@2147483647"),
        "Tue Jan 19 03:14:07 UTC 2038\n"
    );
    assert_eq!(run("date -d @1.5 +%s.%N"), "1.500000000\n");
    assert_eq!(run("date -d now +%s"), "1708509781\n");
    assert_eq!(run("date -d 2024-02-21"), "Wed Feb 21 00:00:00 UTC 2024\n");
    assert_eq!(
        run("date -d '2024-02-21 10:00:00'"),
        "Wed Feb 21 10:00:00 UTC 2024\n"
    );
    assert_eq!(run("date -d '3 days ago' +%F"), "2024-02-18\n");
    assert_eq!(run("date -d yesterday +%F"), "2024-02-20\n");
    assert_eq!(run("date -d '+1 month' +%F"), "2024-03-21\n");
    assert_eq!(run("date -d 'Jan 5 2023' +%F"), "2023-01-05\n");
    assert_eq!(
        run_status("date -d foo"),
        ("date: invalid date \u{2018}foo\u{2019}\n".into(), 1)
    );
}

#[test]
fn dates_from_files() {
    assert_eq!(
        run_status("printf '@0\\nfoo\\n2024-01-02\\n' | date -f - +%F"),
        (
            "1970-01-01\ndate: invalid date \u{2018}foo\u{2019}\n2024-01-02\n".into(),
            1
        )
    );
    assert_eq!(
        run_status("date -f /nonexistent"),
        ("date: /nonexistent: No such file or directory\n".into(), 1)
    );
    assert_eq!(
        run_status("touch -d '2023-05-06 07:08:09' /tmp/r; date -r /tmp/r"),
        ("Sat May  6 07:08:09 UTC 2023\n".into(), 0)
    );
    assert_eq!(
        run_status("date -r /nonexistent"),
        ("date: /nonexistent: No such file or directory\n".into(), 1)
    );
}

#[test]
fn option_errors_like_coreutils() {
    let try_help = "Try 'date --help' for more information.\n";
    assert_eq!(
        run_status("date -z"),
        (format!("date: invalid option -- 'z'\n{try_help}"), 1)
    );
    assert_eq!(
        run_status("date -d"),
        (
            format!("date: option requires an argument -- 'd'\n{try_help}"),
            1
        )
    );
    assert_eq!(
        run_status("date --date"),
        (
            format!("date: option '--date' requires an argument\n{try_help}"),
            1
        )
    );
    assert_eq!(
        run_status("date 1 2"),
        (
            format!("date: extra operand \u{2018}2\u{2019}\n{try_help}"),
            1
        )
    );
    assert_eq!(
        run_status("date -R -I"),
        ("date: multiple output formats specified\n".into(), 1)
    );
    assert_eq!(
        run_status("date -d @0 x"),
        (
            format!(
                "date: the argument \u{2018}x\u{2019} lacks a leading '+';\n\
                 when using an option to specify date(s), any non-option\n\
                 argument must be a format string beginning with '+'\n{try_help}"
            ),
            1
        )
    );
    assert_eq!(
        run_status("date --iso-8601=foo"),
        (
            format!(
                "date: invalid argument \u{2018}foo\u{2019} for \u{2018}--iso-8601\u{2019}\n\
                 Valid arguments are:\n  - \u{2018}hours\u{2019}\n  - \u{2018}minutes\u{2019}\n  \
                 - \u{2018}date\u{2019}\n  - \u{2018}seconds\u{2019}\n  - \u{2018}ns\u{2019}\n{try_help}"
            ),
            1
        )
    );
    assert_eq!(
        run_status("date --rfc"),
        (
            format!(
                "date: option '--rfc' is ambiguous; possibilities: '--rfc-email' '--rfc-822' '--rfc-2822' '--rfc-3339'\n{try_help}"
            ),
            1
        )
    );
}

#[test]
fn setting_the_clock_needs_root() {
    let out = run_as("deploy", "date 010112002025");
    assert_eq!(
        String::from_utf8_lossy(&out.output),
        "date: cannot set date: Operation not permitted\nWed Jan  1 12:00:00 UTC 2025\n"
    );
    assert_eq!(out.status, 1);
    assert_eq!(
        run_status("date -s '2025-01-01 12:00'"),
        ("Wed Jan  1 12:00:00 UTC 2025\n".into(), 0)
    );
    assert_eq!(
        run_status("date 99999999"),
        ("date: invalid date \u{2018}99999999\u{2019}\n".into(), 1)
    );
}

#[test]
fn help_and_version_are_8_32s() {
    let help = run("date --help");
    assert!(help.starts_with(
        "Usage: date [OPTION]... [+FORMAT]\n  or:  date [-u|--utc|--universal] [MMDDhhmm[[CC]YY][.ss]]\n\
         Display the current time in the given FORMAT, or set the system date.\n"
    ));
    assert!(help.contains(
        "  -u, --utc, --universal     print or set Coordinated Universal Time (UTC)\n\
         \x20     --help     display this help and exit\n"
    ));
    assert!(help.contains("  %F   full date; like %+4Y-%m-%d\n"));
    assert!(help.ends_with("or available locally via: info '(coreutils) date invocation'\n"));
    assert_eq!(
        run("date --version").lines().take(2).collect::<Vec<_>>(),
        [
            "date (GNU coreutils) 8.32",
            "Copyright (C) 2020 Free Software Foundation, Inc."
        ]
    );
    assert!(run("date --version").ends_with("\nWritten by David MacKenzie.\n"));
}
