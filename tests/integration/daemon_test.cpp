// The daemon as an operator runs it: start-up refusals, TLS, signals.
#include "client/producer_client.hpp"
#include "support/daemon.hpp"
#include "support/raw_http.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

using ocs::client::ProducerClient;

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

ocs::client::ClientOptions optionsFor(const std::string& url)
{
    ocs::client::ClientOptions options;
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
        ocs::client::NewMailRequest mail{"SOGo", "jdoe", "INBOX", "1", {}, {}, {}, {}};
        ocs::client::NewMailResult result;
        bool refused = false;
        for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
            refused = !client.newMail(mail, result) && client.lastError().code == 403;
            if (!refused)
                usleep(20000);
        }
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), refused);
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
        ocs::client::ClientOptions options;
        options.url = "https://127.0.0.1:" + std::to_string(daemon.port()) + "/";
        options.caFile = cert;
        ProducerClient client(options);
        std::string version;
        CPPUNIT_ASSERT_MESSAGE(client.lastError().message + "\n" + daemon.log(), client.ping(version));
        CPPUNIT_ASSERT(client.login("mta", "pass phrase"));
        // Plain HTTP to the TLS port gets no service.
        auto plainOptions = optionsFor(daemon.url());
        plainOptions.timeoutSeconds = 2;
        ProducerClient plain(plainOptions);
        CPPUNIT_ASSERT(!plain.ping(version));
        CPPUNIT_ASSERT(client.ping(version));
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonTest);
