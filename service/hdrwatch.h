/*
 * hdrwatch.h - a deadline for request headers (slowloris defence).
 *
 * Why: libmicrohttpd 0.9.75 has only an idle timeout, reset by every byte
 * received, so a client that sends its request headers one byte at a time
 * holds a connection (and, with a thread per connection, a thread) forever;
 * a few hundred such clients take every connection slot. Bodies have their
 * own deadline in http.c (MOTCUA_REQUEST_TIMEOUT); this module covers the
 * part before the access handler ever runs.
 *
 * How: every connection is registered when it is accepted (with its socket).
 * From then, and again from the completion of each request (keep-alive), it
 * must deliver complete request headers within the deadline; the access
 * handler's first call says they arrived. A watchdog thread looks every
 * ~250 ms and calls shutdown(2) on the sockets past their deadline: never
 * close(2), because the server still owns the descriptor and closes it
 * itself once its connection thread sees the end of the stream.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the list. A registered socket stays open until hdrwatch_close is
 * called for it (libmicrohttpd reports a connection closed before it closes
 * the descriptor), so the watchdog never shuts down a reused descriptor.
 * Every function accepts a NULL watch or connection and then does nothing.
 */
#ifndef MOTCUA_HDRWATCH_H
#define MOTCUA_HDRWATCH_H

typedef struct hdrwatch hdrwatch;
typedef struct hdrwatch_conn hdrwatch_conn;

/* Starts a watchdog with a deadline of timeout_ms (> 0). NULL when out of
 * memory or no thread could be started. Owned by the caller: hdrwatch_stop,
 * then hdrwatch_free. */
hdrwatch *hdrwatch_start(int timeout_ms);
/* Stops the thread (nothing is cut any more); registration still works, so
 * the server may go on closing connections. */
void hdrwatch_stop(hdrwatch *w);
/* Frees the watch and any connection still registered (call after the
 * server stopped, so that no callback can use them any more). */
void hdrwatch_free(hdrwatch *w);

/* Registers an accepted socket; its deadline starts now. NULL when out of
 * memory (the connection is then not watched). The handle belongs to the
 * watch until hdrwatch_close. */
hdrwatch_conn *hdrwatch_open(hdrwatch *w, int fd);
/* The connection is closing (before its socket is closed): forget it. */
void hdrwatch_close(hdrwatch *w, hdrwatch_conn *c);
/* Complete request headers arrived: no deadline until the request ends. */
void hdrwatch_headers_done(hdrwatch *w, hdrwatch_conn *c);
/* The request completed: the next request's headers are due within the
 * deadline from now. */
void hdrwatch_request_done(hdrwatch *w, hdrwatch_conn *c);

/* Connections cut so far. */
long hdrwatch_cut_count(hdrwatch *w);

#endif
