/*
 * C tests of the SPC functions (cm_spc_xmr, cm_spc_summary, cm_spc_options_default): input
 * tables produced by hand as Arrow C streams (no Arrow library), results read back through
 * the output streams, and the ownership rules: every input stream is released by the call, on
 * success and on failure; the outputs, and the schemas and arrays taken from them, are the
 * caller's to release.
 *
 * The values are NHSRplotthedots' (tests/reference/spc/):
 *   "north": the package's deviations vignette, 1 2 1 2 10 1 2 1 2 1 2 1 2 1 2 1 2 1 monthly
 *            from January 2024. Screened limits -0.715556 .. 4.604444 (mean 1.944444), point 5
 *            "Above UCL"; unscreened (Making Data Count) UPL 6.951503.
 *   "south": the reference case rebase_target, 24 months rebased at the 13th, improvement
 *            decrease, target 26: second segment mean 20.25, UPL 25.32818, consistent_pass.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"
#include "consumer.h"
#include "producer.h"

/* The first day of month k after January 2024. */
static int32_t month(int k) {
    return days(2024 + k / 12, k % 12 + 1, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* The scenario. */

static const double NORTH[18] = {1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1};
static const double SOUTH[24] = {30, 32, 29, 31, 30, 33, 28, 31, 30, 32, 29, 31,
                                 20, 21, 19, 22, 20, 18, 21, 20, 19, 22, 20, 21};

/* "north" alone (date, value). */
static struct table north(void) {
    struct table t = {.rows = 18, .columns = 2};
    t.column[0] = (struct column){.name = "date", .kind = DATE32};
    t.column[1] = (struct column){.name = "value", .kind = FLOAT64};
    for (int i = 0; i < 18; i++) {
        t.column[0].date[i] = month(i);
        t.column[1].real[i] = NORTH[i];
    }
    return t;
}

/* Both places, "south" first (date, value, place). */
static struct table both(void) {
    struct table t = {.rows = 42, .columns = 3};
    t.column[0] = (struct column){.name = "date", .kind = DATE32};
    t.column[1] = (struct column){.name = "value", .kind = FLOAT64};
    t.column[2] = (struct column){.name = "place", .kind = UTF8};
    for (int i = 0; i < 24; i++) {
        t.column[0].date[i] = month(i);
        t.column[1].real[i] = SOUTH[i];
        t.column[2].text[i] = "south";
    }
    for (int i = 0; i < 18; i++) {
        t.column[0].date[24 + i] = month(i);
        t.column[1].real[24 + i] = NORTH[i];
        t.column[2].text[24 + i] = "north";
    }
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* The consumer: the single batch of an output stream, kept with its schema. */

struct result {
    struct ArrowSchema schema;
    struct ArrowArray batch;
    int64_t rows;
};

/* Reads `out` (one batch, then the end) into `r` and releases the stream. */
static bool read_result(struct ArrowArrayStream *out, struct result *r) {
    memset(r, 0, sizeof *r);
    if (!CHECK(out->release != NULL && out->get_schema(out, &r->schema) == 0)) return false;
    bool ok = CHECK(out->get_next(out, &r->batch) == 0 && r->batch.release != NULL);
    if (ok) {
        struct ArrowArray end;
        ok = CHECK(out->get_next(out, &end) == 0 && end.release == NULL);
        r->rows = r->batch.length;
    }
    out->release(out);
    CHECK(out->release == NULL);
    return ok;
}

static void free_result(struct result *r) {
    if (r->batch.release != NULL) r->batch.release(&r->batch);
    if (r->schema.release != NULL) r->schema.release(&r->schema);
}

/* The cells of the column named `name`, of format `format`: -1 (or false) after a failed
 * check. */
static double f64_at(const struct result *r, const char *name, int64_t i) {
    int c = column_index(&r->schema, name, "g", true);
    return c < 0 ? NAN : cell_f64(&r->batch, c, i); /* NAN where null */
}

static int64_t i64_at(const struct result *r, const char *name, int64_t i) {
    int c = column_index(&r->schema, name, "l", true);
    return c < 0 ? -1 : cell_i64(&r->batch, c, i);
}

static bool bool_at(const struct result *r, const char *name, int64_t i) {
    int c = column_index(&r->schema, name, "b", true);
    return c >= 0 && cell_bool(&r->batch, c, i) == 1;
}

/* Whether the utf8 cell equals `expected` (NULL: the cell is null). */
static bool text_is(const struct result *r, const char *name, int64_t i, const char *expected) {
    int c = column_index(&r->schema, name, "u", true);
    return c >= 0 && cell_text_is(&r->batch, c, i, expected);
}

/* Runs `f` on `t` with `o`; the input must be released whatever happens. */
typedef CmStatus (*entry)(struct ArrowArrayStream *, const CmSpcOptions *,
                          struct ArrowArrayStream *);

static CmStatus run(entry f, struct table t, const CmSpcOptions *o,
                    struct ArrowArrayStream *out) {
    struct ArrowArrayStream in = stream_of(&t);
    CmStatus status = f(&in, o, out);
    CHECK(in.release == NULL); /* moved into the call and released */
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests. */

static void test_defaults(void) {
    CmSpcOptions o = cm_spc_options_default();
    CHECK(o.improvement == CM_SPC_IMPROVEMENT_INCREASE);
    CHECK(o.rules == CM_SPC_RULES_NHSRPLOTTHEDOTS);
    /* No override; the value fields show the default preset's settings. */
    CHECK(!o.has_screen_outliers && !o.has_shift_length && !o.has_trend_length);
    CHECK(!o.has_two_in_three_includes_outside && !o.has_ties && !o.has_on_mean);
    CHECK(o.screen_outliers && !o.two_in_three_includes_outside);
    CHECK(o.warning_threshold == 13 && o.shift_length == 7 && o.trend_length == 7);
    CHECK(o.ties == CM_SPC_TIES_BREAK && o.on_mean == CM_SPC_ON_MEAN_BREAK);
    CHECK(!o.has_fix_after_n_points && !o.has_target);
    CHECK(o.by == NULL && o.by_len == 0 && o.rebase_dates_len == 0 && o.rebase_series_len == 0);
    CHECK(o.target_series_len == 0 && o.trajectory == NULL && o.column_names == NULL);
    CHECK(CM_SPC_IMPROVEMENT_DECREASE == 1 && CM_SPC_IMPROVEMENT_NEUTRAL == 2);
    CHECK(CM_SPC_RULES_MDC_2023 == 1 && CM_SPC_TIES_SKIP == 1 && CM_SPC_ON_MEAN_SKIP == 1);

    /* An unknown preset is an error naming the option and the codes. */
    o.rules = 7;
    struct ArrowArrayStream out = {0};
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("invalid argument `rules`: unknown rule preset 7");
    CHECK_MESSAGE("CM_SPC_RULES_* constant: 0 (nhsrplotthedots), 1 (mdc_2023)");
    CHECK(out.release == NULL && nothing_live());
}

static void test_points(void) {
    CmSpcOptions o = cm_spc_options_default();
    struct ArrowArrayStream out = {0};
    struct result r;
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
    if (read_result(&out, &r)) {
        CHECK(r.rows == 18);
        CHECK(metadata_has(r.schema.metadata, "collabmetrics:diagnostics"));
        CHECK_CLOSE(f64_at(&r, "mean", 0), 1.944444444, 1e-8);
        CHECK_CLOSE(f64_at(&r, "upl", 0), 4.604444444, 1e-8);
        CHECK_CLOSE(f64_at(&r, "lpl", 17), -0.7155555556, 1e-8);
        CHECK(bool_at(&r, "outside_limits", 4) && !bool_at(&r, "outside_limits", 3));
        CHECK(bool_at(&r, "special_cause_flag", 4));
        CHECK(text_is(&r, "special_cause_type", 4, "Above UCL"));
        CHECK(text_is(&r, "special_cause_type", 5, "Common Cause"));
        CHECK(text_is(&r, "point_type", 4, "special_cause_improvement"));
        CHECK(i64_at(&r, "segment", 17) == 0);
        CHECK(isnan(f64_at(&r, "target", 0))); /* null: no target */
    }
    free_result(&r);

    /* Making Data Count does not screen the moving ranges into and out of the 10. */
    o.rules = CM_SPC_RULES_MDC_2023;
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_OK);
    if (read_result(&out, &r)) CHECK_CLOSE(f64_at(&r, "upl", 0), 6.951503, 1e-6);
    free_result(&r);
    /* ... unless screening is switched back on over the preset. */
    o.has_screen_outliers = true;
    o.screen_outliers = true;
    CHECK_STATUS(run(cm_spc_summary, north(), &o, &out), CM_OK);
    if (read_result(&out, &r)) {
        CHECK_CLOSE(f64_at(&r, "upl", 0), 4.604444444, 1e-8);
        CHECK(text_is(&r, "method", 0, "custom"));
    }
    free_result(&r);
    CHECK(nothing_live());
}

static void test_summary_per_series(void) {
    /* "south" rebased at its 13th month with target 26 (per series); improvement decrease. */
    const char *by[] = {"place"};
    const char *south[] = {"south"};
    const int32_t rebase[] = {month(12)};
    const double target[] = {26.0};
    CmSpcOptions o = cm_spc_options_default();
    o.by = by;
    o.by_len = 1;
    o.improvement = CM_SPC_IMPROVEMENT_DECREASE;
    o.rebase_series = south;
    o.rebase_series_dates = rebase;
    o.rebase_series_len = 1;
    o.target_series = south;
    o.target_series_values = target;
    o.target_series_len = 1;
    struct ArrowArrayStream out = {0};
    struct result r;
    CHECK_STATUS(run(cm_spc_summary, both(), &o, &out), CM_OK);
    if (read_result(&out, &r)) {
        /* Series sorted by place: north, then south's two segments. */
        CHECK(r.rows == 3);
        CHECK(text_is(&r, "place", 0, "north") && text_is(&r, "place", 2, "south"));
        CHECK(i64_at(&r, "n", 0) == 18 && i64_at(&r, "n", 1) == 12 && i64_at(&r, "n", 2) == 12);
        CHECK(i64_at(&r, "segment", 2) == 1);
        CHECK_CLOSE(f64_at(&r, "mean", 2), 20.25, 1e-12);
        CHECK_CLOSE(f64_at(&r, "upl", 2), 25.32818182, 1e-8);
        CHECK_CLOSE(f64_at(&r, "lpl", 1), 23.97090909, 1e-8);
        CHECK(isnan(f64_at(&r, "target", 0)) && f64_at(&r, "target", 2) == 26.0);
        CHECK(text_is(&r, "assurance", 0, NULL) && text_is(&r, "assurance", 1, NULL));
        CHECK(text_is(&r, "assurance", 2, "consistent_pass"));
        CHECK(bool_at(&r, "latest", 0) && !bool_at(&r, "latest", 1) && bool_at(&r, "latest", 2));
        CHECK(bool_at(&r, "short_group_warning", 1) && !bool_at(&r, "short_group_warning", 0));
        /* north's last point is common cause; with decrease better the 10 was a concern. */
        CHECK(text_is(&r, "variation", 0, "common_cause"));
        CHECK(i64_at(&r, "special_cause_concern", 0) == 1);
        CHECK(text_is(&r, "method", 0, "nhsrplotthedots"));
    }
    free_result(&r);
    CHECK(nothing_live());
}

static void test_bad_input(void) {
    CmSpcOptions o = cm_spc_options_default();
    struct ArrowArrayStream out = {0};
    const char *by[] = {"place"};

    /* A NaN value: an error naming the column and the row. */
    struct table t = north();
    t.column[1].real[2] = NAN;
    CHECK_STATUS(run(cm_spc_xmr, t, &o, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("invalid value in column `value` at row 2 (NaN)");
    CHECK(out.release == NULL && nothing_live());

    /* A null value. */
    t = north();
    t.column[1].null[9] = true;
    CHECK_STATUS(run(cm_spc_summary, t, &o, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("`value` at row 9 (null)");
    CHECK(out.release == NULL && nothing_live());

    /* Text that is not UTF-8 (a producer's fault): an error naming the column and the row,
     * never read as text (a debug build aborted). The message shows the bytes lossily. */
    t = both();
    t.column[2].text[5] = "nor\xffth";
    CHECK_STATUS(run(cm_spc_xmr, t, &o, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("invalid value in column `input.place` at row 5 (nor\xef\xbf\xbdth)");
    CHECK_MESSAGE("not valid UTF-8");
    CHECK(out.release == NULL && nothing_live());

    /* A null count without its validity buffer (a producer's fault): refused, not read as
     * values. */
    t = north();
    t.column[1].null[3] = true;
    t.column[1].no_validity = true;
    CHECK_STATUS(run(cm_spc_xmr, t, &o, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("column `value` has a null count of 1 but no validity buffer");
    CHECK(out.release == NULL && nothing_live());

    /* A date twice within one series (the same date in two series is fine). */
    o.by = by;
    o.by_len = 1;
    t = both();
    t.column[0].date[30] = t.column[0].date[29];
    CHECK_STATUS(run(cm_spc_xmr, t, &o, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("column `date` at row 30 (2024-06-01)");
    CHECK_MESSAGE("duplicate date within the series");
    CHECK(out.release == NULL && nothing_live());
    o = cm_spc_options_default();

    /* An unknown improvement direction code. */
    o.improvement = 3;
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("invalid argument `improvement`: unknown improvement direction 3");
    o = cm_spc_options_default();

    /* Fixing limits on fewer than 12 points. */
    o.has_fix_after_n_points = true;
    o.fix_after_n_points = 11;
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`fix_after_n_points`");
    o = cm_spc_options_default();

    /* A target for a series that is not in the data. */
    const char *nowhere[] = {"nowhere"};
    const double target[] = {1.0};
    o.by = by;
    o.by_len = 1;
    o.target_series = nowhere;
    o.target_series_values = target;
    o.target_series_len = 1;
    CHECK_STATUS(run(cm_spc_summary, both(), &o, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("invalid value in `target_series` at index 0 (nowhere)");
    o = cm_spc_options_default();

    /* A missing column, NULL options, a NULL stream. */
    o.by = by;
    o.by_len = 1;
    CHECK_STATUS(run(cm_spc_xmr, north(), &o, &out), CM_MISSING_COLUMN);
    CHECK_MESSAGE("missing column `place`");
    CHECK_STATUS(run(cm_spc_xmr, north(), NULL, &out), CM_NULL_POINTER);
    CHECK_MESSAGE("`options`");
    CHECK_STATUS(cm_spc_xmr(NULL, &o, &out), CM_NULL_POINTER);
    CHECK_MESSAGE("`input`");
    CHECK(out.release == NULL && nothing_live());
}

int main(void) {
    test_defaults();
    test_points();
    test_summary_per_series();
    test_bad_input();
    return check_finish();
}
