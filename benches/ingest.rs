//! Benchmark: 3,000 filled returns (made with the filler from every
//! region's forms, cycling) read by `ingest_paths` and written by
//! `write_outputs`, in a release build: first as xlsx, then the same forms
//! as docx (Word returns). Prints wall time per round and the peak resident
//! memory (VmHWM). Run with `cargo bench --bench ingest`.

use std::time::{Duration, Instant};

use permit_forms::fill::{fill_grid, sample_values};
use permit_forms::form::{layout, FormInstance};
use permit_forms::ingest::{ingest_paths, write_outputs, IngestOptions};
use permit_forms::render::{docx, xlsx};
use permit_forms::{FormKind, Templates};
use rayon::prelude::*;

const FILES: usize = 3000;

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of the whole process so far, in seconds: less
/// sensitive than wall time to other work on a shared machine.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills a zeroed struct for this process.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() {
    let t = Templates::embedded().expect("templates");
    let reg = &t.registry;
    let mut jobs = Vec::new();
    for (id, _) in reg.regions() {
        jobs.push((FormKind::Plan, FormInstance { region: Some(id), period: None }));
        for m in reg.progress_months(id) {
            jobs.push((FormKind::Progress, FormInstance { region: Some(id), period: Some(m) }));
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // `INGEST_BENCH_FORMATS=docx` (comma-separated) runs only those formats.
    let only = std::env::var("INGEST_BENCH_FORMATS").ok();
    for ext in ["xlsx", "docx"] {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|f| f == ext)) {
            continue;
        }
        let input = dir.path().join(format!("returns-{ext}"));
        std::fs::create_dir_all(&input).expect("dir");
        (0..FILES).into_par_iter().for_each(|i| {
            let (kind, inst) = jobs[i % jobs.len()];
            let region = inst.region.expect("region");
            let mut g = layout(t.form(kind), reg, inst);
            fill_grid(&mut g, &sample_values(reg, kind, region, inst.period, i as u64));
            let bytes = if ext == "xlsx" { xlsx::render(&g) } else { docx::render(&g) }.expect("render");
            std::fs::write(input.join(format!("{i:04}.{ext}")), bytes).expect("write");
        });
        let before = peak_memory_kb();
        println!("ingest benchmark: {FILES} filled {ext}, {} threads", rayon::current_num_threads());
        println!("peak memory after making the inputs: {} KB", before.unwrap_or(0));
        let mut times = Vec::new();
        for round in 0..5 {
            let out_dir = dir.path().join(format!("out-{ext}{round}"));
            let start = Instant::now();
            let cpu = cpu_seconds();
            let outcome = ingest_paths(&t, std::slice::from_ref(&input), &IngestOptions::default());
            write_outputs(&outcome, &out_dir).expect("write outputs");
            let took = start.elapsed();
            assert_eq!(outcome.records.len(), FILES, "{:?}", outcome.rejected.first());
            let cpu = cpu_seconds() - cpu;
            println!(
                "round {round}: {:.3} s, CPU {cpu:.3} s  ({})",
                took.as_secs_f64(),
                outcome.summary_zh()
            );
            times.push(took);
        }
        times.sort();
        let median: Duration = times[times.len() / 2];
        println!("{ext}: median {:.3} s, min {:.3} s", median.as_secs_f64(), times[0].as_secs_f64());
        println!("peak memory (VmHWM, whole process): {} KB", peak_memory_kb().unwrap_or(0));
    }
    // `INGEST_BENCH_KEEP=1` keeps the inputs (to profile the CLI on them).
    if std::env::var_os("INGEST_BENCH_KEEP").is_some() {
        println!("inputs kept in {}", dir.keep().display());
    }
}
