//! `report.html` and `charts/`: written by `run`, `compare` and `sensitivity` beside the
//! CSVs, self-contained, with the numbers of the CSVs; and, with a real headless
//! browser, that the page renders, screenshots and prints (`browser_*`, ignored by a
//! plain `cargo test` because they need Chromium; `.ci/run` installs it and runs them
//! with `--ignored`, where they fail if it is missing).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fundcast(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fundcast"));
    cmd.args(args).env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run fundcast");
    assert!(
        out.status.success(),
        "fundcast {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report without its date line.
fn without_date(html: &str) -> String {
    html.lines()
        .filter(|l| !l.starts_with(fundcast::report::DATE_PREFIX))
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn assert_self_contained(html: &str) {
    for bad in [
        "http://", "https://", "<script", "<link", "@import", "src=\"",
    ] {
        assert!(!html.contains(bad), "`{bad}` in the report");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("@media print"));
    assert!(html.contains("Noto Sans CJK SC"), "a CJK font stack");
}

/// Runs the 2050 scenario with paths into a temporary folder.
fn run_2050(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    let mut args = vec![
        "run",
        "scenarios/ganzhou-2050.toml",
        "--paths",
        "300",
        "--seed",
        "7",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    fundcast(&args, &[]);
    out
}

#[test]
fn run_writes_a_self_contained_report_with_the_numbers_of_the_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_2050(dir.path(), &[]);
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    // The fan charts, each with its plot points.
    for id in [
        "fund_end",
        "deficit",
        "subsidy",
        "contributors",
        "pensioners",
        "dependency_ratio",
        "replacement_ratio",
        "depletion_year",
        "p_depleted_by",
    ] {
        assert!(
            html.contains(&format!("<section class=\"chart\" id=\"{id}\">")),
            "{id}"
        );
        assert!(html.contains(&format!("id=\"svg-{id}\"")), "{id}: no SVG");
    }
    assert_eq!(html.matches("<details>").count(), 9);
    assert!(html.contains("Monte Carlo 25 %"));
    // Every quantile of the fund balance and deficit in summary.csv is a plot point, and
    // every deterministic value of deterministic.csv too.
    let summary = read(&out.join("summary.csv"));
    let mut checked = 0;
    for line in summary.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if ["fund_end", "deficit", "pensioners", "dependency_ratio"].contains(&f[1])
            && ["p5", "p25", "p50", "p75", "p95"].contains(&f[2])
        {
            assert!(
                html.contains(&format!("data-v=\"{}\"", f[3])),
                "{line} is not a plot point"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 46 * 4 * 5);
    let det = read(&out.join("deterministic.csv"));
    let header: Vec<&str> = det.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "fund_end").unwrap();
    for line in det.lines().skip(1) {
        let v = line.split(',').nth(col).unwrap();
        assert!(html.contains(&format!("data-v=\"{v}\"")), "{v}");
    }
    // Depletion: P(by T) of depletion.csv as plot points.
    for line in read(&out.join("depletion.csv")).lines().skip(1) {
        let v = line.split(',').nth(1).unwrap();
        assert!(html.contains(&format!("data-v=\"{v}\"")), "{line}");
    }
    // The header: the file, what it extends, its SHA-256 as run.json has it.
    let run: serde_json::Value = serde_json::from_str(&read(&out.join("run.json"))).unwrap();
    assert!(html.contains(run["scenario_sha256"].as_str().unwrap()));
    assert!(
        html.contains("scenarios/ganzhou-2006-2010.toml"),
        "the extends chain"
    );
    assert!(html.contains("In at least 90 % of futures the reserve"));
    // Money with thousands separators, in the currency unit.
    assert!(html.contains("million yuan"));
    assert!(html.contains("(yuan)</th>"));
    let first: f64 = det
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(col)
        .unwrap()
        .parse()
        .unwrap();
    let shown = fundcast::report::thousands(first, 0);
    assert!(shown.contains(','), "{shown}");
    assert!(html.contains(&format!(">{shown}</td>")), "{shown}");
}

#[test]
fn the_report_changes_no_other_byte_and_no_report_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let with = run_2050(&dir.path().join("a"), &["--charts", "svg,png"]);
    let without = run_2050(&dir.path().join("b"), &["--no-report"]);
    for f in ["deterministic.csv", "summary.csv", "depletion.csv"] {
        assert_eq!(read(&with.join(f)), read(&without.join(f)), "{f}");
    }
    assert!(with.join("report.html").exists());
    assert!(!without.join("report.html").exists());
    assert!(!without.join("charts").exists());
    let names: Vec<String> = std::fs::read_dir(with.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 18, "{names:?}");
    for n in &names {
        assert!(!n.starts_with('.'), "a temporary file left: {n}");
    }
    let png = std::fs::read(with.join("charts/fund_end.png")).unwrap();
    let (w, h, _) = fundcast::chart::decode_png(&png).unwrap();
    assert_eq!((w, h), fundcast::chart::SIZE);
    let svg = read(&with.join("charts/fund_end.svg"));
    assert!(svg.starts_with("<svg"));
}

#[test]
fn the_report_is_reproducible_but_for_its_date() {
    let dir = tempfile::tempdir().unwrap();
    let a = run_2050(&dir.path().join("a"), &["--threads", "1"]);
    let b = run_2050(&dir.path().join("b"), &["--threads", "2"]);
    let (ra, rb) = (read(&a.join("report.html")), read(&b.join("report.html")));
    assert_eq!(without_date(&ra), without_date(&rb));
    assert_eq!(
        ra.lines()
            .filter(|l| l.starts_with(fundcast::report::DATE_PREFIX))
            .count(),
        1
    );
    // SOURCE_DATE_EPOCH sets the date: then the bytes are the same.
    let c = dir.path().join("c");
    let args = |out: &Path| {
        vec![
            "run".to_string(),
            "scenarios/minimal.toml".into(),
            "--paths".into(),
            "50".into(),
            "--quiet".into(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let run = |out: &Path| {
        let a = args(out);
        let a: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
        fundcast(&a, &[("SOURCE_DATE_EPOCH", "1798675200")]);
        read(&out.join("report.html"))
    };
    let (x, y) = (run(&c.join("1")), run(&c.join("2")));
    assert_eq!(x, y);
    assert!(x.contains("Generated 2026-12-31"));
}

#[test]
fn without_paths_the_report_shows_the_deterministic_lines_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fundcast(
        &[
            "run",
            "scenarios/ganzhou-2050.toml",
            "--paths",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let html = read(&out.join("report.html"));
    assert_self_contained(&html);
    assert!(html.contains("id=\"svg-fund_end\""));
    assert!(!html.contains("Monte Carlo 5 %"));
    assert!(!html.contains("id=\"depletion_year\""));
    assert!(html.contains("none (deterministic projection only)"));
    assert!(html.contains("In the deterministic projection the reserve runs out in"));
}

/// A scenario with a Chinese name, and HTML in it: escaped in the page, drawn in the
/// PNG title with the shipped font.
#[test]
fn a_chinese_name_is_escaped_in_html_and_drawn_in_png() {
    let dir = tempfile::tempdir().unwrap();
    let text = read(Path::new("scenarios/minimal.toml"));
    let path = dir.path().join("cn.toml");
    std::fs::write(
        &path,
        format!("name = \"赣州市城镇职工 <b>R&D</b>\"\ncurrency = \"元\"\n{text}"),
    )
    .unwrap();
    let out = dir.path().join("out");
    fundcast(
        &[
            "run",
            path.to_str().unwrap(),
            "--paths",
            "50",
            "--charts",
            "png",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let html = read(&out.join("report.html"));
    assert!(html.contains("<h1>赣州市城镇职工 &lt;b&gt;R&amp;D&lt;/b&gt;</h1>"));
    assert!(!html.contains("<b>R&D</b>"));
    assert!(html.contains("million 元"));
    // The PNG's title band (the top 40 pixels) has text pixels across its middle.
    let png = std::fs::read(out.join("charts/fund_end.png")).unwrap();
    let (w, _, rgb) = fundcast::chart::decode_png(&png).unwrap();
    let dark = (200..760)
        .flat_map(|x| (4..40).map(move |y| (x, y)))
        .filter(|(x, y)| {
            let i = ((y * w + x) * 3) as usize;
            rgb[i..i + 3].iter().all(|c| *c < 128)
        })
        .count();
    assert!(dark > 400, "{dark} text pixels in the title band");
}

#[test]
fn compare_and_sensitivity_write_their_reports() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = dir.path().join("cmp");
    fundcast(
        &[
            "compare",
            "scenarios/ganzhou-2006-2010.toml",
            "scenarios/ganzhou-subsidy-15.toml",
            "scenarios/ganzhou-collection.toml",
            "--paths",
            "100",
            "--seed",
            "11",
            "--out",
            cmp.to_str().unwrap(),
        ],
        &[],
    );
    let html = read(&cmp.join("report.html"));
    assert_self_contained(&html);
    assert!(html.contains("id=\"paired-1\""));
    assert!(html.contains("id=\"paired-2\""));
    assert!(html.contains("ganzhou-subsidy-15 − base"));
    assert!(html.contains("s.e. paired"));
    assert!(html.contains("id=\"svg-fund_end\""));
    assert!(html.contains("ganzhou-collection 5 %"));
    // The paired differences of comparison.csv are in the table.
    for line in read(&cmp.join("comparison.csv")).lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if !f[3].is_empty() && !f[1].starts_with("depletion_year") {
            assert!(html.contains(&format!("data-v=\"{}\"", f[3])), "{line}");
        }
    }
    let sens = dir.path().join("sens");
    fundcast(
        &[
            "sensitivity",
            "scenarios/ganzhou-2006-2010.toml",
            "--measure",
            "cumulative_deficit",
            "--paths",
            "0",
            "--charts",
            "svg",
            "--out",
            sens.to_str().unwrap(),
        ],
        &[],
    );
    let html = read(&sens.join("report.html"));
    assert_self_contained(&html);
    assert!(html.contains("id=\"svg-tornado\""));
    // Sorted by swing as sensitivity.csv is (largest first).
    let csv = read(&sens.join("sensitivity.csv"));
    let keys: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let at: Vec<usize> = keys
        .iter()
        .map(|k| html.find(&format!("<tr><td>{k}</td>")).expect(k))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert!(sens.join("charts/tornado.svg").exists());
}

#[test]
fn a_bad_charts_value_is_a_bad_argument() {
    let out = Command::new(env!("CARGO_BIN_EXE_fundcast"))
        .args(["run", "scenarios/minimal.toml", "--charts", "pdf", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected svg, png, svg,png or none"));
}

/// Chromium, headless, with what keeps it off the network and out of the home folder.
fn chromium(args: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect(
            "chromium could not be started: install it (Debian: apt-get install -y chromium; \
             .ci/run does) to run the browser tests",
        );
    assert!(
        out.status.success(),
        "chromium {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
#[ignore = "needs Chromium; .ci/run installs it and runs this with --ignored"]
fn browser_renders_screenshots_and_prints_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_2050(dir.path(), &[]);
    let page = out.join("report.html").canonicalize().unwrap();
    let url = format!("file://{}", page.display());
    // The DOM as the browser built it: every chart, its table, the headline.
    let dom = String::from_utf8(chromium(&["--dump-dom", &url]).stdout).unwrap();
    assert!(
        dom.matches("<svg").count() >= 9,
        "charts missing from the DOM"
    );
    for id in ["svg-fund_end", "svg-depletion_year", "svg-p_depleted_by"] {
        assert!(dom.contains(id), "{id}");
    }
    assert!(dom.contains("<details>"));
    assert!(dom.contains("In at least 90 % of futures"));
    // A screenshot: a PNG of the window, far from blank.
    let shot = dir.path().join("shot.png");
    chromium(&[
        "--window-size=1100,2400",
        &format!("--screenshot={}", shot.display()),
        &url,
    ]);
    let (w, h, rgb) = fundcast::chart::decode_png(&std::fs::read(&shot).unwrap()).unwrap();
    assert_eq!((w, h), (1100, 2400));
    let pixels: Vec<&[u8]> = rgb.chunks(3).collect();
    let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    let share = inked as f64 / (1100.0 * 2400.0);
    assert!(share > 0.02, "the screenshot is nearly blank ({share})");
    // The chart colours are on screen (the 5–95 % band's blue, mixed with white).
    let blue = pixels
        .iter()
        .filter(|p| p[2] > 200 && p[0] < 220 && p[2] > p[0] + 20)
        .count();
    assert!(blue > 5000, "no chart bands on screen ({blue} blue pixels)");
    // Printed to PDF: several pages, not a blank one.
    let pdf = dir.path().join("report.pdf");
    chromium(&[
        "--no-pdf-header-footer",
        &format!("--print-to-pdf={}", pdf.display()),
        &url,
    ]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() > 50_000, "a PDF of {} bytes", bytes.len());
    let pages = bytes.windows(10).filter(|w| w == b"/Type /Pag").count();
    assert!(pages >= 3, "{pages} pages");
}

/// The fans of paired differences in a comparison's report are those of the paths: the
/// mean of the year-by-year differences variant − base, from the engine's summary,
/// equals the mean of path-by-path differences computed one path at a time with
/// `PathRunner` on the same seed (common random numbers); and the report draws them.
#[test]
fn paired_yearly_differences_are_the_paths_differences() {
    use fundcast::compare::{paired_yearly_differences, Entry};
    use fundcast::metrics::metric;
    use fundcast::montecarlo::PathRunner;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |f: &str| fundcast::scenario::load(&root.join(f)).expect("valid");
    let (base, variant) = (
        load("scenarios/ganzhou-2050.toml"),
        load("scenarios/ganzhou-2050-automatic.toml"),
    );
    let entries = [
        Entry {
            name: "base".into(),
            model: &base,
        },
        Entry {
            name: "variant".into(),
            model: &variant,
        },
    ];
    let (paths, seed) = (300, 17);
    let metrics = [metric::FUND_END, metric::DEFICIT];
    let d = paired_yearly_differences(&entries, paths, seed, 2, &metrics).expect("runs");
    let years = base.frame.years();
    let (mut a, mut b) = (PathRunner::new(&base), PathRunner::new(&variant));
    let mut sums = vec![0.0; years * metrics.len()];
    for i in 0..paths as u64 {
        a.path(seed, i);
        b.path(seed, i);
        for t in 0..years {
            for (j, &m) in metrics.iter().enumerate() {
                sums[t * metrics.len() + j] += b.rows()[t][m] - a.rows()[t][m];
            }
        }
    }
    for (s, sum) in sums.iter().enumerate() {
        let want = sum / paths as f64;
        let got = d.stats[s][0];
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "series {s}: mean {got} vs {want}"
        );
    }
    // The report draws one fan of differences per metric.
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("cmp");
    fundcast(
        &[
            "compare",
            root.join("scenarios/ganzhou-2050.toml").to_str().unwrap(),
            root.join("scenarios/ganzhou-2050-automatic.toml")
                .to_str()
                .unwrap(),
            "--paths",
            "300",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let html = read(&out.join("report.html"));
    for id in ["difference_fund_end", "difference_deficit"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} in the report");
    }
}
