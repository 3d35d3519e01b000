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

static PyObject *
send_frame(PyObject *module, PyObject *args)
{
    int fd, first, payload_type, seq;
    Py_buffer addr, fixed;
    unsigned long long protect_addr, ctx_addr;
    long picture_id;
    PyObject *chunks, *history;

    if (!PyArg_ParseTuple(args, "iy*KKiiiy*lO!O!", &fd, &addr, &protect_addr, &ctx_addr,
                          &first, &payload_type, &seq, &fixed, &picture_id,
                          &PyList_Type, &chunks, &PyList_Type, &history))
        return NULL;

    srtp_protect_fn protect = (srtp_protect_fn)(uintptr_t)protect_addr;
    void *ctx = (void *)(uintptr_t)ctx_addr;
    Py_ssize_t count = PyList_GET_SIZE(chunks), slots = PyList_GET_SIZE(history);
    unsigned char buffer[MAX_PACKET + SRTP_TRAILER];
    long long wire_bytes = 0, octets = 0;
    PyObject *leftovers = NULL, *result = NULL;

    if (slots == 0) {
        PyErr_SetString(PyExc_ValueError, "empty NACK history");
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, i);
        if (!PyBytes_Check(chunk)) {
            PyErr_SetString(PyExc_TypeError, "payload chunks must be bytes");
            goto done;
        }
        int marker = i == count - 1 ? 0x80 : 0;
        Py_ssize_t length;
        if (build_packet(buffer, &length, first, marker | payload_type, seq, fixed.buf, fixed.len,
                         picture_id, i == 0, PyBytes_AS_STRING(chunk), PyBytes_GET_SIZE(chunk)) < 0)
            goto done;
        PyObject *plain = PyBytes_FromStringAndSize((const char *)buffer, length);
        if (plain == NULL)
            goto done;
        if (PyList_SetItem(history, seq % slots, plain) < 0) /* steals plain */
            goto done;
        octets += length - 4 - fixed.len; /* payload, VP8 descriptor included (as aiortc counts) */
        int protected_len = (int)length;
        int status = protect(ctx, buffer, &protected_len);
        if (status != 0) {
            PyErr_Format(PyExc_RuntimeError, "srtp_protect failed (status %d)", status);
            goto done;
        }
        if (leftovers == NULL) {
            ssize_t sent = sendto(fd, buffer, protected_len, 0, (const struct sockaddr *)addr.buf,
                                  (socklen_t)addr.len);
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                leftovers = PyList_New(0); /* the kernel is full: the rest goes to asyncio */
                if (leftovers == NULL)
                    goto done;
            } else if (sent >= 0) {
                wire_bytes += protected_len;
            }
        }
        if (leftovers != NULL) {
            PyObject *packet = PyBytes_FromStringAndSize((const char *)buffer, protected_len);
            if (packet == NULL || PyList_Append(leftovers, packet) < 0) {
                Py_XDECREF(packet);
                goto done;
            }
            Py_DECREF(packet);
            wire_bytes += protected_len;
        }
        seq = (seq + 1) & 0xFFFF;
    }
    result = Py_BuildValue("iLLO", seq, wire_bytes, octets, leftovers ? leftovers : Py_None);
done:
    Py_XDECREF(leftovers);
    PyBuffer_Release(&addr);
    PyBuffer_Release(&fixed);
    return result;
}

static PyMethodDef methods[] = {
    {"send_frame", send_frame, METH_VARARGS,
     "send_frame(fd, sockaddr, protect, ctx, first_byte, payload_type, seq, fixed, "
     "vp8_picture_id, chunks, history) -> (next_seq, wire_bytes, octets, leftovers)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "signaling.media._wire",
    "One forwarded frame to one subscriber's SRTP packets on the wire (see _wire.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__wire(void)
{
    return PyModule_Create(&module);
}
