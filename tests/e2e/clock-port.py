#!/usr/bin/env python3
"""Start the workload clock of e2e guests created with --epoch wait.

usage: clock-port.py EPOCH TIMEOUT_S SOCKET=SERIAL_LOG...

For each guest, writes "epoch=EPOCH" to its clock port (a unix socket on
the host, ttyS1 in the guest) and keeps the connection open until the
guest's console log shows "ballast-workload: epoch EPOCH received".
QEMU drops what a client sent when the client hangs up before the guest
has read it, and a line written before the workload opened the port is
lost: so the line is written again every second on the open connection
(reconnecting if QEMU closed it). Exits 0 once every guest took it, 1 after
TIMEOUT_S naming those that did not. lib.sh's e2e_guests_start_clock runs it.
"""
import socket
import sys
import time


def acknowledged(log_path, ack):
    try:
        with open(log_path, "rb") as log:
            return ack in log.read()
    except OSError:
        return False


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    epoch, timeout = sys.argv[1], float(sys.argv[2])
    line = ("\nepoch=%s\n" % epoch).encode()
    ack = ("ballast-workload: epoch %s received" % epoch).encode()
    waiting = dict(arg.split("=", 1) for arg in sys.argv[3:])  # socket -> log
    connections = {}
    last_write = {}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for port, log_path in list(waiting.items()):
            if acknowledged(log_path, ack):
                del waiting[port]
                conn = connections.pop(port, None)
                if conn:
                    conn.close()
                continue
            if time.monotonic() - last_write.get(port, 0) < 1.0:
                continue
            last_write[port] = time.monotonic()
            try:
                if port not in connections:
                    conn = socket.socket(socket.AF_UNIX)
                    conn.settimeout(2)
                    conn.connect(port)
                    connections[port] = conn
                connections[port].sendall(line)
            except OSError:
                conn = connections.pop(port, None)
                if conn:
                    conn.close()
        time.sleep(0.05)
    for conn in connections.values():
        conn.close()
    if waiting:
        print(" ".join(sorted(waiting.values())), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
