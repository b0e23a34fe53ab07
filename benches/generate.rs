//! Benchmark: generate every region's forms (21 附2 + 272 附3) in a release
//! build, each format alone and all three. Run with
//! `cargo bench --bench generate` (or `… -- docx` for the cases whose label
//! starts with `docx`). Wall and CPU time (all threads) are printed: on a
//! machine shared with other work, CPU time is the steadier figure.

use std::time::{Duration, Instant};

use permit_forms::generate::{self, GenerateOptions};
use permit_forms::render::Format;
use permit_forms::{FormKind, Templates};

/// CPU time (user + system) this process has used so far, all threads.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// One generate run of `formats` into `out`, in this process: wall and CPU
/// time, and the files written.
fn one_run(
    formats: &[Format],
    out: &std::path::Path,
) -> Result<(Duration, Duration, Vec<std::path::PathBuf>), String> {
    let start = Instant::now();
    let cpu_start = cpu_time();
    // Template loading (and font parsing inside generate) is part of the run.
    let t = Templates::embedded().map_err(|e| e.to_string())?;
    let opts = GenerateOptions {
        out: out.to_path_buf(),
        formats: formats.to_vec(),
        kinds: FormKind::ALL.to_vec(),
        regions: Vec::new(),
        periods: Vec::new(),
        blanks: false,
    };
    let summary = generate::generate(&t, &opts, &|| {}).map_err(|e| e.to_string())?;
    Ok((start.elapsed(), cpu_time() - cpu_start, summary.files))
}

/// Environment variable that makes this program run one round and report
/// it (see [`run`]).
const ROUND: &str = "PERMIT_FORMS_BENCH_ROUND";

/// Runs `rounds` generate runs of `formats`, each in a fresh process (this
/// program again, with [`ROUND`] set), as a real run starts with nothing
/// made yet: in one process, later rounds would reuse what the first made
/// (finished Word rows and parts, font subsets). Each run writes into a
/// fresh folder under cargo's own temporary folder for benchmarks, kept in
/// `keep` until the whole benchmark ends. ext4 without a journal skips every
/// inode freed in the last minute when it creates a file in the same block
/// group, so a folder beside other programs' churning temporary files (the
/// system temporary folder) or the deletion of the previous round's
/// hundreds of files made each new file cost a scan: up to a third of the
/// measured time, which a real run into its own output folder does not pay.
fn run(label: &str, formats: &[Format], rounds: usize, keep: &mut Vec<tempfile::TempDir>) {
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut files = Vec::new();
    let mut dir_of_last = None;
    for _ in 0..rounds {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        // Flush the previous round's files first: otherwise its write-back and
        // deletion land inside this round's time, which a single real run
        // never sees.
        let _ = std::process::Command::new("sync").status();
        let names: Vec<&str> = formats.iter().map(|f| f.ext()).collect();
        let child = std::process::Command::new(std::env::current_exe().expect("this program"))
            .env(ROUND, names.join(","))
            .arg(dir.path())
            .output()
            .expect("run one round");
        let report = String::from_utf8_lossy(&child.stdout).into_owned();
        let mut lines = report.lines();
        let mut head = lines.next().unwrap_or_default().split(' ');
        let (Some(wall), Some(used)) =
            (head.next().and_then(|w| w.parse().ok()), head.next().and_then(|c| c.parse().ok()))
        else {
            println!("{label}: failed: {report}{}", String::from_utf8_lossy(&child.stderr));
            return;
        };
        times.push(Duration::from_secs_f64(wall));
        cpu.push(Duration::from_secs_f64(used));
        files = lines.map(std::path::PathBuf::from).collect();
        dir_of_last = Some(dir.path().to_path_buf());
        keep.push(dir);
    }
    let Some(dir) = dir_of_last else { return };
    let mut bytes = 0u64;
    let mut sizes: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for f in &files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
        let len = std::fs::metadata(dir.join(f)).map_or(0, |m| m.len());
        bytes += len;
        sizes.entry(ext).or_default().push(len);
    }
    let m = median(times.clone());
    println!(
        "{label}: {} files, median {:.3} s over {rounds} runs (min {:.3} s), CPU median {:.3} s, {:.1} MB written",
        files.len(),
        m.as_secs_f64(),
        times.iter().min().unwrap().as_secs_f64(),
        median(cpu).as_secs_f64(),
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

/// The child's side of [`run`]: one round into the folder given, reported
/// on standard output as a line of wall and CPU seconds and then a line per
/// file written.
fn one_round(formats: &str, out: &str) {
    let formats: Vec<Format> = formats.split(',').filter_map(Format::from_ext).collect();
    match one_run(&formats, std::path::Path::new(out)) {
        Ok((wall, cpu, files)) => {
            println!("{} {}", wall.as_secs_f64(), cpu.as_secs_f64());
            for f in files {
                println!("{}", f.display());
            }
        }
        Err(e) => println!("{e}"),
    }
}

fn main() {
    if let Ok(formats) = std::env::var(ROUND) {
        one_round(&formats, &std::env::args().nth(1).unwrap_or_default());
        return;
    }
    let threads = rayon::current_num_threads();
    println!("generate benchmark ({threads} threads)");
    // `cargo bench --bench generate -- docx` runs only the cases whose
    // label starts with "docx" (cargo's own `--bench` flag is ignored).
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let mut keep = Vec::new();
    let cases: [(&str, &[Format], usize); 4] = [
        ("xlsx only (293 forms)", &[Format::Xlsx], 7),
        ("docx only (293 forms)", &[Format::Docx], 5),
        ("pdf only (293 forms)", &[Format::Pdf], 5),
        ("xlsx+docx+pdf (293 forms)", &Format::ALL, 5),
    ];
    for (label, formats, rounds) in cases {
        if only.is_empty() || only.iter().any(|o| label.starts_with(o.as_str())) {
            run(label, formats, rounds, &mut keep);
        }
    }
}
