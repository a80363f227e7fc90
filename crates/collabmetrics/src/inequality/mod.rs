//! Summary measures of inequality across population groups (grouped) and individuals.
//!
//! Specification: `shared/spec/inequality.md`. Two kinds of input:
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
//! does. Each of `reps` repetitions draws g(y_j) + se_j · N(0, 1) for every subgroup,
//! back-transforms (unless `transform`), refits and recomputes SII and RII. The limits are the
//! round(reps·α/2)-th and round(reps·(1 − α/2))-th sorted replicates (1-based, R's round half
//! to even), as PHE takes them. All confidence levels are read from the same replicates.
//!
//! Choices where PHE or the spec is silent: reps < 100 is an error (PHE requires 1000; we allow
//! 100..999 for quick looks) and `reps = 0` skips the simulation; at least three subgroups
//! (spec: "more than two"); PHE's 5–100 quantile rule is not enforced. The generator is our own
//! (xoshiro256**, Box–Muller), so simulated limits agree with PHE's within Monte Carlo error,
//! not to the digit; [`sii_batch`] gives table i stream i of the seed, so results do not depend
//! on the number of threads.
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
//! Zero values are allowed for Gini, Theil T and GE(α > 0); MLD, GE(α ≤ 0) and Atkinson(ε ≥ 1)
//! need values > 0 and name the first offender. Negative values are always an error.
//!
//! # Errors
//!
//! Fewer subgroups than a measure needs, a duplicate label, a missing or non-positive
//! population, a missing order on an ordered dimension, an order given twice, a value outside
//! its scale (e.g. a proportion outside (0, 1) for a logit draw) are [`crate::Error`]s naming
//! the subgroup ([`crate::Error::InvalidGroup`]) or the argument.

pub mod grouped;
pub mod individual;
pub(crate) mod rng;
pub mod sii;

pub use grouped::{Favourable, Subgroup};
pub use individual::{
    atkinson, concentration_index, decompose, generalized_entropy, gini, lorenz_at, mld,
    share_ratio, theil, AtkinsonResult, ConcentrationCorrection, Decomposition, GiniResult,
    Lorenz,
};
pub use sii::{sii, sii_batch, SiiLimits, SiiOptions, SiiResult, ValueType};
