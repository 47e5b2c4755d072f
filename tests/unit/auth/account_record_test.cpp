#include "auth/account_record.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;
using namespace ocs::auth;

class AccountRecordTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AccountRecordTest);
    CPPUNIT_TEST(testRecordRoundTrips);
    CPPUNIT_TEST(testRecordStartsWithVersionOne);
    CPPUNIT_TEST(testEveryTruncationIsRejected);
    CPPUNIT_TEST(testUnknownVersionIsRejected);
    CPPUNIT_TEST(testTrailingBytesAreRejected);
    CPPUNIT_TEST(testZeroIterationsAreRejected);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testRecordRoundTrips()
    {
        auto decoded = decodeAccount("alice", encodeAccount(sample()));
        CPPUNIT_ASSERT(decoded.ok());
        const Account& account = *decoded;
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), account.login);
        CPPUNIT_ASSERT(account.salt == sample().salt);
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(4096), account.iterations);
        CPPUNIT_ASSERT(account.storedKey == sample().storedKey);
        CPPUNIT_ASSERT(account.serverKey == sample().serverKey);
        CPPUNIT_ASSERT(account.permissions.backends == sample().permissions.backends);
        CPPUNIT_ASSERT(account.permissions.eventTypes == sample().permissions.eventTypes);
    }

    void testRecordStartsWithVersionOne()
    {
        const std::string record = encodeAccount(sample());
        CPPUNIT_ASSERT_EQUAL('\x01', record.at(0));
        // version, salt (4 + 3), iterations, two keys, 2 backends, 2 events
        CPPUNIT_ASSERT_EQUAL(std::size_t(1 + 7 + 4 + 64 + (4 + 8 + 11) + (4 + 11 + 18)), record.size());
    }

    void testEveryTruncationIsRejected()
    {
        const std::string record = encodeAccount(sample());
        for (std::size_t length = 0; length < record.size(); ++length) {
            auto decoded = decodeAccount("alice", record.substr(0, length));
            CPPUNIT_ASSERT(!decoded.ok());
            CPPUNIT_ASSERT(decoded.error().code == ErrorCode::InternalError);
        }
    }

    void testUnknownVersionIsRejected()
    {
        std::string record = encodeAccount(sample());
        record[0] = '\x02';
        auto decoded = decodeAccount("alice", record);
        CPPUNIT_ASSERT(!decoded.ok());
        CPPUNIT_ASSERT(decoded.error().detail.find("version 2") != std::string::npos);
    }

    void testTrailingBytesAreRejected() { CPPUNIT_ASSERT(!decodeAccount("alice", encodeAccount(sample()) + "x").ok()); }

    void testZeroIterationsAreRejected()
    {
        Account account = sample();
        account.iterations = 0;
        CPPUNIT_ASSERT(!decodeAccount("alice", encodeAccount(account)).ok());
    }

  private:
    static Account sample()
    {
        Account account;
        account.login = "alice";
        account.salt = {1, 2, 3};
        account.iterations = 4096;
        account.storedKey.fill(0xaa);
        account.serverKey.fill(0xbb);
        account.permissions = {{"SOGo", "dovecot"}, {EventType::NewMail, EventType::ObjectModified}};
        return account;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccountRecordTest);
