#!/usr/bin/env python3
"""A real SMTP server for the send tests: aiosmtpd (not written by this project) on 127.0.0.1.

It prints `PORT <n>` once listening, and appends one JSON line per accepted message to --out:
{"t": server time, "from": ..., "to": [...], "data": the message}. Options make it misbehave the
way relays do: temporary (451) or permanent (550) refusals for given addresses, dropped
connections (at RCPT, in the middle of DATA, after the message without a reply, or at the MAIL
after a message, a little later, as a relay ending a session may), and a
required login, and a relay that stops taking connections for a while after many messages
(--refuse-after). With --jwt-issuer it takes XOAUTH2 only with an access token that this
OpenID provider signed (checked with PyJWT against the keys its discovery document names) and
that has not expired, logs each attempt to --logins, and ends a session after a message once
its token has expired (as a relay that holds a session no longer than its token). It offers PIPELINING (RFC 2920) in its EHLO reply unless --no-pipelining;
--reads FILE logs each chunk it reads from a connection (one JSON string a line: a long chunk's
first and last 2,000 characters, with "..." between), so a test can see which commands arrived
together.
"""
import argparse
import base64
import asyncio
import json
import logging
import signal
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.out = open(args.out, "a", encoding="utf-8")
        self.tempfail = {}
        for item in args.tempfail:
            address, count = item.rsplit("=", 1)
            self.tempfail[address.lower()] = int(count)
        self.reject = {a.lower() for a in args.reject}
        self.drop_every = args.drop_every
        self.rcpts = 0
        self.vanish_every = args.vanish_every
        self.datas = 0
        self.drop_in_data = args.drop_in_data
        self.close_at_mail_after = args.close_at_mail_after
        self.slow_ehlo = args.slow_ehlo
        self.throttle = None
        if args.throttle:
            n, seconds = args.throttle.split("/")
            self.throttle = (int(n), float(seconds))
        self.accepted_at = []
        self.data_commands = 0
        self.xoauth2 = args.xoauth2.split(":", 1) if args.xoauth2 else None
        self.jwt_issuer = args.jwt_issuer
        self.jwt_user = args.jwt_user
        self.jwks = None
        # The relay's clock, this many seconds ahead of the provider's: it takes a token as
        # expired that long before the provider would.
        self.clock_ahead = args.clock_ahead
        self.logins = open(args.logins, "a", encoding="utf-8") if args.logins else None
        self.pipelining = not args.no_pipelining
        self.ehlo_refuse_after = args.ehlo_refuse_after
        self.refuse_after = None
        if args.refuse_after:
            n, seconds = args.refuse_after.split("/")
            self.refuse_after = (int(n), float(seconds))
        # How many times connections were refused, and messages taken since the last time.
        self.refusals = 0
        self.taken_since_refusal = 0
        # Set by main(): stops taking connections for a number of seconds.
        self.refuse_connections = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd reads pipelined commands correctly but does not say so: say it, before HELP.
        session.host_name = hostname
        # Counted on the connection: STARTTLS starts a new session object, not a new connection.
        server.ehlos = getattr(server, "ehlos", 0) + 1
        session.ehlos = server.ehlos
        if not hasattr(session, "opened_after"):
            session.opened_after = self.refusals
        if self.ehlo_refuse_after and session.ehlos > self.ehlo_refuse_after:
            return ["550 5.7.1 one EHLO is enough"]
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def auth_XOAUTH2(self, server, args):
        # SASL XOAUTH2: base64("user=U\x01auth=Bearer TOKEN\x01\x01") as the initial response.
        if (self.xoauth2 is None and self.jwt_issuer is None) or len(args) < 2:
            return AuthResult(success=False, handled=False)
        raw = base64.b64decode(args[1]).decode("utf-8", "replace")
        fields = dict(p.split("=", 1) for p in raw.split("\x01") if "=" in p)
        if self.jwt_issuer is not None:
            return self.check_jwt(server, fields)
        user, token = self.xoauth2
        ok = fields.get("user") == user and fields.get("auth") == "Bearer " + token
        return AuthResult(success=ok, handled=False)

    def check_jwt(self, server, fields):
        import hashlib
        import jwt

        token = fields.get("auth", "").removeprefix("Bearer ")
        record = {"t": time.time(), "ok": False, "token": hashlib.sha256(token.encode()).hexdigest()[:16]}
        try:
            if self.jwks is None:
                import urllib.request
                with urllib.request.urlopen(self.jwt_issuer.rstrip("/") + "/.well-known/openid-configuration") as r:
                    self.jwks = jwt.PyJWKClient(json.load(r)["jwks_uri"])
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=self.jwt_issuer,
                                options={"verify_aud": False, "require": ["exp", "iss"]})
            record["exp"] = claims["exp"]
            if claims["exp"] - self.clock_ahead <= time.time():
                raise jwt.ExpiredSignatureError("expired by the relay's clock")
            if fields.get("user") == self.jwt_user:
                record["ok"] = True
                server.session.token_exp = claims["exp"] - self.clock_ahead
            else:
                record["why"] = "user"
        except Exception as e:  # an expired, forged or garbled token: refused
            record["why"] = type(e).__name__
        if self.logins:
            self.logins.write(json.dumps(record) + "\n")
            self.logins.flush()
        return AuthResult(success=record["ok"], handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.drop_every and self.rcpts % self.drop_every == 0:
            server.transport.close()
            return "421 4.3.0 closing the connection"
        if self.throttle:
            n, seconds = self.throttle
            now = time.time()
            self.accepted_at = [t for t in self.accepted_at if now - t < seconds]
            if len(self.accepted_at) >= n:
                return "451 4.7.0 too many messages, slow down"
        key = address.lower()
        if key in self.reject:
            return "550 5.1.1 <%s>: no such user here" % address
        if self.tempfail.get(key, 0) > 0:
            self.tempfail[key] -= 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "t": time.time(),
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()
        self.datas += 1
        self.accepted_at.append(time.time())
        if self.refuse_after:
            n, seconds = self.refuse_after
            self.taken_since_refusal += 1
            if self.taken_since_refusal >= n:
                self.taken_since_refusal = 0
                self.refusals += 1
                self.refuse_connections(seconds)
            if getattr(session, "opened_after", 0) < self.refusals:
                # Opened before connections were refused: ended after this message's reply.
                # The end of the stream travels with the reply (corked, in one segment), so the
                # client knows of it before its next message.
                session.end_after_reply = True
                sock = server.transport.get_extra_info("socket")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        if self.close_at_mail_after and self.datas % self.close_at_mail_after == 0:
            session.close_at_mail = True
        if self.vanish_every and self.datas % self.vanish_every == 0:
            # Took the message, then the connection dies before the reply: did it arrive?
            server.transport.abort()
        return "250 2.0.0 accepted"


class ReadLoggingSMTP(SMTP):
    """aiosmtpd's server, writing down each chunk as it arrives from the socket."""

    reads = None

    def data_received(self, data):
        if self.reads is not None:
            text = data.decode("latin-1")
            if len(text) > 4000:
                text = text[:2000] + "..." + text[-2000:]
            self.reads.write(json.dumps(text) + "\n")
            self.reads.flush()
        super().data_received(data)


class FaultySMTP(ReadLoggingSMTP):
    """aiosmtpd's server with the faults that need the session, not only the handler."""

    async def smtp_EHLO(self, hostname):
        if self.event_handler.slow_ehlo:
            await asyncio.sleep(self.event_handler.slow_ehlo)
        return await super().smtp_EHLO(hostname)

    async def smtp_MAIL(self, arg):
        if getattr(self.session, "close_at_mail", False):
            # Ends the session after a message, at the next MAIL, which it does not answer; a
            # moment later, so that the client has already taken the session for its next one.
            await asyncio.sleep(0.2)
            self.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
            self.transport.close()
            return
        await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        h = self.event_handler
        h.data_commands += 1
        if h.drop_in_data and h.data_commands % h.drop_in_data == 0:
            # Invites the message, then closes the connection before its end: nothing taken.
            # The end of the stream travels with the 354 (corked, in one segment), so the client
            # sees it before it ends the message, as with a relay that died mid-message.
            sock = self.transport.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            sock.shutdown(socket.SHUT_WR)
            self.transport.close()
            return
        await super().smtp_DATA(arg)
        exp = getattr(self.session, "token_exp", None)
        if exp is not None and time.time() >= exp:
            self.session.end_after_reply = True
        if getattr(self.session, "end_after_reply", False):
            self.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
            self.transport.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--tempfail", action="append", default=[], metavar="ADDRESS=N")
    p.add_argument("--reject", action="append", default=[], metavar="ADDRESS")
    p.add_argument("--drop-every", type=int, default=0, help="close the connection at every Nth RCPT")
    p.add_argument("--vanish-every", type=int, default=0, help="keep every Nth message, then drop the connection unanswered")
    p.add_argument("--drop-in-data", type=int, default=0, help="at every Nth DATA, answer 354 then close the connection before the message ends")
    p.add_argument("--throttle", default=None, metavar="N/SECONDS", help="take at most N messages in any SECONDS; refuse more with 451 4.7.0")
    p.add_argument("--close-at-mail-after", type=int, default=0, metavar="N", help="after every Nth message, close the session at its next MAIL without answering it")
    p.add_argument("--slow-ehlo", type=float, default=0, help="wait this many seconds before answering EHLO")
    p.add_argument("--auth", default=None, metavar="USER:PASSWORD")
    p.add_argument("--xoauth2", default=None, metavar="USER:TOKEN")
    p.add_argument("--jwt-issuer", default=None, metavar="URL", help="take XOAUTH2 with a token this OpenID provider signed, not expired")
    p.add_argument("--jwt-user", default=None, metavar="USER", help="the user of --jwt-issuer's logins")
    p.add_argument("--clock-ahead", type=float, default=0, metavar="SECONDS", help="with --jwt-issuer: take tokens as expired this much earlier")
    p.add_argument("--logins", default=None, metavar="FILE", help="log each XOAUTH2 attempt of --jwt-issuer (one JSON line: time, ok, a hash of the token)")
    p.add_argument("--starttls", default=None, metavar="CERT:KEY", help="offer STARTTLS with this certificate")
    p.add_argument("--tls", default=None, metavar="CERT:KEY", help="implicit TLS (as on port 465) with this certificate")
    p.add_argument("--no-pipelining", action="store_true", help="do not offer PIPELINING in the EHLO reply")
    p.add_argument("--ehlo-refuse-after", type=int, default=0, metavar="N", help="refuse each EHLO after the first N of a connection (STARTTLS included)")
    p.add_argument("--refuse-after", default=None, metavar="N/SECONDS", help="after every N messages, refuse connections for SECONDS and end each open session after its next message")
    p.add_argument("--reads", default=None, metavar="FILE", help="log each chunk read from a connection")
    args = p.parse_args()
    # aiosmtpd warns that AUTH without TLS is unsafe: true, and intended on loopback here.
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    handler = Handler(args)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)

    def context(pair):
        cert, key = pair.split(":", 1)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        return ctx

    tls_context = context(args.starttls) if args.starttls else None
    implicit = context(args.tls) if args.tls else None

    def factory():
        return FaultySMTP(
            handler,
            tls_context=tls_context,
            hostname="sink.test",
            authenticator=authenticator,
            auth_required=bool(args.auth or args.xoauth2 or args.jwt_issuer),
            auth_require_tls=False,
        )

    if args.jwt_issuer:
        # An XOAUTH2 line carries a whole JWT: longer than aiosmtpd's 512 bytes, as relays allow.
        SMTP.command_size_limit = 16384
        FaultySMTP.line_length_limit = 16384
    if args.reads:
        ReadLoggingSMTP.reads = open(args.reads, "a", encoding="utf-8")
    loop = asyncio.new_event_loop()
    listening = {}

    async def listen(port):
        listening["server"] = await loop.create_server(factory, "127.0.0.1", port, ssl=implicit)

    def refuse_connections(seconds):
        # The listening socket closed: a connection is refused (RST) until it opens again.
        server = listening.pop("server", None)
        if server is None:
            return
        server.close()
        loop.call_later(seconds, lambda: loop.create_task(listen(port)))

    handler.refuse_connections = refuse_connections
    loop.run_until_complete(listen(0))
    port = listening["server"].sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        if "server" in listening:
            listening["server"].close()
    sys.exit(0)


if __name__ == "__main__":
    main()
