/* openload: the lab's open-loop HTTP/1.1 load generator (wrk2's idea, kept small).
 *
 * Why it exists: wrk is closed-loop. A connection waits for its answer before it sends
 * again, so when the server stalls the load stalls with it, and the requests that should
 * have been sent meanwhile are never measured (coordinated omission). Here every connection
 * keeps a fixed schedule, a late request is sent as soon as its connection is free, and its
 * latency runs from the moment it was *meant* to be sent.
 *
 * Shape: one epoll loop per thread, each with its own connections, counters and histograms
 * (no locks on the hot path); the main thread merges them and prints one JSON line
 * (schema lab.openload/1). lab/measure/histogram.py reads the buckets; bucket_of() below
 * must stay its exact twin.
 *
 * A mix (`--mix WEIGHT:PATH`, once per part) sends plain GETs to several paths: the n-th
 * request of the schedule (connection i's k-th, n = i + k*c, in the order they are due)
 * goes to the part at n in one cycle of the smooth weighted round-robin, so that the
 * arrivals follow lab.model.mix.smooth_order exactly, whatever the threads and connections.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* How a thread sleeps until its next due send. epoll_wait's 1 ms timeout is too coarse: on
 * the lab's hosts (1,000-20,000 req/s against nginx) it gave a lag p99 of ~1 ms and added
 * ~0.5 ms to every median latency. epoll_pwait2 (Linux 5.11, glibc 2.35) takes a nanosecond
 * timeout in the same single syscall: lag p99 10-60 us. Where the kernel or a seccomp profile
 * refuses it (ENOSYS/EPERM), a thread falls back to a timerfd armed at the absolute due time
 * and epoll_wait: the same figures, one more syscall per re-arm. Both honour the timer slack,
 * set to 1 us in main: with the default 50 us, lag p99 rose to 60-90 us and median latency
 * by ~50 us (wake-ups deferred). Neither ever spins: an idle schedule costs no CPU. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && \
    !defined(OPENLOAD_NO_PWAIT2)
#define HAVE_PWAIT2 1
#endif

#define SIG_BITS 11
#define LINEAR (1 << SIG_BITS)                    /* one bucket per value below 2048 us */
#define HALF (LINEAR >> 1)                        /* 1024 buckets per power of two above */
#define NBUCKETS ((64 - SIG_BITS + 2) * HALF)     /* enough for any uint64_t value */
#define NEVER INT64_MAX
#define MAX_EVENTS 256
#define READ_BUF 65536
#define MAX_PARTS 16   /* a mix's parts (lab.model.mix.MAX_PARTS) */
#define MAX_CYCLE 1000 /* the sum of a mix's weights (lab.model.mix.MAX_CYCLE) */
#define MAX_REQUEST 2048

enum { IDLE, CONNECTING, WRITING, READING };                   /* a connection's state */
enum { P_STATUS, P_HEADER, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_TRAILER, P_UNTIL_EOF };
enum { OUT_CONNECT, OUT_READ, OUT_WRITE, OUT_TIMEOUT };        /* a window request's failure */

typedef struct {
    uint64_t counts[NBUCKETS], total, min, max;
} hist_t;

typedef struct {
    uint64_t sent, completed, bytes, status, fail[4];
} stats_t;

typedef struct {
    int fd, state, events;    /* events: what the fd is registered for in epoll */
    uint64_t index, next_k;   /* global number i; the next request k not yet started */
    int part;                  /* the request in flight's part of the mix (0 without one) */
    int64_t due;              /* heap key: the next send, or the request's timeout */
    size_t heap_pos;
    int64_t started;           /* when the request in flight was begun (connect or write) */
    int64_t intended, free_at; /* the request in flight: its scheduled time; when the */
    bool in_window;            /* connection became free for it; whether it is measured */
    size_t written;
    uint64_t bytes;
    int pstate, status;        /* the response parser */
    bool chunked, has_length, close_after;
    uint64_t remaining;
    size_t line_len;
    char line[256];            /* one header line; longer lines are cut (we need none) */
} conn_t;

typedef struct {
    int ep, tfd;
    int64_t armed;             /* the timerfd's deadline, 0 when not armed */
    bool pwait2;
    conn_t *conns, **heap;
    size_t n, active;          /* active: connections that still have work (due != NEVER) */
    stats_t st;
    hist_t lat, lag, svc;     /* from the intended time; own lateness; from the real start */
    char buf[READ_BUF];
    pthread_t thread;
} worker_t;

/* Read-only once the threads start. */
static struct {
    double rate, duration, warmup, timeout;
    long conns, threads;
    const char *url;
    char host[256], port[8], requests[MAX_PARTS][MAX_REQUEST];
    size_t request_len[MAX_PARTS];
    const char *paths[MAX_PARTS]; /* the parts' paths; the URL's own without --mix */
    long weights[MAX_PARTS];
    int parts, cycle, order[MAX_CYCLE]; /* the part of each request in one cycle */
    struct sockaddr_storage addr;
    socklen_t addr_len;        /* 0: the host did not resolve; every connect fails */
    int64_t t0, ws, we, drain_end, timeout_ns;
} g;

static atomic_int g_stop, g_reporting;
static int g_stopfd = -1;
static char STOP_MARK, TIMER_MARK; /* epoll data.ptr of the stop eventfd and the timerfds */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- histogram: HDR's log-linear layout, 11 significant bits (lab/measure/histogram.py) */

static int bucket_of(uint64_t value) {
    if (value < LINEAR)
        return (int)value;
    int shift = 64 - __builtin_clzll(value) - SIG_BITS;
    return shift * HALF + (int)(value >> shift);
}

static uint64_t bucket_high(int index) {
    if (index < LINEAR)
        return (uint64_t)index;
    int shift = (index >> (SIG_BITS - 1)) - 1;
    uint64_t low = (uint64_t)(index - shift * HALF) << shift;
    return low + ((uint64_t)1 << shift) - 1;
}

static void hist_add(hist_t *h, int64_t ns) {
    uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0; /* whole microseconds, floor */
    h->counts[bucket_of(us)]++;
    if (h->total == 0 || us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
    h->total++;
}

static void hist_merge(hist_t *into, const hist_t *h) {
    if (h->total == 0)
        return;
    for (int i = 0; i < NBUCKETS; i++)
        into->counts[i] += h->counts[i];
    if (into->total == 0 || h->min < into->min)
        into->min = h->min;
    if (h->max > into->max)
        into->max = h->max;
    into->total += h->total;
}

/* The same rule as Histogram.percentile: the top of the bucket holding the rank-th value. */
static uint64_t hist_percentile(const hist_t *h, double percent) {
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(percent / 100.0 * (double)h->total), seen = 0;
    if (rank < 1)
        rank = 1;
    for (int i = 0; i < NBUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            return bucket_high(i) < h->max ? bucket_high(i) : h->max;
    }
    return h->max;
}

/* ---- the schedule ------------------------------------------------------------------ */

/* Connection i of c sends its k-th request at t0 + (i + k*c)/R: each at R/c, the phases
 * staggered so that the aggregate is evenly spaced. Computed, never accumulated, so that
 * rounding cannot drift over a long run. */
static int64_t intended(uint64_t i, uint64_t k) {
    return g.t0 + (int64_t)(((double)i + (double)k * (double)g.conns) * 1e9 / g.rate);
}

/* A min-heap of the thread's connections by `due`, so that the next wake-up and the due
 * connections are found in O(log n) however many connections a thread has. */
static void heap_swap(worker_t *w, size_t a, size_t b) {
    conn_t *t = w->heap[a];
    w->heap[a] = w->heap[b];
    w->heap[b] = t;
    w->heap[a]->heap_pos = a;
    w->heap[b]->heap_pos = b;
}

static void set_due(worker_t *w, conn_t *c, int64_t due) {
    size_t i = c->heap_pos;
    c->due = due;
    while (i > 0 && w->heap[(i - 1) / 2]->due > due) { /* up */
        heap_swap(w, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) { /* down */
        size_t l = 2 * i + 1, m = i;
        if (l < w->n && w->heap[l]->due < w->heap[m]->due)
            m = l;
        if (l + 1 < w->n && w->heap[l + 1]->due < w->heap[m]->due)
            m = l + 1;
        if (m == i)
            break;
        heap_swap(w, i, m);
        i = m;
    }
}

/* ---- connections ------------------------------------------------------------------- */

static void watch(worker_t *w, conn_t *c, int events) {
    if (c->events == events)
        return;
    struct epoll_event ev = { .events = (uint32_t)events, .data.ptr = c };
    epoll_ctl(w->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev);
    c->events = events;
}

static void close_conn(conn_t *c) {
    if (c->fd >= 0)
        close(c->fd); /* also removes it from epoll */
    c->fd = -1;
    c->events = 0;
}

/* The connection is free (now): its next request is due at its intended time, or at once
 * if that has passed (the backlog is never skipped). Nothing is scheduled past the window. */
static void next_request(worker_t *w, conn_t *c, int64_t now) {
    c->state = IDLE;
    c->free_at = now;
    int64_t t = intended(c->index, c->next_k);
    if (t >= g.we) {
        if (c->due != NEVER)
            w->active--;
        set_due(w, c, NEVER);
    } else {
        set_due(w, c, t); /* if t <= now, the loop starts it before it sleeps again */
    }
}

static void fail(worker_t *w, conn_t *c, int outcome, int64_t now) {
    if (c->in_window)
        w->st.fail[outcome]++;
    close_conn(c);
    next_request(w, c, now);
}

static void complete(worker_t *w, conn_t *c, int64_t now) {
    if (c->in_window) {
        w->st.completed++;
        w->st.bytes += c->bytes;
        if (c->status >= 400) /* wrk's rule: complete, and also an error */
            w->st.status++;
        hist_add(&w->lat, now - c->intended);
        /* What a naive client would report for the same request: from when it was
         * really begun. The two differ by exactly the coordinated omission. */
        hist_add(&w->svc, now - c->started);
    }
    if (c->close_after)
        close_conn(c);
    next_request(w, c, now);
}

static void send_request(worker_t *w, conn_t *c, int64_t now) {
    const char *request = g.requests[c->part];
    size_t len = g.request_len[c->part];
    ssize_t n = send(c->fd, request + c->written, len - c->written, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(w, c, OUT_WRITE, now);
        return;
    }
    c->written += n > 0 ? (size_t)n : 0;
    if (c->written < len) {
        c->state = WRITING;
        watch(w, c, EPOLLIN | EPOLLOUT);
        return;
    }
    if (c->in_window)
        w->st.sent++;
    c->state = READING;
    watch(w, c, EPOLLIN);
}

static void start_request(worker_t *w, conn_t *c, int64_t now) {
    c->part = g.order[(c->index + c->next_k * (uint64_t)g.conns) % (uint64_t)g.cycle];
    c->intended = intended(c->index, c->next_k++);
    c->in_window = c->intended >= g.ws; /* and < g.we: nothing later is ever started */
    if (c->in_window) /* the generator's own lateness, not the server's */
        hist_add(&w->lag, now - (c->intended > c->free_at ? c->intended : c->free_at));
    c->started = now;
    c->written = 0;
    c->bytes = 0;
    c->pstate = P_STATUS;
    c->line_len = 0;
    c->close_after = false;
    set_due(w, c, now + g.timeout_ns);
    if (c->fd >= 0) {
        send_request(w, c, now);
        return;
    }
    if (g.addr_len == 0) {
        fail(w, c, OUT_CONNECT, now);
        return;
    }
    c->fd = socket(g.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { /* e.g. out of descriptors: this request could not connect */
        fail(w, c, OUT_CONNECT, now);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&g.addr, g.addr_len) == 0) {
        send_request(w, c, now);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
        watch(w, c, EPOLLOUT);
    } else {
        fail(w, c, OUT_CONNECT, now);
    }
}

/* ---- the response parser: status line, headers, Content-Length / chunked / until EOF -- */

static const char *header_value(const char *line, const char *name) {
    size_t len = strlen(name);
    if (strncasecmp(line, name, len) != 0 || line[len] != ':')
        return NULL;
    line += len + 1;
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

/* One complete line (CR stripped). Returns 1: the response is complete, 0: go on, -1: bad. */
static int on_line(conn_t *c) {
    const char *v, *line = c->line;
    char *end;
    switch (c->pstate) {
    case P_STATUS:
        if (c->line_len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
            return -1;
        c->status = (int)strtol(line + 9, &end, 10);
        if (end != line + 12 || c->status < 100)
            return -1;
        c->chunked = c->has_length = false;
        c->close_after = line[7] == '0'; /* HTTP/1.0: no keep-alive unless asked */
        c->pstate = P_HEADER;
        return 0;
    case P_HEADER:
        if (c->line_len > 0) {
            if ((v = header_value(line, "content-length"))) {
                if (*v < '0' || *v > '9')
                    return -1;
                c->remaining = strtoull(v, &end, 10);
                c->has_length = true;
            } else if ((v = header_value(line, "transfer-encoding"))) {
                c->chunked = strcasestr(v, "chunked") != NULL;
            } else if ((v = header_value(line, "connection"))) {
                c->close_after = strcasestr(v, "close") != NULL;
            }
            return 0;
        }
        if (c->status < 200) { /* an interim answer (100 Continue): the real one follows */
            c->pstate = P_STATUS;
            return 0;
        }
        if (c->status == 204 || c->status == 304)
            return 1;
        if (c->chunked)
            c->pstate = P_CHUNK_SIZE;
        else if (c->has_length)
            c->pstate = P_BODY;
        else /* no length given: the body runs until the server closes */
            c->pstate = P_UNTIL_EOF;
        return c->pstate == P_BODY && c->remaining == 0;
    case P_CHUNK_SIZE:
        c->remaining = strtoull(line, &end, 16);
        if (end == line)
            return -1;
        c->pstate = c->remaining ? P_CHUNK_DATA : P_TRAILER;
        c->remaining += 2; /* the CRLF after the chunk's data */
        return 0;
    case P_TRAILER:
        return c->line_len == 0;
    }
    return -1;
}

static int parse(conn_t *c, const char *p, size_t n) {
    const char *end = p + n;
    int r = 0;
    while (p < end && r == 0) {
        if (c->pstate == P_UNTIL_EOF)
            return 0;
        if (c->pstate == P_BODY || c->pstate == P_CHUNK_DATA) {
            size_t take = (size_t)(end - p) < c->remaining ? (size_t)(end - p) : c->remaining;
            p += take;
            c->remaining -= take;
            if (c->remaining == 0 && c->pstate == P_BODY)
                r = 1;
            else if (c->remaining == 0)
                c->pstate = P_CHUNK_SIZE;
            continue;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        size_t room = sizeof c->line - 1 - c->line_len;
        memcpy(c->line + c->line_len, p, len < room ? len : room);
        c->line_len += len < room ? len : room;
        p += len;
        if (!nl)
            break;
        p++;
        if (c->line_len > 0 && c->line[c->line_len - 1] == '\r')
            c->line_len--;
        c->line[c->line_len] = '\0';
        r = on_line(c);
        c->line_len = 0;
    }
    if (r == 1 && p < end) /* bytes nobody asked for: this connection cannot be trusted */
        c->close_after = true;
    return r;
}

static void on_readable(worker_t *w, conn_t *c) {
    ssize_t n = recv(c->fd, w->buf, sizeof w->buf, 0);
    int64_t now = now_ns(); /* when the response (or this part of it) was read */
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (c->state == IDLE) { /* the server closed (or spoke on) an idle keep-alive connection */
        close_conn(c);
        return;
    }
    if (n == 0 && c->pstate == P_UNTIL_EOF) {
        close_conn(c);
        complete(w, c, now);
    } else if (n <= 0) {
        fail(w, c, OUT_READ, now);
    } else {
        c->bytes += (uint64_t)n;
        int r = parse(c, w->buf, (size_t)n);
        if (r < 0)
            fail(w, c, OUT_READ, now);
        else if (r > 0) {
            if (c->state == WRITING) /* answered before it was all written: start afresh */
                c->close_after = true;
            complete(w, c, now);
        }
    }
}

static void on_event(worker_t *w, conn_t *c, uint32_t events) {
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err)
            fail(w, c, OUT_CONNECT, now_ns());
        else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            send_request(w, c, now_ns());
        return;
    }
    if (c->state == WRITING && (events & EPOLLOUT))
        send_request(w, c, now_ns());
    if (c->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        on_readable(w, c);
}

/* ---- the event loop ---------------------------------------------------------------- */

static int wait_until(worker_t *w, struct epoll_event *ev, int64_t deadline) {
    int64_t wait = deadline - now_ns();
    if (wait < 0)
        wait = 0;
#ifdef HAVE_PWAIT2
    if (w->pwait2) {
        struct timespec ts = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };
        int n = epoll_pwait2(w->ep, ev, MAX_EVENTS, &ts, NULL);
        if (n >= 0 || errno == EINTR)
            return n < 0 ? 0 : n;
        if (errno != ENOSYS && errno != EPERM)
            return 0;
        w->pwait2 = false; /* refused here: use the timerfd from now on */
    }
#endif
    if (wait == 0)
        return epoll_wait(w->ep, ev, MAX_EVENTS, 0);
    if (w->armed != deadline) {
        struct itimerspec its = { .it_value = { .tv_sec = deadline / 1000000000,
                                                .tv_nsec = deadline % 1000000000 } };
        timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
        w->armed = deadline;
    }
    int n = epoll_wait(w->ep, ev, MAX_EVENTS, -1);
    return n < 0 ? 0 : n;
}

static void *run(void *arg) {
    worker_t *w = arg;
    struct epoll_event ev[MAX_EVENTS];
    while (!atomic_load(&g_stop)) {
        int64_t now = now_ns();
        while (w->n > 0 && w->heap[0]->due <= now) {
            conn_t *c = w->heap[0];
            if (c->state == IDLE)
                start_request(w, c, now);
            else /* in flight for `timeout` (or still connecting): give up on it */
                fail(w, c, c->state == CONNECTING ? OUT_CONNECT : OUT_TIMEOUT, now);
        }
        /* Done when no window request is left (but not before the window's end, so that
         * elapsed >= warmup + duration), or at the drain deadline whatever is left. */
        if ((w->active == 0 && now >= g.we) || now >= g.drain_end)
            break;
        int64_t deadline = w->active == 0                 ? g.we
                           : w->heap[0]->due < g.drain_end ? w->heap[0]->due
                                                           : g.drain_end;
        int n = wait_until(w, ev, deadline);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == &STOP_MARK) {
                atomic_store(&g_stop, 1);
            } else if (ev[i].data.ptr == &TIMER_MARK) {
                uint64_t ticks; /* clear it: it fired, and is disarmed until set again */
                ssize_t r = read(w->tfd, &ticks, sizeof ticks);
                (void)r;
                w->armed = 0;
            } else {
                on_event(w, ev[i].data.ptr, ev[i].events);
            }
        }
    }
    return NULL;
}

static void on_signal(int sig) {
    (void)sig;
    uint64_t one = 1;
    /* A second signal while the result is written (to a reader that does not read): go. */
    if (atomic_exchange(&g_stop, 1) && atomic_load(&g_reporting))
        _exit(130);
    ssize_t r = write(g_stopfd, &one, sizeof one); /* wakes every thread's epoll */
    (void)r;
}

/* ---- the command line -------------------------------------------------------------- */

static const char USAGE[] = "usage: openload -R RATE -c CONNECTIONS [-t THREADS] -d SECONDS "
                            "[-w WARMUP_SECONDS] [--timeout SECONDS] [--mix WEIGHT:PATH ...] "
                            "http://host[:port]/path";

static void bad(const char *flag, const char *value, const char *why) {
    if (value)
        fprintf(stderr, "openload: %s %s: %s (%s)\n", flag, value, why, USAGE);
    else
        fprintf(stderr, "openload: %s: %s (%s)\n", flag, why, USAGE);
    exit(2);
}

static double number(const char *flag, const char *s, double low, bool low_ok, double high) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < low || (v == low && !low_ok) || v > high)
        bad(flag, s, low_ok ? "not a number in range (>= 0)" : "not a number in range (> 0)");
    return v;
}

static void parse_url(const char *url) {
    const char *h = url + 7, *rest, *path;
    size_t hlen;
    if (strncmp(url, "http://", 7) != 0)
        bad("URL", url, "only http://host[:port]/path is supported");
    if (*h == '[') { /* an IPv6 literal */
        rest = strchr(h, ']');
        if (!rest)
            bad("URL", url, "unclosed [");
        h++;
        hlen = (size_t)(rest++ - h);
    } else {
        hlen = strcspn(h, ":/");
        rest = h + hlen;
    }
    if (hlen == 0 || hlen >= sizeof g.host)
        bad("URL", url, "no host, or a host too long");
    memcpy(g.host, h, hlen);
    g.host[hlen] = '\0';
    long port = 80;
    if (*rest == ':') {
        char *end;
        port = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
            bad("URL", url, "bad port");
        rest = end;
    }
    if (*rest && *rest != '/')
        bad("URL", url, "the path must start with /");
    path = *rest ? rest : "/";
    if (g.parts == 0) {
        g.paths[0] = path, g.weights[0] = 1, g.parts = 1;
    } else if (strcmp(path, "/") != 0) {
        bad("URL", url, "with --mix, the URL names the server only: each --mix has its path");
    }
    snprintf(g.port, sizeof g.port, "%ld", port);
    for (int i = 0; i < g.parts; i++) {
        for (const char *p = g.paths[i]; *p; p++)
            if ((unsigned char)*p <= ' ' || *p == 0x7f)
                bad("URL", g.paths[i], "the path has a space or a control character");
        int len = snprintf(g.requests[i], MAX_REQUEST,
                           "GET %s HTTP/1.1\r\nHost: %s%s%s:%ld\r\n\r\n", g.paths[i],
                           strchr(g.host, ':') ? "[" : "", g.host,
                           strchr(g.host, ':') ? "]" : "", port);
        if (len < 0 || len >= MAX_REQUEST)
            bad("URL", g.paths[i], "too long");
        g.request_len[i] = (size_t)len;
    }
}

/* `--mix WEIGHT:PATH`: one more part of the mix. */
static void add_part(const char *v) {
    char *end;
    long weight = strtol(v, &end, 10);
    if (end == v || *end != ':' || weight < 1 || weight > MAX_CYCLE || end[1] != '/')
        bad("--mix", v, "not WEIGHT:PATH, a whole weight from 1 and a path from /");
    if (g.parts == MAX_PARTS)
        bad("--mix", v, "more parts than 16");
    g.weights[g.parts] = weight;
    g.paths[g.parts++] = end + 1;
}

/* One cycle of the smooth weighted round-robin (nginx's; lab.model.mix.smooth_order): each
 * step adds every weight to its part's credit, and the part with the most (the first on a
 * tie) is sent and pays the sum of the weights back. */
static void smooth_order(void) {
    long credit[MAX_PARTS] = { 0 }, total = 0;
    for (int i = 0; i < g.parts; i++)
        total += g.weights[i];
    if (total > MAX_CYCLE)
        bad("--mix", NULL, "weights that sum to more than 1000");
    for (long n = 0; n < total; n++) {
        int best = 0;
        for (int i = 0; i < g.parts; i++) {
            credit[i] += g.weights[i];
            if (credit[i] > credit[best])
                best = i;
        }
        credit[best] -= total;
        g.order[n] = best;
    }
    g.cycle = (int)total;
}

static void parse_args(int argc, char **argv) {
    bool seen_r = false, seen_c = false, seen_d = false;
    g.threads = 1;
    g.timeout = 5.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (g.url)
                bad("URL", a, "a second URL");
            g.url = a;
            continue;
        }
        if (strcmp(a, "-R") && strcmp(a, "-c") && strcmp(a, "-t") && strcmp(a, "-d") &&
            strcmp(a, "-w") && strcmp(a, "--timeout") && strcmp(a, "--mix"))
            bad(a, NULL, "unknown flag");
        if (i + 1 >= argc)
            bad(a, NULL, "needs a value");
        const char *v = argv[++i];
        if (!strcmp(a, "--mix"))
            add_part(v);
        else if (!strcmp(a, "-R"))
            g.rate = number(a, v, 0, false, 1e9), seen_r = true;
        else if (!strcmp(a, "-d"))
            g.duration = number(a, v, 0, false, 1e6), seen_d = true;
        else if (!strcmp(a, "-w"))
            g.warmup = number(a, v, 0, true, 1e6);
        else if (!strcmp(a, "--timeout"))
            g.timeout = number(a, v, 0, false, 1e6);
        else {
            char *end;
            long n = strtol(v, &end, 10);
            if (end == v || *end || n < 1 || n > 1000000)
                bad(a, v, "not a whole number from 1 to 1000000");
            if (!strcmp(a, "-c"))
                g.conns = n, seen_c = true;
            else
                g.threads = n;
        }
    }
    if (!seen_r || !seen_c || !seen_d)
        bad(!seen_r ? "-R" : !seen_c ? "-c" : "-d", NULL, "missing (required)");
    if (!g.url)
        bad("URL", NULL, "missing");
    if (g.threads > g.conns) {
        char v[32];
        snprintf(v, sizeof v, "%ld", g.threads);
        bad("-t", v, "more threads than connections (-c)");
    }
    parse_url(g.url);
    smooth_order();
}

/* Resolved once, at start. A failure is not fatal: every request then counts as a connect
 * error, which is what the run should report about an address that does not answer. */
static void resolve(void) {
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    int err = getaddrinfo(g.host, g.port, &hints, &res);
    if (err) {
        fprintf(stderr, "openload: cannot resolve %s: %s\n", g.host, gai_strerror(err));
        return;
    }
    memcpy(&g.addr, res->ai_addr, res->ai_addrlen);
    g.addr_len = res->ai_addrlen;
    freeaddrinfo(res);
}

/* ---- the result -------------------------------------------------------------------- */

static const char *real(double v, char *buf) /* always with a decimal point: 2500.0 */
{
    snprintf(buf, 32, "%.15g", v);
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    return buf;
}

static void print_buckets(const hist_t *h) {
    const char *sep = "";
    for (int i = 0; i < NBUCKETS; i++)
        if (h->counts[i]) {
            printf("%s[%d,%" PRIu64 "]", sep, i, h->counts[i]);
            sep = ",";
        }
}

static void report(worker_t *ws, int64_t stopped) {
    stats_t st = { 0 };
    static hist_t lat, lag, svc;
    uint64_t scheduled = 0, dropped = 0;
    for (long t = 0; t < g.threads; t++) {
        worker_t *w = &ws[t];
        st.sent += w->st.sent, st.completed += w->st.completed, st.bytes += w->st.bytes;
        st.status += w->st.status;
        for (int o = 0; o < 4; o++)
            st.fail[o] += w->st.fail[o];
        hist_merge(&lat, &w->lat);
        hist_merge(&lag, &w->lag);
        hist_merge(&svc, &w->svc);
        /* Counted from the schedule itself, not as a remainder, so that the invariant
         * scheduled == completed + errors + dropped checks the bookkeeping. A request is
         * scheduled if its intended time is in the window and had come when we stopped. */
        for (size_t j = 0; j < w->n; j++) {
            conn_t *c = &w->conns[j];
            for (uint64_t k = 0;; k++) {
                int64_t t_k = intended(c->index, k);
                if (t_k >= g.we || t_k > stopped)
                    break;
                if (t_k >= g.ws)
                    scheduled++, dropped += k >= c->next_k; /* never sent */
            }
            dropped += c->state != IDLE && c->in_window; /* still in flight */
        }
    }
    uint64_t accounted = st.completed + st.fail[0] + st.fail[1] + st.fail[2] + st.fail[3];
    if (scheduled != accounted + dropped)
        fprintf(stderr, "openload: bug: %" PRIu64 " scheduled, %" PRIu64 " accounted for\n",
                scheduled, accounted + dropped);
    char b1[32], b2[32], b3[32], b4[32];
    printf("{\"schema\":\"lab.openload/1\",\"rate\":%s,\"connections\":%ld,\"threads\":%ld,"
           "\"warmup_s\":%s,\"duration_s\":%s,\"timeout_s\":%s,\"window_us\":%" PRId64
           ",\"elapsed_us\":%" PRId64 ",\"scheduled\":%" PRIu64 ",\"sent\":%" PRIu64
           ",\"completed\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"bytes\":%" PRIu64
           ",\"errors\":{\"connect\":%" PRIu64 ",\"read\":%" PRIu64 ",\"write\":%" PRIu64
           ",\"status\":%" PRIu64 ",\"timeout\":%" PRIu64 "},\"latency_us\":{\"min\":%" PRIu64
           ",\"max\":%" PRIu64 ",\"buckets\":[",
           real(g.rate, b1), g.conns, g.threads, real(g.warmup, b2), real(g.duration, b3),
           real(g.timeout, b4), (g.we - g.ws) / 1000, (stopped - g.t0) / 1000, scheduled,
           st.sent, st.completed, dropped, st.bytes, st.fail[OUT_CONNECT], st.fail[OUT_READ],
           st.fail[OUT_WRITE], st.status, st.fail[OUT_TIMEOUT], lat.min, lat.max);
    print_buckets(&lat);
    printf("]},\"service_us\":{\"min\":%" PRIu64 ",\"max\":%" PRIu64 ",\"buckets\":[",
           svc.min, svc.max);
    print_buckets(&svc);
    printf("]},\"lag_us\":{\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "},\"interrupted\":%s}\n",
           hist_percentile(&lag, 99.0), lag.max, atomic_load(&g_stop) ? "true" : "false");
    fflush(stdout);
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    resolve();
    g.timeout_ns = (int64_t)(g.timeout * 1e9);

    struct rlimit rl; /* one descriptor per connection, plus a few per thread */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* 1 us; inherited by the threads */
    g_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    worker_t *ws = calloc((size_t)g.threads, sizeof *ws);
    conn_t *conns = calloc((size_t)g.conns, sizeof *conns);
    conn_t **heaps = calloc((size_t)g.conns, sizeof *heaps);
    if (!ws || !conns || !heaps || g_stopfd < 0) {
        perror("openload: setup");
        return 1;
    }
    g.t0 = now_ns();
    g.ws = g.t0 + (int64_t)(g.warmup * 1e9);
    g.we = g.ws + (int64_t)(g.duration * 1e9);
    g.drain_end = g.we + g.timeout_ns;
    /* Connection i goes to thread i % threads, so that each thread's share of the schedule
     * is evenly spaced too (not one thread's burst, then the next's). */
    size_t offset = 0;
    for (long t = 0; t < g.threads; t++) {
        worker_t *w = &ws[t];
        w->conns = conns + offset;
        w->heap = heaps + offset;
        w->n = (size_t)(g.conns / g.threads + (t < g.conns % g.threads));
        w->active = w->n;
        w->pwait2 = true;
        offset += w->n;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        struct epoll_event stop = { .events = EPOLLIN, .data.ptr = &STOP_MARK };
        struct epoll_event timer = { .events = EPOLLIN, .data.ptr = &TIMER_MARK };
        if (w->ep < 0 || w->tfd < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, g_stopfd, &stop) ||
            epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &timer)) {
            perror("openload: epoll");
            return 1;
        }
        for (size_t j = 0; j < w->n; j++) { /* due times ascend with j: already a heap */
            conn_t *c = &w->conns[j];
            c->fd = -1;
            c->index = (uint64_t)t + j * (uint64_t)g.threads;
            c->free_at = g.t0;
            c->due = intended(c->index, 0);
            c->heap_pos = j;
            w->heap[j] = c;
        }
        for (size_t j = 0; j < w->n; j++) /* drops those with no request in the window */
            next_request(w, &w->conns[j], g.t0);
    }
    for (long t = 0; t < g.threads; t++)
        if (pthread_create(&ws[t].thread, NULL, run, &ws[t]) != 0) {
            perror("openload: pthread_create");
            return 1;
        }
    for (long t = 0; t < g.threads; t++)
        pthread_join(ws[t].thread, NULL);
    int64_t stopped = now_ns();
    atomic_store(&g_reporting, 1);
    report(ws, stopped);

    for (long t = 0; t < g.threads; t++) {
        for (size_t j = 0; j < ws[t].n; j++)
            close_conn(&ws[t].conns[j]);
        close(ws[t].ep);
        close(ws[t].tfd);
    }
    close(g_stopfd);
    free(heaps);
    free(conns);
    free(ws);
    return atomic_load(&g_stop) ? 130 : 0;
}
