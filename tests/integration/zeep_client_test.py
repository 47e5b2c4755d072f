#!/usr/bin/python3
"""Independent-client integration test: python3-zeep against ocsmanagerd.

Starts the daemon on a loopback port in a fresh state directory, creates
accounts with ocsmanager-account, loads the WSDL the daemon serves and drives
the Authentication and Notification services through both the SOAP 1.1 and
the SOAP 1.2 bindings, computing SCRAM-SHA-256 proofs itself (doc/protocol.md)
and checking the server signature. A second daemon, with a low failure limit
and a short session ttl, covers throttling and session expiry.

Usage:
  /usr/bin/python3 zeep_client_test.py --daemon PATH/ocsmanagerd \
      --account-tool PATH/ocsmanager-account

Prints one line per check ("PASS name" / "FAIL name: reason"), then
"zeep: N passed, M failed". Exit status 0 only if every check passed.
Standard library and zeep only; loopback only; bounded in time.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

try:
    import zeep
    from zeep.exceptions import Fault
    from zeep.plugins import HistoryPlugin
    from zeep.transports import Transport
    import requests
    from lxml import etree
except ImportError as missing:  # pragma: no cover - environment problem
    print("FAIL import: %s (run with /usr/bin/python3, python3-zeep)" % missing)
    print("zeep: 0 passed, 1 failed")
    sys.exit(1)

NS = "urn:openchange:ocsmanager:1"
MECHANISM = "SCRAM-SHA-256"
HOST = "127.0.0.1"
START_TIMEOUT = 10.0    # seconds for the port file to appear
STOP_TIMEOUT = 10.0     # seconds for SIGTERM to end the daemon
CALL_TIMEOUT = 10       # seconds per HTTP request

# (code, name, message, fault role) of the rows this test meets, as in
# src/common/errors.cpp.
ERRORS = {
    401: ("InvalidCredentials", "Invalid credentials", "Sender"),
    403: ("InvalidSession", "Access forbidden: the session is missing, unknown or expired", "Sender"),
    429: ("TooManyAttempts", "Too many failed attempts; retry later", "Sender"),
    472: ("InvalidToken", "Invalid token", "Sender"),
}

# Accounts: one per binding so that failures of one binding's checks cannot
# throttle the other's. The first login needs SASL escaping ("=" and ",").
PASSWORD = "p\u00e4ss w\u00f6rd \u2713 1"      # non-ASCII: the UTF-8 path
ACCOUNTS = {
    "soap11": "mta=deliver,one",
    "soap12": "producer-two",
}
UNKNOWN_LOGIN = "nobody-here"
TTL_ACCOUNT = "ttl-account"


# --------------------------------------------------------------------------
# SCRAM-SHA-256 as doc/protocol.md defines it over GetToken/Login.

def saslname(login):
    return login.replace("=", "=3D").replace(",", "=2C")


def auth_message(login, challenge, salt, iterations):
    nonce = challenge
    return ("n=" + saslname(login) + ",r=" + nonce + ","
            + "r=" + nonce + ",s=" + base64.b64encode(salt).decode("ascii")
            + ",i=" + str(iterations) + ","
            + "c=biws,r=" + nonce).encode("utf-8")


def _hmac(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def scram(password, login, challenge, salt, iterations):
    """Returns (client proof, expected server signature)."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, 32)
    client_key = _hmac(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    message = auth_message(login, challenge, salt, iterations)
    client_signature = _hmac(stored_key, message)
    proof = bytes(a ^ b for a, b in zip(client_key, client_signature))
    server_key = _hmac(salted, b"Server Key")
    return proof, _hmac(server_key, message)


def sanitizer_report(log):
    """The log's end if a sanitizer (-DOCS_SANITIZE=ON) reported an error:
    ASan, LSan and UBSan end each report with "SUMMARY: <Name>Sanitizer:"."""
    for line in log.splitlines():
        if line.startswith("SUMMARY: ") and "Sanitizer:" in line:
            return log[-16384:]
    return ""


# --------------------------------------------------------------------------
# Checks bookkeeping.

class CheckFailed(Exception):
    pass


def expect(condition, reason):
    if not condition:
        raise CheckFailed(reason)


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.history = None  # HistoryPlugin of the clients in use

    def run(self, name, function, *args):
        if self.history is not None:
            self.history._buffer.clear()
        try:
            function(*args)
        except CheckFailed as e:
            self.fail(name, str(e))
        except Fault as e:
            self.fail(name, "unexpected fault: " + describe_fault(e))
        except Exception as e:  # a broken check is a failed check
            self.fail(name, "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
        else:
            self.passed += 1
            print("PASS " + name, flush=True)

    def fail(self, name, reason):
        self.failed += 1
        print("FAIL %s: %s" % (name, reason), flush=True)
        if self.history is not None:
            for entry in list(self.history._buffer)[-4:]:
                for direction in ("sent", "received"):
                    envelope = entry.get(direction)
                    if envelope is None:
                        continue
                    body = envelope.get("envelope")
                    text = etree.tostring(body, pretty_print=True).decode() if body is not None else "(none)"
                    print("  %s (%s):\n    %s" % (direction, envelope.get("http_headers"),
                                                  text.replace("\n", "\n    ")), flush=True)


def fault_error(fault):
    """The {NS}Error detail of a zeep Fault as a dict, or None."""
    if fault.detail is None:
        return None
    node = fault.detail if fault.detail.tag == "{%s}Error" % NS else fault.detail.find(".//{%s}Error" % NS)
    if node is None:
        return None
    out = {}
    for child in node:
        out[etree.QName(child).localname] = (child.text or "")
    return out


def describe_fault(fault):
    error = fault_error(fault)
    return "code=%r message=%r detail=%r" % (fault.code, fault.message, error)


def expect_fault(code, call, *args, **kwargs):
    """Runs call, which must raise a Fault whose detail Error carries code,
    the table's name and message, and whose SOAP role matches the table.
    Returns the detail as a dict."""
    try:
        answer = call(*args, **kwargs)
    except Fault as fault:
        error = fault_error(fault)
        expect(error is not None, "fault without a {%s}Error detail: %s" % (NS, describe_fault(fault)))
        expect(error.get("code") == str(code), "expected code %d, got %s" % (code, describe_fault(fault)))
        name, message, role = ERRORS[code]
        expect(error.get("name") == name, "expected name %s, got %s" % (name, describe_fault(fault)))
        expect(error.get("message") == message,
               "expected message %r, got %s" % (message, describe_fault(fault)))
        expect(fault.message == message, "faultstring/Reason %r, expected %r" % (fault.message, message))
        soap11_role = "Client" if role == "Sender" else "Server"
        fault_code = fault.code or ""
        expect(fault_code.endswith(":" + role) or fault_code.endswith(":" + soap11_role)
               or fault_code in (role, soap11_role),
               "fault code %r does not say %s" % (fault_code, role))
        return error
    raise CheckFailed("expected fault %d, got an answer: %r" % (code, answer))


# --------------------------------------------------------------------------
# The daemon.

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Daemon:
    """ocsmanagerd on a loopback port with its own state directory."""

    def __init__(self, binary, account_tool, name, settings=()):
        self.binary = binary
        self.account_tool = account_tool
        self.name = name
        self.settings = list(settings)
        self.directory = tempfile.mkdtemp(prefix="ocs-zeep-%s-" % name)
        self.state = os.path.join(self.directory, "state")
        os.mkdir(self.state, 0o700)
        self.log_path = os.path.join(self.directory, "daemon.log")
        self.port_file = os.path.join(self.directory, "port")
        self.process = None
        self.port = None
        self.log = None

    def add_account(self, login, password):
        result = subprocess.run(
            [self.account_tool, "--state-dir", self.state, "add", login, "--events", "NewMail,ObjectMoved"],
            input=(password + "\n").encode("utf-8"), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=30)
        if result.returncode != 0:
            raise RuntimeError("ocsmanager-account add %s: exit %d: %s" % (
                login, result.returncode, result.stderr.decode("utf-8", "replace").strip()))

    def _spawn(self, port):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        arguments = [self.binary, "--listen", "%s:%d" % (HOST, port), "--state-dir", self.state,
                     "--port-file", self.port_file]
        for setting in self.settings:
            arguments += ["--set", setting]
        self.log = open(self.log_path, "ab")
        self.log.write(("### %s\n" % " ".join(arguments)).encode())
        self.log.flush()
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=self.log, cwd=self.directory)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with open(self.port_file) as f:
                    text = f.read()
                if text.endswith("\n") and text.strip().isdigit():
                    self.port = int(text)
                    return True
            except FileNotFoundError:
                pass
            if self.process.poll() is not None:
                self.log.close()
                self.process = None
                return False
            time.sleep(0.05)
        raise RuntimeError("no port file after %.0f s" % START_TIMEOUT)

    def start(self):
        # Port 0 first (the kernel picks); if the daemon refuses it, pick a
        # free port ourselves and retry a few times in case another process
        # takes it first.
        if self._spawn(0):
            return
        for _ in range(5):
            if self._spawn(free_port()):
                return
        raise RuntimeError("the daemon did not start; log:\n" + self.read_log())

    def stop(self):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            status = None
        self.process = None
        self.log.close()
        return status

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError as e:
            return "(no log: %s)" % e

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def base_url(self):
        return "http://%s:%d/" % (HOST, self.port)


def http_get(url):
    """A plain GET, never through a proxy. Returns (status, body text)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=CALL_TIMEOUT) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class Clients:
    """zeep services of one SOAP version, from the WSDL the daemon serves."""

    def __init__(self, daemon, version, history):
        session = requests.Session()
        session.trust_env = False  # loopback only: no proxy from the environment
        transport = Transport(session=session, timeout=CALL_TIMEOUT, operation_timeout=CALL_TIMEOUT)
        self.client = zeep.Client(daemon.base_url + "?wsdl", transport=transport, plugins=[history])
        self.history = history
        suffix = "Soap" if version == "soap11" else "Soap12"
        self.auth = self.client.bind("Authentication", "Authentication" + suffix)
        self.notification = self.client.bind("Notification", "Notification" + suffix)


def login(clients, user, password):
    """GetToken then Login; returns (token answer, login answer, expected server signature)."""
    token = clients.auth.GetToken(login=user)
    proof, signature = scram(password, user, token.challenge, token.salt, token.iterations)
    answer = clients.auth.Login(login=user, challenge=token.challenge, proof=proof)
    return token, answer, signature


# A new message id for every report: the same message reported again within
# the daemon's duplicate window is answered "duplicate".
MESSAGE_IDS = itertools.count(61)


def new_mail(clients, session=None):
    kwargs = dict(backend="SOGo", username="jdoe", folder="inbox", messageID=str(next(MESSAGE_IDS)))
    if session is not None:
        kwargs["_soapheaders"] = {"session": session}  # keyed by the WSDL part name
    return clients.notification.NewMail(**kwargs)


def notify(clients, session=None):
    event = {"type": "NewMail", "kind": "message", "backend": "SOGo", "username": "jdoe",
             "folder": "inbox", "messageID": str(next(MESSAGE_IDS))}
    kwargs = dict(event=[event])
    if session is not None:
        kwargs["_soapheaders"] = {"session": session}  # keyed by the WSDL part name
    return clients.notification.Notify(**kwargs)


# --------------------------------------------------------------------------
# Checks against the main daemon.

def check_wsdl_address(daemon):
    status, text = http_get(daemon.base_url + "?wsdl")
    expect(status == 200, "GET /?wsdl answered %d" % status)
    document = etree.fromstring(text.encode("utf-8"))
    addresses = document.findall(".//{http://schemas.xmlsoap.org/wsdl/soap/}address") + \
        document.findall(".//{http://schemas.xmlsoap.org/wsdl/soap12/}address")
    expect(len(addresses) == 4, "expected 4 soap/soap12 addresses, found %d" % len(addresses))
    wrong = [a.get("location") for a in addresses if a.get("location") != daemon.base_url]
    expect(not wrong, "soap:address locations %r, expected %s" % (wrong, daemon.base_url))
    status, text = http_get(daemon.base_url + "ocsmanager.xsd")
    expect(status == 200 and "targetNamespace=\"%s\"" % NS in text, "GET /ocsmanager.xsd answered %d" % status)
    status, _ = http_get(daemon.base_url + "health")
    expect(status == 200, "GET /health answered %d" % status)


def check_ping(clients):
    answer = clients.notification.Ping()
    version = answer if isinstance(answer, str) else getattr(answer, "version", None)
    expect(isinstance(version, str) and version.strip() != "", "Ping answered %r" % (answer,))


def check_login(clients, user, state):
    before = datetime.datetime.now(datetime.timezone.utc)
    token, answer, signature = login(clients, user, PASSWORD)
    expect(token.mechanism == MECHANISM, "mechanism %r" % token.mechanism)
    expect(len(token.challenge) >= 22, "challenge %r is shorter than 128 bits" % token.challenge)
    expect(token.iterations >= 4096, "iterations %r" % token.iterations)
    expect(len(token.salt) >= 16, "salt of %d bytes" % len(token.salt))
    expect(token.ttl > 0, "challenge ttl %r" % token.ttl)
    expect(isinstance(answer.session, str) and answer.session != "", "session %r" % answer.session)
    expect(answer.ttl > 0, "session ttl %r" % answer.ttl)
    expect(answer.serverSignature == signature,
           "server signature %s, expected %s" % (base64.b64encode(answer.serverSignature or b"").decode(),
                                                 base64.b64encode(signature).decode()))
    expires = answer.expires
    expect(isinstance(expires, datetime.datetime), "expires %r" % (expires,))
    if expires.tzinfo is not None:
        delta = (expires - before).total_seconds()
        expect(answer.ttl - 30 <= delta <= answer.ttl + 30,
               "expires %s is not about now + ttl (%d s)" % (expires.isoformat(), answer.ttl))
    state["session"] = answer.session
    state["token"] = token


def check_session_accepted(clients, state):
    # Nobody is bound to the backend user: accepted, queued to 0 queues.
    expect("session" in state, "no session (login failed)")
    answer = new_mail(clients, state["session"])
    expect(answer.status == "queued" and answer.queues == 0, "NewMail answered %r" % (answer,))


def check_notify_session_accepted(clients, state):
    expect("session" in state, "no session (login failed)")
    answer = notify(clients, state["session"])
    expect(len(answer) == 1, "Notify answered %d results for 1 event" % len(answer))
    expect(answer[0].index == 0 and answer[0].status == "queued" and answer[0].queues == 0,
           "Notify result %r" % (answer[0],))


def check_notify_folder_move(clients, state):
    # A folder move with its old parent, as zeep builds it from the served
    # schema: the element goes on the wire and the daemon takes it.
    expect("session" in state, "no session (login failed)")
    event = {"type": "ObjectMoved", "kind": "folder", "backend": "SOGo", "username": "jdoe",
             "folder": "Archive/Sub", "oldFolder": "INBOX/Sub", "parentFolder": "Archive",
             "oldParentFolder": "INBOX"}
    answer = clients.notification.Notify(event=[event], _soapheaders={"session": state["session"]})
    expect(len(answer) == 1 and answer[0].status == "queued" and answer[0].queues == 0,
           "Notify answered %r" % (answer,))
    sent = etree.tostring(clients.history.last_sent["envelope"]).decode("utf-8")
    expect("oldParentFolder>INBOX</" in sent, "the request did not carry oldParentFolder: %s" % sent)


def check_no_session(clients):
    error = expect_fault(403, new_mail, clients)
    expect_fault(403, notify, clients)
    return error


def check_unknown_session(clients):
    expect_fault(403, new_mail, clients, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")


def check_wrong_password(clients, user, state):
    token = clients.auth.GetToken(login=user)
    proof, _ = scram(PASSWORD + "x", user, token.challenge, token.salt, token.iterations)
    error = expect_fault(401, clients.auth.Login, login=user, challenge=token.challenge, proof=proof)
    state["wrong_password_error"] = error


def check_unknown_login_shape(clients, state):
    expect("token" in state, "no GetToken answer of a real account to compare with")
    real = state["token"]
    first = clients.auth.GetToken(login=UNKNOWN_LOGIN)
    second = clients.auth.GetToken(login=UNKNOWN_LOGIN)
    expect(first.mechanism == real.mechanism, "mechanism %r vs %r" % (first.mechanism, real.mechanism))
    expect(len(first.salt) == len(real.salt), "salt of %d bytes, a real account's has %d"
           % (len(first.salt), len(real.salt)))
    expect(first.iterations == real.iterations, "iterations %d, a real account's %d"
           % (first.iterations, real.iterations))
    expect(first.ttl == real.ttl, "ttl %d, a real account's %d" % (first.ttl, real.ttl))
    expect(len(first.challenge) == len(real.challenge), "challenge length differs")
    expect(first.salt == second.salt, "salt changes between calls: %r, %r" % (first.salt, second.salt))
    expect(first.challenge != second.challenge, "the same challenge twice: %r" % first.challenge)
    # Login with it fails exactly like a wrong password does.
    proof, _ = scram(PASSWORD, UNKNOWN_LOGIN, first.challenge, first.salt, first.iterations)
    error = expect_fault(401, clients.auth.Login, login=UNKNOWN_LOGIN, challenge=first.challenge, proof=proof)
    if "wrong_password_error" in state:
        expect(error == state["wrong_password_error"],
               "unknown login answered %r, a wrong password %r" % (error, state["wrong_password_error"]))


def check_challenge_reuse(clients, user):
    token = clients.auth.GetToken(login=user)
    proof, _ = scram(PASSWORD, user, token.challenge, token.salt, token.iterations)
    answer = clients.auth.Login(login=user, challenge=token.challenge, proof=proof)
    clients.auth.Logout(session=answer.session)
    expect_fault(472, clients.auth.Login, login=user, challenge=token.challenge, proof=proof)


def check_logout(clients, state):
    expect("session" in state, "no session (login failed)")
    clients.auth.Logout(session=state["session"])
    expect_fault(403, new_mail, clients, state["session"])
    # A second logout of the same session is refused too.
    expect_fault(403, clients.auth.Logout, session=state["session"])


# --------------------------------------------------------------------------
# Checks against the daemon with a low failure limit and a short session ttl.

THROTTLE_FAILURES = 3
SESSION_TTL = 2


def check_throttle(clients, user):
    for attempt in range(THROTTLE_FAILURES):
        token = clients.auth.GetToken(login=user)
        proof, _ = scram("not the password", user, token.challenge, token.salt, token.iterations)
        try:
            expect_fault(401, clients.auth.Login, login=user, challenge=token.challenge, proof=proof)
        except CheckFailed as e:
            raise CheckFailed("wrong password %d: %s" % (attempt + 1, e))
    # The right password now: refused at GetToken or at Login.
    try:
        token = clients.auth.GetToken(login=user)
    except Fault:
        expect_fault(429, clients.auth.GetToken, login=user)
        return
    proof, _ = scram(PASSWORD, user, token.challenge, token.salt, token.iterations)
    expect_fault(429, clients.auth.Login, login=user, challenge=token.challenge, proof=proof)


def check_session_expiry(clients, user):
    _, answer, signature = login(clients, user, PASSWORD)
    expect(answer.serverSignature == signature, "server signature does not verify")
    expect(answer.ttl == SESSION_TTL, "session ttl %r, configured %d" % (answer.ttl, SESSION_TTL))
    new_mail(clients, answer.session)
    time.sleep(answer.ttl + 1)
    expect_fault(403, new_mail, clients, answer.session)


# --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--daemon", required=True, help="path to ocsmanagerd")
    parser.add_argument("--account-tool", required=True, help="path to ocsmanager-account")
    options = parser.parse_args()
    # The daemon runs in its temporary directory: relative paths would break.
    options.daemon = os.path.abspath(options.daemon)
    options.account_tool = os.path.abspath(options.account_tool)
    started = time.monotonic()
    results = Results()
    history = HistoryPlugin(maxlen=8)
    daemons = []

    def run_daemon(name, settings, accounts, body):
        daemon = Daemon(options.daemon, options.account_tool, name, settings)
        daemons.append(daemon)
        try:
            try:
                for user in accounts:
                    daemon.add_account(user, PASSWORD)
                daemon.start()
            except Exception as e:
                results.fail(name + ".start", str(e))
                return
            body(daemon)
        finally:
            status = daemon.stop()
            results.history = None
            if daemon.port is not None:
                results.run(name + ".sigterm-exit-0", lambda: expect(
                    status == 0, "exit status %r after SIGTERM (None: still running after %.0f s, killed)"
                    % (status, STOP_TIMEOUT)))
            report = sanitizer_report(daemon.read_log())
            results.run(name + ".no-sanitizer-report", lambda: expect(not report, report))

    def main_checks(daemon):
        results.run("wsdl.soap-address", check_wsdl_address, daemon)
        for version, user in ACCOUNTS.items():
            try:
                clients = Clients(daemon, version, history)
            except Exception as e:
                results.fail(version + ".load-wsdl", "%s: %s" % (type(e).__name__, e))
                continue
            results.history = history
            state = {}
            results.run(version + ".ping", check_ping, clients)
            results.run(version + ".login", check_login, clients, user, state)
            results.run(version + ".newmail-with-session", check_session_accepted, clients, state)
            results.run(version + ".notify-with-session", check_notify_session_accepted, clients, state)
            results.run(version + ".notify-folder-move", check_notify_folder_move, clients, state)
            results.run(version + ".no-session-403", check_no_session, clients)
            results.run(version + ".unknown-session-403", check_unknown_session, clients)
            results.run(version + ".wrong-password-401", check_wrong_password, clients, user, state)
            results.run(version + ".unknown-login", check_unknown_login_shape, clients, state)
            results.run(version + ".challenge-reuse-472", check_challenge_reuse, clients, user)
            results.run(version + ".logout-403", check_logout, clients, state)
            results.history = None

    def limit_checks(daemon):
        for version, user in ACCOUNTS.items():
            try:
                clients = Clients(daemon, version, history)
            except Exception as e:
                results.fail(version + ".limits-load-wsdl", "%s: %s" % (type(e).__name__, e))
                continue
            results.history = history
            results.run(version + ".throttle-429", check_throttle, clients, user)
            results.history = None
        # Session expiry sleeps ttl + 1 s: once, on an account of its own
        # (the others are throttled by now).
        try:
            clients = Clients(daemon, "soap12", history)
        except Exception as e:
            results.fail("session-expiry-403", "%s: %s" % (type(e).__name__, e))
            return
        results.history = history
        results.run("session-expiry-403", check_session_expiry, clients, TTL_ACCOUNT)
        results.history = None

    try:
        run_daemon("main", [], ACCOUNTS.values(), main_checks)
        limits = ["auth.max_failures_per_account=%d" % THROTTLE_FAILURES,
                  "auth.session_ttl=%d" % SESSION_TTL]
        run_daemon("limits", limits, list(ACCOUNTS.values()) + [TTL_ACCOUNT], limit_checks)
    except Exception as e:
        results.fail("harness", "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
    finally:
        if results.failed:
            for daemon in daemons:
                print("----- %s daemon log (%s) -----" % (daemon.name, daemon.log_path))
                print(daemon.read_log().rstrip())
                print("----- end of %s daemon log -----" % daemon.name)
        for daemon in daemons:
            daemon.cleanup()
    print("(%.1f s)" % (time.monotonic() - started))
    print("zeep: %d passed, %d failed" % (results.passed, results.failed), flush=True)
    return 0 if results.failed == 0 and results.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
