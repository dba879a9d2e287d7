//! More downloaders: curl 7.81 (`curl`), BusyBox `tftp` (and tftp-hpa's `tftp HOST -c get
//! FILE`) and BusyBox `ftpget`. Like [`wget`](super::fetch), nothing is fetched: the contents
//! are made up from the URL, written to the session's filesystem, and recorded.

use super::fetch::{Url, body, digest, save};
use super::{Command, CommandCtx, usr_bin};
use crate::events::EventKind;

/// The first line of BusyBox usage texts, as the host's installed `busybox-static` prints
/// it (`BusyBox v1.36.1 (Ubuntu 1:1.36.1-6ubuntu3.1) multi-call binary.`), so the banner
/// and `dpkg -l` agree on every release.
pub(crate) fn busybox_banner(host: &crate::host::HostProfile) -> String {
    let version = host
        .packages
        .iter()
        .find(|p| p.name == "busybox-static" || p.name == "busybox")
        .map_or("1:1.30.1-7ubuntu3", |p| p.version.as_str());
    // Upstream version: no epoch, no Debian revision.
    let upstream = version.split_once(':').map_or(version, |(_, v)| v);
    let upstream = upstream.rsplit_once('-').map_or(upstream, |(v, _)| v);
    format!("BusyBox v{upstream} (Ubuntu {version}) multi-call binary.\n")
}

/// curl's hint after a usage error.
const CURL_TRY: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";

/// `curl`: curl 7.81.
pub struct Curl;

/// curl's `max5data`: a size in at most five characters.
fn max5(size: u64) -> String {
    if size < 100_000 {
        size.to_string()
    } else if size < 10_000 * 1024 {
        format!("{}k", size / 1024)
    } else {
        format!("{}.{}M", size >> 20, (size & 0xfffff) / 104_858)
    }
}

/// curl's progress meter for a transfer of `size` bytes, made-up speed from `url`.
fn meter(url: &str, size: u64) -> String {
    let h = digest(url.as_bytes());
    let avg = size
        .saturating_mul(4 + u64::from(h[9] % 60))
        .min(99_999 * 1024);
    let cur = avg + avg / 16;
    let s = max5(size);
    format!(
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n\
         \x20                                Dload  Upload   Total   Spent    Left  Speed\n\
         \r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\
         \r100 {s:>5}  100 {s:>5}    0     0  {:>5}      0 --:--:-- --:--:-- --:--:-- {:>5}\n",
        max5(avg),
        max5(cur)
    )
}

impl Command for Curl {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("curl")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (mut silent, mut show_error, mut remote_name) = (false, false, false);
        let mut output: Option<String> = None;
        let mut urls = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            if let Some(long) = arg.strip_prefix("--") {
                match long {
                    "silent" => silent = true,
                    "show-error" => show_error = true,
                    "remote-name" => remote_name = true,
                    "output" => {
                        output = args.get(i).cloned();
                        i += 1;
                    }
                    "insecure" | "location" | "fail" | "compressed" | "verbose"
                    | "progress-bar" => {}
                    "user-agent" | "header" | "request" | "data" | "connect-timeout"
                    | "max-time" | "user" | "retry" | "referer" => i += 1,
                    "url" => {
                        urls.extend(args.get(i).cloned());
                        i += 1;
                    }
                    _ => {
                        cx.err(format!("curl: option {arg}: is unknown\n{CURL_TRY}"));
                        return 2;
                    }
                }
            } else if arg.len() > 1 && arg.starts_with('-') {
                for (at, c) in arg.char_indices().skip(1) {
                    let rest = &arg[at + c.len_utf8()..];
                    match c {
                        's' => silent = true,
                        'S' => show_error = true,
                        'O' => remote_name = true,
                        'L' | 'k' | 'f' | 'v' | 'i' | '#' => {}
                        'o' | 'A' | 'H' | 'X' | 'd' | 'm' | 'u' | 'e' => {
                            let value = if rest.is_empty() {
                                let v = args.get(i).cloned();
                                i += 1;
                                v
                            } else {
                                Some(rest.to_owned())
                            };
                            if c == 'o' {
                                output = value;
                            }
                            break;
                        }
                        _ => {
                            cx.err(format!("curl: option {arg}: is unknown\n{CURL_TRY}"));
                            return 2;
                        }
                    }
                }
            } else {
                urls.push(arg.clone());
            }
        }
        let Some(raw) = urls.first() else {
            cx.err(CURL_TRY);
            return 2;
        };
        let quiet_errors = silent && !show_error;
        let Some(url) = Url::parse(raw) else {
            let scheme = raw.split("://").next().unwrap_or("");
            if !quiet_errors {
                cx.err(format!(
                    "curl: (1) Protocol \"{scheme}\" not supported or disabled in libcurl\n"
                ));
            }
            return 1;
        };
        let to_file = remote_name || output.as_deref().is_some_and(|o| o != "-");
        let progress = !silent && (to_file || cx.terminal().is_none());
        if url.address().is_none() {
            if progress {
                cx.err(
                    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n\
                     \x20                                Dload  Upload   Total   Spent    Left  Speed\n\
                     \r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0",
                );
            }
            if !quiet_errors {
                cx.err(format!("curl: (6) Could not resolve host: {}\n", url.host));
            }
            return 6;
        }
        if super::offline::realistic(cx) {
            let name = url.file_name();
            let outfile = match (&output, remote_name) {
                (Some(o), _) if o != "-" => Some(o.clone()),
                (_, true) if !name.is_empty() => Some(name),
                _ => None,
            };
            return super::offline::curl_unreachable(
                cx,
                &url,
                args,
                outfile,
                progress,
                quiet_errors,
            );
        }
        let full = url.full();
        let name = url.file_name();
        let path = match (&output, remote_name) {
            (Some(o), _) if o != "-" => o.clone(),
            (_, true) if name.is_empty() => {
                if !quiet_errors {
                    cx.err(format!("curl: Remote file name has no length!\n{CURL_TRY}"));
                }
                return 23;
            }
            (_, true) => name.clone(),
            _ => String::new(),
        };
        let bytes = body(&full, if name.is_empty() { "index.sh" } else { &name });
        let size = bytes.len() as u64;
        if !to_file {
            let binary = bytes.contains(&0);
            if binary && cx.terminal().is_some() {
                cx.err(
                    "Warning: Binary output can mess up your terminal. Use \"--output -\" to tell \n\
                     Warning: curl to output it to your terminal anyway, or consider \"--output \n\
                     Warning: <FILE>\" to save to a file.\n",
                );
                return 23;
            }
            cx.record(EventKind::FileDownload {
                url: full.clone(),
                outfile: "-".to_owned(),
                shasum: super::fetch::shasum_of(&full, &bytes),
            });
            if progress {
                cx.err(meter(&full, size));
            }
            cx.out(Vec::clone(&bytes));
            return 0;
        }
        if let Err(err) = save(cx, &full, &path, bytes) {
            if !quiet_errors {
                cx.err(format!(
                    "Warning: Failed to open the file {path}: {err}\ncurl: (23) Failure writing output to destination\n"
                ));
            }
            return 23;
        }
        if progress {
            cx.err(meter(&full, size));
        }
        0
    }
}

/// `tftp`: BusyBox's (`tftp -g -r FILE HOST`), also taking tftp-hpa's `tftp HOST -c get FILE`.
pub struct Tftp;

impl Command for Tftp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tftp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (mut get, mut put) = (false, false);
        let (mut remote, mut local): (Option<String>, Option<String>) = (None, None);
        let mut operands = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            match arg.as_str() {
                "-g" => get = true,
                "-p" => put = true,
                "-r" | "-l" | "-b" => {
                    let value = args.get(i).cloned();
                    i += 1;
                    match arg.as_str() {
                        "-r" => remote = value,
                        "-l" => local = value,
                        _ => {}
                    }
                }
                "-c" => {
                    // tftp-hpa: `-c get REMOTE [LOCAL]`.
                    let verb = args.get(i).map(String::as_str);
                    get = verb == Some("get");
                    put = verb == Some("put");
                    remote = args.get(i + 1).cloned();
                    local = args.get(i + 2).cloned();
                    break;
                }
                _ if arg.starts_with('-') && arg.len() > 1 => {
                    cx.err(format!("tftp: invalid option -- '{}'\n", &arg[1..2]));
                    cx.err(tftp_usage(&busybox_banner(cx.host)));
                    return 1;
                }
                _ => operands.push(arg.clone()),
            }
        }
        let Some(host) = operands.first() else {
            cx.err(tftp_usage(&busybox_banner(cx.host)));
            return 1;
        };
        if get == put {
            cx.err(tftp_usage(&busybox_banner(cx.host)));
            return 1;
        }
        let Some(remote) = remote.or_else(|| local.clone()) else {
            cx.err(tftp_usage(&busybox_banner(cx.host)));
            return 1;
        };
        if put {
            return 0;
        }
        let local = local.unwrap_or_else(|| {
            remote
                .rsplit('/')
                .next()
                .unwrap_or(remote.as_str())
                .to_owned()
        });
        let port = operands
            .get(1)
            .filter(|p| p.as_str() != "69")
            .map_or(String::new(), |p| format!(":{p}"));
        let url = format!("tftp://{host}{port}/{}", remote.trim_start_matches('/'));
        if Url::parse(&url).and_then(|u| u.address()).is_none() {
            cx.err(format!("tftp: bad address '{host}'\n"));
            return 1;
        }
        let bytes = body(&url, &local);
        match save(cx, &url, &local, bytes) {
            Ok(_) => 0,
            Err(err) => {
                cx.err(format!("tftp: can't open '{local}': {err}\n"));
                1
            }
        }
    }
}

/// BusyBox `tftp`'s usage text.
fn tftp_usage(banner: &str) -> String {
    format!(
        "{banner}\nUsage: tftp [OPTIONS] HOST [PORT]\n\n\
         Transfer a file from/to tftp server\n\n\
         \t-l FILE\tLocal FILE\n\t-r FILE\tRemote FILE\n\t-g\tGet file\n\t-p\tPut file\n\
         \t-b SIZE\tTransfer blocks in bytes\n"
    )
}

/// `ftpget`: BusyBox's, `ftpget [-u USER] [-p PASS] [-P PORT] HOST [LOCAL] REMOTE`.
pub struct Ftpget;

impl Command for Ftpget {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ftpget")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let mut operands = Vec::new();
        let mut port = None;
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            match arg.as_str() {
                "-c" | "-v" => {}
                "-u" | "-p" | "-P" => {
                    if arg == "-P" {
                        port = args.get(i).cloned();
                    }
                    i += 1;
                }
                _ => operands.push(arg.clone()),
            }
        }
        let (host, local, remote) = match operands.as_slice() {
            [host, remote] => (
                host,
                remote.rsplit('/').next().unwrap_or(remote).to_owned(),
                remote,
            ),
            [host, local, remote, ..] => (host, local.clone(), remote),
            _ => {
                let banner = busybox_banner(cx.host);
                cx.err(format!(
                    "{banner}\nUsage: ftpget [OPTIONS] HOST [LOCAL_FILE] REMOTE_FILE\n\n\
                     Download a file via FTP\n\n\
                     \t-c\tContinue previous transfer\n\t-v\tVerbose\n\
                     \t-u USER\tUsername\n\t-p PASS\tPassword\n\t-P PORT\n"
                ));
                return 1;
            }
        };
        let port = port.map_or(String::new(), |p| format!(":{p}"));
        let url = format!("ftp://{host}{port}/{}", remote.trim_start_matches('/'));
        if Url::parse(&url).and_then(|u| u.address()).is_none() {
            cx.err(format!("ftpget: bad address '{host}'\n"));
            return 1;
        }
        let bytes = body(&url, &local);
        match save(cx, &url, &local, bytes) {
            Ok(_) => 0,
            Err(err) => {
                cx.err(format!("ftpget: can't open '{local}': {err}\n"));
                1
            }
        }
    }
}
