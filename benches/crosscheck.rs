//! Benchmark: the cross-checks over 10,000 records in a release build.
//!
//! The records: every registered region's 附2 and 附3 for all its reporting
//! months, then made-up regions (unknown to the registry, so without
//! milestones) each with a 附2 and 34 months of 附3, until 10,000 records;
//! one 附3 in ten is sent twice. Texts are drawn from a small pool of
//! sentences, so many blocks are shared across the ~290 regions of a month
//! and many month-to-month copies occur: the worst case for the comparisons.
//! Prints the time of `cross_check` and of `corrections` per round.
//! Run with `cargo bench --bench crosscheck`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use permit_forms::crosscheck::{corrections, cross_check};
use permit_forms::ingest::current::mark_current;
use permit_forms::record::{ScheduleEntry, Source};
use permit_forms::{FormKind, Period, Record, Status, Templates, YearMonth};

const RECORDS: usize = 10_000;

/// CPU time (user + system, all threads) of this process so far, from
/// /proc/self/stat in clock ticks of 10 ms: the wall time depends on how
/// busy the machine is, the CPU time much less.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

const SENTENCES: &[&str] = &[
    "召开试点工作推进会，部署本月排污许可证申请核发工作",
    "完成本月计划的企业培训和申请材料审核",
    "组织重点企业在全国排污许可证管理信息平台填报申请材料",
    "对已受理的企业申请开展技术审核和现场核查",
    "配合部专项小组完善行业排污许可技术规范",
    "梳理行政区域内纳入试点的重点企业名单",
    "编制试点工作实施方案并报送环境保护部",
    "开展依证监管试点，检查企业执行报告填报情况",
    "企业申报材料不完整，已退回补充",
    "请部里尽快明确行业排污许可证申请表格式",
    "全国平台填报模块尚未上线，请部里协调",
    "基层核发人员不足，请部里派专家指导",
];

/// A small deterministic generator (no dependency on a random crate).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn sentence(&mut self) -> &'static str {
        SENTENCES[self.next() % SENTENCES.len()]
    }
}

fn source(file: String) -> Source {
    Source { file, sheet: "附3 试点工作进展表".into(), sha256: String::new() }
}

fn make_records(t: &Templates) -> Vec<Record> {
    let reg = &t.registry;
    let mut rng = Lcg(7);
    let mut slots: Vec<(String, Vec<YearMonth>, Vec<Period>)> = reg
        .regions()
        .map(|(id, r)| (r.name.clone(), reg.progress_months(id), reg.plan_periods(id)))
        .collect();
    let all_months: Vec<YearMonth> =
        YearMonth::new(2017, 3).unwrap().through(YearMonth::new(2019, 12).unwrap()).collect();
    let mut n = 0;
    while slots.iter().map(|s| 1 + s.1.len() * 11 / 10).sum::<usize>() < RECORDS {
        n += 1;
        let plan: Vec<Period> = all_months.iter().map(|&m| Period::Month(m)).collect();
        slots.push((format!("试点地区{n:04}"), all_months.clone(), plan));
    }
    let mut out = Vec::with_capacity(RECORDS);
    for (region, months, plan_periods) in &slots {
        let mut plan = Record::empty(FormKind::Plan, source(format!("{region}/附2.xlsx")));
        plan.region = Some(region.clone());
        plan.schedule = plan_periods
            .iter()
            .map(|&p| ScheduleEntry { period: p, arrangement: Some(rng.sentence().to_string()) })
            .collect();
        out.push(plan);
        for (k, &m) in months.iter().enumerate() {
            let versions = if k % 10 == 3 { 2 } else { 1 };
            for v in 0..versions {
                let mut r = Record::empty(FormKind::Progress, source(format!("{region}/附3_{m}_{v}.xlsx")));
                r.region = Some(region.clone());
                r.period = Some(Period::Month(m));
                r.status = Some(Status::ALL[rng.next() % 3]);
                r.planned = Some(format!("{}月：{}", m.month, rng.sentence()));
                r.actual = Some(format!(
                    "1. {}；\n2. {}；\n3. 本月受理企业申请{}家，完成核发{}家。",
                    rng.sentence(),
                    rng.sentence(),
                    rng.next() % 90,
                    rng.next() % 40
                ));
                if rng.next().is_multiple_of(2) {
                    r.difficulties = Some(rng.sentence().to_string());
                }
                if r.status == Some(Status::Behind) {
                    r.delay_reason = Some(rng.sentence().to_string());
                }
                let next = m.next();
                r.submitted_on = NaiveDate::from_ymd_opt(next.year, next.month, 1 + v as u32 * 5);
                out.push(r);
            }
        }
    }
    out.truncate(RECORDS);
    mark_current(&mut out);
    out
}

fn main() {
    let t = Templates::embedded().expect("templates");
    let reg = &t.registry;
    let records = make_records(&t);
    let regions: std::collections::BTreeSet<&str> =
        records.iter().filter_map(|r| r.region.as_deref()).collect();
    println!(
        "cross-check benchmark: {} records, {} regions, {} superseded, {} threads",
        records.len(),
        regions.len(),
        records.iter().filter(|r| !r.current).count(),
        rayon::current_num_threads()
    );
    let mut times = Vec::new();
    let mut corr_times = Vec::new();
    for round in 0..5 {
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let found = cross_check(&records, reg, &reg.settings.crosscheck);
        let took = start.elapsed();
        let cpu = cpu_seconds().zip(cpu).map(|(b, a)| b - a).unwrap_or(f64::NAN);
        let start = Instant::now();
        let corr = corrections(&records);
        let corr_took = start.elapsed();
        println!(
            "round {round}: cross_check {:.3} s wall, {cpu:.2} s CPU ({} findings), corrections {:.3} s ({} corrections)",
            took.as_secs_f64(),
            found.len(),
            corr_took.as_secs_f64(),
            corr.len()
        );
        times.push(took);
        corr_times.push(corr_took);
    }
    times.sort();
    corr_times.sort();
    let median: Duration = times[times.len() / 2];
    println!(
        "cross_check median {:.3} s, min {:.3} s; corrections median {:.3} s",
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        corr_times[corr_times.len() / 2].as_secs_f64()
    );
}
