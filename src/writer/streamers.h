/* streamers.h - the StreamerInfo record: a TList of TStreamerInfo objects describing every
 * class whose objects a rootfeed-written file holds (TTree, TBranch, the TLeaf kinds, their
 * bases and members, ROOT::RNTuple). Readers other than ROOT (uproot, JSROOT) decode the tree
 * and anchor records through these descriptions. */
#ifndef RF_WRITER_STREAMERS_H
#define RF_WRITER_STREAMERS_H

#include <stddef.h>

#include "wbuf.h"

/* Appends the TList payload to out; keylen is the length of the key that will hold it (class
 * tags are positions counted from the start of the key). Names of std::vector classes
 * ("vector<vector<float> >") get the info ROOT writes for STL classes; other unknown names are
 * skipped; the classes each named class depends on are added automatically. */
void si_build(wbuf *out, size_t keylen, const char *const *classes, size_t n);

/* ROOT's checksum of a class known by its name only (STL classes): the name's bytes folded as
 * id = id * 3 + byte. */
uint32_t si_name_checksum(const char *name);

/* Class tags and object positions within one record (ROOT's TBuffer map). */
typedef struct objmap {
    size_t keylen;
    const char *names[64];
    uint32_t pos[64];
    int n;
} objmap;

/* Writes a class reference: the name the first time, a back-reference later. */
void om_class(wbuf *b, objmap *m, const char *cls);
/* Begins a pointer slot holding an object of class cls (byte count + class tag); returns
 * the frame position to close with wb_frame_end. *objref receives the map position of the
 * object, for later references to it. */
size_t om_slot_begin(wbuf *b, objmap *m, const char *cls, uint32_t *objref);
/* A TObject base: version 1, fUniqueID 0, fBits. */
void om_tobject(wbuf *b, uint32_t bits);
/* A framed TNamed base. */
void om_tnamed(wbuf *b, const char *name, const char *title, uint32_t bits);

#endif
