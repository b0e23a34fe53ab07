//! `demo`: the office's monthly routine on the built-in samples — generate
//! every blank form, write the sample returns, then run [`review`] on them
//! as of a date inside the sample period.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::generate::{self, GenerateOptions};
use crate::record::FormKind;
use crate::render::{pdf::PdfRenderer, Format};
use crate::review::{self, Attention, ReviewOptions};
use crate::samples;
use crate::templates::Templates;

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
    /// What needs the office's attention.
    pub attention: Attention,
    /// Characters the report font lacks (drawn as □).
    pub missing_glyphs: Vec<char>,
}

/// Generates the forms into `out/表格`, writes the samples to `out/退回样例`
/// and reviews them into `out/<as-of>/` (see [`review::run`]).
///
/// # Errors
/// The first step that fails, with its context.
pub fn run(templates: &Templates, out: &Path, as_of: NaiveDate) -> anyhow::Result<DemoOutputs> {
    run_with(templates, out, as_of, &|_| {}, &|| {})
}

/// [`run`], announcing each step (`step` with its name in Chinese) and each
/// unit of work done in it (`tick`: a file generated, a return read), for a
/// progress bar.
///
/// # Errors
/// As [`run`].
pub fn run_with(
    templates: &Templates,
    out: &Path,
    as_of: NaiveDate,
    step: &dyn Fn(&str),
    tick: &(dyn Fn() + Sync),
) -> anyhow::Result<DemoOutputs> {
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
    step("生成空白表格");
    let g = generate::generate_with(templates, &opts, Some(&pdf), tick)?;
    res.items.push((format!("空白表格 {} 个文件", g.files.len()), forms_dir));

    let returns = out.join("退回样例");
    let n = samples::write_to(&returns).context("写出样例退回表格")?;
    res.items.push((format!("样例退回表格 {n} 个文件"), returns.clone()));

    let opts = ReviewOptions {
        returns: vec![returns],
        as_of,
        out: out.to_path_buf(),
        strip_prefix: Some(out.to_path_buf()),
        allow_empty: false,
    };
    step("读取样例退回表格，生成汇总、报告和退回意见");
    let r = review::run_with(templates, &opts, &pdf, tick)?;
    res.items.extend(r.items);
    res.ingest_summary = r.ingest_summary;
    res.attention = r.attention;
    res.missing_glyphs = r.missing_glyphs;
    Ok(res)
}
