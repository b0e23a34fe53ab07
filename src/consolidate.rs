//! The consolidated ministry workbook (in progress).
