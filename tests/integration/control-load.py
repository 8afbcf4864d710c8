#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Load on ballastd's control socket, as the clients of issue 16 made it.

Each phase prints one JSON object of figures on stdout; the checks are the
caller's (tests/integration/test-control-load.sh, bench/RESULTS.md).
Every loop is bounded in time, and only the given UNIX socket is used.

  burst  --clients 50 --requests 20
        every client at once, one connection per request (as ballastctl
        does): connect, send "status", read the reply, close. Connects are
        non-blocking (as with a socket timeout), so a full accept queue is
        an EAGAIN here instead of a wait.
  flood  --uid 65534 --attempts 1500 --seconds 5
        a child that became UID opens ATTEMPTS connections at once and,
        for SECONDS, opens again every one the daemon closes or the kernel
        refused; meanwhile root asks "status" every 0.2 s on a connection
        of its own each time, and its latency is measured (and with --pid,
        the daemon's file descriptors counted).
  slow   --seconds 20
        one byte of a "status" request a second; when does the daemon hang
        up, and what does it say?
  idle   --seconds 20
        a connection that says nothing: when does the daemon hang up?
  fill   --uid 65534 --seconds 10
        as UID, connections left pending until the kernel refuses more
        (the daemon is stopped meanwhile): prints "filled N" once the
        accept queue is full, then holds them for SECONDS, or until its
        standard input closes.
  fds    --pid PID
        the number of open file descriptors of PID.
  cycles --trace FILE --since USEC --until USEC
        from a ballastd --record trace: cycles in the window and the
        largest gap between two cycles.
"""

import argparse
import errno
import json
import os
import resource
import select
import socket
import sys
import threading
import time

REQUEST = b'{"id":1,"method":"status"}\n'


def connect_nonblocking(path):
    """A connected socket, or the errno name the connect failed with."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        return None, errno.errorcode.get(e.errno, str(e.errno))
    return s, None


def read_line(s, timeout):
    """The first line the daemon sends, or None at EOF or after TIMEOUT."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([s], [], [], left)
        if not ready:
            return None
        try:
            chunk = s.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data.split(b"\n", 1)[0]


def ask_status(path, timeout=5.0):
    """One ballastctl-like request: (answered, failure or None, seconds)."""
    start = time.monotonic()
    s, failure = connect_nonblocking(path)
    if s is None:
        return False, "connect:" + failure, time.monotonic() - start
    try:
        s.setblocking(True)
        s.settimeout(timeout)
        s.sendall(REQUEST)
        s.setblocking(False)
        line = read_line(s, timeout)
    except OSError as e:
        return False, "io:" + errno.errorcode.get(e.errno, str(e.errno)), time.monotonic() - start
    finally:
        s.close()
    if line is None:
        return False, "no-reply", time.monotonic() - start
    reply = json.loads(line)
    if reply.get("status") != "ok":
        return False, "error:" + reply.get("error", {}).get("code", "?"), time.monotonic() - start
    return True, None, time.monotonic() - start


def count(failures):
    counts = {}
    for f in failures:
        counts[f] = counts.get(f, 0) + 1
    return counts


def phase_burst(args):
    results = []
    lock = threading.Lock()
    go = threading.Event()

    def client():
        go.wait()
        mine = [ask_status(args.socket) for _ in range(args.requests)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    start = time.monotonic()
    go.set()
    for t in threads:
        t.join(timeout=120)
    latencies = sorted(r[2] for r in results if r[0])
    return {
        "requests": args.clients * args.requests,
        "answered": sum(1 for r in results if r[0]),
        "failures": count(r[1] for r in results if not r[0]),
        "seconds": round(time.monotonic() - start, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
    }


def flood_child(args, report_fd):
    """As UID: keep ATTEMPTS connections going for SECONDS; report counts."""
    become(args.uid)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    live = {}  # fd -> socket
    stats = {"attempts": 0, "connected": 0, "refused_at_connect": {}, "closed_by_daemon": 0,
             "error_lines": {}}
    deadline = time.monotonic() + args.seconds

    def open_missing():
        while len(live) < args.attempts and time.monotonic() < deadline:
            stats["attempts"] += 1
            s, failure = connect_nonblocking(args.socket)
            if s is None:
                stats["refused_at_connect"][failure] = stats["refused_at_connect"].get(failure, 0) + 1
                if failure != "EAGAIN":
                    time.sleep(0.01)
                return  # the queue is full: try again next round
            stats["connected"] += 1
            live[s.fileno()] = s

    poller = select.poll()
    registered = set()
    os.write(report_fd, b"started\n")
    while time.monotonic() < deadline:
        open_missing()
        for fd in live:
            if fd not in registered:
                poller.register(fd, select.POLLIN)
                registered.add(fd)
        for fd, _ in poller.poll(20):
            s = live.pop(fd)
            poller.unregister(fd)
            registered.discard(fd)
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                code = json.loads(data.split(b"\n", 1)[0]).get("error", {}).get("code", "?")
                stats["error_lines"][code] = stats["error_lines"].get(code, 0) + 1
            stats["closed_by_daemon"] += 1
            s.close()
    stats["held_at_end"] = len(live)
    for s in live.values():
        s.close()
    os.write(report_fd, (json.dumps(stats) + "\n").encode())


def phase_flood(args):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 0
        try:
            flood_child(args, write_fd)
        except BaseException as e:  # report, never return into the parent's code
            os.write(write_fd, (json.dumps({"child_error": repr(e)}) + "\n").encode())
            code = 1
        os._exit(code)
    os.close(write_fd)
    reader = os.fdopen(read_fd)
    first = reader.readline().strip()
    if first != "started":
        os.waitpid(pid, 0)
        return {"child_error": json.loads(first).get("child_error", first) if first else "no report"}
    time.sleep(min(1.0, args.seconds / 4))  # let the flood build up
    root = []
    daemon_fds = []
    end = time.monotonic() + args.seconds - 1.5
    while time.monotonic() < end:
        root.append(ask_status(args.socket))
        if args.pid:
            daemon_fds.append(len(os.listdir(f"/proc/{args.pid}/fd")))
        time.sleep(0.2)
    child = json.loads(reader.readline() or "{}")
    os.waitpid(pid, 0)
    latencies = sorted(r[2] for r in root if r[0])
    return {
        "root_requests": len(root),
        "root_answered": sum(1 for r in root if r[0]),
        "root_failures": count(r[1] for r in root if not r[0]),
        "root_max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "root_median_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "daemon_fds_max": max(daemon_fds) if daemon_fds else None,
        "flood": child,
    }


def wait_for_hangup(args, trickle):
    """Connect, then wait up to SECONDS for the daemon to hang up; with
    TRICKLE, send one byte of a request each second meanwhile."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(args.socket)
    start = time.monotonic()
    next_byte = start
    sent = 0
    said = None
    closed_after = None
    while time.monotonic() - start < args.seconds:
        if trickle and time.monotonic() >= next_byte:
            try:
                s.send(REQUEST[sent % len(REQUEST):sent % len(REQUEST) + 1])
                sent += 1
            except OSError:
                closed_after = time.monotonic() - start
                break
            next_byte += 1.0
        ready, _, _ = select.select([s], [], [], 0.1)
        if not ready:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if data:
            said = data.split(b"\n", 1)[0].decode()[:160]
            continue
        closed_after = time.monotonic() - start
        break
    s.close()
    return {"bytes_sent": sent, "closed_after_s": round(closed_after, 2) if closed_after else None,
            "said": said}


def phase_slow(args):
    return wait_for_hangup(args, trickle=True)


def phase_idle(args):
    return wait_for_hangup(args, trickle=False)


def become(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def phase_fill(args):
    become(args.uid)
    held = []
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        s, failure = connect_nonblocking(args.socket)
        if s is None:
            break
        held.append(s)
    print(f"filled {len(held)}", flush=True)
    select.select([sys.stdin], [], [], max(0.0, deadline - time.monotonic()))
    return {"held": len(held)}


def phase_fds(args):
    return {"fds": len(os.listdir(f"/proc/{args.pid}/fd"))}


def phase_cycles(args):
    times = []
    with open(args.trace) as f:
        for line in f:
            t = json.loads(line).get("time_usec")
            if t is not None and args.since <= t <= args.until:
                times.append(t)
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {"cycles": len(times), "window_s": round((args.until - args.since) / 1e6, 2),
            "max_gap_ms": round(max(gaps) / 1000, 1) if gaps else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("phase", choices=["burst", "flood", "slow", "idle", "fill", "fds", "cycles"])
    parser.add_argument("--socket")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--uid", type=int, default=65534)
    parser.add_argument("--attempts", type=int, default=1500)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--pid", type=int)
    parser.add_argument("--trace")
    parser.add_argument("--since", type=int, default=0)
    parser.add_argument("--until", type=int, default=2**63)
    args = parser.parse_args()
    # Many connections at once: the soft limit is often 1024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(globals()["phase_" + args.phase](args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
