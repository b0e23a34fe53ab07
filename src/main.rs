//! The `permit-forms` binary: parses arguments, calls the library, prints
//! errors and maps exit codes (0 done, 1 failed, 2 usage error).

mod cli;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Datelike;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{Cli, Command, GenerateArgs, TemplatesCommand};
use permit_forms::generate::{self, GenerateError, GenerateOptions};
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::lock::lock_review_dir_waiting;
use permit_forms::output::write_atomic;
use permit_forms::period::Period;
use permit_forms::records_io::load_records as read_records;
use permit_forms::render::Format;
use permit_forms::render::{docx, pdf::PdfRenderer};
use permit_forms::review::{self, ReviewOptions};
use permit_forms::templates::ExportError;
use permit_forms::{consolidate, demo, report, Record};
use permit_forms::{FormKind, Templates};

/// An error the user caused by how the command was called: exit status 2.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

fn main() -> ExitCode {
    permit_forms::output::install_interrupt_cleanup();
    let cli = match cli::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(cli::Stop::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(cli::Stop::Usage(line)) => {
            eprintln!("{line}");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.downcast_ref::<Usage>().is_some() { 2 } else { 1 };
            eprintln!("permit-forms: {}", error_line(&e));
            ExitCode::from(code)
        }
    }
}

/// An error as one line: each cause once (library errors often repeat their
/// source's text), and the system's words for an I/O error in Chinese.
fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push('：');
        }
        line.push_str(&text);
    }
    for cause in e.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let english = io.to_string();
            if let Some(zh) = io_zh(io) {
                line = line.replace(&english, zh);
            }
        }
    }
    line
}

/// The Chinese words for a system I/O error, or `None` for an error whose
/// text is already ours.
fn io_zh(e: &std::io::Error) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    e.raw_os_error()?;
    Some(match e.kind() {
        K::NotFound => "文件或文件夹不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "已有同名的文件或文件夹",
        K::IsADirectory => "这是文件夹，不是文件",
        K::NotADirectory => "路径中有一项不是文件夹",
        K::DirectoryNotEmpty => "文件夹不是空的",
        K::ReadOnlyFilesystem => "磁盘只读",
        K::StorageFull | K::QuotaExceeded => "磁盘空间不足",
        K::InvalidFilename => "文件名无效或太长",
        K::ResourceBusy => "文件正被其他程序使用",
        K::CrossesDevices => "不能跨磁盘移动",
        _ => "系统错误",
    })
}

fn load_templates(dir: Option<&Path>) -> anyhow::Result<Templates> {
    Templates::from_option(dir).map_err(|e| usage(format!("模板有误：{e}")))
}

/// A progress bar on stderr, shown only on a terminal, without `--quiet`,
/// and only once the work has taken a second (a quick run draws nothing).
/// `len` 0 gives a spinner that counts.
fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len).filter(|&n| n > 0), ProgressDrawTarget::hidden());
    let template = if len > 0 {
        "{spinner} {msg} [{bar:30}] {pos}/{len}（已用 {elapsed}）"
    } else {
        "{spinner} {msg}…… {pos}（已用 {elapsed}）"
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let shown = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(std::time::Duration::from_millis(200));
        }
    });
    bar
}

/// Refuses a path that does not exist (a usage error, exit status 2).
fn must_exist(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        Ok(())
    } else {
        Err(usage(format!("找不到“{}”：文件或文件夹不存在", path.display())))
    }
}

/// The dates a review, report, workbook or letter may be dated: from the
/// first day of the registry's first reporting month to the end of the year
/// after its last one. A date before the pilot would date letters before the
/// returns they judge; one long after it is a typing mistake.
fn date_window(t: &Templates) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let reg = &t.registry;
    let months: Vec<_> = reg
        .regions()
        .flat_map(|(id, _)| {
            let plan = reg.plan_periods(id).into_iter().filter_map(|p| p.as_month());
            plan.chain(reg.progress_months(id))
        })
        .collect();
    let first = months.iter().min().map(|m| m.first_day());
    let last = months.iter().max().map(|m| m.last_day());
    let fallback = chrono::NaiveDate::from_ymd_opt(2017, 1, 1).unwrap_or_default();
    let first = first.unwrap_or(fallback);
    let last = last.unwrap_or(fallback);
    let end = chrono::NaiveDate::from_ymd_opt(last.year() + 1, 12, 31).unwrap_or(last);
    (first, end)
}

/// Parses a date and checks it lies in [`date_window`].
fn parse_as_of(t: &Templates, s: &str) -> anyhow::Result<chrono::NaiveDate> {
    let d = parse_date(s)?;
    let (first, last) = date_window(t);
    if d < first || d > last {
        return Err(usage(format!("日期 {d} 不在试点期间内，应在 {first} 至 {last} 之间")));
    }
    Ok(d)
}

/// Stops a verb that found no form at all, unless `--allow-empty`.
fn refuse_empty(found: usize, allow_empty: bool, what: &str) -> anyhow::Result<()> {
    if found == 0 && !allow_empty {
        anyhow::bail!("{what}一份表格也没有，未生成任何文件（确要生成空的结果，请加 --allow-empty）");
    }
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let templates_dir = cli.templates.as_deref();
    if let Some(dir) = templates_dir {
        must_exist(dir)?;
    }
    let quiet = cli.quiet;
    match cli.command {
        Command::Generate(args) => {
            let t = load_templates(templates_dir)?;
            cmd_generate(&t, args, quiet)
        }
        Command::Templates(TemplatesCommand::Export { dir, force }) => {
            let done = permit_forms::templates::export_checked(&dir, force).map_err(|e| match e {
                ExportError::NotEmpty { .. } => usage(e.to_string()),
                other => anyhow::Error::new(other),
            })?;
            println!("已导出 {} 个模板文件到 {}", done.files.len(), dir.display());
            if !done.replaced.is_empty() {
                let names: Vec<String> = done
                    .replaced
                    .iter()
                    .map(|p| p.strip_prefix(&dir).unwrap_or(p).display().to_string())
                    .collect();
                println!("其中覆盖了 {} 个内容不同的已有文件：{}", names.len(), names.join("、"));
            }
            Ok(())
        }
        Command::Templates(TemplatesCommand::Check { dir }) => {
            must_exist(&dir)?;
            let t = Templates::load(&dir).map_err(|e| anyhow::anyhow!("模板有误：{e}"))?;
            println!("模板可用：{} 个地区，{} 项任务", t.registry.region_count(), t.registry.tasks().count());
            Ok(())
        }
        Command::Ingest(args) => {
            for p in &args.paths {
                must_exist(p)?;
            }
            let t = load_templates(templates_dir)?;
            let opts = IngestOptions::with_max_file_size(args.max_size.saturating_mul(1024 * 1024));
            let bar = progress_bar(0, quiet);
            bar.set_message("读取退回表格");
            let outcome = ingest::ingest_paths_with(&t, &args.paths, &opts, &|| bar.inc(1));
            bar.finish_and_clear();
            ingest::write_outputs(&outcome, &args.out)
                .with_context(|| format!("无法写入 {}", args.out.display()))?;
            if outcome.records.is_empty() {
                eprintln!("注意：没有读到任何表格，records.jsonl 是空的");
            }
            println!("{}；结果在 {}", outcome.summary_zh(), args.out.display());
            Ok(())
        }
        Command::Consolidate(args) => {
            let out = match args.out.extension().and_then(|e| e.to_str()) {
                None => args.out.with_extension("xlsx"),
                Some(e) if e.eq_ignore_ascii_case("xlsx") => args.out.clone(),
                Some(_) => {
                    return Err(usage(format!("汇总工作簿只能输出 .xlsx，而不是“{}”", args.out.display())))
                }
            };
            must_exist(&args.dir)?;
            let t = load_templates(templates_dir)?;
            let as_of = parse_as_of(&t, &args.as_of)?;
            let records = load_records(&args.dir)?;
            refuse_empty(records.len(), args.allow_empty, &format!("{} 的记录中", args.dir.display()))?;
            let dir = out.parent().unwrap_or(std::path::Path::new(""));
            let bytes = consolidate::consolidate_in(&t, &records, as_of, dir)?;
            write_atomic(&out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            println!("已生成汇总工作簿 {}（截至 {as_of}，{} 条记录）", out.display(), records.len());
            Ok(())
        }
        Command::Report(args) => {
            let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ext != "pdf" && ext != "docx" {
                return Err(usage(format!("报告只能输出 .pdf 或 .docx，而不是“{}”", args.out.display())));
            }
            must_exist(&args.dir)?;
            let t = load_templates(templates_dir)?;
            let as_of = parse_as_of(&t, &args.as_of)?;
            let records = load_records(&args.dir)?;
            refuse_empty(records.len(), args.allow_empty, &format!("{} 的记录中", args.dir.display()))?;
            let doc = report::build_report(&t, &records, as_of);
            let bytes = match ext.as_str() {
                "pdf" => {
                    let (bytes, missing) = PdfRenderer::new(&t)?.render_document(&doc)?;
                    warn_missing(&missing);
                    bytes
                }
                _ => docx::render_document(&doc)?,
            };
            write_atomic(&args.out, &bytes).with_context(|| format!("无法写入 {}", args.out.display()))?;
            println!("已生成调度会报告 {}（截至 {as_of}）", args.out.display());
            Ok(())
        }
        Command::Feedback(args) => {
            must_exist(&args.dir)?;
            let t = load_templates(templates_dir)?;
            let date = match &args.date {
                Some(s) => parse_as_of(&t, s)?,
                None => chrono::Local::now().date_naive(),
            };
            let records = load_records(&args.dir)?;
            let letters = report::write_feedback(&t, &records, date, &PdfRenderer::new(&t)?, &args.out)?;
            warn_missing(&letters.missing_glyphs);
            let marked = letters.files.iter().filter(|p| p.extension().is_some_and(|e| e == "xlsx")).count();
            println!(
                "已为 {} 个地区生成退回意见，另附标注问题的报表 {marked} 份，保存在 {}",
                letters.count,
                args.out.display()
            );
            for line in &letters.kept {
                println!("  {line}");
            }
            Ok(())
        }
        Command::Demo(args) => {
            let t = load_templates(templates_dir)?;
            let as_of = match &args.as_of {
                Some(s) => parse_as_of(&t, s)?,
                None => demo::default_as_of(),
            };
            let bar = progress_bar(0, quiet);
            let res = demo::run_with(
                &t,
                &args.out,
                as_of,
                &|step| {
                    bar.set_message(step.to_string());
                    bar.set_position(0);
                },
                &|| bar.inc(1),
            );
            bar.finish_and_clear();
            let res = res?;
            warn_missing(&res.missing_glyphs);
            println!("演示完成（截至 {as_of}）。{}", res.ingest_summary);
            for (what, path) in &res.items {
                println!("  {what}：{}", path.display());
            }
            println!("{}", res.attention.summary_zh());
            Ok(())
        }
        Command::Review(args) => {
            for p in &args.returns {
                must_exist(p)?;
            }
            let t = load_templates(templates_dir)?;
            let as_of = parse_as_of(&t, &args.as_of)?;
            // Taken here only to wait; review::run takes it (again) either way.
            let _wait = if args.wait { Some(lock_review_dir_waiting(&args.out, None)?) } else { None };
            let opts = ReviewOptions {
                returns: args.returns,
                as_of,
                out: args.out,
                strip_prefix: None,
                allow_empty: args.allow_empty,
            };
            let bar = progress_bar(0, quiet);
            bar.set_message("读取退回表格，生成汇总、报告和退回意见");
            let res = review::run_with(&t, &opts, &PdfRenderer::new(&t)?, &|| bar.inc(1));
            bar.finish_and_clear();
            let res = res?;
            warn_missing(&res.missing_glyphs);
            for note in &res.ledger_notes {
                eprintln!("注意：{note}");
            }
            println!("月度审阅完成（截至 {as_of}），结果在 {}。{}", res.dir.display(), res.ingest_summary);
            for (what, path) in &res.items {
                println!("  {what}：{}", path.display());
            }
            for line in &res.carried {
                println!("  {line}");
            }
            println!("{}", res.attention.summary_zh());
            Ok(())
        }
    }
}

/// Parses an as-of date.
fn parse_date(s: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| usage(format!("日期“{s}”无效，应为 YYYY-MM-DD，如 2017-05-11")))
}

/// Reads DIR/records.jsonl.
fn load_records(dir: &Path) -> anyhow::Result<Vec<Record>> {
    read_records(dir).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Warns about characters the PDF font lacks (drawn as □).
fn warn_missing(missing: &[char]) {
    if !missing.is_empty() {
        let list: String = missing.iter().collect();
        eprintln!("注意：PDF 字体缺少以下字符，已用□代替：{list}");
    }
}

/// Turns `generate` arguments into checked options.
fn generate_options(t: &Templates, args: GenerateArgs) -> anyhow::Result<GenerateOptions> {
    let mut formats = Vec::new();
    for f in &args.format {
        let fmt = Format::from_ext(f)
            .ok_or_else(|| usage(format!("未知的输出格式“{f}”，可选：xlsx、docx、pdf")))?;
        if !formats.contains(&fmt) {
            formats.push(fmt);
        }
    }
    let mut periods = Vec::new();
    for p in &args.period {
        match p.parse::<Period>() {
            Ok(Period::Month(m)) => periods.push(m),
            _ => return Err(usage(format!("报告月份“{p}”无效，应为 YYYY-MM，如 2017-04"))),
        }
    }
    let mut kinds = Vec::new();
    for k in &args.form {
        let kind = match k.trim() {
            "plan" | "附2" => FormKind::Plan,
            "progress" | "附3" => FormKind::Progress,
            other => {
                return Err(usage(format!("未知的表格种类“{other}”，可选：plan（附2）、progress（附3）")))
            }
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        kinds = if periods.is_empty() { FormKind::ALL.to_vec() } else { vec![FormKind::Progress] };
    }
    let regions = generate::resolve_regions(t, &args.region).map_err(|e| usage(e.to_string()))?;
    let blanks = !args.no_blank && regions.is_empty() && periods.is_empty();
    Ok(GenerateOptions { out: args.out, formats, kinds, regions, periods, blanks })
}

fn cmd_generate(t: &Templates, args: GenerateArgs, quiet: bool) -> anyhow::Result<()> {
    let opts = generate_options(t, args)?;
    let jobs = generate::plan_jobs(t, &opts).map_err(|e| usage(e.to_string()))?;
    let bar = progress_bar((jobs.len() * opts.formats.len()) as u64, quiet);
    bar.set_message("生成表格");
    let summary = generate::generate(t, &opts, &|| bar.inc(1)).map_err(|e| match e {
        GenerateError::Usage(m) => usage(m),
        other => anyhow::Error::new(other),
    })?;
    bar.finish_and_clear();
    println!(
        "已生成 {} 份表格、{} 个文件，保存在 {}",
        summary.forms,
        summary.files.len(),
        opts.out.display()
    );
    Ok(())
}
