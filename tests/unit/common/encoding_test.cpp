#include "common/encoding.hpp"

#include <cppunit/extensions/HelperMacros.h>

using namespace ocs;

class EncodingTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EncodingTest);
    CPPUNIT_TEST(testBase64MatchesRfc4648Vectors);
    CPPUNIT_TEST(testBase64DecodesRfc4648Vectors);
    CPPUNIT_TEST(testBase64RoundTripsEveryLength);
    CPPUNIT_TEST(testBase64RejectsMalformedInput);
    CPPUNIT_TEST(testBase64RejectsNonCanonicalPadBits);
    CPPUNIT_TEST(testBase64UrlUsesUrlAlphabetWithoutPadding);
    CPPUNIT_TEST(testHexIsLowercase);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testBase64MatchesRfc4648Vectors()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(""), base64Encode(""));
        CPPUNIT_ASSERT_EQUAL(std::string("Zg=="), base64Encode("f"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm8="), base64Encode("fo"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9v"), base64Encode("foo"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYg=="), base64Encode("foob"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmE="), base64Encode("fooba"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmFy"), base64Encode("foobar"));
    }

    void testBase64DecodesRfc4648Vectors()
    {
        CPPUNIT_ASSERT(base64Decode("") == Bytes{});
        CPPUNIT_ASSERT(base64Decode("Zg==") == toBytes("f"));
        CPPUNIT_ASSERT(base64Decode("Zm8=") == toBytes("fo"));
        CPPUNIT_ASSERT(base64Decode("Zm9v") == toBytes("foo"));
        CPPUNIT_ASSERT(base64Decode("Zm9vYg==") == toBytes("foob"));
        CPPUNIT_ASSERT(base64Decode("Zm9vYmE=") == toBytes("fooba"));
        CPPUNIT_ASSERT(base64Decode("Zm9vYmFy") == toBytes("foobar"));
    }

    void testBase64RoundTripsEveryLength()
    {
        Bytes data;
        for (int length = 0; length < 70; ++length) {
            const auto decoded = base64Decode(base64Encode(data));
            CPPUNIT_ASSERT(decoded.has_value());
            CPPUNIT_ASSERT(*decoded == data);
            data.push_back(static_cast<std::uint8_t>(length * 37 + 250));
        }
    }

    void testBase64RejectsMalformedInput()
    {
        CPPUNIT_ASSERT(!base64Decode("Zg="));  // length not a multiple of 4
        CPPUNIT_ASSERT(!base64Decode("Z===")); // three padding characters
        CPPUNIT_ASSERT(!base64Decode("===="));
        CPPUNIT_ASSERT(!base64Decode("Zg=a")); // padding inside
        CPPUNIT_ASSERT(!base64Decode("Zm=v"));
        CPPUNIT_ASSERT(!base64Decode(" Zm9v")); // whitespace
        CPPUNIT_ASSERT(!base64Decode("Zm9v\n"));
        CPPUNIT_ASSERT(!base64Decode("Zm9"));
        CPPUNIT_ASSERT(!base64Decode("Zm-_")); // URL alphabet
        CPPUNIT_ASSERT(!base64Decode("Zm9v!A=="));
        CPPUNIT_ASSERT(!base64Decode(std::string("Zm\0v", 4)));
    }

    void testBase64RejectsNonCanonicalPadBits()
    {
        CPPUNIT_ASSERT(base64Decode("Zg==").has_value());
        CPPUNIT_ASSERT(!base64Decode("Zh=="));
        CPPUNIT_ASSERT(!base64Decode("Zm9="));
    }

    void testBase64UrlUsesUrlAlphabetWithoutPadding()
    {
        const Bytes data{0xfb, 0xff, 0xbf, 0xfe};
        CPPUNIT_ASSERT_EQUAL(std::string("+/+//g=="), base64Encode(data));
        CPPUNIT_ASSERT_EQUAL(std::string("-_-__g"), base64UrlEncode(data));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmFy"), base64UrlEncode("foobar"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmE"), base64UrlEncode("fooba"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), base64UrlEncode(""));
    }

    void testHexIsLowercase()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("00ff10ab"), hexEncode(Bytes{0x00, 0xff, 0x10, 0xab}));
        CPPUNIT_ASSERT_EQUAL(std::string(""), hexEncode(Bytes{}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EncodingTest);
