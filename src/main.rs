//! The `permit-forms` binary: parses arguments, calls the library, prints
//! errors and maps exit codes (0 done, 1 failed, 2 usage error).

mod cli;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let text = e.render().to_string();
                let usage_line =
                    text.lines().find_map(|l| l.strip_prefix("Usage: ")).unwrap_or("permit-forms <命令>");
                eprintln!("permit-forms: 缺少命令，用法：{}（用 --help 查看用法）", usage_line.trim());
                return ExitCode::from(2);
            }
            // One line: clap's reason (which may continue on indented lines),
            // without its usage block.
            let text = e.render().to_string();
            let reason: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let reason = reason.join(" ");
            eprintln!("permit-forms: {}（用 --help 查看用法）", reason.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.downcast_ref::<Usage>().is_some() { 2 } else { 1 };
            eprintln!("permit-forms: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn load_templates(dir: Option<&Path>) -> anyhow::Result<Templates> {
    Templates::from_option(dir).map_err(|e| usage(format!("模板有误：{e}")))
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let templates_dir = cli.templates.as_deref();
    match cli.command {
        Command::Generate(args) => {
            let t = load_templates(templates_dir)?;
            cmd_generate(&t, args, cli.quiet)
        }
        Command::Templates(TemplatesCommand::Export { dir }) => {
            let files = permit_forms::templates::export(&dir)
                .with_context(|| format!("无法导出模板到 {}", dir.display()))?;
            eprintln!("已导出 {} 个模板文件到 {}", files.len(), dir.display());
            Ok(())
        }
        Command::Templates(TemplatesCommand::Check { dir }) => {
            let t = Templates::load(&dir).map_err(|e| anyhow::anyhow!("模板有误：{e}"))?;
            eprintln!(
                "模板可用：{} 个地区，{} 项任务",
                t.registry.region_count(),
                t.registry.tasks().count()
            );
            Ok(())
        }
        Command::Ingest(args) => {
            let t = load_templates(templates_dir)?;
            let opts = IngestOptions::with_max_file_size(args.max_size.saturating_mul(1024 * 1024));
            let outcome = ingest::ingest_paths(&t, &args.paths, &opts);
            ingest::write_outputs(&outcome, &args.out)
                .with_context(|| format!("无法写入 {}", args.out.display()))?;
            eprintln!("{}；结果在 {}", outcome.summary_zh(), args.out.display());
            Ok(())
        }
        Command::Consolidate(args) => {
            let t = load_templates(templates_dir)?;
            let as_of = parse_date(&args.as_of)?;
            let records = load_records(&args.dir)?;
            let dir = args.out.parent().unwrap_or(std::path::Path::new(""));
            let bytes = consolidate::consolidate_in(&t, &records, as_of, dir)?;
            write_atomic(&args.out, &bytes).with_context(|| format!("无法写入 {}", args.out.display()))?;
            eprintln!("已生成汇总工作簿 {}（截至 {as_of}，{} 条记录）", args.out.display(), records.len());
            Ok(())
        }
        Command::Report(args) => {
            let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ext != "pdf" && ext != "docx" {
                return Err(usage(format!("报告只能输出 .pdf 或 .docx，而不是“{}”", args.out.display())));
            }
            let t = load_templates(templates_dir)?;
            let as_of = parse_date(&args.as_of)?;
            let records = load_records(&args.dir)?;
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
            eprintln!("已生成调度会报告 {}（截至 {as_of}）", args.out.display());
            Ok(())
        }
        Command::Feedback(args) => {
            let t = load_templates(templates_dir)?;
            let date = match &args.date {
                Some(s) => parse_date(s)?,
                None => chrono::Local::now().date_naive(),
            };
            let records = load_records(&args.dir)?;
            let letters = report::write_feedback(&t, &records, date, &PdfRenderer::new(&t)?, &args.out)?;
            warn_missing(&letters.missing_glyphs);
            let marked = letters.files.iter().filter(|p| p.extension().is_some_and(|e| e == "xlsx")).count();
            eprintln!(
                "已为 {} 个地区生成退回意见，另附标注问题的报表 {marked} 份，保存在 {}",
                letters.count,
                args.out.display()
            );
            Ok(())
        }
        Command::Demo(args) => {
            let t = load_templates(templates_dir)?;
            let as_of = match &args.as_of {
                Some(s) => parse_date(s)?,
                None => demo::default_as_of(),
            };
            let res = demo::run(&t, &args.out, as_of)?;
            warn_missing(&res.missing_glyphs);
            println!("演示完成（截至 {as_of}）。{}", res.ingest_summary);
            for (what, path) in &res.items {
                println!("  {what}：{}", path.display());
            }
            println!("{}", res.attention.summary_zh());
            Ok(())
        }
        Command::Review(args) => {
            let t = load_templates(templates_dir)?;
            let as_of = parse_date(&args.as_of)?;
            for p in &args.returns {
                if !p.exists() {
                    return Err(usage(format!("找不到“{}”", p.display())));
                }
            }
            // Taken here only to wait; review::run takes it (again) either way.
            let _wait = if args.wait { Some(lock_review_dir_waiting(&args.out, None)?) } else { None };
            let opts = ReviewOptions { returns: args.returns, as_of, out: args.out, strip_prefix: None };
            let res = review::run(&t, &opts, &PdfRenderer::new(&t)?)?;
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
    eprintln!(
        "已生成 {} 份表格、{} 个文件，保存在 {}",
        summary.forms,
        summary.files.len(),
        opts.out.display()
    );
    Ok(())
}
