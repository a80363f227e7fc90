//! The HTML report in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `scripts/setup.sh`) opens the page `collabmetrics demo --html` writes, saves a screenshot,
//! and a probe measures every section and chart as laid out and collects every error,
//! console message and blocked request.
//!
//! Without Chromium on the PATH these tests say so and pass, unless
//! `COLLABMETRICS_BROWSER=required` (set by `scripts/test.sh`), where its absence fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory of this test binary.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// True when Chromium can run; otherwise skips (or fails when the browser is required).
fn have_chromium() -> bool {
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert_ne!(
            std::env::var("COLLABMETRICS_BROWSER").as_deref(),
            Ok("required"),
            "chromium is not installed (scripts/setup.sh installs Debian's package)"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, stderr). Each run has its
/// own profile, so tests running at the same time do not share one.
fn chromium(dir: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let profile = dir.join(format!(
        "profile-{}",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The probe: records script errors, console errors and warnings and requests the page's
/// Content-Security-Policy blocked; once loaded, writes each section's and each chart's laid
/// out size (and the chart's drawn marks) into the page as JSON.
const PROBE: &str = r#"<script>
window.__problems = [];
window.addEventListener('error', e => __problems.push('error: ' + e.message));
document.addEventListener('securitypolicyviolation',
  e => __problems.push('blocked: ' + e.blockedURI + ' (' + e.violatedDirective + ')'));
for (const level of ['error', 'warn']) {
  const f = console[level];
  console[level] = (...a) => { __problems.push(level + ': ' + a.join(' ')); f.apply(console, a); };
}
window.addEventListener('load', () => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const sections = [...document.querySelectorAll('section[id]')].map(s => ({
    id: s.id, box: box(s), heading: (s.querySelector('h2') || {}).textContent || '',
    charts: [...s.querySelectorAll('svg')].map(v => ({
      box: box(v), marks: v.querySelectorAll('circle,path,rect,line,polyline,polygon').length,
    })),
  }));
  const pre = document.createElement('pre');
  pre.id = 'cm-probe';
  pre.textContent = JSON.stringify({problems: __problems, sections});
  document.body.appendChild(pre);
});
</script>"#;

/// `html` with the probe first in its head; the page's policy is kept, with inline scripts
/// allowed for the probe alone (the page itself has none).
fn probed(html: &str) -> String {
    let csp = r#"<meta http-equiv="Content-Security-Policy" content=""#;
    let at = html
        .find(csp)
        .expect("the page declares its Content-Security-Policy")
        + csp.len();
    let end = at + html[at..].find('"').unwrap();
    let with_scripts = format!(
        "{}{}; script-src 'unsafe-inline'{}",
        &html[..at],
        &html[at..end],
        &html[end..]
    );
    with_scripts.replacen("<head>", &format!("<head>\n{PROBE}"), 1)
}

/// Opens `html` (probed) in Chromium and returns the probe's findings.
fn probe(dir: &Path, name: &str, html: &str) -> serde_json::Value {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, probed(html)).unwrap();
    let (dom, _) = chromium(dir, &page, &["--virtual-time-budget=5000", "--dump-dom"]);
    let start = dom.find(r#"<pre id="cm-probe">"#).expect("the probe ran") + 19;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

fn demo_page(dir: &Path) -> (PathBuf, String) {
    let path = dir.join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_collabmetrics"))
        .args(["demo", "--html"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

#[test]
fn every_section_and_chart_of_the_demo_report_renders_in_chromium() {
    if !have_chromium() {
        return;
    }
    let dir = scratch("demo");
    let (path, html) = demo_page(&dir);

    // The page as it is: a screenshot, and not one console message (Chromium logs each one,
    // a blocked request included, as "CONSOLE").
    let shot = dir.join("report.png");
    let (_, log) = chromium(
        &dir,
        &path,
        &[
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,4000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(!log.contains("CONSOLE"), "{log}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "{}",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());

    // Laid out: every section of the JSON report, in order, each with its heading and height,
    // and every chart with a size and drawn marks.
    let found = probe(&dir, "probed", &html);
    assert_eq!(found["problems"], serde_json::json!([]));
    let sections = found["sections"].as_array().unwrap();
    let json = Command::new(env!("CARGO_BIN_EXE_collabmetrics"))
        .args(["demo", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let expected: Vec<&str> = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = sections.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids[..expected.len()], expected[..]);
    assert_eq!(ids[expected.len()..], ["notes"]);
    let mut charts = 0;
    for s in sections {
        let (w, h) = (s["box"][0].as_f64().unwrap(), s["box"][1].as_f64().unwrap());
        assert!(w > 300.0 && h > 50.0, "{s}");
        assert!(!s["heading"].as_str().unwrap().is_empty(), "{s}");
        for c in s["charts"].as_array().unwrap() {
            let (w, h) = (c["box"][0].as_f64().unwrap(), c["box"][1].as_f64().unwrap());
            assert!(w > 200.0 && h > 80.0, "{s}");
            assert!(c["marks"].as_u64().unwrap() >= 5, "{s}");
            charts += 1;
        }
    }
    // The 19 charts of the demo report (see tests/demo.rs).
    assert_eq!(charts, 19);
}

#[test]
fn the_probe_sees_a_blocked_request_and_a_script_error() {
    if !have_chromium() {
        return;
    }
    // The same checks fail on a page that breaks the rules.
    let dir = scratch("broken");
    let (_, html) = demo_page(&dir);
    let broken = html.replacen(
        "<main>",
        r#"<main><img src="http://example.com/x.png"><script>nope();</script>"#,
        1,
    );
    assert_ne!(broken, html);
    let found = probe(&dir, "broken", &broken);
    let problems = found["problems"].to_string();
    assert!(
        problems.contains("blocked: http://example.com/x.png"),
        "{problems}"
    );
    assert!(problems.contains("nope is not defined"), "{problems}");
}
