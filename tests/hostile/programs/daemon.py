"""Double-forks a setsid daemon that ignores SIGTERM/SIGHUP and keeps a port open, then exits 0."""
import os
import signal
import socket
import sys
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.chdir("/")
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        print("DAEMON PORT", srv.getsockname()[1], flush=True)
        try:
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
        except OSError:
            c = None
        while True:
            time.sleep(1)
    os._exit(0)
os.wait()
sys.exit(0)
