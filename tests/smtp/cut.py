#!/usr/bin/env python3
"""A relay that misbehaves at the socket, for the send tests: one thread a connection on
127.0.0.1, plain sockets (and Python's ssl for STARTTLS), so that what it reads from the kernel,
and how it closes, is exactly what a test asks for. aiosmtpd (tests/smtp/server.py) reads
whatever has arrived in one go, so it cannot stop reading in the middle of a message.

It prints `PORT <n>` once listening and appends one JSON line per message it takes to --out, as
server.py does ({"t", "from", "to", "data"}).

--plan says what to do at each DATA, in the order the DATA commands arrive (over all
connections; after the plan, every message is taken); an item written ADDRESS=ACTION is kept
for the first message to that address instead:
  ok        take the message and answer 250
  cut:N     read N bytes of the message, then close the connection with the rest unread, which
            makes the kernel reset it (RST), as a relay that restarts or a proxy that gives up
            does; under TLS the close is abortive (SO_LINGER 0), since the TLS layer may already
            have pulled the rest of a record from the kernel
  cut:end   the same, having read all of the message but its final "." line
  vanish    read the whole message and its final ".", take it (written to --out), then close
            the connection in order (FIN) without answering: it may have been delivered
  reply:TEXT  take the message and answer TEXT (\\n in TEXT: a line break), e.g. a 354 or a
            250 reply 3,000 characters long
Other options: --no-pipelining, --starttls CERT:KEY, --auth USER:PASSWORD (AUTH PLAIN and LOGIN,
answering a failed login with `535 5.7.8 Authentication failed: ` and what the client sent, as
some relays echo it), --greet TEXT (the greeting, e.g. a 421, instead of 220), --reject ADDRESS
(550 to its RCPT).
"""
import argparse
import base64
import json
import socket
import ssl
import struct
import sys
import threading
import time


class Plan:
    def __init__(self, items):
        self.items = list(items)
        self.lock = threading.Lock()

    def next(self, rcpts):
        with self.lock:
            # An item for one of these recipients first, then the next one for any message.
            for i, item in enumerate(self.items):
                who, sep, action = item.partition("=")
                if sep and "@" in who and who.lower() in (r.lower() for r in rcpts):
                    del self.items[i]
                    return action
            for i, item in enumerate(self.items):
                who, sep, _ = item.partition("=")
                if not (sep and "@" in who):
                    del self.items[i]
                    return item
            return "ok"


class Conn:
    def __init__(self, sock, args, plan, out):
        self.sock = sock
        self.args = args
        self.plan = plan
        self.out = out
        self.buf = b""
        self.tls = False

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def fill(self, most=65536):
        data = self.sock.recv(most)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def reset(self):
        """Closes with what the client sent still unread (RST); abortive under TLS."""
        if self.tls:
            raw = self.sock
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def cut(self, n):
        """Reads n bytes of the message (n < 0: all but its final "." line), then resets."""
        if n < 0:
            # Finds the end without reading it: peeked on a plain socket; under TLS, read up
            # to the CR LF before the final "." (the "." itself stays unread).
            if self.tls:
                while b"\r\n.\r\n" not in self.buf:
                    self.fill()
                at = self.buf.index(b"\r\n.\r\n") + 2
                self.buf = self.buf[at:]
            else:
                while True:
                    seen = self.buf + self.sock.recv(1 << 22, socket.MSG_PEEK)
                    if b"\r\n.\r\n" in seen:
                        break
                    time.sleep(0.01)
                at = seen.index(b"\r\n.\r\n") + 2
                taken = len(self.buf)
                self.buf = b""
                left = at - taken
                while left > 0:
                    got = self.sock.recv(min(left, 4096))
                    left -= len(got)
        else:
            left = n - len(self.buf)
            self.buf = b""
            while left > 0:
                got = self.sock.recv(min(left, 4096))
                if not got:
                    break
                left -= len(got)
        self.reset()

    def message(self):
        while b"\r\n.\r\n" not in self.buf:
            self.fill()
        data, self.buf = self.buf.split(b"\r\n.\r\n", 1)
        lines = data.decode("utf-8", "replace").split("\r\n")
        return "\r\n".join(l[1:] if l.startswith(".") else l for l in lines) + "\r\n"

    def take(self, mail_from, rcpts, data):
        record = {"t": time.time(), "from": mail_from, "to": rcpts, "data": data}
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()

    def ehlo(self):
        lines = ["sink.test"]
        if not self.args.no_pipelining:
            lines.append("PIPELINING")
        if self.args.starttls and not self.tls:
            lines.append("STARTTLS")
        if self.args.auth:
            lines.append("AUTH PLAIN LOGIN")
        lines.append("8BITMIME")
        for i, l in enumerate(lines):
            self.send(("250 " if i == len(lines) - 1 else "250-") + l)

    def auth(self, arg):
        user, password = self.args.auth.split(":", 1)
        words = arg.split()
        sent = []
        if words[0].upper() == "PLAIN":
            if len(words) > 1:
                sent.append(words[1])
            else:
                self.send("334 ")
                sent.append(self.line())
            parts = base64.b64decode(sent[0]).split(b"\0")
            ok = len(parts) == 3 and parts[1].decode() == user and parts[2].decode() == password
        else:
            self.send("334 VXNlcm5hbWU6")
            sent.append(self.line())
            self.send("334 UGFzc3dvcmQ6")
            sent.append(self.line())
            ok = base64.b64decode(sent[0]).decode() == user and base64.b64decode(sent[1]).decode() == password
        if ok:
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication failed: " + " ".join([arg] + sent))

    def run(self):
        self.send(self.args.greet or "220 sink.test ESMTP")
        if self.args.greet and not self.args.greet.startswith("2"):
            self.sock.close()
            return
        mail_from, rcpts = None, []
        while True:
            line = self.line()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.ehlo()
            elif verb == "STARTTLS":
                self.send("220 2.0.0 go ahead")
                cert, key = self.args.starttls.split(":", 1)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(cert, key)
                self.sock = ctx.wrap_socket(self.sock, server_side=True)
                self.tls = True
                self.buf = b""
            elif verb == "AUTH":
                self.auth(arg)
            elif verb == "MAIL":
                mail_from, rcpts = arg.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.send("250 2.1.0 OK")
            elif verb == "RCPT":
                rcpt = arg.split(":", 1)[1].strip().strip("<>").split(">")[0]
                if rcpt.lower() in self.args.reject:
                    self.send("550 5.1.1 no such user here")
                else:
                    rcpts.append(rcpt)
                    self.send("250 2.1.5 OK")
            elif verb == "DATA" and not rcpts:
                self.send("554 5.5.1 no valid recipients")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                action = self.plan.next(rcpts)
                if action.startswith("cut:"):
                    n = action[4:]
                    self.cut(-1 if n == "end" else int(n))
                    return
                data = self.message()
                self.take(mail_from, rcpts, data)
                if action == "vanish":
                    # Reads what else has arrived (commands pipelined behind the end), so that
                    # the close is an orderly one.
                    self.sock.settimeout(0.2)
                    try:
                        while self.sock.recv(65536):
                            pass
                    except (socket.timeout, OSError):
                        pass
                    self.sock.shutdown(socket.SHUT_WR)
                    self.sock.close()
                    return
                if action.startswith("reply:"):
                    # All its lines in one write, as one segment.
                    lines = action[6:].split("\\n")
                    self.sock.sendall("".join(l + "\r\n" for l in lines).encode())
                else:
                    self.send("250 2.0.0 accepted")
            elif verb == "RSET" or verb == "NOOP":
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                self.sock.close()
                return
            else:
                self.send("500 5.5.1 unknown command")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--plan", default="", help="comma-separated: ok, cut:N, cut:end, vanish, reply:TEXT")
    p.add_argument("--no-pipelining", action="store_true")
    p.add_argument("--starttls", default=None, metavar="CERT:KEY")
    p.add_argument("--auth", default=None, metavar="USER:PASSWORD")
    p.add_argument("--greet", default=None, metavar="TEXT")
    p.add_argument("--reject", action="append", default=[], metavar="ADDRESS", help="refuse this recipient with 550")
    args = p.parse_args()
    plan = Plan([x for x in args.plan.split(",") if x])
    out = open(args.out, "a", encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print("PORT %d" % listener.getsockname()[1], flush=True)

    def serve(sock):
        try:
            Conn(sock, args, plan, out).run()
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
