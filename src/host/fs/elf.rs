//! The bytes of a generated program: a 64-bit x86-64 PIE ELF header with the program headers,
//! interpreter path and notes a real Ubuntu binary starts with, then deterministic filler.
//! Enough for `file`, `head -c 20 /bin/ls | od -c` and the `cat /bin/echo` architecture probe
//! that IoT bots run; nothing executes it.

use super::ubuntu::hash;

/// Where the interpreter path sits, as in binaries linked by Ubuntu's toolchain.
const INTERP_OFFSET: usize = 0x318;
/// The dynamic loader every program names.
pub const INTERP: &[u8] = b"/lib64/ld-linux-x86-64.so.2\0";
/// Where the GNU build-id note sits.
const BUILD_ID_OFFSET: usize = 0x358;

/// The first `min(size, limit)` bytes of program `program`, `size` bytes long.
pub fn binary(program: &str, size: u64, limit: usize) -> Vec<u8> {
    let len = usize::try_from(size).unwrap_or(usize::MAX).min(limit);
    let mut out = vec![0u8; len];
    let mut header = Vec::with_capacity(0x400);
    let seed = hash(0x0e1f, program);
    // ELF header.
    header.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    header.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
    header.extend_from_slice(&0x3eu16.to_le_bytes()); // x86-64
    header.extend_from_slice(&1u32.to_le_bytes());
    let entry = (0x4000 + seed % 0x4000) & !0xf;
    header.extend_from_slice(&entry.to_le_bytes());
    header.extend_from_slice(&64u64.to_le_bytes()); // program headers
    let shoff = size.saturating_sub(64 * 31);
    header.extend_from_slice(&shoff.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, 13, 64, 31, 30] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    // Program headers: type, flags, offset, vaddr, paddr, filesz, memsz, align.
    let text = size / 2;
    let phdrs: [(u32, u32, u64, u64, u64); 13] = [
        (6, 4, 64, 0x2d8, 8),                                     // PHDR
        (3, 4, INTERP_OFFSET as u64, 0x1c, 1),                    // INTERP
        (1, 4, 0, 0x3000, 0x1000),                                // LOAD r
        (1, 5, 0x4000, text, 0x1000),                             // LOAD r-x
        (1, 4, 0x4000 + text, size / 4, 0x1000),                  // LOAD r
        (1, 6, size.saturating_sub(0x2000), 0x1200, 0x1000),      // LOAD rw
        (2, 6, size.saturating_sub(0x1e00), 0x1f0, 8),            // DYNAMIC
        (4, 4, 0x338, 0x30, 8),                                   // NOTE
        (4, 4, BUILD_ID_OFFSET as u64, 0x44, 4),                  // NOTE
        (0x6474_e553, 4, 0x338, 0x30, 8),                         // GNU_PROPERTY
        (0x6474_e550, 4, 0x4000 + text + 0x100, 0x5b4, 4),        // GNU_EH_FRAME
        (0x6474_e551, 6, 0, 0, 16),                               // GNU_STACK
        (0x6474_e552, 4, size.saturating_sub(0x2000), 0x1000, 1), // GNU_RELRO
    ];
    for (kind, flags, offset, filesz, align) in phdrs {
        header.extend_from_slice(&kind.to_le_bytes());
        header.extend_from_slice(&flags.to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&filesz.to_le_bytes());
        header.extend_from_slice(&filesz.to_le_bytes());
        header.extend_from_slice(&align.to_le_bytes());
    }
    header.resize(INTERP_OFFSET, 0);
    header.extend_from_slice(INTERP);
    header.resize(BUILD_ID_OFFSET, 0);
    // NT_GNU_BUILD_ID: namesz 4, descsz 20, type 3, "GNU\0", 20 bytes.
    for v in [4u32, 20, 3] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(b"GNU\0");
    header.extend_from_slice(&build_id(program));
    // NT_GNU_ABI_TAG: Linux 3.2.0.
    for v in [4u32, 16, 1] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(b"GNU\0");
    for v in [0u32, 3, 2, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    let head = header.len().min(len);
    out[..head].copy_from_slice(&header[..head]);
    // Filler after the headers: an xorshift stream, stable per program.
    let mut state = seed | 1;
    for byte in out.iter_mut().skip(0x400) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = (state >> 24) as u8;
    }
    out
}

/// The 20-byte GNU build id of `program`.
pub fn build_id(program: &str) -> [u8; 20] {
    let mut id = [0u8; 20];
    for (i, chunk) in id.chunks_mut(8).enumerate() {
        let h = hash(0xb01d + i as u64, program).to_le_bytes();
        chunk.copy_from_slice(&h[..chunk.len()]);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_an_x86_64_pie() {
        let bytes = binary("ls", 138_208, usize::MAX);
        assert_eq!(bytes.len(), 138_208);
        assert_eq!(&bytes[..4], b"\x7fELF");
        assert_eq!(bytes[4], 2);
        assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), 0x3e);
        assert_eq!(&bytes[INTERP_OFFSET..INTERP_OFFSET + INTERP.len()], INTERP);
        assert_eq!(binary("ls", 138_208, 100).len(), 100);
        assert_eq!(binary("ls", 10, usize::MAX).len(), 10);
        assert_ne!(build_id("ls"), build_id("cat"));
    }
}
