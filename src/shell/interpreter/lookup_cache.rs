//! A per-thread memo of `$PATH` searches ([`super::lookup::resolve`]): bash hashes the
//! commands it found; we remember answers too, but only answers that stay true.
//!
//! An answer is kept with the names its search looked up in the root directory (`usr`,
//! `bin`, `sbin`, …) and is reused only while the session's overlay still has the image's
//! root permissions and the image's very nodes under those names: a change anywhere below
//! them copies the directories on its path, so the search would see exactly what it saw
//! then. Answers that read a file (scripts, dropped programs) are never kept, so a reuse
//! reads nothing and the line's work and honeytoken reads stay what they were.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

use super::lookup::Target;
use crate::host::fs::{Cred, Fs, Node};

/// Most answers one thread keeps; beyond it the memo starts over.
const MAX_ENTRIES: usize = 4096;

/// One remembered search.
struct Entry {
    /// The image the search was made on (a `Weak` keeps its address from being reused).
    image: Weak<Node>,
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    path_var: String,
    /// The root directory's entries the search looked up.
    touched: Vec<String>,
    target: Target,
}

impl Entry {
    /// Whether this is a search on `image` by `cred` with `path_var`.
    fn is_for(&self, image: *const Node, cred: &Cred, path_var: &str) -> bool {
        self.image.as_ptr() == image
            && self.uid == cred.uid
            && self.gid == cred.gid
            && self.groups == cred.groups
            && self.path_var == path_var
    }
}

#[derive(Default)]
struct Memo {
    /// Entries by command name.
    by_name: HashMap<String, Vec<Entry>>,
    len: usize,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::default();
}

/// Whether a search with `path_var` may be remembered: every directory is absolute (a
/// relative one depends on the working directory).
pub(super) fn memoizable(path_var: &str) -> bool {
    path_var.split(':').all(|dir| dir.starts_with('/'))
}

/// The remembered answer for `name` with `path_var` on `fs`, if it still holds.
pub(super) fn get(fs: &Fs<'_>, name: &str, path_var: &str) -> Option<Target> {
    MEMO.with_borrow(|memo| {
        let overlay = fs.overlay();
        let image = Arc::as_ptr(overlay.image_root());
        let cred = fs.cred();
        memo.by_name
            .get(name)?
            .iter()
            .find(|e| {
                e.is_for(image, cred, path_var)
                    && overlay.same_as_image(e.touched.iter().map(String::as_str))
            })
            .map(|e| e.target.clone())
    })
}

/// Remembers `target` as the answer for `name` with `path_var` on `fs`, found by a search
/// that looked up `touched` in the root directory, when it is an answer that may be kept
/// and those entries are the image's.
pub(super) fn put(fs: &Fs<'_>, name: &str, path_var: &str, touched: Vec<String>, target: &Target) {
    let keep = matches!(
        target,
        Target::Command(_) | Target::Shell(_) | Target::Program | Target::NotFound | Target::Denied
    );
    // `/proc` entries are made up from the host and the time, not stored in the tree.
    if !keep || touched.iter().any(|t| t == "proc") {
        return;
    }
    let overlay = fs.overlay();
    if !overlay.same_as_image(touched.iter().map(String::as_str)) {
        return;
    }
    let cred = fs.cred();
    let entry = Entry {
        image: Arc::downgrade(overlay.image_root()),
        uid: cred.uid,
        gid: cred.gid,
        groups: cred.groups.clone(),
        path_var: path_var.to_owned(),
        touched,
        target: target.clone(),
    };
    MEMO.with_borrow_mut(|memo| {
        if memo.len >= MAX_ENTRIES {
            *memo = Memo::default();
        }
        let image = Arc::as_ptr(overlay.image_root());
        let entries = memo.by_name.entry(name.to_owned()).or_default();
        // What another session saw with the same key and a changed tree gives way.
        let before = entries.len();
        entries.retain(|e| !e.is_for(image, cred, path_var));
        let replaced = before - entries.len();
        entries.push(entry);
        memo.len = (memo.len + 1).saturating_sub(replaced);
    });
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn a_remembered_command_follows_later_changes_to_the_tree() {
        // Found once (and remembered by this thread), then removed, shadowed or made
        // unexecutable in a session: each session sees its own tree.
        assert_eq!(run_status("uname"), ("Linux\n".to_owned(), 0));
        assert_eq!(
            run("rm /usr/bin/uname; uname; echo $?"),
            "-bash: uname: command not found\n127\n"
        );
        assert_eq!(
            run("echo 'echo mine' > /usr/local/bin/uname; chmod +x /usr/local/bin/uname; uname"),
            "mine\n"
        );
        let (out, _) = run_status("chmod -x /usr/bin/uname; uname; echo $?");
        assert!(out.ends_with("Permission denied\n126\n"), "{out:?}");
        // The next session, on the image again, finds it as before.
        assert_eq!(run_status("uname"), ("Linux\n".to_owned(), 0));
    }
}
