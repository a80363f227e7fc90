/*
 * C tests of cm_oap_measures: a placements table produced by hand as an Arrow C stream (no
 * Arrow library), the result read back through the output stream, and the ownership rules:
 * every input stream is released by the call, on success and on failure; the output stream,
 * and the schema and arrays taken from it, are the caller's to release.
 *
 * The fixture (Jan-Mar 2024; 2024 is a leap year), reporting months January to March with a
 * data cut-off on 28 March. Nights count the admission day, not the discharge day:
 *
 *   row  id  person  start       end         bed   reason  nights by month
 *   0    1   A       2024-01-20  2024-03-10  "10"  "10"    Jan 20-31 = 12, Feb 29, Mar 1-9 = 9
 *   1    2   B       2024-02-01  2024-02-29  "11"  "10"    Feb 1-28 = 28
 *   2    3   C       2024-03-25  (open)      "10"  "10"    Mar 25-28 = 4 (through the cut-off)
 *   3    4   D       2024-01-02  2024-01-09  "10"  "14"    Jan 2-8 = 7 (patient choice)
 *
 * Default options count inappropriate placements (reason 10) only, rows 0-2; one row per month:
 *   started       [1, 1, 1]     row 0 in Jan, row 1 in Feb, row 2 in Mar
 *   ended         [0, 1, 1]     row 1 on 29 Feb, row 0 on 10 Mar
 *   active_at_end [1, 1, 1]     row 0 at the Jan and Feb ends, row 2 (open) at the Mar end
 *   bed_days      [12, 57, 13]  Jan 12; Feb 29 + 28; Mar 9 + 4
 * Rolling 3 months (windows Nov-Jan, Dec-Feb, Jan-Mar): bed_days [12, 69, 82], started
 * [1, 2, 3], active_at_end [1, 1, 1] (the stock at the window's last month end).
 * By reason with every placement (inappropriate_only = false), rows Jan "10", Jan "14",
 * Feb "10", Feb "14", Mar "10", Mar "14" (periods, then groups in order of first appearance):
 *   started [1, 1, 1, 0, 1, 0]; bed_days [12, 7, 57, 0, 13, 0]; active_at_end [1, 0, 1, 0, 1, 0]
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

#define MAX_RESULT_ROWS 16

/* ------------------------------------------------------------------------------------------ */
/* The fixture. */

/* A placements stream: the fixture with start column `start_name` and row 1 ending on
 * `row1_end`. */
static struct ArrowArrayStream placements_named(const char *start_name, int32_t row1_end) {
    struct table t = {.rows = 4, .columns = 6};
    t.column[0] = (struct column){.name = "placement_id", .kind = INT64, .integer = {1, 2, 3, 4}};
    t.column[1] = (struct column){.name = "person_id", .kind = UTF8, .text = {"A", "B", "C", "D"}};
    t.column[2] = (struct column){.name = start_name,
                                  .kind = DATE32,
                                  .date = {days(2024, 1, 20), days(2024, 2, 1), days(2024, 3, 25),
                                           days(2024, 1, 2)}};
    t.column[3] = (struct column){.name = "end_date",
                                  .kind = DATE32,
                                  .date = {days(2024, 3, 10), row1_end, 0, days(2024, 1, 9)},
                                  .null = {false, false, true, false}};
    t.column[4] = (struct column){.name = "bed_type", .kind = UTF8,
                                  .text = {"10", "11", "10", "10"}};
    t.column[5] = (struct column){.name = "reason", .kind = UTF8,
                                  .text = {"10", "10", "10", "14"}};
    return stream_of(&t);
}

static struct ArrowArrayStream placements(void) {
    return placements_named("start_date", days(2024, 2, 29));
}

/* ------------------------------------------------------------------------------------------ */
/* The consumer. */

struct result {
    int64_t rows;
    int64_t started[MAX_RESULT_ROWS], ended[MAX_RESULT_ROWS], active_at_end[MAX_RESULT_ROWS],
        bed_days[MAX_RESULT_ROWS];
    int32_t period_start[MAX_RESULT_ROWS];
    char reason[MAX_RESULT_ROWS][8]; /* the `reason` key column, when there is one */
    char diagnostics[2048];          /* schema metadata "collabmetrics:diagnostics" */
};

/* Reads the whole output stream into `r` and releases the schema, every array and the stream.
 * Returns false (after a failed check) if the stream misbehaves. */
static bool read_result(struct ArrowArrayStream *out, struct result *r) {
    memset(r, 0, sizeof *r);
    struct reader rd;
    if (!reader_open(&rd, out, MAX_RESULT_ROWS)) return false;
    const struct ArrowSchema *schema = &rd.schema;
    CHECK(strcmp(schema->format, "+s") == 0);
    int started = column_index(schema, "started", "l", false);
    int ended = column_index(schema, "ended", "l", false);
    int active = column_index(schema, "active_at_end", "l", false);
    int bed = column_index(schema, "bed_days", "l", false);
    int period = column_index(schema, "period_start", "tdD", false);
    int reason = column_index(schema, "reason", "u", false); /* only when by reason */
    CHECK(started >= 0 && ended >= 0 && active >= 0 && bed >= 0 && period >= 0);
    CHECK(metadata_value(schema->metadata, "collabmetrics:diagnostics", r->diagnostics,
                         sizeof r->diagnostics));
    bool columns = started >= 0 && ended >= 0 && active >= 0 && bed >= 0 && period >= 0;
    while (columns && reader_next(&rd)) {
        for (int64_t i = 0; i < rd.batch.length; i++) {
            int64_t k = rd.rows + i;
            r->started[k] = cell_i64(&rd.batch, started, i);
            r->ended[k] = cell_i64(&rd.batch, ended, i);
            r->active_at_end[k] = cell_i64(&rd.batch, active, i);
            r->bed_days[k] = cell_i64(&rd.batch, bed, i);
            r->period_start[k] = cell_i32(&rd.batch, period, i);
            if (reason >= 0) {
                int32_t n = cell_text(&rd.batch, reason, i, r->reason[k], sizeof r->reason[k]);
                CHECK(n >= 0 && n < 8);
            }
        }
    }
    bool ok = reader_close(&rd) && columns;
    r->rows = rd.rows;
    return ok;
}

static bool int64s_equal(const int64_t *found, const int64_t *expected, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        if (found[i] != expected[i]) {
            fprintf(stderr, "  element %lld: found %lld, expected %lld\n", (long long)i,
                    (long long)found[i], (long long)expected[i]);
            return false;
        }
    }
    return true;
}
#define CHECK_INT64S(found, ...)                                                   \
    do {                                                                           \
        const int64_t expected_[] = {__VA_ARGS__};                                 \
        CHECK(int64s_equal((found), expected_, sizeof expected_ / sizeof(int64_t))); \
    } while (0)

/* Options for January to March 2024 with the 28 March cut-off. */
static CmOapOptions options(void) {
    CmOapOptions o = cm_oap_options_default(days(2024, 1, 1), days(2024, 3, 31));
    o.has_data_cutoff = true;
    o.data_cutoff = days(2024, 3, 28);
    return o;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests. */

static void test_defaults(void) {
    CHECK(days(2024, 1, 1) == 19723);
    CmOapOptions o = cm_oap_options_default(days(2024, 1, 1), days(2024, 3, 31));
    CHECK(o.start == 19723 && o.end == 19723 + 90);
    CHECK(o.window == CM_WINDOW_MONTH && o.by == NULL && o.by_len == 0);
    CHECK(o.inappropriate_only && o.bed_scope == CM_BED_SCOPE_DEFAULT && !o.has_data_cutoff);
    CHECK(o.overlap == CM_OVERLAP_COUNT && o.multiplier == 1e6 && o.confidence == 0.95);
    CHECK(o.column_names == NULL && o.column_names_len == 0);
}

static void test_monthly(void) {
    struct ArrowArrayStream in = placements(), out = {0};
    CmOapOptions o = options();
    struct result r;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
    CHECK(in.release == NULL); /* moved into the call and released */
    CHECK(live_streams == 0);
    if (read_result(&out, &r)) {
        CHECK(r.rows == 3);
        CHECK(r.period_start[0] == days(2024, 1, 1) && r.period_start[2] == days(2024, 3, 1));
        CHECK_INT64S(r.started, 1, 1, 1);
        CHECK_INT64S(r.ended, 0, 1, 1);
        CHECK_INT64S(r.active_at_end, 1, 1, 1);
        CHECK_INT64S(r.bed_days, 12, 57, 13);
        /* Row 3 excluded (appropriate reason), row 2 open: both reported. */
        CHECK(strstr(r.diagnostics, "{\"reason\":\"appropriate_reason\",\"action\":\"excluded: "
                                    "appropriate out-of-area reason\",\"count\":1,\"first_row\":3}") !=
              NULL);
        CHECK(strstr(r.diagnostics, "\"reason\":\"open_placement\"") != NULL);
    }
    CHECK(nothing_live());

    /* Without the cut-off row 2 runs to 31 March: 7 nights. */
    in = placements();
    o.has_data_cutoff = false;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    if (read_result(&out, &r)) CHECK_INT64S(r.bed_days, 12, 57, 9 + 7);
    CHECK(nothing_live());
}

static void test_rolling_3m(void) {
    struct ArrowArrayStream in = placements(), out = {0};
    CmOapOptions o = options();
    o.window = CM_WINDOW_ROLLING_3M;
    struct result r;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    if (read_result(&out, &r)) {
        CHECK(r.rows == 3);
        CHECK(r.period_start[0] == days(2023, 11, 1) && r.period_start[2] == days(2024, 1, 1));
        CHECK_INT64S(r.bed_days, 12, 12 + 57, 12 + 57 + 13);
        CHECK_INT64S(r.started, 1, 2, 3);
        CHECK_INT64S(r.active_at_end, 1, 1, 1);
    }
    CHECK(nothing_live());
}

static void test_by_reason(void) {
    struct ArrowArrayStream in = placements(), out = {0};
    const char *by[] = {"reason"};
    CmOapOptions o = options();
    o.by = by;
    o.by_len = 1;
    o.inappropriate_only = false;
    struct result r;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    if (read_result(&out, &r)) {
        CHECK(r.rows == 6);
        CHECK(strcmp(r.reason[0], "10") == 0 && strcmp(r.reason[1], "14") == 0);
        CHECK(strcmp(r.reason[4], "10") == 0 && strcmp(r.reason[5], "14") == 0);
        CHECK_INT64S(r.started, 1, 1, 1, 0, 1, 0);
        CHECK_INT64S(r.bed_days, 12, 7, 57, 0, 13, 0);
        CHECK_INT64S(r.active_at_end, 1, 0, 1, 0, 1, 0);
        CHECK_INT64S(r.ended, 0, 1, 1, 0, 1, 0);
    }
    CHECK(nothing_live());
}

static void test_column_names(void) {
    /* An MHSDS-style extract: the start column is StartDateHospProvSpell. */
    struct ArrowArrayStream in = placements_named("StartDateHospProvSpell", days(2024, 2, 29));
    struct ArrowArrayStream out = {0};
    const char *names[] = {"start_date", "StartDateHospProvSpell"};
    CmOapOptions o = options();
    o.column_names = names;
    o.column_names_len = 1;
    struct result r;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    if (read_result(&out, &r)) CHECK_INT64S(r.bed_days, 12, 57, 13);
    CHECK(nothing_live());

    /* Without the mapping the column is missing, named as the caller would look for it. */
    in = placements_named("StartDateHospProvSpell", days(2024, 2, 29));
    o = options();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_MISSING_COLUMN);
    CHECK_MESSAGE("missing column `start_date` (available: placement_id, person_id, "
                  "StartDateHospProvSpell, end_date, bed_type, reason)");
    CHECK(in.release == NULL && out.release == NULL && nothing_live());
}

static void test_null_placements(void) {
    /* The other streams are still taken over and released. */
    struct ArrowArrayStream population = placements(), admissions = placements(), out = {0};
    CmOapOptions o = options();
    CHECK_STATUS(cm_oap_measures(NULL, &o, &population, &admissions, &out), CM_NULL_POINTER);
    CHECK(strcmp(cm_last_error_message(), "null pointer: `placements` is NULL; it is required") ==
          0);
    CHECK_MESSAGE("`placements`");
    CHECK(population.release == NULL && admissions.release == NULL);
    CHECK(out.release == NULL); /* untouched on failure */
    CHECK(nothing_live());
}

static void test_end_before_start(void) {
    /* Row 1 starts on 1 February and now ends on 31 January. */
    struct ArrowArrayStream in = placements_named("start_date", days(2024, 1, 31)), out = {0};
    CmOapOptions o = options();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_INVALID_CELL);
    CHECK_MESSAGE("invalid value in column `end_date` at row 1 (2024-01-31): end date before the "
                  "start date 2024-02-01");
    CHECK_FIELD(cm_last_error_kind(), "invalid_cell");
    CHECK_FIELD(cm_last_error_table(), NULL);
    CHECK_FIELD(cm_last_error_column(), "end_date");
    CHECK(cm_last_error_row() == 1);
    CHECK_FIELD(cm_last_error_value(), "2024-01-31");
    CHECK_FIELD(cm_last_error_rule(), "end date before the start date 2024-02-01");
    CHECK(in.release == NULL && out.release == NULL);
    CHECK(nothing_live());
}

static void test_bad_options(void) {
    struct ArrowArrayStream in = placements(), out = {0};
    CmOapOptions o = options();
    o.window = 99;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("invalid argument `window`: unknown window 99; expected a CM_WINDOW_* constant: "
                  "0 (month), 1 (rolling_3m), 2 (rolling_12m)");
    CHECK_FIELD(cm_last_error_kind(), "invalid_argument");
    CHECK_FIELD(cm_last_error_argument(), "window");
    CHECK(in.release == NULL && out.release == NULL && nothing_live());

    in = placements();
    o = options();
    o.bed_scope = 7;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`bed_scope`");
    CHECK(in.release == NULL && nothing_live());

    /* A NULL options pointer or output stream: still released. */
    struct ArrowArrayStream population = placements();
    in = placements();
    CHECK_STATUS(cm_oap_measures(&in, NULL, &population, NULL, &out), CM_NULL_POINTER);
    CHECK_MESSAGE("`options`");
    CHECK(in.release == NULL && population.release == NULL && nothing_live());

    in = placements();
    o = options();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, NULL), CM_NULL_POINTER);
    CHECK_MESSAGE("`out`");
    CHECK(in.release == NULL && nothing_live());

    /* An already released stream is refused. */
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("already released");
    CHECK(out.release == NULL && nothing_live());

    /* The next successful call clears the error. */
    in = placements();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    CHECK(cm_last_error_code() == CM_OK);
    out.release(&out);
    CHECK(nothing_live());
}

/* Issue 11: date32's extremes do not panic and are refused naming the option; a set
 * cancellation flag ends the call with CM_CANCELLED. */
static void test_hostile(void) {
    struct ArrowArrayStream in = placements(), out = {0};
    CmOapOptions o = cm_oap_options_default(days(2024, 1, 1), INT32_MAX);
    CHECK(o.end == INT32_MAX);
    o = cm_oap_options_default(INT32_MIN, INT32_MAX);
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("outside the supported date range 1800-01-01 to 2200-12-31");
    CHECK_FIELD(cm_last_error_argument(), "start");
    CHECK(in.release == NULL && out.release == NULL && nothing_live());

    int cancel = 1;
    in = placements();
    o = options();
    o.cancel = &cancel;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_CANCELLED);
    CHECK_FIELD(cm_last_error_kind(), "cancelled");
    CHECK(in.release == NULL && out.release == NULL && nothing_live());

    /* The thread's flag, for calls without one in their options. */
    CHECK_STATUS(cm_set_cancel_flag(&cancel), CM_OK);
    in = placements();
    o = options();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_CANCELLED);
    cancel = 0;
    in = placements();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    CHECK_STATUS(cm_set_cancel_flag(NULL), CM_OK);
    out.release(&out);
    CHECK(nothing_live());
}

/* The fixture in two batches, `person_id` and `reason` dictionary-encoded with a dictionary
 * per batch: rows 0-1, then rows 3 and 2 (so that the second batch's reasons are ["14", "10"]
 * against the first's ["10"]). Joined, the results of one batch (test_monthly). */
static void test_dictionary_batches(void) {
    struct table t[2] = {{.rows = 2, .columns = 6}, {.rows = 2, .columns = 6}};
    t[0].column[0] = (struct column){.name = "placement_id", .kind = INT64, .integer = {1, 2}};
    t[0].column[1] = (struct column){.name = "person_id", .kind = DICT8, .text = {"A", "B"}};
    t[0].column[2] = (struct column){.name = "start_date", .kind = DATE32,
                                     .date = {days(2024, 1, 20), days(2024, 2, 1)}};
    t[0].column[3] = (struct column){.name = "end_date", .kind = DATE32,
                                     .date = {days(2024, 3, 10), days(2024, 2, 29)}};
    t[0].column[4] = (struct column){.name = "bed_type", .kind = UTF8, .text = {"10", "11"}};
    t[0].column[5] = (struct column){.name = "reason", .kind = DICT8, .text = {"10", "10"}};
    t[1].column[0] = (struct column){.name = "placement_id", .kind = INT64, .integer = {4, 3}};
    t[1].column[1] = (struct column){.name = "person_id", .kind = DICT8, .text = {"D", "C"}};
    t[1].column[2] = (struct column){.name = "start_date", .kind = DATE32,
                                     .date = {days(2024, 1, 2), days(2024, 3, 25)}};
    t[1].column[3] = (struct column){
        .name = "end_date", .kind = DATE32, .date = {days(2024, 1, 9), 0}, .null = {false, true}};
    t[1].column[4] = (struct column){.name = "bed_type", .kind = UTF8, .text = {"10", "10"}};
    t[1].column[5] = (struct column){.name = "reason", .kind = DICT8, .text = {"14", "10"}};
    struct ArrowArrayStream in = stream_of_batches(t, 2), out = {0};
    CmOapOptions o = options();
    struct result r;
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_OK);
    if (read_result(&out, &r)) {
        CHECK(r.rows == 3);
        CHECK_INT64S(r.started, 1, 1, 1);
        CHECK_INT64S(r.ended, 0, 1, 1);
        CHECK_INT64S(r.active_at_end, 1, 1, 1);
        CHECK_INT64S(r.bed_days, 12, 57, 13);
    }
    CHECK(in.release == NULL && nothing_live());
}

/* Batches whose dictionaries do not join: three of 64 different reasons each, 192 words that
 * 8-bit indices cannot address. A column type error naming the column, not a crash. */
static void test_batches_that_do_not_join(void) {
    static char words[3 * PRODUCER_MAX_ROWS][8];
    struct table t[3];
    for (int b = 0; b < 3; b++) {
        t[b] = (struct table){.rows = PRODUCER_MAX_ROWS, .columns = 6};
        t[b].column[0] = (struct column){.name = "placement_id", .kind = INT64};
        t[b].column[1] = (struct column){.name = "person_id", .kind = UTF8};
        t[b].column[2] = (struct column){.name = "start_date", .kind = DATE32};
        t[b].column[3] = (struct column){.name = "end_date", .kind = DATE32};
        t[b].column[4] = (struct column){.name = "bed_type", .kind = UTF8};
        t[b].column[5] = (struct column){.name = "reason", .kind = DICT8};
        for (int i = 0; i < PRODUCER_MAX_ROWS; i++) {
            int k = b * PRODUCER_MAX_ROWS + i;
            snprintf(words[k], sizeof words[k], "r%d", k);
            t[b].column[0].integer[i] = k;
            t[b].column[1].text[i] = "A";
            t[b].column[2].date[i] = days(2024, 1, 2);
            t[b].column[3].date[i] = days(2024, 1, 9);
            t[b].column[4].text[i] = "10";
            t[b].column[5].text[i] = words[k];
        }
    }
    struct ArrowArrayStream in = stream_of_batches(t, 3), out = {0};
    CmOapOptions o = options();
    CHECK_STATUS(cm_oap_measures(&in, &o, NULL, NULL, &out), CM_COLUMN_TYPE);
    CHECK_MESSAGE("column `reason` has type dictionary<values=string, indices=int8> in batches "
                  "that do not join (");
    CHECK_FIELD(cm_last_error_kind(), "column_type");
    CHECK_FIELD(cm_last_error_column(), "reason");
    CHECK(in.release == NULL && out.release == NULL && nothing_live());
}

int main(void) {
    test_defaults();
    test_hostile();
    test_monthly();
    test_rolling_3m();
    test_by_reason();
    test_dictionary_batches();
    test_batches_that_do_not_join();
    test_column_names();
    test_null_placements();
    test_end_before_start();
    test_bad_options();
    return check_finish();
}
