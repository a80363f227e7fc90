/*
 * check.h: a minimal assertion helper for the C tests of collabmetrics.
 *
 * Each CHECK* records a pass or prints the failure with its line; check_finish() prints the
 * closing line "N passed, M failed" and returns the process exit status (0 only if M is 0).
 */
#ifndef COLLABMETRICS_TESTS_CHECK_H
#define COLLABMETRICS_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collabmetrics.h"

static int check_passed = 0;
static int check_failed = 0;

/* Counts a result; prints "FAIL file:line: what" for a failure unless `what` is NULL (the
 * caller printed the details). */
static inline int check_record(int ok, const char *file, int line, const char *what) {
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        if (what != NULL) fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

/* A condition. */
#define CHECK(cond) check_record((cond) != 0, __FILE__, __LINE__, #cond)

/* |found - expected| <= tol * max(1, |expected|). */
static inline int check_close(double found, double expected, double tol, const char *file,
                              int line, const char *what) {
    double scale = fabs(expected) > 1.0 ? fabs(expected) : 1.0;
    int ok = fabs(found - expected) <= tol * scale;
    if (!ok) {
        fprintf(stderr, "FAIL %s:%d: %s: found %.17g, expected %.17g\n", file, line, what, found,
                expected);
    }
    return check_record(ok, file, line, NULL);
}
#define CHECK_CLOSE(found, expected, tol) \
    check_close((found), (expected), (tol), __FILE__, __LINE__, #found " ~ " #expected)

/* A call's status equals `expected`, and cm_last_error_code() agrees. */
static inline int check_status(CmStatus status, CmStatus expected, const char *file, int line,
                               const char *what) {
    int ok = status == expected && cm_last_error_code() == expected;
    if (!ok) {
        fprintf(stderr, "FAIL %s:%d: %s: status %d (last %d), expected %d; message: %s\n", file,
                line, what, (int)status, (int)cm_last_error_code(), (int)expected,
                cm_last_error_message());
    }
    return check_record(ok, file, line, NULL);
}
#define CHECK_STATUS(call, expected) check_status((call), (expected), __FILE__, __LINE__, #call)

/* The last error message contains `needle`. */
static inline int check_message(const char *needle, const char *file, int line) {
    const char *message = cm_last_error_message();
    int ok = message != NULL && strstr(message, needle) != NULL;
    if (!ok) {
        fprintf(stderr, "FAIL %s:%d: last error message %s%s%s does not mention \"%s\"\n", file,
                line, message ? "\"" : "", message ? message : "(NULL)", message ? "\"" : "",
                needle);
    }
    return check_record(ok, file, line, NULL);
}
#define CHECK_MESSAGE(needle) check_message((needle), __FILE__, __LINE__)

/* A field of the last error (cm_last_error_table(), ...) equals `expected`; NULL for a field
 * that does not apply. */
static inline int check_field(const char *found, const char *expected, const char *file,
                              int line, const char *what) {
    int ok = (found == NULL || expected == NULL) ? found == expected : strcmp(found, expected) == 0;
    if (!ok) {
        fprintf(stderr, "FAIL %s:%d: %s is %s%s%s, expected %s%s%s\n", file, line, what,
                found ? "\"" : "", found ? found : "NULL", found ? "\"" : "",
                expected ? "\"" : "", expected ? expected : "NULL", expected ? "\"" : "");
    }
    return check_record(ok, file, line, NULL);
}
#define CHECK_FIELD(found, expected) check_field((found), (expected), __FILE__, __LINE__, #found)

/* Prints the closing line and returns the exit status. */
static inline int check_finish(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif /* COLLABMETRICS_TESTS_CHECK_H */
