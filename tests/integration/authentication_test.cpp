// The Authentication service end to end: the real daemon, an account made by
// the account tool, and the generated proxy (through ProducerClient) in SOAP
// 1.1 and SOAP 1.2.
#include "auth/scram.hpp"
#include "producer/producer_client.hpp"
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <memory>
#include <thread>

using ocs::producer::ProducerClient;

namespace {

const std::string kLogin = "delivery";
const std::string kPassword = "s3cret passphrase";

ocs::producer::NewMailRequest sampleMail(const std::string& id = "61")
{
    return {"SOGo", "jdoe", "INBOX", id, std::string("IPM.Note"), std::nullopt, std::nullopt, std::nullopt};
}

ocs::Bytes proofFor(const std::string& login, const std::string& password, const ocs::producer::Challenge& c)
{
    const auto salted = ocs::scram::saltedPassword(password, c.salt, c.iterations);
    const auto clientKey = ocs::scram::clientKey(salted);
    const auto message = ocs::scram::authMessageFor(login, c.challenge, c.salt, c.iterations);
    const auto proof =
        ocs::scram::clientProof(clientKey, ocs::scram::clientSignature(ocs::scram::storedKey(clientKey), message));
    return ocs::Bytes(proof.begin(), proof.end());
}

// What a ProducerClient speaking `version` sends for Ping, read by a loopback
// listener that answers nothing.
std::string pingAsSent(int version)
{
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    CPPUNIT_ASSERT(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    CPPUNIT_ASSERT(::listen(listener, 1) == 0);
    CPPUNIT_ASSERT(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    std::string received;
    std::thread reader([&] {
        const int connection = ::accept(listener, nullptr, nullptr);
        char buffer[4096];
        ssize_t n = 0;
        while (received.find("Envelope>") == std::string::npos &&
               (n = ::recv(connection, buffer, sizeof buffer, 0)) > 0)
            received.append(buffer, static_cast<std::size_t>(n));
        ::close(connection);
    });
    ocs::producer::ClientOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/";
    o.soapVersion = version;
    o.timeoutSeconds = 5;
    ProducerClient client(o);
    std::string serverVersion;
    const bool answered = client.ping(serverVersion);
    reader.join();
    ::close(listener);
    CPPUNIT_ASSERT(!answered);
    return received;
}

} // namespace

class AuthenticationTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AuthenticationTest);
    CPPUNIT_TEST(testLoginAndPingInSoap11AndSoap12);
    CPPUNIT_TEST(testClientSendsTheVersionAskedFor);
    CPPUNIT_TEST(testWrongPasswordIsRefusedWith401);
    CPPUNIT_TEST(testUnknownLoginLooksLikeAKnownOne);
    CPPUNIT_TEST(testChallengeIsSingleUse);
    CPPUNIT_TEST(testChallengeOfAnotherLoginIsRefused);
    CPPUNIT_TEST(testSessionIsRefusedAfterLogout);
    CPPUNIT_TEST(testNotificationNeedsASession);
    CPPUNIT_TEST(testInvalidLoginNameIsAnInvalidParameter);
    CPPUNIT_TEST(testCorruptAccountRecordIsAnInternalError);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        daemon_ = std::make_unique<ocs::test::Daemon>();
        daemon_->addAccount(kLogin, kPassword);
    }

    void tearDown() override
    {
        CPPUNIT_ASSERT_EQUAL(0, daemon_->stop(SIGTERM));
        daemon_.reset();
    }

    void testLoginAndPingInSoap11AndSoap12()
    {
        for (int version : {1, 2}) {
            ProducerClient client(options(version));
            std::string serverVersion;
            CPPUNIT_ASSERT_MESSAGE(client.lastError().message, client.ping(serverVersion));
            CPPUNIT_ASSERT(!serverVersion.empty());
            CPPUNIT_ASSERT_MESSAGE(client.lastError().message, client.login(kLogin, kPassword));
            CPPUNIT_ASSERT(client.session().size() >= 22);
            // The session is accepted (nobody is bound to the backend user:
            // nothing is queued).
            ocs::producer::NewMailResult result;
            // Another message each time: the same one again would be a duplicate.
            CPPUNIT_ASSERT_MESSAGE(client.lastError().message,
                                   client.newMail(sampleMail(std::to_string(60 + version)), result));
            CPPUNIT_ASSERT_EQUAL(std::string("queued"), result.status);
            CPPUNIT_ASSERT_EQUAL(0u, result.queues);
        }
    }

    // The generated namespace table names the SOAP 1.2 envelope first: a
    // client asked for SOAP 1.1 must still send SOAP 1.1.
    void testClientSendsTheVersionAskedFor()
    {
        const std::string soap11 = pingAsSent(1);
        CPPUNIT_ASSERT_MESSAGE(soap11, soap11.find("Content-Type: text/xml") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(soap11,
                               soap11.find("=\"http://schemas.xmlsoap.org/soap/envelope/\"") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(soap11, soap11.find("http://www.w3.org/2003/05/soap-envelope") == std::string::npos);
        const std::string soap12 = pingAsSent(2);
        CPPUNIT_ASSERT_MESSAGE(soap12, soap12.find("Content-Type: application/soap+xml") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(soap12,
                               soap12.find("=\"http://www.w3.org/2003/05/soap-envelope\"") != std::string::npos);
    }

    void testWrongPasswordIsRefusedWith401()
    {
        for (int version : {1, 2}) {
            ProducerClient client(options(version));
            CPPUNIT_ASSERT(!client.login(kLogin, "wrong"));
            CPPUNIT_ASSERT_EQUAL(401, client.lastError().code);
            CPPUNIT_ASSERT_EQUAL(std::string("InvalidCredentials"), client.lastError().name);
        }
    }

    void testUnknownLoginLooksLikeAKnownOne()
    {
        ProducerClient client(options(1));
        ocs::producer::Challenge known, unknown, again;
        CPPUNIT_ASSERT(client.getToken(kLogin, known));
        CPPUNIT_ASSERT(client.getToken("nobody", unknown));
        CPPUNIT_ASSERT(client.getToken("nobody", again));
        CPPUNIT_ASSERT_EQUAL(known.salt.size(), unknown.salt.size());
        CPPUNIT_ASSERT_EQUAL(known.iterations, unknown.iterations);
        CPPUNIT_ASSERT_EQUAL(known.challenge.size(), unknown.challenge.size());
        CPPUNIT_ASSERT(unknown.salt == again.salt);
        CPPUNIT_ASSERT(unknown.challenge != again.challenge);
        CPPUNIT_ASSERT(!client.login("nobody", kPassword));
        CPPUNIT_ASSERT_EQUAL(401, client.lastError().code);
    }

    void testChallengeIsSingleUse()
    {
        ProducerClient client(options(1));
        ocs::producer::Challenge challenge;
        CPPUNIT_ASSERT(client.getToken(kLogin, challenge));
        const auto proof = proofFor(kLogin, kPassword, challenge);
        ocs::producer::Grant grant;
        CPPUNIT_ASSERT(client.sendProof(kLogin, challenge.challenge, proof, grant));
        CPPUNIT_ASSERT(!client.sendProof(kLogin, challenge.challenge, proof, grant));
        CPPUNIT_ASSERT_EQUAL(472, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("challenge"), client.lastError().field);
    }

    void testChallengeOfAnotherLoginIsRefused()
    {
        daemon_->addAccount("other", "another password");
        ProducerClient client(options(2));
        ocs::producer::Challenge challenge;
        CPPUNIT_ASSERT(client.getToken("other", challenge));
        ocs::producer::Grant grant;
        CPPUNIT_ASSERT(!client.sendProof(kLogin, challenge.challenge, proofFor(kLogin, kPassword, challenge), grant));
        CPPUNIT_ASSERT_EQUAL(472, client.lastError().code);
    }

    void testSessionIsRefusedAfterLogout()
    {
        ProducerClient client(options(1));
        CPPUNIT_ASSERT(client.login(kLogin, kPassword));
        const std::string session = client.session();
        CPPUNIT_ASSERT(client.logout());
        client.setSession(session);
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(!client.newMail(sampleMail(), result));
        CPPUNIT_ASSERT_EQUAL(403, client.lastError().code);
        CPPUNIT_ASSERT(!client.logout());
        CPPUNIT_ASSERT_EQUAL(403, client.lastError().code);
    }

    void testNotificationNeedsASession()
    {
        ProducerClient client(options(2));
        ocs::producer::NewMailResult result;
        client.setSession("");
        CPPUNIT_ASSERT(!client.newMail(sampleMail(), result));
        CPPUNIT_ASSERT_EQUAL(403, client.lastError().code);
        client.setSession("forged-session-token-000000000000000");
        CPPUNIT_ASSERT(!client.newMail(sampleMail(), result));
        CPPUNIT_ASSERT_EQUAL(std::string("InvalidSession"), client.lastError().name);
    }

    void testInvalidLoginNameIsAnInvalidParameter()
    {
        ProducerClient client(options(1));
        ocs::producer::Challenge challenge;
        CPPUNIT_ASSERT(!client.getToken(std::string("bad\x01name"), challenge));
        CPPUNIT_ASSERT_EQUAL(417, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("login"), client.lastError().field);
        CPPUNIT_ASSERT(!client.getToken(std::string("tab\tname"), challenge));
        CPPUNIT_ASSERT_EQUAL(417, client.lastError().code);
        CPPUNIT_ASSERT(!client.getToken(std::string("del\x7fname"), challenge));
        CPPUNIT_ASSERT_EQUAL(417, client.lastError().code);
    }

    void testCorruptAccountRecordIsAnInternalError()
    {
        // A record the daemon cannot decode (written by hand with tdbtool)
        // is an internal error, not a crash, and no detail leaks.
        const std::string file = daemon_->stateDir() + "/state/accounts.tdb";
        std::string output;
        const int status =
            ocs::test::runProgram({"/usr/bin/tdbtool", file, "store", "account/broken", "garbage"}, "", &output);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(output, 0, status);
        ProducerClient client(options(1));
        ocs::producer::Challenge challenge;
        CPPUNIT_ASSERT(!client.getToken("broken", challenge));
        CPPUNIT_ASSERT_EQUAL(500, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("Internal error"), client.lastError().message);
        std::string version;
        CPPUNIT_ASSERT(client.ping(version));
    }

  private:
    ocs::producer::ClientOptions options(int version) const
    {
        ocs::producer::ClientOptions o;
        o.url = daemon_->url();
        o.soapVersion = version;
        return o;
    }

    std::unique_ptr<ocs::test::Daemon> daemon_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticationTest);

// Throttling and expiry need their own settings.
class SessionLimitsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SessionLimitsTest);
    CPPUNIT_TEST(testRepeatedFailuresAreThrottled);
    CPPUNIT_TEST(testSessionIsRefusedAfterItsTtl);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testRepeatedFailuresAreThrottled()
    {
        ocs::test::Daemon daemon({"--set", "auth.max_failures_per_account=3"});
        daemon.addAccount(kLogin, kPassword);
        ocs::producer::ClientOptions o;
        o.url = daemon.url();
        ProducerClient client(o);
        for (int i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT(!client.login(kLogin, "wrong"));
            CPPUNIT_ASSERT_EQUAL(401, client.lastError().code);
        }
        CPPUNIT_ASSERT(!client.login(kLogin, kPassword));
        CPPUNIT_ASSERT_EQUAL(429, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(std::string("TooManyAttempts"), client.lastError().name);
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }

    void testSessionIsRefusedAfterItsTtl()
    {
        ocs::test::Daemon daemon({"--set", "auth.session_ttl=1"});
        daemon.addAccount(kLogin, kPassword);
        ocs::producer::ClientOptions o;
        o.url = daemon.url();
        ProducerClient client(o);
        CPPUNIT_ASSERT(client.login(kLogin, kPassword));
        ocs::producer::NewMailResult result;
        CPPUNIT_ASSERT(client.newMail(sampleMail(), result));
        std::this_thread::sleep_for(std::chrono::milliseconds(2100));
        CPPUNIT_ASSERT(!client.newMail(sampleMail(), result));
        CPPUNIT_ASSERT_EQUAL(403, client.lastError().code);
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SessionLimitsTest);
