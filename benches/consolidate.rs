//! Benchmark: 10,000 synthetic progress records (every region and month of
//! the registry, resubmitted until the count is reached), consolidated into
//! the workbook and built into the review report, in a release build. Run
//! with `cargo bench --bench consolidate`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use permit_forms::consolidate::consolidate;
use permit_forms::record::{CellRef, Issue, Person, Rule, Source};
use permit_forms::render::{docx, pdf::PdfRenderer};
use permit_forms::report::{build_report, feedback, write_feedback};
use permit_forms::{FormKind, Period, Record, Status, Templates};

const RECORDS: usize = 10_000;

fn synthesise(t: &Templates) -> Vec<Record> {
    let reg = &t.registry;
    let slots: Vec<(String, permit_forms::YearMonth)> = reg
        .regions()
        .flat_map(|(id, r)| reg.progress_months(id).into_iter().map(move |m| (r.name.clone(), m)))
        .collect();
    let mut out = Vec::with_capacity(RECORDS);
    for i in 0..RECORDS {
        let (region, m) = &slots[i % slots.len()];
        let round = i / slots.len();
        let src = Source {
            file: format!("returns/{region}/{m}-{round}.xlsx"),
            sheet: "附3".into(),
            sha256: format!("{i:064x}"),
        };
        let mut r = Record::empty(FormKind::Progress, src);
        r.region = Some(region.clone());
        r.region_raw = region.clone();
        r.period = Some(Period::Month(*m));
        r.status = [Some(Status::OnSchedule), Some(Status::Ahead), Some(Status::Behind), None][i % 4];
        let due = reg.progress_due(*m);
        r.submitted_on = due.checked_add_signed(chrono::Duration::days((i % 7) as i64 - 4 + round as i64));
        r.planned = Some(format!("{region}{}工作安排：完成排污许可证申请材料审核。", m.label_zh()));
        r.actual =
            Some(format!("{region}{}实际进展：已核发许可证{}张，正在组织现场核查。", m.label_zh(), i % 50));
        if r.status == Some(Status::Behind) {
            r.delay_reason = Some("企业申报材料不全，技术规范尚未印发。".into());
        }
        if i % 5 == 0 {
            r.difficulties = Some("需要部里加强技术培训和信息平台支持。".into());
        }
        r.contact = Person {
            name: Some(format!("联系人{}", i % 21)),
            title: None,
            phone: Some("13811112222".into()),
        };
        r.handler = Person {
            name: Some(format!("经办人{}", i % 21)),
            title: None,
            phone: Some("0311-87654321".into()),
        };
        if i % 3 == 0 {
            r.issues.push(Issue::new(
                Rule::SubmittedOnLate,
                "submitted_on",
                Some(CellRef::at(19, 2)),
                "填报时间晚于截止日".into(),
            ));
        }
        out.push(r);
    }
    // The latest round of each region and month is current.
    let rounds = RECORDS.div_ceil(slots.len());
    for (i, r) in out.iter_mut().enumerate() {
        let last_round = if i % slots.len() < RECORDS % slots.len() || RECORDS.is_multiple_of(slots.len()) {
            rounds - 1
        } else {
            rounds - 2
        };
        r.current = i / slots.len() == last_round;
    }
    out
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

/// Runs `f` `rounds` times; prints the median wall time and the median CPU
/// time (all threads) of a run.
fn time<T>(label: &str, rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut cpus = Vec::new();
    let mut last = None;
    for _ in 0..rounds {
        let cpu = cpu_seconds();
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
        cpus.push(cpu_seconds() - cpu);
    }
    times.sort();
    cpus.sort_by(f64::total_cmp);
    let m = times[times.len() / 2];
    println!(
        "{label}: median {:.3} s over {rounds} runs (min {:.3} s), CPU median {:.3} s",
        m.as_secs_f64(),
        times[0].as_secs_f64(),
        cpus[cpus.len() / 2]
    );
    (m, last.expect("at least one round"))
}

fn main() {
    let t = Templates::embedded().expect("templates");
    let recs = synthesise(&t);
    let as_of = NaiveDate::from_ymd_opt(2019, 12, 31).expect("date");
    println!(
        "consolidate benchmark: {} records ({} current)",
        recs.len(),
        recs.iter().filter(|r| r.current).count()
    );
    let (_, bytes) = time("consolidate()", 5, || consolidate(&t, &recs, as_of).expect("workbook"));
    println!("  workbook: {:.1} MB", bytes.len() as f64 / 1e6);
    let (_, doc) = time("build_report()", 5, || build_report(&t, &recs, as_of));
    println!("  report: {} blocks", doc.blocks.len());
    // The report as the user gets it: font parsing included, as in one CLI run.
    let (_, (pdf, _)) = time("report to PDF (fonts parsed + render)", 5, || {
        let r = PdfRenderer::new(&t).expect("fonts");
        r.render_document(&build_report(&t, &recs, as_of)).expect("pdf")
    });
    println!("  report PDF: {:.1} KB", pdf.len() as f64 / 1e3);
    let (_, docx_bytes) =
        time("report to docx", 5, || docx::render_document(&build_report(&t, &recs, as_of)).expect("docx"));
    println!("  report docx: {:.1} KB", docx_bytes.len() as f64 / 1e3);
    let (_, letters) = time("feedback()", 5, || feedback(&t, &recs, as_of));
    println!("  letters: {}", letters.len());
    // Feedback as the user gets it: fonts parsed, every letter (docx and
    // PDF) and every marked-up return written into a folder.
    let out = tempfile::tempdir().expect("temp dir");
    let (_, written) = time("feedback written (fonts + letters + marked-up returns)", 5, || {
        let pdf = PdfRenderer::new(&t).expect("fonts");
        write_feedback(&t, &recs, as_of, &pdf, out.path()).expect("letters written")
    });
    let marked = written.files.iter().filter(|p| p.extension().is_some_and(|e| e == "xlsx")).count();
    println!("  letters: {}, marked-up returns: {marked}, files: {}", written.count, written.files.len());

    // Worst case for the sheets that list records: every record current.
    let all: Vec<Record> = recs.into_iter().map(|r| Record { current: true, ..r }).collect();
    println!("every record current: {} records", all.len());
    let (_, bytes) = time("consolidate()", 5, || consolidate(&t, &all, as_of).expect("workbook"));
    println!("  workbook: {:.1} MB", bytes.len() as f64 / 1e6);
    time("build_report()", 5, || build_report(&t, &all, as_of));
    let (_, letters) = time("feedback()", 5, || feedback(&t, &all, as_of));
    println!("  letters: {}", letters.len());
}
