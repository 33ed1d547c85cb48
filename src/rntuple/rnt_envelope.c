/* rnt_envelope.c - the outer layer of an RNTuple: the anchor (the ROOT::RNTuple key's
 * big-endian payload with its XXH3 checksum), envelopes (read, decompressed, type and length
 * checked, XXH3 verified) and the little-endian cursor primitives every envelope parser
 * uses: integers, strings, frames (always skipped by their stored size, so that records grown
 * by newer minor versions still read), locators and feature flags. */
#include <stdlib.h>
#include <string.h>

#include "rnt.h"
#include "../common/endian.h"
#include "../common/error.h"
#include "../common/hash.h"

static rf_status need(rnt_cur *c, size_t k, rf_error *err)
{
    RF_CHECK(c->n - c->pos >= k, err, RF_ERR_FORMAT,
             "%s envelope at offset %llu: %zu bytes needed at byte %llu, only %zu left", c->what,
             (unsigned long long)c->base, k, (unsigned long long)(c->base + c->pos), c->n - c->pos);
    return RF_OK;
}

rf_status rnt_u16(rnt_cur *c, uint16_t *v, rf_error *err)
{
    RF_TRY(need(c, 2, err));
    *v = load_le16(c->p + c->pos);
    c->pos += 2;
    return RF_OK;
}

rf_status rnt_u32(rnt_cur *c, uint32_t *v, rf_error *err)
{
    RF_TRY(need(c, 4, err));
    *v = load_le32(c->p + c->pos);
    c->pos += 4;
    return RF_OK;
}

rf_status rnt_u64(rnt_cur *c, uint64_t *v, rf_error *err)
{
    RF_TRY(need(c, 8, err));
    *v = load_le64(c->p + c->pos);
    c->pos += 8;
    return RF_OK;
}

rf_status rnt_str(rnt_cur *c, char **s, rf_error *err)
{
    uint32_t len;
    RF_TRY(rnt_u32(c, &len, err));
    RF_TRY(need(c, len, err));
    char *q = malloc((size_t)len + 1);
    RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for a string of %u bytes", len);
    memcpy(q, c->p + c->pos, len);
    q[len] = 0;
    c->pos += len;
    *s = q;
    return RF_OK;
}

rf_status rnt_frame(rnt_cur *c, int want_list, rnt_cur *sub, uint32_t *nitems, rf_error *err)
{
    size_t start = c->pos;
    uint64_t raw;
    RF_TRY(rnt_u64(c, &raw, err));
    int64_t size = (int64_t)raw;
    int is_list = size < 0;
    uint64_t len = is_list ? (uint64_t)0 - raw : raw;
    RF_CHECK(is_list == want_list, err, RF_ERR_FORMAT, "%s envelope at offset %llu: expected a %s frame at byte %zu",
             c->what, (unsigned long long)c->base, want_list ? "list" : "record", start);
    uint32_t k = 0;
    if (is_list)
        RF_TRY(rnt_u32(c, &k, err));
    size_t pre = c->pos - start;
    RF_CHECK(len >= pre && len <= c->n - start, err, RF_ERR_FORMAT,
             "%s envelope at offset %llu: frame at byte %zu has size %llu (%zu bytes left)", c->what,
             (unsigned long long)c->base, start, (unsigned long long)len, c->n - start);
    *sub = (rnt_cur){c->p + c->pos, (size_t)len - pre, 0, c->what, c->base + c->pos};
    if (nitems)
        *nitems = k;
    c->pos = start + (size_t)len;
    return RF_OK;
}

rf_status rnt_features(rnt_cur *c, rf_error *err)
{
    uint64_t w;
    do {
        RF_TRY(rnt_u64(c, &w, err));
        RF_CHECK((w & 0x7fffffffffffffffULL) == 0, err, RF_ERR_UNSUPPORTED,
                 "%s envelope: unknown feature flags 0x%llx", c->what, (unsigned long long)w);
    } while ((int64_t)w < 0);
    return RF_OK;
}

rf_status rnt_locator_read(rnt_cur *c, rnt_locator *loc, rf_error *err)
{
    size_t start = c->pos;
    uint32_t head;
    RF_TRY(rnt_u32(c, &head, err));
    if ((int32_t)head >= 0) {
        loc->size = head;
        return rnt_u64(c, &loc->offset, err);
    }
    uint32_t neg = (uint32_t)(-(int64_t)(int32_t)head);
    unsigned type = neg >> 24, size = neg & 0xffff;
    RF_CHECK(type == 1 && size >= 20, err, RF_ERR_UNSUPPORTED,
             "%s envelope at offset %llu: locator of type %u (size %u) at byte %zu is not an on-file locator",
             c->what, (unsigned long long)c->base, type, size, start);
    RF_TRY(rnt_u64(c, &loc->size, err));
    RF_TRY(rnt_u64(c, &loc->offset, err));
    RF_TRY(need(c, size - 20, err));
    c->pos = start + size;
    return RF_OK;
}

rf_status rnt_anchor_parse(const uint8_t *p, size_t n, rnt_anchor *a, rf_error *err)
{
    RF_CHECK(n >= 6, err, RF_ERR_FORMAT, "anchor payload of %zu bytes is too short", n);
    uint32_t bc = load_be32(p);
    RF_CHECK(bc & 0x40000000u, err, RF_ERR_FORMAT, "anchor has no byte count (0x%08x)", bc);
    uint32_t body = bc & ~0x40000000u; /* class version (2 bytes) + fields */
    RF_CHECK(body >= 2 + 64 && (uint64_t)body + 4 + 8 <= n, err, RF_ERR_FORMAT,
             "anchor byte count %u does not fit its %zu-byte payload", body, n);
    const uint8_t *q = p + 6;
    size_t flen = body - 2;
    uint64_t want = load_be64(q + flen), got = rf_xxh3(q, flen);
    RF_CHECK(RNT_SUM_OK(want == got), err, RF_ERR_CHECKSUM,
             "anchor checksum mismatch at payload byte %zu: stored %016llx, computed %016llx", 6 + flen,
             (unsigned long long)want, (unsigned long long)got);
    a->epoch = load_be16(q), a->major = load_be16(q + 2), a->minor = load_be16(q + 4);
    a->patch = load_be16(q + 6);
    uint64_t *v[] = {&a->seek_header, &a->nbytes_header, &a->len_header, &a->seek_footer,
                     &a->nbytes_footer, &a->len_footer, &a->max_key_size};
    for (int i = 0; i < 7; i++)
        *v[i] = load_be64(q + 8 + 8 * i);
    RF_CHECK(a->epoch == 1, err, RF_ERR_UNSUPPORTED, "RNTuple format epoch %u (version %u.%u.%u.%u) is not 1",
             a->epoch, a->epoch, a->major, a->minor, a->patch);
    return RF_OK;
}

static const char *env_name(int type)
{
    return type == RNT_ENV_HEADER ? "header" : type == RNT_ENV_FOOTER ? "footer" : "page list";
}

static rf_status envelope_check(const uint8_t *b, uint64_t len, int type, uint64_t seek, uint64_t *xxh3,
                                rf_error *err)
{
    const char *nm = env_name(type);
    RF_CHECK(len >= 16, err, RF_ERR_FORMAT, "%s envelope at offset %llu: length %llu is too short", nm,
             (unsigned long long)seek, (unsigned long long)len);
    uint64_t w = load_le64(b);
    uint64_t elen = w >> 16;
    RF_CHECK((w & 0xffff) == (uint64_t)type, err, RF_ERR_FORMAT,
             "%s envelope at offset %llu: type %llu, expected %d", nm, (unsigned long long)seek,
             (unsigned long long)(w & 0xffff), type);
    RF_CHECK(elen >= 16 && elen <= len, err, RF_ERR_FORMAT,
             "%s envelope at offset %llu: stored length %llu, %llu bytes available", nm,
             (unsigned long long)seek, (unsigned long long)elen, (unsigned long long)len);
    uint64_t want = load_le64(b + elen - 8), got = rf_xxh3(b, (size_t)elen - 8);
    RF_CHECK(RNT_SUM_OK(want == got), err, RF_ERR_CHECKSUM,
             "%s envelope at offset %llu: checksum mismatch (stored %016llx, computed %016llx)", nm,
             (unsigned long long)seek, (unsigned long long)want, (unsigned long long)got);
    *xxh3 = got;
    return RF_OK;
}

rf_status rnt_envelope_read(rf_file *f, uint64_t seek, uint64_t nbytes, uint64_t len, int type,
                            uint8_t **buf, rnt_cur *body, uint64_t *xxh3, rf_error *err)
{
    const char *nm = env_name(type);
    *buf = NULL;
    RF_CHECK(nbytes <= f->src->size && seek <= f->src->size - nbytes, err, RF_ERR_FORMAT,
             "%s: RNTuple %s envelope at offset %llu (%llu bytes) is beyond the end of the file", f->name, nm,
             (unsigned long long)seek, (unsigned long long)nbytes);
    RF_CHECK(len <= RF_MAX_OBJECT && nbytes <= len, err, RF_ERR_FORMAT,
             "%s: RNTuple %s envelope at offset %llu: %llu stored bytes for %llu uncompressed", f->name, nm,
             (unsigned long long)seek, (unsigned long long)nbytes, (unsigned long long)len);
    uint8_t *b = malloc(len ? (size_t)len : 1);
    RF_CHECK(b, err, RF_ERR_NOMEM, "out of memory for a %llu-byte envelope", (unsigned long long)len);
    rf_status s = rf_tfile_read_blob(f, (int64_t)seek, (size_t)nbytes, b, (size_t)len, err);
    if (s == RF_OK)
        s = envelope_check(b, len, type, seek, xxh3, err);
    if (s != RF_OK) {
        free(b);
        return s;
    }
    uint64_t elen = load_le64(b) >> 16;
    *body = (rnt_cur){b + 8, (size_t)elen - 16, 0, nm, seek};
    *buf = b;
    return RF_OK;
}
