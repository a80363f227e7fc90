/*
 * producer.h: the Arrow C stream producer of the C tests of collabmetrics (no Arrow library).
 *
 * A test describes a small table by value (`struct table`: a few named columns of utf8,
 * dictionary-encoded utf8, date32, float64 or int64 values) and `stream_of` hands it out as an
 * `ArrowArrayStream` of one batch (`stream_of_batches`: of several tables of one schema). Every schema, array and stream it hands out counts as live until its release
 * callback runs, so a test can check the ownership rules with `nothing_live()` (or the
 * counters `live_streams`, `live_schemas`, `live_arrays`).
 *
 * Everything is static (inline), for one translation unit per test program.
 */
#ifndef COLLABMETRICS_TESTS_PRODUCER_H
#define COLLABMETRICS_TESTS_PRODUCER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collabmetrics.h"

#define PRODUCER_MAX_ROWS 64
#define PRODUCER_MAX_COLUMNS 8
#define PRODUCER_MAX_BATCHES 4

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm): the
 * date32 value of that date. */
static inline int32_t days(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static int live_streams = 0, live_schemas = 0, live_arrays = 0;

static inline bool nothing_live(void) {
    return live_streams == 0 && live_schemas == 0 && live_arrays == 0;
}

/* DICT8: dictionary<int8, utf8>, the dictionary being the column's distinct texts in order of
 * first appearance; DICT8F: dictionary<int8, float64> of the column's distinct reals, likewise
 * (a pandas category of numbers). */
enum kind { UTF8, DICT8, DICT8F, DATE32, FLOAT64, INT64 };

/* A column: its values in the array of its kind. Row i is null when null[i] is set or, for a
 * UTF8 column, when text[i] is NULL. */
struct column {
    const char *name; /* a static string: the schema points to it */
    enum kind kind;
    const char *text[PRODUCER_MAX_ROWS]; /* UTF8, DICT8 */
    int32_t date[PRODUCER_MAX_ROWS];     /* DATE32 */
    double real[PRODUCER_MAX_ROWS];      /* FLOAT64, DICT8F */
    int64_t integer[PRODUCER_MAX_ROWS];  /* INT64 */
    bool null[PRODUCER_MAX_ROWS];        /* row i is null */
    bool no_validity; /* a producer's fault: the null count given, the validity buffer not */
};

struct table {
    int64_t rows;
    int columns;
    struct column column[PRODUCER_MAX_COLUMNS];
};

struct producer {
    struct table table[PRODUCER_MAX_BATCHES]; /* one per batch, all of one schema */
    int batches, next;
};

/* Schemas: names and formats are static strings; a struct schema owns its children. */
static inline void producer_release_leaf_schema(struct ArrowSchema *s) {
    if (s->dictionary != NULL) {
        s->dictionary->release(s->dictionary);
        free(s->dictionary);
    }
    s->release = NULL;
    live_schemas--;
}

static inline void producer_release_struct_schema(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++) {
        struct ArrowSchema *child = s->children[i];
        if (child->release != NULL) child->release(child);
        free(child);
    }
    free(s->children);
    s->release = NULL;
    live_schemas--;
}

static inline const char *producer_format(enum kind kind) {
    switch (kind) {
        case UTF8: return "u";
        case DICT8: return "c"; /* the indices' format; the dictionary's is "u" */
        case DICT8F: return "c"; /* the dictionary's is "g" */
        case DATE32: return "tdD";
        case FLOAT64: return "g";
        default: return "l";
    }
}

static inline int producer_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out) {
    const struct table *t = &((const struct producer *)stream->private_data)->table[0];
    struct ArrowSchema **children = malloc((size_t)t->columns * sizeof *children);
    if (children == NULL) abort();
    for (int i = 0; i < t->columns; i++) {
        struct ArrowSchema *c = malloc(sizeof *c);
        struct ArrowSchema *dictionary = NULL;
        if (c == NULL) abort();
        if (t->column[i].kind == DICT8 || t->column[i].kind == DICT8F) {
            dictionary = malloc(sizeof *dictionary);
            if (dictionary == NULL) abort();
            *dictionary = (struct ArrowSchema){.format = t->column[i].kind == DICT8 ? "u" : "g",
                                               .name = "",
                                               .flags = ARROW_FLAG_NULLABLE,
                                               .release = producer_release_leaf_schema};
            live_schemas++;
        }
        *c = (struct ArrowSchema){.format = producer_format(t->column[i].kind),
                                  .name = t->column[i].name,
                                  .metadata = NULL,
                                  .flags = ARROW_FLAG_NULLABLE,
                                  .n_children = 0,
                                  .children = NULL,
                                  .dictionary = dictionary,
                                  .release = producer_release_leaf_schema,
                                  .private_data = NULL};
        live_schemas++;
        children[i] = c;
    }
    *out = (struct ArrowSchema){.format = "+s",
                                .name = "",
                                .metadata = NULL,
                                .flags = 0,
                                .n_children = t->columns,
                                .children = children,
                                .dictionary = NULL,
                                .release = producer_release_struct_schema,
                                .private_data = NULL};
    live_schemas++;
    return 0;
}

/* Arrays: a leaf owns its buffers (NULL ones included: free(NULL) is fine); a struct array owns
 * its children. */
static inline void producer_release_leaf_array(struct ArrowArray *a) {
    if (a->dictionary != NULL) {
        a->dictionary->release(a->dictionary);
        free(a->dictionary);
    }
    for (int64_t i = 0; i < a->n_buffers; i++) free((void *)a->buffers[i]);
    free(a->buffers);
    a->release = NULL;
    live_arrays--;
}

static inline void producer_release_struct_array(struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_children; i++) {
        struct ArrowArray *child = a->children[i];
        if (child->release != NULL) child->release(child);
        free(child);
    }
    free(a->children);
    free(a->buffers);
    a->release = NULL;
    live_arrays--;
}

/* A heap copy of `size` bytes (at least one byte is allocated, so never NULL). */
static inline void *producer_copy(const void *data, size_t size) {
    void *p = malloc(size > 0 ? size : 1);
    if (p == NULL) abort();
    if (size > 0) memcpy(p, data, size);
    return p;
}

static inline struct ArrowArray *producer_leaf_array(int64_t rows, int64_t null_count,
                                                     int64_t n_buffers, void *b0, void *b1,
                                                     void *b2) {
    struct ArrowArray *a = malloc(sizeof *a);
    const void **buffers = malloc((size_t)n_buffers * sizeof *buffers);
    if (a == NULL || buffers == NULL) abort();
    void *given[3] = {b0, b1, b2};
    for (int64_t i = 0; i < n_buffers; i++) buffers[i] = given[i];
    *a = (struct ArrowArray){.length = rows,
                             .null_count = null_count,
                             .offset = 0,
                             .n_buffers = n_buffers,
                             .n_children = 0,
                             .buffers = buffers,
                             .children = NULL,
                             .dictionary = NULL,
                             .release = producer_release_leaf_array,
                             .private_data = NULL};
    live_arrays++;
    return a;
}

static inline bool producer_is_null(const struct column *c, int64_t i) {
    return c->null[i] || ((c->kind == UTF8 || c->kind == DICT8) && c->text[i] == NULL);
}

/* The validity bitmap of a column (bit i set when row i is valid; NULL when no row is null)
 * and its null count. */
static inline uint8_t *producer_validity(const struct column *c, int64_t rows, int64_t *nulls) {
    *nulls = 0;
    for (int64_t i = 0; i < rows; i++) *nulls += producer_is_null(c, i);
    if (*nulls == 0) return NULL;
    uint8_t *bitmap = calloc((size_t)(rows + 7) / 8, 1);
    if (bitmap == NULL) abort();
    for (int64_t i = 0; i < rows; i++) {
        if (!producer_is_null(c, i)) bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return bitmap;
}

/* utf8 of `rows` texts (NULL for none): validity, int32 offsets, characters (a null row's
 * text, if any, is kept). */
static inline struct ArrowArray *producer_utf8_array(const char *const *text, int64_t rows,
                                                     int64_t nulls, uint8_t *bitmap) {
    int32_t offsets[PRODUCER_MAX_ROWS + 1] = {0};
    for (int64_t i = 0; i < rows; i++) {
        size_t n = text[i] == NULL ? 0 : strlen(text[i]);
        offsets[i + 1] = offsets[i] + (int32_t)n;
    }
    char *data = malloc(offsets[rows] > 0 ? (size_t)offsets[rows] : 1);
    if (data == NULL) abort();
    for (int64_t i = 0; i < rows; i++) {
        size_t n = (size_t)(offsets[i + 1] - offsets[i]);
        if (n > 0) memcpy(data + offsets[i], text[i], n);
    }
    return producer_leaf_array(rows, nulls, 3, bitmap,
                               producer_copy(offsets, (size_t)(rows + 1) * sizeof(int32_t)),
                               data);
}

/* dictionary<int8, utf8>: validity and int8 indices into the distinct texts (a null row's
 * index is 0). */
static inline struct ArrowArray *producer_dict8_array(const struct column *c, int64_t rows,
                                                      int64_t nulls, uint8_t *bitmap) {
    const char *distinct[PRODUCER_MAX_ROWS];
    int8_t index[PRODUCER_MAX_ROWS] = {0};
    int64_t n = 0;
    for (int64_t i = 0; i < rows; i++) {
        if (producer_is_null(c, i)) continue;
        int64_t d = 0;
        while (d < n && strcmp(distinct[d], c->text[i]) != 0) d++;
        if (d == n) distinct[n++] = c->text[i];
        index[i] = (int8_t)d;
    }
    struct ArrowArray *a = producer_leaf_array(
        rows, nulls, 2, bitmap, producer_copy(index, (size_t)rows * sizeof(int8_t)), NULL);
    a->dictionary = producer_utf8_array(distinct, n, 0, NULL);
    return a;
}

static inline struct ArrowArray *producer_dict8f_array(const struct column *c, int64_t rows,
                                                       int64_t nulls, uint8_t *bitmap) {
    double distinct[PRODUCER_MAX_ROWS];
    int8_t index[PRODUCER_MAX_ROWS] = {0};
    int64_t n = 0;
    for (int64_t i = 0; i < rows; i++) {
        if (producer_is_null(c, i)) continue;
        int64_t d = 0;
        while (d < n && distinct[d] != c->real[i]) d++;
        if (d == n) distinct[n++] = c->real[i];
        index[i] = (int8_t)d;
    }
    struct ArrowArray *a = producer_leaf_array(
        rows, nulls, 2, bitmap, producer_copy(index, (size_t)rows * sizeof(int8_t)), NULL);
    a->dictionary = producer_leaf_array(n, 0, 2, NULL,
                                        producer_copy(distinct, (size_t)n * sizeof(double)), NULL);
    return a;
}

static inline struct ArrowArray *producer_column_array(const struct column *c, int64_t rows) {
    int64_t nulls;
    uint8_t *bitmap = producer_validity(c, rows, &nulls);
    if (c->no_validity) {
        free(bitmap);
        bitmap = NULL;
    }
    switch (c->kind) {
        case UTF8: return producer_utf8_array(c->text, rows, nulls, bitmap);
        case DICT8: return producer_dict8_array(c, rows, nulls, bitmap);
        case DICT8F: return producer_dict8f_array(c, rows, nulls, bitmap);
        case DATE32:
            return producer_leaf_array(rows, nulls, 2, bitmap,
                                       producer_copy(c->date, (size_t)rows * sizeof(int32_t)),
                                       NULL);
        case FLOAT64:
            return producer_leaf_array(rows, nulls, 2, bitmap,
                                       producer_copy(c->real, (size_t)rows * sizeof(double)),
                                       NULL);
        default:
            return producer_leaf_array(rows, nulls, 2, bitmap,
                                       producer_copy(c->integer, (size_t)rows * sizeof(int64_t)),
                                       NULL);
    }
}

static inline int producer_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out) {
    struct producer *p = stream->private_data;
    if (p->next == p->batches) {
        memset(out, 0, sizeof *out); /* the end of the stream: a released array */
        return 0;
    }
    const struct table *t = &p->table[p->next++];
    struct ArrowArray **children = malloc((size_t)t->columns * sizeof *children);
    const void **buffers = malloc(sizeof *buffers);
    if (children == NULL || buffers == NULL) abort();
    for (int i = 0; i < t->columns; i++) {
        children[i] = producer_column_array(&t->column[i], t->rows);
    }
    buffers[0] = NULL; /* the struct's validity: no null rows */
    *out = (struct ArrowArray){.length = t->rows,
                               .null_count = 0,
                               .offset = 0,
                               .n_buffers = 1,
                               .n_children = t->columns,
                               .buffers = buffers,
                               .children = children,
                               .dictionary = NULL,
                               .release = producer_release_struct_array,
                               .private_data = NULL};
    live_arrays++;
    return 0;
}

static inline const char *producer_get_last_error(struct ArrowArrayStream *stream) {
    (void)stream;
    return NULL;
}

static inline void producer_release(struct ArrowArrayStream *stream) {
    free(stream->private_data);
    stream->private_data = NULL;
    stream->release = NULL;
    live_streams--;
}

/* A stream of `n` batches, copies of `t[0]` … `t[n - 1]` (at most PRODUCER_MAX_BATCHES, each
 * of at most PRODUCER_MAX_ROWS rows and PRODUCER_MAX_COLUMNS columns, the schema `t[0]`'s:
 * the other tables must have the same column names and kinds). */
static inline struct ArrowArrayStream stream_of_batches(const struct table *t, int n) {
    if (n < 1 || n > PRODUCER_MAX_BATCHES) abort();
    struct producer *p = malloc(sizeof *p);
    if (p == NULL) abort();
    *p = (struct producer){.batches = n, .next = 0};
    for (int b = 0; b < n; b++) {
        if (t[b].rows < 0 || t[b].rows > PRODUCER_MAX_ROWS || t[b].columns != t[0].columns ||
            t[b].columns < 0 || t[b].columns > PRODUCER_MAX_COLUMNS)
            abort();
        p->table[b] = t[b];
    }
    live_streams++;
    return (struct ArrowArrayStream){.get_schema = producer_get_schema,
                                     .get_next = producer_get_next,
                                     .get_last_error = producer_get_last_error,
                                     .release = producer_release,
                                     .private_data = p};
}

/* A stream of one batch: a copy of `t`. */
static inline struct ArrowArrayStream stream_of(const struct table *t) {
    return stream_of_batches(t, 1);
}

#endif /* COLLABMETRICS_TESTS_PRODUCER_H */
