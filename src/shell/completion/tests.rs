use super::*;

fn cand(word: &str, path: bool, dir: bool) -> Candidate {
    Candidate {
        word: word.to_owned(),
        path,
        dir,
        link: false,
    }
}

#[test]
fn the_word_before_the_cursor_and_its_position() {
    let w = word_at("ls /et");
    assert_eq!(
        (w.raw.as_str(), w.text.as_str(), w.command),
        ("/et", "/et", false)
    );
    let w = word_at("ec");
    assert_eq!((w.raw.as_str(), w.command), ("ec", true));
    let w = word_at("cd /tmp; wg");
    assert_eq!((w.raw.as_str(), w.command), ("wg", true));
    let w = word_at("cat x | gre");
    assert_eq!((w.raw.as_str(), w.command), ("gre", true));
    let w = word_at("if tr");
    assert!(w.command);
    let w = word_at("cat my\\ fi");
    assert_eq!(
        (w.raw.as_str(), w.text.as_str(), w.command),
        ("my\\ fi", "my fi", false)
    );
    let w = word_at("echo a>ou");
    assert_eq!((w.raw.as_str(), w.command), ("ou", false));
    let w = word_at("ls ");
    assert_eq!((w.raw.as_str(), w.command), ("", false));
}

#[test]
fn a_unique_match_gets_a_space_or_a_slash() {
    let end = None;
    assert_eq!(
        replacement(&[cand("unique.sh", true, false)], "u", end),
        "unique.sh "
    );
    assert_eq!(replacement(&[cand("docs", true, true)], "do", end), "docs/");
    assert_eq!(
        replacement(&[cand("docker", false, false)], "doc", end),
        "docker "
    );
    // Special characters are quoted with backslashes, as bash inserts them.
    assert_eq!(
        replacement(&[cand("my file", true, false)], "my", end),
        "my\\ file "
    );
    assert_eq!(replacement(&[cand("~/x", true, false)], "~/", end), "~/x ");
    // In the middle of the line: no space; no second slash.
    assert_eq!(
        replacement(&[cand("unique.sh", true, false)], "u", Some(' ')),
        "unique.sh"
    );
    assert_eq!(
        replacement(&[cand("docs", true, true)], "do", Some('/')),
        "docs"
    );
    // A link to a directory (`/bin` on Ubuntu) gets its slash only from a second Tab.
    let bin = Candidate {
        link: true,
        ..cand("/bin", true, true)
    };
    assert_eq!(replacement(std::slice::from_ref(&bin), "/bi", end), "/bin");
    assert_eq!(replacement(&[bin], "/bin", end), "/bin/");
}

#[test]
fn several_matches_give_their_common_prefix() {
    let c = [
        cand("file1.txt", true, false),
        cand("file2.txt", true, false),
    ];
    assert_eq!(replacement(&c, "f", None), "file");
    let c = [cand("été", true, false), cand("étage", true, false)];
    assert_eq!(replacement(&c, "", None), "ét");
    let c = [cand("ab", true, false), cand("abc", true, false)];
    assert_eq!(replacement(&c, "a", None), "ab");
}

#[test]
fn listings_show_the_last_path_component() {
    assert_eq!(cand("/etc/apt", true, true).shown(), "apt/");
    assert_eq!(cand("/etc/passwd", true, false).shown(), "passwd");
    assert_eq!(cand("ls", false, false).shown(), "ls");
    assert_eq!(cand("/", true, true).shown(), "/");
}

mod fake_host {
    use super::*;
    use crate::shell::commands::testing::{session, shell};

    fn complete(user: &str, cwd: &str, word: &str, command: bool) -> Vec<String> {
        let shell = shell();
        let mut state = session(user);
        state.cwd = cwd.to_owned();
        let mut overlay = shell.scratch_overlay(user);
        let host = shell.host();
        let cred = Fs::new(
            &mut overlay,
            host,
            crate::host::fs::Cred::root(),
            state.now(),
            "/",
        )
        .accounts()
        .cred(user);
        let fs = Fs::new(&mut overlay, host, cred, state.now(), cwd);
        candidates(&fs, &state, word, command)
            .into_iter()
            .map(|c| {
                if c.dir {
                    format!("{}/", c.word)
                } else {
                    c.word
                }
            })
            .collect()
    }

    #[test]
    fn paths_complete_in_the_fake_filesystem() {
        assert_eq!(
            complete("root", "/root", "/etc/passw", false),
            ["/etc/passwd"]
        );
        assert_eq!(complete("root", "/root", "/et", false), ["/etc/"]);
        let in_etc = complete("root", "/etc", "host", false);
        assert!(in_etc.contains(&"hostname".to_owned()), "{in_etc:?}");
        assert!(in_etc.contains(&"hosts".to_owned()), "{in_etc:?}");
        assert!(complete("root", "/root", "/nonexistent/x", false).is_empty());
        // `.` and `..` only when the word starts with a dot.
        assert!(!complete("root", "/", "", false).iter().any(|c| c == "./"));
        assert!(complete("root", "/", ".", false).iter().any(|c| c == "../"));
    }

    #[test]
    fn commands_come_from_path_builtins_and_aliases() {
        let found = complete("root", "/root", "una", true);
        assert!(found.contains(&"uname".to_owned()), "{found:?}");
        assert!(found.contains(&"unalias".to_owned()), "{found:?}");
        let found = complete("root", "/root", "l", true);
        for name in ["ls", "ll", "la", "local", "logout"] {
            assert!(found.contains(&name.to_owned()), "{name} in {found:?}");
        }
        assert!(complete("root", "/root", "zzzq", true).is_empty());
        // A command word with a slash is a path to a program.
        assert_eq!(
            complete("root", "/root", "/usr/bin/unam", true),
            ["/usr/bin/uname"]
        );
    }

    #[test]
    fn a_user_cannot_complete_in_unreadable_directories() {
        assert!(complete("ubuntu", "/home/ubuntu", "/root/", false).is_empty());
        assert!(!complete("root", "/root", "/root/", false).is_empty());
    }

    #[test]
    fn builtins_are_those_the_shell_runs() {
        for name in BUILTINS {
            assert!(
                crate::shell::interpreter::lookup::is_builtin(name),
                "{name} is not a builtin"
            );
        }
    }
}
