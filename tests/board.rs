//! board: the status board of a review, opened in headless Chromium
//! (driven through the DevTools protocol over a pipe) from a folder whose
//! path has Chinese characters, spaces and quotes; a click on a cell shows
//! that record; markup typed into a return stays text; the counts agree
//! with the workbook (calamine) and the report (pdftotext); html5lib
//! parses it without errors; three years of resubmissions stay under 2 MB,
//! rerun byte-identical and print the year's matrix on one A4 page.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use calamine::{open_workbook_auto, Data, Reader};
use chrono::NaiveDate;
use permit_forms::board::{self, Board};
use permit_forms::form::{Field, PersonPart, PersonRole};
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::record::{CellRef, Issue, Rule};
use permit_forms::render::{pdf::PdfRenderer, xlsx};
use permit_forms::review::{self, Category, Review, ReviewOptions};
use permit_forms::{samples, FormKind, Period, Record, YearMonth};
use serde_json::{json, Value};

use crate::util::{self, templates};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// What a clerk might type, each of which must show as typed and never run.
const ACTUAL: &str = "完成<script>window.__pwned=1</script>核查";
const DELAY: &str = "\"><img src=x onerror=\"window.__pwned=2\">企业材料不全";
const DIFFICULTIES: &str = "javascript:window.__pwned=3 需要培训 <!-- 注释 </script>";
const CONTACT: &str = "</script><script>window.__pwned=4</script>";
/// A returned file's name with quotes, markup and spaces.
const HOSTILE_FILE: &str = "河北省 4月 \"改\" '版' <b>.xlsx";

/// One review of the samples plus a hostile return, in a folder whose
/// path has Chinese characters, spaces and quotes; made once for the
/// tests of this module, under cargo's temporary folder for tests (made
/// afresh each run, so nothing piles up in the system's).
struct Fixture {
    returns: PathBuf,
    out: PathBuf,
    board: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let t = templates();
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("board").join("部许可办 \"看板\" 测试");
        let _ = std::fs::remove_dir_all(&root);
        let returns = root.join("退回 表格");
        samples::write_to(&returns).unwrap();
        // 河北省's April return, typed by a hostile clerk, sent after the sample's.
        let job = crate::ingest::all_jobs()
            .into_iter()
            .find(|j| {
                j.kind == FormKind::Progress
                    && j.instance.region == t.registry.region_by_name("河北省")
                    && j.instance.period == YearMonth::new(2017, 4)
            })
            .unwrap();
        let mut v = crate::ingest::values_for(&job, 29);
        v.values.insert(Field::Actual, ACTUAL.into());
        v.values.insert(Field::Status, "滞后".into());
        v.values.insert(Field::DelayReason, DELAY.into());
        v.values.insert(Field::Difficulties, DIFFICULTIES.into());
        v.values.insert(Field::Person(PersonRole::Contact, PersonPart::Name), CONTACT.into());
        v.values.insert(Field::SubmittedOn, "2017年5月9日".into());
        let bytes = xlsx::render(&crate::ingest::filled_grid(&job, &v)).unwrap();
        std::fs::write(returns.join("河北省").join(HOSTILE_FILE), bytes).unwrap();
        let out = root.join("月度 审阅");
        let opts = ReviewOptions {
            returns: vec![returns.clone()],
            as_of: d("2017-05-11"),
            out,
            strip_prefix: None,
            allow_empty: false,
        };
        let done = review::run(t, &opts, &PdfRenderer::new(t).unwrap()).unwrap();
        let board = done.dir.join(board::file_name(opts.as_of));
        assert!(done.items.iter().any(|(_, p)| *p == board), "review lists the board: {:?}", done.items);
        Fixture { returns, out: done.dir, board }
    })
}

/// `file:///…` with every byte but the unreserved ones percent-encoded.
fn file_url(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => s.push(b as char),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Headless Chromium driven through the DevTools protocol over
/// `--remote-debugging-pipe` (fd 3 in, fd 4 out, NUL-separated JSON).
struct Chrome {
    child: Child,
    tx: ChildStdin,
    rx: Receiver<Value>,
    next: u64,
    session: Option<String>,
    /// Events seen so far (method, params).
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Chrome {
    fn launch() -> Chrome {
        let exe = util::require("chromium", "chromium");
        let profile = util::tempdir();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let tx = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let (send, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            while let Ok(n) = out.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|b| *b == 0) {
                    let msg: Value = serde_json::from_slice(&buf[..end]).expect("DevTools JSON");
                    buf.drain(..=end);
                    if send.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
        let mut c = Chrome { child, tx, rx, next: 0, session: None, events: Vec::new(), _profile: profile };
        let target = c.call("Target.createTarget", json!({ "url": "about:blank" }))["targetId"].clone();
        let session = c.call("Target.attachToTarget", json!({ "targetId": target, "flatten": true }))
            ["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        c.session = Some(session);
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            c.call(domain, json!({}));
        }
        c.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": false }),
        );
        c
    }

    fn recv(&mut self) -> Value {
        self.rx.recv_timeout(Duration::from_secs(60)).expect("Chromium answered within 60 s")
    }

    /// Sends a command (to the page once attached) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.tx.write_all(&bytes).unwrap();
        loop {
            let m = self.recv();
            if m["id"].as_u64() == Some(id) {
                assert!(m.get("error").is_none(), "{method}: {}", m["error"]);
                return m["result"].clone();
            }
            if m.get("method").is_some() {
                self.events.push(m);
            }
        }
    }

    /// Waits for an event of `method` not seen yet.
    fn wait_for(&mut self, method: &str) {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            self.events[i]["method"] = json!(format!("{method} (seen)"));
            return;
        }
        loop {
            let m = self.recv();
            let hit = m["method"] == method;
            self.events.push(m);
            if hit {
                let last = self.events.len() - 1;
                self.events[last]["method"] = json!(format!("{method} (seen)"));
                return;
            }
        }
    }

    fn open(&mut self, path: &Path) {
        let r = self.call("Page.navigate", json!({ "url": file_url(path) }));
        assert!(r.get("errorText").is_none(), "{} did not open: {r}", path.display());
        self.wait_for("Page.loadEventFired");
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({ "expression": expr, "returnByValue": true }));
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {}", r["exceptionDetails"]);
        r["result"]["value"].clone()
    }

    /// A real mouse click at the centre of the element `selector` selects.
    fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let at = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    fn screenshot(&mut self) -> Vec<u8> {
        let r = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap()
    }

    fn print_pdf(&mut self) -> Vec<u8> {
        let r = self.call("Page.printToPDF", json!({ "preferCSSPageSize": true, "printBackground": true }));
        base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap()).unwrap()
    }

    /// Every URL the page asked the network layer for.
    fn requested(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .map(|e| e["params"]["request"]["url"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The selector of a matrix cell's link: the region's row, the month's column.
fn cell_link(region: &str, m: YearMonth) -> String {
    format!("table.matrix tr[data-region=\"{region}\"] a[href$=\"-{}-{:02}\"]", m.year, m.month)
}

/// Share of pixels that are not white, and how many colours there are.
fn ink(png_bytes: &[u8]) -> (f64, usize) {
    let mut dec = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; dec.output_buffer_size().unwrap()];
    let info = dec.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let inked = pixels.iter().filter(|p| p.iter().take(3).any(|c| *c < 240)).count();
    let colours: std::collections::BTreeSet<&[u8]> = pixels.iter().copied().collect();
    (inked as f64 / pixels.len() as f64, colours.len())
}

#[test]
fn board_opens_from_a_chinese_path_and_a_click_shows_that_record() {
    let f = fixture();
    assert!(f.board.to_string_lossy().contains(' ') && f.board.to_string_lossy().contains("部许可办"));
    let t = templates();
    // The finding the model gives 保定市's April return (two statuses ticked).
    let recs = ingest::ingest_paths(t, std::slice::from_ref(&f.returns), &IngestOptions::default()).records;
    let review = Review::build(t, &recs, d("2017-05-11"));
    let april = YearMonth::new(2017, 4).unwrap();
    let want: Vec<_> = review
        .findings
        .iter()
        .filter(|x| x.region == "保定市" && x.period == april.label_zh() && x.current)
        .collect();
    assert!(want.iter().any(|x| x.rule == Rule::StatusMultiple.label_zh()), "the samples' 保定市 April");

    let mut c = Chrome::launch();
    c.open(&f.board);
    assert_eq!(c.eval("document.querySelectorAll('section.record').length > 40"), json!(true));
    assert_eq!(
        c.eval("[...document.querySelectorAll('section.record')].filter(s => getComputedStyle(s).display !== 'none').length"),
        json!(0)
    );
    c.click(&cell_link("保定市", april));
    let shown = c.eval(
        "(() => { const v = [...document.querySelectorAll('section.record')].filter(s => getComputedStyle(s).display !== 'none'); \
         return v.map(s => ({ id: s.id, hash: location.hash, text: s.innerText, \
         rows: s.querySelectorAll('table.rec-findings tbody tr').length, \
         links: [...s.querySelectorAll('p.links a')].map(a => decodeURIComponent(a.pathname)) })); })()",
    );
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), 1, "one record shown after the click: {shown:?}");
    let s = &shown[0];
    assert_eq!(s["hash"].as_str().unwrap(), format!("#{}", s["id"].as_str().unwrap()));
    let text = s["text"].as_str().unwrap();
    assert!(text.contains("保定市") && text.contains("2017年4月") && text.contains("勾选有误"), "{text}");
    assert_eq!(s["rows"].as_u64().unwrap() as usize, want.len(), "{text}");
    for w in &want {
        assert!(
            text.contains(&w.rule) && text.contains(&w.message) && text.contains(&w.cell),
            "{}: {text}",
            w.rule
        );
    }
    // Its links open the return, its marked-up copy and its letter.
    let links: Vec<PathBuf> =
        s["links"].as_array().unwrap().iter().map(|l| PathBuf::from(l.as_str().unwrap())).collect();
    assert!(links.len() >= 3, "{links:?}");
    for l in &links {
        assert!(l.is_file(), "link to a missing file: {}", l.display());
    }
    assert!(links.iter().any(|l| l.starts_with(&f.returns)), "{links:?}");
    assert!(links.iter().any(|l| l.to_string_lossy().ends_with("_请修改.xlsx")), "{links:?}");
    assert!(links.iter().any(|l| l.to_string_lossy().contains("退回意见_保定市")), "{links:?}");
    assert!(links.iter().all(|l| l.starts_with(f.out.parent().unwrap().parent().unwrap())));

    // The filters: one region leaves one row of the matrix.
    c.eval(
        "(() => { const s = document.getElementById('f-region'); s.value = '保定市'; \
            s.dispatchEvent(new Event('change', { bubbles: true })); })()",
    );
    let rows = c.eval("[...document.querySelectorAll('table.matrix tbody tr')].filter(r => getComputedStyle(r).display !== 'none').length");
    assert_eq!(rows, json!(1));
    let (inked, colours) = ink(&c.screenshot());
    assert!(inked > 0.03 && colours > 8, "screenshot looks blank: {inked:.3} inked, {colours} colours");
    let requested = c.requested();
    assert!(requested.iter().all(|u| u.starts_with("file:")), "{requested:?}");
}

#[test]
fn with_javascript_off_a_cell_still_opens_its_record() {
    let f = fixture();
    let mut c = Chrome::launch();
    c.call("Emulation.setScriptExecutionDisabled", json!({ "value": true }));
    c.open(&f.board);
    c.click(&cell_link("河南省", YearMonth::new(2017, 4).unwrap()));
    c.call("Emulation.setScriptExecutionDisabled", json!({ "value": false }));
    let shown = c.eval(
        "[...document.querySelectorAll('section.record')].filter(s => getComputedStyle(s).display !== 'none').map(s => s.innerText)",
    );
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), 1, "{shown:?}");
    let text = shown[0].as_str().unwrap();
    assert!(
        text.contains("河南省") && text.contains("2017年4月") && text.contains("进度滞后的原因"),
        "{text}"
    );
    assert_eq!(c.eval("document.documentElement.classList.contains('js')"), json!(false), "the script ran");
}

#[test]
fn markup_typed_into_a_return_shows_as_text_and_never_runs() {
    let f = fixture();
    let html = std::fs::read_to_string(&f.board).unwrap();
    assert!(!html.contains("<script>window") && !html.contains("<img"), "typed markup went through raw");
    let mut c = Chrome::launch();
    c.open(&f.board);
    c.click(&cell_link("河北省", YearMonth::new(2017, 4).unwrap()));
    assert_eq!(c.eval("typeof window.__pwned"), json!("undefined"), "a typed script ran");
    assert_eq!(c.eval("document.scripts.length"), json!(1), "only the board's own script");
    assert_eq!(c.eval("document.images.length"), json!(0));
    assert_eq!(c.eval("document.querySelectorAll('[onerror],[onload],[onclick]').length"), json!(0));
    assert_eq!(c.eval("[...document.links].every(a => a.protocol === 'file:')"), json!(true));
    let section = c.eval("getComputedStyle(document.querySelector(location.hash)).display !== 'none' && document.querySelector(location.hash).textContent");
    let section = section.as_str().expect("河北省 April's record is shown");
    for typed in [ACTUAL, DELAY, DIFFICULTIES, HOSTILE_FILE] {
        assert!(section.contains(typed), "not shown as typed: {typed}\n{section}");
    }
    // The return's link leads to the file whose name has quotes in it.
    let to_file = c.eval(&format!(
        "[...document.querySelector(location.hash).querySelectorAll('p.links a')].map(a => decodeURIComponent(a.pathname)).find(p => p.endsWith({}))",
        serde_json::to_string(HOSTILE_FILE).unwrap()
    ));
    let to_file = PathBuf::from(to_file.as_str().expect("a link to the hostile file"));
    assert_eq!(to_file, f.returns.join("河北省").join(HOSTILE_FILE));
    assert_eq!(c.eval("typeof window.__pwned"), json!("undefined"));
}

/// The board's counts per month, read from the page: category word → counts.
fn board_counts(c: &mut Chrome) -> (Vec<String>, Vec<(String, Vec<u64>)>) {
    let v = c.eval(
        "(() => { const rows = [...document.querySelectorAll('table.matrix tfoot tr')]; \
         const head = [...rows[0].querySelectorAll('th')].slice(1).map(t => t.textContent); \
         return [head, rows.slice(1).map(r => [r.querySelector('th').textContent, \
         [...r.querySelectorAll('td')].map(t => Number(t.textContent))])]; })()",
    );
    let head = v[0].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    let rows = v[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect(),
            )
        })
        .collect();
    (head, rows)
}

#[test]
fn board_counts_equal_the_workbooks_and_the_reports() {
    let f = fixture();
    let mut c = Chrome::launch();
    c.open(&f.board);
    let (months, rows) = board_counts(&mut c);
    assert_eq!(rows.len(), Category::MONTH.len());
    assert_eq!(months, ["2017年3月", "2017年4月"]);
    // The workbook's 总览, read with calamine.
    let mut wb = open_workbook_auto(f.out.join("汇总_截至2017-05-11.xlsx")).unwrap();
    let m = wb.worksheet_range("总览").unwrap();
    let text = |r: u32, c: u32| match m.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(x)) => format!("{x}"),
        _ => String::new(),
    };
    let head = (0..m.height() as u32).find(|r| text(*r, 0) == "各月统计（地区数）").expect("counts block");
    let wb_months: Vec<String> = (0..months.len() as u32).map(|j| text(head, 2 + j)).collect();
    assert_eq!(wb_months, months);
    for (k, (word, counts)) in rows.iter().enumerate() {
        let r = head + 1 + k as u32;
        assert_eq!(&text(r, 0), word);
        let wb_counts: Vec<u64> = (0..counts.len() as u32).map(|j| text(r, 2 + j).parse().unwrap()).collect();
        assert_eq!(&wb_counts, counts, "{word}");
    }
    // The report's summary of the focus month (April), read with pdftotext.
    let n = |w: &str| rows.iter().find(|(x, _)| x == w).unwrap().1[1];
    // The 通报 names the month's counts in its 报送情况 and 进展 parts (its
    // 如期 counts late returns by their tick too, so it is not compared).
    let report = util::squash(&util::pdf_text(&f.out.join("调度会报告_截至2017-05-11.pdf")));
    for said in [
        format!("迟报{}个", n("迟报")),
        format!("未报{}个", n("未报")),
        format!("超前{}个", n("超前")),
        format!("滞后{}个", n("滞后")),
    ] {
        assert!(report.contains(&said), "{said}\n{report}");
    }
    // The 催报 list: the report's four missing returns, with names and phones.
    let chase = c.eval("[...document.querySelectorAll('#chase tbody tr')].map(r => r.innerText)");
    let chase: Vec<&str> = chase.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(chase.iter().filter(|r| r.contains("未报")).count(), 4, "{chase:?}");
    assert!(chase.iter().all(|r| r.chars().filter(char::is_ascii_digit).count() >= 7), "phones: {chase:?}");
}

/// The first `python3` on PATH that has html5lib (Debian's python3-html5lib
/// goes to the system's, which a pyenv may shadow), or a panic that says
/// what to install: the check must not skip silently.
fn html5lib_python() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|d| d.join("python3"))
        .filter(|p| p.is_file())
        .find(|p| Command::new(p).args(["-c", "import html5lib"]).output().is_ok_and(|o| o.status.success()))
        .unwrap_or_else(|| {
            panic!("this test needs html5lib: apt-get install python3-html5lib (scripts/test does this)")
        })
}

#[test]
fn board_is_valid_html_and_loads_nothing_from_the_network() {
    let f = fixture();
    let html = std::fs::read_to_string(&f.board).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "a web reference in the board");
    assert!(!html.contains("@font-face") && !html.contains("url("), "a font or file fetched by CSS");
    let python = html5lib_python();
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, html5lib\n\
             p = html5lib.HTMLParser(strict=True)\n\
             p.parse(open(sys.argv[1], 'rb'))\n\
             print('ok', len(p.errors))",
        ])
        .arg(&f.board)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok 0",
        "html5lib (install python3-html5lib): {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn matrix_cells_show_the_ledger_state_of_their_open_findings() {
    let f = fixture();
    let html = std::fs::read_to_string(&f.board).unwrap();
    // Each matrix row, as the office sees it: the region, then its cells.
    let row = |region: &str| -> String {
        let start = html.find(&format!("<tr data-region=\"{region}\">")).expect(region);
        html[start..start + html[start..].find("</tr>").unwrap()].to_string()
    };
    // 上海市: one open warning on its plan; 河南省: an open error in April
    // (beside the cross-check hints, which are open findings for the office too).
    assert!(row("上海市").contains("<span class=\"ls\">待处理 1</span>"), "{}", row("上海市"));
    assert!(row("河南省").contains("<span class=\"ls\">待处理"), "{}", row("河南省"));
    let count = html.matches("<span class=\"ls\">").count();
    assert!(count > 0 && count <= 21 * 3, "{count}");
}

/// The samples' returns carried forward to 2019-12: every region's sample
/// progress return repeated for each of its months (texts and findings
/// kept), most months in two versions, one in five in three.
fn three_years() -> Vec<Record> {
    let t = templates();
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let recs = ingest::ingest_paths(t, &[dir.path().to_path_buf()], &IngestOptions::default()).records;
    let mut out: Vec<Record> = recs.iter().filter(|r| r.kind == FormKind::Plan).cloned().collect();
    for (id, region) in t.registry.regions() {
        let Some(seed) = recs
            .iter()
            .filter(|r| r.kind == FormKind::Progress && r.region.as_deref() == Some(&region.name))
            .max_by_key(|r| r.period)
        else {
            continue;
        };
        for (k, m) in t.registry.progress_months(id).into_iter().enumerate() {
            let versions = match k % 5 {
                0 => 3,
                1..=3 => 2,
                _ => 1,
            };
            for v in 0..versions {
                let mut r = seed.clone();
                r.period = Some(Period::Month(m));
                r.submitted_on = t.registry.progress_due(m).checked_sub_days(chrono::Days::new(3 - v as u64));
                r.source.file = format!("returns/{}/{}月_第{}版.xlsx", region.name, m, v + 1);
                r.source.sha256 = format!("{k}-{v}");
                r.current = v + 1 == versions;
                if v + 1 < versions {
                    r.contact.name = None;
                    r.issues.push(Issue::new(
                        Rule::ContactNameMissing,
                        "contact.name",
                        Some(CellRef::at(8, 1)),
                        "未填写联系人".into(),
                    ));
                }
                out.push(r);
            }
        }
    }
    out
}

#[test]
fn three_years_of_resubmissions_stay_small_rerun_identically_and_print_the_year_on_one_page() {
    let t = templates();
    let recs = three_years();
    let as_of = d("2019-12-31");
    let review = Review::build(t, &recs, as_of);
    assert!(review.months.len() >= 30);
    assert!(recs.len() > 500, "{} records", recs.len());
    let dir = util::tempdir();
    let folder = dir.path().join("看板 2019");
    std::fs::create_dir_all(&folder).unwrap();
    let make = || {
        board::render(&Board {
            templates: t,
            review: &review,
            records: &recs,
            dir: &folder,
            sources_root: None,
            feedback: &[],
        })
    };
    let html = make();
    assert_eq!(html, make(), "a second render differs");
    assert!(html.len() < 2_000_000, "board of three years: {} bytes", html.len());
    eprintln!("board of {} records to 2019-12: {} bytes", recs.len(), html.len());

    let path = folder.join(board::file_name(as_of));
    std::fs::write(&path, &html).unwrap();
    let mut c = Chrome::launch();
    c.open(&path);
    let pdf = folder.join("print.pdf");
    std::fs::write(&pdf, c.print_pdf()).unwrap();
    let size = util::poppler("pdfinfo", &[], &pdf);
    let page = size.lines().find_map(|l| l.strip_prefix("Page size:")).unwrap_or_default();
    let wh: Vec<f64> = page.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(page.contains("(A4)") && wh.len() == 2 && wh[0] > wh[1], "A4 landscape: {page}");
    let first = util::squash(&util::pdf_text_raw(&pdf, Some(1)));
    for (_, r) in t.registry.regions() {
        assert!(first.contains(&util::squash(&r.name)), "page 1 lacks {}:\n{first}", r.name);
    }
    let year: Vec<&YearMonth> = review.months.iter().filter(|m| m.year == 2019).collect();
    assert!(year.len() >= 11);
    for m in year {
        assert!(
            first.matches(&m.label_zh()).count() >= 2,
            "page 1 lacks the column and count of {}",
            m.label_zh()
        );
    }
    assert!(first.contains("各月统计") && !first.contains("2018年12月"), "{first}");
}
