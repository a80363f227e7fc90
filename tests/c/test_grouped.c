/*
 * C tests of collabmetrics' grouped estimators: cm_dsr (Dobson), cm_isr and cm_mean
 * (Student t). Expected values are worked out here from the formulas in docs/methods/stats.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"

static const double Z95 = 1.959963984540054;

/* European Standard Population 2013, bands 0-4, 5-9, ..., 85-89, 90+. */
static const double ESP2013[19] = {5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                                   7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000};

/* Exact Poisson limits of O = 1 at 95% (PHE's table). */
static const double EXACT1_LOWER = 0.025317807984289897, EXACT1_UPPER = 5.571643390938898;

#define BANDS 19
#define ROWS (2 * BANDS)

static void byar(double o, double *lower, double *upper) {
    double t = 1.0 - 1.0 / (9.0 * o) - Z95 / (3.0 * sqrt(o));
    double o1 = o + 1.0;
    double u = 1.0 - 1.0 / (9.0 * o1) + Z95 / (3.0 * sqrt(o1));
    *lower = o * t * t * t;
    *upper = o1 * u * u * u;
}

/* Two groups of the 19 ESP 2013 bands. Group 0: counts 10..28; group 1: one event in 0-4. */
struct rows {
    uint32_t group[ROWS];
    int32_t age[ROWS];
    double count[ROWS], population[ROWS];
};

static void make_rows(struct rows *r) {
    for (int i = 0; i < ROWS; i++) {
        int band = i % BANDS;
        r->group[i] = (uint32_t)(i / BANDS);
        r->age[i] = 5 * band;
        r->count[i] = i < BANDS ? 10.0 + band : (band == 0 ? 1.0 : 0.0);
        r->population[i] = 1000.0 * (band + 1);
    }
}

/* Dobson: DSR = sum(w O/n)/sum(w); var = sum(w^2 O/n^2)/sum(w)^2;
 * limit = DSR + sqrt(var/O) (O_limit - O); all x multiplier. */
static void dobson(const struct rows *r, uint32_t g, double o_lower, double o_upper,
                   double multiplier, double out[3]) {
    double wr = 0, w2r = 0, o = 0, total = 0;
    for (int b = 0; b < BANDS; b++) total += ESP2013[b];
    for (int i = 0; i < ROWS; i++) {
        if (r->group[i] != g) continue;
        double w = ESP2013[i % BANDS], c = r->count[i], n = r->population[i];
        wr += w * c / n;
        w2r += w * w * c / (n * n);
        o += c;
    }
    double dsr = wr / total, var = w2r / (total * total), scale = sqrt(var / o);
    out[0] = dsr * multiplier;
    out[1] = (dsr + scale * (o_lower - o)) * multiplier;
    out[2] = (dsr + scale * (o_upper - o)) * multiplier;
}

struct dsr_out {
    double total_count[2], total_population[2], value[2], lower[2], upper[2];
    uint8_t low_count[2];
};

static CmStatus run_dsr(const struct rows *r, size_t len, size_t n_groups, struct dsr_out *out) {
    return cm_dsr(r->group, r->age, r->count, r->population, len, n_groups, CM_STANDARD_ESP2013,
                  NULL, NULL, 0, 0.95, 100000.0, CM_RATE_BYAR, out->total_count, out->total_population,
                  out->value, out->lower, out->upper, out->low_count);
}

static void test_dsr(void) {
    struct rows r;
    struct dsr_out out;
    double expected[3], l, u, o = 0;
    make_rows(&r);
    for (int b = 0; b < BANDS; b++) o += 10.0 + b;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_OK);
    CHECK(out.total_count[0] == o && out.total_count[1] == 1.0);
    CHECK(out.total_population[0] == 190000.0);
    byar(o, &l, &u);
    dobson(&r, 0, l, u, 100000.0, expected);
    CHECK_CLOSE(out.value[0], expected[0], 1e-12);
    CHECK_CLOSE(out.lower[0], expected[1], 1e-12);
    CHECK_CLOSE(out.upper[0], expected[2], 1e-12);
    /* Group 1: one event, exact limits, flagged (PHE does not publish DSRs on < 10 events). */
    dobson(&r, 1, EXACT1_LOWER, EXACT1_UPPER, 100000.0, expected);
    CHECK_CLOSE(out.value[1], expected[0], 1e-12);
    CHECK_CLOSE(out.lower[1], expected[1], 1e-9);
    CHECK_CLOSE(out.upper[1], expected[2], 1e-9);
    CHECK(out.low_count[0] == 0 && out.low_count[1] == 1);

    /* low_count may be NULL; n = 0 rows and 0 groups is fine. */
    CHECK_STATUS(cm_dsr(r.group, r.age, r.count, r.population, ROWS, 2, CM_STANDARD_ESP2013, NULL,
                        NULL, 0, 0.95, 1.0, CM_RATE_BYAR, out.total_count, out.total_population, out.value,
                        out.lower, out.upper, NULL),
                 CM_OK);
    CHECK_STATUS(cm_dsr(NULL, NULL, NULL, NULL, 0, 0, CM_STANDARD_ESP2013, NULL, NULL, 0, 0.95, 1.0,
                        CM_RATE_BYAR, NULL, NULL, NULL, NULL, NULL, NULL),
                 CM_OK);
}

static void test_dsr_custom(void) {
    /* Three bands 16-17, 18-19, 20+ with weights 1, 2, 3; counts 10, 20, 30. */
    uint32_t group[3] = {0, 0, 0};
    int32_t age[3] = {18, 16, 20}, std_age[3] = {16, 18, 20};
    double count[3] = {20, 10, 30}, pop[3] = {2000, 1000, 3000}, w[3] = {1, 2, 3};
    double tc, tp, value, lower, upper, l, u;
    CHECK_STATUS(cm_dsr(group, age, count, pop, 3, 1, CM_STANDARD_CUSTOM, std_age, w, 3, 0.95,
                        1000.0, CM_RATE_BYAR, &tc, &tp, &value, &lower, &upper, NULL),
                 CM_OK);
    /* Each band's rate is 0.01, so DSR = 0.01 x 1000 = 10. */
    double wr = (2 * 20.0 / 2000 + 1 * 10.0 / 1000 + 3 * 30.0 / 3000) / 6.0;
    double var = (4 * 20.0 / (2000.0 * 2000) + 1 * 10.0 / (1000.0 * 1000) +
                  9 * 30.0 / (3000.0 * 3000)) /
                 36.0;
    byar(60.0, &l, &u);
    CHECK_CLOSE(value, 10.0, 1e-12);
    CHECK_CLOSE(value, wr * 1000.0, 1e-12);
    CHECK_CLOSE(lower, (wr + sqrt(var / 60.0) * (l - 60.0)) * 1000.0, 1e-12);
    CHECK_CLOSE(upper, (wr + sqrt(var / 60.0) * (u - 60.0)) * 1000.0, 1e-12);
    CHECK(tc == 60.0 && tp == 6000.0);

    /* A custom standard needs its arrays; lower ages must increase. */
    CHECK_STATUS(cm_dsr(group, age, count, pop, 3, 1, CM_STANDARD_CUSTOM, NULL, w, 3, 0.95, 1.0,
                        CM_RATE_BYAR, &tc, &tp, &value, &lower, &upper, NULL),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`standard_lower_ages`");
    CHECK_STATUS(cm_dsr(group, age, count, pop, 3, 1, CM_STANDARD_CUSTOM, age, w, 3, 0.95, 1.0,
                        CM_RATE_BYAR, &tc, &tp, &value, &lower, &upper, NULL),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`standard_lower_ages` at index 1");
    CHECK_MESSAGE("strictly increasing");
}

static void test_dsr_errors(void) {
    struct rows r;
    struct dsr_out out;

    /* A duplicated band: group 1 gives 85-89 twice (and no 90+). */
    make_rows(&r);
    r.age[ROWS - 1] = 85;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_INVALID_GROUP);
    CHECK_MESSAGE("group 1: age band `85-89` appears twice");

    /* A missing band: group 1 without its last row (90+). */
    make_rows(&r);
    CHECK_STATUS(run_dsr(&r, ROWS - 1, 2, &out), CM_INVALID_GROUP);
    CHECK_MESSAGE("group 1");
    CHECK_MESSAGE("`90+`");
    CHECK_MESSAGE("missing");

    /* A lower age that is not a band of the standard. */
    make_rows(&r);
    r.age[3] = 17;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("invalid value in `band_lower_age` at index 3 (17)");

    /* 18-band standard with 19-band data: 90 is not one of its lower ages. */
    make_rows(&r);
    CHECK_STATUS(cm_dsr(r.group, r.age, r.count, r.population, ROWS, 2, CM_STANDARD_ESP2013_18,
                        NULL, NULL, 0, 0.95, 1.0, CM_RATE_BYAR, out.total_count, out.total_population,
                        out.value, out.lower, out.upper, out.low_count),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`band_lower_age` at index 18 (90)");

    /* Group code out of range, negative count, zero population, NaN, bad standard. */
    CHECK_STATUS(run_dsr(&r, ROWS, 1, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("`group` at index 19");
    r.count[4] = -1.0;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("`count` at index 4 (-1)");
    make_rows(&r);
    r.population[6] = 0.0;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("`population` at index 6");
    make_rows(&r);
    r.count[7] = NAN;
    CHECK_STATUS(run_dsr(&r, ROWS, 2, &out), CM_INVALID_VALUE);
    CHECK_MESSAGE("NaN");
    make_rows(&r);
    CHECK_STATUS(cm_dsr(r.group, r.age, r.count, r.population, ROWS, 2, (CmStandard)5, NULL, NULL,
                        0, 0.95, 1.0, CM_RATE_BYAR, out.total_count, out.total_population, out.value,
                        out.lower, out.upper, NULL),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`standard`");
    CHECK_STATUS(cm_dsr(r.group, NULL, r.count, r.population, ROWS, 2, CM_STANDARD_ESP2013, NULL,
                        NULL, 0, 0.95, 1.0, CM_RATE_BYAR, out.total_count, out.total_population, out.value,
                        out.lower, out.upper, NULL),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`band_lower_age`");
    CHECK_STATUS(cm_dsr(r.group, r.age, r.count, r.population, ROWS, 2, CM_STANDARD_ESP2013, NULL,
                        NULL, 0, 0.95, 1.0, CM_RATE_BYAR, out.total_count, NULL, out.value, out.lower,
                        out.upper, NULL),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`total_population`");
    CHECK_STATUS(cm_dsr(r.group, r.age, r.count, r.population, ROWS, 2, CM_STANDARD_ESP2013, NULL,
                        NULL, 0, 1.5, 1.0, CM_RATE_BYAR, out.total_count, out.total_population, out.value,
                        out.lower, out.upper, NULL),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`confidence`");
}

static void test_isr(void) {
    /* One group, three bands. E = 1000*10/10000 + 2000*20/10000 + 3000*30/10000 = 14; O = 30. */
    uint32_t group[3] = {0, 0, 0};
    double count[3] = {5, 10, 15}, pop[3] = {1000, 2000, 3000};
    double ref_count[3] = {10, 20, 30}, ref_pop[3] = {10000, 10000, 10000};
    double observed, expected, value, lower, upper, l, u;
    byar(30.0, &l, &u);
    CHECK_STATUS(cm_isr(group, 1, count, pop, ref_count, ref_pop, 3, 0.95, 100.0, CM_RATE_BYAR, CM_ISR_RATIO,
                        &observed, &expected, &value, &lower, &upper),
                 CM_OK);
    CHECK(observed == 30.0);
    CHECK_CLOSE(expected, 14.0, 1e-12);
    CHECK_CLOSE(value, 30.0 / 14.0 * 100.0, 1e-12);
    CHECK_CLOSE(lower, l / 14.0 * 100.0, 1e-12);
    CHECK_CLOSE(upper, u / 14.0 * 100.0, 1e-12);

    /* As a rate: O/E x reference crude rate (60 / 30000) x 100 000 = O/E x 200. */
    CHECK_STATUS(cm_isr(group, 1, count, pop, ref_count, ref_pop, 3, 0.95, 100000.0, CM_RATE_BYAR, CM_ISR_RATE,
                        &observed, &expected, &value, &lower, &upper),
                 CM_OK);
    CHECK_CLOSE(value, 30.0 / 14.0 * 200.0, 1e-12);
    CHECK_CLOSE(lower, l / 14.0 * 200.0, 1e-12);

    /* Errors: E = 0, a negative population, NULL, a bad kind. */
    double zero[3] = {0, 0, 0};
    CHECK_STATUS(cm_isr(group, 1, count, pop, zero, ref_pop, 3, 0.95, 1.0, CM_RATE_BYAR, CM_ISR_RATIO, &observed,
                        &expected, &value, &lower, &upper),
                 CM_INVALID_GROUP);
    CHECK_MESSAGE("group 0: the expected count is 0");
    pop[2] = -3000;
    CHECK_STATUS(cm_isr(group, 1, count, pop, ref_count, ref_pop, 3, 0.95, 1.0, CM_RATE_BYAR, CM_ISR_RATIO,
                        &observed, &expected, &value, &lower, &upper),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`population` at index 2");
    CHECK_STATUS(cm_isr(group, 1, count, pop, NULL, ref_pop, 3, 0.95, 1.0, CM_RATE_BYAR, CM_ISR_RATIO, &observed,
                        &expected, &value, &lower, &upper),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`reference_count`");
    CHECK_STATUS(cm_isr(group, 1, count, pop, ref_count, ref_pop, 3, 0.95, 1.0, CM_RATE_BYAR, (CmIsrKind)3,
                        &observed, &expected, &value, &lower, &upper),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`kind`");
    CHECK_STATUS(cm_isr(NULL, 0, NULL, NULL, NULL, NULL, 0, 0.95, 1.0, CM_RATE_BYAR, CM_ISR_RATIO, NULL, NULL,
                        NULL, NULL, NULL),
                 CM_OK);
}

static void test_mean(void) {
    /* Group 0: 1..5 (mean 3, sd sqrt(2.5)); group 1: 10, 12 (mean 11, sd sqrt(2)). */
    uint32_t group[7] = {0, 0, 1, 0, 0, 1, 0};
    double values[7] = {1, 2, 10, 3, 4, 12, 5};
    double count[2], sum[2], sd[2], value[2], lower[2], upper[2];
    CHECK_STATUS(cm_mean(group, 2, values, 7, 0.95, count, sum, sd, value, lower, upper), CM_OK);
    /* t quantiles qt(0.975, 4) and qt(0.975, 1). */
    double half0 = 2.7764451051977943 * sqrt(2.5) / sqrt(5.0);
    double half1 = 12.706204736174705 * sqrt(2.0) / sqrt(2.0);
    CHECK(count[0] == 5.0 && count[1] == 2.0);
    CHECK_CLOSE(sum[0], 15.0, 1e-12);
    CHECK_CLOSE(sd[0], sqrt(2.5), 1e-12);
    CHECK_CLOSE(value[0], 3.0, 1e-12);
    CHECK_CLOSE(lower[0], 3.0 - half0, 1e-12);
    CHECK_CLOSE(upper[0], 3.0 + half0, 1e-12);
    CHECK_CLOSE(value[1], 11.0, 1e-12);
    CHECK_CLOSE(lower[1], 11.0 - half1, 1e-12);
    CHECK_CLOSE(upper[1], 11.0 + half1, 1e-12);

    /* Errors: a group with one value, NaN, a group code out of range, confidence, NULL. */
    uint32_t one[3] = {0, 0, 1};
    CHECK_STATUS(cm_mean(one, 2, values, 3, 0.95, count, sum, sd, value, lower, upper),
                 CM_INVALID_GROUP);
    CHECK_MESSAGE("group 1: has 1 value(s)");
    values[1] = NAN;
    CHECK_STATUS(cm_mean(group, 2, values, 7, 0.95, count, sum, sd, value, lower, upper),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`values` at index 1 (NaN)");
    values[1] = 2;
    CHECK_STATUS(cm_mean(group, 1, values, 7, 0.95, count, sum, sd, value, lower, upper),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`group` at index 2");
    CHECK_STATUS(cm_mean(group, 2, values, 7, 0.0, count, sum, sd, value, lower, upper),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`confidence`");
    CHECK_STATUS(cm_mean(group, 2, NULL, 7, 0.95, count, sum, sd, value, lower, upper),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`values`");
    CHECK_STATUS(cm_mean(group, 2, values, 7, 0.95, count, sum, NULL, value, lower, upper),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`sd`");
}

int main(void) {
    test_dsr();
    test_dsr_custom();
    test_dsr_errors();
    test_isr();
    test_mean();
    return check_finish();
}
