//! The C interface takes its option codes and defaults from the core: every `CM_*` constant
//! is the position of the core's name, every `cm_*_options_default()` converts back to the
//! core's `Default`, and the last error's fields are the core error's fields.

use super::{assert_failed, last_field, last_kind};
use crate::error::{guard, Failure};
use crate::*;
use collabmetrics::distance::{BandPreset, SummaryTableOptions};
use collabmetrics::funnel::{Family, FunnelOptions, Limit, SrMethod, Statistic};
use collabmetrics::inequality::{Favourable, MeasuresTableOptions, RciMethod, SiiModel, ValueType};
use collabmetrics::oap::{OapOptions, OverlapRule, Window};
use collabmetrics::options::OptionEnum;
use collabmetrics::stats::{IsrKind, RateMethod, StandardName};
use collabmetrics::transition::{CurveMethod, TransitionOptions};
use collabmetrics::{Error, ErrorKind};

/// Each constant is the position of its value in the core's name table.
fn codes_are_positions<T: OptionEnum + std::fmt::Debug>(pairs: &[(u32, T)], offset: u32) {
    assert_eq!(
        pairs.len(),
        T::ALL.len(),
        "a constant per {} value",
        T::WHAT
    );
    for &(constant, value) in pairs {
        assert_eq!(constant, value.index() as u32 + offset, "{value:?}");
    }
}

#[test]
fn enum_constants_are_the_core_positions() {
    codes_are_positions(
        &[
            (CM_WINDOW_MONTH, Window::Month),
            (CM_WINDOW_ROLLING_3M, Window::Rolling3m),
            (CM_WINDOW_ROLLING_12M, Window::Rolling12m),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_OVERLAP_COUNT, OverlapRule::Count),
            (CM_OVERLAP_TRUNCATE, OverlapRule::Truncate),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_BANDS_OAP, BandPreset::Oap),
            (CM_BANDS_MHSDS_MONTHLY, BandPreset::MhsdsMonthly),
        ],
        0,
    );
    assert_eq!(CM_BANDS_CUSTOM as usize, BandPreset::ALL.len());
    codes_are_positions(
        &[
            (CM_FAVOURABLE_HIGH, Favourable::High),
            (CM_FAVOURABLE_LOW, Favourable::Low),
        ],
        1,
    );
    assert_eq!(CM_FAVOURABLE_UNSET, 0);
    codes_are_positions(
        &[
            (CM_RCI_RAW, RciMethod::Raw),
            (CM_RCI_WAGSTAFF, RciMethod::Wagstaff),
            (CM_RCI_ERREYGERS, RciMethod::Erreygers),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_SII_LINEAR, SiiModel::Linear),
            (CM_SII_LOGISTIC, SiiModel::Logistic),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_VALUE_TYPE_OTHER, ValueType::Other),
            (CM_VALUE_TYPE_RATE, ValueType::Rate),
            (CM_VALUE_TYPE_PROPORTION, ValueType::Proportion),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_CURVE_KAPLAN_MEIER as u32, CurveMethod::KaplanMeier),
            (CM_CURVE_AALEN_JOHANSEN as u32, CurveMethod::AalenJohansen),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CmRateMethod::BYAR as u32, RateMethod::Byar),
            (CmRateMethod::EXACT as u32, RateMethod::Exact),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CmIsrKind::RATIO as u32, IsrKind::Ratio),
            (CmIsrKind::RATE as u32, IsrKind::Rate),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CmStandard::ESP2013 as u32, StandardName::Esp2013),
            (CmStandard::ESP2013_18 as u32, StandardName::Esp2013_18),
        ],
        0,
    );
    assert_eq!(CmStandard::CUSTOM as usize, StandardName::ALL.len());
    codes_are_positions(
        &[
            (CM_FUNNEL_SR_SHMI, SrMethod::Shmi),
            (CM_FUNNEL_SR_CQC, SrMethod::Cqc),
        ],
        0,
    );
    codes_are_positions(
        &[
            (CM_FUNNEL_LIMIT_95, Limit::L95),
            (CM_FUNNEL_LIMIT_99, Limit::L99),
        ],
        0,
    );
    // Options that may be unset: 0, or 1 + the position.
    codes_are_positions(
        &[
            (CM_FUNNEL_STATISTIC_PROPORTION, Statistic::Proportion),
            (CM_FUNNEL_STATISTIC_RATIO_ISR, Statistic::RatioIsr),
            (CM_FUNNEL_STATISTIC_RATIO_COUNT, Statistic::RatioCount),
            (CM_FUNNEL_STATISTIC_RATE_CRUDE, Statistic::RateCrude),
            (CM_FUNNEL_STATISTIC_RATE_DSR, Statistic::RateDsr),
            (CM_FUNNEL_STATISTIC_SR, Statistic::Sr),
            (CM_FUNNEL_STATISTIC_PR, Statistic::Pr),
            (CM_FUNNEL_STATISTIC_RC, Statistic::Rc),
        ],
        1,
    );
    codes_are_positions(
        &[
            (CM_FUNNEL_FAMILY_PHE, Family::Phe),
            (CM_FUNNEL_FAMILY_FUNNELPLOTR, Family::Funnelplotr),
            (
                CM_FUNNEL_FAMILY_SPIEGELHALTER_EXACT,
                Family::SpiegelhalterExact,
            ),
        ],
        1,
    );
    assert_eq!((CM_FUNNEL_STATISTIC_NONE, CM_FUNNEL_FAMILY_DEFAULT), (0, 0));
}

#[test]
fn every_options_default_is_the_core_default() {
    let (start, end) = (19_723, 19_813);
    // SAFETY: the defaults hold NULL arrays of length 0 only.
    unsafe {
        assert_eq!(
            crate::oap::convert(&cm_oap_options_default(start, end)).unwrap(),
            OapOptions::new(start, end)
        );
        assert_eq!(
            crate::distance_table::convert(&cm_distance_summary_options_default()).unwrap(),
            SummaryTableOptions::default()
        );
        assert_eq!(
            crate::inequality::convert(&cm_inequality_options_default()).unwrap(),
            MeasuresTableOptions::default()
        );
        assert_eq!(
            crate::transition::convert(&cm_transition_options_default(end)).unwrap(),
            TransitionOptions::new(end)
        );
        assert_eq!(
            crate::funnel::convert(&cm_funnel_options_default()).unwrap(),
            FunnelOptions::default()
        );
    }
}

#[test]
fn every_kind_has_its_status_and_the_same_number() {
    for kind in ErrorKind::ALL {
        assert_eq!(CmStatus::from(kind) as i32, kind.code(), "{kind}");
    }
    assert_eq!(CmStatus::LIMIT_EXCEEDED as i32, 8);
    assert_eq!(CmStatus::CANCELLED as i32, 9);
    assert_eq!(CmStatus::from(ErrorKind::Internal), CmStatus::PANIC);
}

#[test]
fn the_last_error_fields_are_the_core_fields() {
    // A real call: a zero denominator at index 1 of a vector argument.
    let (o, n) = ([1.0, 2.0], [10.0, 0.0]);
    let mut out = [[0.0; 2]; 3];
    let [v, l, u] = &mut out;
    // SAFETY: every pointer addresses two elements.
    let status = unsafe {
        cm_proportion(
            o.as_ptr(),
            n.as_ptr(),
            2,
            0.95,
            1.0,
            v.as_mut_ptr(),
            l.as_mut_ptr(),
            u.as_mut_ptr(),
        )
    };
    assert_failed(status, CmStatus::INVALID_VALUE, &["denominator"]);
    assert_eq!(last_kind(), "invalid_value");
    assert_eq!(last_field(cm_last_error_table()), None);
    assert_eq!(
        last_field(cm_last_error_column()),
        Some("denominator".into())
    );
    assert_eq!(
        last_field(cm_last_error_argument()),
        Some("denominator".into())
    );
    assert_eq!(cm_last_error_row(), 1);
    assert_eq!(last_field(cm_last_error_value()), Some("0".into()));
    assert_eq!(last_field(cm_last_error_group()), None);
    assert_eq!(
        last_field(cm_last_error_rule()),
        Some("denominators must be finite and > 0 (n = 0 has no proportion)".into())
    );

    // A cell of one of several tables.
    let e = Error::cell("contact_date", 41, "2001-01-01", "before birth").in_table("contacts");
    let status = guard(|| Err(Failure::Core(e)));
    assert_failed(status, CmStatus::INVALID_CELL, &["contacts.contact_date"]);
    assert_eq!(last_kind(), "invalid_cell");
    assert_eq!(last_field(cm_last_error_table()), Some("contacts".into()));
    assert_eq!(
        last_field(cm_last_error_column()),
        Some("contact_date".into())
    );
    assert_eq!(last_field(cm_last_error_argument()), None);
    assert_eq!(cm_last_error_row(), 41);
    assert_eq!(last_field(cm_last_error_value()), Some("2001-01-01".into()));
    assert_eq!(
        last_field(cm_last_error_rule()),
        Some("before birth".into())
    );

    // A group, a limit, a cancellation.
    let status = guard(|| Err(Failure::Core(Error::group_error("area=E1", "no rows"))));
    assert_failed(status, CmStatus::INVALID_GROUP, &["area=E1"]);
    assert_eq!(last_field(cm_last_error_group()), Some("area=E1".into()));
    assert_eq!(cm_last_error_row(), -1);
    let status = guard(|| Err(Failure::Core(Error::limit("reps", "at most 10^7"))));
    assert_failed(status, CmStatus::LIMIT_EXCEEDED, &["reps"]);
    assert_eq!(last_kind(), "limit_exceeded");
    assert_eq!(last_field(cm_last_error_argument()), Some("reps".into()));
    let cancelled = Error::Cancelled {
        message: "by the caller".into(),
    };
    let status = guard(|| Err(Failure::Core(cancelled)));
    assert_failed(status, CmStatus::CANCELLED, &["cancelled"]);
    assert_eq!(last_kind(), "cancelled");
    assert_eq!(last_field(cm_last_error_rule()), None);

    // The interface's own failures.
    let status = guard(|| Err(Failure::null("out")));
    assert_failed(status, CmStatus::NULL_POINTER, &["out"]);
    assert_eq!(last_kind(), "null_pointer");
    assert_eq!(last_field(cm_last_error_argument()), Some("out".into()));

    // A caught panic: kind "internal", no rule.
    let status = guard(|| panic!("a test panic"));
    assert_failed(status, CmStatus::PANIC, &["internal error", "a test panic"]);
    assert_eq!(last_kind(), "internal");
    assert_eq!(last_field(cm_last_error_rule()), None);

    // Success clears every field.
    cm_clear_error();
    assert_eq!(last_kind(), "");
    assert_eq!(last_field(cm_last_error_column()), None);
    assert_eq!(cm_last_error_row(), -1);
}

#[test]
fn an_unknown_code_names_the_option_and_lists_the_codes() {
    let mut o = cm_oap_options_default(19_723, 19_813);
    o.window = 7;
    // SAFETY: the options hold NULL arrays of length 0 only.
    let e = unsafe { crate::oap::convert(&o) }.unwrap_err();
    let status = guard(|| Err(e));
    assert_failed(
        status,
        CmStatus::INVALID_ARGUMENT,
        &[
            "`window`",
            "unknown window 7",
            "0 (month), 1 (rolling_3m), 2 (rolling_12m)",
        ],
    );
    assert_eq!(last_field(cm_last_error_argument()), Some("window".into()));
}
