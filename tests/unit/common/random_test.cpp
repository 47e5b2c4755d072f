#include "common/random.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>

using namespace ocs;

class RandomTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RandomTest);
    CPPUNIT_TEST(testRandomBytesHaveRequestedLength);
    CPPUNIT_TEST(testRandomBytesDiffer);
    CPPUNIT_TEST(testTokenIsUnpaddedBase64Url);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testRandomBytesHaveRequestedLength()
    {
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), randomBytes(0).size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), randomBytes(16).size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1000), randomBytes(1000).size());
    }

    void testRandomBytesDiffer()
    {
        std::set<Bytes> seen;
        for (int i = 0; i < 100; ++i)
            seen.insert(randomBytes(16));
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), seen.size());
    }

    void testTokenIsUnpaddedBase64Url()
    {
        const std::string challenge = randomToken(18);
        CPPUNIT_ASSERT_EQUAL(std::size_t(24), challenge.size());
        const std::string session = randomToken(32);
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), session.size());
        CPPUNIT_ASSERT_EQUAL(
            std::string::npos,
            session.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));
        CPPUNIT_ASSERT(randomToken(18) != randomToken(18));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RandomTest);
