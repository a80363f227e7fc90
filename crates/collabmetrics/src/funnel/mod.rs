//! Funnel plots (`spec/funnel.md`): which units (providers, areas, teams) lie outside the
//! control limits of a funnel, in the two families NHS analysts compare against.
//!
//! * **PHE / Fingertips** (`family = "phe"`, R package PHEindicatormethods): proportions
//!   (normal limits at the target θ = ΣO/Σn, equal to PHE's Wilson-derived funnel), ratios
//!   (ISR, counts) and crude or directly standardised rates (PHE's exact Poisson funnels),
//!   significance labels exactly as PHE's ("High (0.001)", "Low (0.025)", "Not significant",
//!   "Not applicable for events less than 10 for dsrs"), and PHE's 100-row limits tables.
//! * **FunnelPlotR** (`family = "funnelplotr"`, Spiegelhalter 2005 with overdispersion):
//!   standardised ratios (SR: SHMI's log scale with truncation, or CQC's square root with
//!   winsorising), proportions (PR, arcsine) and ratios of counts (RC, log): transformed
//!   z-scores, winsorised or truncated; the dispersion ratio φ = Σw²/m; DerSimonian–Laird's
//!   τ²; limits widened by τ² when φ > 1; outliers against the chosen limits.
//! * **Spiegelhalter exact** (`family = "spiegelhalter_exact"`): interpolated exact binomial or
//!   Poisson limits, without overdispersion.
//!
//! [`assess`] gives one row per unit; [`limits`] the limits table for drawing. The methods
//! and every decision where the references disagree are written up in
//! `docs/methods/funnel.md`.
//!
//! # Output of [`assess`]
//!
//! `unit` (the unit column, or the row number), `numerator`, `denominator` (summed per unit;
//! PHE rates: the person-time multiplier × O / rate; SR/SHMI: rounded to 2 decimals),
//! `value` (O/n × multiplier; PHE ratios × 100 or − 1; PHE rates the published rate),
//! `target` (the centre line on the value scale), `z` and `z_adjusted` (FunnelPlotR's
//! unadjusted and winsorised z-scores, `z_adjusted` null for a truncated unit), `trimmed`,
//! `lcl95`, `ucl95`, `lcl998`, `ucl998` (the unadjusted limits at the unit's denominator),
//! `od_lcl95` … `od_ucl998` (the overdispersion-adjusted ones, with the reported τ²),
//! `outlier`, `phi`, `tau2`, `m` (units behind φ), `adjusted` (whether the adjusted limits
//! flag outliers), `method`; the PHE family adds `significance`, and PHE rates add
//! `rate_chart` and `denominator_per_year` (`calculate_funnel_points`). Columns a family does
//! not produce are null. Diagnostics count units left out (`zero_observed_sr`), rows added up
//! (`rows_added_up`) and z-scores trimmed (`truncated`, `winsorised`).

mod curve;
mod dispersion;
mod exact;
mod funnelplotr;
mod limits;
mod options;
mod phe;
mod phe_grid;
mod poisson;
mod table;
mod transform;
mod units;

pub use exact::{limits as exact_limits, Model};
pub use funnelplotr::round2;
pub use limits::outside;
pub use options::{Family, FunnelOptions, Limit, SrMethod, Statistic};
pub use phe::{
    poisson_significance, proportion_significance, HIGH_001, HIGH_025, LOW_001, LOW_025,
    NOT_APPLICABLE, NOT_SIGNIFICANT,
};
pub use phe_grid::{big_mark, grid as phe_grid, r_nchar, signif_ceiling, signif_floor};
pub use table::{assess, limits};

/// One call's per-unit results, before they become a table. NaN means null.
#[derive(Debug, Clone)]
pub(crate) struct Assessment {
    pub value: Vec<f64>,
    pub target: f64,
    pub z: Vec<f64>,
    pub z_adjusted: Vec<f64>,
    pub trimmed: Vec<Option<bool>>,
    /// Per unit: lcl95, ucl95, lcl998, ucl998.
    pub limits: Vec<[f64; 4]>,
    /// Per unit: od_lcl95, od_ucl95, od_lcl998, od_ucl998.
    pub od: Vec<[f64; 4]>,
    pub outlier: Vec<Option<bool>>,
    pub phi: f64,
    pub tau2: f64,
    pub m: Option<usize>,
    pub adjusted: bool,
    pub method: String,
    pub significance: Option<Vec<&'static str>>,
    /// PHE rates: `rate_chart` and `denominator_per_year`.
    pub chart: Option<(Vec<f64>, Vec<f64>)>,
}

impl Assessment {
    /// Every per-unit column null, φ and τ² null, not adjusted.
    pub(crate) fn new(n: usize, target: f64, method: &str) -> Self {
        let nan = || vec![f64::NAN; n];
        Assessment {
            value: nan(),
            target,
            z: nan(),
            z_adjusted: nan(),
            trimmed: vec![None; n],
            limits: vec![[f64::NAN; 4]; n],
            od: vec![[f64::NAN; 4]; n],
            outlier: vec![None; n],
            phi: f64::NAN,
            tau2: f64::NAN,
            m: None,
            adjusted: false,
            method: method.to_owned(),
            significance: None,
            chart: None,
        }
    }
}
