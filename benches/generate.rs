//! Benchmark: generate every region's forms (21 附2 + 272 附3) in a release
//! build, xlsx alone and all three formats. Run with
//! `cargo bench --bench generate`.

use std::time::{Duration, Instant};

use permit_forms::generate::{self, GenerateOptions};
use permit_forms::render::Format;
use permit_forms::{FormKind, Templates};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run(label: &str, formats: &[Format], rounds: usize) {
    let mut times = Vec::new();
    let mut files = 0;
    let mut bytes = 0u64;
    let mut sizes: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for _ in 0..rounds {
        let dir = tempfile::tempdir().expect("temp dir");
        // Flush the previous round's files first: otherwise its write-back and
        // deletion land inside this round's time, which a single real run
        // never sees.
        let _ = std::process::Command::new("sync").status();
        let start = Instant::now();
        // Template loading (and font parsing inside generate) is part of the run.
        let t = Templates::embedded().expect("templates");
        let opts = GenerateOptions {
            out: dir.path().to_path_buf(),
            formats: formats.to_vec(),
            kinds: FormKind::ALL.to_vec(),
            regions: Vec::new(),
            periods: Vec::new(),
            blanks: false,
        };
        let summary = match generate::generate(&t, &opts, &|| {}) {
            Ok(s) => s,
            Err(e) => {
                println!("{label}: failed: {e}");
                return;
            }
        };
        times.push(start.elapsed());
        files = summary.files.len();
        bytes =
            summary.files.iter().map(|f| std::fs::metadata(dir.path().join(f)).map_or(0, |m| m.len())).sum();
        sizes.clear();
        for f in &summary.files {
            let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
            let len = std::fs::metadata(dir.path().join(f)).map_or(0, |m| m.len());
            sizes.entry(ext).or_default().push(len);
        }
    }
    let m = median(times.clone());
    println!(
        "{label}: {files} files, median {:.3} s over {rounds} runs (min {:.3} s), {:.1} MB written",
        m.as_secs_f64(),
        times.iter().min().unwrap().as_secs_f64(),
        bytes as f64 / 1e6
    );
    for (ext, mut v) in sizes {
        v.sort_unstable();
        println!(
            "  {ext}: median {:.1} KB, max {:.1} KB",
            v[v.len() / 2] as f64 / 1024.0,
            v[v.len() - 1] as f64 / 1024.0
        );
    }
}

fn main() {
    let threads = rayon::current_num_threads();
    println!("generate benchmark ({threads} threads)");
    run("xlsx only (293 forms)", &[Format::Xlsx], 7);
    run("docx only (293 forms)", &[Format::Docx], 5);
    run("pdf only (293 forms)", &[Format::Pdf], 5);
    run("xlsx+docx+pdf (293 forms)", &Format::ALL, 5);
}
