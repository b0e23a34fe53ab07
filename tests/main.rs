//! Integration tests, compiled into one binary. Each area has its module;
//! shared helpers (temp dirs, LibreOffice, poppler) are in `util`.

mod util;

mod cli;
mod consolidate;
mod crosscheck;
mod docx;
mod generate;
mod hostile;
mod ingest;
mod ingest_cases;
mod ingest_files;
mod markup;
mod pdf;
mod pipeline;
mod provenance;
mod report;
mod review;
mod validity;
