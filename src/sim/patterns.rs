//! The `matches` expectations' regular expressions, compiled once per pattern.
//!
//! Compiling a regular expression costs far more than matching it, and a run replays the same
//! files (and the same patterns across imported scenarios) many times: loading validates each
//! pattern and checking uses it, so both go through one bounded cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use regex::{Regex, RegexBuilder};

/// Most patterns kept; past it the cache starts over (patterns are small, this bounds memory).
const MAX_PATTERNS: usize = 4096;

/// Largest compiled program one pattern may make (a scenario file is untrusted input).
const SIZE_LIMIT: usize = 1 << 20;

fn cache() -> &'static Mutex<HashMap<String, Arc<Regex>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// `pattern` compiled the way `matches` reads it: `^` and `$` match at line boundaries.
pub fn compile(pattern: &str) -> Result<Arc<Regex>, regex::Error> {
    if let Some(regex) = cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(pattern)
    {
        return Ok(regex.clone());
    }
    let regex = Arc::new(
        RegexBuilder::new(pattern)
            .multi_line(true)
            .size_limit(SIZE_LIMIT)
            .build()?,
    );
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= MAX_PATTERNS {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), regex.clone());
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_per_line_and_bad_ones_are_errors() {
        let re = compile("^root:x:0:0:").unwrap();
        assert!(re.is_match("daemon:x:1:1:\nroot:x:0:0:root:/root:/bin/bash\n"));
        assert!(Arc::ptr_eq(&re, &compile("^root:x:0:0:").unwrap()));
        assert!(compile("(unclosed").is_err());
        // Too big a program is refused, not built.
        assert!(compile("(?:a{1000}){1000}").is_err());
    }
}
