//! The editor's bytes per key. Expected bytes are what bash 5.1 (readline 8.1) wrote to an
//! xterm PTY (TERM=xterm, 80 columns, LANG=C.UTF-8, Ubuntu's /etc/inputrc, PS1='$ ') for
//! the same keys typed one at a time.

use super::*;

/// A session with bash's `$ ` prompt, some history and a home directory to complete in.
struct TestHost {
    history: History,
    rows: usize,
}

impl TestHost {
    fn new() -> TestHost {
        TestHost {
            history: History::new(),
            rows: 24,
        }
    }
}

fn path(word: &str, dir: bool) -> Candidate {
    Candidate {
        word: word.to_owned(),
        path: true,
        dir,
        link: false,
    }
}

impl EditorHost for TestHost {
    fn prompt(&self) -> String {
        "$ ".to_owned()
    }

    fn history(&self) -> &History {
        &self.history
    }

    fn columns(&self) -> usize {
        80
    }

    fn rows(&self) -> usize {
        self.rows
    }

    fn complete(&mut self, word: &str, command: bool) -> Vec<Candidate> {
        if command {
            return ["filan", "file", "docker-credential-gcloud"]
                .iter()
                .filter(|c| c.starts_with(word))
                .map(|c| Candidate {
                    word: (*c).to_owned(),
                    path: false,
                    dir: false,
                    link: false,
                })
                .collect();
        }
        if let Some(prefix) = word.strip_prefix("/usr/bin/") {
            return many()
                .iter()
                .map(|name| path(&format!("/usr/bin/{name}"), false))
                .filter(|c| c.word["/usr/bin/".len()..].starts_with(prefix))
                .collect();
        }
        if word.starts_with('/') {
            // The root holds more than this test knows: nothing to offer but the bell.
            return Vec::new();
        }
        let (dir, name) = word.rsplit_once('/').map_or(("", word), |(d, n)| (d, n));
        let entries: &[(&str, bool)] = match dir {
            "" => &[
                (".", true),
                ("..", true),
                ("dir2", true),
                ("docs", true),
                ("file1.txt", false),
                ("file2.txt", false),
                ("unique.sh", false),
            ],
            "docs" => &[(".", true), ("..", true), ("a", false)],
            "dir2" => &[(".", true), ("..", true)],
            _ => &[],
        };
        entries
            .iter()
            .filter(|(e, _)| e.starts_with(name) && (!e.starts_with('.') || name.starts_with('.')))
            .map(|(e, d)| {
                let full = if dir.is_empty() {
                    (*e).to_owned()
                } else {
                    format!("{dir}/{e}")
                };
                path(&full, *d)
            })
            .collect()
    }
}

/// 150 program names of 7 columns with no common prefix: `p000000`, `q000001`, …
fn many() -> Vec<String> {
    (0..150)
        .map(|i| format!("{}{i:06}", if i % 2 == 0 { 'p' } else { 'q' }))
        .collect()
}

/// Feeds each key on its own and returns the bytes echoed for each.
fn keys(host: &mut TestHost, keys: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut ed = LineEditor::new();
    keys.iter()
        .map(|k| {
            ed.feed_with(k, host)
                .into_iter()
                .flat_map(|e| match e {
                    EditorEvent::Echo(bytes) => bytes,
                    other => format!("<{other:?}>").into_bytes(),
                })
                .collect()
        })
        .collect()
}

fn assert_keys(pairs: &[(&[u8], &[u8])]) {
    assert_keys_with(&mut TestHost::new(), pairs);
}

fn assert_keys_with(host: &mut TestHost, pairs: &[(&[u8], &[u8])]) {
    let input: Vec<&[u8]> = pairs.iter().map(|(k, _)| *k).collect();
    let got = keys(host, &input);
    for ((key, want), got) in pairs.iter().zip(got) {
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "after key {:?}",
            String::from_utf8_lossy(key)
        );
    }
}

#[test]
fn typing_echoes_and_enter_completes() {
    let mut ed = LineEditor::new();
    assert_eq!(ed.feed(b"ls -la"), [EditorEvent::Echo(b"ls -la".to_vec())]);
    assert_eq!(ed.current(), "ls -la");
    assert_eq!(ed.feed(b"\r"), [EditorEvent::Line("ls -la".to_owned())]);
    assert_eq!(ed.current(), "");
}

#[test]
fn crlf_is_one_enter_and_lf_alone_works() {
    let mut ed = LineEditor::new();
    let lines: Vec<_> = ed
        .feed(b"a\r\nb\nc\r")
        .into_iter()
        .filter(|e| matches!(e, EditorEvent::Line(_)))
        .collect();
    assert_eq!(
        lines,
        ["a", "b", "c"].map(|l| EditorEvent::Line(l.to_owned()))
    );
    // The LF of a CRLF split across packets is still swallowed.
    assert_eq!(ed.feed(b"\n"), []);
    assert_eq!(ed.feed(b"\n"), [EditorEvent::Line(String::new())]);
}

#[test]
fn cursor_keys_and_editing_in_the_middle() {
    assert_keys(&[
        (b"abc", b"abc"),
        (b"\x1b[D", b"\x08"),
        (b"\x1bOD", b"\x08"),
        (b"X", b"Xbc\x08\x08"),
        (b"\x7f", b"\x08\x1b[1Pbc\x08\x08"),
        (b"\x1b[3~", b"\x1b[1Pc\x08"),
        (b"\x01", b"\x08"),
        (b"\x05", b"\x1b[C\x1b[C"),
        (b"\x02", b"\x08"),
        (b"\x06", b"\x1b[C"),
        (b"\x0b", b""),
        (b"\x15", b"\x08\x08\x1b[K"),
        // Nothing left to erase or move over: the bell.
        (b"\x7f", b"\x07"),
        (b"\x1b[D", b"\x07"),
        (b"\x06", b"\x07"),
    ]);
}

#[test]
fn home_end_forms_and_backspace_at_the_end() {
    assert_keys(&[
        (b"ab", b"ab"),
        (b"\x7f", b"\x08\x1b[K"),
        (b"cd", b"cd"),
        (b"\x1b[H", b"\x08\x08\x08"),
        (b"\x1b[F", b"\x1b[C\x1b[C\x1b[C"),
        (b"\x1b[1~", b"\x08\x08\x08"),
        (b"\x1b[4~", b"\x1b[C\x1b[C\x1b[C"),
        (b"\x1bOH", b"\x08\x08\x08"),
        (b"\x1bOF", b"\x1b[C\x1b[C\x1b[C"),
    ]);
}

#[test]
fn ctrl_d_deletes_under_the_cursor_and_ends_an_empty_line() {
    assert_keys(&[
        (b"abc", b"abc"),
        (b"\x1b[D", b"\x08"),
        (b"\x04", b"\x1b[K"),
        (b"\x0b", b""),
        (b"\x19", b"\x07"),
        (b"\x1b[D", b"\x08"),
        (b"\x14", b"\x08ba"),
    ]);
    let mut ed = LineEditor::new();
    assert_eq!(ed.feed(b"\x04"), [EditorEvent::EndOfFile]);
    // At the end of a non-empty line there is nothing to delete.
    assert_eq!(ed.feed(b"ab\x04"), [EditorEvent::Echo(b"ab\x07".to_vec())]);
}

#[test]
fn kills_from_the_cursor() {
    assert_keys(&[
        (b"abcd", b"abcd"),
        (b"\x1b[D", b"\x08"),
        (b"\x1b[D", b"\x08"),
        (b"\x15", b"\x08\x08\x1b[2Pcd\x08\x08"),
        (b"\x19", b"abcd\x08\x08"),
        (b"\x05", b"\x1b[C\x1b[C"),
        (b"\x19", b"ab"),
    ]);
    assert_keys(&[
        (b"echo abc def", b"echo abc def"),
        (b"\x1b[D", b"\x08"),
        (b"\x1b[D", b"\x08"),
        (b"\x17", b"\x08\x1b[1Pef\x08\x08"),
        (b"\x17", b"\x08\x08\x08\x08\x1b[4Pef\x08\x08"),
    ]);
}

#[test]
fn an_empty_kill_keeps_the_last_one_for_yank() {
    let mut host = TestHost::new();
    host.history = ["echo one", "echo two words"].into_iter().collect();
    assert_keys_with(
        &mut host,
        &[
            (b"q", b"q"),
            (b"\x1b[3~", b"\x07"),
            (b"\x1bf", b""),
            (b"\x15", b"\x08\x1b[K"),
            (b"\x1b[A", b"echo two words"),
            (b"\x19", b"q"),
            (b"x y", b"x y"),
            (b"\x1bf", b""),
            (b"\x0b", b""),
            (b"\x05", b""),
            (b"\x14", b"\x08\x08y "),
            (b"\x19", b"q"),
        ],
    );
}

#[test]
fn consecutive_kills_yank_back_together() {
    assert_keys(&[
        (b"one two three", b"one two three"),
        (b"\x17", b"\x08\x08\x08\x08\x08\x1b[K"),
        (b"\x17", b"\x08\x08\x08\x08\x1b[K"),
        (b"\x19", b"two three"),
    ]);
}

#[test]
fn transposing_a_lone_multibyte_character_does_nothing() {
    assert_keys(&[
        (b"q", b"q"),
        (b"\x17", b"\x08\x1b[K"),
        ("é".as_bytes(), "é".as_bytes()),
        (b"\x14", b""),
    ]);
}

#[test]
fn a_shared_tail_with_a_space_is_kept_on_screen() {
    assert_keys(&[
        (b"echo a b", b"echo a b"),
        (b"\x01", b"\r\x1b[C\x1b[C"),
        (b"\x06\x06\x06\x06", b"\x1b[C\x1b[C\x1b[C\x1b[C"),
        (b"X", b"\x1b[1@X"),
        (b"\x7f", b"\x08\x1b[1P"),
    ]);
}

#[test]
fn words_move_with_alt_and_ctrl_arrows() {
    assert_keys(&[
        (b"ab cd", b"ab cd"),
        (b"\x1bb", b"\x08\x08"),
        (b"\x1b[1;5D", b"\x08\x08\x08"),
        (b"\x1bf", b"\x1b[C\x1b[C"),
        (b"\x1b[1;5C", b"\x1b[C\x1b[C\x1b[C"),
    ]);
}

#[test]
fn unbound_sequences_ring_the_bell() {
    assert_keys(&[
        (b"ab", b"ab"),
        // F5: readline gives up at the `5`, rings, and inserts the `~`.
        (b"\x1b[15~", b"\x07~"),
        (b"\x1bx", b"\x07"),
        (b"\x07", b"\x07"),
        (b"\x1b[5~", b"\x07"),
        (b"\x1b[2~", b""),
    ]);
}

#[test]
fn ctrl_l_clears_and_redraws() {
    assert_keys(&[
        (b"echo ab", b"echo ab"),
        (b"\x0c", b"\x1b[H\x1b[2J$ echo ab"),
    ]);
}

#[test]
fn history_walks_up_and_down() {
    let mut host = TestHost::new();
    host.history = ["echo one", "echo three", "ls"].into_iter().collect();
    assert_keys_with(
        &mut host,
        &[
            (b"echo tone", b"echo tone"),
            (b"\x1b[A", b"\r\x1b[C\x1b[Cls\x1b[K"),
            (b"\x1b[A", b"\x08\x08echo three"),
            (b"\x1b[A", b"\x08\x08\x08\x08\x08\x1b[2Pone"),
            // The oldest entry: nothing further up.
            (b"\x10", b"\x07"),
            (b"\x1b[B", b"\x08\x08\x08three"),
            (b"\x1bOB", b"\r\x1b[C\x1b[Cls\x1b[K"),
            // Past the newest: the line being typed comes back.
            (b"\x0e", b"\x08\x08echo tone"),
            (b"\x1b[B", b"\x07"),
        ],
    );
    host.history = ["abc"].into_iter().collect();
    assert_keys_with(
        &mut host,
        &[
            (b"xyz", b"xyz"),
            (b"\x1bOA", b"\x08\x08\x08abc"),
            (b"\x1b[B", b"\x08\x08\x08xyz"),
        ],
    );
    let mut ed = LineEditor::new();
    ed.feed_with(b"\x1b[A", &mut host);
    assert_eq!(
        ed.feed_with(b"\r", &mut host),
        [EditorEvent::Line("abc".to_owned())]
    );
}

#[test]
fn an_entry_edited_during_the_walk_keeps_its_edits() {
    let mut host = TestHost::new();
    host.history = ["echo one", "echo two words"].into_iter().collect();
    assert_keys_with(
        &mut host,
        &[
            ("q\x02日".as_bytes(), "q\x08日q\x08".as_bytes()),
            (b"\x1b[A", b"\x08\x08echo two words"),
            (b"\x17", b"\x08\x08\x08\x08\x08\x1b[K"),
            (b"\x1b[B", "\r\x1b[C\x1b[C\x1b[6P日q".as_bytes()),
            (b"\x1b[A", b"\x08\x08\x08echo two "),
        ],
    );
}

#[test]
fn tab_completes_a_unique_match() {
    assert_keys(&[(b"cat uni", b"cat uni"), (b"\t", b"que.sh ")]);
    assert_keys(&[(b"cd do", b"cd do"), (b"\t", b"cs/")]);
    assert_keys(&[(b"doc", b"doc"), (b"\t", b"ker-credential-gcloud ")]);
}

#[test]
fn tab_on_several_matches_rings_then_lists() {
    // The first Tab inserts the common prefix, so only the third one lists.
    assert_keys(&[
        (b"cat fi", b"cat fi"),
        (b"\t", b"\x07le"),
        (b"\t", b"\x07"),
        (b"\t", b"\r\nfile1.txt  file2.txt  \r\n$ cat file"),
    ]);
    assert_keys(&[
        (b"ls d", b"ls d"),
        (b"\t", b"\x07"),
        (b"\t", b"\r\ndir2/ docs/ \r\n$ ls d"),
        (b"\x15", b"\r\x1b[C\x1b[C\x1b[K"),
    ]);
    assert_keys(&[
        (b"fil", b"fil"),
        (b"\t", b"\x07"),
        (b"\t", b"\r\nfilan  file   \r\n$ fil"),
    ]);
    assert_keys(&[
        (b"ls ", b"ls "),
        (b"\t", b"\x07"),
        (
            b"\t",
            b"\r\ndir2/      docs/      file1.txt  file2.txt  unique.sh  \r\n$ ls ",
        ),
    ]);
}

#[test]
fn tab_with_no_match_only_rings() {
    assert_keys(&[(b"zzzq", b"zzzq"), (b"\t", b"\x07"), (b"\t", b"\x07")]);
}

#[test]
fn many_matches_ask_first_and_page() {
    assert_keys(&[
        (b"ls /usr/bin/", b"ls /usr/bin/"),
        (b"\t", b"\x07"),
        (b"\t", b"\r\nDisplay all 150 possibilities? (y or n)"),
        (b"x", b"\x07"),
        (b"n", b"\r\n$ ls /usr/bin/"),
    ]);
    // 150 names of 7 columns: 80 / (7 + 2) = 8 to a row, so 19 rows, sorted down then
    // across; a 5-row terminal pages after 4.
    let mut sorted = many();
    sorted.sort();
    let mut host = TestHost::new();
    host.rows = 5;
    let got = keys(
        &mut host,
        &[b"ls /usr/bin/", b"\t", b"\t", b"y", b" ", b"\r", b"q"],
    );
    let row = |first: usize| {
        let mut row = String::new();
        for col in 0..8 {
            if let Some(name) = sorted.get(first + col * 19) {
                row.push_str(name);
                if col < 7 {
                    row.push_str("  ");
                }
            }
        }
        row + "\r\n"
    };
    assert_eq!(
        row(0),
        "p000000  p000038  p000076  p000114  q000003  q000041  q000079  q000117\r\n"
    );
    assert_eq!(
        row(18),
        "p000036  p000074  p000112  q000001  q000039  q000077  q000115  \r\n"
    );
    let text = |b: &Vec<u8>| String::from_utf8_lossy(b).into_owned();
    assert_eq!(
        text(&got[3]),
        format!("\r\n{}{}{}{}--More--", row(0), row(1), row(2), row(3))
    );
    assert_eq!(
        text(&got[4]),
        format!("\r\x1b[K\r{}{}{}{}--More--", row(4), row(5), row(6), row(7))
    );
    assert_eq!(text(&got[5]), format!("\r\x1b[K\r{}--More--", row(8)));
    assert_eq!(text(&got[6]), "\r\x1b[K\r$ ls /usr/bin/");
}

#[test]
fn wide_and_multibyte_characters_are_columns() {
    assert_keys(&[
        ("日本".as_bytes(), "日本".as_bytes()),
        (b"\x1b[D", b"\x08\x08"),
        (b"\x7f", b"\x08\x08\x1b[2P\xe6\x9c\xac\x08\x08"),
        ("é".as_bytes(), "é本\x08\x08".as_bytes()),
    ]);
}

#[test]
fn utf8_split_across_feeds() {
    let mut ed = LineEditor::new();
    let bytes = "€".as_bytes();
    assert_eq!(ed.feed(&bytes[..1]), []);
    assert_eq!(ed.feed(&bytes[1..]), [EditorEvent::Echo(bytes.to_vec())]);
    // Invalid bytes are dropped; a cut-short character does not eat the next key.
    assert_eq!(
        ed.feed(b"\xff\xe2\x82a"),
        [EditorEvent::Echo(b"a".to_vec())]
    );
    assert_eq!(ed.current(), "€a");
}

#[test]
fn ctrl_c_discards_the_line() {
    let mut ed = LineEditor::new();
    assert_eq!(
        ed.feed(b"rm -rf /\x03"),
        [
            EditorEvent::Echo(b"rm -rf /".to_vec()),
            EditorEvent::Interrupt
        ]
    );
    assert_eq!(ed.feed(b"\r"), [EditorEvent::Line(String::new())]);
}

#[test]
fn line_length_is_bounded() {
    let mut ed = LineEditor::new();
    let big = vec![b'x'; MAX_LINE_BYTES + 100];
    let events = ed.feed(&big);
    assert_eq!(events, [EditorEvent::Echo(big[..MAX_LINE_BYTES].to_vec())]);
    assert_eq!(ed.current().len(), MAX_LINE_BYTES);
    assert_eq!(ed.feed(b"y\r").len(), 1);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Bytes biased towards keys that edit: escape sequences, control keys, Tab, UTF-8.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            prop::sample::select(vec![
                b"\x1b[A".to_vec(),
                b"\x1b[B".to_vec(),
                b"\x1b[C".to_vec(),
                b"\x1b[D".to_vec(),
                b"\x1bOH".to_vec(),
                b"\x1b[3~".to_vec(),
                b"\x1b[1;5D".to_vec(),
                b"\t".to_vec(),
                b"\x7f".to_vec(),
                b"\x0b".to_vec(),
                b"\x19".to_vec(),
                b"\x14".to_vec(),
                b"\x0c".to_vec(),
                b"y".to_vec(),
                b" ".to_vec(),
                "日".as_bytes().to_vec(),
                "e\u{301}".as_bytes().to_vec(),
                b"\x1b".to_vec(),
                b"\r".to_vec(),
            ]),
        ]
    }

    proptest! {
        #[test]
        fn on_arbitrary_bytes(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..256), 0..8)) {
            let mut ed = LineEditor::new();
            for chunk in &chunks {
                for event in ed.feed(chunk) {
                    if let EditorEvent::Line(line) = event {
                        prop_assert!(line.len() <= MAX_LINE_BYTES);
                    }
                }
                prop_assert!(ed.current().len() <= MAX_LINE_BYTES);
            }
        }

        #[test]
        fn on_editing_keys_with_history_and_completion(
            keys in proptest::collection::vec(key(), 0..200),
            split in 1usize..7,
        ) {
            let mut host = TestHost::new();
            host.history = ["echo one", "日本 x", ""].into_iter().collect();
            host.rows = 3;
            let mut ed = LineEditor::new();
            let bytes: Vec<u8> = keys.concat();
            for chunk in bytes.chunks(split) {
                for event in ed.feed_with(chunk, &mut host) {
                    if let EditorEvent::Echo(out) = event {
                        prop_assert!(out.len() < 1 << 20);
                    }
                }
                prop_assert!(ed.current().len() <= MAX_LINE_BYTES);
                prop_assert!(ed.current().is_char_boundary(ed.point));
            }
        }
    }
}
