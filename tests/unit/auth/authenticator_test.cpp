#include "auth/authenticator.hpp"
#include "auth/scram.hpp"
#include "unit/store/temp_directory.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace ocs;
using namespace ocs::auth;

namespace {

using namespace std::chrono_literals;

const std::string alicePassword = "correct horse battery staple";
const std::string bobPassword = "hunter2";

AuthConfig testConfig()
{
    AuthConfig config;
    config.challengeTtl = 60s;
    config.sessionTtl = 3600s;
    config.iterations = 4096;
    config.maxFailuresPerAccount = 3;
    config.maxFailuresPerAddress = 5;
    config.failureWindow = 300s;
    config.maxChallenges = 100;
    config.maxSessions = 100;
    return config;
}

// What a client computes from GetToken's answer and its password.
std::string authMessageOf(const std::string& login, const TokenChallenge& token)
{
    return scram::authMessageFor(login, token.challenge, token.salt, token.iterations);
}

Bytes proofFor(const std::string& login, const std::string& password, const TokenChallenge& token)
{
    const scram::Key client = scram::clientKey(scram::saltedPassword(password, token.salt, token.iterations));
    const scram::Key proof =
        scram::clientProof(client, scram::clientSignature(scram::storedKey(client), authMessageOf(login, token)));
    return Bytes(proof.begin(), proof.end());
}

Bytes expectedServerSignature(const std::string& login, const std::string& password, const TokenChallenge& token)
{
    const scram::Key server = scram::serverKey(scram::saltedPassword(password, token.salt, token.iterations));
    const scram::Key signature = scram::serverSignature(server, authMessageOf(login, token));
    return Bytes(signature.begin(), signature.end());
}

template <typename T> void assertError(const Result<T>& result, ErrorCode code, const std::string& field)
{
    CPPUNIT_ASSERT(!result.ok());
    CPPUNIT_ASSERT_EQUAL(errorRow(code).code, result.error().row().code);
    CPPUNIT_ASSERT_EQUAL(field, result.error().field);
}

} // namespace

class AuthenticatorTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AuthenticatorTest);
    CPPUNIT_TEST(testGetTokenGivesAccountSaltAndIterations);
    CPPUNIT_TEST(testCorrectProofGrantsSession);
    CPPUNIT_TEST(testWrongProofIsRejected);
    CPPUNIT_TEST(testProofOfWrongLengthIsRejected);
    CPPUNIT_TEST(testUnknownAccountLoginIsInvalidCredentials);
    CPPUNIT_TEST(testChallengeIsSingleUse);
    CPPUNIT_TEST(testFailedLoginConsumesChallenge);
    CPPUNIT_TEST(testUnknownChallengeIsInvalidToken);
    CPPUNIT_TEST(testChallengeOfAnotherLoginIsRefused);
    CPPUNIT_TEST(testChallengeValidJustBeforeExpiry);
    CPPUNIT_TEST(testChallengeRefusedJustAfterExpiry);
    CPPUNIT_TEST(testSessionValidJustBeforeExpiry);
    CPPUNIT_TEST(testSessionRefusedJustAfterExpiry);
    CPPUNIT_TEST(testUnknownSessionIsInvalidSession);
    CPPUNIT_TEST(testLogoutEndsSession);
    CPPUNIT_TEST(testAccountIsThrottledEvenWithRightProof);
    CPPUNIT_TEST(testAccountThrottlingAgesOutAfterWindow);
    CPPUNIT_TEST(testUnknownAccountIsThrottledToo);
    CPPUNIT_TEST(testAddressIsThrottledAcrossAccounts);
    CPPUNIT_TEST(testSuccessClearsAccountFailures);
    CPPUNIT_TEST(testFakeSaltIsStablePerLogin);
    CPPUNIT_TEST(testFakeSaltDiffersBetweenLogins);
    CPPUNIT_TEST(testFakeChallengeHasRealShape);
    CPPUNIT_TEST(testFakeSaltSurvivesRestart);
    CPPUNIT_TEST(testLoginWithControlCharacterIsInvalidParameter);
    CPPUNIT_TEST(testLoginWithInvalidUtf8IsInvalidParameter);
    CPPUNIT_TEST(testLoginTooLongIsInvalidParameter);
    CPPUNIT_TEST(testEmptyLoginIsInvalidParameter);
    CPPUNIT_TEST(testMalformedTokensAreInvalidParameters);
    CPPUNIT_TEST(testReloadDropsSessionsOfRemovedAccounts);
    CPPUNIT_TEST(testReloadUpdatesPermissions);
    CPPUNIT_TEST(testSessionTableIsBounded);
    CPPUNIT_TEST(testChallengeTableIsBounded);
    CPPUNIT_TEST(testConcurrentLoginsEachGetTheirSession);
    CPPUNIT_TEST_SUITE_END();

  public:
    void setUp() override
    {
        directory_ = std::make_unique<test::TempDirectory>();
        auto opened = AccountStore::open(directory_->path());
        CPPUNIT_ASSERT(opened.ok());
        store_ = std::move(*opened);
        alice_ = makeAccount("alice", alicePassword, 4096, {{"SOGo"}, {EventType::NewMail}});
        CPPUNIT_ASSERT(store_->put(alice_).ok());
        CPPUNIT_ASSERT(store_->put(makeAccount("bob", bobPassword, 4096, {{"*"}, {EventType::ObjectCreated}})).ok());
        clock_ = std::make_unique<ManualClock>();
        makeAuthenticator(testConfig());
    }

    void tearDown() override
    {
        authenticator_.reset();
        store_.reset();
        directory_.reset();
    }

    void testGetTokenGivesAccountSaltAndIterations()
    {
        auto token = authenticator_->getToken("alice", "10.0.0.1");
        CPPUNIT_ASSERT(token.ok());
        CPPUNIT_ASSERT(token->salt == alice_.salt);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(4096), token->iterations);
        CPPUNIT_ASSERT_EQUAL(std::string("SCRAM-SHA-256"), token->mechanism);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), static_cast<std::int64_t>(token->ttl.count()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(24), token->challenge.size());
        CPPUNIT_ASSERT(authenticator_->getToken("alice", "10.0.0.1")->challenge != token->challenge);
    }

    void testCorrectProofGrantsSession()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        auto grant =
            authenticator_->login("alice", token.challenge, proofFor("alice", alicePassword, token), "10.0.0.1");
        CPPUNIT_ASSERT(grant.ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), grant->session.size());
        CPPUNIT_ASSERT(grant->expires == clock_->wallNow() + 3600s);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3600), static_cast<std::int64_t>(grant->ttl.count()));
        CPPUNIT_ASSERT(grant->serverSignature == expectedServerSignature("alice", alicePassword, token));

        auto principal = authenticator_->session(grant->session);
        CPPUNIT_ASSERT(principal.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), principal->account);
        CPPUNIT_ASSERT(principal->permissions.allowsBackend("SOGo"));
        CPPUNIT_ASSERT(!principal->permissions.allowsBackend("other"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), authenticator_->liveSessions());
    }

    void testWrongProofIsRejected()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        auto grant = authenticator_->login("alice", token.challenge, proofFor("alice", "wrong", token), "10.0.0.1");
        assertError(grant, ErrorCode::InvalidCredentials, "");
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), authenticator_->liveSessions());
    }

    void testProofOfWrongLengthIsRejected()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        Bytes proof = proofFor("alice", alicePassword, token);
        proof.pop_back();
        assertError(authenticator_->login("alice", token.challenge, proof, "10.0.0.1"), ErrorCode::InvalidCredentials,
                    "");
    }

    void testUnknownAccountLoginIsInvalidCredentials()
    {
        const TokenChallenge token = *authenticator_->getToken("ghost", "10.0.0.1");
        assertError(authenticator_->login("ghost", token.challenge, proofFor("ghost", "any", token), "10.0.0.1"),
                    ErrorCode::InvalidCredentials, "");
    }

    void testChallengeIsSingleUse()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        const Bytes proof = proofFor("alice", alicePassword, token);
        CPPUNIT_ASSERT(authenticator_->login("alice", token.challenge, proof, "10.0.0.1").ok());
        assertError(authenticator_->login("alice", token.challenge, proof, "10.0.0.1"), ErrorCode::InvalidToken,
                    "challenge");
    }

    void testFailedLoginConsumesChallenge()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        assertError(authenticator_->login("alice", token.challenge, proofFor("alice", "wrong", token), "10.0.0.1"),
                    ErrorCode::InvalidCredentials, "");
        assertError(
            authenticator_->login("alice", token.challenge, proofFor("alice", alicePassword, token), "10.0.0.1"),
            ErrorCode::InvalidToken, "challenge");
    }

    void testUnknownChallengeIsInvalidToken()
    {
        assertError(authenticator_->login("alice", "AAAAAAAAAAAAAAAAAAAAAAAA", Bytes(32), "10.0.0.1"),
                    ErrorCode::InvalidToken, "challenge");
    }

    void testChallengeOfAnotherLoginIsRefused()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        // bob answers alice's challenge correctly for himself.
        TokenChallenge asBob = token;
        asBob.salt = store_->find("bob")->value().salt;
        assertError(authenticator_->login("bob", token.challenge, proofFor("bob", bobPassword, asBob), "10.0.0.1"),
                    ErrorCode::InvalidToken, "challenge");
        // ... and the challenge is gone for alice too.
        assertError(
            authenticator_->login("alice", token.challenge, proofFor("alice", alicePassword, token), "10.0.0.1"),
            ErrorCode::InvalidToken, "challenge");
    }

    void testChallengeValidJustBeforeExpiry()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        clock_->advance(60s - 1ms);
        CPPUNIT_ASSERT(
            authenticator_->login("alice", token.challenge, proofFor("alice", alicePassword, token), "10.0.0.1").ok());
    }

    void testChallengeRefusedJustAfterExpiry()
    {
        const TokenChallenge token = *authenticator_->getToken("alice", "10.0.0.1");
        clock_->advance(60s + 1ms);
        assertError(
            authenticator_->login("alice", token.challenge, proofFor("alice", alicePassword, token), "10.0.0.1"),
            ErrorCode::InvalidToken, "challenge");
    }

    void testSessionValidJustBeforeExpiry()
    {
        const std::string session = logIn("alice", alicePassword);
        clock_->advance(3600s - 1ms);
        CPPUNIT_ASSERT(authenticator_->session(session).ok());
    }

    void testSessionRefusedJustAfterExpiry()
    {
        const std::string session = logIn("alice", alicePassword);
        clock_->advance(3600s + 1ms);
        assertError(authenticator_->session(session), ErrorCode::InvalidSession, "Session");
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), authenticator_->liveSessions());
    }

    void testUnknownSessionIsInvalidSession()
    {
        assertError(authenticator_->session("not-a-session"), ErrorCode::InvalidSession, "Session");
        assertError(authenticator_->session(""), ErrorCode::InvalidSession, "Session");
    }

    void testLogoutEndsSession()
    {
        const std::string session = logIn("alice", alicePassword);
        const std::string other = logIn("bob", bobPassword);
        CPPUNIT_ASSERT(authenticator_->logout(session).ok());
        assertError(authenticator_->session(session), ErrorCode::InvalidSession, "Session");
        const Status again = authenticator_->logout(session);
        CPPUNIT_ASSERT(!again.ok());
        CPPUNIT_ASSERT(again.error().code == ErrorCode::InvalidSession);
        CPPUNIT_ASSERT(authenticator_->session(other).ok());
    }

    void testAccountIsThrottledEvenWithRightProof()
    {
        const TokenChallenge kept = *authenticator_->getToken("alice", "10.0.0.9");
        failLogins("alice", 3, "10.0.0.");
        assertError(authenticator_->getToken("alice", "10.0.0.9"), ErrorCode::TooManyAttempts, "");
        assertError(authenticator_->login("alice", kept.challenge, proofFor("alice", alicePassword, kept), "10.0.0.9"),
                    ErrorCode::TooManyAttempts, "");
        // bob is not affected.
        CPPUNIT_ASSERT(!logIn("bob", bobPassword).empty());
    }

    void testAccountThrottlingAgesOutAfterWindow()
    {
        failLogins("alice", 3, "10.0.0.");
        clock_->advance(300s - 1ms);
        assertError(authenticator_->getToken("alice", "10.0.1.1"), ErrorCode::TooManyAttempts, "");
        clock_->advance(1ms);
        CPPUNIT_ASSERT(!logIn("alice", alicePassword).empty());
    }

    void testUnknownAccountIsThrottledToo()
    {
        failLogins("ghost", 3, "10.0.0.");
        assertError(authenticator_->getToken("ghost", "10.0.1.1"), ErrorCode::TooManyAttempts, "");
    }

    void testAddressIsThrottledAcrossAccounts()
    {
        for (int i = 0; i < 5; ++i)
            failLogin("user" + std::to_string(i), "192.0.2.7");
        assertError(authenticator_->getToken("alice", "192.0.2.7"), ErrorCode::TooManyAttempts, "");
        CPPUNIT_ASSERT(!logIn("alice", alicePassword, "192.0.2.8").empty());
        clock_->advance(300s);
        CPPUNIT_ASSERT(!logIn("alice", alicePassword, "192.0.2.7").empty());
    }

    void testSuccessClearsAccountFailures()
    {
        failLogins("alice", 2, "10.0.0.");
        CPPUNIT_ASSERT(!logIn("alice", alicePassword, "10.0.1.1").empty());
        failLogins("alice", 2, "10.0.2.");
        CPPUNIT_ASSERT(!logIn("alice", alicePassword, "10.0.1.1").empty());
    }

    void testFakeSaltIsStablePerLogin()
    {
        const TokenChallenge first = *authenticator_->getToken("ghost", "10.0.0.1");
        const TokenChallenge second = *authenticator_->getToken("ghost", "10.0.0.2");
        CPPUNIT_ASSERT(first.salt == second.salt);
        CPPUNIT_ASSERT(first.challenge != second.challenge);
    }

    void testFakeSaltDiffersBetweenLogins()
    {
        const TokenChallenge ghost = *authenticator_->getToken("ghost", "10.0.0.1");
        const TokenChallenge phantom = *authenticator_->getToken("phantom", "10.0.0.1");
        CPPUNIT_ASSERT(ghost.salt != phantom.salt);
    }

    void testFakeChallengeHasRealShape()
    {
        const TokenChallenge real = *authenticator_->getToken("alice", "10.0.0.1");
        const TokenChallenge fake = *authenticator_->getToken("ghost", "10.0.0.1");
        CPPUNIT_ASSERT_EQUAL(real.salt.size(), fake.salt.size());
        CPPUNIT_ASSERT_EQUAL(real.iterations, fake.iterations);
        CPPUNIT_ASSERT_EQUAL(real.challenge.size(), fake.challenge.size());
        CPPUNIT_ASSERT_EQUAL(real.mechanism, fake.mechanism);
        CPPUNIT_ASSERT(real.ttl == fake.ttl);
    }

    void testFakeSaltSurvivesRestart()
    {
        const Bytes before = authenticator_->getToken("ghost", "10.0.0.1")->salt;
        authenticator_.reset();
        store_.reset();
        auto reopened = AccountStore::open(directory_->path());
        CPPUNIT_ASSERT(reopened.ok());
        store_ = std::move(*reopened);
        makeAuthenticator(testConfig());
        CPPUNIT_ASSERT(authenticator_->getToken("ghost", "10.0.0.1")->salt == before);
    }

    void testLoginWithControlCharacterIsInvalidParameter() { assertInvalidLogin("ali\nce"); }

    void testLoginWithInvalidUtf8IsInvalidParameter() { assertInvalidLogin("ali\xC3(ce"); }

    void testLoginTooLongIsInvalidParameter()
    {
        CPPUNIT_ASSERT(authenticator_->getToken(std::string(256, 'a'), "10.0.0.1").ok());
        assertInvalidLogin(std::string(257, 'a'));
    }

    void testEmptyLoginIsInvalidParameter() { assertInvalidLogin(""); }

    void testMalformedTokensAreInvalidParameters()
    {
        for (const std::string bad : {"chal\x01lenge", "chal\xC0\xAFlenge"}) {
            assertError(authenticator_->login("alice", bad, Bytes(32), "192.0.2.9"), ErrorCode::InvalidParameter,
                        "challenge");
            assertError(authenticator_->session(bad), ErrorCode::InvalidParameter, "Session");
            assertError(authenticator_->logout(bad), ErrorCode::InvalidParameter, "session");
        }
        // Malformed is not a failed attempt: neither the account nor the
        // address is any closer to being throttled.
        CPPUNIT_ASSERT(!logIn("alice", alicePassword, "192.0.2.9").empty());
        for (int i = 0; i < 4; ++i)
            failLogin("user" + std::to_string(i), "192.0.2.9");
        CPPUNIT_ASSERT(authenticator_->getToken("alice", "192.0.2.9").ok());
    }

    void testReloadDropsSessionsOfRemovedAccounts()
    {
        const std::string alice = logIn("alice", alicePassword);
        const std::string alice2 = logIn("alice", alicePassword);
        const std::string bob = logIn("bob", bobPassword);
        CPPUNIT_ASSERT(*store_->remove("alice"));
        authenticator_->reloadAccounts();
        assertError(authenticator_->session(alice), ErrorCode::InvalidSession, "Session");
        assertError(authenticator_->session(alice2), ErrorCode::InvalidSession, "Session");
        CPPUNIT_ASSERT(authenticator_->session(bob).ok());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), authenticator_->liveSessions());
    }

    void testReloadUpdatesPermissions()
    {
        const std::string session = logIn("alice", alicePassword);
        Account changed = alice_;
        changed.permissions = {{"dovecot"}, {EventType::ObjectDeleted}};
        CPPUNIT_ASSERT(store_->put(changed).ok());
        CPPUNIT_ASSERT(authenticator_->session(session)->permissions.allowsBackend("SOGo"));
        authenticator_->reloadAccounts();
        const Principal principal = *authenticator_->session(session);
        CPPUNIT_ASSERT(!principal.permissions.allowsBackend("SOGo"));
        CPPUNIT_ASSERT(principal.permissions.allowsBackend("dovecot"));
        CPPUNIT_ASSERT(principal.permissions.allowsEvent(EventType::ObjectDeleted));
        CPPUNIT_ASSERT(!principal.permissions.allowsEvent(EventType::NewMail));
    }

    void testSessionTableIsBounded()
    {
        AuthConfig config = testConfig();
        config.maxSessions = 2;
        makeAuthenticator(config);
        const std::string first = logIn("alice", alicePassword);
        clock_->advance(1s);
        const std::string second = logIn("alice", alicePassword);
        clock_->advance(1s);
        const std::string third = logIn("bob", bobPassword);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), authenticator_->liveSessions());
        assertError(authenticator_->session(first), ErrorCode::InvalidSession, "Session");
        CPPUNIT_ASSERT(authenticator_->session(second).ok());
        CPPUNIT_ASSERT(authenticator_->session(third).ok());
    }

    void testChallengeTableIsBounded()
    {
        AuthConfig config = testConfig();
        config.maxChallenges = 2;
        makeAuthenticator(config);
        const TokenChallenge oldest = *authenticator_->getToken("alice", "10.0.0.1");
        const TokenChallenge middle = *authenticator_->getToken("alice", "10.0.0.1");
        const TokenChallenge newest = *authenticator_->getToken("alice", "10.0.0.1");
        assertError(
            authenticator_->login("alice", oldest.challenge, proofFor("alice", alicePassword, oldest), "10.0.0.1"),
            ErrorCode::InvalidToken, "challenge");
        CPPUNIT_ASSERT(
            authenticator_->login("alice", newest.challenge, proofFor("alice", alicePassword, newest), "10.0.0.1")
                .ok());
        CPPUNIT_ASSERT(
            authenticator_->login("alice", middle.challenge, proofFor("alice", alicePassword, middle), "10.0.0.1")
                .ok());
    }

    void testConcurrentLoginsEachGetTheirSession()
    {
        constexpr int threads = 4;
        constexpr int loginsPerThread = 10;
        std::vector<std::vector<std::string>> sessions(threads);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([this, t, &sessions] {
                const std::string peer = "10.0.3." + std::to_string(t);
                for (int i = 0; i < loginsPerThread; ++i) {
                    auto token = authenticator_->getToken("alice", peer);
                    if (!token)
                        return;
                    auto grant = authenticator_->login("alice", token->challenge,
                                                       proofFor("alice", alicePassword, *token), peer);
                    if (grant)
                        sessions[t].push_back(grant->session);
                }
            });
        }
        for (std::thread& worker : workers)
            worker.join();
        std::set<std::string> distinct;
        for (const auto& mine : sessions) {
            CPPUNIT_ASSERT_EQUAL(std::size_t(loginsPerThread), mine.size());
            distinct.insert(mine.begin(), mine.end());
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(threads * loginsPerThread), distinct.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(threads * loginsPerThread), authenticator_->liveSessions());
        for (const std::string& session : distinct)
            CPPUNIT_ASSERT(authenticator_->session(session).ok());
    }

  private:
    void makeAuthenticator(const AuthConfig& config)
    {
        authenticator_.reset();
        authenticator_ = std::make_unique<Authenticator>(*store_, *clock_, config);
    }

    std::string logIn(const std::string& login, const std::string& password, const std::string& peer = "10.0.1.1")
    {
        auto token = authenticator_->getToken(login, peer);
        CPPUNIT_ASSERT(token.ok());
        auto grant = authenticator_->login(login, token->challenge, proofFor(login, password, *token), peer);
        CPPUNIT_ASSERT(grant.ok());
        return grant->session;
    }

    void failLogin(const std::string& login, const std::string& peer)
    {
        auto token = authenticator_->getToken(login, peer);
        CPPUNIT_ASSERT(token.ok());
        assertError(authenticator_->login(login, token->challenge, proofFor(login, "wrong", *token), peer),
                    ErrorCode::InvalidCredentials, "");
    }

    // `count` failures from as many addresses, so that only the account adds up.
    void failLogins(const std::string& login, int count, const std::string& network)
    {
        for (int i = 0; i < count; ++i)
            failLogin(login, network + std::to_string(100 + i));
    }

    void assertInvalidLogin(const std::string& login)
    {
        assertError(authenticator_->getToken(login, "10.0.0.1"), ErrorCode::InvalidParameter, "login");
        assertError(authenticator_->login(login, "AAAAAAAAAAAAAAAAAAAAAAAA", Bytes(32), "10.0.0.1"),
                    ErrorCode::InvalidParameter, "login");
    }

    std::unique_ptr<test::TempDirectory> directory_;
    std::unique_ptr<AccountStore> store_;
    std::unique_ptr<ManualClock> clock_;
    std::unique_ptr<Authenticator> authenticator_;
    Account alice_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticatorTest);
