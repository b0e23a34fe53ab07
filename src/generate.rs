//! `generate`: blank, pre-filled 附2 and 附3 forms for every region and
//! reporting month, in every format, laid out once per form and rendered in
//! parallel.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::form::{layout, FormInstance, Grid};
use crate::output::write_set;
use crate::period::YearMonth;
use crate::record::FormKind;
use crate::registry::{RegionId, Resolution};
use crate::render::{self, pdf::PdfRenderer, Format, RenderError};
use crate::templates::Templates;

/// Folder name for the forms with no region pre-filled.
pub const BLANK_DIR: &str = "空白表";

/// What to generate, already checked against the registry.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Output folder (created when missing).
    pub out: PathBuf,
    /// Formats to write.
    pub formats: Vec<Format>,
    /// Form kinds to write.
    pub kinds: Vec<FormKind>,
    /// Regions; empty means every region.
    pub regions: Vec<RegionId>,
    /// Progress months; empty means every month of each region's window.
    pub periods: Vec<YearMonth>,
    /// Also write the blank forms (no region), as in the seed.
    pub blanks: bool,
}

/// A usage problem or a failure while writing.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The request does not fit the registry (unknown region, month outside
    /// the window); the message lists the valid choices.
    #[error("{0}")]
    Usage(String),
    /// A form could not be rendered.
    #[error("{path}：{source}")]
    Render {
        /// The file that was being made.
        path: String,
        /// Why.
        source: RenderError,
    },
    /// A file could not be written.
    #[error("{path}：无法写入（{source}）")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// One form to make (in every requested format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormJob {
    /// Plan or progress.
    pub kind: FormKind,
    /// Region and month.
    pub instance: FormInstance,
}

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct GenerateSummary {
    /// Files written, relative to the output folder, in job order.
    pub files: Vec<PathBuf>,
    /// Forms laid out.
    pub forms: usize,
}

/// Resolves `--region` values (canonical names or aliases).
///
/// # Errors
/// [`GenerateError::Usage`] naming the value and listing the regions.
pub fn resolve_regions(templates: &Templates, names: &[String]) -> Result<Vec<RegionId>, GenerateError> {
    let reg = &templates.registry;
    let mut out = Vec::new();
    for n in names {
        match reg.resolve(n) {
            Resolution::Found(id) => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => {
                let all: Vec<&str> = reg.regions().map(|(_, r)| r.name.as_str()).collect();
                return Err(GenerateError::Usage(format!("未知的试点地区“{n}”。可选：{}", all.join("、"))));
            }
        }
    }
    Ok(out)
}

/// The relative path of a form file: `河北省/附3_试点工作进展表_河北省_2017年04月.xlsx`.
pub fn file_name(templates: &Templates, job: &FormJob, format: Format) -> PathBuf {
    let model = templates.form(job.kind);
    let region = job.instance.region.map(|r| templates.registry.region(r).name.clone());
    let dir = region.clone().unwrap_or_else(|| BLANK_DIR.to_string());
    let mut name = format!("{}_{}_{}", model.mark, model.title, region.as_deref().unwrap_or("空白"));
    if let Some(m) = job.instance.period {
        name.push_str(&format!("_{}年{:02}月", m.year, m.month));
    }
    PathBuf::from(dir).join(format!("{name}.{}", format.ext()))
}

/// The forms a request asks for, in a stable order (region order, plan
/// first, months ascending, blanks last).
///
/// # Errors
/// [`GenerateError::Usage`] when a requested month is outside every selected
/// region's window, with the valid months.
pub fn plan_jobs(templates: &Templates, opts: &GenerateOptions) -> Result<Vec<FormJob>, GenerateError> {
    let reg = &templates.registry;
    let regions: Vec<RegionId> = if opts.regions.is_empty() {
        reg.regions().map(|(id, _)| id).collect()
    } else {
        opts.regions.clone()
    };
    let mut jobs = Vec::new();
    let want = |k: FormKind| opts.kinds.contains(&k);
    for &p in &opts.periods {
        if !regions.iter().any(|&r| reg.progress_months(r).contains(&p)) {
            let names: Vec<String> = regions.iter().map(|&r| reg.region(r).name.clone()).collect();
            let mut valid: Vec<YearMonth> = regions.iter().flat_map(|&r| reg.progress_months(r)).collect();
            valid.sort();
            valid.dedup();
            let (first, last) = (valid.first().copied(), valid.last().copied());
            let range = match (first, last) {
                (Some(a), Some(b)) => format!("{a} 至 {b}"),
                _ => "无".into(),
            };
            return Err(GenerateError::Usage(format!(
                "报告月份 {p} 不在 {} 的报送期内。可选月份：{range}",
                names.join("、")
            )));
        }
    }
    for &r in &regions {
        if want(FormKind::Plan) {
            jobs.push(FormJob {
                kind: FormKind::Plan,
                instance: FormInstance { region: Some(r), period: None },
            });
        }
        if want(FormKind::Progress) {
            for m in reg.progress_months(r) {
                if opts.periods.is_empty() || opts.periods.contains(&m) {
                    jobs.push(FormJob {
                        kind: FormKind::Progress,
                        instance: FormInstance { region: Some(r), period: Some(m) },
                    });
                }
            }
        }
    }
    if opts.blanks {
        for k in FormKind::ALL.into_iter().filter(|&k| want(k)) {
            jobs.push(FormJob { kind: k, instance: FormInstance { region: None, period: None } });
        }
    }
    Ok(jobs)
}

/// Renders one laid-out form in one format.
fn render_one(grid: &Grid, pdf: Option<&PdfRenderer>, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Xlsx => render::xlsx::render(grid),
        Format::Docx => render::docx::render(grid),
        Format::Pdf => match pdf {
            Some(p) => p.render(grid),
            None => Err(RenderError::Pdf("字体未加载".into())),
        },
    }
}

/// Writes the requested forms under `opts.out`. `tick` is called once per
/// file written (for a progress bar).
///
/// # Errors
/// The first form that could not be rendered or written; files already written
/// stay complete.
pub fn generate(
    templates: &Templates,
    opts: &GenerateOptions,
    tick: &(dyn Fn() + Sync),
) -> Result<GenerateSummary, GenerateError> {
    let pdf = if opts.formats.contains(&Format::Pdf) {
        Some(
            PdfRenderer::new(templates)
                .map_err(|source| GenerateError::Render { path: "字体".into(), source })?,
        )
    } else {
        None
    };
    generate_with(templates, opts, pdf.as_ref(), tick)
}

/// [`generate`] with fonts a caller already prepared (the demo renders its
/// report with the same ones). `pdf` may be `None` when no PDF is asked for.
///
/// # Errors
/// As [`generate`]; a PDF requested without `pdf` is a render error.
pub fn generate_with(
    templates: &Templates,
    opts: &GenerateOptions,
    pdf: Option<&PdfRenderer>,
    tick: &(dyn Fn() + Sync),
) -> Result<GenerateSummary, GenerateError> {
    let jobs = plan_jobs(templates, opts)?;
    // One layout per form, then every format from it; forms in parallel.
    let per_job = jobs
        .par_iter()
        .map(|job| {
            let grid = layout(templates.form(job.kind), &templates.registry, job.instance);
            let mut written = Vec::with_capacity(opts.formats.len());
            let mut files = Vec::with_capacity(opts.formats.len());
            for &format in &opts.formats {
                let rel = file_name(templates, job, format);
                let path = opts.out.join(&rel);
                let bytes = render_one(&grid, pdf, format)
                    .map_err(|source| GenerateError::Render { path: shown(&path), source })?;
                files.push((path, bytes));
                written.push(rel);
            }
            // One set per form: the folder is checked for stale temporary
            // files once for all its formats, not once per file.
            let set: Vec<(PathBuf, &[u8])> = files.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect();
            // Every format of a form goes to the same folder, so the error
            // names that folder.
            write_set(&set).map_err(|source| GenerateError::Io {
                path: files.first().and_then(|(p, _)| p.parent()).map_or_else(String::new, shown),
                source,
            })?;
            written.iter().for_each(|_| tick());
            Ok(written)
        })
        .collect::<Result<Vec<_>, GenerateError>>()?;
    let files: Vec<PathBuf> = per_job.into_iter().flatten().collect();
    Ok(GenerateSummary { files, forms: jobs.len() })
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}
