/* ttree_streamers.c - the one thing the TTree reader needs from the file's TStreamerInfo
 * list: the type name of STL members of split classes ("vector<short>" for Event::StlVecI16,
 * "string" for a std::string member), which the branch itself does not record. Read only
 * when a tree has such branches; a streamer list that does not parse leaves those columns
 * unsupported instead of failing the tree (unrelated classes may have unreadable streamers). */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../tfile/rbuf.h"
#include "ttree.h"

static int add_stl(tt_tree *tree, const char *cls, char *member, char *type)
{
    void *p = realloc(tree->stl, (tree->nstl + 1) * sizeof *tree->stl);
    if (!p || !(cls = strdup(cls))) {
        if (p)
            tree->stl = p;
        free(member);
        free(type);
        return 0;
    }
    tree->stl = p;
    tree->stl[tree->nstl++] = (struct tt_stl_elem){(char *)cls, member, type, 0};
    return 1;
}

/* One element of a TStreamerInfo's fElements: keeps STL members (std::string ones are a
 * TStreamerSTLstring, which wraps the TStreamerSTL in one more frame). */
static void parse_element(rf_rbuf *b, tt_tree *tree, const char *owner, const char *cls, size_t end)
{
    int text = !strcmp(cls, "TStreamerSTLstring");
    if (strcmp(cls, "TStreamerSTL") != 0 && !text) {
        b->pos = end;
        return;
    }
    if (text)
        rb_frame(b);
    rf_frame outer = rb_frame(b);
    rf_frame f = rb_frame(b);
    char *name = NULL;
    rb_tnamed(b, &name, NULL);
    rb_skip(b, 16); /* fType, fSize, fArrayLength, fArrayDim */
    if (f.version == 1)
        rb_skip(b, (size_t)rb_i32(b) * 4);
    else
        rb_skip(b, 20); /* fMaxIndex[5] */
    char *type = rb_string(b);
    if (!b->bad && name && type)
        add_stl(tree, owner, name, type);
    else {
        free(name);
        free(type);
    }
    rb_frame_end(b, &f);
    rb_frame_end(b, &outer);
    b->pos = end;
}

static void parse_info(rf_rbuf *b, tt_tree *tree, size_t end)
{
    rf_frame f = rb_frame(b);
    char *cls = NULL;
    rb_tnamed(b, &cls, NULL);
    rb_skip(b, 8); /* fCheckSum, fClassVersion */
    const char *ecls;
    size_t eend, aend;
    uint32_t tag;
    void *obj;
    if (cls && rb_pointer(b, &ecls, &aend, &tag, &obj) == 1 && !strcmp(ecls, "TObjArray")) {
        rf_frame af;
        int32_t n = rb_objarray_begin(b, &af);
        for (int32_t i = 0; i < n && !b->bad; i++)
            if (rb_pointer(b, &ecls, &eend, &tag, &obj) == 1)
                parse_element(b, tree, cls, ecls, eend);
        rb_frame_end(b, &af);
    }
    free(cls);
    rb_frame_end(b, &f);
    b->pos = end;
}

static int needs_streamers(const tt_tree *tree)
{
    for (size_t i = 0; i < tree->nleaves_all; i++) {
        int t = tree->leaves_all[i]->elem_type;
        if (t == 300 || t == 500 || t == 365)
            return 1;
    }
    return 0;
}

rf_status tt_streamer_stl(rf_file *f, tt_tree *tree, rf_error *err)
{
    (void)err;
    if (!needs_streamers(tree) || f->seek_info <= 0)
        return RF_OK;
    rf_key key;
    if (rf_key_read(f, f->seek_info, &key, NULL) != RF_OK)
        return RF_OK;
    uint8_t *buf;
    size_t len;
    if (rf_key_read_payload(f, &key, &buf, &len, NULL) == RF_OK) {
        rf_rbuf b;
        rb_init(&b, buf, len, key.keylen + 2);
        rf_frame lf = rb_frame(&b); /* TList */
        rb_tobject(&b);
        free(rb_string(&b));
        int32_t n = rb_i32(&b);
        for (int32_t i = 0; i < n && !b.bad; i++) {
            const char *cls;
            size_t end;
            uint32_t tag;
            void *obj;
            if (rb_pointer(&b, &cls, &end, &tag, &obj) == 1) {
                if (!strcmp(cls, "TStreamerInfo"))
                    parse_info(&b, tree, end);
                b.pos = end;
            }
            rb_skip(&b, rb_u8(&b)); /* option string */
        }
        (void)lf;
        rb_free(&b);
        free(buf);
    }
    rf_key_clear(&key);
    return RF_OK;
}

const char *tt_stl_member_type(const tt_tree *tree, const tt_branch *br)
{
    const char *member = strrchr(br->name, '.');
    member = member ? member + 1 : br->name;
    size_t n = strcspn(member, "[");
    for (size_t i = 0; i < tree->nstl; i++) {
        const struct tt_stl_elem *e = &tree->stl[i];
        if (strlen(e->member) == n && !memcmp(e->member, member, n) &&
            (!br->elem_class || !*br->elem_class || !strcmp(e->class_name, br->elem_class) ||
             (br->parent_class && !strcmp(e->class_name, br->parent_class))))
            return e->type_name;
    }
    return NULL;
}
