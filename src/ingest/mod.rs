//! Reading returned workbooks into records (in progress).
