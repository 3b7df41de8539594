//! How the `fagruppe` binary is linked.
//!
//! The binary is position-independent, so the loader fills in its 85,000 pointers to code and
//! constant data (vtables, static tables) where it loaded them. Kept as ordinary relocations, 24
//! bytes each, their list is 2 MiB that the loader reads at every start and that then stays
//! resident. Packed relative relocations (`-z pack-relative-relocs`) keep the same list in a few
//! KiB. Only glibc 2.36 and later read them, so they are asked for when the machine builds for
//! itself and has such a glibc; otherwise the binary is linked as before.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if target == host && target.ends_with("-linux-gnu") && glibc_at_least((2, 36)) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this machine's glibc is at least `wanted`, from `getconf GNU_LIBC_VERSION` (which
/// prints, for example, `glibc 2.36`).
fn glibc_at_least(wanted: (u32, u32)) -> bool {
    let Ok(output) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let printed = String::from_utf8_lossy(&output.stdout);
    let Some(version) = printed.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut numbers = version.split('.').map(|part| part.parse::<u32>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= wanted,
        _ => false,
    }
}
