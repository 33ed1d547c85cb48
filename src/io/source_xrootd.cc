/* source_xrootd.cc - the XRootD backend of remote files (remote.h): a small C++ shim over
 * the XRootD client library (XrdCl, Debian's libxrootd-client). XrdCl keeps one connection
 * per server for the whole process and multiplexes every request over it; its own threads
 * call the handlers below when answers arrive.
 *
 * A fetch's ranges are cut into pieces, adjacent pieces merged into runs of at most 2097136
 * bytes (the protocol's largest vector-read element); up to 1024 runs (the protocol's limit)
 * go as one vector read (kXR_readv), a lone run as a plain read. A run of one piece is read
 * straight into the caller's buffer, a merged one through a staging buffer copied out when
 * the answer is complete. A short or failed answer fails the fetch.
 *
 * Failures: socket errors, expired requests and server-side errors that may pass (I/O error,
 * overloaded, server error) are retried up to `retries` times after 0.1, 0.2, 0.4 ... s (at
 * most 5 s, from a short-lived thread, not the client's); a missing file is RF_ERR_NO_FILE,
 * refused access and failed authentication RF_ERR_IO, each naming the URL. A request or a
 * connection attempt gives up after `timeout_ms` (XrdCl counts whole seconds). */
#include <XProtocol/XProtocol.hh>
#include <XrdCl/XrdClDefaultEnv.hh>
#include <XrdCl/XrdClEnv.hh>
#include <XrdCl/XrdClFile.hh>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <mutex>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "../common/error.h"
#include "remote.h"
}

namespace {

const uint32_t MAX_CHUNK = 2097136; /* XRootD's largest element of a vector read */
const size_t MAX_CHUNKS = 1024;     /* and the most elements in one */
const long BACKOFF_MS = 100, BACKOFF_MAX_MS = 5000;

struct xrd_file {
    std::string url;
    std::unique_ptr<XrdCl::File> handle; /* (a File that failed to open stays failed: new per attempt) */
    XrdCl::File &file() { return *handle; }
    int retries;
    uint16_t timeout_s;
};

/* Whether a failure may pass when the request is sent again. */
bool transient(const XrdCl::XRootDStatus &st)
{
    if (st.code == XrdCl::errErrorResponse)
        return st.errNo == kXR_IOError || st.errNo == kXR_ServerError || st.errNo == kXR_Overloaded ||
               st.errNo == kXR_noserver || st.errNo == kXR_inProgress;
    switch (st.code) {
    case XrdCl::errRetry:
    case XrdCl::errSocketError:
    case XrdCl::errSocketTimeout:
    case XrdCl::errSocketDisconnected:
    case XrdCl::errStreamDisconnect:
    case XrdCl::errConnectionError:
    case XrdCl::errPollerError:
    case XrdCl::errOperationExpired:
    case XrdCl::errOperationInterrupted:
    case XrdCl::errInvalidSession:
        return true;
    default:
        return false;
    }
}

/* The rf_error of a failed operation (what: "open", "read" ...), naming the URL. */
rf_status fail(rf_error *err, const std::string &url, const char *what, const XrdCl::XRootDStatus &st)
{
    std::string msg = st.ToString();
    if (st.code == XrdCl::errErrorResponse && st.errNo == kXR_NotFound)
        return rf_fail(err, RF_ERR_NO_FILE, "%s: no such file (XRootD: %s)", url.c_str(), msg.c_str());
    if (st.code == XrdCl::errErrorResponse && st.errNo == kXR_NotAuthorized)
        return rf_fail(err, RF_ERR_IO, "%s: access denied (XRootD: %s)", url.c_str(), msg.c_str());
    if (st.code == XrdCl::errAuthFailed || st.code == XrdCl::errLoginFailed ||
        (st.code == XrdCl::errErrorResponse && st.errNo == kXR_AuthFailed))
        return rf_fail(err, RF_ERR_IO, "%s: authentication failed (XRootD: %s)", url.c_str(), msg.c_str());
    return rf_fail(err, RF_ERR_IO, "%s: XRootD %s failed: %s", url.c_str(), what, msg.c_str());
}

long backoff_ms(int attempt)
{
    return std::min(BACKOFF_MS << std::min(attempt, 6), BACKOFF_MAX_MS);
}

/* The requests of one fetch: the fetch is done when the last one is. */
struct xrd_batch {
    remote_fetch *fetch;
    std::mutex lock;
    size_t pending;
};

/* A piece of a range: at most MAX_CHUNK bytes. */
struct piece {
    uint64_t offset;
    uint32_t size;
    uint8_t *dst;
};

/* One read or vector read. Its chunks are runs of adjacent pieces (at most MAX_CHUNK bytes):
 * a run of one piece is read straight into that piece's buffer, a longer one into staging
 * and copied out when the whole answer is there. */
struct xrd_req : XrdCl::ResponseHandler {
    xrd_file *xf;
    xrd_batch *batch;
    std::vector<piece> pieces;
    std::vector<size_t> run_start; /* first piece of each run */
    XrdCl::ChunkList chunks;
    std::vector<uint8_t> staging;
    uint64_t bytes = 0;
    int attempt = 0;

    bool add(const piece &p);
    void plan();
    void deliver();
    void send();
    void end(rf_status st, const rf_error *err);
    void HandleResponse(XrdCl::XRootDStatus *status, XrdCl::AnyObject *response) override;
};

/* Adds p, as part of the last run when adjacent; false when p would be run MAX_CHUNKS + 1. */
bool xrd_req::add(const piece &p)
{
    if (!pieces.empty()) {
        const piece &last = pieces.back();
        uint64_t run_bytes = last.offset + last.size - pieces[run_start.back()].offset;
        if (last.offset + last.size == p.offset && run_bytes + p.size <= MAX_CHUNK) {
            pieces.push_back(p);
            bytes += p.size;
            return true;
        }
    }
    if (run_start.size() == MAX_CHUNKS)
        return false;
    run_start.push_back(pieces.size());
    pieces.push_back(p);
    bytes += p.size;
    return true;
}

/* The chunks of the runs, staging the runs of several pieces. */
void xrd_req::plan()
{
    size_t staged = 0;
    for (size_t k = 0; k < run_start.size(); k++) {
        size_t end = k + 1 < run_start.size() ? run_start[k + 1] : pieces.size();
        if (end - run_start[k] > 1)
            for (size_t i = run_start[k]; i < end; i++)
                staged += pieces[i].size;
    }
    staging.resize(staged);
    uint8_t *at = staging.data();
    for (size_t k = 0; k < run_start.size(); k++) {
        size_t first = run_start[k], end = k + 1 < run_start.size() ? run_start[k + 1] : pieces.size();
        const piece &last = pieces[end - 1];
        uint32_t len = (uint32_t)(last.offset + last.size - pieces[first].offset);
        chunks.emplace_back(pieces[first].offset, len, end - first > 1 ? at : pieces[first].dst);
        at += end - first > 1 ? len : 0;
    }
}

/* Copies the staged runs out to their pieces. */
void xrd_req::deliver()
{
    for (size_t k = 0; k < run_start.size(); k++) {
        size_t first = run_start[k], end = k + 1 < run_start.size() ? run_start[k + 1] : pieces.size();
        const uint8_t *from = static_cast<const uint8_t *>(chunks[k].buffer);
        for (size_t i = first; end - first > 1 && i < end; i++) {
            memcpy(pieces[i].dst, from, pieces[i].size);
            from += pieces[i].size;
        }
    }
}

/* One request of the batch ended (st: how); the last one ends the fetch. */
void batch_done(xrd_batch *b, rf_status st, const rf_error *err)
{
    std::unique_lock<std::mutex> hold(b->lock);
    if (st && !b->fetch->st) {
        b->fetch->st = st;
        b->fetch->err = *err;
    }
    if (--b->pending)
        return;
    hold.unlock();
    remote_fetch_done(b->fetch);
    delete b;
}

void xrd_req::end(rf_status st, const rf_error *err)
{
    xrd_batch *b = batch;
    delete this;
    batch_done(b, st, err);
}

void xrd_req::send()
{
    XrdCl::XRootDStatus st;
    if (chunks.size() == 1)
        st = xf->file().Read(chunks[0].offset, chunks[0].length, chunks[0].buffer, this, xf->timeout_s);
    else
        st = xf->file().VectorRead(chunks, nullptr, this, xf->timeout_s);
    if (!st.IsOK()) /* (not sent: the handler will not be called) */
        HandleResponse(new XrdCl::XRootDStatus(st), nullptr);
}

/* The bytes a successful answer carried (a read may come back short at the end of file). */
uint64_t answered(const xrd_req *r, XrdCl::AnyObject *response)
{
    if (!response)
        return 0;
    if (r->chunks.size() == 1) {
        XrdCl::ChunkInfo *c = nullptr;
        response->Get(c);
        return c ? c->length : 0;
    }
    XrdCl::VectorReadInfo *v = nullptr;
    response->Get(v);
    return v ? v->GetSize() : 0;
}

void xrd_req::HandleResponse(XrdCl::XRootDStatus *status, XrdCl::AnyObject *response)
{
    XrdCl::XRootDStatus st = *status;
    delete status;
    uint64_t got = st.IsOK() ? answered(this, response) : 0;
    delete response;
    remote_count(1, chunks.size(), got, 0);
    rf_error err;
    if (st.IsOK() && got == bytes) {
        deliver();
        return end(RF_OK, nullptr);
    }
    if (st.IsOK()) {
        rf_fail(&err, RF_ERR_IO, "%s: XRootD read at %llu gave %llu of %llu bytes (the file changed?)",
                xf->url.c_str(), (unsigned long long)chunks[0].offset, (unsigned long long)got,
                (unsigned long long)bytes);
        return end(RF_ERR_IO, &err);
    }
    if (transient(st) && attempt < xf->retries && !remote_cancelled(batch->fetch)) {
        long ms = backoff_ms(attempt++);
        remote_count(0, 0, 0, 1);
        try {
            std::thread([this, ms] {
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                send();
            }).detach();
            return;
        } catch (const std::exception &) {
        } /* (no thread: the error stands) */
    }
    rf_status code = fail(&err, xf->url, chunks.size() == 1 ? "read" : "vector read", st);
    if (attempt)
        rf_wrap(&err, code, "after %d attempts: ", attempt + 1);
    end(code, &err);
}

/* Cuts the fetch's ranges into chunks and groups them into requests. */
void submit(void *impl, remote_fetch *f)
{
    xrd_file *xf = static_cast<xrd_file *>(impl);
    xrd_batch *b = new (std::nothrow) xrd_batch;
    if (!b) {
        f->st = rf_fail(&f->err, RF_ERR_NOMEM, "%s: out of memory", xf->url.c_str());
        return remote_fetch_done(f);
    }
    b->fetch = f;
    b->pending = 1; /* (held while the requests are sent) */
    xrd_req *r = nullptr;
    auto start = [b](xrd_req *req) {
        req->plan();
        b->lock.lock();
        b->pending++;
        b->lock.unlock();
        req->send();
    };
    try {
        for (size_t i = 0; i < f->n; i++)
            for (uint64_t at = 0; at < f->ranges[i].size;) {
                uint32_t len = (uint32_t)std::min<uint64_t>(f->ranges[i].size - at, MAX_CHUNK);
                piece p = {f->ranges[i].offset + at, len, static_cast<uint8_t *>(f->ranges[i].dst) + at};
                if (r && !r->add(p))
                    start(std::exchange(r, nullptr));
                if (!r) {
                    r = new xrd_req;
                    r->xf = xf;
                    r->batch = b;
                    r->add(p);
                }
                at += len;
            }
        if (r)
            start(std::exchange(r, nullptr));
        batch_done(b, RF_OK, nullptr); /* (the hold) */
    } catch (const std::bad_alloc &) {
        delete r;
        rf_error err;
        batch_done(b, rf_fail(&err, RF_ERR_NOMEM, "%s: out of memory", xf->url.c_str()), &err);
    }
}

/* Connection attempts follow the source's timeout (XrdCl would otherwise try for minutes);
 * the XRD_* environment variables, when set, win. Process-wide, set by the first open. */
void configure_client(uint16_t timeout_s)
{
    static std::once_flag once;
    std::call_once(once, [timeout_s] {
        XrdCl::Env *env = XrdCl::DefaultEnv::GetEnv();
        env->PutInt("ConnectionWindow", timeout_s);
        env->PutInt("ConnectionRetry", 1);
        env->PutInt("RequestTimeout", timeout_s);
        env->PutInt("TimeoutResolution", 1); /* (15 s by default: timeouts would come late) */
        env->PutInt("StreamErrorWindow", 0); /* (else a failed connection fails every request for 30 min) */
    });
}

/* Opens the file, finds its size and reads its first bytes; *what names the step that failed. */
XrdCl::XRootDStatus open_once(xrd_file *xf, uint64_t *size, uint8_t *head, size_t head_cap, size_t *head_len,
                              const char **what)
{
    xf->handle.reset(new XrdCl::File());
    *what = "open";
    XrdCl::XRootDStatus st = xf->file().Open(xf->url, XrdCl::OpenFlags::Read, XrdCl::Access::None, xf->timeout_s);
    if (!st.IsOK())
        return st;
    *what = "stat";
    XrdCl::StatInfo *info = nullptr;
    st = xf->file().Stat(false, info, xf->timeout_s);
    if (!st.IsOK() || !info)
        return st;
    *size = info->GetSize();
    delete info;
    *what = "read";
    uint32_t want = (uint32_t)std::min<uint64_t>(*size, head_cap), got = 0;
    if (want) {
        st = xf->file().Read(0, want, head, got, xf->timeout_s);
        remote_count(1, 1, got, 0);
    }
    *head_len = got;
    return st;
}

/* open_once, retrying transient failures after growing pauses. */
rf_status open_file(xrd_file *xf, uint64_t *size, uint8_t *head, size_t head_cap, size_t *head_len, rf_error *err)
{
    for (int attempt = 0;; attempt++) {
        const char *what;
        XrdCl::XRootDStatus st = open_once(xf, size, head, head_cap, head_len, &what);
        if (st.IsOK())
            return RF_OK;
        if (!transient(st) || attempt >= xf->retries) {
            rf_status code = fail(err, xf->url, what, st);
            return attempt ? rf_wrap(err, code, "after %d attempts: ", attempt + 1) : code;
        }
        remote_count(0, 0, 0, 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms(attempt)));
    }
}

rf_status xrd_open(const char *url, const rf_source_options *opt, void **impl, uint64_t *size, uint8_t *head,
                   size_t head_cap, size_t *head_len, rf_error *err)
{
    xrd_file *xf = new (std::nothrow) xrd_file;
    if (!xf)
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    rf_status st;
    try {
        xf->url = url;
        xf->retries = std::max(opt->retries, 0);
        long t = opt->timeout_ms > 0 ? (opt->timeout_ms + 999) / 1000 : 30;
        xf->timeout_s = (uint16_t)std::min(t, 65535L);
        configure_client(xf->timeout_s);
        st = open_file(xf, size, head, head_cap, head_len, err);
    } catch (const std::bad_alloc &) {
        st = rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", url);
    }
    if (st) {
        delete xf;
        return st;
    }
    *impl = xf;
    return RF_OK;
}

void xrd_close(void *impl)
{
    xrd_file *xf = static_cast<xrd_file *>(impl);
    if (xf->handle && xf->file().IsOpen()) {
        XrdCl::XRootDStatus st = xf->file().Close(xf->timeout_s);
        (void)st; /* (read only: nothing is lost when closing fails) */
    }
    delete xf;
}

} // namespace

extern "C" const remote_backend remote_xrootd = {"XRootD", xrd_open, submit, xrd_close};
