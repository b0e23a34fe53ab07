//! docx: form documents and flowing documents read back as XML, and
//! converted by LibreOffice to PDF.

use std::path::{Path, PathBuf};

use permit_forms::form::{layout, FormInstance, Grid};
use permit_forms::render::docx;
use permit_forms::{FormKind, YearMonth};

use crate::util::{self, templates};

/// The grid of a form for `region` (and the first reporting month for 附3).
fn grid(kind: FormKind, region: &str) -> Grid {
    let t = templates();
    let id = t.registry.region_by_name(region).expect("region in registry");
    let period = match kind {
        FormKind::Plan => None,
        FormKind::Progress => t.registry.progress_months(id).first().copied(),
    };
    layout(t.form(kind), &t.registry, FormInstance { region: Some(id), period })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write docx");
    path
}

/// Writes sample documents to DOCX_DUMP for looking at them by eye.
#[test]
#[ignore]
fn dump_samples() {
    let Some(dir) = std::env::var_os("DOCX_DUMP") else { return };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "plan.docx", &docx::render(&grid(FormKind::Plan, "济宁市")).unwrap());
    write(&dir, "progress.docx", &docx::render(&grid(FormKind::Progress, "济宁市")).unwrap());
    let _ = YearMonth::new(2017, 4);
}
