#include "common/binary.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using namespace ocs;

class BinaryRecordTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(BinaryRecordTest);
    CPPUNIT_TEST(testLayoutIsBigEndianAndLengthPrefixed);
    CPPUNIT_TEST(testReaderReadsWhatWriterWrote);
    CPPUNIT_TEST(testReaderReportsTruncation);
    CPPUNIT_TEST(testWideIntegersAreBigEndian);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testLayoutIsBigEndianAndLengthPrefixed()
    {
        BinaryWriter writer;
        writer.u8(1);
        writer.u32(0x01020304);
        writer.string("ab");
        writer.raw("xy");
        CPPUNIT_ASSERT_EQUAL(std::string("\x01\x01\x02\x03\x04\x00\x00\x00\x02"
                                         "abxy",
                                         13),
                             writer.data());
    }

    void testWideIntegersAreBigEndian()
    {
        BinaryWriter writer;
        writer.u16(0x0102);
        writer.u64(0x0304050607080910ULL);
        CPPUNIT_ASSERT_EQUAL(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x10", 10), writer.data());
        BinaryReader reader(writer.data());
        CPPUNIT_ASSERT(reader.u16() == std::uint16_t(0x0102));
        CPPUNIT_ASSERT(reader.u64() == std::uint64_t(0x0304050607080910ULL));
        CPPUNIT_ASSERT(reader.atEnd());
        CPPUNIT_ASSERT(!reader.u16());
    }

    void testReaderReadsWhatWriterWrote()
    {
        BinaryWriter writer;
        writer.u8(7);
        writer.u32(4096);
        writer.string("salt");
        writer.string("");
        BinaryReader reader(writer.data());
        CPPUNIT_ASSERT(reader.u8() == std::uint8_t(7));
        CPPUNIT_ASSERT(reader.u32() == std::uint32_t(4096));
        CPPUNIT_ASSERT(reader.string() == std::string_view("salt"));
        CPPUNIT_ASSERT(reader.string() == std::string_view(""));
        CPPUNIT_ASSERT(reader.atEnd());
        CPPUNIT_ASSERT(!reader.u8());
    }

    void testReaderReportsTruncation()
    {
        BinaryReader shortInteger(std::string_view("\x00\x00\x01", 3));
        CPPUNIT_ASSERT(!shortInteger.u32());

        // The length says 5 bytes, 3 follow.
        BinaryReader shortString(std::string_view("\x00\x00\x00\x05"
                                                  "abc",
                                                  7));
        CPPUNIT_ASSERT(!shortString.string());

        BinaryReader hugeLength(std::string_view("\xff\xff\xff\xff"
                                                 "abc",
                                                 7));
        CPPUNIT_ASSERT(!hugeLength.string());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BinaryRecordTest);
