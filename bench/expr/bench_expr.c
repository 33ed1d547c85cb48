/* bench_expr.c - entries per second of filters and defines evaluated by the expression layer
 * on one core, over synthetic columns shaped like NanoAOD (nMuon uint32, float32 kinematics,
 * jagged Jet_pt with 0..8 jets per entry). Each case runs a few times over one chunk of N
 * entries (default 1e7) and reports the best thread CPU time (one core's work; the wall time,
 * also shown, includes waiting for the core on a shared machine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rootfeed_expr.h"

/* Thread CPU time (what one core spends, robust on a shared machine) and wall time. */
static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}
static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)(next_u32() >> 8) / 16777216.0f; }

typedef struct data {
    int64_t n, items;
    uint32_t *nmuon;
    float *mu_pt, *met, *jet_pt, *jet_eta, *jet_phi, *jet_m;
    int64_t *off;
    rf_column_data cd[7];
    rf_expr_column cols[7];
} data;

static void col(data *d, int i, const char *name, rf_dtype t, void *v, int64_t nv, int64_t *off)
{
    rf_column_data *c = &d->cd[i];
    memset(c, 0, sizeof *c);
    c->dtype = t;
    c->nlevels = off ? 1 : 0;
    c->nentries = d->n;
    c->nvalues = nv;
    c->values = v;
    c->offsets[0] = off;
    d->cols[i] = (rf_expr_column){name, t, off ? 1 : 0, 0, c};
}

static int make(data *d, int64_t n)
{
    d->n = n;
    d->nmuon = malloc((size_t)n * 4);
    d->mu_pt = malloc((size_t)n * 4);
    d->met = malloc((size_t)n * 4);
    d->off = malloc((size_t)(n + 1) * 8);
    if (!d->nmuon || !d->mu_pt || !d->met || !d->off)
        return 0;
    d->off[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        d->nmuon[i] = next_u32() % 4;
        d->mu_pt[i] = uniform(0, 100);
        d->met[i] = uniform(0, 200);
        d->off[i + 1] = d->off[i] + next_u32() % 9;
    }
    d->items = d->off[n];
    float **jets[4] = {&d->jet_pt, &d->jet_eta, &d->jet_phi, &d->jet_m};
    for (int k = 0; k < 4; k++)
        if (!(*jets[k] = malloc((size_t)d->items * 4)))
            return 0;
    for (int64_t j = 0; j < d->items; j++) {
        d->jet_pt[j] = uniform(15, 120);
        d->jet_eta[j] = uniform(-2.5f, 2.5f);
        d->jet_phi[j] = uniform(-3.14159f, 3.14159f);
        d->jet_m[j] = uniform(0, 20);
    }
    col(d, 0, "nMuon", RF_UINT32, d->nmuon, n, NULL);
    col(d, 1, "Muon_pt0", RF_FLOAT32, d->mu_pt, n, NULL);
    col(d, 2, "MET_pt", RF_FLOAT32, d->met, n, NULL);
    col(d, 3, "Jet_pt", RF_FLOAT32, d->jet_pt, d->items, d->off);
    col(d, 4, "Jet_eta", RF_FLOAT32, d->jet_eta, d->items, d->off);
    col(d, 5, "Jet_phi", RF_FLOAT32, d->jet_phi, d->items, d->off);
    col(d, 6, "Jet_mass", RF_FLOAT32, d->jet_m, d->items, d->off);
    return 1;
}

/* Best of reps evaluations of one filter (plan: mask) or define (rf_expr_eval). */
static int run_case(data *d, const char *text, int filter, int reps)
{
    rf_error err;
    double best = 1e30, best_wall = 1e30;
    int64_t sel = 0;
    uint8_t *mask = malloc((size_t)d->n);
    rf_expr_plan *p = NULL;
    rf_expr *e = NULL;
    rf_column_data out;
    rf_column_data_init(&out);
    rf_status s = filter ? rf_expr_plan_create(d->cols, 7, &p, &err) : RF_OK;
    if (!s)
        s = filter ? rf_expr_plan_filter(p, text, &err) : rf_expr_compile(text, d->cols, 7, &e, &err);
    for (int r = 0; !s && r < reps; r++) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        s = filter ? rf_expr_plan_eval(p, d->cols, 7, 0, d->n, mask, &sel, &err)
                   : rf_expr_eval(e, d->cols, 7, 0, d->n, &out, &err);
        double t = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0, w = clock_s(CLOCK_MONOTONIC) - w0;
        best = t < best ? t : best;
        best_wall = w < best_wall ? w : best_wall;
    }
    if (s)
        fprintf(stderr, "%s: %s\n", text, err.msg);
    else
        printf("%-50s %-6s %7.1f M/s cpu %7.1f M/s wall  %s %lld\n", text,
               filter ? "filter" : "define", (double)d->n / best / 1e6,
               (double)d->n / best_wall / 1e6, filter ? "selected" : "values",
               (long long)(filter ? sel : out.nvalues));
    rf_expr_plan_free(p);
    rf_expr_free(e);
    rf_column_data_free(&out);
    free(mask);
    return s == RF_OK;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 10000000;
    data d;
    memset(&d, 0, sizeof d);
    if (n <= 0 || !make(&d, n)) {
        fprintf(stderr, "cannot allocate %lld entries\n", (long long)n);
        return 1;
    }
    printf("%lld entries, %lld jets (%.2f per entry), one thread\n", (long long)n,
           (long long)d.items, (double)d.items / (double)n);
    int ok = 1;
    if (argc > 2) { /* custom filters */
        for (int i = 2; i < argc; i++)
            ok &= run_case(&d, argv[i], 1, 5);
        return ok ? 0 : 1;
    }
    ok &= run_case(&d, "nMuon >= 2 && Muon_pt0 > 25 && MET_pt < 100", 1, 5);
    ok &= run_case(&d, "Muon_pt0 > 25", 1, 5);
    ok &= run_case(&d, "Sum(Jet_pt > 30) >= 2", 1, 5);
    ok &= run_case(&d, "Jet_pt.size() >= 2 && Jet_pt[1] > 40", 1, 3);
    ok &= run_case(&d, "Any(abs(Jet_eta) < 1 && Jet_pt > 50)", 1, 3);
    ok &= run_case(&d, "Muon_pt0 / MET_pt", 0, 3);
    ok &= run_case(&d, "Jet_pt[Jet_pt > 30 && abs(Jet_eta) < 2.4f]", 0, 3);
    ok &= run_case(&d, "InvariantMass(Jet_pt, Jet_eta, Jet_phi, Jet_mass)", 0, 2);
    return ok ? 0 : 1;
}
