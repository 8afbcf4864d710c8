#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon's cycle against a real libvirtd with libvirt's test driver.

For each domain count, a private libvirtd (only its built-in drivers, on its
own socket, like tests/integration/lib.sh) serves a generated test driver
file of N running domains with virtio balloons; ballastd connects with
test+unix:///FILE.xml on a fake host tree (BALLAST_PROC_DIR/BALLAST_SYS_DIR)
that is first short of memory and then balanced. Short, the first cycle
shrinks every balloon (3N + 1 calls: list and stats, every domain's XML
once, one set per domain: the cost of a cycle with changes); the cycles
after it hold since phase 3 of the allocator, as the whole deficit went at
once (the balloons' memory above the test driver's RSS was never touched)
and a guest that has not reported since its balloon moved is not shrunk
again (the test driver's guests never report). Balanced, cycles hold: the
steady cost. Per cycle, from `ballastctl --json status` ("cycles"): wall time
(last_duration_usec) and libvirt calls (last_libvirt_calls, the daemon's
own count); from /proc: ballastd's and libvirtd's CPU time per cycle
(ballastd's includes answering the bench's four status requests per cycle)
and ballastd's RSS, PSS and anonymous memory, set against what a bare
libvirt client pays on the same connection (bench-libvirt-floor).

Run by bench/run; see bench/RESULTS.md.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
KIB_PER_GIB = 1024 * 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of the whole line; after the
    # command name they are the 12th and 13th.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def write_domains(path, n):
    with open(path, "w") as f:
        f.write("<node>\n")
        for i in range(n):
            # 2 GiB max, 1 GiB current, a virtio balloon with a stats period
            # (as ballastd would set it), like a real fleet of small guests.
            f.write(
                f"  <domain type='test'><name>bench-{i:05d}</name>"
                f"<memory>{2 * KIB_PER_GIB}</memory><currentMemory>{KIB_PER_GIB}</currentMemory>"
                "<os><type>hvm</type></os><devices><memballoon model='virtio'>"
                "<stats period='5'/></memballoon></devices></domain>\n")
        f.write("</node>\n")


def fake_host(root, total_kib, available_kib):
    os.makedirs(f"{root}/proc/pressure", exist_ok=True)
    os.makedirs(f"{root}/sys/module", exist_ok=True)
    with open(f"{root}/proc/meminfo", "w") as f:
        f.write(f"MemTotal: {total_kib} kB\nMemFree: {available_kib} kB\nMemAvailable: {available_kib} kB\n")
    with open(f"{root}/proc/cpuinfo", "w") as f:
        f.write("processor\t: 0\nflags\t\t: fpu pae\n\n")
    with open(f"{root}/proc/pressure/memory", "w") as f:
        f.write("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")


class Libvirtd:
    def __init__(self, work):
        self.dir = f"{work}/libvirtd"
        os.makedirs(f"{self.dir}/drivers")
        with open(f"{self.dir}/libvirtd.conf", "w") as f:
            f.write(f'unix_sock_dir = "{self.dir}"\nunix_sock_rw_perms = "0700"\n'
                    'auth_unix_rw = "none"\nauth_unix_ro = "none"\n'
                    f'log_outputs = "3:file:{self.dir}/libvirtd.log"\n')
        env = dict(os.environ, LIBVIRT_DRIVER_DIR=f"{self.dir}/drivers")
        self.proc = subprocess.Popen(["libvirtd", "--config", f"{self.dir}/libvirtd.conf",
                                      "--pid-file", f"{self.dir}/pid"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(f"{self.dir}/libvirt-sock"), 20):
            self.stop()
            raise RuntimeError("private libvirtd did not start")

    def uri(self, xml):
        return f"test+unix://{xml}?socket={self.dir}/libvirt-sock"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def status(ballastctl, socket):
    out = subprocess.run([ballastctl, "-s", socket, "--json", "status"], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def run_one(build, libvirtd, work, n, cycles, changing, interval):
    xml = f"{work}/domains-{n}.xml"
    write_domains(xml, n)
    host = f"{work}/host-{n}"
    # The guests hold n GiB. First the host is short (5% available against a
    # 10% reserve): the first cycle shrinks every balloon, and the rest hold
    # (see the docstring). Then it is balanced (available = reserve): every
    # cycle holds.
    total = n * KIB_PER_GIB
    reserve = max(total // 10, KIB_PER_GIB)
    fake_host(host, total, total // 20)
    socket = f"{work}/ballastd-{n}.sock"
    log = open(f"{work}/ballastd-{n}.log", "w")
    env = dict(os.environ, BALLAST_PROC_DIR=f"{host}/proc", BALLAST_SYS_DIR=f"{host}/sys")
    daemon = subprocess.Popen([f"{build}/daemon/ballastd", "-s", socket, "--connect", libvirtd.uri(xml),
                               "--interval", str(interval), "--overcommit=on"],
                              env=env, stdout=log, stderr=log)
    ballastctl = f"{build}/tools/ballastctl"
    samples = []
    try:
        if not wait_for(lambda: os.path.exists(socket), 30):
            raise RuntimeError(f"ballastd did not start for {n} domains (log: {log.name})")
        seen = 0
        cpu_start = None
        cpu_marks = {}
        first = None
        balanced_from = None
        deadline = time.monotonic() + 120 + (cycles + changing) * interval * 4
        while len(samples) < cycles + changing and time.monotonic() < deadline:
            s = status(ballastctl, socket)
            # Four looks per cycle catch every cycle and keep the cost of
            # answering them (counted in ballastd's CPU) small.
            time.sleep(interval / 4)
            if s is None:
                continue
            c = s["cycles"]
            if c["completed"] == seen:
                continue
            if seen == 0 and c["completed"] >= 1:
                # The first cycle reads every domain's XML: reported apart.
                first = {"wall_usec": c["last_duration_usec"], "libvirt_calls": c["last_libvirt_calls"],
                         "managed": s["guests"].get("managed")}
                cpu_start = (cpu_seconds(daemon.pid), cpu_seconds(libvirtd.proc.pid), c["completed"])
                seen = c["completed"]
                continue
            phase = "changing" if balanced_from is None or c["completed"] < balanced_from else "steady"
            samples.append({"cycle": c["completed"], "phase": phase, "wall_usec": c["last_duration_usec"],
                            "libvirt_calls": c["last_libvirt_calls"],
                            "changes_applied": c["changes_applied"], "skipped": c["skipped"]})
            seen = c["completed"]
            cpu_marks[seen] = (cpu_seconds(daemon.pid), cpu_seconds(libvirtd.proc.pid))
            if balanced_from is None and len(samples) >= changing:
                # From the next cycle on, the host is balanced.
                fake_host(host, total, reserve)
                balanced_from = seen + 1
        if not samples:
            raise RuntimeError(f"no cycles completed for {n} domains (log: {log.name})")
        rss = status_kib(daemon.pid, "VmRSS")
        hwm = status_kib(daemon.pid, "VmHWM")
        rss_anon = status_kib(daemon.pid, "RssAnon")
        rss_file = status_kib(daemon.pid, "RssFile")
        pss = None
        with open(f"/proc/{daemon.pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
        threads = None
        with open(f"/proc/{daemon.pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
        # What any libvirt client pays on the same connection, with none
        # of ballastd's code: bench-libvirt-floor.
        floor = json.loads(subprocess.run([f"{build}/bench/bench-libvirt-floor", libvirtd.uri(xml)],
                                          check=True, capture_output=True, text=True).stdout)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()

    def summary(phase):
        chosen = [x for x in samples if x["phase"] == phase]
        if not chosen:
            return None
        # CPU over the cycles of this phase: from the mark before the first
        # to the mark of the last.
        start = cpu_marks.get(chosen[0]["cycle"] - 1, (cpu_start[0], cpu_start[1]))
        end = cpu_marks[chosen[-1]["cycle"]]
        done = chosen[-1]["cycle"] - chosen[0]["cycle"] + 1
        previous = {x["cycle"]: x for x in samples}
        changes = [x["changes_applied"] - previous[x["cycle"] - 1]["changes_applied"]
                   for x in chosen if x["cycle"] - 1 in previous]
        return {
            "cycles": len(chosen),
            "wall_ms_median": statistics.median(x["wall_usec"] for x in chosen) / 1000,
            "wall_ms_max": max(x["wall_usec"] for x in chosen) / 1000,
            "cpu_ms_per_cycle": (end[0] - start[0]) * 1000 / done,
            "libvirtd_cpu_ms_per_cycle": (end[1] - start[1]) * 1000 / done,
            "libvirt_calls_min": min(x["libvirt_calls"] for x in chosen),
            "libvirt_calls_max": max(x["libvirt_calls"] for x in chosen),
            "changes_per_cycle_max": max(changes) if changes else None,
        }

    return {
        "domains": n,
        "first_cycle": first,
        "changing": summary("changing"),
        "steady": summary("steady"),
        "skipped_cycles": samples[-1]["skipped"],
        "rss_kib": rss,
        "rss_peak_kib": hwm,
        "rss_anon_kib": rss_anon,
        "rss_file_kib": rss_file,
        "pss_kib": pss,
        "threads": threads,
        "libvirt_client_floor": floor,
        "samples": samples,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--out-dir", default="bench/results")
    parser.add_argument("--domains", default="100,1000,5000")
    parser.add_argument("--cycles", type=int, default=8, help="steady cycles to measure")
    parser.add_argument("--changing", type=int, default=3, help="cycles with changes to measure first")
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    if shutil.which("libvirtd") is None:
        print("daemon-cycle: libvirtd is not installed; skipped", file=sys.stderr)
        return 77
    os.makedirs(args.out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="ballast-bench-")
    libvirtd = Libvirtd(work)
    results = []
    try:
        for n in [int(x) for x in args.domains.split(",")]:
            r = run_one(args.build_dir, libvirtd, work, n, args.cycles, args.changing, args.interval)
            results.append(r)
            print(f"{n} domains: first cycle {r['first_cycle']['wall_usec'] / 1000:.0f} ms, "
                  f"{r['first_cycle']['libvirt_calls']} libvirt calls; ballastd RSS {r['rss_kib'] / 1024:.1f} MiB "
                  f"(peak {r['rss_peak_kib'] / 1024:.1f}; anonymous {r['rss_anon_kib'] / 1024:.1f}, "
                  f"file-backed {r['rss_file_kib'] / 1024:.1f}; PSS {r['pss_kib'] / 1024:.1f}; {r['threads']} threads); "
                  f"{r['skipped_cycles']} cycles skipped", flush=True)
            fl = r["libvirt_client_floor"]
            print(f"  a bare libvirt client on the same connection (bench-libvirt-floor): RSS "
                  f"{fl['vmrss_kib'] / 1024:.1f} MiB (anonymous {fl['rss_anon_kib'] / 1024:.1f}, file-backed "
                  f"{fl['rss_file_kib'] / 1024:.1f}; PSS {fl['pss_kib'] / 1024:.1f}); ballastd adds "
                  f"{(r['rss_kib'] - fl['vmrss_kib']) / 1024:.1f} MiB", flush=True)
            for phase in ("changing", "steady"):
                p = r[phase]
                if p is None:
                    continue
                print(f"  {phase:8s} cycles ({p['cycles']}): wall {p['wall_ms_median']:.1f} ms median "
                      f"({p['wall_ms_max']:.1f} max), ballastd CPU {p['cpu_ms_per_cycle']:.1f} ms, "
                      f"libvirtd CPU {p['libvirtd_cpu_ms_per_cycle']:.1f} ms, libvirt calls "
                      f"{p['libvirt_calls_min']}-{p['libvirt_calls_max']}, changes {p['changes_per_cycle_max']}",
                      flush=True)
    finally:
        libvirtd.stop()
        shutil.rmtree(work, ignore_errors=True)
    with open(f"{args.out_dir}/daemon-cycle.json", "w") as f:
        json.dump(results, f, indent=1)
    with open(f"{args.out_dir}/daemon-cycle.csv", "w") as f:
        f.write("domains,wall (steady)|cycle cost (ms),ballastd CPU (steady)|cycle cost (ms),"
                "libvirtd CPU (steady)|cycle cost (ms),wall (every balloon changed)|cycle cost (ms),"
                "calls (steady)|libvirt calls per cycle,calls (every balloon changed)|libvirt calls per cycle,"
                "RSS|ballastd memory (MiB),PSS|ballastd memory (MiB),anonymous|ballastd memory (MiB)\n")
        for r in results:
            s, c = r["steady"], r["changing"]
            f.write(f"{r['domains']},{s['wall_ms_median']:.2f},{s['cpu_ms_per_cycle']:.2f},"
                    f"{s['libvirtd_cpu_ms_per_cycle']:.2f},{c['wall_ms_median']:.2f},"
                    f"{s['libvirt_calls_max']},{c['libvirt_calls_max']},{r['rss_kib'] / 1024:.2f},"
                    f"{r['pss_kib'] / 1024:.2f},{r['rss_anon_kib'] / 1024:.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
