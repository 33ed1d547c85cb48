/* plan_sim.h - runs a plan's epoch on paper: every chunk's rows built (ranges, dest, copies)
 * and checked for consistency, then every batch turned into the selected entries of its rows.
 * What the pipeline will do with data, done with entry numbers. */
#ifndef RF_TEST_PLAN_SIM_H
#define RF_TEST_PLAN_SIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "loader/plan.h"

typedef struct sim_epoch {
    int64_t *entries;    /* the rows of every batch, in delivery order (selected entries) */
    int64_t *bsize;      /* rows of each batch */
    int64_t *bchunk;     /* first chunk of each batch */
    int64_t nrows, nbatches;
    int64_t copied_rows; /* rows of batches made of several pieces */
    int ok;
} sim_epoch;

static void sim_free(sim_epoch *s)
{
    free(s->entries);
    free(s->bsize);
    free(s->bchunk);
    memset(s, 0, sizeof *s);
}

/* Builds chunk k and fills row_entry[r] (selected entry of row r); checks that every row is
 * written exactly once (by dest or by a copy of an earlier row). */
static int sim_chunk(const lp_epoch *e, size_t k, lp_rows *rows, int64_t **row_entry, int64_t S)
{
    rf_error err = {0};
    if (lp_chunk_build(e, k, rows, &err) != RF_OK) {
        CHECK(0, "lp_chunk_build chunk %zu: %s", k, err.msg);
        return 0;
    }
    int ok = 1;
    int64_t n = rows->nrows;
    ok &= n == lp_epoch_chunk_rows(e, k);
    int64_t *re = malloc(sizeof *re * (size_t)(n ? n : 1));
    for (int64_t r = 0; r < n; r++)
        re[r] = -1;
    int64_t i = 0, prev_end = -1;
    for (size_t t = 0; t < rows->nranges; t++) {
        const lp_piece *q = &rows->ranges[t];
        ok &= q->n > 0 && q->start > prev_end && q->start + q->n <= S;
        prev_end = q->start + q->n;
        for (int64_t j = 0; j < q->n; j++, i++) {
            int64_t d = rows->dest[i];
            if (d < 0)
                continue;
            ok &= d < n && re[d] < 0;
            if (d < n)
                re[d] = q->start + j;
        }
    }
    ok &= i == rows->nin;
    for (size_t c = 0; c < rows->ncopies; c++) {
        int64_t from = rows->copies[2 * c], to = rows->copies[2 * c + 1];
        ok &= from >= 0 && from < n && to >= 0 && to < n && re[from] >= 0 && re[to] < 0;
        if (ok)
            re[to] = re[from];
    }
    for (int64_t r = 0; r < n; r++)
        ok &= re[r] >= 0;
    CHECK(ok, "chunk %zu: rows not written exactly once", k);
    *row_entry = re;
    return ok;
}

/* Runs the epoch: batches in order, each batch's rows as selected entries. */
static sim_epoch sim_run(const lp_epoch *e, int64_t S)
{
    sim_epoch s = {0};
    size_t K = lp_epoch_nchunks(e);
    int64_t **re = calloc(K ? K : 1, sizeof *re);
    lp_rows rows = {0};
    s.ok = 1;
    for (size_t k = 0; k < K; k++)
        s.ok &= sim_chunk(e, k, &rows, &re[k], S);
    lp_rows_free(&rows);
    int64_t nb = lp_epoch_nbatches(e), total = 0;
    for (size_t k = 0; k < K; k++)
        total += lp_epoch_chunk_rows(e, k);
    s.entries = malloc(sizeof *s.entries * (size_t)(total ? total : 1));
    s.bsize = calloc((size_t)(nb ? nb : 1), sizeof *s.bsize);
    s.bchunk = calloc((size_t)(nb ? nb : 1), sizeof *s.bchunk);
    s.nbatches = nb;
    size_t cap = 16;
    lp_bpiece *pc = malloc(cap * sizeof *pc);
    /* every (chunk, row) delivered at most once */
    int64_t **used = calloc(K ? K : 1, sizeof *used);
    for (size_t k = 0; k < K; k++)
        used[k] = calloc((size_t)(lp_epoch_chunk_rows(e, k) + 1), sizeof **used);
    for (int64_t j = 0; j < nb && s.ok; j++) {
        size_t np = lp_epoch_batch(e, j, pc, cap);
        if (np > cap) {
            cap = np;
            pc = realloc(pc, cap * sizeof *pc);
            np = lp_epoch_batch(e, j, pc, cap);
        }
        s.bchunk[j] = np ? pc[0].chunk : -1;
        for (size_t t = 0; t < np; t++) {
            int64_t k = pc[t].chunk;
            if (!(k >= 0 && (size_t)k < K && pc[t].row >= 0 && pc[t].n > 0 &&
                  pc[t].row + pc[t].n <= lp_epoch_chunk_rows(e, (size_t)k))) {
                CHECK(0, "batch %lld: piece outside its chunk", (long long)j);
                s.ok = 0;
                break;
            }
            for (int64_t r = pc[t].row; r < pc[t].row + pc[t].n; r++) {
                s.ok &= !used[k][r]++;
                s.entries[s.nrows++] = re[k][r];
            }
            s.bsize[j] += pc[t].n;
            if (np > 1)
                s.copied_rows += pc[t].n;
            if (pc[t].chunk < s.bchunk[j])
                s.bchunk[j] = pc[t].chunk;
        }
    }
    CHECK(s.ok, "epoch: a row delivered twice or a bad piece");
    /* shares: the rows of multi-piece batches, chunk by chunk, cover exactly those batches */
    int64_t *shared = calloc((size_t)(nb ? nb : 1), sizeof *shared);
    lp_share sh[64];
    int sok = 1;
    for (size_t k = 0; k < K && s.ok; k++) {
        size_t n = lp_epoch_chunk_shares(e, k, sh, 64);
        sok &= n <= 64;
        for (size_t t = 0; t < n && t < 64; t++) {
            int64_t j = sh[t].batch;
            if (j < 0 || j >= nb) {
                sok = 0;
                break;
            }
            size_t np = lp_epoch_batch(e, j, pc, cap), found = 0;
            int64_t at = 0;
            for (size_t q = 0; q < np && q < cap; at += pc[q].n, q++)
                found |= pc[q].chunk == (int64_t)k && pc[q].row == sh[t].row && pc[q].n == sh[t].n && at == sh[t].at;
            sok &= np >= 2 && found;
            shared[j] += sh[t].n;
        }
    }
    for (int64_t j = 0; j < nb && s.ok; j++)
        sok &= lp_epoch_batch(e, j, pc, cap) >= 2 ? shared[j] == s.bsize[j] : shared[j] == 0;
    CHECK(sok, "epoch: chunk shares do not match the multi-piece batches");
    free(shared);
    for (size_t k = 0; k < K; k++) {
        free(re[k]);
        free(used[k]);
    }
    free(re);
    free(used);
    free(pc);
    return s;
}

#endif
