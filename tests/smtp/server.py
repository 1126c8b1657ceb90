"""A real SMTP server for Haven's tests and benchmarks, built on aiosmtpd.

Every accepted message is written atomically (a temporary file renamed into place) as
`<maildir>/new/<id>.eml`, with the envelope in two leading headers, `X-Envelope-From` and
`X-Envelope-To` (comma-separated). Prints `READY <port>` once listening.
"""

import argparse
import asyncio
import os
import re
import ssl
import sys
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir, reject, tempfail, hang, drop):
        self.tmp = os.path.join(maildir, "tmp")
        self.new = os.path.join(maildir, "new")
        os.makedirs(self.tmp, exist_ok=True)
        os.makedirs(self.new, exist_ok=True)
        self.reject = re.compile(reject) if reject else None
        self.tempfail = re.compile(tempfail) if tempfail else None
        self.hang = re.compile(hang) if hang else None
        self.drop = re.compile(drop) if drop else None

    def matches(self, pattern, envelope):
        return pattern and any(pattern.search(to) for to in envelope.rcpt_tos)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject.search(address):
            return "550 5.1.1 no such user"
        if self.tempfail and self.tempfail.search(address):
            return "451 4.3.0 try later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.matches(self.hang, envelope):
            # A relay that took the message and never answers.
            await asyncio.Event().wait()
        if self.matches(self.drop, envelope):
            # A relay that closes the connection before its final answer.
            server.transport.close()
            return "421 4.4.2 closing"
        name = uuid.uuid4().hex
        head = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        temporary = os.path.join(self.tmp, name)
        with open(temporary, "wb") as file:
            file.write(head)
            file.write(envelope.original_content or envelope.content)
        os.rename(temporary, os.path.join(self.new, name + ".eml"))
        return f"250 2.0.0 Ok: queued as {name}"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def serve(args):
    handler = Handler(args.maildir, args.reject, args.tempfail, args.hang, args.drop)
    context = tls_context(args.cert, args.key) if args.tls != "none" else None
    options = {"hostname": "haven-test-smtp"}
    if args.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, _, password = args.auth.partition(":")
        options.update(
            authenticator=authenticator(user, password),
            auth_required=True,
            # aiosmtpd only sees TLS it negotiated itself (STARTTLS); with implicit TLS the
            # whole connection is encrypted already.
            auth_require_tls=args.tls == "starttls",
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options),
        host=args.host,
        port=args.port,
        ssl=context if args.tls == "implicit" else None,
        reuse_address=True,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth", help="USER:PASS; AUTH PLAIN or LOGIN is then required")
    parser.add_argument("--reject", help="RCPT TO matching this is refused with 550")
    parser.add_argument("--tempfail", help="RCPT TO matching this is deferred with 451")
    parser.add_argument("--hang", help="DATA to a recipient matching this is never answered")
    parser.add_argument("--drop", help="DATA to a recipient matching this ends the connection")
    args = parser.parse_args()
    if args.tls != "none" and not (args.cert and args.key):
        parser.error("--tls needs --cert and --key")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
