/*
 * C tests of collabmetrics' calls in a forked child and from several threads.
 *
 * A forked child (R's parallel::mclapply, a fork-per-job server) inherits a thread pool
 * without its threads: with rayon's global pool, a child's parallel call waited for ever
 * once its parent had made one. The calls' parallel parts run on a pool of the process's own,
 * which a forked child makes afresh. The expected values are the definitions: O / n for a
 * proportion, and the same numbers from concurrent calls as from one.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "collabmetrics.h"

/* More rows than one chunk of the row-wise estimators (16 384): the call runs in parallel. */
#define N 100000
/* How long a child may take before it counts as hung (valgrind makes calls ~50x slower). */
#define CHILD_SECONDS 120

/* Proportions of N rows: O = i % 97, n = 100 + i % 13. Returns 1 when the call succeeds and
 * every value is O / n. */
static int proportions(void) {
    double *num = malloc(N * sizeof *num), *den = malloc(N * sizeof *den);
    double *value = malloc(N * sizeof *value), *lower = malloc(N * sizeof *lower);
    double *upper = malloc(N * sizeof *upper);
    int ok = num && den && value && lower && upper;
    if (ok) {
        for (size_t i = 0; i < N; i++) {
            num[i] = (double)(i % 97);
            den[i] = (double)(100 + i % 13);
        }
        ok = cm_proportion(num, den, N, 0.95, 1.0, value, lower, upper) == CM_OK;
        for (size_t i = 0; ok && i < N; i++) {
            ok = value[i] == num[i] / den[i] && lower[i] <= value[i] && value[i] <= upper[i];
        }
    }
    free(num);
    free(den);
    free(value);
    free(lower);
    free(upper);
    return ok;
}

/* The Gini of 1, 2, ..., N: sum_i sum_j |i - j| / (2 N^2 mean) = (N^2 - 1) / (3 N (N + 1))
 * = (N - 1) / (3 N). Returns 1 when the call agrees. */
static int gini_of_ranks(void) {
    double *v = malloc(N * sizeof *v), out = 0.0;
    int ok = v != NULL;
    if (ok) {
        for (size_t i = 0; i < N; i++) v[i] = (double)(N - i);
        ok = cm_gini(v, NULL, N, false, &out) == CM_OK &&
             fabs(out - (double)(N - 1) / (3.0 * N)) <= 1e-12;
    }
    free(v);
    return ok;
}

/* Runs `work` in a forked child and checks that it ends and returns 1. The child writes its
 * verdict to a pipe: its exit status is valgrind's or the leak sanitizer's, which count the
 * parent's thread pool, whose threads a child does not have, as leaked. A hung child is
 * killed by its alarm, and so fails. */
static void check_in_a_forked_child(int (*work)(void)) {
    int verdict[2];
    CHECK(pipe(verdict) == 0);
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        alarm(CHILD_SECONDS);
        char ok = work() ? 'y' : 'n';
        _exit(write(verdict[1], &ok, 1) == 1 ? 0 : 1);
    }
    close(verdict[1]);
    if (child < 0) return;
    char ok = 0;
    CHECK(read(verdict[0], &ok, 1) == 1 && ok == 'y');
    close(verdict[0]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(!WIFSIGNALED(status));
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "the child was killed by signal %d (hung: a call never ended)\n",
                WTERMSIG(status));
    }
}

static int both_calls(void) { return proportions() && gini_of_ranks(); }

/* A child that calls after its parent did ends, with the right numbers. */
static void test_calls_in_a_forked_child(void) {
    CHECK(proportions());
    CHECK(gini_of_ranks());
    check_in_a_forked_child(both_calls);
    /* The parent's pool still works. */
    CHECK(proportions());
}

/* A stream of one batch with one text column `x` of TEXT_ROWS rows ("a0", "a1", ...): more
 * rows than one task of the library's UTF-8 check, which then runs in parallel. */
#define TEXT_ROWS 70000

static void release_schema(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++) {
        if (s->children[i]->release != NULL) s->children[i]->release(s->children[i]);
        free(s->children[i]);
    }
    free(s->children);
    s->release = NULL;
}

static void release_array(struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_children; i++) {
        if (a->children[i]->release != NULL) a->children[i]->release(a->children[i]);
        free(a->children[i]);
    }
    free(a->children);
    for (int64_t i = 0; i < a->n_buffers; i++) free((void *)a->buffers[i]);
    free(a->buffers);
    a->release = NULL;
}

static int text_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out) {
    (void)stream;
    struct ArrowSchema *child = calloc(1, sizeof *child);
    struct ArrowSchema **children = calloc(1, sizeof *children);
    if (child == NULL || children == NULL) return 12; /* ENOMEM */
    *child = (struct ArrowSchema){.format = "u", .name = "x", .flags = ARROW_FLAG_NULLABLE,
                                  .release = release_schema};
    children[0] = child;
    *out = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 1,
                                .children = children, .release = release_schema};
    return 0;
}

static int text_next(struct ArrowArrayStream *stream, struct ArrowArray *out) {
    int *left = stream->private_data;
    if (*left == 0) {
        *out = (struct ArrowArray){.release = NULL}; /* the end */
        return 0;
    }
    *left = 0;
    int32_t *offsets = malloc((TEXT_ROWS + 1) * sizeof *offsets);
    char *data = malloc(TEXT_ROWS * 8);
    struct ArrowArray *child = calloc(1, sizeof *child);
    struct ArrowArray **children = calloc(1, sizeof *children);
    const void **child_buffers = calloc(3, sizeof *child_buffers);
    const void **buffers = calloc(1, sizeof *buffers);
    if (!offsets || !data || !child || !children || !child_buffers || !buffers) return 12;
    offsets[0] = 0;
    for (int32_t i = 0; i < TEXT_ROWS; i++) {
        int n = snprintf(data + offsets[i], 8, "a%d", (int)(i % 100000));
        offsets[i + 1] = offsets[i] + n;
    }
    child_buffers[1] = offsets;
    child_buffers[2] = data;
    *child = (struct ArrowArray){.length = TEXT_ROWS, .n_buffers = 3, .buffers = child_buffers,
                                 .release = release_array};
    children[0] = child;
    *out = (struct ArrowArray){.length = TEXT_ROWS, .n_buffers = 1, .buffers = buffers,
                               .n_children = 1, .children = children, .release = release_array};
    return 0;
}

static const char *text_error(struct ArrowArrayStream *stream) {
    (void)stream;
    return NULL;
}

static void text_release(struct ArrowArrayStream *stream) {
    free(stream->private_data);
    stream->release = NULL;
}

/* cm_publish of the text stream: it reads (and checks) the table, then refuses it (a table
 * without collabmetrics' roles). Returns 1 when it does so. */
static int read_text_table(void) {
    int *left = malloc(sizeof *left);
    if (left == NULL) return 0;
    *left = 1;
    struct ArrowArrayStream input = {.get_schema = text_schema, .get_next = text_next,
                                     .get_last_error = text_error, .release = text_release,
                                     .private_data = left};
    struct ArrowArrayStream out = {0};
    return cm_publish(&input, NULL, &out) == CM_INVALID_ARGUMENT && input.release == NULL &&
           out.release == NULL;
}

static int read_and_call(void) { return read_text_table() && proportions(); }

/* A child's call reading a long text column (whose check runs in parallel) ends, after the
 * parent has made calls; and so does a child whose parent's only call failed after reading. */
static void test_reading_in_a_forked_child(void) {
    CHECK(read_text_table());
    check_in_a_forked_child(read_and_call);
}

static void *call_twice(void *arg) {
    int *ok = arg;
    *ok = proportions() && gini_of_ranks();
    return NULL;
}

/* Calls from several threads at once give the same numbers as calls one at a time. */
static void test_concurrent_calls(void) {
    enum { THREADS = 4 };
    pthread_t threads[THREADS];
    int ok[THREADS] = {0};
    int started[THREADS] = {0};
    for (int t = 0; t < THREADS; t++) {
        started[t] = pthread_create(&threads[t], NULL, call_twice, &ok[t]) == 0;
        CHECK(started[t]);
    }
    for (int t = 0; t < THREADS; t++) {
        if (!started[t]) continue;
        CHECK(pthread_join(threads[t], NULL) == 0);
        CHECK(ok[t]);
    }
}

int main(void) {
    /* First, while this process has made no call yet: a failed call's reading starts the
     * thread pool too. */
    test_reading_in_a_forked_child();
    test_calls_in_a_forked_child();
    test_concurrent_calls();
    return check_finish();
}
