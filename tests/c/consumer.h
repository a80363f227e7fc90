/*
 * consumer.h: the Arrow C stream consumer of the C tests of collabmetrics (no Arrow library).
 *
 * A test reads a result stream with a `reader`: `reader_open` takes the schema, `column_index`
 * finds a column by name (checking its format), `reader_next` hands out one batch at a time
 * and `reader_close` releases the schema, the last batch and the stream:
 *
 *   struct reader rd;
 *   if (!reader_open(&rd, out, MAX_RESULT_ROWS)) return false;
 *   int c = column_index(&rd.schema, "value", "g", true);
 *   while (reader_next(&rd)) {
 *       for (int64_t i = 0; i < rd.batch.length; i++) {
 *           values[rd.rows + i] = cell_f64(&rd.batch, c, i);  (rd.rows: the rows before)
 *       }
 *   }
 *   bool ok = reader_close(&rd);
 *   rows = rd.rows;  (after reader_close, the rows of every batch)
 *
 * The cell readers take a batch, a column index and a row of that batch, and apply both the
 * batch's and the column's offsets. `metadata_value` and `metadata_has` read Arrow C schema
 * metadata (the diagnostics travel there).
 *
 * The checks made here (CHECK from check.h) are the same for every program: each counts in the
 * closing "N passed" line as its call site's did before it moved here.
 *
 * Everything is static (inline), for one translation unit per test program.
 */
#ifndef COLLABMETRICS_TESTS_CONSUMER_H
#define COLLABMETRICS_TESTS_CONSUMER_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"

/* ------------------------------------------------------------------------------------------ */
/* Schemas. */

/* The index of the child of `schema` named `name`, or -1. A child found with another format
 * than `format` is a failed check and -1; a child found with it counts one passed check. An
 * absent child is a failed check when `required`, else just -1; a NULL name is -1 without a
 * check (the column was not asked for). */
static inline int column_index(const struct ArrowSchema *schema, const char *name,
                               const char *format, bool required) {
    if (name == NULL) return -1;
    for (int64_t i = 0; i < schema->n_children; i++) {
        if (strcmp(schema->children[i]->name, name) == 0) {
            if (!CHECK(strcmp(schema->children[i]->format, format) == 0)) {
                fprintf(stderr, "column %s has format %s, expected %s\n", name,
                        schema->children[i]->format, format);
                return -1;
            }
            return (int)i;
        }
    }
    if (required) {
        fprintf(stderr, "no column %s\n", name);
        CHECK(!"the column is in the schema");
    }
    return -1;
}

/* The value of `key` in Arrow C metadata (int32 pair count, then per pair int32 length and
 * bytes of the key, then of the value): a pointer to its bytes with their count in `*len`, or
 * NULL if absent. */
static inline const char *metadata_find(const char *metadata, const char *key, int32_t *len) {
    if (metadata == NULL) return NULL;
    int32_t pairs, n;
    memcpy(&pairs, metadata, 4);
    const char *p = metadata + 4;
    for (int32_t i = 0; i < pairs; i++) {
        memcpy(&n, p, 4);
        bool match = (size_t)n == strlen(key) && memcmp(p + 4, key, (size_t)n) == 0;
        p += 4 + n;
        memcpy(&n, p, 4);
        if (match) {
            *len = n;
            return p + 4;
        }
        p += 4 + n;
    }
    return NULL;
}

/* Whether Arrow C metadata has `key`. */
static inline bool metadata_has(const char *metadata, const char *key) {
    int32_t len;
    return metadata_find(metadata, key, &len) != NULL;
}

/* The value of `key` in Arrow C metadata copied to `buf` as a string (cut at size - 1 bytes);
 * false if absent. */
static inline bool metadata_value(const char *metadata, const char *key, char *buf,
                                  size_t size) {
    int32_t len;
    const char *value = metadata_find(metadata, key, &len);
    if (value == NULL) return false;
    size_t n = (size_t)len < size - 1 ? (size_t)len : size - 1;
    memcpy(buf, value, n);
    buf[n] = '\0';
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Cells: row i of column `col` of `batch`. */

/* The index of row i in the buffers of the column. */
static inline int64_t cell_index(const struct ArrowArray *batch, int col, int64_t i) {
    return batch->offset + batch->children[col]->offset + i;
}

static inline bool bit_at(const void *bits, int64_t j) {
    return ((((const uint8_t *)bits)[j / 8] >> (j % 8)) & 1) != 0;
}

/* Whether the cell is not null. */
static inline bool cell_valid(const struct ArrowArray *batch, int col, int64_t i) {
    const void *validity = batch->children[col]->buffers[0];
    return validity == NULL || bit_at(validity, cell_index(batch, col, i));
}

/* A float64 cell; NAN where null. */
static inline double cell_f64(const struct ArrowArray *batch, int col, int64_t i) {
    if (!cell_valid(batch, col, i)) return NAN;
    return ((const double *)batch->children[col]->buffers[1])[cell_index(batch, col, i)];
}

/* An int64 cell as stored (whatever sits under a null: ask cell_valid). */
static inline int64_t cell_i64(const struct ArrowArray *batch, int col, int64_t i) {
    return ((const int64_t *)batch->children[col]->buffers[1])[cell_index(batch, col, i)];
}

/* An int64 cell as stored, with whether it is not null in `*valid`. */
static inline int64_t cell_i64_valid(const struct ArrowArray *batch, int col, int64_t i,
                                     bool *valid) {
    *valid = cell_valid(batch, col, i);
    return cell_i64(batch, col, i);
}

/* A uint64 cell as stored. */
static inline uint64_t cell_u64(const struct ArrowArray *batch, int col, int64_t i) {
    return ((const uint64_t *)batch->children[col]->buffers[1])[cell_index(batch, col, i)];
}

/* An int32 (or date32) cell as stored. */
static inline int32_t cell_i32(const struct ArrowArray *batch, int col, int64_t i) {
    return ((const int32_t *)batch->children[col]->buffers[1])[cell_index(batch, col, i)];
}

/* A boolean cell: 1, 0, or -1 where null. */
static inline int cell_bool(const struct ArrowArray *batch, int col, int64_t i) {
    if (!cell_valid(batch, col, i)) return -1;
    return bit_at(batch->children[col]->buffers[1], cell_index(batch, col, i)) ? 1 : 0;
}

/* The bytes of a utf8 cell (not terminated) and their count in `*len`, as stored (a null cell
 * is usually empty: ask cell_valid). */
static inline const char *cell_utf8(const struct ArrowArray *batch, int col, int64_t i,
                                    int32_t *len) {
    const struct ArrowArray *c = batch->children[col];
    const int32_t *offsets = c->buffers[1];
    int64_t j = cell_index(batch, col, i);
    *len = offsets[j + 1] - offsets[j];
    return (const char *)c->buffers[2] + offsets[j];
}

/* A utf8 cell copied to `buf` as a string, cut at size - 1 bytes; returns its byte count
 * (a negative count, which a well-formed array never has, copies nothing). */
static inline int32_t cell_text(const struct ArrowArray *batch, int col, int64_t i, char *buf,
                                size_t size) {
    int32_t len;
    const char *bytes = cell_utf8(batch, col, i, &len);
    size_t n = len < 0 ? 0 : (size_t)len < size - 1 ? (size_t)len : size - 1;
    memcpy(buf, bytes, n);
    buf[n] = '\0';
    return len;
}

/* Whether a utf8 cell equals `expected` (NULL: the cell is null). */
static inline bool cell_text_is(const struct ArrowArray *batch, int col, int64_t i,
                                const char *expected) {
    if (!cell_valid(batch, col, i)) return expected == NULL;
    if (expected == NULL) return false;
    int32_t len;
    const char *bytes = cell_utf8(batch, col, i, &len);
    return len >= 0 && (size_t)len == strlen(expected) && memcmp(bytes, expected, (size_t)len) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Streams. */

struct reader {
    struct ArrowArrayStream *out;
    struct ArrowSchema schema; /* valid from reader_open to reader_close */
    struct ArrowArray batch;   /* the batch reader_next handed out */
    int64_t rows;              /* the rows before `batch`; after the last batch, all of them */
    int64_t max_rows;          /* more rows than this in all is a failed check */
    bool ok;                   /* false after a failed check */
};

/* Takes the schema of `out` into rd->schema (one check); false after a failed check, when
 * nothing is to be closed. */
static inline bool reader_open(struct reader *rd, struct ArrowArrayStream *out,
                               int64_t max_rows) {
    memset(rd, 0, sizeof *rd);
    rd->out = out;
    rd->max_rows = max_rows;
    rd->ok = CHECK(out->release != NULL && out->get_schema(out, &rd->schema) == 0);
    return rd->ok;
}

/* Releases the batch handed out before (its rows now count in rd->rows) and takes the next:
 * true while there is one. Each call checks that get_next succeeds; each batch, that the
 * rows stay within max_rows. */
static inline bool reader_next(struct reader *rd) {
    if (rd->batch.release != NULL) {
        rd->rows += rd->batch.length;
        rd->batch.release(&rd->batch);
    }
    if (!rd->ok) return false;
    if (!CHECK(rd->out->get_next(rd->out, &rd->batch) == 0)) {
        rd->batch.release = NULL; /* nothing was handed out */
        rd->ok = false;
        return false;
    }
    if (rd->batch.release == NULL) return false; /* the end */
    if (!CHECK(rd->rows + rd->batch.length <= rd->max_rows)) {
        rd->batch.release(&rd->batch);
        rd->ok = false;
        return false;
    }
    return true;
}

/* Releases what is left (the batch, the schema, the stream; one check that the stream is
 * released) and returns whether every check of the reading passed. */
static inline bool reader_close(struct reader *rd) {
    if (rd->batch.release != NULL) {
        rd->rows += rd->batch.length;
        rd->batch.release(&rd->batch);
    }
    rd->schema.release(&rd->schema);
    rd->out->release(rd->out);
    CHECK(rd->out->release == NULL);
    return rd->ok;
}

#endif /* COLLABMETRICS_TESTS_CONSUMER_H */
