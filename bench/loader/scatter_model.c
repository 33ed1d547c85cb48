/* scatter_model.c - a model of the loader's row assembly alone, to see what the shuffled
 * transpose costs on this machine apart from decoding (bench/README.md, "Session 31").
 *
 * Each thread fills chunk matrices of CHUNK rows x 20 float32 from a column-major stage of
 * 8,192 entries that stays in cache (the decoded slice), CHUNK / 1024 batches per chunk:
 *   scatter  - the loader's way: each row goes to its batch's next free row (batch numbers
 *              shuffled), four rows at a time through 4 x 4 register transposes, the rows 16
 *              ahead prefetched;
 *   order    - the same transposes, rows in entry order (no shuffle: a floor for any layout
 *              that writes row-major batches);
 *   runs     - the slice sorted by batch first (counting sort), each batch's run of rows built
 *              in a buffer and written with non-temporal stores for whole cache lines.
 * Three chunk matrices are used in turn (the loader keeps two alive and a spare), and with
 * --input each slice also reads 80 bytes an entry from a 400 MB buffer, as the decoder reads
 * its input: both keep the matrices' lines out of the caches as they are in the loader.
 *
 *   scatter_model [--input] CHUNK THREADS   -> ns a row a thread, per method (best of 3)
 */
#include <emmintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NC 20        /* float32 columns */
#define SLICE 8192   /* entries decoded at a time */
#define STRIDE 8240  /* stage floats per column (not a multiple of 4 kB: no cache aliasing) */
#define BATCH 1024
#define ROWS 10000000 /* rows per run, over all threads */
#define INPUT_BYTES ((size_t)400 << 20)

enum { SCATTER, ORDER, RUNS };
static const char *names[] = {"scatter", "order", "runs"};
static int64_t chunk;
static int nthreads, input, method;
static volatile uint64_t sink_all; /* keeps the input reads */

typedef struct {
    int tid;
    double seconds;
} job;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Rows g..g+3 of the stage to rows r[0..3] of a matrix. */
static void transpose4(const float *stage, int64_t g, unsigned char *const r[4])
{
    for (int c = 0; c < NC; c += 4) {
        __m128 v0 = _mm_loadu_ps(stage + c * STRIDE + g), v1 = _mm_loadu_ps(stage + (c + 1) * STRIDE + g),
               v2 = _mm_loadu_ps(stage + (c + 2) * STRIDE + g), v3 = _mm_loadu_ps(stage + (c + 3) * STRIDE + g);
        _MM_TRANSPOSE4_PS(v0, v1, v2, v3);
        _mm_storeu_ps((float *)(void *)(r[0] + 4 * c), v0);
        _mm_storeu_ps((float *)(void *)(r[1] + 4 * c), v1);
        _mm_storeu_ps((float *)(void *)(r[2] + 4 * c), v2);
        _mm_storeu_ps((float *)(void *)(r[3] + 4 * c), v3);
    }
}

static void *run(void *arg)
{
    job *jb = arg;
    const size_t rb = NC * 4, mbytes = (size_t)chunk * rb;
    int64_t nb = (chunk + BATCH - 1) / BATCH;
    float *stage = aligned_alloc(64, (size_t)STRIDE * NC * 4);
    unsigned char *mats[3], *rowbuf = aligned_alloc(64, SLICE * rb + 64), *in = input ? malloc(INPUT_BYTES) : NULL;
    uint16_t *bat = malloc((size_t)chunk * 2);
    int32_t *next = malloc((size_t)nb * 4), *rows = malloc(SLICE * 4), *ord = malloc(SLICE * 4), *end = malloc((size_t)nb * 4);
    for (int k = 0; k < 3; k++) {
        mats[k] = aligned_alloc(64, mbytes);
        memset(mats[k], 1, mbytes);
    }
    for (int i = 0; i < STRIDE * NC; i++)
        stage[i] = (float)i;
    if (in)
        memset(in, 3, INPUT_BYTES);
    uint64_t seed = 88172645463325252ull + (uint64_t)jb->tid, sink = 0;
    for (int64_t i = 0; i < chunk; i++) /* the plan, made once: each row's batch, shuffled */
        bat[i] = (uint16_t)(i / BATCH);
    for (int64_t i = chunk - 1; i > 0; i--) {
        int64_t j = (int64_t)(xorshift(&seed) % (uint64_t)(i + 1));
        uint16_t t = bat[i];
        bat[i] = bat[j], bat[j] = t;
    }
    size_t inpos = 0;
    int turn = 0;
    double t0 = now();
    for (int64_t c0 = (int64_t)jb->tid * chunk; c0 < ROWS; c0 += chunk * nthreads) {
        unsigned char *mat = mats[turn++ % 3];
        for (int64_t b = 0; b < nb; b++)
            next[b] = (int32_t)(b * BATCH);
        for (int64_t x0 = 0; x0 < chunk; x0 += SLICE) {
            int64_t m = chunk - x0 < SLICE ? chunk - x0 : SLICE;
            for (int64_t g = 0; g < m; g++)
                rows[g] = method == ORDER ? (int32_t)(x0 + g) : next[bat[x0 + g]]++;
            if (in) { /* the decoder's input streaming through the caches */
                size_t want = (size_t)m * rb;
                inpos = inpos + want > INPUT_BYTES ? 0 : inpos;
                for (size_t q = 0; q < want; q += 64)
                    sink += in[inpos + q];
                inpos += want;
            }
            if (method != RUNS) {
                for (int64_t g = 0; g + 4 <= m; g += 4) {
                    unsigned char *r[4];
                    for (int i = 0; i < 4; i++) {
                        r[i] = mat + (size_t)rows[g + i] * rb;
                        if (g + 16 + i < m) {
                            unsigned char *p = mat + (size_t)rows[g + 16 + i] * rb;
                            __builtin_prefetch(p, 1);
                            __builtin_prefetch(p + rb - 1, 1);
                        }
                    }
                    transpose4(stage, g, r);
                }
                continue;
            }
            for (int64_t b = 0; b < nb; b++) /* RUNS: counting sort of the slice by batch */
                end[b] = 0;
            for (int64_t g = 0; g < m; g++)
                end[bat[x0 + g]]++;
            for (int64_t b = 0, acc = 0; b < nb; b++) {
                int32_t t = end[b];
                end[b] = (int32_t)acc;
                acc += t;
            }
            for (int64_t g = 0; g < m; g++)
                ord[end[bat[x0 + g]]++] = (int32_t)g;
            for (int64_t k = 0; k < m; k++) {
                float *r = (float *)(void *)(rowbuf + (size_t)k * rb);
                for (int c = 0; c < NC; c++)
                    r[c] = stage[c * STRIDE + ord[k]];
            }
            for (int64_t b = 0, prev = 0; b < nb; prev = end[b++]) {
                if (end[b] == prev)
                    continue;
                unsigned char *d = mat + (size_t)rows[ord[prev]] * rb;
                const unsigned char *s = rowbuf + (size_t)prev * rb;
                size_t len = (size_t)(end[b] - prev) * rb, head = (64 - ((uintptr_t)d & 63)) & 63;
                head = head < len ? head : len;
                memcpy(d, s, head);
                d += head, s += head, len -= head;
                for (; len >= 64; len -= 64, d += 64, s += 64)
                    for (int q = 0; q < 64; q += 16)
                        _mm_stream_si128((__m128i *)(void *)(d + q), _mm_loadu_si128((const __m128i *)(const void *)(s + q)));
                memcpy(d, s, len);
            }
            _mm_sfence();
        }
    }
    jb->seconds = now() - t0;
    for (int k = 0; k < 3; k++)
        free(mats[k]);
    free(stage), free(rowbuf), free(in), free(bat), free(next), free(rows), free(ord), free(end);
    sink_all += sink;
    return NULL;
}

int main(int argc, char **argv)
{
    int a = 1;
    if (a < argc && !strcmp(argv[a], "--input"))
        input = 1, a++;
    if (argc - a != 2 || (chunk = atoll(argv[a])) < BATCH || (nthreads = atoi(argv[a + 1])) < 1 || nthreads > 64) {
        fprintf(stderr, "usage: scatter_model [--input] CHUNK(>=%d) THREADS(1-64)\n", BATCH);
        return 2;
    }
    printf("chunk %lld rows x %d float32 (%.1f MB), %d thread(s), %s:", (long long)chunk, NC,
           (double)chunk * NC * 4 / 1e6, nthreads, input ? "decoder input read" : "no input");
    for (method = SCATTER; method <= RUNS; method++) {
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            pthread_t th[64];
            job jobs[64];
            for (int i = 0; i < nthreads; i++) {
                jobs[i] = (job){i, 0};
                pthread_create(&th[i], NULL, run, &jobs[i]);
            }
            double worst = 0;
            for (int i = 0; i < nthreads; i++) {
                pthread_join(th[i], NULL);
                worst = jobs[i].seconds > worst ? jobs[i].seconds : worst;
            }
            double per = worst * 1e9 / ((double)ROWS / nthreads);
            best = per < best ? per : best;
        }
        printf("  %s %.1f", names[method], best);
    }
    printf("  (ns a row a thread)\n");
    return 0;
}
