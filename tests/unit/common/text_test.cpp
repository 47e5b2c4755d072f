#include "common/text.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;

class TextTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TextTest);
    CPPUNIT_TEST(testWellFormedUtf8IsAccepted);
    CPPUNIT_TEST(testMalformedUtf8IsRejected);
    CPPUNIT_TEST(testControlCharactersAreFound);
    CPPUNIT_TEST(testValidFieldPasses);
    CPPUNIT_TEST(testEmptyFieldIsInvalidParameter);
    CPPUNIT_TEST(testFieldLongerThanLimitIsInvalidParameter);
    CPPUNIT_TEST(testFieldWithControlCharacterIsInvalidParameter);
    CPPUNIT_TEST(testFieldWithInvalidUtf8IsInvalidParameter);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testWellFormedUtf8IsAccepted()
    {
        CPPUNIT_ASSERT(isValidUtf8(""));
        CPPUNIT_ASSERT(isValidUtf8("plain ascii ~"));
        CPPUNIT_ASSERT(isValidUtf8("J\xC3\xB6rg"));          // U+00F6
        CPPUNIT_ASSERT(isValidUtf8("\xE2\x82\xAC"));         // U+20AC
        CPPUNIT_ASSERT(isValidUtf8("\xED\x9F\xBF"));         // U+D7FF, last before surrogates
        CPPUNIT_ASSERT(isValidUtf8("\xF0\x9F\x98\x80"));     // U+1F600
        CPPUNIT_ASSERT(isValidUtf8("\xF4\x8F\xBF\xBF"));     // U+10FFFF
        CPPUNIT_ASSERT(isValidUtf8(std::string("a\0b", 3))); // NUL is UTF-8 (but a control)
    }

    void testMalformedUtf8IsRejected()
    {
        CPPUNIT_ASSERT(!isValidUtf8("\x80"));             // lone continuation
        CPPUNIT_ASSERT(!isValidUtf8("\xC3"));             // truncated
        CPPUNIT_ASSERT(!isValidUtf8("\xC3("));            // bad continuation
        CPPUNIT_ASSERT(!isValidUtf8("\xC0\xAF"));         // overlong '/'
        CPPUNIT_ASSERT(!isValidUtf8("\xE0\x80\xAF"));     // overlong three-byte
        CPPUNIT_ASSERT(!isValidUtf8("\xF0\x80\x80\xAF")); // overlong four-byte
        CPPUNIT_ASSERT(!isValidUtf8("\xED\xA0\x80"));     // surrogate U+D800
        CPPUNIT_ASSERT(!isValidUtf8("\xF4\x90\x80\x80")); // above U+10FFFF
        CPPUNIT_ASSERT(!isValidUtf8("\xF5\x80\x80\x80"));
        CPPUNIT_ASSERT(!isValidUtf8("\xFF"));
        CPPUNIT_ASSERT(!isValidUtf8("\xE2\x82")); // truncated at the end
        CPPUNIT_ASSERT(!isValidUtf8("\xF0\x9F\x98("));
    }

    void testControlCharactersAreFound()
    {
        CPPUNIT_ASSERT(!hasControlCharacter("alice@example.org"));
        CPPUNIT_ASSERT(!hasControlCharacter("J\xC3\xB6rg"));
        CPPUNIT_ASSERT(hasControlCharacter("a\tb"));
        CPPUNIT_ASSERT(hasControlCharacter("a\nb"));
        CPPUNIT_ASSERT(hasControlCharacter("\x1f"));
        CPPUNIT_ASSERT(hasControlCharacter("a\x7f"));
        CPPUNIT_ASSERT(hasControlCharacter(std::string("a\0b", 3)));
        // C1: U+0080, U+0085 (NEL) and U+009F; U+00A0 and U+00C0 are not.
        CPPUNIT_ASSERT(hasControlCharacter("a\xC2\x80"));
        CPPUNIT_ASSERT(hasControlCharacter("a\xC2\x85z"));
        CPPUNIT_ASSERT(hasControlCharacter("\xC2\x9F"));
        CPPUNIT_ASSERT(!hasControlCharacter("\xC2\xA0\xC3\x80"));
        CPPUNIT_ASSERT(!hasControlCharacter("\xC2"));
    }

    void testValidFieldPasses()
    {
        CPPUNIT_ASSERT(validateField("login", "alice", 256).ok());
        CPPUNIT_ASSERT(validateField("login", std::string(256, 'a'), 256).ok());
    }

    void testEmptyFieldIsInvalidParameter() { assertInvalid(validateField("login", "", 256), "login"); }

    void testFieldLongerThanLimitIsInvalidParameter()
    {
        assertInvalid(validateField("folder", std::string(257, 'a'), 256), "folder");
    }

    void testFieldWithControlCharacterIsInvalidParameter()
    {
        assertInvalid(validateField("username", "bob\r\nX-Injected: 1", 256), "username");
        assertInvalid(validateField("folder", "INBOX\xC2\x85X-Injected: 1", 256), "folder");
    }

    void testFieldWithInvalidUtf8IsInvalidParameter()
    {
        assertInvalid(validateField("login", "al\xFFice", 256), "login");
    }

  private:
    static void assertInvalid(const Status& status, const std::string& field)
    {
        CPPUNIT_ASSERT(!status.ok());
        CPPUNIT_ASSERT(status.error().code == ErrorCode::InvalidParameter);
        CPPUNIT_ASSERT_EQUAL(field, status.error().field);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TextTest);
