#!/usr/bin/env python3
"""Opens N keep-alive client connections to a proxy on 127.0.0.1, sends one GET on each, keeps
them all open and idle, and prints the proxy's VmRSS / VmHWM from /proc while they are held.

    bench/proxy/idle-rss.py PORT PID [CONNECTIONS] [HOLD_SECONDS]
"""
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
MAX_CONNECTIONS = 5000
MAX_HOLD_SECONDS = 30


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    count = min(int(sys.argv[3]) if len(sys.argv) > 3 else 1000, MAX_CONNECTIONS)
    hold = min(float(sys.argv[4]) if len(sys.argv) > 4 else 3, MAX_HOLD_SECONDS)
    before = memory(pid)
    sockets = []
    answered = 0
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(REQUEST)
        sockets.append(s)
    for s in sockets:
        # The test backend's answers are small; one read holds the whole response.
        if s.recv(65536).startswith(b"HTTP/1.1 200"):
            answered += 1
    time.sleep(hold)
    held = memory(pid)
    for s in sockets:
        s.close()
    print(f"connections={count} answered={answered} "
          f"before: VmRSS={before['VmRSS']} kB; held idle: VmRSS={held['VmRSS']} kB "
          f"VmHWM={held['VmHWM']} kB")


if __name__ == "__main__":
    main()
