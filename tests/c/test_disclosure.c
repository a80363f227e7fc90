/*
 * C tests of cm_disclose: tables produced by hand as Arrow C streams (no Arrow library), the
 * published table and the log read back through the output streams, and the ownership rules
 * (every input stream released by the call, on success and failure; the outputs are the
 * caller's to release). The cases are the specification's D1-D11, worked by hand:
 *
 *   D1  nhs_mhsds: 0 1 4 5 7 8 12 13 -> * * * 5 5 10 10 15 (below 5 suppressed, else nearest 5)
 *   D3  parts 3, 12, 26 of a one-way table: * 10 25 and the total 41 -> 40 (not 35)
 *   D4  13/47 = 27.66% -> 28; 3/40 -> * (numerator suppressed)
 *   D5  nhs_hes, display "5": 0 2 5 8 16 57 10023 -> 0 5 5 10 15 55 10025
 *   D6  custom(k=5, base=1), [[3,10,12],[8,9,15],[6,20,7]] with margins: X-A is primary and
 *       the cheapest cube is (Z, C), so X-A, X-C, Z-A, Z-C are hidden; X-A = a gives
 *       X-C = 15 - a, Z-A = 9 - a, Z-C = 4 + a, all >= 1 (zeros are published and a
 *       complement is never zero), so the audit gives X-A in [1, 8] (the spec's >= 0: [0, 9])
 *   D6a the same without secondary suppression: X-A = 17 - 8 - 6 = 3, refused
 *   D9  parts 2, 9, 14, 30 and total 55: 2 and its complement 9 hidden, x1 + x2 = 11 with
 *       both >= 1, so x1 in [1, 10]
 *   D11 nhs_mhsds, x = 3, y = 12: *, 10, total 15, so x = T - y >= 13 - 12 = 1: x in [1, 4]
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

#define MAX_RESULT_ROWS 64

/* ------------------------------------------------------------------------------------------ */
/* The consumer. */

struct result {
    int64_t rows;
    int64_t ints[MAX_RESULT_ROWS]; /* the int64 column asked for */
    bool valid[MAX_RESULT_ROWS];   /* false where it is null */
    double reals[MAX_RESULT_ROWS]; /* the float64 column asked for (NAN where null) */
    double lower[MAX_RESULT_ROWS]; /* the log's audit interval */
    double upper[MAX_RESULT_ROWS];
    uint64_t row[MAX_RESULT_ROWS]; /* the log's row */
    bool has_diagnostics;
};

/* Reads a whole output stream into `r`: the int64 column `ints` and the float64 column
 * `reals` of a published table, or (log) the columns row, audit_lower and audit_upper; then
 * releases everything. */
static bool read_result(struct ArrowArrayStream *out, const char *ints, const char *reals,
                        bool log, struct result *r) {
    memset(r, 0, sizeof *r);
    struct reader rd;
    if (!reader_open(&rd, out, MAX_RESULT_ROWS)) return false;
    const struct ArrowSchema *schema = &rd.schema;
    int ci = column_index(schema, ints, "l", true), cf = column_index(schema, reals, "g", true);
    int cr = log ? column_index(schema, "row", "L", true) : -1;
    int cl = log ? column_index(schema, "audit_lower", "g", true) : -1;
    int cu = log ? column_index(schema, "audit_upper", "g", true) : -1;
    r->has_diagnostics = metadata_has(schema->metadata, "collabmetrics:diagnostics");
    while (reader_next(&rd)) {
        for (int64_t i = 0; i < rd.batch.length; i++) {
            int64_t k = rd.rows + i;
            if (ci >= 0) r->ints[k] = cell_i64_valid(&rd.batch, ci, i, &r->valid[k]);
            if (cf >= 0) r->reals[k] = cell_f64(&rd.batch, cf, i);
            if (cr >= 0) r->row[k] = cell_u64(&rd.batch, cr, i);
            if (cl >= 0) r->lower[k] = cell_f64(&rd.batch, cl, i);
            if (cu >= 0) r->upper[k] = cell_f64(&rd.batch, cu, i);
        }
    }
    bool ok = reader_close(&rd);
    r->rows = rd.rows;
    return ok;
}

/* The published value at row k: -1 when suppressed. */
static int64_t shown(const struct result *r, int64_t k) {
    return r->valid[k] ? r->ints[k] : -1;
}

/* The log entry of published row `row`: its index, or -1. */
static int64_t entry(const struct result *log, uint64_t row) {
    for (int64_t k = 0; k < log->rows; k++) {
        if (log->row[k] == row) return k;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The tests. */

static const char *N[] = {"n"};

/* One int64 column `n`. */
static struct ArrowArrayStream counts(const int64_t *values, int64_t rows) {
    struct table t = {.rows = rows, .columns = 1};
    t.column[0] = (struct column){.name = "n", .kind = INT64};
    for (int64_t i = 0; i < rows; i++) t.column[0].integer[i] = values[i];
    return stream_of(&t);
}

static CmDiscloseOptions with_counts(void) {
    CmDiscloseOptions o = cm_disclose_options_default();
    o.counts = N;
    o.counts_len = 1;
    o.has_counts = true;
    return o;
}

static void test_d1_d5_rules(void) {
    const int64_t d1[] = {0, 1, 4, 5, 7, 8, 12, 13};
    const int64_t expected[] = {-1, -1, -1, 5, 5, 10, 10, 15};
    CmDiscloseOptions o = with_counts();
    struct ArrowArrayStream in = counts(d1, 8), out, log;
    CHECK_STATUS(cm_disclose(&in, &o, &out, &log), CM_OK);
    CHECK(in.release == NULL);
    struct result r, l;
    read_result(&out, "n", NULL, false, &r);
    read_result(&log, NULL, NULL, true, &l);
    CHECK(r.rows == 8 && r.has_diagnostics);
    for (int64_t k = 0; k < 8; k++) CHECK(shown(&r, k) == expected[k]);
    int64_t e = entry(&l, 1); /* no margins: the rule's range 0..4 */
    CHECK(e >= 0 && l.lower[e] == 0.0 && l.upper[e] == 4.0);

    const int64_t d5[] = {0, 2, 5, 8, 16, 57, 10023};
    const int64_t central[] = {0, 5, 5, 10, 15, 55, 10025};
    o.rule = "nhs_hes";
    o.display = CM_DISPLAY_CENTRAL;
    in = counts(d5, 7);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_OK);
    read_result(&out, "n", NULL, false, &r);
    for (int64_t k = 0; k < 7; k++) CHECK(shown(&r, k) == central[k]);
}

static void test_d3_total_and_d4_percent(void) {
    struct table t = {.rows = 3, .columns = 2};
    t.column[0] = (struct column){.name = "place", .kind = UTF8, .text = {"A", "B", "C"}};
    t.column[1] = (struct column){.name = "n", .kind = INT64, .integer = {3, 12, 26}};
    const char *dims[] = {"place"};
    CmDiscloseOptions o = with_counts();
    o.dimensions = dims;
    o.dimensions_len = 1;
    o.has_dimensions = true;
    struct ArrowArrayStream in = stream_of(&t), out;
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_OK);
    struct result r;
    read_result(&out, "n", NULL, false, &r);
    CHECK(r.rows == 4 && shown(&r, 0) == -1 && shown(&r, 1) == 10 && shown(&r, 2) == 25);
    CHECK(shown(&r, 3) == 40);

    struct table p = {.rows = 2, .columns = 2};
    p.column[0] = (struct column){.name = "n", .kind = INT64, .integer = {13, 3}};
    p.column[1] = (struct column){.name = "d", .kind = INT64, .integer = {47, 40}};
    const char *nd[] = {"n", "d"};
    CmDerived pct = {.column = "pct", .numerator = "n", .denominator = "d",
                     .kind = CM_DERIVED_PERCENT, .multiplier = NAN, .decimals = -1,
                     .min_denominator = NAN};
    o = cm_disclose_options_default();
    o.counts = nd;
    o.counts_len = 2;
    o.has_counts = true;
    o.derived = &pct;
    o.derived_len = 1;
    o.has_derived = true;
    in = stream_of(&p);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_OK);
    read_result(&out, NULL, "pct", false, &r);
    CHECK(r.rows == 2 && r.reals[0] == 28.0 && isnan(r.reals[1]));
}

/* The two-way table of D6 as long rows. */
static struct ArrowArrayStream d6(void) {
    struct table t = {.rows = 9, .columns = 3};
    t.column[0] = (struct column){.name = "row", .kind = UTF8,
                                  .text = {"X", "X", "X", "Y", "Y", "Y", "Z", "Z", "Z"}};
    t.column[1] = (struct column){.name = "col", .kind = UTF8,
                                  .text = {"A", "B", "C", "A", "B", "C", "A", "B", "C"}};
    t.column[2] = (struct column){.name = "n", .kind = INT64,
                                  .integer = {3, 10, 12, 8, 9, 15, 6, 20, 7}};
    return stream_of(&t);
}

static void test_d6_hypercube_and_audit(void) {
    const char *dims[] = {"row", "col"};
    CmDiscloseOptions o = with_counts();
    o.rule = "custom(k=5, suppress_zero=false, base=1)";
    o.dimensions = dims;
    o.dimensions_len = 2;
    o.has_dimensions = true;
    struct ArrowArrayStream in = d6(), out, log;
    CHECK_STATUS(cm_disclose(&in, &o, &out, &log), CM_OK);
    struct result r, l;
    read_result(&out, "n", NULL, false, &r);
    read_result(&log, NULL, NULL, true, &l);
    CHECK(r.rows == 16); /* 9 cells, 3 row totals, 3 column totals, the grand total */
    const bool hidden[9] = {true, false, true, false, false, false, true, false, true};
    for (int64_t k = 0; k < 9; k++) CHECK((shown(&r, k) == -1) == hidden[k]);
    CHECK(shown(&r, 15) == 90);
    int64_t a = entry(&l, 0), c = entry(&l, 2), z = entry(&l, 8);
    CHECK(a >= 0 && l.lower[a] == 1.0 && l.upper[a] == 8.0);
    CHECK(c >= 0 && l.lower[c] == 7.0 && l.upper[c] == 14.0);
    CHECK(z >= 0 && l.lower[z] == 5.0 && l.upper[z] == 12.0);

    /* D6a: without secondary suppression X-A is recovered exactly; refused, naming it. */
    o.secondary = CM_SECONDARY_NONE;
    in = d6();
    CHECK_STATUS(cm_disclose(&in, &o, &out, &log), CM_INVALID_CELL);
    CHECK(in.release == NULL && out.release == NULL);
    CHECK_MESSAGE("disclosive");
    CHECK_MESSAGE("row=X, col=A");
}

static void test_d9_and_d11_one_way(void) {
    struct table t = {.rows = 5, .columns = 2};
    t.column[0] = (struct column){.name = "part", .kind = UTF8,
                                  .text = {"p1", "p2", "p3", "p4", NULL}};
    t.column[1] = (struct column){.name = "n", .kind = INT64, .integer = {2, 9, 14, 30, 55}};
    const char *dims[] = {"part"};
    CmDiscloseOptions o = with_counts();
    o.rule = "custom(k=5, suppress_zero=false, base=1)";
    o.dimensions = dims;
    o.dimensions_len = 1;
    o.has_dimensions = true;
    struct ArrowArrayStream in = stream_of(&t), out, log;
    CHECK_STATUS(cm_disclose(&in, &o, &out, &log), CM_OK);
    struct result r, l;
    read_result(&out, "n", NULL, false, &r);
    read_result(&log, NULL, NULL, true, &l);
    CHECK(shown(&r, 0) == -1 && shown(&r, 1) == -1 && shown(&r, 2) == 14 && shown(&r, 4) == 55);
    int64_t e = entry(&l, 0);
    CHECK(e >= 0 && l.lower[e] == 1.0 && l.upper[e] == 10.0);

    struct table d11 = {.rows = 2, .columns = 2};
    d11.column[0] = (struct column){.name = "part", .kind = UTF8, .text = {"x", "y"}};
    d11.column[1] = (struct column){.name = "n", .kind = INT64, .integer = {3, 12}};
    o.rule = NULL; /* nhs_mhsds */
    in = stream_of(&d11);
    CHECK_STATUS(cm_disclose(&in, &o, &out, &log), CM_OK);
    read_result(&out, "n", NULL, false, &r);
    read_result(&log, NULL, NULL, true, &l);
    CHECK(shown(&r, 0) == -1 && shown(&r, 1) == 10 && shown(&r, 2) == 15);
    e = entry(&l, 0);
    CHECK(e >= 0 && l.lower[e] == 1.0 && l.upper[e] == 4.0);
}

static void test_bad_input(void) {
    struct ArrowArrayStream in, out;
    CmDiscloseOptions o = with_counts();

    const int64_t negative[] = {4, -1};
    in = counts(negative, 2);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_INVALID_CELL);
    CHECK(in.release == NULL);
    CHECK_MESSAGE("row 1");
    CHECK_MESSAGE("whole numbers >= 0");

    struct table t = {.rows = 1, .columns = 1};
    t.column[0] = (struct column){.name = "n", .kind = FLOAT64, .real = {4.2}};
    in = stream_of(&t);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_INVALID_CELL);
    CHECK_MESSAGE("4.2");

    o.rule = "nhs";
    in = counts(negative, 1);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("unknown rule");

    CmDerived pct = {.column = "pct", .numerator = "n", .denominator = "people",
                     .kind = CM_DERIVED_PERCENT, .multiplier = NAN, .decimals = -1,
                     .min_denominator = NAN};
    o = with_counts();
    o.derived = &pct;
    o.derived_len = 1;
    o.has_derived = true;
    in = counts(negative, 1);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_MISSING_COLUMN);
    CHECK_MESSAGE("people");

    struct table three = {.rows = 1, .columns = 4};
    three.column[0] = (struct column){.name = "a", .kind = UTF8, .text = {"x"}};
    three.column[1] = (struct column){.name = "b", .kind = UTF8, .text = {"y"}};
    three.column[2] = (struct column){.name = "c", .kind = UTF8, .text = {"z"}};
    three.column[3] = (struct column){.name = "n", .kind = INT64, .integer = {3}};
    const char *abc[] = {"a", "b", "c"};
    o = with_counts();
    o.rule = "custom(k=5)";
    o.dimensions = abc;
    o.dimensions_len = 3;
    o.has_dimensions = true;
    in = stream_of(&three);
    CHECK_STATUS(cm_disclose(&in, &o, &out, NULL), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("sdcTable");

    in = counts(negative, 1);
    CHECK_STATUS(cm_disclose(&in, NULL, &out, NULL), CM_NULL_POINTER);
    CHECK(in.release == NULL);
}

int main(void) {
    test_d1_d5_rules();
    test_d3_total_and_d4_percent();
    test_d6_hypercube_and_audit();
    test_d9_and_d11_one_way();
    test_bad_input();
    CHECK(nothing_live());
    return check_finish();
}
