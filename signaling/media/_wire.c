/* signaling.media._wire: one forwarded frame -> one subscriber's SRTP packets
 * on the wire, in one call.
 *
 * Why C: on the forwarding path each frame is sent once per subscriber, ~2
 * packets each. In Python every packet costs header packing, a join, a copy
 * into libsrtp's buffer, a cffi call, a slice and asyncio's sendto wrapper:
 * about as much CPU as the kernel's own sendto. Here the same steps run
 * without the interpreter; what is left per packet is AES/HMAC and sendto.
 *
 * What it does is exactly the Python path in sendpath.py (FastSender.send),
 * which stays as the fallback and as the reference the tests compare against:
 * RTP header (V=2, X from the first byte, marker on the last packet), the
 * caller's fixed part (timestamp, SSRC, header-extension block), the VP8
 * payload descriptor with a 15-bit picture id when asked, the payload chunk;
 * the unprotected packet is kept in the caller's NACK history; the packet is
 * protected in place by libsrtp (srtp_protect of pylibsrtp's own build, passed
 * in as an address) and sent with sendto() on the ICE pair's non-blocking
 * socket. The GIL is held throughout: the SRTP session is shared with aiortc's
 * RTCP path, and sendto() on a non-blocking socket does not wait.
 *
 * A packet the kernel refuses with EAGAIN is returned protected, with every
 * later one, for the caller to queue on asyncio's transport (SRTP must not
 * protect a sequence number twice). Other send errors drop the packet, as
 * asyncio's datagram transport does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_PACKET 1500
#define SRTP_TRAILER 144 /* SRTP_MAX_TRAILER_LEN: auth tag and MKI room */

typedef int (*srtp_protect_fn)(void *ctx, void *packet, int *length);

static int
build_packet(unsigned char *out, Py_ssize_t *length, int first, int second, int seq,
             const char *fixed, Py_ssize_t fixed_len, long picture_id, int is_first,
             const char *payload, Py_ssize_t payload_len)
{
    Py_ssize_t size = 4 + fixed_len + (picture_id >= 0 ? 4 : 0) + payload_len;
    if (size > MAX_PACKET) {
        PyErr_Format(PyExc_ValueError, "RTP packet of %zd bytes is over %d", size, MAX_PACKET);
        return -1;
    }
    unsigned char *p = out;
    *p++ = (unsigned char)first;
    *p++ = (unsigned char)second;
    *p++ = (unsigned char)(seq >> 8);
    *p++ = (unsigned char)seq;
    memcpy(p, fixed, fixed_len);
    p += fixed_len;
    if (picture_id >= 0) { /* RFC 7741: X=1 (S on the first packet), I=1, M=1 */
        *p++ = is_first ? 0x90 : 0x80;
        *p++ = 0x80;
        *p++ = (unsigned char)(0x80 | (picture_id >> 8));
        *p++ = (unsigned char)picture_id;
    }
    memcpy(p, payload, payload_len);
    *length = size;
    return 0;
}

/* Where one subscriber's packets go and how they are numbered: the part of a
 * call that is the same for every packet of a frame. */
typedef struct {
    int fd;
    const void *sockaddr;
    socklen_t addrlen;
    srtp_protect_fn protect;
    void *ctx;
    int first_byte, payload_type;
    const char *fixed;
    Py_ssize_t fixed_len;
    long picture_id; /* -1: no VP8 descriptor */
    PyObject *history; /* list: the unprotected packets, for NACKs */
} target_t;

typedef struct {
    int seq;
    long long wire_bytes, octets;
    PyObject *leftovers; /* protected packets the kernel refused (EAGAIN), or NULL */
} result_t;

/* Build, keep, protect and send one frame's packets to one subscriber. */
static int
emit(const target_t *t, PyObject *chunks, result_t *r)
{
    Py_ssize_t count = PyList_GET_SIZE(chunks), slots = PyList_GET_SIZE(t->history);
    unsigned char buffer[MAX_PACKET + SRTP_TRAILER];

    if (slots == 0) {
        PyErr_SetString(PyExc_ValueError, "empty NACK history");
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, i);
        if (!PyBytes_Check(chunk)) {
            PyErr_SetString(PyExc_TypeError, "payload chunks must be bytes");
            return -1;
        }
        int marker = i == count - 1 ? 0x80 : 0;
        Py_ssize_t length;
        if (build_packet(buffer, &length, t->first_byte, marker | t->payload_type, r->seq, t->fixed,
                         t->fixed_len, t->picture_id, i == 0, PyBytes_AS_STRING(chunk),
                         PyBytes_GET_SIZE(chunk)) < 0)
            return -1;
        PyObject *plain = PyBytes_FromStringAndSize((const char *)buffer, length);
        if (plain == NULL || PyList_SetItem(t->history, r->seq % slots, plain) < 0) /* steals */
            return -1;
        r->octets += length - 4 - t->fixed_len; /* payload, VP8 descriptor included (as aiortc counts) */
        int protected_len = (int)length;
        int status = t->protect(t->ctx, buffer, &protected_len);
        if (status != 0) {
            PyErr_Format(PyExc_RuntimeError, "srtp_protect failed (status %d)", status);
            return -1;
        }
        if (r->leftovers == NULL) {
            ssize_t sent = sendto(t->fd, buffer, protected_len, 0, t->sockaddr, t->addrlen);
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                r->leftovers = PyList_New(0); /* the kernel is full: the rest goes to asyncio */
                if (r->leftovers == NULL)
                    return -1;
            } else if (sent >= 0) {
                r->wire_bytes += protected_len;
            }
        }
        if (r->leftovers != NULL) {
            PyObject *packet = PyBytes_FromStringAndSize((const char *)buffer, protected_len);
            if (packet == NULL || PyList_Append(r->leftovers, packet) < 0) {
                Py_XDECREF(packet);
                return -1;
            }
            Py_DECREF(packet);
            r->wire_bytes += protected_len;
        }
        r->seq = (r->seq + 1) & 0xFFFF;
    }
    return 0;
}

static PyObject *
send_frame(PyObject *module, PyObject *args)
{
    int fd, first, payload_type, seq;
    Py_buffer addr, fixed;
    unsigned long long protect_addr, ctx_addr;
    long picture_id;
    PyObject *chunks, *history, *out = NULL;

    if (!PyArg_ParseTuple(args, "iy*KKiiiy*lO!O!", &fd, &addr, &protect_addr, &ctx_addr,
                          &first, &payload_type, &seq, &fixed, &picture_id,
                          &PyList_Type, &chunks, &PyList_Type, &history))
        return NULL;
    target_t t = {fd, addr.buf, (socklen_t)addr.len, (srtp_protect_fn)(uintptr_t)protect_addr,
                  (void *)(uintptr_t)ctx_addr, first, payload_type, fixed.buf, fixed.len,
                  picture_id, history};
    result_t r = {seq, 0, 0, NULL};
    if (emit(&t, chunks, &r) == 0)
        out = Py_BuildValue("iLLO", r.seq, r.wire_bytes, r.octets, r.leftovers ? r.leftovers : Py_None);
    Py_XDECREF(r.leftovers);
    PyBuffer_Release(&addr);
    PyBuffer_Release(&fixed);
    return out;
}

/* -- Stream: one subscriber's RTP stream in a publication's fan-out lane ------
 * The state FastSender keeps in Python (sequence number, picture id, counters,
 * timestamp offset) lives here while the subscriber is in the lane, so that
 * fan_out() sends a frame to every member without returning to Python.
 * Python copies the state in when a subscriber joins and back when it leaves. */
#include <structmember.h>

#define MAX_EXTENSIONS 64

typedef struct {
    PyObject_HEAD
    int fd;
    unsigned char sockaddr[128];
    socklen_t addrlen;
    void *ctx;
    int first_byte, payload_type, vp8;
    unsigned int ssrc;
    unsigned char extensions[MAX_EXTENSIONS]; /* the header-extension block */
    Py_ssize_t extensions_len, abs_at;        /* abs-send-time's 3 bytes there, or -1 */
    PyObject *history, *keep;                 /* keep: owns fd (NativeWire) */
    int seq, picture_id, blocked;
    long long offset, last_frame_ts, packets, octets, wire_bytes;
    unsigned int last_rtp_timestamp;
} Stream;

static int
Stream_init(Stream *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"fd", "sockaddr", "ctx", "first_byte", "payload_type", "ssrc",
                            "extensions", "abs_at", "vp8", "history", "keep", NULL};
    Py_buffer addr, ext;
    unsigned long long ctx;
    PyObject *history, *keep;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iy*KiiIy*npO!O", names, &self->fd, &addr, &ctx,
                                     &self->first_byte, &self->payload_type, &self->ssrc, &ext,
                                     &self->abs_at, &self->vp8, &PyList_Type, &history, &keep))
        return -1;
    int ok = addr.len <= (Py_ssize_t)sizeof self->sockaddr && ext.len <= MAX_EXTENSIONS &&
             (self->abs_at < 0 || self->abs_at + 3 <= ext.len) && PyList_GET_SIZE(history) > 0;
    if (ok) {
        memcpy(self->sockaddr, addr.buf, addr.len);
        self->addrlen = (socklen_t)addr.len;
        memcpy(self->extensions, ext.buf, ext.len);
        self->extensions_len = ext.len;
        self->ctx = (void *)(uintptr_t)ctx;
        Py_INCREF(history);
        Py_XSETREF(self->history, history);
        Py_INCREF(keep);
        Py_XSETREF(self->keep, keep);
    } else {
        PyErr_SetString(PyExc_ValueError, "bad stream: address, extensions or history");
    }
    PyBuffer_Release(&addr);
    PyBuffer_Release(&ext);
    return ok ? 0 : -1;
}

static int
Stream_traverse(Stream *self, visitproc visit, void *arg)
{
    Py_VISIT(self->history);
    Py_VISIT(self->keep);
    return 0;
}

static int
Stream_clear(Stream *self)
{
    Py_CLEAR(self->history);
    Py_CLEAR(self->keep);
    return 0;
}

static void
Stream_dealloc(Stream *self)
{
    PyObject_GC_UnTrack(self);
    Stream_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef Stream_members[] = {
    {"seq", T_INT, offsetof(Stream, seq), 0, "next RTP sequence number"},
    {"picture_id", T_INT, offsetof(Stream, picture_id), 0, "next VP8 picture id"},
    {"offset", T_LONGLONG, offsetof(Stream, offset), 0, "RTP timestamp = frame timestamp + offset"},
    {"blocked", T_INT, offsetof(Stream, blocked), 0, "the kernel refused a packet: leave the lane"},
    {"packets", T_LONGLONG, offsetof(Stream, packets), 0, "packets sent in the lane"},
    {"octets", T_LONGLONG, offsetof(Stream, octets), 0, "payload octets sent in the lane"},
    {"wire_bytes", T_LONGLONG, offsetof(Stream, wire_bytes), 0, "SRTP bytes sent in the lane"},
    {"last_frame_ts", T_LONGLONG, offsetof(Stream, last_frame_ts), 0, "last frame's own timestamp"},
    {"last_rtp_timestamp", T_UINT, offsetof(Stream, last_rtp_timestamp), 0, "last RTP timestamp sent"},
    {"history", T_OBJECT, offsetof(Stream, history), READONLY, "NACK history"},
    {"wire", T_OBJECT, offsetof(Stream, keep), READONLY, "what owns fd (a NativeWire)"},
    {NULL},
};

static PyTypeObject StreamType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "signaling.media._wire.Stream",
    .tp_doc = "One subscriber's RTP stream while it is in a publication's fan-out lane.",
    .tp_basicsize = sizeof(Stream),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Stream_init,
    .tp_dealloc = (destructor)Stream_dealloc,
    .tp_traverse = (traverseproc)Stream_traverse,
    .tp_clear = (inquiry)Stream_clear,
    .tp_members = Stream_members,
};

/* fan_out(streams, chunks, frame_ts, abs_send_time, protect, probe)
 *   -> ([(stream, leftovers)] | None, probe_done)
 * One frame to every stream of a lane. A stream the kernel refused is marked
 * blocked, skipped from then on, and returned with its protected leftovers.
 * probe_done: CLOCK_MONOTONIC seconds (time.perf_counter's clock) when
 * streams[probe] was sent -- the caller rotates probe to sample every
 * subscriber's forwarding latency without timing them all. */
static PyObject *
fan_out(PyObject *module, PyObject *args)
{
    PyObject *streams, *chunks, *blocked = NULL;
    long long frame_ts;
    Py_buffer abs_time;
    unsigned long long protect_addr;
    Py_ssize_t probe;
    double probe_done = 0.0;

    if (!PyArg_ParseTuple(args, "O!O!Ly*Kn", &PyList_Type, &streams, &PyList_Type, &chunks,
                          &frame_ts, &abs_time, &protect_addr, &probe))
        return NULL;
    if (abs_time.len != 3) {
        PyErr_SetString(PyExc_ValueError, "abs-send-time is 3 bytes");
        goto fail;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(streams); i++) {
        Stream *s = (Stream *)PyList_GET_ITEM(streams, i);
        if (!PyObject_TypeCheck(s, &StreamType) || s->history == NULL) {
            PyErr_SetString(PyExc_TypeError, "fan_out takes initialized Streams");
            goto fail;
        }
        if (s->blocked)
            continue;
        unsigned char fixed[8 + MAX_EXTENSIONS];
        unsigned int rtp_ts = (unsigned int)((frame_ts + s->offset) & 0xFFFFFFFFLL);
        fixed[0] = rtp_ts >> 24, fixed[1] = rtp_ts >> 16, fixed[2] = rtp_ts >> 8, fixed[3] = rtp_ts;
        fixed[4] = s->ssrc >> 24, fixed[5] = s->ssrc >> 16, fixed[6] = s->ssrc >> 8, fixed[7] = s->ssrc;
        memcpy(fixed + 8, s->extensions, s->extensions_len);
        if (s->abs_at >= 0)
            memcpy(fixed + 8 + s->abs_at, abs_time.buf, 3);
        long picture_id = -1;
        if (s->vp8) {
            picture_id = s->picture_id;
            s->picture_id = (s->picture_id + 1) & 0x7FFF;
        }
        target_t t = {s->fd, s->sockaddr, s->addrlen, (srtp_protect_fn)(uintptr_t)protect_addr,
                      s->ctx, s->first_byte, s->payload_type, (const char *)fixed,
                      8 + s->extensions_len, picture_id, s->history};
        result_t r = {s->seq, 0, 0, NULL};
        int status = emit(&t, chunks, &r);
        s->seq = r.seq; /* packets already protected are spent, even on error */
        s->wire_bytes += r.wire_bytes;
        s->octets += r.octets;
        s->packets += PyList_GET_SIZE(chunks);
        s->last_frame_ts = frame_ts;
        s->last_rtp_timestamp = rtp_ts;
        if (status < 0) {
            Py_XDECREF(r.leftovers);
            goto fail;
        }
        if (i == probe) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            probe_done = now.tv_sec + now.tv_nsec * 1e-9;
        }
        if (r.leftovers != NULL) {
            s->blocked = 1;
            PyObject *entry = Py_BuildValue("ON", (PyObject *)s, r.leftovers); /* steals leftovers */
            if (blocked == NULL)
                blocked = PyList_New(0);
            if (entry == NULL || blocked == NULL || PyList_Append(blocked, entry) < 0) {
                Py_XDECREF(entry);
                goto fail;
            }
            Py_DECREF(entry);
        }
    }
    PyBuffer_Release(&abs_time);
    return Py_BuildValue("Nd", blocked ? blocked : Py_NewRef(Py_None), probe_done);
fail:
    Py_XDECREF(blocked);
    PyBuffer_Release(&abs_time);
    return NULL;
}

static PyMethodDef methods[] = {
    {"send_frame", send_frame, METH_VARARGS,
     "send_frame(fd, sockaddr, protect, ctx, first_byte, payload_type, seq, fixed, "
     "vp8_picture_id, chunks, history) -> (next_seq, wire_bytes, octets, leftovers)"},
    {"fan_out", fan_out, METH_VARARGS,
     "fan_out(streams, chunks, frame_ts, abs_send_time, protect, probe) -> (blocked, probe_done)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "signaling.media._wire",
    "One forwarded frame to one subscriber's SRTP packets on the wire (see _wire.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__wire(void)
{
    if (PyType_Ready(&StreamType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&StreamType);
    if (PyModule_AddObject(m, "Stream", (PyObject *)&StreamType) < 0) {
        Py_DECREF(&StreamType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
