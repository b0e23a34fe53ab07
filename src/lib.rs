//! permit-forms: the forms of the 2017–2019 pollutant-discharge-permit pilot
//! (排污许可管理试点), generated, read back and consolidated.
//!
//! The pipeline, one model throughout:
//!
//! 1. [`templates`] loads the [`registry`] (regions, tasks, deadlines, windows)
//!    and the two [`form`] models (附2 plan, 附3 progress) once, from the
//!    embedded defaults or an edited copy.
//! 2. [`form::layout()`] turns a model plus one region and month into a
//!    [`form::Grid`]; [`render`] translates a grid to xlsx, docx or pdf.
//!    [`generate`] does that for every region and month, in parallel.
//! 3. [`ingest`] reads returned workbooks (xlsx, xlsm, xls, ods), finds each
//!    form by its identity or its labels, normalises the values into
//!    [`record::Record`]s and validates them.
//! 4. [`review`] builds the one [`review::Review`] of the month: the
//!    records as of a date, the findings [`ledger`] the office decides in
//!    (`审核台账.xlsx`, kept across months) and the [`receipt`] log
//!    (收文登记) whose dates judge lateness.
//! 5. [`consolidate`] builds the ministry's workbook, [`report`] the 通报 and
//!    the letters (with [`markup`]'s marked-up returns), and [`board`] the
//!    HTML status board, all rendering that one review; [`review::run`] does
//!    the month under the review folder's [`lock`], writing its documents as
//!    one set ([`output`]).
#![warn(missing_docs)]

pub mod board;
pub mod consolidate;
pub mod crosscheck;
pub mod demo;
pub mod doc;
pub mod fill;
pub mod form;
pub mod generate;
pub mod ingest;
pub mod ledger;
pub mod lock;
pub mod markup;
mod memo;
pub mod names;
pub mod output;
pub mod period;
pub mod receipt;
pub mod record;
pub mod records_io;
pub mod registry;
pub mod render;
pub mod report;
pub mod review;
pub mod samples;
pub mod template_check;
pub mod template_file;
pub mod templates;
pub mod text;
pub mod tracking;

pub use period::{Period, YearMonth};
pub use record::{FormKind, Issue, Record, Severity, Status};
pub use registry::Registry;
pub use templates::Templates;
