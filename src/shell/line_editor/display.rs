//! Readline's redisplay of one screen line: the bytes that turn what the terminal shows into
//! the edited line, as readline 8.1 (bash 5.1) writes them to an xterm in a UTF-8 locale.
//!
//! Readline keeps a copy of what it drew and, after every key, compares it with the new line
//! (`update_line` in `display.c`): it moves the cursor to the first difference, then writes the
//! new text, opens room with `CSI n @`, deletes with `CSI n P` or clears with `CSI K`, and
//! finally moves the cursor to the point (`_rl_move_cursor_relative`: backspaces, or a carriage
//! return and `CSI C` when that is shorter). The quirks are readline's own and kept on purpose
//! (in a UTF-8 locale a common tail is only reused when it holds a space), because an attacker
//! who records their terminal sees exactly these bytes. Lines wider than the terminal are drawn
//! as if the terminal were wide enough.

/// The columns a character takes on the terminal (`wcwidth`): 0 for combining marks, 2 for
/// wide East Asian characters, 1 otherwise.
#[inline]
pub(crate) fn char_width(c: char) -> usize {
    let u = c as u32;
    // Below the first range of either kind (nearly every typed character): one column.
    if u < 0x0300 {
        return 1;
    }
    let zero = matches!(u,
        0x0300..=0x036f | 0x0483..=0x0489 | 0x0591..=0x05bd | 0x0610..=0x061a
        | 0x064b..=0x065f | 0x0e31 | 0x0e34..=0x0e3a | 0x0e47..=0x0e4e
        | 0x1ab0..=0x1aff | 0x1dc0..=0x1dff | 0x200b..=0x200f | 0x20d0..=0x20ff
        | 0xfe00..=0xfe0f | 0xfe20..=0xfe2f | 0xe0100..=0xe01ef);
    if zero {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115f | 0x2e80..=0x303e | 0x3041..=0x33ff | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff | 0xa000..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff | 0x20000..=0x2fffd | 0x30000..=0x3fffd);
    if wide { 2 } else { 1 }
}

/// The columns `s` takes on the terminal.
pub(crate) fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn width_of(chars: &[char]) -> usize {
    chars.iter().copied().map(char_width).sum()
}

fn bytes_of(chars: &[char]) -> usize {
    chars.iter().map(|c| c.len_utf8()).sum()
}

fn put(out: &mut Vec<u8>, chars: &[char]) {
    let mut buf = [0u8; 4];
    for c in chars {
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

/// What readline believes the terminal shows: the edited line after a prompt `prompt` columns
/// wide, and the cursor's column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Screen {
    /// The prompt's width in columns.
    pub prompt: usize,
    /// The line as drawn.
    pub line: String,
    /// The cursor's column, counted from the start of the prompt.
    pub col: usize,
}

impl Screen {
    /// A screen where the prompt was just drawn and the line is empty.
    pub fn after_prompt(prompt: usize) -> Screen {
        Screen {
            prompt,
            line: String::new(),
            col: prompt,
        }
    }

    /// Redraws the screen line to show `new` with the cursor before byte `point` of it
    /// (`rl_redisplay`), appending the terminal bytes to `out`.
    pub fn redisplay(&mut self, out: &mut Vec<u8>, new: &str, point: usize, columns: usize) {
        if new != self.line {
            match new.strip_prefix(self.line.as_str()) {
                // Text added at the end: `update_line` writes just that (a shortcut, since
                // comparing long lines character by character on every key is quadratic).
                Some(added) => {
                    let end = self.prompt + width(&self.line);
                    self.move_to(out, end, columns);
                    out.extend_from_slice(added.as_bytes());
                    self.col += width(added);
                }
                None => self.update_line(out, new, columns),
            }
            self.line = new.to_owned();
        }
        let point = point.min(new.len());
        let target = self.prompt + new.get(..point).map_or(0, width);
        self.move_to(out, target, columns);
    }

    /// `_rl_move_cursor_relative`: moves the cursor to column `target` of the line.
    fn move_to(&mut self, out: &mut Vec<u8>, target: usize, columns: usize) {
        let mut cpos = self.col;
        if cpos == target {
            return;
        }
        // CR_FASTER: a carriage return and moving forward beats backspacing.
        if target == 0 || target + 1 < cpos.saturating_sub(target) || cpos == columns {
            out.push(b'\r');
            cpos = 0;
        }
        if cpos < target {
            for _ in cpos..target {
                out.extend_from_slice(b"\x1b[C");
            }
        } else {
            for _ in target..cpos {
                out.push(b'\x08');
            }
        }
        self.col = target;
    }

    /// `update_line` for one screen line in a multibyte locale, on an xterm (which can insert
    /// and delete characters and clear to the end of the line).
    fn update_line(&mut self, out: &mut Vec<u8>, new: &str, columns: usize) {
        let o: Vec<char> = self.line.chars().collect();
        let n: Vec<char> = new.chars().collect();
        let (oe, ne) = (o.len(), n.len());
        let common = oe.min(ne);
        // The first difference: where the shorter line stops, if it is a prefix of the other.
        let mut fd = if o[..common] == n[..common] {
            common
        } else {
            (0..common).find(|&i| o[i] != n[i]).unwrap_or(common)
        };
        if fd == oe && fd == ne {
            return;
        }
        // A combining character belongs with the one before it.
        if fd > 0 && fd < oe && char_width(o[fd]) == 0 && !o[fd].is_ascii() {
            fd -= 1;
        }
        let (ofd, nfd) = (fd, fd);
        // The last characters both lines share. In a UTF-8 locale readline only trusts a
        // shared tail that holds a space (its `wsatend` test is inverted there).
        let mut ols = oe.saturating_sub(1);
        let mut nls = ne.saturating_sub(1);
        let mut wsatend = true;
        while ols > ofd && nls > nfd {
            if o[ols] != n[nls] {
                break;
            }
            if o[ols] == ' ' {
                wsatend = false;
            }
            ols -= 1;
            nls -= 1;
        }
        if wsatend {
            ols = oe;
            nls = ne;
        } else if o.get(ols) != n.get(nls) {
            ols = (ols + 1).min(oe);
            nls = (nls + 1).min(ne);
        }
        let od = self.prompt + width_of(&o[..ofd]);
        self.move_to(out, od, columns);
        let lendiff = bytes_of(&n[nfd..nls]) as isize - bytes_of(&o[ofd..ols]) as isize;
        let col_lendiff = width_of(&n[nfd..nls]) as isize - width_of(&o[ofd..ols]) as isize;
        let col_temp = width_of(&n[nfd..]);
        if col_lendiff > 0 {
            if lendiff < 0 || ols >= oe {
                // Wider but fewer bytes, or nothing after the change: write to the end.
                put(out, &n[nfd..]);
                self.col += col_temp;
            } else {
                // Open room for the new characters and write them.
                out.extend_from_slice(format!("\x1b[{col_lendiff}@").as_bytes());
                put(out, &n[nfd..nls]);
                self.col += width_of(&n[nfd..nls]);
            }
        } else if 2 * col_temp as isize >= -col_lendiff {
            // Delete the difference on the terminal, then overwrite what changed.
            if col_lendiff != 0 && (-col_lendiff) as usize <= columns {
                out.extend_from_slice(format!("\x1b[{}P", -col_lendiff).as_bytes());
            }
            if nls > nfd {
                put(out, &n[nfd..nls]);
                self.col += width_of(&n[nfd..nls]);
            }
        } else {
            // Cheaper to write the rest and clear what is left of the old line.
            put(out, &n[nfd..]);
            self.col += col_temp;
            if width_of(&o) != width_of(&n) && self.col < columns {
                out.extend_from_slice(b"\x1b[K");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redraws `old` (cursor at `old_point`) as `new` (cursor at `point`) after bash's `$ `.
    fn redraw(old: &str, old_point: usize, new: &str, point: usize) -> Vec<u8> {
        let mut screen = Screen {
            prompt: 2,
            line: old.to_owned(),
            col: 2 + width(&old[..old_point]),
        };
        let mut out = Vec::new();
        screen.redisplay(&mut out, new, point, 80);
        assert_eq!(screen.col, 2 + width(&new[..point]));
        out
    }

    // The expected bytes below are what bash 5.1 (readline 8.1) wrote to an xterm-like PTY
    // for the same edit, with PS1='$ ' and LANG=C.UTF-8.

    #[test]
    fn typing_at_the_end_writes_the_character() {
        assert_eq!(redraw("ab", 2, "abc", 3), b"c");
    }

    #[test]
    fn inserting_in_the_middle_rewrites_the_tail() {
        assert_eq!(redraw("abc", 1, "aXbc", 2), b"Xbc\x08\x08");
        // A shared tail with a space in it is kept: the terminal opens room instead.
        assert_eq!(redraw("echo a b", 4, "echoX a b", 5), b"\x1b[1@X");
    }

    #[test]
    fn deleting_uses_delete_char_or_clear_to_end() {
        assert_eq!(redraw("ab", 2, "a", 1), b"\x08\x1b[K");
        assert_eq!(redraw("aXbc", 2, "abc", 1), b"\x08\x1b[1Pbc\x08\x08");
        assert_eq!(redraw("abc", 1, "ac", 1), b"\x1b[1Pc\x08");
        assert_eq!(redraw("echoX a b", 5, "echo a b", 4), b"\x08\x1b[1P");
        assert_eq!(redraw("abcd", 2, "cd", 0), b"\x08\x08\x1b[2Pcd\x08\x08");
    }

    #[test]
    fn history_lines_replace_the_line_like_readline() {
        assert_eq!(redraw("echo tone", 9, "ls", 2), b"\r\x1b[C\x1b[Cls\x1b[K");
        assert_eq!(redraw("ls", 2, "echo three", 10), b"\x08\x08echo three");
        assert_eq!(
            redraw("echo three", 10, "echo one", 8),
            b"\x08\x08\x08\x08\x08\x1b[2Pone"
        );
        assert_eq!(
            redraw("echo one", 8, "echo three", 10),
            b"\x08\x08\x08three"
        );
        assert_eq!(redraw("xyz", 3, "abc", 3), b"\x08\x08\x08abc");
        assert_eq!(
            redraw("echo abcdone", 11, "echo done", 9),
            b"\x08\x08\x08\x08\x08\x08\x1b[3Pdone"
        );
    }

    #[test]
    fn cursor_moves_by_backspace_or_carriage_return() {
        assert_eq!(redraw("abc", 3, "abc", 2), b"\x08");
        assert_eq!(redraw("ac", 0, "ac", 2), b"\x1b[C\x1b[C");
        assert_eq!(redraw("echo a b", 8, "echo a b", 0), b"\r\x1b[C\x1b[C");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("日本"), 4);
        assert_eq!(width("é"), 1);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(redraw("日本", 6, "日本", 3), b"\x08\x08");
    }
}
