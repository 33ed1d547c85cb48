/* streamers.c - class descriptions for the StreamerInfo record, kept as tables of elements
 * (member name, type code, type name, comment) with the class versions and checksums of ROOT
 * 6.34-6.38 (and, made on the fly, those of std::vector classes, as ROOT writes them), and the code that streams them as TStreamerInfo / TStreamerElement objects the
 * way TFile::WriteStreamerInfo does (the checksums of TLeafD32, TNtuple and TNtupleD, which
 * only test fixtures use, were computed with TStreamerInfo::GetCheckSum's algorithm). Also the
 * small object-map helpers every record builder uses for class tags and object references. */
#include "streamers.h"

#include <stdio.h>
#include <string.h>

enum ekind { E_BASE, E_BASIC, E_STRING, E_OBJECT, E_ANY, E_OBJPTR, E_BASICPTR, E_STL };

typedef struct elem {
    enum ekind kind;
    const char *name;
    int type, size;
    const char *tname, *title;
    int base_version;        /* E_BASE */
    uint32_t base_checksum;  /* E_BASE */
    const char *count;       /* E_BASICPTR: counter member, declared in class count_cls */
    const char *count_cls;
    int count_version;
} elem;

typedef struct cinfo {
    const char *name;
    int version;
    uint32_t checksum;
    const char *deps[6];
    elem e[34];
} cinfo;

#define BASIC(n, ty, sz, tn, t) {E_BASIC, n, ty, sz, tn, t, 0, 0, 0, 0, 0}

static const cinfo infos[] = {
    {"TObject", 1, 0x901bc02du, {0}, {
        BASIC("fUniqueID", 13, 4, "unsigned int", "object unique identifier"),
        BASIC("fBits", 15, 4, "unsigned int", "bit field status word")}},
    {"TNamed", 1, 0xdfb74a3cu, {"TObject", "TString"}, {
        {E_BASE, "TObject", 66, 0, "BASE", "Basic ROOT object", 1, 0x901bc02du, 0, 0, 0},
        {E_STRING, "fName", 65, 24, "TString", "object identifier", 0, 0, 0, 0, 0},
        {E_STRING, "fTitle", 65, 24, "TString", "object title", 0, 0, 0, 0, 0}}},
    {"TString", 2, 0x00017419u, {0}, {{0}}},
    {"TAttLine", 2, 0x94074549u, {0}, {
        BASIC("fLineColor", 2, 2, "short", "Line color"),
        BASIC("fLineStyle", 2, 2, "short", "Line style"),
        BASIC("fLineWidth", 2, 2, "short", "Line width")}},
    {"TAttFill", 2, 0xffd92a92u, {0}, {
        BASIC("fFillColor", 2, 2, "short", "Fill area color"),
        BASIC("fFillStyle", 2, 2, "short", "Fill area style")}},
    {"TAttMarker", 3, 0x291d8becu, {0}, {
        BASIC("fMarkerColor", 2, 2, "short", "Marker color"),
        BASIC("fMarkerStyle", 2, 2, "short", "Marker style"),
        BASIC("fMarkerSize", 5, 4, "float", "Marker size")}},
    {"TCollection", 3, 0x57e3cb9cu, {"TObject", "TString"}, {
        {E_BASE, "TObject", 66, 0, "BASE", "Basic ROOT object", 1, 0x901bc02du, 0, 0, 0},
        {E_STRING, "fName", 65, 24, "TString", "name of the collection", 0, 0, 0, 0, 0},
        BASIC("fSize", 3, 4, "int", "number of elements in collection")}},
    {"TSeqCollection", 0, 0xfc6c3bc6u, {"TCollection"}, {
        {E_BASE, "TCollection", 0, 0, "BASE", "Collection abstract base class", 3, 0x57e3cb9cu, 0, 0, 0}}},
    {"TList", 5, 0x69c5c3bbu, {"TSeqCollection"}, {
        {E_BASE, "TSeqCollection", 0, 0, "BASE", "Sequenceable collection ABC", 0, 0xfc6c3bc6u, 0, 0, 0}}},
    {"TObjArray", 3, 0xa99e6552u, {"TSeqCollection"}, {
        {E_BASE, "TSeqCollection", 0, 0, "BASE", "Sequenceable collection ABC", 0, 0xfc6c3bc6u, 0, 0, 0},
        BASIC("fLowerBound", 3, 4, "int", "Lower bound of the array"),
        BASIC("fLast", 3, 4, "int", "Last element in array containing an object")}},
    {"ROOT::TIOFeatures", 1, 0x1aa12f10u, {0}, {
        BASIC("fIOBits", 11, 1, "unsigned char", "")}},
    {"TLeaf", 2, 0x6d1e8152u, {"TNamed"}, {
        {E_BASE, "TNamed", 67, 0, "BASE", "The basis for a named object (name, title)", 1, 0xdfb74a3cu, 0, 0, 0},
        BASIC("fLen", 3, 4, "int", "Number of fixed length elements in the leaf's data."),
        BASIC("fLenType", 3, 4, "int", "Number of bytes for this data type"),
        BASIC("fOffset", 3, 4, "int", "Offset in ClonesArray object (if one)"),
        BASIC("fIsRange", 18, 1, "bool", "(=true if leaf has a range, false otherwise)"),
        BASIC("fIsUnsigned", 18, 1, "bool", "(=true if unsigned, false otherwise)"),
        {E_OBJPTR, "fLeafCount", 64, 8, "TLeaf*", "Pointer to Leaf count if variable length (we do not own the counter)", 0, 0, 0, 0, 0}}},
#define LEAF(cls, cs, ty, sz, tn) \
    {cls, 1, cs, {"TLeaf"}, { \
        {E_BASE, "TLeaf", 0, 0, "BASE", "Leaf: description of a Branch data type", 2, 0x6d1e8152u, 0, 0, 0}, \
        BASIC("fMinimum", ty, sz, tn, "Minimum value if leaf range is specified"), \
        BASIC("fMaximum", ty, sz, tn, "Maximum value if leaf range is specified")}}
    LEAF("TLeafO", 0x02ae48d3u, 18, 1, "bool"),
    LEAF("TLeafB", 0x0f1e4b5eu, 1, 1, "char"),
    LEAF("TLeafS", 0x150ceecfu, 2, 2, "short"),
    LEAF("TLeafI", 0x7e6aae19u, 3, 4, "int"),
    LEAF("TLeafL", 0xde320862u, 16, 8, "Long64_t"),
    LEAF("TLeafF", 0x3add9d72u, 5, 4, "float"),
    LEAF("TLeafD", 0x118e8776u, 8, 8, "double"),
    LEAF("TLeafD32", 0xe1dc6401u, 9, 8, "Double32_t"),
#undef LEAF
#define BPTR(n, ty, sz, tn, t) {E_BASICPTR, n, ty, sz, tn, t, 0, 0, "fMaxBaskets", "TBranch", 13}
    {"TBranch", 13, 0x10978aacu, {"TNamed", "TAttFill", "ROOT::TIOFeatures", "TObjArray"}, {
        {E_BASE, "TNamed", 67, 0, "BASE", "The basis for a named object (name, title)", 1, 0xdfb74a3cu, 0, 0, 0},
        {E_BASE, "TAttFill", 0, 0, "BASE", "Fill area attributes", 2, 0xffd92a92u, 0, 0, 0},
        BASIC("fCompress", 3, 4, "int", "Compression level and algorithm"),
        BASIC("fBasketSize", 3, 4, "int", "Initial Size of  Basket Buffer"),
        BASIC("fEntryOffsetLen", 3, 4, "int", "Initial Length of fEntryOffset table in the basket buffers"),
        BASIC("fWriteBasket", 3, 4, "int", "Last basket number written"),
        BASIC("fEntryNumber", 16, 8, "Long64_t", "Current entry number (last one filled in this branch)"),
        {E_ANY, "fIOFeatures", 62, 1, "ROOT::TIOFeatures", "IO features for newly-created baskets.", 0, 0, 0, 0, 0},
        BASIC("fOffset", 3, 4, "int", "Offset of this branch"),
        BASIC("fMaxBaskets", 6, 4, "int", "Maximum number of Baskets so far"),
        BASIC("fSplitLevel", 3, 4, "int", "Branch split level"),
        BASIC("fEntries", 16, 8, "Long64_t", "Number of entries"),
        BASIC("fFirstEntry", 16, 8, "Long64_t", "Number of the first entry in this branch"),
        BASIC("fTotBytes", 16, 8, "Long64_t", "Total number of bytes in all leaves before compression"),
        BASIC("fZipBytes", 16, 8, "Long64_t", "Total number of bytes in all leaves after compression"),
        {E_OBJECT, "fBranches", 61, 64, "TObjArray", "-> List of Branches of this branch", 0, 0, 0, 0, 0},
        {E_OBJECT, "fLeaves", 61, 64, "TObjArray", "-> List of leaves of this branch", 0, 0, 0, 0, 0},
        {E_OBJECT, "fBaskets", 61, 64, "TObjArray", "-> List of baskets of this branch", 0, 0, 0, 0, 0},
        BPTR("fBasketBytes", 43, 4, "int*", "[fMaxBaskets] Length of baskets on file"),
        BPTR("fBasketEntry", 56, 8, "Long64_t*", "[fMaxBaskets] Table of first entry in each basket"),
        BPTR("fBasketSeek", 56, 8, "Long64_t*", "[fMaxBaskets] Addresses of baskets on file"),
        {E_STRING, "fFileName", 65, 24, "TString", "Name of file where buffers are stored (\"\" if in same file as Tree header)", 0, 0, 0, 0, 0}}},
#undef BPTR
#define INT(n, t) BASIC(n, 3, 4, "int", t)
    {"TBranchElement", 10, 0xe74f5e63u, {"TBranch", "TString"}, {
        {E_BASE, "TBranch", 0, 0, "BASE", "Branch descriptor", 13, 0x10978aacu, 0, 0, 0},
        {E_STRING, "fClassName", 65, 24, "TString", "Class name of referenced object", 0, 0, 0, 0, 0},
        {E_STRING, "fParentName", 65, 24, "TString", "Name of parent class", 0, 0, 0, 0, 0},
        {E_STRING, "fClonesName", 65, 24, "TString", "Name of class in TClonesArray (if any)", 0, 0, 0, 0, 0},
        BASIC("fCheckSum", 13, 4, "unsigned int", "CheckSum of class"),
        BASIC("fClassVersion", 2, 2, "short", "Version number of class"),
        INT("fID", "element serial number in fInfo"),
        INT("fType", "branch type"),
        INT("fStreamerType", "branch streamer type"),
        INT("fMaximum", "Maximum entries for a TClonesArray or variable array"),
        {E_OBJPTR, "fBranchCount", 64, 8, "TBranchElement*", "pointer to primary branchcount branch", 0, 0, 0, 0, 0},
        {E_OBJPTR, "fBranchCount2", 64, 8, "TBranchElement*", "pointer to secondary branchcount branch", 0, 0, 0, 0, 0}}},
    {"TLeafElement", 1, 0xa04f8893u, {"TLeaf"}, {
        {E_BASE, "TLeaf", 0, 0, "BASE", "Leaf: description of a Branch data type", 2, 0x6d1e8152u, 0, 0, 0},
        INT("fID", "element serial number in fInfo"),
        INT("fType", "leaf type")}},
#undef INT
    {"TRefTable", 3, 0x8c895b85u, {"TObject", "TObjArray"}, {
        {E_BASE, "TObject", 66, 0, "BASE", "Basic ROOT object", 1, 0x901bc02du, 0, 0, 0},
        BASIC("fSize", 3, 4, "int", "dummy for backward compatibility"),
        {E_OBJPTR, "fParents", 64, 8, "TObjArray*", "array of Parent objects  (eg TTree branch) holding the referenced objects", 0, 0, 0, 0, 0},
        {E_OBJPTR, "fOwner", 64, 8, "TObject*", "Object owning this TRefTable", 0, 0, 0, 0, 0},
        {E_STL, "fProcessGUIDs", 500, 24, "vector<string>", "UUIDs of TProcessIDs used in fParentIDs", 1, 61, 0, 0, 0}}},
    {"TBranchRef", 1, 0x2360b3fdu, {"TBranch", "TRefTable"}, {
        {E_BASE, "TBranch", 0, 0, "BASE", "Branch descriptor", 13, 0x10978aacu, 0, 0, 0},
        {E_OBJPTR, "fRefTable", 64, 8, "TRefTable*", "pointer to the TRefTable", 0, 0, 0, 0, 0}}},
#define TPTR(n, tn, t) {E_OBJPTR, n, 64, 8, tn, t, 0, 0, 0, 0, 0}
#define L64(n, t) BASIC(n, 16, 8, "Long64_t", t)
#define CPTR(n, t) {E_BASICPTR, n, 56, 8, "Long64_t*", t, 0, 0, "fNClusterRange", "TTree", 20}
    {"TTree", 20, 0x7264e07fu, {"TNamed", "TAttLine", "TAttFill", "TAttMarker", "TBranch", "TBranchRef"}, {
        {E_BASE, "TNamed", 67, 0, "BASE", "The basis for a named object (name, title)", 1, 0xdfb74a3cu, 0, 0, 0},
        {E_BASE, "TAttLine", 0, 0, "BASE", "Line attributes", 2, 0x94074549u, 0, 0, 0},
        {E_BASE, "TAttFill", 0, 0, "BASE", "Fill area attributes", 2, 0xffd92a92u, 0, 0, 0},
        {E_BASE, "TAttMarker", 0, 0, "BASE", "Marker attributes", 3, 0x291d8becu, 0, 0, 0},
        L64("fEntries", "Number of entries"),
        L64("fTotBytes", "Total number of bytes in all branches before compression"),
        L64("fZipBytes", "Total number of bytes in all branches after compression"),
        L64("fSavedBytes", "Number of autosaved bytes"),
        L64("fFlushedBytes", "Number of auto-flushed bytes"),
        BASIC("fWeight", 8, 8, "double", "Tree weight (see TTree::SetWeight)"),
        BASIC("fTimerInterval", 3, 4, "int", "Timer interval in milliseconds"),
        BASIC("fScanField", 3, 4, "int", "Number of runs before prompting in Scan"),
        BASIC("fUpdate", 3, 4, "int", "Update frequency for EntryLoop"),
        BASIC("fDefaultEntryOffsetLen", 3, 4, "int", "Initial Length of fEntryOffset table in the basket buffers"),
        BASIC("fNClusterRange", 6, 4, "int", "Number of Cluster range in addition to the one defined by 'AutoFlush'"),
        L64("fMaxEntries", "Maximum number of entries in case of circular buffers"),
        L64("fMaxEntryLoop", "Maximum number of entries to process"),
        L64("fMaxVirtualSize", "Maximum total size of buffers kept in memory"),
        L64("fAutoSave", "Autosave tree when fAutoSave entries written or -fAutoSave (compressed) bytes produced"),
        L64("fAutoFlush", "Auto-flush tree when fAutoFlush entries written or -fAutoFlush (compressed) bytes produced"),
        L64("fEstimate", "Number of entries to estimate histogram limits"),
        CPTR("fClusterRangeEnd", "[fNClusterRange] Last entry of a cluster range."),
        CPTR("fClusterSize", "[fNClusterRange] Number of entries in each cluster for a given range."),
        {E_ANY, "fIOFeatures", 62, 1, "ROOT::TIOFeatures", "IO features to define for newly-written baskets and branches.", 0, 0, 0, 0, 0},
        {E_OBJECT, "fBranches", 61, 64, "TObjArray", "List of Branches", 0, 0, 0, 0, 0},
        {E_OBJECT, "fLeaves", 61, 64, "TObjArray", "Direct pointers to individual branch leaves", 0, 0, 0, 0, 0},
        TPTR("fAliases", "TList*", "List of aliases for expressions based on the tree branches."),
        {E_ANY, "fIndexValues", 62, 24, "TArrayD", "Sorted index values", 0, 0, 0, 0, 0},
        {E_ANY, "fIndex", 62, 24, "TArrayI", "Index of sorted values", 0, 0, 0, 0, 0},
        TPTR("fTreeIndex", "TVirtualIndex*", "Pointer to the tree Index (if any)"),
        TPTR("fFriends", "TList*", "pointer to list of friend elements"),
        TPTR("fUserInfo", "TList*", "pointer to a list of user objects associated to this Tree"),
        TPTR("fBranchRef", "TBranchRef*", "Branch supporting the TRefTable (if any)")}},
#undef TPTR
#undef L64
#undef CPTR
#define NTUPLE(cls, v, cs) \
    {cls, v, cs, {"TTree"}, { \
        {E_BASE, "TTree", 0, 0, "BASE", "Tree descriptor (the main ROOT I/O class)", 20, 0x7264e07fu, 0, 0, 0}, \
        BASIC("fNvar", 3, 4, "int", "Number of columns")}}
    NTUPLE("TNtuple", 2, 0xb8a51cabu),
    NTUPLE("TNtupleD", 1, 0x8de8d873u),
#undef NTUPLE
#define U64(n) BASIC(n, 17, 8, "ULong64_t", "")
    {"ROOT::RNTuple", 2, 0x4ba21bf5u, {0}, {
        BASIC("fVersionEpoch", 12, 2, "unsigned short", ""),
        BASIC("fVersionMajor", 12, 2, "unsigned short", ""),
        BASIC("fVersionMinor", 12, 2, "unsigned short", ""),
        BASIC("fVersionPatch", 12, 2, "unsigned short", ""),
        U64("fSeekHeader"), U64("fNBytesHeader"), U64("fLenHeader"),
        U64("fSeekFooter"), U64("fNBytesFooter"), U64("fLenFooter"), U64("fMaxKeySize")}},
#undef U64
};

#define NINFOS (sizeof infos / sizeof infos[0])

static const char *const element_class[] = {
    "TStreamerBase", "TStreamerBasicType", "TStreamerString", "TStreamerObject",
    "TStreamerObjectAny", "TStreamerObjectPointer", "TStreamerBasicPointer", "TStreamerSTL"};
static const int element_version[] = {3, 2, 2, 2, 2, 2, 2, 3};

void om_class(wbuf *b, objmap *m, const char *cls)
{
    for (int i = 0; i < m->n; i++)
        if (!strcmp(m->names[i], cls)) {
            wb_be32(b, 0x80000000u | m->pos[i]);
            return;
        }
    if (m->n < 64) {
        m->names[m->n] = cls;
        m->pos[m->n++] = (uint32_t)(m->keylen + b->n + 2);
    }
    wb_be32(b, 0xFFFFFFFFu);
    wb_bytes(b, cls, strlen(cls) + 1);
}

size_t om_slot_begin(wbuf *b, objmap *m, const char *cls, uint32_t *objref)
{
    size_t at = wb_frame_begin(b);
    if (objref)
        *objref = (uint32_t)(m->keylen + at + 2);
    om_class(b, m, cls);
    return at;
}

void om_tobject(wbuf *b, uint32_t bits)
{
    wb_be16(b, 1);
    wb_be32(b, 0);
    wb_be32(b, bits);
}

void om_tnamed(wbuf *b, const char *name, const char *title, uint32_t bits)
{
    size_t at = wb_object_begin(b, 1);
    om_tobject(b, bits);
    wb_tstring(b, name);
    wb_tstring(b, title);
    wb_frame_end(b, at);
}

static void put_element(wbuf *b, objmap *m, const elem *e)
{
    size_t slot = om_slot_begin(b, m, element_class[e->kind], NULL);
    size_t obj = wb_object_begin(b, element_version[e->kind]);
    size_t se = wb_object_begin(b, 4);
    om_tnamed(b, e->name, e->title, 0);
    wb_be32(b, (uint32_t)e->type);
    wb_be32(b, (uint32_t)e->size);
    wb_be32(b, 0); /* fArrayLength */
    wb_be32(b, 0); /* fArrayDim */
    wb_be32(b, 0);
    wb_be32(b, e->kind == E_BASE ? e->base_checksum : 0);
    wb_zero(b, 12);
    wb_tstring(b, e->tname);
    wb_frame_end(b, se);
    if (e->kind == E_BASE) {
        wb_be32(b, (uint32_t)e->base_version);
    } else if (e->kind == E_BASICPTR) {
        wb_be32(b, (uint32_t)e->count_version);
        wb_tstring(b, e->count);
        wb_tstring(b, e->count_cls);
    } else if (e->kind == E_STL) {
        wb_be32(b, (uint32_t)e->base_version); /* fSTLtype */
        wb_be32(b, (uint32_t)e->base_checksum); /* fCtype */
    }
    wb_frame_end(b, obj);
    wb_frame_end(b, slot);
}

static void put_info(wbuf *b, objmap *m, const cinfo *c)
{
    int ne = 0;
    while (ne < 34 && c->e[ne].name)
        ne++;
    size_t slot = om_slot_begin(b, m, "TStreamerInfo", NULL);
    size_t obj = wb_object_begin(b, 9);
    om_tnamed(b, c->name, "", 0x00010000u);
    wb_be32(b, c->checksum);
    wb_be32(b, (uint32_t)c->version);
    size_t arr_slot = om_slot_begin(b, m, "TObjArray", NULL);
    size_t arr = wb_object_begin(b, 3);
    om_tobject(b, 0);
    wb_tstring(b, "");
    wb_be32(b, (uint32_t)ne);
    wb_be32(b, 0);
    for (int i = 0; i < ne; i++)
        put_element(b, m, &c->e[i]);
    wb_frame_end(b, arr);
    wb_frame_end(b, arr_slot);
    wb_frame_end(b, obj);
    wb_frame_end(b, slot);
    wb_u8(b, 0); /* the TList entry's option string */
}

uint32_t si_name_checksum(const char *name)
{
    uint32_t id = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        id = id * 3 + *p;
    return id;
}

/* The TStreamerInfo ROOT writes for an STL class such as "vector<vector<float> >": version 6,
 * the checksum of its name, one TStreamerSTL element "This" for the whole container. */
static void put_stl_info(wbuf *b, objmap *m, const char *name)
{
    char title[600];
    const char *open = strchr(name, '<');
    snprintf(title, sizeof title, "<%.*s> Used to call the proper TStreamerInfo case",
             (int)(strlen(open + 1) - 1), open + 1);
    cinfo c = {name, 6, si_name_checksum(name), {0}, {{E_STL, "This", 500, 0, name, title, 1, 61, 0, 0, 0}}};
    put_info(b, m, &c);
}

static int find_info(const char *name)
{
    for (size_t i = 0; i < NINFOS; i++)
        if (!strcmp(infos[i].name, name))
            return (int)i;
    return -1;
}

/* Marks name and, depth first, every class it depends on. */
static void mark(const char *name, char *used)
{
    int i = find_info(name);
    if (i < 0 || used[i])
        return;
    used[i] = 1;
    for (int d = 0; d < 6 && infos[i].deps[d]; d++)
        mark(infos[i].deps[d], used);
}

static int is_stl(const char *const *classes, size_t i)
{
    if (strncmp(classes[i], "vector<", 7) != 0)
        return 0;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(classes[j], classes[i]))
            return 0; /* listed once */
    return 1;
}

void si_build(wbuf *out, size_t keylen, const char *const *classes, size_t n)
{
    char used[NINFOS] = {0};
    for (size_t i = 0; i < n; i++)
        mark(classes[i], used);
    mark("TList", used);
    int count = 0;
    for (size_t i = 0; i < NINFOS; i++)
        count += used[i];
    for (size_t i = 0; i < n; i++)
        count += is_stl(classes, i);
    objmap m = {.keylen = keylen};
    size_t list = wb_object_begin(out, 5);
    om_tobject(out, 0);
    wb_tstring(out, "");
    wb_be32(out, (uint32_t)count);
    for (size_t i = 0; i < NINFOS; i++)
        if (used[i])
            put_info(out, &m, &infos[i]);
    for (size_t i = 0; i < n; i++)
        if (is_stl(classes, i))
            put_stl_info(out, &m, classes[i]);
    wb_frame_end(out, list);
}
