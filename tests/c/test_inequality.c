/*
 * test_inequality.c: the individual inequality indices through the C ABI, against values
 * worked out by hand below, and bad input.
 */
#include <math.h>

#include "check.h"

int main(void) {
    const double y[4] = {1.0, 2.0, 3.0, 4.0};
    double out = NAN;

    /* The grouped measures' direction has no default; the other defaults are the core's. */
    CmInequalityOptions defaults = cm_inequality_options_default();
    CHECK(defaults.favourable == CM_FAVOURABLE_UNSET);
    CHECK(CM_FAVOURABLE_HIGH != CM_FAVOURABLE_UNSET && CM_FAVOURABLE_LOW != CM_FAVOURABLE_UNSET);
    CHECK(defaults.rci_method == CM_RCI_RAW && defaults.sii_model == CM_SII_LINEAR);
    CHECK(defaults.value_type == CM_VALUE_TYPE_OTHER && defaults.reps == 100000);
    CHECK(isnan(defaults.scale) && isnan(defaults.setting_average));
    CHECK(defaults.confidence == 0.95 && defaults.multiplier == 1.0);
    /* The status codes of the newer error kinds. */
    CHECK(CM_LIMIT_EXCEEDED == 8 && CM_CANCELLED == 9 && CM_PANIC == 101);

    /* Gini (PySAL's n^2 convention): sum over ordered pairs |yi - yj| = 2 (1+2+3+1+2+1) = 20;
     * 20 / (2 n^2 mean) = 20 / (2 * 16 * 2.5) = 0.25. */
    CHECK_STATUS(cm_gini(y, NULL, 4, false, &out), CM_OK);
    CHECK_CLOSE(out, 0.25, 1e-15);

    /* Weights 1, 1, 1, 2 are the values 1, 2, 3, 4, 4: pairs sum 2 (1+2+3+3+1+2+2+1+1+0) = 32,
     * mean 14/5: 32 / (2 * 25 * 2.8) = 32 / 140. */
    const double w[4] = {1.0, 1.0, 1.0, 2.0};
    CHECK_STATUS(cm_gini(y, w, 4, false, &out), CM_OK);
    CHECK_CLOSE(out, 32.0 / 140.0, 1e-14);

    /* Theil T = mean of r ln r with r = y / 2.5; MLD = mean of ln(2.5 / y). */
    double theil = 0.0, mld = 0.0, atk2 = 0.0, hm = 0.0;
    for (int i = 0; i < 4; i++) {
        double r = y[i] / 2.5;
        theil += r * log(r) / 4.0;
        mld += log(2.5 / y[i]) / 4.0;
        hm += 1.0 / y[i] / 4.0;
    }
    /* Atkinson(2) = 1 - harmonic mean / mean. */
    atk2 = 1.0 - (1.0 / hm) / 2.5;
    CHECK_STATUS(cm_theil(y, NULL, 4, &out), CM_OK);
    CHECK_CLOSE(out, theil, 1e-13);
    CHECK_STATUS(cm_mld(y, NULL, 4, &out), CM_OK);
    CHECK_CLOSE(out, mld, 1e-13);
    CHECK_STATUS(cm_atkinson(y, NULL, 4, 2.0, &out), CM_OK);
    CHECK_CLOSE(out, atk2, 1e-13);
    /* GE(2) = half the squared coefficient of variation: var = 1.25, 1.25 / 2.5^2 / 2 = 0.1. */
    CHECK_STATUS(cm_generalized_entropy(y, NULL, 4, 2.0, &out), CM_OK);
    CHECK_CLOSE(out, 0.1, 1e-13);

    /* Bad input: a NULL array, a negative value, a zero for MLD, a bad weight, epsilon < 0. */
    CHECK_STATUS(cm_gini(NULL, NULL, 4, false, &out), CM_NULL_POINTER);
    CHECK(strstr(cm_last_error_message(), "values") != NULL);
    const double bad[3] = {1.0, -2.0, 3.0};
    CHECK_STATUS(cm_gini(bad, NULL, 3, false, &out), CM_INVALID_VALUE);
    CHECK(strstr(cm_last_error_message(), "index 1") != NULL);
    const double zero[3] = {1.0, 0.0, 3.0};
    CHECK_STATUS(cm_mld(zero, NULL, 3, &out), CM_INVALID_VALUE);
    const double bad_w[4] = {1.0, 0.0, 1.0, 1.0};
    CHECK_STATUS(cm_theil(y, bad_w, 4, &out), CM_INVALID_VALUE);
    CHECK(strstr(cm_last_error_message(), "weights") != NULL);
    CHECK_STATUS(cm_atkinson(y, NULL, 4, -1.0, &out), CM_INVALID_ARGUMENT);
    CHECK(strstr(cm_last_error_message(), "epsilon") != NULL);
    CHECK_STATUS(cm_gini(y, NULL, 4, false, NULL), CM_NULL_POINTER);

    /* A cancelled thread flag ends the indices too (they ran to the end before). */
    int cancel = 1;
    CHECK_STATUS(cm_set_cancel_flag(&cancel), CM_OK);
    CHECK_STATUS(cm_gini(y, NULL, 4, false, &out), CM_CANCELLED);
    CHECK_STATUS(cm_theil(y, NULL, 4, &out), CM_CANCELLED);
    cancel = 0;
    CHECK_STATUS(cm_gini(y, NULL, 4, false, &out), CM_OK);
    CHECK_STATUS(cm_set_cancel_flag(NULL), CM_OK);

    return check_finish();
}
