/* test_expr_files.c - cross-check of the expression layer on real files: columns of
 * uproot-HZZ.root and the CMS NanoAOD ttbar file are decoded through the public reader
 * (rf_table_read), several filters and defines are evaluated, and each result must equal the
 * same computation written out directly in C over the decoded arrays (same precision, so
 * float results are compared bit for bit). Skips when ../shared is absent unless
 * ROOTFEED_REQUIRE_DATA=1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed_expr.h"


#include "../common/check.h"

#define MAXC 32

typedef struct tab {
    rf_file *f;
    rf_table *t;
    int64_t n;
    size_t ncols;
    rf_expr_column cols[MAXC];
    rf_column_data cd[MAXC];
} tab;

static int open_table(tab *x, const char *path, const char *obj, const char *const *names)
{
    rf_error err = {0};
    memset(x, 0, sizeof *x);
    if (rf_file_open(path, &x->f, &err) || rf_table_open(x->f, obj, &x->t, &err)) {
        CHECK(0, "%s", err.msg);
        return 0;
    }
    x->n = rf_table_entries(x->t);
    for (; names[x->ncols]; x->ncols++) {
        size_t i = x->ncols;
        long c = rf_table_find_column(x->t, names[i]);
        CHECK(c >= 0, "%s: no column %s", path, names[i]);
        if (c < 0)
            return 0;
        rf_column_data_init(&x->cd[i]);
        rf_status s = rf_table_read(x->t, (size_t)c, 0, x->n, &x->cd[i], &err);
        CHECK(s == RF_OK, "%s", err.msg);
        if (s)
            return 0;
        rf_expr_column_from_info(rf_table_column(x->t, (size_t)c), &x->cols[i]);
        x->cols[i].data = &x->cd[i];
    }
    return 1;
}

static void close_table(tab *x)
{
    for (size_t i = 0; i < x->ncols; i++)
        rf_column_data_free(&x->cd[i]);
    rf_table_close(x->t);
    rf_file_close(x->f);
}

static const rf_column_data *col(const tab *x, const char *name)
{
    for (size_t i = 0; i < x->ncols; i++)
        if (!strcmp(x->cols[i].name, name))
            return &x->cd[i];
    fprintf(stderr, "test bug: column %s not loaded\n", name);
    exit(2);
}

#define F32(x, name) ((const float *)col(x, name)->values)
#define I32(x, name) ((const int32_t *)col(x, name)->values)
#define U32(x, name) ((const uint32_t *)col(x, name)->values)
#define OFF(x, name) (col(x, name)->offsets[0])

static rf_expr_stats stats;

/* Evaluates text over the whole table into out. */
static int eval(const tab *x, const char *text, rf_column_data *out)
{
    rf_expr *e;
    rf_error err = {0};
    rf_status s = rf_expr_compile(text, x->cols, x->ncols, &e, &err);
    if (!s)
        s = rf_expr_eval(e, x->cols, x->ncols, 0, x->n, out, &err);
    CHECK(s == RF_OK, "'%s': %s", text, err.msg);
    if (!s)
        rf_expr_get_stats(e, &stats);
    rf_expr_free(e);
    return s == RF_OK;
}

static int same_f(float a, float b) { return (isnan(a) && isnan(b)) || !memcmp(&a, &b, 4); }
static int same_d(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* A flat filter against a mask computed directly. */
static void check_filter(const tab *x, const char *text, const uint8_t *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    if (eval(x, text, &out)) {
        int64_t bad = -1, nsel = 0;
        for (int64_t i = 0; i < x->n && bad < 0; i++) {
            nsel += want[i];
            if (((uint8_t *)out.values)[i] != want[i])
                bad = i;
        }
        CHECK(out.dtype == RF_BOOL && bad < 0, "'%s': differs at entry %lld", text,
              (long long)bad);
        printf("  %-60s %lld of %lld entries pass\n", text, (long long)nsel, (long long)x->n);
    }
    rf_column_data_free(&out);
}

static void check_flat_f(const tab *x, const char *text, const float *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    if (eval(x, text, &out)) {
        int64_t bad = -1;
        for (int64_t i = 0; i < x->n && bad < 0; i++)
            if (!same_f(((float *)out.values)[i], want[i]))
                bad = i;
        CHECK(out.dtype == RF_FLOAT32 && out.nlevels == 0 && bad < 0,
              "'%s': dtype %s, differs at entry %lld", text, rf_dtype_name(out.dtype),
              (long long)bad);
    }
    rf_column_data_free(&out);
}

static void check_flat_i(const tab *x, const char *text, const int64_t *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    if (eval(x, text, &out)) {
        int64_t bad = -1;
        for (int64_t i = 0; i < x->n && bad < 0; i++)
            if (((int64_t *)out.values)[i] != want[i])
                bad = i;
        CHECK(out.dtype == RF_INT64 && bad < 0, "'%s': differs at entry %lld", text,
              (long long)bad);
    }
    rf_column_data_free(&out);
}

static void check_flat_d(const tab *x, const char *text, const double *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    if (eval(x, text, &out)) {
        int64_t bad = -1;
        for (int64_t i = 0; i < x->n && bad < 0; i++)
            if (!same_d(((double *)out.values)[i], want[i]))
                bad = i;
        CHECK(out.dtype == RF_FLOAT64 && bad < 0, "'%s': differs at entry %lld", text,
              (long long)bad);
    }
    rf_column_data_free(&out);
}

/* A jagged float result against offsets and values computed directly. */
static void check_jagged_f(const tab *x, const char *text, const int64_t *off, const float *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    if (eval(x, text, &out)) {
        int ok = out.dtype == RF_FLOAT32 && out.nlevels == 1 && out.nvalues == off[x->n];
        int64_t bad = -1;
        for (int64_t i = 0; ok && i <= x->n && bad < 0; i++)
            if (out.offsets[0][i] != off[i])
                bad = i;
        for (int64_t j = 0; ok && bad < 0 && j < off[x->n]; j++)
            if (!same_f(((float *)out.values)[j], want[j]))
                bad = j;
        CHECK(ok && bad < 0, "'%s': shape or value differs at %lld", text, (long long)bad);
    }
    rf_column_data_free(&out);
}

/* ---- uproot-HZZ.root -------------------------------------------------------------------- */

static void test_hzz(const char *dir)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/uproot-HZZ.root", dir);
    static const char *const names[] = {"NJet", "Jet_Px", "Jet_E", "Jet_ID", "NMuon", "Muon_Px",
                                        "Muon_Py", "Muon_Charge", "MET_px", "MET_py", NULL};
    tab x;
    if (!open_table(&x, path, "events", names))
        return;
    printf("uproot-HZZ.root events: %lld entries\n", (long long)x.n);
    int64_t n = x.n;
    const int64_t *jo = OFF(&x, "Jet_Px"), *mo = OFF(&x, "Muon_Px");
    const float *jpx = F32(&x, "Jet_Px"), *je = F32(&x, "Jet_E"), *mpx = F32(&x, "Muon_Px");
    const float *mpy = F32(&x, "Muon_Py"), *metx = F32(&x, "MET_px"), *mety = F32(&x, "MET_py");
    const int32_t *nmu = I32(&x, "NMuon"), *njet = I32(&x, "NJet"), *mq = I32(&x, "Muon_Charge");
    const uint8_t *jid = col(&x, "Jet_ID")->values;
    uint8_t *m = calloc((size_t)n, 1);
    float *f = calloc((size_t)(n + mo[n]), 4);
    int64_t *k = calloc((size_t)(n + 1), 8);
    double *d = calloc((size_t)n, 8);

    for (int64_t i = 0; i < n; i++)
        m[i] = nmu[i] >= 2 && mpx[mo[i]] > 0;
    check_filter(&x, "NMuon >= 2 && Muon_Px[0] > 0", m);
    for (int64_t i = 0; i < n; i++)
        m[i] = njet[i] == jo[i + 1] - jo[i];
    check_filter(&x, "NJet == Jet_Px.size()", m);
    for (int64_t i = 0; i < n; i++) {
        int any = 0;
        for (int64_t j = jo[i]; j < jo[i + 1]; j++)
            any |= !jid[j];
        m[i] = any;
    }
    check_filter(&x, "Any(Jet_ID == false)", m);
    for (int64_t i = 0; i < n; i++)
        f[i] = sqrtf(metx[i] * metx[i] + mety[i] * mety[i]);
    check_flat_f(&x, "sqrt(MET_px*MET_px + MET_py*MET_py)", f);
    for (int64_t i = 0; i < n; i++) {
        k[i] = 0;
        for (int64_t j = jo[i]; j < jo[i + 1]; j++)
            k[i] += jpx[j] > 20;
    }
    check_flat_i(&x, "Sum(Jet_Px > 20)", k);
    int64_t empty = 0;
    for (int64_t i = 0; i < n; i++) {
        float best = NAN;
        empty += jo[i + 1] == jo[i];
        for (int64_t j = jo[i]; j < jo[i + 1]; j++)
            if (j == jo[i] || best < je[j])
                best = je[j];
        f[i] = best;
    }
    check_flat_f(&x, "Max(Jet_E)", f);
    CHECK(stats.empty_reduction == empty, "Max(Jet_E) empty %lld, want %lld",
          (long long)stats.empty_reduction, (long long)empty);
    int64_t oor = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t len = mo[i + 1] - mo[i];
        f[i] = len >= 2 ? mpx[mo[i] + 1] / mpx[mo[i]] : NAN;
        oor += (len < 1) + (len < 2);
    }
    check_flat_f(&x, "Muon_Px[1] / Muon_Px[0]", f);
    CHECK(stats.out_of_range == oor, "out_of_range %lld, want %lld",
          (long long)stats.out_of_range, (long long)oor);
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = mo[i]; j < mo[i + 1]; j++)
            s += (double)mpx[j];
        d[i] = mo[i + 1] > mo[i] ? s / (double)(mo[i + 1] - mo[i]) : 0;
    }
    check_flat_d(&x, "Mean(Muon_Px)", d);
    k[0] = 0;
    int64_t q = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = mo[i]; j < mo[i + 1]; j++)
            if (mq[j] > 0)
                f[q++] = mpx[j];
        k[i + 1] = q;
    }
    check_jagged_f(&x, "Muon_Px[Muon_Charge > 0]", k, f);
    for (int64_t j = 0; j < mo[n]; j++)
        f[j] = hypotf(mpx[j], mpy[j]);
    check_jagged_f(&x, "hypot(Muon_Px, Muon_Py)", mo, f);
    free(m);
    free(f);
    free(k);
    free(d);
    close_table(&x);
}

/* ---- NanoAOD ------------------------------------------------------------------------------ */

static double dphi(double diff, double c)
{
    double r = fmod(diff, 2.0 * c);
    return r < -c ? r + 2.0 * c : r > c ? r - 2.0 * c : r;
}

static float mass4(const float *pt, const float *eta, const float *phi, const float *ms,
                   int64_t a, int64_t b)
{
    float xs = 0, ys = 0, zs = 0, es = 0;
    for (int64_t j = a; j < b; j++) {
        float x = pt[j] * cosf(phi[j]), y = pt[j] * sinf(phi[j]), z = pt[j] * sinhf(eta[j]);
        xs += x;
        ys += y;
        zs += z;
        es += sqrtf(x * x + y * y + z * z + ms[j] * ms[j]);
    }
    return sqrtf(es * es - xs * xs - ys * ys - zs * zs);
}

static void test_nano(const char *dir)
{
    char path[8400];
    snprintf(path, sizeof path, "%s/nanoAOD_2015_CMS_Open_Data_ttbar.root", dir);
    static const char *const names[] = {"nJet", "Jet_pt", "Jet_eta", "Jet_phi", "Jet_jetId",
                                        "nMuon", "Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass",
                                        "MET_pt", NULL};
    tab x;
    if (!open_table(&x, path, "Events", names))
        return;
    printf("nanoAOD_2015_CMS_Open_Data_ttbar.root Events: %lld entries\n", (long long)x.n);
    int64_t n = x.n;
    const int64_t *jo = OFF(&x, "Jet_pt"), *mo = OFF(&x, "Muon_pt");
    const float *jpt = F32(&x, "Jet_pt"), *jeta = F32(&x, "Jet_eta"), *jphi = F32(&x, "Jet_phi");
    const float *mpt = F32(&x, "Muon_pt"), *meta = F32(&x, "Muon_eta");
    const float *mphi = F32(&x, "Muon_phi"), *mm = F32(&x, "Muon_mass"), *met = F32(&x, "MET_pt");
    const int32_t *jid = I32(&x, "Jet_jetId");
    const uint32_t *nmu = U32(&x, "nMuon"), *njet = U32(&x, "nJet");
    uint8_t *m = calloc((size_t)n, 1);
    float *f = calloc((size_t)(n + jo[n]), 4);
    int64_t *k = calloc((size_t)(n + 1), 8);

    for (int64_t i = 0; i < n; i++) {
        int c = 0;
        for (int64_t j = jo[i]; j < jo[i + 1]; j++)
            c += jpt[j] > 30;
        m[i] = c >= 2;
    }
    check_filter(&x, "Sum(Jet_pt > 30) >= 2", m);
    for (int64_t i = 0; i < n; i++)
        m[i] = nmu[i] >= 2 && mpt[mo[i]] > 25;
    check_filter(&x, "nMuon >= 2 && Muon_pt[0] > 25", m);
    for (int64_t i = 0; i < n; i++)
        m[i] = njet[i] == (uint32_t)(jo[i + 1] - jo[i]) && nmu[i] == (uint32_t)(mo[i + 1] - mo[i]);
    check_filter(&x, "nJet == Jet_pt.size() && nMuon == Length(Muon_pt)", m);
    for (int64_t i = 0; i < n; i++)
        m[i] = met[i] > 40 || (jo[i + 1] > jo[i] && fabsf(jeta[jo[i]]) < 1.5f);
    check_filter(&x, "MET_pt > 40 || (nJet > 0 && abs(Jet_eta[0]) < 1.5f)", m);

    k[0] = 0;
    int64_t q = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = jo[i]; j < jo[i + 1]; j++)
            if (fabsf(jeta[j]) < 2.4f && jid[j] > 1)
                f[q++] = jpt[j];
        k[i + 1] = q;
    }
    check_jagged_f(&x, "Jet_pt[abs(Jet_eta) < 2.4f && Jet_jetId > 1]", k, f);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = jo[i]; j < jo[i + 1]; j++) {
            float dp = (float)dphi((float)(jphi[jo[i]] - jphi[j]), (float)M_PI);
            float de = jeta[j] - jeta[jo[i]];
            f[j] = sqrtf(de * de + dp * dp);
        }
    check_jagged_f(&x, "DeltaR(Jet_eta, Jet_eta[0], Jet_phi, Jet_phi[0])", jo, f);
    for (int64_t i = 0; i < n; i++)
        f[i] = mass4(mpt, meta, mphi, mm, mo[i], mo[i + 1]);
    check_flat_f(&x, "InvariantMass(Muon_pt, Muon_eta, Muon_phi, Muon_mass)", f);
    for (int64_t i = 0; i < n; i++)
        f[i] = mo[i + 1] - mo[i] >= 2 ? mass4(mpt, meta, mphi, mm, mo[i], mo[i] + 2) : NAN;
    check_flat_f(&x, "nMuon >= 2 ? InvariantMass(Take(Muon_pt, 2), Take(Muon_eta, 2), "
                     "Take(Muon_phi, 2), Take(Muon_mass, 2)) : NAN", f);
    for (int64_t i = 0; i < n; i++) {
        int64_t a = mo[i], len = mo[i + 1] - a;
        float v[8];
        for (int p = 0; p < 2; p++) {
            int ok = len > p;
            v[4 * p] = ok ? mpt[a + p] : NAN;
            v[4 * p + 1] = ok ? meta[a + p] : NAN;
            v[4 * p + 2] = ok ? mphi[a + p] : NAN;
            v[4 * p + 3] = ok ? mm[a + p] : NAN;
        }
        float x1 = v[0] * cosf(v[2]), y1 = v[0] * sinf(v[2]), z1 = v[0] * sinhf(v[1]);
        float e1 = sqrtf(x1 * x1 + y1 * y1 + z1 * z1 + v[3] * v[3]);
        float x2 = v[4] * cosf(v[6]), y2 = v[4] * sinf(v[6]), z2 = v[4] * sinhf(v[5]);
        float e2 = sqrtf(x2 * x2 + y2 * y2 + z2 * z2 + v[7] * v[7]);
        float e = e1 + e2, px = x1 + x2, py = y1 + y2, pz = z1 + z2;
        f[i] = sqrtf(e * e - px * px - py * py - pz * pz);
    }
    check_flat_f(&x, "InvariantMass(Muon_pt[0], Muon_eta[0], Muon_phi[0], Muon_mass[0], "
                     "Muon_pt[1], Muon_eta[1], Muon_phi[1], Muon_mass[1])", f);

    /* the plan: filter, then defines reading earlier defines */
    rf_expr_plan *p;
    rf_error err = {0};
    uint8_t *mask = calloc((size_t)n, 1);
    int64_t nsel = 0;
    rf_status s = rf_expr_plan_create(x.cols, x.ncols, &p, &err);
    if (!s)
        s = rf_expr_plan_filter(p, "nJet >= 2", &err);
    if (!s)
        s = rf_expr_plan_define(p, "ptratio", "Jet_pt[1] / Jet_pt[0]", &err);
    if (!s)
        s = rf_expr_plan_filter(p, "ptratio > 0.5", &err);
    if (!s)
        s = rf_expr_plan_eval(p, x.cols, x.ncols, 0, n, mask, &nsel, &err);
    CHECK(s == RF_OK, "plan: %s", err.msg);
    int64_t want_sel = 0, bad = -1;
    for (int64_t i = 0; !s && i < n; i++) {
        int keep = njet[i] >= 2 && jpt[jo[i] + 1] / jpt[jo[i]] > 0.5;
        want_sel += keep;
        if (mask[i] != keep && bad < 0)
            bad = i;
    }
    rf_expr_stats st = {0};
    if (!s)
        rf_expr_plan_get_stats(p, &st);
    CHECK(!s && bad < 0 && nsel == want_sel && st.out_of_range == 0,
          "plan mask differs at %lld (selected %lld, want %lld, out_of_range %lld)",
          (long long)bad, (long long)nsel, (long long)want_sel, (long long)st.out_of_range);
    printf("  plan nJet >= 2 -> ptratio = Jet_pt[1] / Jet_pt[0] -> ptratio > 0.5: %lld of %lld entries pass\n",
           (long long)nsel, (long long)n);
    rf_expr_plan_free(p);
    free(mask);
    free(m);
    free(f);
    free(k);
    close_table(&x);
}

int main(void)
{
    char dir[2048];
    if (!check_data(dir, sizeof dir, "uproot-HZZ.root"))
        return check_failed ? check_summary() : 77;
    test_hzz(dir);
    test_nano(dir);
    return check_summary();
}
