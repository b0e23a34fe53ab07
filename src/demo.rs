//! `demo`: the main job on the built-in defaults — generate every form, ingest
//! the built-in sample returns, consolidate, report and write feedback, as of
//! a date inside the sample period.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::generate::{self, GenerateOptions};
use crate::ingest::{self, IngestOptions};
use crate::output::write_atomic;
use crate::record::FormKind;
use crate::render::{docx, pdf::PdfRenderer, Format};
use crate::templates::Templates;
use crate::{consolidate, report, samples};

/// The default as-of date of the demo: the day after April's reports were due.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 5, 11).expect("valid date")
}

/// Where each output of the demo went.
#[derive(Debug, Clone, Default)]
pub struct DemoOutputs {
    /// (what, path) in the order written.
    pub items: Vec<(String, PathBuf)>,
    /// The ingest summary line.
    pub ingest_summary: String,
    /// Characters the report font lacks (drawn as □).
    pub missing_glyphs: Vec<char>,
}

/// Runs the whole pipeline into `out`.
///
/// # Errors
/// The first step that fails, with its context.
pub fn run(templates: &Templates, out: &Path, as_of: NaiveDate) -> anyhow::Result<DemoOutputs> {
    use anyhow::Context;
    let mut res = DemoOutputs::default();
    let forms_dir = out.join("表格");
    let opts = GenerateOptions {
        out: forms_dir.clone(),
        formats: Format::ALL.to_vec(),
        kinds: FormKind::ALL.to_vec(),
        regions: Vec::new(),
        periods: Vec::new(),
        blanks: true,
    };
    // Fonts parsed once for the forms, the report and the letters.
    let pdf = PdfRenderer::new(templates)?;
    let g = generate::generate_with(templates, &opts, Some(&pdf), &|| {})?;
    res.items.push((format!("空白表格 {} 个文件", g.files.len()), forms_dir));

    let returns = out.join("退回样例");
    let n = samples::write_to(&returns).context("写出样例退回表格")?;
    res.items.push((format!("样例退回表格 {n} 个文件"), returns.clone()));

    let records_dir = out.join("记录");
    let outcome = ingest::ingest_paths(templates, &[returns], &IngestOptions::default());
    ingest::write_outputs(&outcome, &records_dir).context("写出记录")?;
    res.ingest_summary = outcome.summary_zh();
    res.items.push(("读取结果 records.jsonl / rejected.jsonl".into(), records_dir.clone()));

    let records = outcome.records;
    let tag = as_of.format("%Y-%m-%d").to_string();
    let xlsx_path = out.join(format!("汇总_截至{tag}.xlsx"));
    write_atomic(&xlsx_path, &consolidate::consolidate(templates, &records, as_of)?)?;
    res.items.push(("汇总工作簿".into(), xlsx_path));

    let doc = report::build_report(templates, &records, as_of);
    let (bytes, missing) = pdf.render_document(&doc)?;
    res.missing_glyphs = missing;
    let pdf_path = out.join(format!("调度会报告_截至{tag}.pdf"));
    write_atomic(&pdf_path, &bytes)?;
    res.items.push(("调度会报告（PDF）".into(), pdf_path));
    let docx_path = out.join(format!("调度会报告_截至{tag}.docx"));
    write_atomic(&docx_path, &docx::render_document(&doc)?)?;
    res.items.push(("调度会报告（Word）".into(), docx_path));

    let fb_dir = out.join("退回意见");
    let letters = report::write_feedback(templates, &records, &pdf, &fb_dir)?;
    res.missing_glyphs.extend(letters.missing_glyphs);
    res.missing_glyphs.sort_unstable();
    res.missing_glyphs.dedup();
    res.items.push((format!("退回意见 {} 个地区", letters.count), fb_dir));
    Ok(res)
}
