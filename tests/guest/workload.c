/*
 * ballast-workload: the memory workload run inside e2e test guests.
 *
 * It allocates, touches (writes every page) and frees anonymous memory on a
 * schedule, so that a guest's memory need changes over time in a way a test
 * knows in advance. Built static (`gcc -static -O2`) and started by the guest
 * initramfs' /init; it never exits on its own.
 *
 * Parameters come from the kernel command line (/proc/cmdline), each one
 * overridable by a command-line option of the same name (for runs on a host):
 *
 *   ballast.schedule=T:MiB[,T:MiB...]  at T seconds hold MiB (default "0:0")
 *   ballast.rate=MiB/s                 ramp rate, up and down   (default 100)
 *   ballast.retouch=S                  rewrite every held page every S s
 *                                      (default 5; 0 = never)
 *   ballast.period=S                   repeat the schedule every S seconds
 *                                      (default 0 = run it once, then hold)
 *   ballast.epoch=UNIX_TIME            T counts from this wall-clock time
 *                                      (guests started at different times
 *                                      can share one timeline; the guest RTC
 *                                      is the host's clock). Default: T
 *                                      counts from the program's start.
 *   ballast.epoch=wait                 hold nothing until the host writes
 *                                      "epoch=UNIX_TIME\n" to the clock port
 *                                      (ignored when it is not a plausible
 *                                      time), then run the schedule from that
 *                                      time. Tests start the clock only once
 *                                      every guest is up (and managed), so
 *                                      no schedule depends on how long
 *                                      libvirt took to start the guests.
 *   ballast.clock_port=PATH            where the epoch comes from (default
 *                                      /dev/ttyS1, the guest's second serial
 *                                      port: a unix socket on the host)
 *
 * With ballast.epoch=wait and BALLAST_EPOCH_FILE set in the environment, the
 * epoch is also written to that file once received (the guest's /init
 * times ballast.unload_balloon_at from it).
 *   ballast.report=S                   also print a status line every S s
 *                                      (default 0 = only on changes)
 *   ballast.fill=index|pattern         what a touch writes to each page:
 *                                      "index" (default) one byte, the
 *                                      page's number within its MiB, the
 *                                      rest zero, so the pages of every
 *                                      MiB are alike; "pattern" the whole
 *                                      page from its number in the held
 *                                      memory, so pages differ within a
 *                                      guest but the same schedule gives
 *                                      identical pages in every guest:
 *                                      what KSM merges across guests only
 *
 *   e.g. ballast.schedule=20:400,60:50 : from t=20 s ramp to 400 MiB, from
 *   t=60 s ramp down to 50 MiB and keep holding that.
 *
 * Output (one line each, to stdout = the serial console):
 *   ballast-workload: start ...
 *   ballast-workload: epoch 1764860000 received (t=-3.0)   (ballast.epoch=wait)
 *   ballast-workload: t=20.0 begin step 1/2 target=400 held=0 MiB ...
 *   ballast-workload: t=22.1 reached step 1/2 target=400 held=400 MiB ...
 * A guest OOM kill of this process is printed by the guest kernel and then
 * by /init ("ballast-init: workload exited ...").
 *
 * Host usage: ballast-workload [--schedule S] [--rate R] [--retouch S]
 *             [--period S] [--epoch T|wait] [--clock-port PATH] [--report S]
 *             [--fill F] [--cmdline FILE]
 */
#ifndef _GNU_SOURCE /* meson's project arguments may define it already */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_MIB 1UL
#define CHUNK_BYTES (CHUNK_MIB << 20)
#define MAX_STEPS 64
#define MAX_CHUNKS (1UL << 20) /* 1 TiB in 1 MiB chunks: plenty */
#define TICK_NS 50000000L      /* 50 ms */

struct step {
    double t;
    long mib;
};

static struct step steps[MAX_STEPS];
static int nsteps;
static double rate = 100.0, retouch = 5.0, period = 0.0, report = 0.0;
static int fill_pattern; /* ballast.fill=pattern */
static double epoch = -1.0;
static int epoch_wait;                          /* ballast.epoch=wait */
static char clock_port[256] = "/dev/ttyS1";     /* ballast.clock_port */
static char **chunks;
static unsigned long nchunks;
static long page_size;

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "ballast-workload: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    /* One write per line so lines from the kernel do not split ours. */
    if (write(STDOUT_FILENO, buf, n) < 0) {
        /* nothing sensible to do */
    }
}

static int parse_schedule(const char *s)
{
    char *copy = strdup(s), *save = NULL, *tok;
    nsteps = 0;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':'), *end;
        if (!colon || nsteps == MAX_STEPS) {
            free(copy);
            return -1;
        }
        *colon = '\0';
        steps[nsteps].t = strtod(tok, &end);
        if (end == tok || *end || steps[nsteps].t < 0) {
            free(copy);
            return -1;
        }
        steps[nsteps].mib = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || steps[nsteps].mib < 0) {
            free(copy);
            return -1;
        }
        if (nsteps && steps[nsteps].t < steps[nsteps - 1].t) {
            free(copy);
            return -1;
        }
        nsteps++;
    }
    free(copy);
    return nsteps ? 0 : -1;
}

static int set_param(const char *name, const char *val)
{
    char *end;
    double *dst = NULL;
    if (!strcmp(name, "schedule"))
        return parse_schedule(val);
    if (!strcmp(name, "fill")) {
        if (strcmp(val, "index") && strcmp(val, "pattern"))
            return -1;
        fill_pattern = !strcmp(val, "pattern");
        return 0;
    }
    if (!strcmp(name, "epoch") && !strcmp(val, "wait")) {
        epoch_wait = 1;
        return 0;
    }
    if (!strcmp(name, "clock_port") || !strcmp(name, "clock-port")) {
        if (!*val || strlen(val) >= sizeof clock_port)
            return -1;
        strcpy(clock_port, val);
        return 0;
    }
    if (!strcmp(name, "rate"))
        dst = &rate;
    else if (!strcmp(name, "retouch"))
        dst = &retouch;
    else if (!strcmp(name, "period"))
        dst = &period;
    else if (!strcmp(name, "epoch"))
        dst = &epoch;
    else if (!strcmp(name, "report"))
        dst = &report;
    else
        return 0; /* unknown ballast.* parameters are ignored */
    *dst = strtod(val, &end);
    if (end == val || *end)
        return -1;
    return 0;
}

static void read_cmdline(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n;
    char *save = NULL, *tok;
    if (!f)
        return;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        char *eq;
        if (strncmp(tok, "ballast.", 8))
            continue;
        eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (set_param(tok + 8, eq + 1) < 0)
            say("bad kernel parameter %s=%s (ignored)", tok, eq + 1);
    }
}

/* Target MiB at time t (seconds on the workload's timeline). */
static long target_at(double t, int *step_idx)
{
    long mib = 0;
    int i;
    *step_idx = -1;
    if (period > 0 && t >= 0)
        t = t - period * (long)(t / period);
    for (i = 0; i < nsteps; i++) {
        if (t >= steps[i].t) {
            mib = steps[i].mib;
            *step_idx = i;
        }
    }
    return mib;
}

/* Write every page of chunk number INDEX (see ballast.fill). */
static void touch_chunk(char *p, unsigned long index)
{
    if (fill_pattern) {
        /* Page n of the held memory: 64-bit words n * golden ratio ^ i. */
        unsigned long pages = CHUNK_BYTES / page_size;
        for (unsigned long page = 0; page < pages; page++) {
            unsigned long long n = (unsigned long long)index * pages + page + 1;
            unsigned long long *w = (unsigned long long *)(p + page * page_size);
            for (unsigned long i = 0; i < page_size / sizeof *w; i++)
                w[i] = n * 0x9E3779B97F4A7C15ULL ^ i;
        }
        return;
    }
    for (unsigned long off = 0; off < CHUNK_BYTES; off += page_size)
        p[off] = (char)(off / page_size + 1);
}

static int grow_one(void)
{
    char *p;
    if (nchunks == MAX_CHUNKS)
        return -1;
    p = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    touch_chunk(p, nchunks);
    chunks[nchunks++] = p;
    return 0;
}

static void shrink_one(void)
{
    if (!nchunks)
        return;
    munmap(chunks[--nchunks], CHUNK_BYTES);
}

static void meminfo(long *total, long *avail)
{
    char line[256];
    FILE *f = fopen("/proc/meminfo", "r");
    *total = *avail = -1;
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "MemTotal: %ld kB", total);
        sscanf(line, "MemAvailable: %ld kB", avail);
    }
    fclose(f);
}

static void status(const char *what, double t, int step, long target)
{
    long total, avail;
    meminfo(&total, &avail);
    if (step >= 0)
        say("t=%.1f %s step %d/%d target=%ld held=%lu MiB guest_total=%ld avail=%ld MiB",
            t, what, step + 1, nsteps, target, nchunks * CHUNK_MIB,
            total / 1024, avail / 1024);
    else
        say("t=%.1f %s target=%ld held=%lu MiB guest_total=%ld avail=%ld MiB",
            t, what, target, nchunks * CHUNK_MIB, total / 1024, avail / 1024);
}

/* The guest's /init times other events from the clock's start: tell it. */
static void write_epoch_file(void)
{
    const char *path = getenv("BALLAST_EPOCH_FILE");
    FILE *f;
    if (!path || !*path)
        return;
    f = fopen(path, "w");
    if (!f) {
        say("cannot write %s: %s", path, strerror(errno));
        return;
    }
    fprintf(f, "%.0f\n", epoch);
    fclose(f);
}

/*
 * ballast.epoch=wait: read "epoch=UNIX_TIME" lines from the clock port
 * without blocking; returns 1 once an epoch is set. The host repeats its
 * line until this program acknowledges it on the console: bytes that reach
 * the port before it is opened are dropped (the UART's FIFO is cleared on
 * open), so a line may arrive cut at its start; only whole lines that start
 * with "epoch=" and carry a plausible time count.
 */
static int poll_clock_port(void)
{
    static int fd = -1, said_error;
    static char line[64];
    static size_t len;
    char buf[64];
    ssize_t n;

    if (fd < 0) {
        struct termios tio;
        fd = open(clock_port, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            if (!said_error++)
                say("cannot open the clock port %s: %s (retrying)", clock_port, strerror(errno));
            return 0;
        }
        if (tcgetattr(fd, &tio) == 0) { /* a tty: raw, no echo back to the host */
            cfmakeraw(&tio);
            tcsetattr(fd, TCSANOW, &tio);
        }
        say("waiting for the epoch on %s", clock_port);
    }
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            char *end;
            double value;
            if (buf[i] != '\n' && buf[i] != '\r') {
                if (len < sizeof line - 1)
                    line[len++] = buf[i];
                continue;
            }
            line[len] = '\0';
            len = 0;
            if (strncmp(line, "epoch=", 6))
                continue;
            value = strtod(line + 6, &end);
            if (end == line + 6 || *end || value < 1e9) /* before 2001: a cut line */
                continue;
            epoch = value;
            say("epoch %.0f received (t=%.1f)", epoch, now_real() - epoch);
            close(fd);
            write_epoch_file();
            return 1;
        }
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: ballast-workload [--schedule T:MiB,...] [--rate MiB/s] "
                    "[--retouch S] [--period S] [--epoch UNIX_TIME|wait] [--clock-port PATH] "
                    "[--report S] [--fill index|pattern] [--cmdline FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cmdline = "/proc/cmdline";
    double start, last_tick, last_touch, last_report, budget = 0;
    long target, last_target = -1;
    int i, step, last_step = -2, reached = 1;
    char sched_text[1024] = "";

    page_size = sysconf(_SC_PAGESIZE);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IONBF, 0);

    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--cmdline") && i + 1 < argc)
            cmdline = argv[++i];
    parse_schedule("0:0");
    read_cmdline(cmdline);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cmdline")) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--", 2) || i + 1 >= argc || set_param(argv[i] + 2, argv[i + 1]) < 0)
            usage();
        i++;
    }
    if (rate <= 0)
        rate = 100;

    chunks = calloc(MAX_CHUNKS, sizeof *chunks);
    if (!chunks) {
        say("cannot allocate chunk table");
        return 1;
    }
    for (i = 0; i < nsteps; i++) {
        size_t len = strlen(sched_text);
        snprintf(sched_text + len, sizeof sched_text - len, "%s%g:%ld",
                 i ? "," : "", steps[i].t, steps[i].mib);
    }

    start = now_mono();
    if (epoch_wait)
        epoch = -1.0;
    else if (epoch < 0)
        epoch = now_real(); /* timeline starts now */
    {
        long total, avail;
        char t0[32] = "wait";
        if (!epoch_wait)
            snprintf(t0, sizeof t0, "%.1f", now_real() - epoch);
        meminfo(&total, &avail);
        say("start pid=%d schedule=%s rate=%g MiB/s retouch=%gs period=%gs fill=%s t0=%s "
            "guest_total=%ld avail=%ld MiB",
            (int)getpid(), sched_text, rate, retouch, period, fill_pattern ? "pattern" : "index",
            t0, total / 1024, avail / 1024);
    }
    last_tick = last_touch = last_report = start;

    /* Nothing is held before the epoch: wait for it. */
    while (epoch_wait && !poll_clock_port()) {
        struct timespec ts = {0, TICK_NS};
        nanosleep(&ts, NULL);
    }
    last_tick = now_mono();

    for (;;) {
        struct timespec ts = {0, TICK_NS};
        double m = now_mono(), t = now_real() - epoch;

        target = target_at(t, &step);
        if (step != last_step || target != last_target) {
            status("begin", t, step, target);
            last_step = step;
            last_target = target;
            reached = 0;
            budget = 0;
        }

        /* Ramp towards the target by at most rate * elapsed. */
        budget += rate * (m - last_tick);
        if (budget > rate) /* never more than 1 s worth at once */
            budget = rate;
        last_tick = m;
        while (budget >= CHUNK_MIB && (long)(nchunks * CHUNK_MIB) != target) {
            if ((long)(nchunks * CHUNK_MIB) < target) {
                if (grow_one() < 0) {
                    say("t=%.1f allocation failed at held=%lu MiB: %s", t,
                        nchunks * CHUNK_MIB, strerror(errno));
                    break;
                }
            } else {
                shrink_one();
            }
            budget -= CHUNK_MIB;
        }
        if (!reached && (long)(nchunks * CHUNK_MIB) == target) {
            status("reached", now_real() - epoch, step, target);
            reached = 1;
        }

        /* Keep held pages resident and dirty. */
        if (retouch > 0 && now_mono() - last_touch >= retouch) {
            for (unsigned long c = 0; c < nchunks; c++)
                touch_chunk(chunks[c], c);
            last_touch = now_mono();
        }
        if (report > 0 && now_mono() - last_report >= report) {
            status("status", now_real() - epoch, step, target);
            last_report = now_mono();
        }
        nanosleep(&ts, NULL);
    }
}
