#!/usr/bin/env python3
"""A misbehaving IMAP server on 127.0.0.1 for tests/inbox.rs: it answers like a real one (one
user, the messages given as files, UIDs 1, 2, ...) until the step it is told to stall at, where
it reads the command and never answers; or it refuses UID STORE with NO.

    fake_server.py --stall select|search|sizes|fetch|fetch2|store | --refuse-store  MESSAGE.eml ...

Prints the port it listens on, then serves one connection at a time until killed."""

import socket
import sys
import time


def main():
    args = sys.argv[1:]
    stall = None
    refuse_store = False
    files = []
    while args:
        a = args.pop(0)
        if a == "--stall":
            stall = args.pop(0)
        elif a == "--refuse-store":
            refuse_store = True
        else:
            files.append(a)
    messages = [open(f, "rb").read() for f in files]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        try:
            serve(conn, messages, stall, refuse_store)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()


def serve(conn, messages, stall, refuse_store):
    f = conn.makefile("rb")
    send = conn.sendall
    send(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n")
    fetches = 0
    while True:
        line = f.readline()
        if not line:
            return
        parts = line.decode("utf-8", "replace").rstrip("\r\n").split(" ")
        tag, cmd = parts[0], " ".join(parts[1:]).upper()

        def stalls(step):
            if stall == step:
                time.sleep(3600)
                return True
            return False

        if cmd.startswith("CAPABILITY"):
            send(b"* CAPABILITY IMAP4rev1\r\n" + tag.encode() + b" OK done\r\n")
        elif cmd.startswith("LOGIN"):
            send(tag.encode() + b" OK logged in\r\n")
        elif cmd.startswith("SELECT"):
            if stalls("select"):
                return
            send(b"* %d EXISTS\r\n* FLAGS (\\Seen)\r\n" % len(messages))
            send(b"* OK [UIDVALIDITY 1] ok\r\n" + tag.encode() + b" OK [READ-WRITE] selected\r\n")
        elif cmd.startswith("UID SEARCH"):
            if stalls("search"):
                return
            uids = " ".join(str(i + 1) for i in range(len(messages)))
            send(b"* SEARCH " + uids.encode() + b"\r\n" + tag.encode() + b" OK done\r\n")
        elif cmd.startswith("UID FETCH") and "BODY" not in cmd:
            if stalls("sizes"):
                return
            for uid in uid_set(parts[3], len(messages)):
                send(b"* %d FETCH (UID %d RFC822.SIZE %d)\r\n" % (uid, uid, len(messages[uid - 1])))
            send(tag.encode() + b" OK done\r\n")
        elif cmd.startswith("UID FETCH"):
            fetches += 1
            if stalls("fetch") or (fetches == 2 and stalls("fetch2")):
                return
            for uid in uid_set(parts[3], len(messages)):
                body = messages[uid - 1]
                send(b"* %d FETCH (UID %d RFC822.SIZE %d BODY[] {%d}\r\n" % (uid, uid, len(body), len(body)))
                send(body + b")\r\n")
            send(tag.encode() + b" OK done\r\n")
        elif cmd.startswith("UID STORE"):
            if stalls("store"):
                return
            if refuse_store:
                send(tag.encode() + b" NO [CANNOT] this folder is read-only\r\n")
            else:
                send(tag.encode() + b" OK stored\r\n")
        elif cmd.startswith("LOGOUT"):
            send(b"* BYE bye\r\n" + tag.encode() + b" OK bye\r\n")
            return
        else:
            send(tag.encode() + b" BAD unknown\r\n")


def uid_set(text, n):
    out = []
    for piece in text.split(","):
        if ":" in piece:
            a, b = piece.split(":")
            hi = n if b == "*" else int(b)
            out.extend(range(int(a), hi + 1))
        else:
            out.append(int(piece))
    return [u for u in out if 1 <= u <= n]


if __name__ == "__main__":
    main()
