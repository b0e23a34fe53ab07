//! Templates: the registry, the two form models and the fonts, embedded in the
//! binary as defaults or loaded from a folder the user edited
//! (`--templates DIR`, made with `permit-forms templates export DIR`).
//! Loaded and checked once per run, then shared read-only.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::form::FormModel;
use crate::output::write_atomic;
use crate::record::FormKind;
use crate::registry::Registry;

pub use crate::template_file::{TemplateError, EMBEDDED_FONTS};

/// File name of the registry inside a templates folder.
pub const REGISTRY_FILE: &str = "registry.toml";
/// File name of a form model inside a templates folder.
pub fn form_file(kind: FormKind) -> String {
    format!("forms/{}.toml", kind.id())
}

const DEFAULT_REGISTRY: &str = include_str!("../templates/registry.toml");
const DEFAULT_PLAN: &str = include_str!("../templates/forms/plan.toml");
const DEFAULT_PROGRESS: &str = include_str!("../templates/forms/progress.toml");
const DEFAULT_README: &str = include_str!("../templates/README.md");
const FONT_LICENCE: &str = include_str!("../templates/fonts/OFL.txt");

/// Everything the verbs need from `templates/`, loaded once.
#[derive(Debug, Clone)]
pub struct Templates {
    /// The pilot registry.
    pub registry: Registry,
    /// 附2 model.
    pub plan: FormModel,
    /// 附3 model.
    pub progress: FormModel,
    /// Font files by file name (`fonts/<name>`).
    pub fonts: BTreeMap<String, Cow<'static, [u8]>>,
    /// Where they came from: `None` for the embedded defaults.
    pub dir: Option<PathBuf>,
}

impl Templates {
    /// The defaults built into the binary.
    ///
    /// # Errors
    /// Only if the embedded files are broken, which the tests rule out.
    pub fn embedded() -> Result<Self, TemplateError> {
        Ok(Templates {
            registry: Registry::from_toml(DEFAULT_REGISTRY, REGISTRY_FILE)?,
            plan: FormModel::from_toml(DEFAULT_PLAN, &form_file(FormKind::Plan))?,
            progress: FormModel::from_toml(DEFAULT_PROGRESS, &form_file(FormKind::Progress))?,
            fonts: EMBEDDED_FONTS.iter().map(|(n, b)| (n.to_string(), Cow::Borrowed(*b))).collect(),
            dir: None,
        })
    }

    /// Loads an edited copy from `dir`. A file missing from `dir` falls back to
    /// the embedded default, so a user may keep only what they changed.
    ///
    /// # Errors
    /// The first file that cannot be read or checked, with its line.
    pub fn load(dir: &Path) -> Result<Self, TemplateError> {
        if !dir.is_dir() {
            return Err(TemplateError::Io {
                file: dir.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "模板目录不存在"),
            });
        }
        let read = |rel: &str, default: &'static str| -> Result<(String, String), TemplateError> {
            let path = dir.join(rel);
            let shown = path.display().to_string();
            match std::fs::read(&path) {
                Ok(b) => Ok((crate::template_check::decode(&b, &shown)?, shown)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok((default.to_string(), rel.to_string()))
                }
                Err(source) => Err(TemplateError::Io { file: shown, source }),
            }
        };
        let (reg, reg_name) = read(REGISTRY_FILE, DEFAULT_REGISTRY)?;
        let (plan, plan_name) = read(&form_file(FormKind::Plan), DEFAULT_PLAN)?;
        let (prog, prog_name) = read(&form_file(FormKind::Progress), DEFAULT_PROGRESS)?;
        let mut fonts: BTreeMap<String, Cow<'static, [u8]>> =
            EMBEDDED_FONTS.iter().map(|(n, b)| (n.to_string(), Cow::Borrowed(*b))).collect();
        let font_dir = dir.join("fonts");
        if let Ok(entries) = std::fs::read_dir(&font_dir) {
            let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            names.sort();
            for p in names {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if !matches!(ext.as_str(), "ttf" | "otf" | "ttc" | "otc") {
                    continue;
                }
                let bytes = std::fs::read(&p)
                    .map_err(|source| TemplateError::Io { file: p.display().to_string(), source })?;
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
                fonts.insert(name, Cow::Owned(bytes));
            }
        }
        use crate::template_check::{check_form, locate};
        let form =
            |text: &str, name: &str, kind: FormKind, default: &str| -> Result<FormModel, TemplateError> {
                let model = FormModel::from_toml(text, name).map_err(|e| locate(e, text))?;
                if model.kind != kind {
                    let line = text.find("kind").map_or(1, |i| crate::text::line_of(text, i));
                    let problem = format!("kind 应为 {}，而不是 {}", kind.id(), model.kind.id());
                    return Err(TemplateError::Invalid { file: name.to_string(), line, problem });
                }
                let reference = FormModel::from_toml(default, name)?;
                check_form(&model, &reference, text, name)?;
                Ok(model)
            };
        let t = Templates {
            registry: Registry::from_toml(&reg, &reg_name).map_err(|e| locate(e, &reg))?,
            plan: form(&plan, &plan_name, FormKind::Plan, DEFAULT_PLAN)?,
            progress: form(&prog, &prog_name, FormKind::Progress, DEFAULT_PROGRESS)?,
            fonts,
            dir: Some(dir.to_path_buf()),
        };
        Ok(t)
    }

    /// Embedded defaults, or `dir` when given.
    ///
    /// # Errors
    /// As [`Templates::load`].
    pub fn from_option(dir: Option<&Path>) -> Result<Self, TemplateError> {
        match dir {
            Some(d) => Self::load(d),
            None => Self::embedded(),
        }
    }

    /// How outputs name one expected form: `附2 工作计划`, `附3 2017年4月`,
    /// or the bare mark for a progress form without a month. The mark comes
    /// from the form template, so a renamed form is named alike everywhere.
    pub fn form_label(&self, kind: FormKind, period: Option<crate::period::Period>) -> String {
        let mark = &self.form(kind).mark;
        match (kind, period) {
            (FormKind::Plan, _) => format!("{mark} 工作计划"),
            (FormKind::Progress, Some(p)) => format!("{mark} {}", p.label_zh()),
            (FormKind::Progress, None) => mark.clone(),
        }
    }

    /// The model of a form kind.
    pub fn form(&self, kind: FormKind) -> &FormModel {
        match kind {
            FormKind::Plan => &self.plan,
            FormKind::Progress => &self.progress,
        }
    }
}

/// Why [`export_checked`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The folder already holds files (perhaps edited templates) and
    /// overwriting was not asked for.
    #[error("目录“{dir}”不是空的（其中有 {count} 项，可能是改过的模板），未导出；要覆盖其中同名的模板文件，请加 --force")]
    NotEmpty {
        /// The folder.
        dir: String,
        /// How many entries it holds.
        count: usize,
    },
    /// Reading the folder or writing a file failed.
    #[error("无法导出模板到“{path}”")]
    Io {
        /// The file or folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// What [`export_checked`] did.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Files that existed with other contents and were replaced (only with
    /// `force`).
    pub replaced: Vec<PathBuf>,
}

/// Writes the embedded default templates into `dir`, which must be empty or
/// missing unless `force` is given; with `force`, says which existing files
/// with other contents it replaced, so nothing is overwritten silently.
///
/// # Errors
/// [`ExportError::NotEmpty`] before anything is written; the first file that
/// could not be written.
pub fn export_checked(dir: &Path, force: bool) -> Result<Exported, ExportError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ExportError::Io { path, source }
    };
    if dir.exists() && !force {
        let count = std::fs::read_dir(dir).map_err(io(dir))?.count();
        if count > 0 {
            return Err(ExportError::NotEmpty { dir: dir.display().to_string(), count });
        }
    }
    let mut done = Exported::default();
    for (rel, bytes) in default_files() {
        let path = dir.join(rel);
        if std::fs::read(&path).is_ok_and(|old| old != *bytes) {
            done.replaced.push(path.clone());
        }
        write_atomic(&path, &bytes).map_err(io(&path))?;
        done.files.push(path);
    }
    Ok(done)
}

/// Writes the embedded default templates into `dir` for editing, replacing
/// any file of the same name; returns the files written. The CLI calls
/// [`export_checked`], which refuses a folder that is not empty.
///
/// # Errors
/// The first file that could not be written.
pub fn export(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (rel, bytes) in default_files() {
        let path = dir.join(rel);
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// The files of a templates folder (relative path, contents), as embedded.
fn default_files() -> Vec<(String, Cow<'static, [u8]>)> {
    let mut files: Vec<(String, Cow<'static, [u8]>)> = vec![
        ("README.md".into(), Cow::Borrowed(DEFAULT_README.as_bytes())),
        (REGISTRY_FILE.into(), Cow::Borrowed(DEFAULT_REGISTRY.as_bytes())),
        (form_file(FormKind::Plan), Cow::Borrowed(DEFAULT_PLAN.as_bytes())),
        (form_file(FormKind::Progress), Cow::Borrowed(DEFAULT_PROGRESS.as_bytes())),
    ];
    files.extend(EMBEDDED_FONTS.iter().map(|(n, b)| (format!("fonts/{n}"), Cow::Borrowed(*b))));
    files.push(("fonts/OFL.txt".into(), Cow::Borrowed(FONT_LICENCE.as_bytes())));
    files
}
