/*
 * C tests of the funnel functions (cm_funnel_assess, cm_funnel_limits): input tables produced
 * by hand as Arrow C streams (no Arrow library), results read back through the output
 * streams, and the ownership rules: every input stream is released by the call, on success
 * and on failure; the outputs, and the schemas and arrays taken from them, are the caller's to
 * release.
 *
 * Expected values:
 * - FunnelPlotR (v0.6.0) on the twelve standardised ratios of tests/reference/funnel/
 *   (units A-L, O = 45, 60, ..., E = 38.2, 71.5, ...), SR/SHMI, limit 99: phi = 1.598134102,
 *   tau2 = 0.01213956526, K and L truncated; unit A: z = 1.01255143, 95% OD limits
 *   0.6813626996-1.467647115, exact Poisson 95% limits 0.7083572296-1.371450043; no outlier.
 *   With draw_adjusted off and limit 95: phi and tau2 reported 0, outliers D and K.
 * - By hand, PHE proportions of three units of 100 with 50, 20 and 80 events: theta = 0.5,
 *   95% limits at n = 100: 100 (0.5 -+ 1.959964 x 0.05) = 40.2002 and 59.7998; the unit of 20
 *   has a 99.8% Wilson upper limit of 0.347 < 0.5: "Low (0.001)"; the unit of 80 "High
 *   (0.001)"; the unit of 50 "Not significant".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"
#include "consumer.h"
#include "producer.h"

#define MAX_RESULT_ROWS 128

/* ------------------------------------------------------------------------------------------ */
/* The data. */

/* The twelve standardised ratios of FunnelPlotR's vectors (units A-L). */
static struct table ratios(void) {
    struct table t = {.rows = 12, .columns = 3};
    t.column[0] = (struct column){
        .name = "trust",
        .kind = UTF8,
        .text = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}};
    t.column[1] = (struct column){
        .name = "deaths",
        .kind = FLOAT64,
        .real = {45, 60, 30, 120, 15, 88, 52, 210, 9, 73, 140, 35}};
    t.column[2] = (struct column){
        .name = "expected",
        .kind = FLOAT64,
        .real = {38.2, 71.5, 29.1, 98.4, 22.7, 90.3, 40.8, 199.6, 12.4, 80.2, 111.9, 47.3}};
    return t;
}

/* Options for the ratios: SR, our numerator and denominator mapped to the table's names. */
static const char *const RATIO_NAMES[4] = {"numerator", "deaths", "denominator", "expected"};

static CmFunnelOptions ratio_options(void) {
    CmFunnelOptions o = cm_funnel_options_default();
    o.statistic = CM_FUNNEL_STATISTIC_SR;
    o.unit = "trust";
    o.column_names = RATIO_NAMES;
    o.column_names_len = 2;
    return o;
}

/* ------------------------------------------------------------------------------------------ */
/* The consumer. */

struct result {
    int64_t rows;
    double floats[4][MAX_RESULT_ROWS]; /* up to four float64 columns, NAN where null */
    int bools[MAX_RESULT_ROWS];        /* one boolean column: 1, 0, or -1 for null */
    char text[MAX_RESULT_ROWS][32];    /* one utf8 column (cut at 31 bytes) */
    char diagnostics[1024];            /* schema metadata "collabmetrics:diagnostics" */
};

/* Reads the whole output stream into `r` (float64 columns `floats`, NULL-terminated, at most
 * four; the boolean column `flag`; the utf8 column `text`; NULL for none) and releases the
 * schema, every array and the stream. */
static bool read_result(struct ArrowArrayStream *out, const char *const *floats,
                        const char *flag, const char *text, struct result *r) {
    memset(r, 0, sizeof *r);
    struct reader rd;
    if (!reader_open(&rd, out, MAX_RESULT_ROWS)) return false;
    CHECK(strcmp(rd.schema.format, "+s") == 0);
    int cf[4] = {-1, -1, -1, -1};
    for (int k = 0; k < 4 && floats != NULL && floats[k] != NULL; k++) {
        cf[k] = column_index(&rd.schema, floats[k], "g", true);
    }
    int cb = column_index(&rd.schema, flag, "b", true);
    int ct = column_index(&rd.schema, text, "u", true);
    CHECK(metadata_value(rd.schema.metadata, "collabmetrics:diagnostics", r->diagnostics,
                         sizeof r->diagnostics));
    while (reader_next(&rd)) {
        for (int64_t i = 0; i < rd.batch.length; i++) {
            int64_t k = rd.rows + i;
            for (int f = 0; f < 4; f++) {
                if (cf[f] >= 0) r->floats[f][k] = cell_f64(&rd.batch, cf[f], i);
            }
            if (cb >= 0) r->bools[k] = cell_bool(&rd.batch, cb, i);
            if (ct >= 0) cell_text(&rd.batch, ct, i, r->text[k], sizeof r->text[k]);
        }
    }
    bool ok = reader_close(&rd);
    r->rows = rd.rows;
    return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests. */

static void test_defaults(void) {
    CmFunnelOptions o = cm_funnel_options_default();
    CHECK(o.statistic == CM_FUNNEL_STATISTIC_NONE && o.family == CM_FUNNEL_FAMILY_DEFAULT);
    CHECK(o.unit == NULL && o.numerator == NULL && o.denominator == NULL && o.rate == NULL);
    CHECK(!o.has_multiplier && !o.has_years_of_data);
    CHECK(o.sr_method == CM_FUNNEL_SR_SHMI && o.trim_by == 0.1 && o.limit == CM_FUNNEL_LIMIT_99);
    CHECK(o.draw_adjusted && o.shmi_rounding && !o.funnelplotr_compat && !o.exclude_zero_sr);
    CHECK(o.column_names == NULL && o.column_names_len == 0);
}

static void test_sr_shmi(void) {
    struct table t = ratios();
    struct ArrowArrayStream input = stream_of(&t), out;
    CmFunnelOptions o = ratio_options();
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    CHECK(input.release == NULL);
    struct result r;
    const char *const floats[] = {"phi", "tau2", "z", "z_adjusted", NULL};
    if (read_result(&out, floats, "outlier", "unit", &r) && CHECK(r.rows == 12)) {
        CHECK_CLOSE(r.floats[0][0], 1.598134102, 1e-9);
        CHECK_CLOSE(r.floats[1][0], 0.01213956526, 1e-9);
        CHECK_CLOSE(r.floats[2][0], 1.01255143, 1e-8);
        CHECK(isnan(r.floats[3][10]) && isnan(r.floats[3][11])); /* K and L truncated */
        CHECK_CLOSE(r.floats[3][0], 1.01255143, 1e-8);
        int outliers = 0;
        for (int i = 0; i < 12; i++) outliers += r.bools[i];
        CHECK(outliers == 0);
        CHECK(strcmp(r.text[0], "A") == 0 && strcmp(r.text[11], "L") == 0);
        CHECK(strstr(r.diagnostics, "\"truncated\"") != NULL);
    }

    /* The limits of unit A. */
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    const char *const limits[] = {"od_lcl95", "od_ucl95", "lcl95", "ucl95", NULL};
    if (read_result(&out, limits, NULL, NULL, &r)) {
        CHECK_CLOSE(r.floats[0][0], 0.6813626996, 1e-9);
        CHECK_CLOSE(r.floats[1][0], 1.467647115, 1e-9);
        CHECK_CLOSE(r.floats[2][0], 0.7083572296, 1e-9);
        CHECK_CLOSE(r.floats[3][0], 1.371450043, 1e-9);
    }

    /* Without the adjustment, at 95%: phi and tau2 reported 0, outliers D and K. */
    o.draw_adjusted = false;
    o.limit = CM_FUNNEL_LIMIT_95;
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    if (read_result(&out, floats, "outlier", NULL, &r)) {
        CHECK(r.floats[0][0] == 0.0 && r.floats[1][0] == 0.0);
        for (int i = 0; i < 12; i++) CHECK(r.bools[i] == (i == 3 || i == 10));
    }

    /* The limits table: FunnelPlotR's grid from 1.1, with every unit's expected count. */
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_limits(&input, &o, &out), CM_OK);
    struct ArrowSchema schema;
    if (CHECK(out.get_schema(&out, &schema) == 0)) {
        CHECK(column_index(&schema, "denominator", "g", true) == 0);
        CHECK(column_index(&schema, "od_ucl998", "g", true) > 0);
        schema.release(&schema);
    }
    out.release(&out);
}

/* Three areas' proportions, 50, 20 and 80 of 100, their counts of `kind` (FLOAT64, or DICT8F:
 * dictionaries of numbers), and PHE's options for them (percentages). */
static struct table phe_areas(enum kind kind) {
    struct table t = {.rows = 3, .columns = 3};
    t.column[0] = (struct column){.name = "area", .kind = UTF8, .text = {"x", "y", "z"}};
    t.column[1] = (struct column){.name = "numerator", .kind = kind, .real = {50, 20, 80}};
    t.column[2] = (struct column){.name = "denominator", .kind = kind, .real = {100, 100, 100}};
    return t;
}

static CmFunnelOptions phe_options(void) {
    CmFunnelOptions o = cm_funnel_options_default();
    o.statistic = CM_FUNNEL_STATISTIC_PROPORTION;
    o.unit = "area";
    o.has_multiplier = true;
    o.multiplier = 100.0;
    return o;
}

static void test_phe_proportion(void) {
    struct table t = phe_areas(FLOAT64);
    CmFunnelOptions o = phe_options();
    struct ArrowArrayStream input = stream_of(&t), out;
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    struct result r;
    const char *const floats[] = {"lcl95", "ucl95", "target", "phi", NULL};
    if (read_result(&out, floats, "outlier", "significance", &r) && CHECK(r.rows == 3)) {
        CHECK_CLOSE(r.floats[0][0], 100.0 * (0.5 - 1.959963984540054 * 0.05), 1e-13);
        CHECK_CLOSE(r.floats[1][0], 100.0 * (0.5 + 1.959963984540054 * 0.05), 1e-13);
        CHECK(r.floats[2][0] == 50.0);
        CHECK(isnan(r.floats[3][0])); /* no overdispersion in PHE's funnels */
        CHECK(strcmp(r.text[0], "Not significant") == 0);
        CHECK(strcmp(r.text[1], "Low (0.001)") == 0);
        CHECK(strcmp(r.text[2], "High (0.001)") == 0);
        CHECK(r.bools[0] == 0 && r.bools[1] == 1 && r.bools[2] == 1);
    }
    /* PHE's 100-row limits table. */
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_limits(&input, &o, &out), CM_OK);
    const char *const table[] = {"population", "baseline", NULL};
    if (read_result(&out, table, NULL, "method", &r) && CHECK(r.rows == 100)) {
        CHECK(r.floats[1][0] == 50.0);
        CHECK(strcmp(r.text[0], "Wilson") == 0);
    }
}

/* Counts as dictionaries of numbers (a pandas category of counts: dictionary<int8, float64>)
 * are read as their numbers: the limits of test_phe_proportion. */
static void test_dictionary_counts(void) {
    struct table t = phe_areas(DICT8F);
    CmFunnelOptions o = phe_options();
    struct ArrowArrayStream input = stream_of(&t), out;
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    struct result r;
    const char *const floats[] = {"lcl95", "ucl95", "target", NULL};
    if (read_result(&out, floats, "outlier", "significance", &r) && CHECK(r.rows == 3)) {
        CHECK_CLOSE(r.floats[0][0], 100.0 * (0.5 - 1.959963984540054 * 0.05), 1e-13);
        CHECK_CLOSE(r.floats[1][0], 100.0 * (0.5 + 1.959963984540054 * 0.05), 1e-13);
        CHECK(r.floats[2][0] == 50.0);
        CHECK(strcmp(r.text[1], "Low (0.001)") == 0);
        CHECK(strcmp(r.text[2], "High (0.001)") == 0);
    }
    /* A missing count in a dictionary (a null key) is the plain column's error. */
    t.column[1].null[1] = true;
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("`numerator`");
    CHECK(input.release == NULL);
}

/* Runs cm_funnel_assess on `t` with `o`, expecting `status` and a message with `needle`;
 * the input stream must be released whatever happens. */
static void expect_failure(const struct table *t, const CmFunnelOptions *o, CmStatus status,
                           const char *needle) {
    struct ArrowArrayStream input = stream_of(t), out = {0};
    CHECK_STATUS(cm_funnel_assess(&input, o, &out), status);
    CHECK_MESSAGE(needle);
    CHECK(input.release == NULL && out.release == NULL);
}

static void test_bad_input(void) {
    struct table t = ratios();
    CmFunnelOptions o = ratio_options();

    /* The statistic is required; unknown codes name their option. */
    o.statistic = CM_FUNNEL_STATISTIC_NONE;
    expect_failure(&t, &o, CM_INVALID_ARGUMENT, "`statistic`");
    o.statistic = 42;
    expect_failure(&t, &o, CM_INVALID_ARGUMENT, "CM_FUNNEL_STATISTIC_");
    o.statistic = CM_FUNNEL_STATISTIC_SR;
    o.family = 7;
    expect_failure(&t, &o, CM_INVALID_ARGUMENT, "`family`");
    o.family = CM_FUNNEL_FAMILY_DEFAULT;
    o.trim_by = 0.6;
    expect_failure(&t, &o, CM_INVALID_ARGUMENT, "`trim_by`");
    o.trim_by = 0.1;

    /* A zero denominator and a missing numerator name column and row. */
    struct table bad = ratios();
    bad.column[2].real[4] = 0.0;
    expect_failure(&bad, &o, CM_INVALID_CELL, "`expected` at row 4");
    bad = ratios();
    bad.column[1].null[2] = true;
    expect_failure(&bad, &o, CM_INVALID_CELL, "`deaths` at row 2");

    /* SR/SHMI with 0 events names the unit, unless excluded (then counted). */
    bad = ratios();
    bad.column[1].real[8] = 0.0;
    expect_failure(&bad, &o, CM_INVALID_GROUP, "group I");
    o.exclude_zero_sr = true;
    struct ArrowArrayStream input = stream_of(&bad), out;
    CHECK_STATUS(cm_funnel_assess(&input, &o, &out), CM_OK);
    struct result r;
    if (read_result(&out, NULL, NULL, "unit", &r)) {
        CHECK(r.rows == 11 && strcmp(r.text[8], "J") == 0);
        CHECK(strstr(r.diagnostics, "zero_observed_sr") != NULL);
    }
    o.exclude_zero_sr = false;

    /* O > n for proportions. */
    o.statistic = CM_FUNNEL_STATISTIC_PR;
    bad = ratios();
    expect_failure(&bad, &o, CM_INVALID_CELL, "must not exceed");

    /* Fewer than two units for overdispersion. */
    bad.rows = 1;
    bad.column[1].real[0] = 10.0;
    expect_failure(&bad, &o, CM_INVALID_ARGUMENT, "at least 2 units");

    /* NULL options: the input is still released. */
    input = stream_of(&t);
    CHECK_STATUS(cm_funnel_assess(&input, NULL, &out), CM_NULL_POINTER);
    CHECK(input.release == NULL);
}

int main(void) {
    test_defaults();
    test_sr_shmi();
    test_phe_proportion();
    test_dictionary_counts();
    test_bad_input();
    CHECK(nothing_live());
    return check_finish();
}
