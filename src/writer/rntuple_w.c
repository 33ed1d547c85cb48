/* rntuple_w.c - the RNTuple back end (in progress). */
#include "../common/error.h"
#include "writer_impl.h"

static rf_status rn_begin(rf_writer *w, rf_error *err)
{
    return rf_fail(err, RF_ERR_UNSUPPORTED, "%s: RNTuple writing is not implemented yet", w->path);
}
static rf_status rn_flush(rf_writer *w, rf_error *err) { return rn_begin(w, err); }
static rf_status rn_finish(rf_writer *w, rf_error *err) { return rn_begin(w, err); }
static void rn_release(rf_writer *w) { (void)w; }

const wbackend rf_rntuple_backend = {rn_begin, rn_flush, rn_finish, rn_release};
