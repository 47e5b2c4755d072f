// The daemon as an operator runs it: start-up refusals, TLS, signals.
#include "producer/producer_client.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <csignal>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

using ocs::producer::ProducerClient;

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// Runs ocsmanagerd expecting it to refuse to start; returns its output.
std::string refusedStart(const std::vector<std::string>& args, ocs::test::TempDir& dir)
{
    std::vector<std::string> argv = {OCS_DAEMON, "--state-dir", dir.path() + "/state"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string output;
    const int status = ocs::test::runProgram(argv, "", &output);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 1, status);
    return output;
}

// Whether a TLS handshake with the daemon succeeds when the client offers
// TLS 1.2 up to `maxVersion`.
bool handshakeSucceeds(unsigned short port, int maxVersion)
{
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(context, maxVersion);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        SSL* ssl = SSL_new(context);
        SSL_set_fd(ssl, fd);
        ok = SSL_connect(ssl) == 1;
        SSL_free(ssl);
    }
    ::close(fd);
    SSL_CTX_free(context);
    return ok;
}

ocs::producer::ClientOptions optionsFor(const std::string& url)
{
    ocs::producer::ClientOptions options;
    options.url = url;
    return options;
}

} // namespace

class DaemonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DaemonTest);
    CPPUNIT_TEST(testBadConfigurationFileNamesFileLineAndOption);
    CPPUNIT_TEST(testPlainHttpOnNonLoopbackAddressIsRefused);
    CPPUNIT_TEST(testSigtermExitsCleanly);
    CPPUNIT_TEST(testSighupEndsSessionsOfRemovedAccounts);
    CPPUNIT_TEST(testTlsServesLoginAndPing);
    CPPUNIT_TEST(testRequestsAreLoggedOneLineEach);
    CPPUNIT_TEST(testSigtermFinishesTheRequestInFlight);
    CPPUNIT_TEST(testSighupReopensTheLogFile);
    CPPUNIT_TEST(testDualStackListenerServesIpv4AndIpv6);
    CPPUNIT_TEST(testIdleConnectionIsClosedAfterKeepaliveTimeout);
    CPPUNIT_TEST(testConnectionsBeyondTheLimitAreRefused);
    CPPUNIT_TEST(testRequestIdIsSentBackAndEndsTheRequestsLogLine);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBadConfigurationFileNamesFileLineAndOption()
    {
        ocs::test::TempDir dir;
        const std::string file = dir.path() + "/bad.ini";
        std::ofstream(file) << "[server]\n; a comment\nworkers = lots\n";
        const std::string output = refusedStart({"--config", file}, dir);
        CPPUNIT_ASSERT_MESSAGE(output, contains(output, file + ":3"));
        CPPUNIT_ASSERT_MESSAGE(output, contains(output, "server.workers"));
    }

    void testPlainHttpOnNonLoopbackAddressIsRefused()
    {
        // Refused before anything is bound: no traffic leaves loopback.
        ocs::test::TempDir dir;
        const std::string output = refusedStart({"--listen", "0.0.0.0:0"}, dir);
        CPPUNIT_ASSERT_MESSAGE(output, contains(output, "allow_plain_http"));
    }

    void testSigtermExitsCleanly()
    {
        ocs::test::Daemon daemon;
        ProducerClient client(optionsFor(daemon.url()));
        std::string version;
        CPPUNIT_ASSERT(client.ping(version));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        CPPUNIT_ASSERT(contains(daemon.log(), "I-1003"));
    }

    void testSighupEndsSessionsOfRemovedAccounts()
    {
        ocs::test::Daemon daemon;
        daemon.addAccount("mta", "pass phrase");
        ProducerClient client(optionsFor(daemon.url()));
        CPPUNIT_ASSERT(client.login("mta", "pass phrase"));
        CPPUNIT_ASSERT_EQUAL(0, daemon.accountTool({"remove", "mta"}));
        daemon.signal(SIGHUP);
        ocs::producer::NewMailRequest mail{"SOGo", "jdoe", "INBOX", "1", {}, {}, {}, {}};
        ocs::producer::NewMailResult result;
        bool refused = false;
        for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
            refused = !client.newMail(mail, result) && client.lastError().code == 403;
            if (!refused)
                usleep(20000);
        }
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), refused);
        // The reload is logged after the accounts are re-read: it may trail the refusal.
        for (int attempt = 0; attempt < 100 && !contains(daemon.log(), "I-1004"); ++attempt)
            usleep(20000);
        CPPUNIT_ASSERT(contains(daemon.log(), "I-1004"));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testTlsServesLoginAndPing()
    {
        ocs::test::TempDir dir;
        const std::string key = dir.path() + "/key.pem", cert = dir.path() + "/cert.pem";
        std::string output;
        const int made = ocs::test::runProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                                "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                                                "-addext", "subjectAltName=IP:127.0.0.1"},
                                               "", &output);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, made);
        ocs::test::Daemon daemon({"--set", "tls.certificate_file=" + cert, "--set", "tls.key_file=" + key});
        daemon.addAccount("mta", "pass phrase");
        ocs::producer::ClientOptions options;
        options.url = "https://127.0.0.1:" + std::to_string(daemon.port()) + "/";
        options.caFile = cert;
        ProducerClient client(options);
        std::string version;
        CPPUNIT_ASSERT_MESSAGE(client.lastError().message + "\n" + daemon.log(), client.ping(version));
        CPPUNIT_ASSERT(client.login("mta", "pass phrase"));
        CPPUNIT_ASSERT(handshakeSucceeds(daemon.port(), TLS1_2_VERSION));
        CPPUNIT_ASSERT(handshakeSucceeds(daemon.port(), TLS1_3_VERSION));
        // Plain HTTP to the TLS port gets no service.
        auto plainOptions = optionsFor(daemon.url());
        plainOptions.timeoutSeconds = 2;
        ProducerClient plain(plainOptions);
        CPPUNIT_ASSERT(!plain.ping(version));
        // Each is a failed handshake whose TLS session the worker must free
        // (a sanitized build found them leaked when the daemon stopped).
        for (int i = 0; i < 20; ++i) {
            ocs::test::RawConnection raw(daemon.port());
            CPPUNIT_ASSERT(raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            CPPUNIT_ASSERT(raw.closedByPeer());
        }
        CPPUNIT_ASSERT(client.ping(version));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));

        // tls.min_version = 1.3 turns TLS 1.2 clients away.
        ocs::test::Daemon strict({"--set", "tls.certificate_file=" + cert, "--set", "tls.key_file=" + key, "--set",
                                  "tls.min_version=1.3"});
        CPPUNIT_ASSERT(!handshakeSucceeds(strict.port(), TLS1_2_VERSION));
        CPPUNIT_ASSERT(handshakeSucceeds(strict.port(), TLS1_3_VERSION));
        CPPUNIT_ASSERT_EQUAL(0, strict.stop(SIGTERM));
    }

    void testRequestsAreLoggedOneLineEach()
    {
        ocs::test::Daemon daemon;
        daemon.addAccount("mta", "pass phrase");
        ProducerClient client(optionsFor(daemon.url()));
        CPPUNIT_ASSERT(!client.login("mta", "wrong"));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        const std::string log = daemon.log();
        CPPUNIT_ASSERT_MESSAGE(log, contains(log, "I-1001 peer=127.0.0.1 op=GetToken account=mta outcome=ok"));
        CPPUNIT_ASSERT_MESSAGE(log, contains(log, "op=Login account=mta outcome=InvalidCredentials code=401"));
        CPPUNIT_ASSERT(contains(log, "duration_us="));
    }

    void testSigtermFinishesTheRequestInFlight()
    {
        ocs::test::Daemon daemon;
        const std::string request = ocs::test::soapPost(ocs::test::envelope("<ocs:Ping/>"));
        ocs::test::RawConnection connection(daemon.port());
        CPPUNIT_ASSERT(connection.send(request.substr(0, request.size() - 30)));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        daemon.signal(SIGTERM);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        CPPUNIT_ASSERT(daemon.running());
        CPPUNIT_ASSERT(connection.send(request.substr(request.size() - 30)));
        const auto response = connection.receive();
        CPPUNIT_ASSERT_EQUAL(200, response.status);
        CPPUNIT_ASSERT(contains(response.body, "PingResponse"));
        CPPUNIT_ASSERT(contains(response.headers, "Connection: close"));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testSighupReopensTheLogFile()
    {
        ocs::test::TempDir dir;
        const std::string file = dir.path() + "/ocsmanager.log";
        ocs::test::Daemon daemon({"--set", "log.file=" + file, "--set", "log.console=false"});
        ProducerClient client(optionsFor(daemon.url()));
        std::string version;
        CPPUNIT_ASSERT(client.ping(version));
        // The request line is written just after the answer: wait for it.
        std::string before;
        for (int attempt = 0; attempt < 100 && !contains(before, "op=Ping"); ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            std::ifstream in(file);
            before.assign(std::istreambuf_iterator<char>(in), {});
        }
        CPPUNIT_ASSERT_EQUAL(0, std::rename(file.c_str(), (file + ".1").c_str()));
        daemon.signal(SIGHUP);
        std::string reopened;
        for (int attempt = 0; attempt < 100 && !contains(reopened, "I-1004"); ++attempt) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            std::ifstream in(file);
            reopened.assign(std::istreambuf_iterator<char>(in), {});
        }
        CPPUNIT_ASSERT_MESSAGE(reopened, contains(reopened, "I-1004"));
        CPPUNIT_ASSERT(client.ping(version));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
        std::ifstream rotated(file + ".1");
        const std::string old((std::istreambuf_iterator<char>(rotated)), {});
        CPPUNIT_ASSERT(contains(old, "I-1000") && contains(old, "op=Ping"));
        std::ifstream current(file);
        const std::string now((std::istreambuf_iterator<char>(current)), {});
        CPPUNIT_ASSERT(contains(now, "op=Ping") && contains(now, "I-1003"));
        CPPUNIT_ASSERT(daemon.log().empty());
    }

    void testDualStackListenerServesIpv4AndIpv6()
    {
        // Bound to every address, but the test talks to loopback only.
        ocs::test::Daemon daemon({"--listen", "[::]:0", "--set", "server.allow_plain_http=true"});
        const std::string port = std::to_string(daemon.port());
        for (const std::string& url : {"http://127.0.0.1:" + port + "/", "http://[::1]:" + port + "/"}) {
            ProducerClient client(optionsFor(url));
            std::string version;
            CPPUNIT_ASSERT_MESSAGE(url + " " + client.lastError().message, client.ping(version));
        }
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testIdleConnectionIsClosedAfterKeepaliveTimeout()
    {
        ocs::test::Daemon daemon({"--set", "server.keepalive_timeout=1"});
        ocs::test::RawConnection connection(daemon.port());
        CPPUNIT_ASSERT(connection.send(ocs::test::soapPost(ocs::test::envelope("<ocs:Ping/>"))));
        CPPUNIT_ASSERT_EQUAL(200, connection.receive().status);
        const auto start = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT(connection.closedByPeer(5000));
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testConnectionsBeyondTheLimitAreRefused()
    {
        ocs::test::Daemon daemon({"--set", "server.max_connections=2"});
        ocs::test::RawConnection first(daemon.port()), second(daemon.port());
        const std::string ping = ocs::test::soapPost(ocs::test::envelope("<ocs:Ping/>"));
        CPPUNIT_ASSERT(first.send(ping) && second.send(ping));
        CPPUNIT_ASSERT_EQUAL(200, first.receive().status);
        CPPUNIT_ASSERT_EQUAL(200, second.receive().status);
        ocs::test::RawConnection third(daemon.port());
        CPPUNIT_ASSERT(third.closedByPeer(3000));
        CPPUNIT_ASSERT(contains(daemon.log(), "W-2001"));
        first.close();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ocs::test::RawConnection fourth(daemon.port());
        CPPUNIT_ASSERT(fourth.send(ping));
        CPPUNIT_ASSERT_EQUAL(200, fourth.receive().status);
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testRequestIdIsSentBackAndEndsTheRequestsLogLine()
    {
        ocs::test::TempDir dir;
        const std::string file = dir.path() + "/ocsmanager.log";
        ocs::test::Daemon daemon({"--set", "log.file=" + file, "--set", "log.console=false"});
        ocs::test::RawConnection connection(daemon.port());
        // A SOAP call, a plain-HTTP error and an engine fault, on one connection.
        const std::vector<std::pair<std::string, std::string>> requests = {
            {ocs::test::soapPost(ocs::test::envelope("<ocs:Ping/>")), "op=Ping account=- outcome=ok"},
            {"GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "outcome=UnknownOperation code=404"},
            {ocs::test::soapPost(ocs::test::envelope("<ocs:NewMail/>")), "op=- account=- outcome=MalformedRequest"},
        };
        std::vector<std::string> ids;
        for (const auto& [request, outcome] : requests) {
            CPPUNIT_ASSERT(connection.send(request));
            const auto response = connection.receive();
            CPPUNIT_ASSERT(response.answered);
            std::smatch id;
            CPPUNIT_ASSERT_MESSAGE(response.headers,
                                   std::regex_search(response.headers, id, std::regex("\r\nX-Request-Id: ([0-9a-f]{16})\r\n")));
            ids.push_back(id[1]);
        }
        CPPUNIT_ASSERT(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));

        std::ifstream in(file);
        const std::string log((std::istreambuf_iterator<char>(in)), {});
        for (std::size_t i = 0; i < requests.size(); ++i) {
            // The id is on exactly one line: the request's own I-1001.
            const auto at = log.find(" req=" + ids[i] + "\n");
            CPPUNIT_ASSERT_MESSAGE(ids[i] + "\n" + log, at != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(log, log.find(ids[i], at + 5 + ids[i].size()) == std::string::npos &&
                                            log.find(ids[i]) == at + 5);
            const std::string line = log.substr(log.rfind('\n', at) + 1, at - log.rfind('\n', at) - 1);
            CPPUNIT_ASSERT_MESSAGE(line, contains(line, " info I-1001 ") && contains(line, requests[i].second));
        }
        // Lines written outside a request carry no id.
        std::istringstream lines(log);
        for (std::string line; std::getline(lines, line);) {
            if (!contains(line, "I-1001"))
                CPPUNIT_ASSERT_MESSAGE(line, !contains(line, "req="));
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonTest);
