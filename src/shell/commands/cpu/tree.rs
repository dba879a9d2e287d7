//! `lscpu` on a terminal: util-linux 2.37+ prints its summary as a tree (sections with their
//! rows indented two spaces per level) and libsmartcols wraps long values (the flags) to the
//! terminal width, cutting them every `width` characters; 2.34 keeps the flat rows but wraps
//! the same way.

use crate::host::HostProfile;
use crate::host::release::Series;

/// A row: indentation level, key, value (empty for section headers).
type Row = (usize, String, String);

/// The tree rows of 2.37+, built from the flat rows' keys.
fn tree_rows(flat: &[(String, String)]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut headers = [false; 4];
    for (key, value) in flat {
        let k = key.as_str();
        let (level, shown, section) = match k {
            "Architecture:" | "CPU(s):" | "Vendor ID:" => (0, k.to_owned(), None),
            "Model name:" => (1, k.to_owned(), None),
            "CPU op-mode(s):" | "Address sizes:" | "Byte Order:" | "On-line CPU(s) list:" => {
                (1, k.to_owned(), None)
            }
            "CPU family:"
            | "Model:"
            | "Thread(s) per core:"
            | "Core(s) per socket:"
            | "Socket(s):"
            | "Stepping:"
            | "BogoMIPS:"
            | "Flags:" => (2, k.to_owned(), None),
            "Hypervisor vendor:" | "Virtualization type:" => {
                (1, k.to_owned(), Some((0, "Virtualization features:")))
            }
            "NUMA node(s):" | "NUMA node0 CPU(s):" => (1, k.to_owned(), Some((2, "NUMA:"))),
            _ if k.ends_with(" cache:") => (
                1,
                format!("{}:", k.trim_end_matches(" cache:")),
                Some((1, "Caches (sum of all):")),
            ),
            _ if k.starts_with("Vulnerability ") => (
                1,
                k.trim_start_matches("Vulnerability ").to_owned(),
                Some((3, "Vulnerabilities:")),
            ),
            _ => (0, k.to_owned(), None),
        };
        if let Some((i, title)) = section
            && !headers[i]
        {
            headers[i] = true;
            rows.push((0, title.to_owned(), String::new()));
        }
        rows.push((level, shown, value.clone()));
    }
    rows
}

/// Lays out `rows` as libsmartcols does on a `columns`-wide terminal.
fn layout(rows: &[Row], columns: usize) -> String {
    let width = rows
        .iter()
        .map(|(level, key, _)| level * 2 + key.chars().count())
        .max()
        .unwrap_or(0);
    let data_width = columns.saturating_sub(width + 1).max(1);
    let mut out = String::new();
    for (level, key, value) in rows {
        let cell = format!("{}{key}", "  ".repeat(*level));
        let chars: Vec<char> = value.chars().collect();
        let mut chunks = chars
            .chunks(data_width)
            .map(|c| c.iter().collect::<String>());
        out.push_str(&format!(
            "{cell:<width$} {}\n",
            chunks.next().unwrap_or_default()
        ));
        for chunk in chunks {
            out.push_str(&format!("{:width$} {chunk}\n", ""));
        }
    }
    out
}

/// The summary for a terminal `columns` wide.
pub(super) fn on_terminal(host: &HostProfile, flat: &[(String, String)], columns: usize) -> String {
    if host.series() == Series::Focal {
        let rows: Vec<Row> = flat
            .iter()
            .map(|(k, v)| (0, k.clone(), v.clone()))
            .collect();
        layout(&rows, columns)
    } else {
        layout(&tree_rows(flat), columns)
    }
}
