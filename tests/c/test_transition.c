/*
 * C tests of the transition functions (cm_transition_analyse, cm_transition_time_to_contact,
 * cm_transition_service_lines): input tables produced by hand as Arrow C streams (no Arrow
 * library), results read back through the output streams, and the ownership rules: every
 * input stream is released by the call, on success and on failure; the outputs, and the
 * schemas and arrays taken from them, are the caller's to release.
 *
 * The scenario (data end 30 June 2025): one person, P, born 2005-06-01.
 *
 *   referrals  id  line   received    discharged
 *              1   cyp    2022-01-01  (open)
 *              2   adult  2023-05-01  (open)
 *   contacts   referral  date        attendance
 *              1         2023-01-10  "5" (attended)
 *              2         2023-05-01  "5" (attended: day 0 of the adult referral)
 *
 * Cohort T: P is 17 on 2023-05-01 with a CYP referral open: one row, 0 days to the first
 * attended adult contact. Cohort B: P turns 18 on 2023-06-01 with the CYP referral open and a
 * CYP contact in the year before: one row. The time-to-contact curve has one row at time 0
 * with one event: Kaplan-Meier 0 (no one left without a contact), Aalen-Johansen 1.
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

#define MAX_RESULT_ROWS 512

/* ------------------------------------------------------------------------------------------ */
/* The scenario. */

static struct ArrowArrayStream persons(void) {
    struct table t = {.rows = 1, .columns = 2};
    t.column[0] = (struct column){.name = "person_id", .kind = UTF8, .text = {"P"}};
    t.column[1] = (struct column){.name = "date_of_birth", .kind = DATE32,
                                  .date = {days(2005, 6, 1)}};
    return stream_of(&t);
}

/* The referrals; the CYP referral discharged on `cyp_discharge` unless `cyp_open`. */
static struct ArrowArrayStream referrals_with(bool cyp_open, int32_t cyp_discharge) {
    struct table t = {.rows = 2, .columns = 5};
    t.column[0] = (struct column){.name = "referral_id", .kind = INT64, .integer = {1, 2}};
    t.column[1] = (struct column){.name = "person_id", .kind = UTF8, .text = {"P", "P"}};
    t.column[2] = (struct column){.name = "received_date", .kind = DATE32,
                                  .date = {days(2022, 1, 1), days(2023, 5, 1)}};
    t.column[3] = (struct column){.name = "discharge_date", .kind = DATE32,
                                  .date = {cyp_discharge, 0}, .null = {cyp_open, true}};
    t.column[4] = (struct column){.name = "service_line", .kind = UTF8, .text = {"cyp", "adult"}};
    return stream_of(&t);
}

static struct ArrowArrayStream referrals(void) {
    return referrals_with(true, 0);
}

static struct ArrowArrayStream contacts(void) {
    struct table t = {.rows = 2, .columns = 3};
    t.column[0] = (struct column){.name = "referral_id", .kind = INT64, .integer = {1, 2}};
    t.column[1] = (struct column){.name = "contact_date", .kind = DATE32,
                                  .date = {days(2023, 1, 10), days(2023, 5, 1)}};
    t.column[2] = (struct column){.name = "attendance", .kind = UTF8, .text = {"5", "5"}};
    return stream_of(&t);
}

static CmTransitionOptions options(void) {
    return cm_transition_options_default(days(2025, 6, 30));
}

/* ------------------------------------------------------------------------------------------ */
/* The consumer. */

struct result {
    int64_t rows;
    /* One int64 and one float64 column, by name; `valid` false where null. */
    int64_t ints[MAX_RESULT_ROWS];
    bool valid[MAX_RESULT_ROWS];
    double floats[MAX_RESULT_ROWS];
    bool has_diagnostics;
    char first_text[64]; /* the first row of the utf8 column asked for (cut at 63 bytes) */
};

/* Reads the whole output stream into `r` (the int64 column `ints`, the float64 column
 * `floats` and the utf8 column `text`, each NULL for none) and releases the schema, every
 * array and the stream. Returns false (after a failed check) if the stream misbehaves. */
static bool read_result(struct ArrowArrayStream *out, const char *ints, const char *floats,
                        const char *text, struct result *r) {
    memset(r, 0, sizeof *r);
    struct reader rd;
    if (!reader_open(&rd, out, MAX_RESULT_ROWS)) return false;
    CHECK(strcmp(rd.schema.format, "+s") == 0);
    int ci = column_index(&rd.schema, ints, "l", true);
    int cf = column_index(&rd.schema, floats, "g", true);
    int ct = column_index(&rd.schema, text, "u", true);
    r->has_diagnostics = metadata_has(rd.schema.metadata, "collabmetrics:diagnostics");
    while (reader_next(&rd)) {
        for (int64_t i = 0; i < rd.batch.length; i++) {
            int64_t k = rd.rows + i;
            if (ci >= 0) r->ints[k] = cell_i64_valid(&rd.batch, ci, i, &r->valid[k]);
            if (cf >= 0) r->floats[k] = cell_f64(&rd.batch, cf, i);
            if (ct >= 0 && k == 0) {
                CHECK(cell_text(&rd.batch, ct, i, r->first_text, sizeof r->first_text) >= 0);
            }
        }
    }
    bool ok = reader_close(&rd);
    r->rows = rd.rows;
    return ok;
}

static bool all_released(const struct ArrowArrayStream *s, int n) {
    for (int i = 0; i < n; i++) {
        if (s[i].release != NULL) return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests. */

static void test_defaults(void) {
    CHECK(days(2025, 6, 30) == 20269);
    CmTransitionOptions o = options();
    CHECK(o.data_end == 20269 && !o.has_period_start && !o.has_period_end);
    CHECK(o.boundary_age == 18 && o.min_age == 16 && o.max_age == 25);
    CHECK(o.engagement_days == 90 && o.min_attended_contacts == 1);
    CHECK(o.cyp_lookback_days == 183 && o.boundary_open_window_days == 183);
    CHECK(o.followup_days == 365 && o.retained_days == 90 && o.episode_gap_days == 365);
    CHECK(o.confidence == 0.95 && !o.age_band_18_24);
    CHECK(!o.has_horizons && o.horizons == NULL && o.horizons_len == 0);
    CHECK(!o.has_attended_codes && !o.has_dna_codes && !o.has_direct_mechanisms);
    CHECK(!o.has_crisis_team_types && !o.has_by && o.by == NULL);
    CHECK(o.column_names == NULL && o.column_names_len == 0);
    CHECK(CM_CURVE_KAPLAN_MEIER == 0 && CM_CURVE_AALEN_JOHANSEN == 1);
}

static void test_analyse(void) {
    struct ArrowArrayStream in[3] = {persons(), referrals(), contacts()};
    struct ArrowArrayStream out[4] = {{0}, {0}, {0}, {0}};
    CmTransitionOptions o = options();
    struct result r;
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
    CHECK(all_released(in, 3)); /* moved into the call and released */
    CHECK(live_streams == 0);

    /* Transfers: one row, contact on day 0. */
    if (read_result(&out[0], "days_to_first_adult_contact", NULL, "person_id", &r)) {
        CHECK(r.rows == 1);
        CHECK(r.valid[0] && r.ints[0] == 0);
        CHECK(strcmp(r.first_text, "P") == 0);
        CHECK(r.has_diagnostics);
    }
    /* Ageing out: one row, transferred and engaged. */
    if (read_result(&out[1], "class_number", NULL, "class", &r)) {
        CHECK(r.rows == 1);
        CHECK(strcmp(r.first_text, "transferred_engaged") == 0);
        CHECK(r.has_diagnostics);
    }
    /* Summary: some rows, starting with the headline breakdown "all". */
    if (read_result(&out[2], "denominator", "confidence", "breakdown", &r)) {
        CHECK(r.rows > 0);
        CHECK(strcmp(r.first_text, "all") == 0);
        CHECK(r.floats[0] == 0.95);
        CHECK(r.has_diagnostics);
    }
    /* Kaplan-Meier curve of cohort T: at time 0 the one person has a contact. */
    if (read_result(&out[3], "events", "estimate", "method", &r)) {
        CHECK(r.rows == 1 && r.ints[0] == 1 && r.floats[0] == 0.0);
        CHECK(strncmp(r.first_text, "Kaplan-Meier", 12) == 0);
    }
    CHECK(nothing_live());
}

static void test_time_to_contact(void) {
    /* The transfers output goes straight back in as the curve's input. */
    struct ArrowArrayStream in[3] = {persons(), referrals(), contacts()};
    struct ArrowArrayStream out[4] = {{0}, {0}, {0}, {0}}, curve = {0};
    CmTransitionOptions o = options();
    struct result r;
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_OK);
    for (int i = 2; i < 4; i++) out[i].release(&out[i]);

    CHECK_STATUS(cm_transition_time_to_contact(&out[0], CM_CURVE_AALEN_JOHANSEN, 0.95, &curve),
                 CM_OK);
    CHECK(out[0].release == NULL); /* moved into the call */
    if (read_result(&curve, "at_risk", "estimate", "method", &r)) {
        CHECK(r.rows == 1 && r.ints[0] == 1 && r.floats[0] == 1.0);
        CHECK(strncmp(r.first_text, "Aalen-Johansen", 14) == 0);
    }

    /* Cohort B through Kaplan-Meier: the contact, 31 days before the boundary, is at day 0. */
    CHECK_STATUS(cm_transition_time_to_contact(&out[1], CM_CURVE_KAPLAN_MEIER, 0.9, &curve),
                 CM_OK);
    if (read_result(&curve, "events", "confidence", NULL, &r)) {
        CHECK(r.rows == 1 && r.ints[0] == 1 && r.floats[0] == 0.9);
        CHECK(r.has_diagnostics);
    }
    CHECK(nothing_live());

    /* An unknown method is an error, not undefined behaviour; the table is still released. */
    struct ArrowArrayStream table = persons();
    CHECK_STATUS(cm_transition_time_to_contact(&table, 2, 0.95, &curve), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("invalid argument `method`: unknown curve method 2");
    CHECK(table.release == NULL && curve.release == NULL && nothing_live());

    table = persons();
    CHECK_STATUS(cm_transition_time_to_contact(&table, -1, 0.95, &curve), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`method`");
    CHECK(table.release == NULL && curve.release == NULL && nothing_live());

    /* A table without the curve's columns. */
    table = persons();
    CHECK_STATUS(cm_transition_time_to_contact(&table, CM_CURVE_KAPLAN_MEIER, 0.95, &curve),
                 CM_MISSING_COLUMN);
    CHECK_MESSAGE("days_to_first_adult_contact");
    CHECK(curve.release == NULL && nothing_live());

    CHECK_STATUS(cm_transition_time_to_contact(NULL, CM_CURVE_KAPLAN_MEIER, 0.95, &curve),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`table`");
}

static void test_service_lines(void) {
    struct ArrowArrayStream p = persons(), rf = referrals(), c = contacts(), out = {0};
    CmTransitionOptions o = options();
    struct result r;
    CHECK_STATUS(cm_transition_service_lines(&p, &rf, &c, NULL, &o, &out), CM_OK);
    CHECK(p.release == NULL && rf.release == NULL && c.release == NULL);
    if (read_result(&out, "referral_id", NULL, "service_line", &r)) {
        CHECK(r.rows == 2 && r.ints[0] == 1 && r.ints[1] == 2);
        CHECK(strcmp(r.first_text, "cyp") == 0);
    }
    CHECK(nothing_live());
}

static void test_discharge_before_receipt(void) {
    /* The CYP referral, received 2022-01-01, discharged 2021-12-01. */
    struct ArrowArrayStream in[3] = {persons(), referrals_with(false, days(2021, 12, 1)),
                                     contacts()};
    struct ArrowArrayStream out[4] = {{0}, {0}, {0}, {0}};
    CmTransitionOptions o = options();
    CmStatus status = cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                            &out[2], &out[3]);
    CHECK(status != CM_OK);
    CHECK_STATUS(status, CM_INVALID_CELL);
    CHECK_MESSAGE("discharge_date");
    CHECK_MESSAGE("invalid value in column `referrals.discharge_date` at row 0 (2021-12-01): "
                  "discharge is before the referral was received");
    CHECK_FIELD(cm_last_error_kind(), "invalid_cell");
    CHECK_FIELD(cm_last_error_table(), "referrals");
    CHECK_FIELD(cm_last_error_column(), "discharge_date");
    CHECK(cm_last_error_row() == 0);
    CHECK_FIELD(cm_last_error_value(), "2021-12-01");
    CHECK_FIELD(cm_last_error_rule(), "discharge is before the referral was received");
    CHECK(all_released(in, 3));
    CHECK(all_released(out, 4)); /* untouched on failure */
    CHECK(nothing_live());
}

static void test_bad_arguments(void) {
    struct ArrowArrayStream out[4] = {{0}, {0}, {0}, {0}};
    CmTransitionOptions o = options();

    /* A NULL required stream: the others are still taken over and released. */
    struct ArrowArrayStream p = persons(), rf = referrals();
    CHECK_STATUS(cm_transition_analyse(&p, &rf, NULL, NULL, &o, &out[0], &out[1], &out[2],
                                       &out[3]),
                 CM_NULL_POINTER);
    CHECK(strcmp(cm_last_error_message(), "null pointer: `contacts` is NULL; it is required") ==
          0);
    CHECK(p.release == NULL && rf.release == NULL && all_released(out, 4) && nothing_live());

    /* NULL options. */
    struct ArrowArrayStream in[3] = {persons(), referrals(), contacts()};
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, NULL, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`options`");
    CHECK(all_released(in, 3) && all_released(out, 4) && nothing_live());

    /* A NULL output. */
    in[0] = persons(), in[1] = referrals(), in[2] = contacts();
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], NULL),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`out_curve`");
    CHECK(all_released(in, 3) && all_released(out, 4) && nothing_live());

    /* The same output twice. */
    in[0] = persons(), in[1] = referrals(), in[2] = contacts();
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[0], &out[3]),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`out_summary`");
    CHECK(all_released(in, 3) && all_released(out, 4) && nothing_live());

    /* A bad option value, named. */
    in[0] = persons(), in[1] = referrals(), in[2] = contacts();
    o.confidence = 1.5;
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("confidence");
    CHECK(all_released(in, 3) && all_released(out, 4) && nothing_live());

    /* A list flagged but NULL. */
    in[0] = persons(), in[1] = referrals(), in[2] = contacts();
    o = options();
    o.has_horizons = true;
    o.horizons_len = 2;
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`horizons`");
    CHECK(all_released(in, 3) && all_released(out, 4) && nothing_live());

    /* The next successful call clears the error. */
    in[0] = persons(), in[1] = referrals(), in[2] = contacts();
    o = options();
    CHECK_STATUS(cm_transition_analyse(&in[0], &in[1], &in[2], NULL, &o, &out[0], &out[1],
                                       &out[2], &out[3]),
                 CM_OK);
    CHECK(cm_last_error_code() == CM_OK);
    for (int i = 0; i < 4; i++) out[i].release(&out[i]);
    CHECK(nothing_live());
}

int main(void) {
    test_defaults();
    test_analyse();
    test_time_to_contact();
    test_service_lines();
    test_discharge_before_receipt();
    test_bad_arguments();
    return check_finish();
}
