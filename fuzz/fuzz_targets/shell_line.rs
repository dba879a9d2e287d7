//! Arbitrary bytes typed at the fake shell: line editor, parser and interpreter together
//! (see `mirage::shell::fuzz::run_bytes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mirage::shell::fuzz::run_bytes(data);
});
