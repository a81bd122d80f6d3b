//! Charts of a run, a comparison or a sensitivity, drawn with plotters: one home per
//! chart, giving both the inline SVG of `report.html` and the files `charts/*.svg|png`.
//!
//! Takes a [`Chart`] (what to draw: fans of Monte Carlo quantiles, lines, bars or a
//! tornado) built by [`crate::report`]; gives SVG text ([`svg()`]) or PNG bytes ([`png()`]).
//! Text is laid out and, in PNG, rasterised with the font shipped in
//! `assets/fonts/FundcastSans.ttf` (DejaVu Sans's Latin and Droid Sans Fallback's CJK,
//! see `assets/fonts/README.md`), registered with plotters' `ab_glyph` backend, so no
//! system font or fontconfig is needed and a Chinese scenario name renders in PNG too.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font of every chart (Bitstream Vera licence and Apache 2.0; see
/// `assets/fonts/README.md`).
pub static FONT: &[u8] = include_bytes!("../assets/fonts/FundcastSans.ttf");

/// The font family name plotters is given (registered once, as `FONT`).
const FAMILY: &str = "sans-serif";

/// Width and height of every chart, in pixels (SVG: its viewBox).
pub const SIZE: (u32, u32) = (960, 520);

/// How a chart's values read: the axis and the plot-point tables format them alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    /// An amount of the currency unit: axis in millions, tables in whole units.
    Money,
    /// A head count.
    Persons,
    /// A ratio or share, three decimals.
    Ratio,
    /// A probability, shown as a percentage.
    Probability,
    /// A number as it is (years, counts of paths).
    Plain,
}

/// Monte Carlo quantiles of one series, year by year: the 5–95 % band, the 25–75 % band
/// (absent in overlays) and the median.
#[derive(Clone, Debug, PartialEq)]
pub struct Fan {
    pub label: String,
    pub p5: Vec<f64>,
    pub p95: Vec<f64>,
    pub inner: Option<(Vec<f64>, Vec<f64>)>,
    pub median: Vec<f64>,
    /// Index into the palette.
    pub colour: usize,
}

/// A line over the years (the deterministic projection, a probability curve).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub values: Vec<f64>,
    pub colour: usize,
    /// Drawn thicker, in black, on top (the deterministic projection of a run).
    pub bold: bool,
    /// Drawn dashed (a deterministic line beside a fan of its own colour).
    pub dashed: bool,
}

/// One bar of a tornado: a key, its low and high changes and the measure at each.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub key: String,
    pub low_label: String,
    pub high_label: String,
    pub at_low: Option<f64>,
    pub at_high: Option<f64>,
}

/// What a chart shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Fans and lines over the years.
    Years {
        years: Vec<i32>,
        fans: Vec<Fan>,
        lines: Vec<Line>,
    },
    /// One bar per year (a histogram of depletion years).
    Bars {
        years: Vec<i32>,
        values: Vec<f64>,
        label: String,
    },
    /// Horizontal bars from the base value to the value at each change, largest first.
    Tornado { base: f64, bars: Vec<Bar> },
}

/// A chart: its file stem, title, axis label, value format and body.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File stem under `charts/` and the id of its section in the report.
    pub id: String,
    pub title: String,
    /// Drawn after the title (the scenario's name), so that a chart file tells its
    /// scenario; empty for none.
    pub subtitle: String,
    pub y_label: String,
    pub format: Format,
    pub body: Body,
}

/// Colour-blind-safe palette (Okabe–Ito), in order of use.
pub const PALETTE: [(u8, u8, u8); 7] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (120, 120, 120),
];

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Registers [`FONT`] with plotters, once per process.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| ())
            .expect("the shipped font is a valid TrueType font");
    });
}

/// The chart as SVG text (with its `viewBox`, so it scales to any width).
pub fn svg(chart: &Chart) -> String {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        // Drawing into a string cannot fail but through a bug; an empty chart then.
        let _ = draw(chart, &root);
        let _ = root.present();
    }
    out
}

/// The chart as PNG bytes, `SIZE` pixels, white background.
pub fn png(chart: &Chart) -> Vec<u8> {
    register_font();
    let (w, h) = SIZE;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        let _ = draw(chart, &root);
        let _ = root.present();
    }
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, w, h);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header into memory");
        writer
            .write_image_data(&rgb)
            .expect("PNG encoding into memory");
    }
    out
}

/// A PNG's pixels: width, height and RGB bytes (tests read charts and screenshots).
pub fn decode_png(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), ::png::DecodingError> {
    let mut decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(::png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let rgb = match info.color_type {
        ::png::ColorType::Grayscale | ::png::ColorType::GrayscaleAlpha => buf
            .chunks(channels)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
        _ => buf
            .chunks(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
    };
    Ok((info.width, info.height, rgb))
}

/// The number of an axis tick: money in millions (one decimal when the axis, whose
/// largest magnitude is `extent`, stays under ten million), probabilities in per cent.
pub fn axis_text(format: Format, y: f64, extent: f64) -> String {
    match format {
        Format::Money => crate::report::thousands(y / 1e6, usize::from(extent < 1e7)),
        Format::Persons | Format::Plain => crate::report::thousands(y, 0),
        Format::Ratio => format!("{y:.2}"),
        Format::Probability => format!("{:.0} %", y * 100.0),
    }
}

/// The axis label with its unit (`money`: e.g. "million yuan").
pub fn unit_text(format: Format, currency: &str) -> String {
    match format {
        Format::Money => format!("million {currency}"),
        Format::Persons => "persons".into(),
        Format::Probability => "probability".into(),
        Format::Ratio => "ratio".into(),
        Format::Plain => String::new(),
    }
}

/// `lo..hi` covering `values` with a margin; never empty.
fn range(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo < 1e-12 * (hi.abs() + lo.abs()).max(1e-300) {
        let d = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.05;
    (if lo == 0.0 { 0.0 } else { lo - pad }, hi + pad)
}

type Fail<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

fn draw<DB: DrawingBackend>(c: &Chart, root: &DrawingArea<DB, Shift>) -> Result<(), Fail<DB>> {
    root.fill(&WHITE)?;
    match &c.body {
        Body::Years { years, fans, lines } => draw_years(c, root, years, fans, lines),
        Body::Bars {
            years,
            values,
            label,
        } => draw_bars(c, root, years, values, label),
        Body::Tornado { base, bars } => draw_tornado(c, root, *base, bars),
    }
}

/// Draws the title (and the subtitle on a second, smaller line) centred at the top,
/// each in the largest size up to 22 (15) pixels that fits the width; gives the area
/// below.
fn header<DB: DrawingBackend>(
    c: &Chart,
    root: &DrawingArea<DB, Shift>,
) -> Result<DrawingArea<DB, Shift>, Fail<DB>> {
    let (w, _) = root.dim_in_pixel();
    let height = if c.subtitle.is_empty() { 40 } else { 62 };
    let (top, rest) = root.split_vertically(height);
    let mut y = 8;
    for (text, largest) in [(&c.title, 22u32), (&c.subtitle, 15)] {
        if text.is_empty() {
            continue;
        }
        let mut size = largest;
        while size > 8 {
            let style = TextStyle::from((FAMILY, size).into_font());
            let (tw, _) = top.estimate_text_size(text, &style)?;
            if tw + 24 <= w {
                break;
            }
            size -= 1;
        }
        let style =
            TextStyle::from((FAMILY, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        top.draw(&Text::new(text.to_string(), ((w / 2) as i32, y), style))?;
        y += largest as i32 + 8;
    }
    Ok(rest)
}

fn x_range(years: &[i32]) -> (f64, f64) {
    let a = *years.first().unwrap_or(&0) as f64;
    let b = *years.last().unwrap_or(&0) as f64;
    if b > a {
        (a, b)
    } else {
        (a - 0.5, a + 0.5)
    }
}

fn draw_years<DB: DrawingBackend>(
    c: &Chart,
    root: &DrawingArea<DB, Shift>,
    years: &[i32],
    fans: &[Fan],
    lines: &[Line],
) -> Result<(), Fail<DB>> {
    let values = fans
        .iter()
        .flat_map(|f| f.p5.iter().chain(&f.p95).chain(&f.median))
        .chain(lines.iter().flat_map(|l| l.values.iter()))
        .copied();
    let from_zero = !matches!(c.format, Format::Ratio);
    let (lo, hi) = range(values, from_zero);
    let (x0, x1) = x_range(years);
    let area = header(c, root)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(92)
        .build_cartesian_2d(x0..x1, lo..hi)?;
    // Money below a million on the whole chart: in whole units, not millions.
    let small = c.format == Format::Money && lo.abs().max(hi.abs()) < 1e6;
    let format = if small { Format::Plain } else { c.format };
    let y_desc = if small {
        c.y_label.replacen("million ", "", 1)
    } else {
        c.y_label.clone()
    };
    chart
        .configure_mesh()
        .x_labels(years.len().clamp(2, 12))
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_label_formatter(&|y| axis_text(format, *y, lo.abs().max(hi.abs())))
        .x_desc("year")
        .y_desc(&y_desc)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let xs: Vec<f64> = years.iter().map(|y| *y as f64).collect();
    let band = |lo: &[f64], hi: &[f64]| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(hi)
            .map(|(x, y)| (*x, *y))
            .chain(xs.iter().zip(lo).rev().map(|(x, y)| (*x, *y)))
            .collect()
    };
    for f in fans {
        let col = colour(f.colour);
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(&f.p5, &f.p95),
                col.mix(0.16).filled(),
            )))?
            .label(format!("{}: 5–95 %", f.label))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 20, y + 6)], col.mix(0.16).filled())
            });
        if let Some((p25, p75)) = &f.inner {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band(p25, p75),
                    col.mix(0.32).filled(),
                )))?
                .label(format!("{}: 25–75 %", f.label))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 20, y + 6)], col.mix(0.32).filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                xs.iter().zip(&f.median).map(|(x, y)| (*x, *y)),
                col.stroke_width(2),
            ))?
            .label(format!("{}: median", f.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
    }
    for l in lines {
        let col = if l.bold { BLACK } else { colour(l.colour) };
        let width = if l.bold { 3 } else { 2 };
        let points = xs.iter().zip(&l.values).map(|(x, y)| (*x, *y));
        let drawn = if l.dashed {
            chart.draw_series(DashedLineSeries::new(points, 8, 5, col.stroke_width(width)))?
        } else {
            chart.draw_series(LineSeries::new(points, col.stroke_width(width)))?
        };
        drawn.label(l.label.clone()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(width))
        });
        if xs.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(
                (xs[0], l.values[0]),
                4,
                col.filled(),
            )))?;
        }
    }
    let main: &[f64] = match (fans.first(), lines.first()) {
        (Some(f), _) => &f.median,
        (None, Some(l)) => &l.values,
        _ => &[],
    };
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(legend_place(main))
        .draw()?;
    Ok(())
}

/// Where the legend hides least: bottom left for a series that falls, else top left.
fn legend_place(values: &[f64]) -> SeriesLabelPosition {
    let third = (values.len() / 3).max(1);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    if values.len() >= 2 && mean(&values[values.len() - third..]) < mean(&values[..third]) {
        SeriesLabelPosition::LowerLeft
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

fn draw_bars<DB: DrawingBackend>(
    c: &Chart,
    root: &DrawingArea<DB, Shift>,
    years: &[i32],
    values: &[f64],
    label: &str,
) -> Result<(), Fail<DB>> {
    // Shares: from zero up (an empty histogram too).
    let (_, hi) = range(values.iter().copied(), true);
    let lo = 0.0;
    let (x0, x1) = x_range(years);
    let area = header(c, root)?;
    let mut chart = ChartBuilder::on(&area)
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(92)
        .build_cartesian_2d((x0 - 0.5)..(x1 + 0.5), lo..hi)?;
    let format = c.format;
    chart
        .configure_mesh()
        .x_labels(years.len().clamp(2, 12))
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_label_formatter(&|y| axis_text(format, *y, lo.abs().max(hi.abs())))
        .x_desc("year")
        .y_desc(&c.y_label)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let col = colour(1);
    chart
        .draw_series(years.iter().zip(values).map(|(y, v)| {
            let x = *y as f64;
            Rectangle::new([(x - 0.4, 0.0), (x + 0.4, *v)], col.filled())
        }))?
        .label(label.to_string())
        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], col.filled()));
    // Mass early: the legend on the right.
    let cum: Vec<f64> = values
        .iter()
        .scan(0.0, |s, v| {
            *s += v;
            Some(*s)
        })
        .collect();
    let early = cum.last().is_some_and(|t| cum[cum.len() / 2] > t / 2.0);
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(if early {
            SeriesLabelPosition::UpperRight
        } else {
            SeriesLabelPosition::UpperLeft
        })
        .draw()?;
    Ok(())
}

fn draw_tornado<DB: DrawingBackend>(
    c: &Chart,
    root: &DrawingArea<DB, Shift>,
    base: f64,
    bars: &[Bar],
) -> Result<(), Fail<DB>> {
    let values = bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .flatten()
        .chain([base]);
    let (lo, hi) = range(values, false);
    let pad = (hi - lo) * 0.25;
    let n = bars.len().max(1) as f64;
    let rest = header(c, root)?;
    let (keys, plot) = rest.split_horizontally(280);
    let mut chart = ChartBuilder::on(&plot)
        .margin(14)
        .x_label_area_size(44)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..n)?;
    let format = c.format;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_label_formatter(&|x| axis_text(format, *x, (lo - pad).abs().max((hi + pad).abs())))
        .x_desc(&c.y_label)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;
    let low_col = colour(0);
    let high_col = colour(1);
    for (i, b) in bars.iter().enumerate() {
        let y1 = n - i as f64 - 0.15;
        let y0 = n - i as f64 - 0.85;
        let ym = (y0 + y1) / 2.0;
        // The smaller end's label to its left, the larger's to its right (low first
        // when they are equal), so that they never overlap.
        let low_left = match (b.at_low, b.at_high) {
            (Some(l), Some(h)) => l <= h,
            _ => true,
        };
        for (v, label, col, left) in [
            (b.at_low, &b.low_label, low_col, low_left),
            (b.at_high, &b.high_label, high_col, !low_left),
        ] {
            let Some(v) = v else { continue };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(base.min(v), y0), (base.max(v), y1)],
                col.mix(0.75).filled(),
            )))?;
            let (anchor, x) = if left {
                (HPos::Right, v.min(base))
            } else {
                (HPos::Left, v.max(base))
            };
            let style =
                TextStyle::from((FAMILY, 13).into_font()).pos(Pos::new(anchor, VPos::Center));
            let s = format!(" {label}: {} ", crate::report::value_text(format, v));
            chart.draw_series(std::iter::once(Text::new(s, (x, ym), style)))?;
        }
        let (_, py) = chart.backend_coord(&(lo, ym));
        let (_, ky) = keys.get_base_pixel();
        let style =
            TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        keys.draw(&Text::new(b.key.clone(), (270, py - ky), style))?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(base, 0.0), (base, n)],
            BLACK.stroke_width(2),
        )))?
        .label(format!("base: {}", crate::report::value_text(format, base)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(title: &str) -> Chart {
        Chart {
            id: "fund_end".into(),
            title: title.into(),
            subtitle: String::new(),
            y_label: "million yuan".into(),
            format: Format::Money,
            body: Body::Years {
                years: vec![2006, 2007, 2008],
                fans: vec![Fan {
                    label: "Monte Carlo".into(),
                    p5: vec![1e8, 0.9e8, 0.8e8],
                    p95: vec![1e8, 1.3e8, 1.5e8],
                    inner: Some((vec![1e8, 1.0e8, 0.95e8], vec![1e8, 1.2e8, 1.3e8])),
                    median: vec![1e8, 1.1e8, 1.15e8],
                    colour: 0,
                }],
                lines: vec![Line {
                    label: "deterministic".into(),
                    values: vec![1e8, 1.1e8, 1.2e8],
                    colour: 6,
                    bold: true,
                    dashed: false,
                }],
            },
        }
    }

    #[test]
    fn svg_has_a_viewbox_and_the_escaped_title() {
        let s = svg(&chart("A & B <fund>"));
        assert!(s.contains("viewBox=\"0 0 960 520\""), "{}", &s[..200]);
        assert!(s.contains("A &amp; B &lt;fund&gt;"));
        assert!(!s.contains("<fund>"));
    }

    /// Dark pixels (every channel below 128) of a PNG in `x0..x1` × `y0..y1`.
    fn dark(bytes: &[u8], (x0, x1): (u32, u32), (y0, y1): (u32, u32)) -> usize {
        let (w, _, rgb) = decode_png(bytes).unwrap();
        (x0..x1)
            .flat_map(|x| (y0..y1).map(move |y| (x, y)))
            .filter(|(x, y)| {
                let i = ((y * w + x) * 3) as usize;
                rgb[i..i + 3].iter().all(|c| *c < 128)
            })
            .count()
    }

    #[test]
    fn png_decodes_to_the_chart_size() {
        let (w, h, rgb) = decode_png(&png(&chart("fund"))).unwrap();
        assert_eq!((w, h), SIZE);
        assert_eq!(rgb.len(), (w * h * 3) as usize);
    }

    /// The title of a Chinese scenario is drawn in PNG: dark pixels in the title band,
    /// through the shipped CJK font (no system font).
    #[test]
    fn png_draws_a_chinese_title() {
        let (w, _) = SIZE;
        // The caption is centred in the top 40 pixels.
        let band = ((w / 2 - 150, w / 2 + 150), (4, 40));
        let hanzi = png(&chart("赣州市养老保险基金"));
        let n = dark(&hanzi, band.0, band.1);
        assert!(n > 200, "only {n} dark pixels where the title is drawn");
        // Not the font's empty boxes: private-use characters (not in the font) of the
        // same count draw other pixels.
        let boxes = png(&chart(
            "\u{e000}\u{e001}\u{e002}\u{e003}\u{e004}\u{e005}\u{e006}\u{e007}\u{e008}",
        ));
        let (_, _, a) = decode_png(&hanzi).unwrap();
        let (_, _, b) = decode_png(&boxes).unwrap();
        let differ = (band.0 .0..band.0 .1)
            .flat_map(|x| (band.1 .0..band.1 .1).map(move |y| (x, y)))
            .filter(|(x, y)| {
                let i = ((y * w + x) * 3) as usize;
                a[i..i + 3] != b[i..i + 3]
            })
            .count();
        assert!(
            differ > 200,
            "the hanzi look like missing glyphs ({differ} pixels differ)"
        );
        // No title: no dark pixels there.
        assert_eq!(dark(&png(&chart("")), band.0, band.1), 0);
    }

    #[test]
    fn ranges_are_never_empty() {
        assert_eq!(range([0.0, 0.0].into_iter(), true), (-1.0, 1.0));
        let (lo, hi) = range([5.0].into_iter(), false);
        assert!(lo < 5.0 && hi > 5.0);
        assert_eq!(range(std::iter::empty(), true), (0.0, 1.0));
    }
}
