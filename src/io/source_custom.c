/* source_custom.c - sources made outside the library (rf_source_new): a Python file object,
 * a remote protocol, a caller's buffer. Their callbacks take the caller's context; this
 * adapter gives them the library's source table, the default vectored read, and a lock
 * around every callback when the ops do not say they are thread-safe (views of such a source
 * are then valid until the next call, as the read-ahead window's). */
#include "source.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"

typedef struct custom_source {
    rf_source base;
    rf_source_ops ops;
    void *ctx;
    int locked;
    pthread_mutex_t lock;
} custom_source;

static void enter(custom_source *c)
{
    if (c->locked)
        pthread_mutex_lock(&c->lock);
}

static void leave(custom_source *c)
{
    if (c->locked)
        pthread_mutex_unlock(&c->lock);
}

static rf_status custom_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    custom_source *c = (custom_source *)s;
    RF_CHECK(offset <= s->size && n <= s->size - offset, err, RF_ERR_IO,
             "%s: read of %zu bytes at offset %llu is past the end (%llu bytes)", s->name, n,
             (unsigned long long)offset, (unsigned long long)s->size);
    enter(c);
    rf_status st = c->ops.read_at(c->ctx, offset, buf, n, err);
    leave(c);
    return st;
}

static rf_status custom_read_many(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    custom_source *c = (custom_source *)s;
    for (size_t i = 0; i < n; i++)
        RF_CHECK(ranges[i].offset <= s->size && ranges[i].size <= s->size - ranges[i].offset, err,
                 RF_ERR_IO, "%s: range %zu (%zu bytes at %llu) is past the end", s->name, i,
                 ranges[i].size, (unsigned long long)ranges[i].offset);
    enter(c);
    rf_status st = c->ops.read_many(c->ctx, ranges, n, err);
    leave(c);
    return st;
}

static rf_status custom_view_at(rf_source *s, uint64_t offset, size_t n, const uint8_t **p,
                                rf_error *err)
{
    custom_source *c = (custom_source *)s;
    RF_CHECK(offset <= s->size && n <= s->size - offset, err, RF_ERR_IO,
             "%s: view of %zu bytes at offset %llu is past the end", s->name, n,
             (unsigned long long)offset);
    enter(c);
    rf_status st = c->ops.view_at(c->ctx, offset, n, p, err);
    leave(c);
    return st;
}

static void custom_close(rf_source *s)
{
    custom_source *c = (custom_source *)s;
    if (c->ops.close)
        c->ops.close(c->ctx);
    if (c->locked)
        pthread_mutex_destroy(&c->lock);
    free(s->name);
    free(c);
}

rf_status rf_source_new(const rf_source_ops *ops, void *ctx, uint64_t size, const char *name,
                        rf_source **out, rf_error *err)
{
    RF_CHECK(out, err, RF_ERR_ARG, "rf_source_new: NULL output");
    *out = NULL;
    int ok = ops && ops->size >= offsetof(rf_source_ops, thread_safe) && ops->read_at;
    custom_source *c = ok ? calloc(1, sizeof *c) : NULL;
    char *nm = c ? strdup(name ? name : "<source>") : NULL;
    if (!nm) {
        free(c);
        if (ops && ops->close)
            ops->close(ctx);
        return ok ? rf_fail(err, RF_ERR_NOMEM, "out of memory")
                  : rf_fail(err, RF_ERR_ARG, "rf_source_new: ops need size and read_at");
    }
    memcpy(&c->ops, ops, ops->size < sizeof c->ops ? ops->size : sizeof c->ops);
    c->ctx = ctx;
    c->locked = !c->ops.thread_safe;
    if (c->locked)
        pthread_mutex_init(&c->lock, NULL);
    c->base = (rf_source){.read_at = custom_read_at, .close = custom_close, .size = size, .name = nm,
                          .stable_views = c->ops.stable_views && c->ops.thread_safe};
    c->base.read_many = c->ops.read_many ? custom_read_many : rf_source_read_many_loop;
    c->base.view_at = c->ops.view_at ? custom_view_at : NULL;
    *out = &c->base;
    return RF_OK;
}
