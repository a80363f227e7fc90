/*
 * C tests of collabmetrics' row-wise estimators (cm_proportion, cm_rate), the last-error API
 * and cm_version. Expected values are worked out here from the formulas in
 * docs/methods/stats.md, or taken from PHE's published tables where a quantile function would
 * be needed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"

/* Normal quantile for 95% confidence: z = qnorm(0.975). */
static const double Z95 = 1.959963984540054;

/* Wilson score limits: (2O + z^2 -/+ z sqrt(z^2 + 4O(1 - O/n))) / (2(n + z^2)). */
static void wilson(double o, double n, double z, double *lower, double *upper) {
    double half = z * sqrt(z * z + 4.0 * o * (1.0 - o / n));
    double denom = 2.0 * (n + z * z);
    *lower = (2.0 * o + z * z - half) / denom;
    *upper = (2.0 * o + z * z + half) / denom;
}

/* Byar's limits: O(1 - 1/(9O) - z/(3 sqrt O))^3 and (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3. */
static void byar(double o, double z, double *lower, double *upper) {
    double t = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * sqrt(o));
    double o1 = o + 1.0;
    double u = 1.0 - 1.0 / (9.0 * o1) + z / (3.0 * sqrt(o1));
    *lower = o * t * t * t;
    *upper = o1 * u * u * u;
}

static void test_version(void) {
    const char *version = cm_version();
    CHECK(version != NULL);
    CHECK(strlen(version) >= 5);
#ifdef CM_EXPECTED_VERSION
    CHECK(strcmp(version, CM_EXPECTED_VERSION) == 0);
#endif
    /* cm_version does not touch the last error. */
    CHECK(cm_last_error_code() == CM_OK);
}

static void test_proportion(void) {
    double o[3] = {65.0, 0.0, 10.0}, n[3] = {100.0, 50.0, 10.0};
    double value[3], lower[3], upper[3], l, u;
    CHECK_STATUS(cm_proportion(o, n, 3, 0.95, 1.0, value, lower, upper), CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
    /* PHEindicatormethods: wilson_lower/upper(65, 100, 0.95). */
    CHECK_CLOSE(lower[0], 0.5525444329688797, 1e-12);
    CHECK_CLOSE(upper[0], 0.7363575175690247, 1e-12);
    wilson(65.0, 100.0, Z95, &l, &u);
    CHECK_CLOSE(lower[0], l, 1e-12);
    CHECK_CLOSE(upper[0], u, 1e-12);
    CHECK_CLOSE(value[0], 0.65, 1e-15);
    /* O = 0 and O = n are valid: one limit is 0 or 1. */
    wilson(0.0, 50.0, Z95, &l, &u);
    CHECK(value[1] == 0.0 && lower[1] == 0.0);
    CHECK_CLOSE(upper[1], u, 1e-12);
    CHECK(value[2] == 1.0 && upper[2] == 1.0);

    /* Percentages, and the 99.8% level PHE uses for control limits. */
    CHECK_STATUS(cm_proportion(o, n, 1, 0.998, 100.0, value, lower, upper), CM_OK);
    wilson(65.0, 100.0, 3.090232306167813, &l, &u);
    CHECK_CLOSE(value[0], 65.0, 1e-12);
    CHECK_CLOSE(lower[0], 100.0 * l, 1e-9);
    CHECK_CLOSE(upper[0], 100.0 * u, 1e-9);

    /* n = 0 elements: NULL pointers are fine. */
    CHECK_STATUS(cm_proportion(NULL, NULL, 0, 0.95, 1.0, NULL, NULL, NULL), CM_OK);
}

static void test_proportion_errors(void) {
    double o[2] = {1.0, 11.0}, n[2] = {10.0, 10.0}, value[2], lower[2], upper[2];
    double nan_o[1] = {NAN}, neg_o[1] = {-1.0}, zero_n[1] = {0.0};

    CHECK_STATUS(cm_proportion(NULL, n, 2, 0.95, 1.0, value, lower, upper), CM_NULL_POINTER);
    CHECK_MESSAGE("`numerator`");
    CHECK_MESSAGE("NULL");
    CHECK_FIELD(cm_last_error_kind(), "null_pointer");
    CHECK_FIELD(cm_last_error_argument(), "numerator");
    CHECK_STATUS(cm_proportion(o, n, 2, 0.95, 1.0, value, NULL, upper), CM_NULL_POINTER);
    CHECK_MESSAGE("`lower`");

    /* O > n, also field by field. */
    CHECK_STATUS(cm_proportion(o, n, 2, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    CHECK_MESSAGE("`numerator`");
    CHECK_MESSAGE("index 1");
    CHECK_MESSAGE("must not exceed the denominator");
    CHECK_FIELD(cm_last_error_kind(), "invalid_value");
    CHECK_FIELD(cm_last_error_table(), NULL);
    CHECK_FIELD(cm_last_error_column(), "numerator");
    CHECK_FIELD(cm_last_error_argument(), "numerator");
    CHECK(cm_last_error_row() == 1);
    CHECK_FIELD(cm_last_error_value(), "11");
    CHECK_FIELD(cm_last_error_group(), NULL);
    CHECK(cm_last_error_rule() != NULL &&
          strstr(cm_last_error_rule(), "must not exceed the denominator") != NULL);
    CHECK_STATUS(cm_proportion(neg_o, n, 1, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    CHECK_MESSAGE("(-1)");
    CHECK_STATUS(cm_proportion(nan_o, n, 1, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    CHECK_MESSAGE("NaN");
    CHECK_STATUS(cm_proportion(o, zero_n, 1, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    CHECK_MESSAGE("`denominator`");

    /* Confidence outside (0, 1). */
    CHECK_STATUS(cm_proportion(o, n, 1, 1.0, 1.0, value, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("invalid argument `confidence`");
    CHECK_MESSAGE("strictly between 0 and 1");
    CHECK_STATUS(cm_proportion(o, n, 1, 0.0, 1.0, value, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_STATUS(cm_proportion(o, n, 1, 95.0, 1.0, value, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_STATUS(cm_proportion(o, n, 1, NAN, 1.0, value, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_STATUS(cm_proportion(o, n, 1, 0.95, -1.0, value, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`multiplier`");
    CHECK_FIELD(cm_last_error_kind(), "invalid_argument");
    CHECK_FIELD(cm_last_error_argument(), "multiplier");
    CHECK_FIELD(cm_last_error_column(), NULL);
    CHECK(cm_last_error_row() == -1);
    CHECK_FIELD(cm_last_error_value(), NULL);

    /* An output over an input. */
    CHECK_STATUS(cm_proportion(o, n, 1, 0.95, 1.0, o, lower, upper), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`value`");
    CHECK_MESSAGE("shares memory with `numerator`");
}

static void test_rate(void) {
    double count[3] = {65.0, 1.0, 0.0}, pt[3] = {1000.0, 1000.0, 500.0};
    double value[3], lower[3], upper[3], l, u;
    uint8_t method[3] = {0, 0, 0};
    CHECK_STATUS(cm_rate(count, pt, 3, 0.95, 100000.0, CM_RATE_BYAR, value, lower, upper, method),
                 CM_OK);
    /* O = 65 >= 10: Byar's method, per 100 000 person-years. */
    byar(65.0, Z95, &l, &u);
    CHECK_CLOSE(value[0], 6500.0, 1e-12);
    CHECK_CLOSE(lower[0], l / 1000.0 * 100000.0, 1e-12);
    CHECK_CLOSE(upper[0], u / 1000.0 * 100000.0, 1e-12);
    CHECK(method[0] == 2);
    /* O = 1 < 10: exact Poisson limits, PHE's table: 0.0253178..., 5.5716433... */
    CHECK_CLOSE(lower[1], 0.025317807984289897 * 100.0, 1e-9);
    CHECK_CLOSE(upper[1], 5.571643390938898 * 100.0, 1e-9);
    CHECK(method[1] == 3);
    /* O = 0: lower limit 0, upper -ln(0.025) = 3.6888794541139363 (chi2(0.975, 2) / 2). */
    CHECK(value[2] == 0.0 && lower[2] == 0.0);
    CHECK_CLOSE(upper[2], 3.6888794541139363 / 500.0 * 100000.0, 1e-9);

    /* Exact on request for O = 65: qchisq(0.025, 130) / 2 and qchisq(0.975, 132) / 2. */
    CHECK_STATUS(cm_rate(count, pt, 1, 0.95, 1.0, CM_RATE_EXACT, value, lower, upper, method),
                 CM_OK);
    CHECK(method[0] == 3);
    CHECK_CLOSE(lower[0] * 1000.0, 50.16562772923427, 1e-9);
    CHECK_CLOSE(upper[0] * 1000.0, 82.84783581587158, 1e-9);

    /* method_used may be NULL; n = 0 takes NULL everywhere. */
    CHECK_STATUS(cm_rate(count, pt, 3, 0.95, 1.0, CM_RATE_BYAR, value, lower, upper, NULL), CM_OK);
    CHECK_STATUS(cm_rate(NULL, NULL, 0, 0.95, 1.0, CM_RATE_BYAR, NULL, NULL, NULL, NULL), CM_OK);
}

static void test_rate_errors(void) {
    double count[2] = {3.0, -2.0}, pt[2] = {1.0, 1.0}, zero[1] = {0.0}, nan[1] = {NAN};
    double value[2], lower[2], upper[2];
    CHECK_STATUS(cm_rate(count, pt, 2, 0.95, 1.0, CM_RATE_BYAR, value, lower, upper, NULL),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("invalid value in `count` at index 1 (-2)");
    CHECK_STATUS(cm_rate(count, zero, 1, 0.95, 1.0, CM_RATE_BYAR, value, lower, upper, NULL),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("`denominator`");
    CHECK_STATUS(cm_rate(nan, pt, 1, 0.95, 1.0, CM_RATE_BYAR, value, lower, upper, NULL),
                 CM_INVALID_VALUE);
    CHECK_MESSAGE("NaN");
    CHECK_STATUS(cm_rate(count, pt, 1, 0.95, 1.0, (CmRateMethod)7, value, lower, upper, NULL),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`method`");
    CHECK_STATUS(cm_rate(count, NULL, 1, 0.95, 1.0, CM_RATE_BYAR, value, lower, upper, NULL),
                 CM_NULL_POINTER);
    CHECK_MESSAGE("`denominator`");
    CHECK_STATUS(cm_rate(count, pt, 1, -0.5, 1.0, CM_RATE_BYAR, value, lower, upper, NULL),
                 CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`confidence`");
}

static void test_last_error(void) {
    double o[1] = {5.0}, n[1] = {4.0}, value[1], lower[1], upper[1];
    char small[8], big[512];
    size_t len;

    cm_clear_error();
    CHECK(cm_last_error_code() == CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
    CHECK(cm_last_error_copy(NULL, 0) == 0);

    CHECK_STATUS(cm_proportion(o, n, 1, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    len = cm_last_error_copy(NULL, 0);
    CHECK(len == strlen(cm_last_error_message()));
    CHECK(len > sizeof small);
    /* Truncated copy: 7 bytes and the NUL, like snprintf; the full length is returned. */
    CHECK(cm_last_error_copy(small, sizeof small) == len);
    CHECK(strlen(small) == sizeof small - 1);
    CHECK(strncmp(small, cm_last_error_message(), sizeof small - 1) == 0);
    CHECK(cm_last_error_copy(big, sizeof big) == len);
    CHECK(strcmp(big, cm_last_error_message()) == 0);
    /* Reading the error does not change it. */
    CHECK(cm_last_error_code() == CM_INVALID_VALUE);

    /* A successful call clears it. */
    o[0] = 1.0;
    CHECK_STATUS(cm_proportion(o, n, 1, 0.95, 1.0, value, lower, upper), CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);

    o[0] = 5.0;
    CHECK_STATUS(cm_proportion(o, n, 1, 0.95, 1.0, value, lower, upper), CM_INVALID_VALUE);
    cm_clear_error();
    CHECK(cm_last_error_code() == CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
}

int main(void) {
    test_version();
    test_proportion();
    test_proportion_errors();
    test_rate();
    test_rate_errors();
    test_last_error();
    return check_finish();
}
