//! generate: xlsx forms read back with calamine, and opened by LibreOffice.
