//! Summary measures of inequality across population groups (grouped) and individuals.
//!
//! Method, formulas and references: `docs/methods/inequality.md`. Two kinds of input:
//!
//! * **grouped**: a table of [`Subgroup`]s (label, estimate, standard error or limits,
//!   population, order on ordered dimensions with 1 = most disadvantaged);
//! * **individual**: one value per person or area, with optional weights.
//!
//! # Grouped: slope and relative index of inequality ([`sii()`])
//!
//! PHEindicatormethods' `phe_sii` (Low & Low 2004, *J Public Health* 26:388–395), reproduced
//! to its own test vectors. Subgroups are sorted by order, with shares a_j = N_j / Σ N and
//! ridits X_j = Σ_{k<j} a_k + a_j/2. The line t = β0 + β1 X is fitted by weighted least squares
//! with weights a_j (PHE: `lm(value·√a ~ √a + X·√a − 1)`, the same estimator), where t is the
//! value, or with `transform` its log (rates) or logit (proportions). Then
//! fitted(0) = β0, fitted(1) = β0 + β1 (back-transformed under `transform`), and
//!
//! * SII = multiplier × (fitted(1) − fitted(0));
//! * RII = fitted(1) / fitted(0) = (intercept + SII)/intercept, inverted for a negative
//!   multiplier (PHE: the polarity is reversed);
//! * `intercept` = fitted(0), on the value scale and not multiplied;
//! * `rii_mean` = sign(multiplier) × (fitted(1) − fitted(0)) / μ, μ = Σ a_j y_j, the
//!   Kunst–Mackenbach form, named apart from the RII.
//!
//! Limits by PHE's simulation: each subgroup's SE is `se` if given, else
//! (g(U) − g(L)) / (2 z), g = identity / ln / logit by `value_type`, z the normal quantile of
//! `limits_confidence` (PHE hard-codes 95 %); a given `se` is taken to be on g's scale, as PHE
//! does. Each of `reps` repetitions draws g(y_j) + se_j · N(0, 1) for every subgroup and refits:
//!
//! * without `transform`: the draws are back-transformed (g⁻¹) and the replicate's SII and RII
//!   are those of the refitted line; the limits are the replicates' percentiles;
//! * with `transform`: the replicate keeps only its slope b on g's scale; the slope's
//!   percentiles b_lo, b_hi are back-transformed by pivoting on the point fit's middle,
//!   mid = β0 + β1/2: SII limit = m · (g⁻¹(mid + b/2) − g⁻¹(mid − b/2)), RII limit =
//!   g⁻¹(mid + b/2) / g⁻¹(mid − b/2) (PHEindicatormethods 1.4+, `SII_function.R`), swapped and
//!   inverted for a negative multiplier. PHE reports this branch's intercept × |multiplier|;
//!   so do we.
//!
//! Percentiles are PHE's order statistics: the round(reps·α/2)-th and round(reps·(1 − α/2))-th
//! sorted replicates (1-based, R's round half to even), found by selection (O(reps)). All
//! confidence levels are read from the same replicates.
//!
//! Choices where PHE is silent: reps < 100 is an error (PHE requires 1000; we allow
//! 100..999 for quick looks) and `reps = 0` skips the simulation; at least three subgroups
//! ("more than two"); PHE's 5–100 quantile rule is not enforced. PHE's rate branch swaps
//! the limits for any multiplier below 1 (`multiplier < 1`, so 0 < m < 1 gives lower > upper);
//! we swap only for negative multipliers, as its proportion branch does. The generator is our own
//! (xoshiro256**, ziggurat normals), so simulated limits agree with PHE's within Monte Carlo error,
//! not to the digit; [`sii_batch`] gives table i stream i of the seed. Inside one table the
//! repetitions run in parallel blocks of 4 096: block k draws from the table's stream advanced
//! by k · 2¹²⁸ draws (xoshiro's jump), subgroup by subgroup, so results do not depend on the
//! number of threads either. Cost: each repetition is J normal draws (ziggurat), J
//! back-transforms (a vectorised eᵗ within 2 ulps) and two weighted sums, run as vector loops
//! over a block's repetitions; percentiles are found by selection. Measured (release, 2
//! cores): one decile rate SII with 100 000 repetitions in 2.0 ms (4.4 ms on one thread);
//! 1 000 of them (`sii_batch`) in 1.9 s.
//!
//! # Grouped: the HEAT set ([`heat_measure`], [`heat_measures`])
//!
//! WHO's Health Equity Assessment Toolkit (R package `healthequal`), with the
//! definitions. Subgroups j with estimate y_j, SE se_j, population N_j, share p_j,
//! μ = Σ p_j y_j (or `setting_average`), ridit X_j on ordered dimensions, `scale` given or
//! inferred ([`infer_scale`]: the smallest of 1, 100, 10³ … 10⁶ that is ≥ max y), z the normal
//! quantile of `confidence`.
//!
//! | code | value | interval |
//! |---|---|---|
//! | D | y_hi − y_lo | analytic, SE = √(se_hi² + se_lo²) |
//! | R | y_hi / y_lo | analytic on the log scale, SE(ln R) = √(se_hi² + R² se_lo²)/(y_lo R) |
//! | SII, RII | [`SiiModel::Linear`] (default): PHE's, as above; [`SiiModel::Logistic`]: HEAT's binomial GLM logit π = b0 + b1 X on counts round(y/scale·⌈N⌉) of ⌈N⌉ with prior weights ⌈N⌉ (effective ⌈N⌉²), SII = scale (expit(b0 + b1) − expit(b0)), RII = expit(b0 + b1)/expit(b0) | linear: PHE's simulation; logistic: delta method with the HC1 sandwich V = J/(J − 2) B⁻¹MB⁻¹ (SII's SE × scale; RII's on the log scale) |
//! | RII_MEAN | linear SII / μ (Kunst–Mackenbach) | none |
//! | ACI | Σ p_j (2X_j − 1) y_j | analytic: OLS slope SE of 2σ²y_j√N_j on [X_j√N_j, √N_j], σ² = Σ p_j (X_j − ½)², df J − 2 |
//! | RCI | ACI/μ; Wagstaff ÷ (1 − μ/scale); Erreygers × 4μ/scale | as ACI with y/μ, times the same factor |
//! | BGV | Σ p_j (y_j − μ)² | analytic (Ahn et al. 2018) |
//! | BGSD, COV | √BGV, 100 √BGV / μ | simulation |
//! | MDMU, MDMW | (1/J) Σ \|y_j − μ\|, Σ p_j \|y_j − μ\| | simulation |
//! | MDBU, MDBW | as MDM around the best y (max for favourable high, min for low; re-chosen per replicate) | simulation |
//! | MDRU, MDRW | as MDM around the `reference` subgroup | simulation |
//! | IDISU, IDISW | 100 MDMU/μ, 100 MDMW/μ | simulation |
//! | TI | 1000 Σ p_j r_j ln r_j, r_j = y_j/μ (y = 0 counts as 10⁻⁶) | analytic, delta method, SE × 1000 |
//! | MLD | 1000 Σ p_j (−ln r_j) | analytic, SE × 1000 |
//! | PAR | y_ref − μ, 0 when it points the favourable way | analytic (Walter): SE = μ·s |
//! | PAF | 100 PAR/μ | analytic: SE = 100·s |
//!
//! Pairs for D and R: ordered → most advantaged vs most disadvantaged (favourable high: hi =
//! most advantaged; low: hi = most disadvantaged); non-ordered → max vs min (first on ties), or
//! with a `reference` (high: reference vs min of the others; low: max of the others vs
//! reference). PAF/PAR's reference: `reference` if given, else the most advantaged (ordered) or
//! the best subgroup (non-ordered). Analytic intervals are value ∓ z·SE (R and RII: on the log
//! scale). Simulation intervals draw each y_j from Normal(y_j, se_j) truncated to [0, ∞) (to
//! [0, 100] when scale = 100) by redrawing, keep populations fixed, recompute μ, and take R's
//! type-7 percentiles of `reps` replicates (default 100 000; HEAT uses 100); without every
//! se_j such a measure has no interval (`method = "none"`), not an error.
//!
//! Deliberate differences from `healthequal`: the SEs of TI and MLD (× 1000) and PAF (× 100)
//! are scaled with their estimates (HEAT leaves them unscaled, making its intervals 1000× and
//! 100× too narrow), and the logistic SII's SE is reported × scale (HEAT reports it on the 0–1
//! scale while its interval uses the scaled one). On a non-ordered dimension up to 15 % of the
//! subgroups may lack a population when a `setting_average` is given (they weigh nothing in
//! the weighted measures); otherwise every population is required. `setting_average` replaces
//! μ where given. Measures need more than two
//! subgroups except D, R, PAF and PAR (two suffice). A measure that does not apply to the
//! dimension is an error naming it when asked for, and skipped by [`heat_measures`] with
//! `None`.
//!
//! # Table entry point ([`measures_table`])
//!
//! One row per (by-group, measure) with `measure`, `value`, `lower`, `upper`, `confidence`,
//! `method`, after the `by` columns; subgroup columns `subgroup`, `value`, `se`, `lower`,
//! `upper`, `population`, `order` (mapped to the caller's names by the input's column map).
//!
//! # Individual measures ([`individual`])
//!
//! For values y_i ≥ 0 with weights w_i (default 1) and ȳ = Σ w y / Σ w:
//!
//! * [`gini`]: Σ_i Σ_j w_i w_j |y_i − y_j| / (2 (Σ w)² ȳ) (PySAL's and `ineq`'s n² form;
//!   `corrected` multiplies by n/(n − 1) for unit weights), computed as 1 − Σ_i (w_i/W)
//!   (L_{i−1} + L_i) over the sorted values (O(n log n)); the [`Lorenz`] points are
//!   (cumulative population share, cumulative value share) from (0, 0) to (1, 1).
//! * [`theil`] T = Σ w (y/ȳ) ln(y/ȳ) / Σ w (0 · ln 0 = 0); [`mld`] = Σ w ln(ȳ/y) / Σ w.
//! * [`generalized_entropy`] GE(α) = (Σ w ((y/ȳ)^α − 1) / Σ w) / (α(α − 1)), GE(0) = MLD,
//!   GE(1) = T.
//! * [`atkinson`](ε ≥ 0) = 1 − EDE/ȳ, EDE = (Σ w y^(1−ε) / Σ w)^(1/(1−ε)), the geometric mean
//!   for ε = 1 (PySAL `inequality.atkinson`).
//! * [`share_ratio`]: (1 − L(1 − s)) / L(s) on the Lorenz curve (linear between points):
//!   s = 0.2 the 80/20 ratio, s = 0.1 the 90/10. With unit weights and n a multiple of 1/s this
//!   is the sum of the top n·s values over the bottom n·s.
//! * [`decompose`] GE(α) over a group column: within = Σ_g q_g^(1−α) s_g^α GE_g (q_g population
//!   share, s_g value share; Σ s_g T_g for Theil, Σ q_g MLD_g for MLD), between = GE(α) of the
//!   group means weighted by group populations (Σ s_g ln(ȳ_g/ȳ) for Theil, PySAL's `TheilD`;
//!   Σ q_g ln(ȳ/ȳ_g) for MLD). Within + between = total exactly for α ∈ {0, 1}.
//! * [`concentration_index`]: C = 2 cov_w(h, R) / h̄, R the weighted fractional rank of the
//!   ranking variable (ties share their mean rank); Wagstaff C/(1 − h̄) for h in [0, 1];
//!   Erreygers 4 h̄ C/(b − a) for h in [a, b].
//!
//! [`bootstrap()`] gives percentile intervals for any of them ([`IndividualMeasure`]): `reps`
//! resamples of the units with replacement (weights travel with their values), R's type-7
//! percentiles; resample r draws from stream r of the seed (thread-count independent).
//!
//! Zero values are allowed for Gini, Theil T and GE(α > 0); MLD, GE(α ≤ 0) and Atkinson(ε ≥ 1)
//! need values > 0 and name the first offender. Negative values are always an error.
//!
//! # Errors
//!
//! Fewer subgroups than a measure needs, a duplicate label, a missing or non-positive
//! population, a missing order on an ordered dimension, an order given twice, a value outside
//! its scale (e.g. a proportion outside (0, 1) for a logit draw) are [`crate::Error`]s naming
//! the subgroup ([`crate::Error::InvalidGroup`]) or the argument.

pub mod bootstrap;
pub(crate) mod fastlog;
pub mod grouped;
pub mod heat;
pub mod individual;
mod logistic;
mod replicates;
pub(crate) mod rng;
pub mod sii;
mod sorted;
mod state;
pub mod table;

pub use bootstrap::{
    bootstrap, BootstrapOptions, BootstrapResult, IndexName, IndividualMeasure, IndividualOptions,
};
pub use grouped::{Favourable, Subgroup};
pub use heat::{
    heat_measure, heat_measures, infer_scale, HeatOptions, Measure, MeasureResult, RciMethod,
    SiiModel, DEFAULT_SEED,
};
pub use individual::{
    atkinson, concentration_index, decompose, decompose_column, generalized_entropy, gini,
    gini_index, lorenz_at, mld, share_ratio, theil, AtkinsonResult, ConcentrationCorrection,
    Decomposition, GiniResult, Lorenz,
};
pub use sii::{sii, sii_batch, SiiLimits, SiiOptions, SiiResult, ValueType};
pub use state::{
    individual_finalize, individual_state, individual_state_schema, individual_table,
    IndividualTableOptions,
};
pub use table::{measures_table, CountKind, Counts, MeasuresTableOptions};
