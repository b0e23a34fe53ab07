//! Embeds `samples/returned/` in the binary so `permit-forms demo` runs the
//! whole pipeline on built-in samples, wherever the binary is.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("samples").join("returned");
    println!("cargo:rerun-if-changed=samples/returned");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut code = String::from("/// Sample returns: path inside the samples folder, and bytes.\n");
    code.push_str("pub const SAMPLES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under root");
        let rel: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        code.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            rel.join("/"),
            f.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("samples.rs");
    std::fs::write(out, code).expect("write samples.rs");
}
