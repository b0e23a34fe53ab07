//! A zip of returns, read member by member.
//!
//! Each member is read as any file is (the same sniffing, the same limits)
//! and shown as `ARCHIVE!/MEMBER` in `source.file`, `rejected.jsonl` and the
//! skipped list: `returns/河北省.zip!/4月/进展表.xlsx` is the member
//! `4月/进展表.xlsx` of `returns/河北省.zip`. Member names written by Chinese
//! Windows without the zip UTF-8 flag are decoded as GBK. A member larger
//! than the file size limit, or an archive whose members together inflate
//! past [`Limits::package_bytes`](super::guard::Limits), is rejected without
//! being inflated further; archives inside the archive are not opened.

use std::io::{Cursor, Read};

use super::guard::LimitError;
use super::read::ReadError;
use super::walk::Skipped;
use super::{Found, IngestOptions};

/// A member's bytes, or why it was not inflated.
pub(super) type Member = Result<Vec<u8>, ReadError>;

/// Folder macOS adds to zips it makes (resource forks), never a return.
const MAC_METADATA: &str = "__MACOSX/";

fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (text, _, bad) = encoding_rs::GBK.decode(raw);
            if bad {
                crate::ingest::walk::shown_bytes(raw)
            } else {
                text.into_owned()
            }
        }
    }
}

/// Reads the members of the zip `bytes` (shown as `shown`), handing each
/// member's name (`shown!/member`) and bytes, or the reason it was not
/// inflated, to `each`.
pub(super) fn read_archive(
    shown: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    each: &mut dyn FnMut(&str, Member) -> Found,
) -> Found {
    let mut found = Found::default();
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => return Found::rejected(shown, ReadError::damaged(e.to_string())),
    };
    let limits = &opts.limits;
    if zip.len() > limits.entries {
        return Found::rejected(
            shown,
            LimitError::TooManyEntries { count: zip.len(), limit: limits.entries }.into(),
        );
    }
    let mut total = 0u64;
    let mut members = 0usize;
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                found.extend(Found::rejected(
                    &format!("{shown}!/#{}", i + 1),
                    ReadError::damaged(e.to_string()),
                ));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = member_name(entry.name_raw());
        let label = format!("{shown}!/{name}");
        members += 1;
        let base = name.rsplit('/').next().unwrap_or(&name);
        if name.starts_with(MAC_METADATA) || base.starts_with("._") {
            found
                .skipped
                .push(Skipped { file: label, reason: "macOS 压缩时附带的元数据文件".into() });
            continue;
        }
        if base.starts_with("~$") || base.starts_with(".~lock.") {
            found.skipped.push(Skipped { file: label, reason: super::walk::LOCK_FILE_REASON.into() });
            continue;
        }
        let cap = opts.max_file_size.min(limits.part_bytes);
        if entry.size() > cap {
            let e = ReadError::TooLarge { size: entry.size(), limit: cap };
            found.extend(each(&label, Err(e)));
            continue;
        }
        let mut buf = Vec::new();
        let read = (&mut entry).take(cap + 1).read_to_end(&mut buf);
        let member = match read {
            Err(e) if e.to_string().contains("assword") => Err(ReadError::Encrypted),
            Err(e) => Err(ReadError::damaged(e.to_string())),
            Ok(n) if n as u64 > cap => Err(ReadError::TooLarge { size: n as u64, limit: cap }),
            Ok(n) => {
                total += n as u64;
                if total > limits.package_bytes {
                    let e = LimitError::package_too_large(limits);
                    found.extend(Found::rejected(shown, e.into()));
                    return found;
                }
                Ok(buf)
            }
        };
        found.extend(each(&label, member));
    }
    if members == 0 {
        return Found::rejected(shown, ReadError::Unsupported("压缩包中没有文件".into()));
    }
    found
}
