#!/usr/bin/env python3
"""Inbox benchmark: how many messages a second `bulletin inbox` reads (and classifies, saves and
marks) from a local Dovecot, beside a peer measured in the same run on the same mailbox: Python's
imaplib doing the same IMAP work (search, sizes, bodies in batches of 500, parse each message
with the email package, mark them all). Everything talks to 127.0.0.1 only.

    python3 bench/inbox.py BULLETIN_BINARY      # N=3000 RUNS=3 (environment)

Each run starts from a fresh Maildir of N messages (the fixtures of tests/fixtures/inbox in turn,
each with its own Message-ID and member), so every message is unread and unmarked. Prints the
median messages per second of each and their ratio."""

import email
import imaplib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("N", "3000"))
RUNS = int(os.environ.get("RUNS", "3"))
PASSWORD = "bench-pw-4711"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def messages():
    fixtures = os.path.join(ROOT, "tests/fixtures/inbox")
    sources = []
    for sub in ["", "replies", "forged"]:
        d = os.path.join(fixtures, sub)
        for name in sorted(os.listdir(d)):
            if name.endswith(".eml"):
                sources.append(open(os.path.join(d, name), "rb").read())
    out = []
    for i in range(N):
        m = sources[i % len(sources)]
        member = b"member%04d@example.org" % (i % 1000 + 1)
        m = m.replace(b"member0001@example.org", member)
        # Its own Message-ID: replace the first one, or add one.
        lines = m.split(b"\n")
        for j, line in enumerate(lines):
            if line.lower().startswith(b"message-id:"):
                lines[j] = b"Message-ID: <bench-%06d@example.org>\r" % i
                break
            if line.strip() == b"":
                lines.insert(j, b"Message-ID: <bench-%06d@example.org>\r" % i)
                break
        out.append(b"\n".join(lines))
    return out


def dovecot(d, port):
    maildir = os.path.join(d, "Maildir")
    os.makedirs(os.path.join(d, "home"), exist_ok=True)
    with open(os.path.join(d, "passwd"), "w") as f:
        f.write("office:{PLAIN}%s\n" % PASSWORD)
    root = os.getuid() == 0
    uid, gid = (65534, 65534) if root else (os.getuid(), os.getgid())
    users = "" if root else (
        "default_internal_user = {u}\ndefault_login_user = {u}\ndefault_internal_group = {g}\n".format(
            u=os.environ.get("USER", ""), g=gid))
    conf = f"""base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home
}}
mail_location = maildir:{maildir}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""
    with open(os.path.join(d, "dovecot.conf"), "w") as f:
        f.write(conf)
    exe = shutil.which("dovecot") or "/usr/sbin/dovecot"
    p = subprocess.Popen([exe, "-F", "-c", os.path.join(d, "dovecot.conf")])
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            if time.time() > deadline:
                sys.exit("dovecot did not start: " + open(os.path.join(d, "dovecot.log")).read())
            time.sleep(0.05)


def fill(d, msgs):
    maildir = os.path.join(d, "Maildir")
    shutil.rmtree(maildir, ignore_errors=True)
    for sub in ["new", "cur", "tmp"]:
        os.makedirs(os.path.join(maildir, sub))
    for i, m in enumerate(msgs):
        with open(os.path.join(maildir, "new", "%d.bench%06d.host" % (1700000000 + i, i)), "wb") as f:
            f.write(m)
    if os.getuid() == 0:
        os.chmod(d, 0o755)
        for base, dirs, files in os.walk(d):
            for x in dirs + files:
                p = os.path.join(base, x)
                if p.startswith(maildir) or p.endswith("home"):
                    os.chown(p, 65534, 65534)
        os.chown(maildir, 65534, 65534)


def office(d, port):
    o = os.path.join(d, "office")
    shutil.rmtree(o, ignore_errors=True)
    os.makedirs(os.path.join(o, "bulletins"))
    shutil.copy(os.path.join(ROOT, "bulletins/publisher.yaml"), os.path.join(o, "bulletins"))
    y = "transport: sendmail\nlists:\n  all:\n    members:\n"
    y += "".join("      - member%04d@example.org\n" % i for i in range(1, 1001))
    y += f"mailbox:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  username: office\n"
    with open(os.path.join(o, "lists.yaml"), "w") as f:
        f.write(y)
    return o


def run_bulletin(binary, o):
    env = dict(os.environ, BULLETIN_IMAP_PASSWORD=PASSWORD)
    t = time.perf_counter()
    r = subprocess.run([binary, "inbox", "--recipients", "lists.yaml"], cwd=o, env=env,
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0 or ("%d messages read" % N) not in r.stdout:
        sys.exit("bulletin inbox failed: " + r.stdout[-2000:] + r.stderr)
    return elapsed


def run_peer(port):
    t = time.perf_counter()
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login("office", PASSWORD)
    c.select("INBOX")
    _, data = c.uid("SEARCH", None, "UNKEYWORD", "$BulletinProcessed")
    uids = data[0].split()
    c.uid("FETCH", b",".join(uids), "(UID RFC822.SIZE)")
    parsed = 0
    for i in range(0, len(uids), 500):
        batch = b",".join(uids[i:i + 500])
        _, data = c.uid("FETCH", batch, "(UID RFC822.SIZE BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                email.message_from_bytes(item[1])
                parsed += 1
        c.uid("STORE", batch, "+FLAGS.SILENT", "($BulletinProcessed)")
    c.logout()
    elapsed = time.perf_counter() - t
    if parsed != N:
        sys.exit(f"the peer read {parsed} messages, not {N}")
    return elapsed


def main():
    binary = os.path.abspath(sys.argv[1])
    d = tempfile.mkdtemp(prefix="bench-inbox-")
    port = free_port()
    msgs = messages()
    fill(d, msgs)
    p = dovecot(d, port)
    try:
        ours, peer = [], []
        for _ in range(RUNS):
            fill(d, msgs)
            ours.append(N / run_bulletin(binary, office(d, port)))
            fill(d, msgs)
            peer.append(N / run_peer(port))
        a, b = statistics.median(ours), statistics.median(peer)
        print(f"{N} messages from Dovecot on 127.0.0.1, median of {RUNS} runs each")
        print(f"  bulletin inbox      {a:8.0f} messages/s   (runs: {', '.join('%.0f' % x for x in ours)})")
        print(f"  Python imaplib peer {b:8.0f} messages/s   (runs: {', '.join('%.0f' % x for x in peer)})")
        print(f"  ratio bulletin/peer {a / b:8.2f}           target: at least 500 messages/s")
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
