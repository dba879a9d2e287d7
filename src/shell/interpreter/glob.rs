//! Pathname expansion: `*`, `?` and `[…]` in a word become the matching names of the fake
//! filesystem, sorted, component by component (`/tmp/*/x`). Names starting with `.` only
//! match a pattern that starts with `.`; a word that matches nothing stays as typed. Bounded
//! in directories read and names produced.

use crate::host::fs::Fs;
use crate::shell::pattern::{glob_match, has_glob, unescape};

/// Most directories one word's expansion reads.
const MAX_DIRS: usize = 4096;

/// Most names one word expands to.
const MAX_MATCHES: usize = 65_536;

/// The names `pattern` (with `\` escapes for quoted characters) matches, sorted; empty if
/// none.
pub(super) fn expand(fs: &Fs<'_>, pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let trailing_slash = pattern.ends_with('/') && pattern.len() > 1;
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let mut found: Vec<String> = vec![if absolute {
        "/".to_owned()
    } else {
        String::new()
    }];
    let mut dirs_read = 0;
    let mut globbed = false;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        if !has_glob(part) {
            let name = unescape(part);
            for prefix in &found {
                next.push(join(prefix, &name));
            }
        } else {
            globbed = true;
            let dot_ok = unescape(part).starts_with('.');
            for prefix in &found {
                if dirs_read >= MAX_DIRS || next.len() >= MAX_MATCHES {
                    break;
                }
                dirs_read += 1;
                let dir = if prefix.is_empty() {
                    "."
                } else {
                    prefix.as_str()
                };
                let Ok(entries) = fs.read_dir(dir) else {
                    continue;
                };
                for entry in entries {
                    if entry.name.starts_with('.') && !dot_ok {
                        continue;
                    }
                    if !glob_match(part, &entry.name) {
                        continue;
                    }
                    let path = join(prefix, &entry.name);
                    if (!last || trailing_slash) && !fs.is_dir(&path) {
                        continue;
                    }
                    next.push(path);
                    if next.len() >= MAX_MATCHES {
                        break;
                    }
                }
            }
        }
        found = next;
        if found.is_empty() {
            return found;
        }
    }
    if !globbed {
        return Vec::new();
    }
    // Names after the last pattern must exist.
    found.retain(|path| fs.lstat(path).is_ok());
    if trailing_slash {
        for path in &mut found {
            path.push('/');
        }
    }
    found.sort();
    found
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else if prefix.ends_with('/') {
        format!("{prefix}{name}")
    } else {
        format!("{prefix}/{name}")
    }
}
