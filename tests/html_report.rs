//! `report.html` in a headless Chromium: the report of the default scene
//! (full length) and of a comparison and one of its arms load with no
//! console message but the test's own, no request leaving the machine and
//! no image that fails to decode, even copied alone into an empty folder
//! (so nothing beside it is read); the slider script ran; the screenshot
//! is not blank; the default scene's report is under 10 MB; markup in
//! names is escaped; every link to an arm's report resolves. A page broken
//! on purpose shows that each check can fail.
//!
//! Chromium (Debian package `chromium`; `CHROMIUM` names another binary)
//! is required: without it these tests fail, saying how to install it.

mod common;
use common::cli::{oncovox, stderr, write_scene};
use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn chromium() -> String {
    let bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let ok = Command::new(&bin).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{bin} --version` does not run: these tests need Chromium. Install it with \
         `apt-get install chromium` (.ci/run does), or set CHROMIUM to a Chromium binary"
    );
    bin
}

/// Services of the browser itself (clock, component updates, sign-in)
/// that it calls whatever page it shows; a page's own request to any other
/// host counts. The static check in `assert_self_contained` forbids any
/// http(s) address in the page, these hosts included.
const BROWSER_HOSTS: [&str; 4] = ["google.com", "googleapis.com", "gstatic.com", "gvt1.com"];

fn browser_service(request: &str) -> bool {
    // `GET http://host/path HTTP/1.1` or `CONNECT host:443 HTTP/1.1`.
    let target = request.split_whitespace().nth(1).unwrap_or("");
    let host = target.split("://").last().unwrap_or("").split(['/', ':']).next().unwrap_or("");
    BROWSER_HOSTS.iter().any(|h| host == *h || host.ends_with(&format!(".{h}")))
}

/// What the browser did with a page.
struct Load {
    /// Console messages, one per line of the browser's log.
    console: Vec<String>,
    /// The first line of every request the page sent to the network.
    requests: Vec<String>,
    /// The document after its scripts ran.
    dom: String,
}

/// Load `page` in headless Chromium with a proxy that records every
/// request (and answers none), and `extra` flags; its log and DOM.
fn browse(page: &Path, extra: &[&str]) -> (Load, String) {
    let bin = chromium();
    let profile = tempfile::tempdir().unwrap();
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let port = proxy.local_addr().unwrap().port();
    let (seen, stop) = (Arc::new(Mutex::new(Vec::<String>::new())), Arc::new(AtomicBool::new(false)));
    let listener = {
        let (seen, stop) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match proxy.accept() {
                    Ok((mut s, _)) => {
                        let _ = s.set_nonblocking(false);
                        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 512];
                        let n = s.read(&mut buf).unwrap_or(0);
                        let text = String::from_utf8_lossy(&buf[..n]);
                        seen.lock().unwrap().push(text.lines().next().unwrap_or("").to_string());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut cmd = Command::new(&bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        &format!("--user-data-dir={}", profile.path().display()),
        &format!("--proxy-server=http://127.0.0.1:{port}"),
        "--proxy-bypass-list=<-loopback>",
    ])
    .args(extra)
    .arg(&url)
    .current_dir(profile.path())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{bin} does not start: {e}"));
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut dom = String::new();
    let _ = out.read_to_string(&mut dom);
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("{bin} did not finish loading {url} in 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = reader.join().unwrap();
    stop.store(true, Ordering::SeqCst);
    listener.join().unwrap();
    assert!(status.success(), "{bin} failed on {url}: {status}\n{log}");
    let console = log.lines().filter(|l| l.contains(":CONSOLE")).map(String::from).collect();
    let requests = seen.lock().unwrap().iter().filter(|r| !browser_service(r)).cloned().collect();
    (Load { console, requests, dom }, log)
}

/// Reports every image that has not decoded once the page has loaded.
const IMAGE_CHECK: &str = "<script>window.addEventListener('load', function () {
  var all = Array.from(document.images);
  var broken = all.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  console.log('report-check: images=' + all.length + ' broken=' + broken.length);
});</script>";

/// `html` copied alone into an empty folder with the image check added,
/// loaded: its console, the requests it sent, its DOM.
fn load_alone(html: &str) -> Load {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("page.html");
    let at = html.rfind("</body>").expect("a </body> tag");
    std::fs::write(&page, format!("{}{IMAGE_CHECK}\n{}", &html[..at], &html[at..])).unwrap();
    browse(&page, &["--dump-dom"]).0
}

/// The console messages other than the image check's, and the check's
/// (images, broken) counts.
fn console_findings(load: &Load) -> (Vec<String>, Option<(usize, usize)>) {
    let mut counts = None;
    let mut other = Vec::new();
    for line in &load.console {
        match line.split("report-check: images=").nth(1) {
            Some(rest) => {
                let n = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok();
                let images = n(rest);
                let broken = rest.split("broken=").nth(1).and_then(n);
                counts = images.zip(broken);
            }
            None => other.push(line.clone()),
        }
    }
    (other, counts)
}

/// Every value of attribute `name` (quoted either way, or bare) in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let pat = format!(" {name}=");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&pat) {
        let start = from + i + pat.len();
        let rest = &html[start..];
        let v = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
            _ => rest.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
        };
        out.push(v);
        from = start;
    }
    out
}

/// Why `html` is not self-contained, if it is not: a `src` that is not a
/// `data:` URI, a link with a scheme, an external style sheet, script,
/// frame or `@import`, or any http(s) address at all.
fn not_self_contained(html: &str) -> Vec<String> {
    let mut why = Vec::new();
    for v in attribute_values(html, "src") {
        if !v.starts_with("data:") {
            why.push(format!("src=\"{}\"", &v[..v.len().min(80)]));
        }
    }
    for v in attribute_values(html, "href") {
        if v.contains(':') || v.starts_with("//") {
            why.push(format!("href=\"{v}\""));
        }
    }
    let lower = html.to_ascii_lowercase();
    for bad in ["<link", "<iframe", "<object", "<embed", "@import", "url(", "http://", "https://"] {
        if lower.contains(bad) {
            why.push(format!("contains `{bad}`"));
        }
    }
    why
}

/// Screenshot of `page` at 1200 × 2000 px: (distinct colours, share of the
/// most common one).
fn screenshot(page: &Path) -> (usize, f64) {
    let tmp = tempfile::tempdir().unwrap();
    let shot = tmp.path().join("shot.png");
    let arg = format!("--screenshot={}", shot.display());
    let (_, log) = browse(page, &[&arg, "--window-size=1200,2000", "--hide-scrollbars"]);
    let img =
        image::open(&shot).unwrap_or_else(|e| panic!("no screenshot of {}: {e}\n{log}", page.display())).to_rgb8();
    assert_eq!(img.dimensions(), (1200, 2000));
    let mut counts = std::collections::HashMap::<[u8; 3], usize>::new();
    for p in img.pixels() {
        *counts.entry(p.0).or_default() += 1;
    }
    let top = counts.values().max().copied().unwrap_or(0);
    (counts.len(), top as f64 / (1200.0 * 2000.0))
}

/// Every check on the report at `path`; returns its text.
fn assert_report_works(path: &Path) -> String {
    let html = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let why = not_self_contained(&html);
    assert!(why.is_empty(), "{} is not self-contained: {why:?}", path.display());
    let load = load_alone(&html);
    let (other, counts) = console_findings(&load);
    assert!(other.is_empty(), "{}: console messages: {other:#?}", path.display());
    assert!(load.requests.is_empty(), "{}: network requests: {:?}", path.display(), load.requests);
    let tags = html.matches("<img ").count();
    assert_eq!(counts, Some((tags, 0)), "{}: (images, broken images) after loading", path.display());
    // The slider script ran: every series shows its frame's time.
    let empty = load.dom.matches("<output></output>").count();
    assert_eq!(empty, 0, "{}: {empty} slider(s) without a time: the script did not run", path.display());
    let (colours, top) = screenshot(path);
    assert!(colours > 50 && top < 0.95, "{}: the screenshot looks blank ({colours} colours)", path.display());
    html
}

#[test]
fn the_checks_catch_a_broken_page() {
    let broken = "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://example.invalid/a.css\">\
                  </head><body><p>text</p><img src=\"http://example.invalid/x.png\" alt=\"\">\
                  <script>undefinedFunction();</script></body></html>";
    let why = not_self_contained(broken);
    assert!(why.iter().any(|w| w.contains("src=\"http://example.invalid")), "{why:?}");
    assert!(why.iter().any(|w| w.contains("href=\"https://")) && why.iter().any(|w| w.contains("<link")), "{why:?}");
    let load = load_alone(broken);
    let (other, counts) = console_findings(&load);
    assert!(other.iter().any(|m| m.contains("Uncaught") && m.contains("undefinedFunction")), "{other:?}");
    assert_eq!(counts, Some((1, 1)), "the image that does not load is counted");
    assert!(load.requests.iter().any(|r| r.contains("example.invalid")), "requests: {:?}", load.requests);
    // A page of one colour is blank.
    let tmp = tempfile::tempdir().unwrap();
    let page = write_scene(tmp.path(), "blank.html", "<!DOCTYPE html><html><body></body></html>");
    let (colours, top) = screenshot(&page);
    assert!(colours <= 2 && top > 0.99, "{colours} colours, {top}");
}

/// The README's first command, at its full length: the report is under
/// 10 MB and works.
#[test]
fn the_default_scenes_report_is_small_and_works() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = oncovox(&["run", "-o", out.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = out.join("report.html");
    let size = std::fs::metadata(&report).expect("report.html is written").len();
    assert!(size < 10_000_000, "report.html is {size} bytes");
    let listed = std::fs::read_to_string(out.join(".oncovox-output")).unwrap();
    assert!(listed.lines().any(|l| l == "report.html"), "the marker lists the report");
    let html = assert_report_works(&report);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // Every slice PNG inline, and one slider per series over the 7 output times.
    let slices = std::fs::read_dir(out.join("slices"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(slices, 28);
    assert_eq!(html.matches("data-time=").count(), slices);
    assert_eq!(html.matches("type=\"range\"").count(), 4);
    assert!(html.contains("max=\"6\" value=\"6\""), "7 frames per series");
    // Provenance: the scene's hash (as `sha256sum` prints it) and what the summary records.
    let sha = summary["scene_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    for key in ["scene_sha256", "commit", "backend", "adapter", "started_utc", "oncovox_version"] {
        let v = summary[key].as_str().unwrap_or_else(|| panic!("summary.json lacks {key}"));
        assert!(html.contains(v), "the report lacks {key} = {v}");
    }
    assert!(summary["threads"].as_u64().is_some_and(|t| t >= 1));
    if Command::new("sha256sum").arg("--version").output().is_ok() {
        let o = Command::new("sha256sum").arg(out.join("scene.resolved.toml")).output().unwrap();
        assert!(String::from_utf8_lossy(&o.stdout).starts_with(sha), "scene_sha256 differs from sha256sum");
    }
    // The resolved scene, escaped, and a chart per species.
    assert!(html.contains("[[output.slices]]") && html.contains("doxorubicin"));
    assert_eq!(html.matches("<figure>").count(), 3, "one time-series chart per species (no maps)");
}

/// Two arms with markup in their names and title: the comparison's report
/// and an arm's report work, names are escaped, links resolve.
#[test]
fn a_comparisons_report_links_its_arms_and_works() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = |dose: f64| {
        format!(
            r#"title = "<script>document.title='x'</script> & co"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.01
duration = 6.0
output_interval = 2.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1000.0
initial = 1.0
[[species]]
name = "doxorubicin"
diffusion = 500.0
initial = {dose}
[[regions]]
name = "tumour"
sphere = {{ center = [40.0, 40.0, 40.0], radius = 30.0 }}
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
[[cells.phenotype]]
name = "sensitive"
initial = 0.3
[[output.slices]]
species = "doxorubicin"
axis = "z"
"#
        )
    };
    let a = write_scene(tmp.path(), "ctl<1>.toml", &scene(0.0));
    let b = write_scene(tmp.path(), "dox & 'hi'.toml", &scene(2.0));
    let out = tmp.path().join("cmp");
    let args = ["compare", a.to_str().unwrap(), b.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"];
    let o = oncovox(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = assert_report_works(&out.join("report.html"));
    assert!(!html.contains("ctl<1>") && html.contains("ctl&lt;1&gt;"), "arm names are escaped");
    assert!(html.contains("dox &amp; &#39;hi&#39;"));
    // Each arm's link, percent-decoded, names its report.
    let links: Vec<&str> = attribute_values(&html, "href").into_iter().filter(|h| h.ends_with("report.html")).collect();
    assert_eq!(links.len(), 2, "{links:?}");
    for l in &links {
        let path = percent_decode(&l.replace("&amp;", "&"));
        assert!(out.join(&path).is_file(), "the link {l} ({path}) does not resolve");
    }
    assert!(html.contains("cells_total") && html.matches("<img ").count() >= 4, "tables and plots");
    let arm = assert_report_works(&out.join("ctl<1>").join("report.html"));
    assert!(!arm.contains("<script>document.title") && arm.contains("&lt;script&gt;document.title"));
    assert!(arm.contains("Tumour cells") && arm.contains("type=\"range\""), "cell charts and a slice slider");
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
