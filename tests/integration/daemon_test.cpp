// The daemon as an operator runs it: start-up refusals, TLS, signals.
#include "client/producer_client.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

#include <unistd.h>

#include <fstream>
#include <stdexcept>

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
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonTest);
