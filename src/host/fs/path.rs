//! Path text: joining, splitting, lexical normalisation and the kernel's length limits.
//!
//! These work on strings only; following symbolic links needs the tree and lives in
//! [`Fs`](super::Fs).

use super::error::{FsError, FsResult};

/// The longest path the kernel accepts (`PATH_MAX` minus the terminating NUL).
pub const PATH_MAX: usize = 4095;

/// The longest file name (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// `path` made absolute against `cwd` (not normalised).
pub fn absolute(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else if cwd.ends_with('/') {
        format!("{cwd}{path}")
    } else {
        format!("{cwd}/{path}")
    }
}

/// The non-empty components of `path`, `.` and `..` included.
pub fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

/// `path` without `.`, `..` and repeated slashes, purely by its text (`..` of `/` is `/`).
/// Always absolute when `path` is.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in components(path) {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Splits an absolute, normalised path into its parent and last name (`/` has no name).
pub fn split_last(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("/", path),
    }
}

/// `parent/name` for an absolute parent.
pub fn child(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Whether `path` is `ancestor` or lies below it (both absolute and normalised).
pub fn is_within(path: &str, ancestor: &str) -> bool {
    ancestor == "/"
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Checks the kernel's limits: `ENOENT` for an empty path, `ENAMETOOLONG` beyond
/// [`PATH_MAX`] or for a component beyond [`NAME_MAX`].
pub fn check(path: &str) -> FsResult<()> {
    if path.is_empty() {
        return Err(FsError::NotFound);
    }
    if path.len() > PATH_MAX || components(path).any(|c| c.len() > NAME_MAX) {
        return Err(FsError::NameTooLong);
    }
    Ok(())
}

/// The last component of `path` as `basename(1)` prints it (`/` for `/`, trailing slashes
/// ignored).
pub fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// The directory part of `path` as `dirname(1)` prints it.
pub fn dir_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.starts_with('/') { "/" } else { "." };
    }
    match trimmed.rfind('/') {
        None => ".",
        Some(i) => {
            let head = trimmed[..i].trim_end_matches('/');
            if head.is_empty() { "/" } else { head }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_normalises() {
        assert_eq!(absolute("/root", "x"), "/root/x");
        assert_eq!(absolute("/", "x"), "/x");
        assert_eq!(absolute("/root", "/etc"), "/etc");
        assert_eq!(normalize("//a/./b/../c//"), "/a/c");
        assert_eq!(normalize("/../.."), "/");
        assert_eq!(split_last("/a/b"), ("/a", "b"));
        assert_eq!(split_last("/a"), ("/", "a"));
        assert_eq!(child("/", "a"), "/a");
        assert!(is_within("/a/b", "/a") && is_within("/a", "/a") && !is_within("/ab", "/a"));
    }

    #[test]
    fn limits() {
        assert_eq!(check(""), Err(FsError::NotFound));
        assert_eq!(check(&"a".repeat(256)), Err(FsError::NameTooLong));
        assert_eq!(check(&"a/".repeat(2100)), Err(FsError::NameTooLong));
        assert_eq!(check("/tmp/x"), Ok(()));
    }

    #[test]
    fn base_and_dir_names_like_coreutils() {
        for (path, base, dir) in [
            ("/usr/bin/ls", "ls", "/usr/bin"),
            ("/usr/bin/", "bin", "/usr"),
            ("ls", "ls", "."),
            ("/", "/", "/"),
            ("//", "/", "/"),
            ("a//b//", "b", "a"),
            ("/a", "a", "/"),
            ("", "", "."),
        ] {
            assert_eq!(base_name(path), base, "basename {path:?}");
            assert_eq!(dir_name(path), dir, "dirname {path:?}");
        }
    }
}
