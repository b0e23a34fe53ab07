//! Writing outputs: every file is written to a temporary file in its target
//! folder and renamed into place, so an existing file is replaced only by a
//! complete one and an interrupted run leaves no half-written output.
//! (No fsync per file: a batch writes hundreds of files and a crash simply
//! means running it again; readers never see a partial file either way.)

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating parent folders.
///
/// # Errors
/// Any I/O error creating the folder, writing or renaming.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let mut tmp = tempfile::Builder::new().prefix(".permit-forms-").suffix(".tmp").tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_existing_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("子目录/文件.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
