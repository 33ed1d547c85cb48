/* rntuple.c - placeholder until the RNTuple reader lands. */
#include "../common/error.h"
#include "../dataset/table.h"
#include "../tfile/tfile.h"

rf_status rf_rntuple_open(rf_file *f, const char *path, rf_table **out, rf_error *err)
{
    *out = NULL;
    return rf_fail(err, RF_ERR_UNSUPPORTED, "%s: RNTuple '%s': not implemented yet", f->name, path);
}
