//! `gzip -l`: the sizes from each file's trailer, without inflating, and the totals.

use super::super::CommandCtx;
use super::super::toolkit;
use super::{Run, codec, ratio};
use crate::host::fs::Timestamp;

/// One line of `gzip -l` (with the heading before the first).
pub(super) fn list_one(
    cx: &mut CommandCtx<'_>,
    run: &mut Run<'_>,
    name: &str,
    shown: &str,
    input: &[u8],
) {
    let listing = match codec::list(input) {
        Ok(listing) => listing,
        Err(err) => {
            run.error(cx, err.text(name));
            return;
        }
    };
    let verbose = run.opts.verbose;
    let mut text = String::new();
    if !run.listed {
        run.listed = true;
        if verbose {
            text.push_str("method  crc     date  time  ");
        }
        if !run.opts.quiet {
            text.push_str(&format!(
                "{:>19} {:>19}  ratio uncompressed_name\n",
                "compressed", "uncompressed"
            ));
        }
    }
    if verbose {
        let time = Timestamp {
            secs: i64::from(listing.mtime),
            nanos: 0,
        }
        .to_datetime();
        text.push_str(&format!(
            "defla {:08x} {}{:>3} {} ",
            listing.crc,
            toolkit::month(time),
            time.format("%-d"),
            time.format("%H:%M")
        ));
    }
    let compressed = input.len() as u64;
    let size = u64::from(listing.size);
    run.total_in += compressed;
    run.total_out += size;
    run.last_header = listing.header_bytes;
    let ratio = ratio(
        size as f64 - (compressed as f64 - listing.header_bytes as f64),
        size,
    );
    text.push_str(&format!("{compressed:>19} {size:>19} {ratio} {shown}\n"));
    cx.out(text);
}
