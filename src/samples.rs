//! The built-in sample returns (`samples/returned/`, embedded at build time)
//! that `permit-forms demo` ingests.

use std::path::Path;

use crate::output::write_atomic;

include!(concat!(env!("OUT_DIR"), "/samples.rs"));

/// Writes the sample returns under `dir`, keeping their folders; returns how
/// many files were written.
///
/// # Errors
/// The first file that could not be written.
pub fn write_to(dir: &Path) -> std::io::Result<usize> {
    for (rel, bytes) in SAMPLES {
        write_atomic(&dir.join(rel), bytes)?;
    }
    Ok(SAMPLES.len())
}
