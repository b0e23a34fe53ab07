//! The printable review report and the feedback letters, built from records
//! as [`Document`](crate::doc::Document)s that `render::pdf` and
//! `render::docx` draw.
//!
//! - [`build_report`]: 排污许可管理试点工作进展情况报告 as of a date (cover,
//!   summary figures, the status matrix, per-task progress, behind-schedule
//!   reasons, difficulties, the chase list).
//! - [`feedback`]: one 退回意见 letter per region (or per file of an unknown
//!   region) listing every finding.

mod build;
mod feedback;

pub use build::{build_report, REPORT_TITLE};
pub use feedback::{feedback, file_safe};
