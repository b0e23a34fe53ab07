//! Integration tests, compiled into one binary. Each area has its module;
//! shared helpers (temp dirs, LibreOffice, poppler) are in `util`.

mod util;

mod consolidate;
mod docx;
mod generate;
mod hostile;
mod ingest;
mod ingest_files;
mod pdf;
mod pipeline;
mod report;
