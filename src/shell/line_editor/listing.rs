//! The Tab listing: candidates in columns, sorted down then across like `ls`, as readline's
//! `rl_display_match_list` prints them, with its `Display all N possibilities? (y or n)`
//! question and its `--More--` pager.

use super::display::width;
use crate::shell::completion::Candidate;

/// From this many candidates on, readline asks before listing (`completion-query-items`).
pub(super) const QUERY_ITEMS: usize = 100;

/// A listing being printed.
#[derive(Debug)]
pub(super) struct Listing {
    /// How many candidates it shows.
    items: usize,
    /// Its rows, without line ends.
    rows: Vec<Vec<u8>>,
    /// The next row to print.
    next: usize,
}

impl Listing {
    /// Lays out `candidates` for a terminal `columns` wide.
    pub fn new(candidates: &[Candidate], columns: usize) -> Listing {
        let mut shown: Vec<(String, usize)> = candidates
            .iter()
            .map(|c| {
                let text = c.shown();
                // The `/` readline adds to a directory is not counted in the column width.
                let name_width = width(&text) - usize::from(c.dir && text.ends_with('/'));
                (text, name_width)
            })
            .collect();
        shown.sort();
        shown.dedup();
        let max = shown.iter().map(|(_, w)| *w).max().unwrap_or(0) + 2;
        let mut limit = columns / max;
        if limit != 1 && limit * max == columns {
            limit -= 1;
        }
        let limit = limit.max(1);
        let len = shown.len();
        let count = len.div_ceil(limit);
        let mut rows = Vec::with_capacity(count);
        if let [(only, _)] = shown.as_slice() {
            // A single match is printed alone, without padding.
            rows.push(only.as_bytes().to_vec());
        }
        for i in (0..count).filter(|_| len > 1) {
            let mut row = Vec::new();
            for j in 0..limit {
                let Some((text, _)) = shown.get(i + j * count) else {
                    break;
                };
                row.extend_from_slice(text.as_bytes());
                if j + 1 < limit {
                    let printed = width(text);
                    let pad = if max <= printed { 1 } else { max - printed };
                    row.resize(row.len() + pad, b' ');
                }
            }
            rows.push(row);
        }
        Listing {
            items: len,
            rows,
            next: 0,
        }
    }

    /// How many candidates the listing shows.
    pub fn len(&self) -> usize {
        self.items
    }

    /// Whether rows were printed already (the listing waits at `--More--`).
    pub fn started(&self) -> bool {
        self.next > 0
    }

    /// Prints rows, `lines` of them already on the screen, until the screen (`rows` high) is
    /// full: then prints `--More--` and returns true. Returns false when all rows are out.
    pub fn print(&mut self, out: &mut Vec<u8>, mut lines: usize, rows: usize) -> bool {
        while let Some(row) = self.rows.get(self.next) {
            out.extend_from_slice(row);
            out.extend_from_slice(b"\r\n");
            self.next += 1;
            lines += 1;
            if lines >= rows.saturating_sub(1) && self.next < self.rows.len() {
                out.extend_from_slice(b"--More--");
                return true;
            }
        }
        false
    }
}
