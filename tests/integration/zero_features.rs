//! MODEL.md convention 16: an optional feature switched on with a zero rate changes no
//! number. Each variant of a plain scenario must give rows bit-identical to it; and each
//! feature with a non-zero value must change them (so the comparison can fail).

use crate::common;

use common::Builder;
use fundcast::projection::Row;

/// A plain scenario using none of the optional features (but early retirement, entrants,
/// price indexation, admin costs and a subsidy, which it may always use).
fn plain() -> Builder {
    Builder::new(
        r#"
name = "plain"
base_year = 2005
horizon = 2025
max_age = 40
"#,
    )
    .set(
        "economy",
        "average_wage = 20000\nwage_growth = { mean = 0.06, phi = 0.5, sigma = 0.02, initial = 0.08 }\n\
         inflation = 0.02\nfund_return = { 2005 = 0.03, 2015 = 0.04 }",
    )
    .set(
        "mortality",
        "gompertz = { a = 0.002, b = 0.0005, c = 1.15 }\nimprovement = 0.01",
    )
    .set("wages", "relative = { 0 = 0.7, 15 = 1.0, 25 = 1.2 }")
    .set("contributions", "rate = 0.2\ncollection_rate = 0.85")
    .set("benefit", "formula = \"career\"\naccrual = 0.012")
    .set("indexation", "wage_weight = 0.3\nprice_weight = 0.5")
    .set(
        "retirement",
        "age = { male = 30, female = 27 }\nearly_rate = { 0 = 0, 26 = 0.05 }",
    )
    .set(
        "entrants",
        "count = 500\nprofile = { uniform = { from = 6, to = 15 } }",
    )
    .set(
        "population.actives",
        "total = 10000\nmale_share = 0.55\nprofile = { normal = { mean = 18, sd = 6, from = 6, to = 29 } }\n\
         service = { entry_age = 6 }",
    )
    .set(
        "population.pensioners",
        "total = 3000\nprofile = { uniform = { from = 27, to = 40 } }\npension = 8000",
    )
    .set("fund", "initial = 1e7\nadmin_rate = 0.01")
    .set("subsidy", "rule = \"keep_solvent\"")
}

fn rows(b: &Builder) -> Vec<Row> {
    fundcast::deterministic(&b.model()).0
}

/// Bit-for-bit equality (reports the first difference).
#[track_caller]
fn assert_bits(a: &[Row], b: &[Row], what: &str) {
    assert_eq!(a.len(), b.len());
    for (t, (x, y)) in a.iter().zip(b).enumerate() {
        for (k, (u, v)) in x.iter().zip(y).enumerate() {
            assert!(
                u.to_bits() == v.to_bits(),
                "{what}: year {t}, metric {}: {u} vs {v}",
                fundcast::projection::METRICS[k]
            );
        }
    }
}

/// The variants: (what, zero version, non-zero version).
fn variants() -> Vec<(&'static str, Builder, Builder)> {
    let p = plain();
    let economy = |extra: &str| {
        format!(
            "average_wage = 20000\nwage_growth = {{ mean = 0.06, phi = 0.5, sigma = 0.02, initial = 0.08 }}\n\
             inflation = 0.02\nfund_return = {{ 2005 = 0.03, 2015 = 0.04 }}\n{extra}"
        )
    };
    vec![
        (
            "exits with rate 0 (vesting share 0.5, re-entry 0.3)",
            p.clone().set(
                "exits",
                "rate = 0\nvesting_share = 0.5\nreentry_rate = 0.3",
            ),
            p.clone().set(
                "exits",
                "rate = 0.01\nvesting_share = 0.5\nreentry_rate = 0.3",
            ),
        ),
        (
            "disability with rate 0 (conversion age, d_I, m_I)",
            p.clone()
                .set("disability", "rate = 0\nconversion_age = 33")
                .set(
                    "mortality",
                    "gompertz = { a = 0.002, b = 0.0005, c = 1.15 }\nimprovement = 0.01\ndisability_multiplier = 2",
                )
                .set(
                    "benefit",
                    "formula = \"career\"\naccrual = 0.012\ndisability_factor = 0.7",
                ),
            p.clone().set("disability", "rate = 0.001\nconversion_age = 33"),
        ),
        (
            "pensioner entrants with count 0",
            p.clone().set(
                "pensioner_entrants",
                "count = 0\nprofile = { uniform = { from = 30, to = 35 } }\npension = 0.4",
            ),
            p.clone().set(
                "pensioner_entrants",
                "count = 10\nprofile = { uniform = { from = 30, to = 35 } }\npension = 0.4",
            ),
        ),
        (
            "other income 0",
            p.clone().set(
                "fund",
                "initial = 1e7\nadmin_rate = 0.01\nother_income = 0\n\
                 other_income_share_of_payouts = 0\nother_income_share_of_contributions = 0",
            ),
            p.clone().set(
                "fund",
                "initial = 1e7\nadmin_rate = 0.01\nother_income = 1",
            ),
        ),
        (
            // Entrant growth applies whenever it is defined (convention 2), so the zero
            // version is a zero mean (its σ plays no part in the deterministic path).
            "entrant growth with mean 0",
            p.clone().set(
                "economy",
                &economy(
                    "entrant_growth = { mean = 0, sigma = 0.05 }\n\
                     correlation = [[1, 0.3, 0, 0.2], [0.3, 1, 0, 0], [0, 0, 1, 0], [0.2, 0, 0, 1]]",
                ),
            ),
            p.clone()
                .set("economy", &economy("entrant_growth = 0.001")),
        ),
        (
            "vested and disabled stocks of 0",
            p.clone()
                .set(
                    "population.vested",
                    "total = 0\nprofile = { uniform = { from = 10, to = 20 } }\nservice = { entry_age = 6 }",
                )
                .set(
                    "population.disabled",
                    "total = 0\nprofile = { uniform = { from = 10, to = 20 } }\npension = 3000",
                ),
            p.clone().set(
                "population.vested",
                "total = 1\nprofile = { uniform = { from = 10, to = 20 } }\nservice = { entry_age = 6 }",
            ),
        ),
        (
            "floor, early reduction and late increase of 0",
            p.clone().set(
                "benefit",
                "formula = \"career\"\naccrual = 0.012\nfloor = 0\nearly_reduction = 0\nlate_increase = 0",
            ),
            p.clone().set(
                "benefit",
                "formula = \"career\"\naccrual = 0.012\nearly_reduction = 0.01",
            ),
        ),
        (
            "vested retirement rates with nobody vested",
            p.clone().set(
                "retirement",
                "age = { male = 30, female = 27 }\nearly_rate = { 0 = 0, 26 = 0.05 }\n\
                 vested_rate = 0.5\nvested_early_rate = 0.1",
            ),
            p.clone().set(
                "retirement",
                "age = { male = 30, female = 27 }\nearly_rate = { 0 = 0, 26 = 0.06 }",
            ),
        ),
    ]
}

#[test]
fn each_feature_with_a_zero_rate_changes_no_number() {
    let base = rows(&plain());
    for (what, zero, nonzero) in variants() {
        assert_bits(&rows(&zero), &base, what);
        assert_ne!(
            rows(&nonzero),
            base,
            "{what}: the non-zero control changed nothing"
        );
    }
}

#[test]
fn all_zero_features_together_change_no_number() {
    let base = rows(&plain());
    let mut all = plain();
    for (_, zero, _) in variants() {
        // Take every section the variant changed.
        for section in [
            "exits",
            "disability",
            "pensioner_entrants",
            "fund",
            "economy",
            "population.vested",
            "population.disabled",
            "benefit",
            "retirement",
            "mortality",
        ] {
            if let Some(body) = section_body(&zero, section) {
                if section_body(&plain(), section).as_deref() != Some(body.as_str()) {
                    all = all.set(section, &body);
                }
            }
        }
    }
    // The benefit section of two variants differ: merge them by hand.
    all = all.set(
        "benefit",
        "formula = \"career\"\naccrual = 0.012\ndisability_factor = 0.7\nfloor = 0\n\
         early_reduction = 0\nlate_increase = 0",
    );
    let text = all.text();
    for key in [
        "vesting_share",
        "conversion_age",
        "pensioner_entrants",
        "other_income",
        "entrant_growth",
        "vested_rate",
        "disability_multiplier",
        "[population.disabled]",
    ] {
        assert!(text.contains(key), "{key} missing from\n{text}");
    }
    assert_bits(&rows(&all), &base, "all zero features");
}

/// The body of `[section]` in a builder's text.
fn section_body(b: &Builder, section: &str) -> Option<String> {
    let text = b.text();
    let header = format!("\n[{section}]\n");
    let start = text.find(&header)? + header.len();
    let end = text[start..]
        .find("\n[")
        .map(|i| start + i)
        .unwrap_or(text.len());
    Some(text[start..end].trim().to_string())
}
