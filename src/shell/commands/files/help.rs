//! GNU coreutils `--help` texts per coreutils version, generated from each release's
//! `usage()` (coreutils git tags v8.30, v8.32, v9.1, v9.4) by evaluating its `fputs`/`printf`
//! calls; the generator reproduces the 9.1 binaries' output byte for byte. Placeholders:
//! `@@PROG@@` (the name as typed), `@@HELP@@`/`@@VERSION@@` (the option lines, whose
//! alignment changed in 9.0) and `@@FOOTER@@` (the online-help lines).

use crate::shell::commands::CommandCtx;

/// (program, coreutils version, text).
const TEXTS: &[(&str, &str, &str)] = &[
    ("ls", "8.30", include_str!("help/ls-8.30.txt")),
    ("ls", "8.32", include_str!("help/ls-8.32.txt")),
    ("ls", "9.1", include_str!("help/ls-9.1.txt")),
    ("ls", "9.4", include_str!("help/ls-9.4.txt")),
    ("dir", "8.30", include_str!("help/ls-8.30.txt")),
    ("dir", "8.32", include_str!("help/ls-8.32.txt")),
    ("dir", "9.1", include_str!("help/ls-9.1.txt")),
    ("dir", "9.4", include_str!("help/ls-9.4.txt")),
    ("vdir", "8.30", include_str!("help/ls-8.30.txt")),
    ("vdir", "8.32", include_str!("help/ls-8.32.txt")),
    ("vdir", "9.1", include_str!("help/ls-9.1.txt")),
    ("vdir", "9.4", include_str!("help/ls-9.4.txt")),
    ("cat", "8.30", include_str!("help/cat-8.30.txt")),
    ("cat", "8.32", include_str!("help/cat-8.30.txt")),
    ("cat", "9.1", include_str!("help/cat-8.30.txt")),
    ("cat", "9.4", include_str!("help/cat-8.30.txt")),
    ("head", "8.30", include_str!("help/head-8.30.txt")),
    ("head", "8.32", include_str!("help/head-8.32.txt")),
    ("head", "9.1", include_str!("help/head-8.32.txt")),
    ("head", "9.4", include_str!("help/head-9.4.txt")),
    ("tail", "8.30", include_str!("help/tail-8.30.txt")),
    ("tail", "8.32", include_str!("help/tail-8.32.txt")),
    ("tail", "9.1", include_str!("help/tail-8.32.txt")),
    ("tail", "9.4", include_str!("help/tail-9.4.txt")),
    ("wc", "8.30", include_str!("help/wc-8.30.txt")),
    ("wc", "8.32", include_str!("help/wc-8.30.txt")),
    ("wc", "9.1", include_str!("help/wc-9.1.txt")),
    ("wc", "9.4", include_str!("help/wc-9.4.txt")),
    ("tee", "8.30", include_str!("help/tee-8.30.txt")),
    ("tee", "8.32", include_str!("help/tee-8.30.txt")),
    ("tee", "9.1", include_str!("help/tee-9.1.txt")),
    ("tee", "9.4", include_str!("help/tee-9.4.txt")),
    ("cut", "8.30", include_str!("help/cut-8.30.txt")),
    ("cut", "8.32", include_str!("help/cut-8.30.txt")),
    ("cut", "9.1", include_str!("help/cut-8.30.txt")),
    ("cut", "9.4", include_str!("help/cut-9.4.txt")),
    ("sort", "8.30", include_str!("help/sort-8.30.txt")),
    ("sort", "8.32", include_str!("help/sort-8.30.txt")),
    ("sort", "9.1", include_str!("help/sort-8.30.txt")),
    ("sort", "9.4", include_str!("help/sort-9.4.txt")),
    ("uniq", "8.30", include_str!("help/uniq-8.30.txt")),
    ("uniq", "8.32", include_str!("help/uniq-8.32.txt")),
    ("uniq", "9.1", include_str!("help/uniq-8.32.txt")),
    ("uniq", "9.4", include_str!("help/uniq-8.32.txt")),
    ("touch", "8.30", include_str!("help/touch-8.30.txt")),
    ("touch", "8.32", include_str!("help/touch-8.30.txt")),
    ("touch", "9.1", include_str!("help/touch-8.30.txt")),
    ("touch", "9.4", include_str!("help/touch-8.30.txt")),
    ("mkdir", "8.30", include_str!("help/mkdir-8.30.txt")),
    ("mkdir", "8.32", include_str!("help/mkdir-8.30.txt")),
    ("mkdir", "9.1", include_str!("help/mkdir-9.1.txt")),
    ("mkdir", "9.4", include_str!("help/mkdir-9.1.txt")),
    ("rmdir", "8.30", include_str!("help/rmdir-8.30.txt")),
    ("rmdir", "8.32", include_str!("help/rmdir-8.30.txt")),
    ("rmdir", "9.1", include_str!("help/rmdir-9.1.txt")),
    ("rmdir", "9.4", include_str!("help/rmdir-9.4.txt")),
    ("rm", "8.30", include_str!("help/rm-8.30.txt")),
    ("rm", "8.32", include_str!("help/rm-8.30.txt")),
    ("rm", "9.1", include_str!("help/rm-9.1.txt")),
    ("rm", "9.4", include_str!("help/rm-9.1.txt")),
    ("cp", "8.30", include_str!("help/cp-8.30.txt")),
    ("cp", "8.32", include_str!("help/cp-8.30.txt")),
    ("cp", "9.1", include_str!("help/cp-8.30.txt")),
    ("cp", "9.4", include_str!("help/cp-9.4.txt")),
    ("mv", "8.30", include_str!("help/mv-8.30.txt")),
    ("mv", "8.32", include_str!("help/mv-8.30.txt")),
    ("mv", "9.1", include_str!("help/mv-8.30.txt")),
    ("mv", "9.4", include_str!("help/mv-9.4.txt")),
    ("ln", "8.30", include_str!("help/ln-8.30.txt")),
    ("ln", "8.32", include_str!("help/ln-8.30.txt")),
    ("ln", "9.1", include_str!("help/ln-9.1.txt")),
    ("ln", "9.4", include_str!("help/ln-9.1.txt")),
    ("chmod", "8.30", include_str!("help/chmod-8.30.txt")),
    ("chmod", "8.32", include_str!("help/chmod-8.30.txt")),
    ("chmod", "9.1", include_str!("help/chmod-8.30.txt")),
    ("chmod", "9.4", include_str!("help/chmod-9.4.txt")),
    ("chown", "8.30", include_str!("help/chown-8.30.txt")),
    ("chown", "8.32", include_str!("help/chown-8.30.txt")),
    ("chown", "9.1", include_str!("help/chown-8.30.txt")),
    ("chown", "9.4", include_str!("help/chown-9.4.txt")),
    ("chgrp", "8.30", include_str!("help/chgrp-8.30.txt")),
    ("chgrp", "8.32", include_str!("help/chgrp-8.30.txt")),
    ("chgrp", "9.1", include_str!("help/chgrp-8.30.txt")),
    ("chgrp", "9.4", include_str!("help/chgrp-9.4.txt")),
    ("stat", "8.30", include_str!("help/stat-8.30.txt")),
    ("stat", "8.32", include_str!("help/stat-8.32.txt")),
    ("stat", "9.1", include_str!("help/stat-9.1.txt")),
    ("stat", "9.4", include_str!("help/stat-9.1.txt")),
    ("readlink", "8.30", include_str!("help/readlink-8.30.txt")),
    ("readlink", "8.32", include_str!("help/readlink-8.30.txt")),
    ("readlink", "9.1", include_str!("help/readlink-8.30.txt")),
    ("readlink", "9.4", include_str!("help/readlink-8.30.txt")),
    ("realpath", "8.30", include_str!("help/realpath-8.30.txt")),
    ("realpath", "8.32", include_str!("help/realpath-8.30.txt")),
    ("realpath", "9.1", include_str!("help/realpath-9.1.txt")),
    ("realpath", "9.4", include_str!("help/realpath-9.1.txt")),
    ("basename", "8.30", include_str!("help/basename-8.30.txt")),
    ("basename", "8.32", include_str!("help/basename-8.30.txt")),
    ("basename", "9.1", include_str!("help/basename-8.30.txt")),
    ("basename", "9.4", include_str!("help/basename-8.30.txt")),
    ("dirname", "8.30", include_str!("help/dirname-8.30.txt")),
    ("dirname", "8.32", include_str!("help/dirname-8.30.txt")),
    ("dirname", "9.1", include_str!("help/dirname-8.30.txt")),
    ("dirname", "9.4", include_str!("help/dirname-8.30.txt")),
    ("du", "8.30", include_str!("help/du-8.30.txt")),
    ("du", "8.32", include_str!("help/du-8.32.txt")),
    ("du", "9.1", include_str!("help/du-9.1.txt")),
    ("du", "9.4", include_str!("help/du-9.4.txt")),
];

/// The `--help` text of coreutils program `name` as the host's coreutils prints it, for
/// `prog` as typed; `None` for a program without one here.
pub(crate) fn text(cx: &CommandCtx<'_>, name: &str, prog: &str) -> Option<String> {
    let version = cx.host.coreutils_version.as_str();
    let version = match version {
        "8.30" | "8.32" | "9.1" | "9.4" => version,
        v if v.starts_with("8.") => "8.32",
        _ => "9.4",
    };
    let (_, _, text) = TEXTS.iter().find(|(p, v, _)| *p == name && *v == version)?;
    let options = cx.coreutils_help_options();
    let (help, version_line) = options.split_at(options.find('\n').map_or(0, |i| i + 1));
    Some(
        text.replace("@@PROG@@", prog)
            .replace("@@HELP@@", help)
            .replace("@@VERSION@@", version_line)
            .replace("@@FOOTER@@", &cx.coreutils_help_footer(name)),
    )
}
