//! Integration tests, compiled into one binary. Each area has its module;
//! shared helpers (temp dirs, LibreOffice, poppler) are in `util`.

mod util;

mod answer;
mod board;
mod cli;
mod consolidate;
mod crosscheck;
mod docx;
mod generate;
mod hostile;
mod ingest;
mod ingest_cases;
mod ingest_files;
mod ingest_word;
mod ledger;
mod markup;
mod pdf;
mod pipeline;
mod provenance;
mod receipt;
mod reliability;
mod report;
mod review;
mod validity;
