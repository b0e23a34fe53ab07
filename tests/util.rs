//! Shared test helpers: the embedded templates, temp dirs, and the outside
//! clients (LibreOffice headless, poppler's pdftotext/pdffonts/pdfinfo).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use permit_forms::Templates;

/// The embedded templates, loaded once for the whole test binary.
pub fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| Templates::embedded().expect("embedded templates load"))
}

/// A fresh temporary folder, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("pf-test-").tempdir().expect("temp dir")
}

/// The path of a required outside program, or a panic that says what to install.
/// Interop tests must not skip silently: CI installs these.
pub fn require(program: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()));
    found.unwrap_or_else(|| {
        panic!("this test needs `{program}`: install it with `apt-get install {package}` (.ci/run does this)")
    })
}

/// Converts `input` with LibreOffice headless into `out_dir` (`to` is a
/// LibreOffice filter spec: `pdf`, `xls`, `ods`, `xlsx`, `docx` …) and
/// returns the produced file. Each call uses its own profile so tests can run
/// in parallel.
pub fn soffice_convert(input: &Path, to: &str, out_dir: &Path) -> PathBuf {
    let soffice = require("soffice", "libreoffice-calc libreoffice-writer");
    let profile = tempdir();
    std::fs::create_dir_all(out_dir).unwrap();
    let output = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(out_dir)
        .arg(input)
        .output()
        .expect("run soffice");
    let ext = to.split(':').next().unwrap();
    let stem = input.file_stem().unwrap().to_string_lossy().to_string();
    let produced = out_dir.join(format!("{stem}.{ext}"));
    assert!(
        output.status.success() && produced.is_file(),
        "LibreOffice failed to convert {} to {to}: status {:?}\nstdout: {}\nstderr: {}",
        input.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    produced
}

/// Runs a poppler tool and returns its stdout.
pub fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let exe = require(tool, "poppler-utils");
    let out = Command::new(exe).args(args).arg(pdf).output().expect("run poppler tool");
    assert!(
        out.status.success(),
        "{tool} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Text of a PDF (pdftotext, layout order).
pub fn pdf_text(pdf: &Path) -> String {
    let exe = require("pdftotext", "poppler-utils");
    let out = Command::new(exe).arg("-layout").arg(pdf).arg("-").output().expect("run pdftotext");
    assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Page count of a PDF (pdfinfo).
pub fn pdf_pages(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[], pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .expect("pdfinfo prints Pages:")
}

/// Text with all white space removed, for comparing Chinese text that a
/// PDF extractor may split across lines.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Text of a PDF in content-stream order (`pdftotext -raw`), so a cell's
/// lines stay together even when other cells sit beside them. `page` limits
/// it to one page (1-based).
pub fn pdf_text_raw(pdf: &Path, page: Option<usize>) -> String {
    let exe = require("pdftotext", "poppler-utils");
    let mut cmd = Command::new(exe);
    cmd.arg("-raw");
    if let Some(p) = page {
        cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let out = cmd.arg(pdf).arg("-").output().expect("run pdftotext");
    assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of one entry of a zip package (a docx or xlsx part).
pub fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    let mut entry = archive.by_name(name).unwrap_or_else(|_| panic!("the package has no {name}"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).expect("UTF-8 part");
    text
}

/// The parts of a zip package (name, bytes), in order.
pub fn zip_parts_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).expect("readable entry");
            (f.name().expect("a name").to_string(), b)
        })
        .collect()
}

/// A zip of `parts` (name, bytes), deflated; `mimetype` stored, as an
/// OpenDocument package wants it.
pub fn zip_of_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default().compression_method(method))
            .expect("zip entry");
        std::io::Write::write_all(&mut w, bytes).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// `package` with its part `name` replaced by `data` (the part must exist).
pub fn with_zip_entry(package: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut parts = zip_parts_of(package);
    let (_, part) = parts.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}"));
    *part = data.to_vec();
    zip_of_parts(&parts)
}

/// Name and compression method of every entry of a zip package, in order.
pub fn zip_methods(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    (0..archive.len())
        .map(|i| {
            let e = archive.by_index(i).expect("entry");
            (e.name().map(|n| n.to_string()).unwrap_or_default(), e.compression())
        })
        .collect()
}

/// Every file under `root`, as sorted paths relative to it (`/`-separated).
pub fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// `seed` with the bytes at `edits` (positions taken modulo the length)
/// overwritten, then cut at `cut` (modulo the length): a mutated file for
/// the property tests.
pub fn mutate(seed: &[u8], edits: &[(u32, u8)], cut: Option<u32>) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, b) in edits {
        let n = bytes.len();
        bytes[at as usize % n] = b;
    }
    if let Some(c) = cut {
        let n = bytes.len();
        bytes.truncate(c as usize % n);
    }
    bytes
}
