// The test support itself: a program that reports a sanitizer error fails
// the test that ran it, whatever its exit status (doc/testing.md).
#include "support/daemon.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>
#include <string>

namespace {

const std::string kReport = "echo '==1==ERROR: AddressSanitizer: heap-use-after-free'; "
                            "echo 'SUMMARY: AddressSanitizer: heap-use-after-free x.cpp:1 in f'";

} // namespace

class TestSupportTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TestSupportTest);
    CPPUNIT_TEST(testSanitizerReportOfAProgramFailsTheTest);
    CPPUNIT_TEST(testSanitizerReportOfABackgroundProgramFailsTheTest);
    CPPUNIT_TEST(testOtherSummariesPass);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSanitizerReportOfAProgramFailsTheTest()
    {
        CPPUNIT_ASSERT_THROW(ocs::test::runProgram({"/bin/sh", "-c", kReport}), std::runtime_error);
    }

    void testSanitizerReportOfABackgroundProgramFailsTheTest()
    {
        ocs::test::Process process({"/bin/sh", "-c", kReport});
        CPPUNIT_ASSERT_THROW(process.wait(5000), std::runtime_error);
    }

    void testOtherSummariesPass()
    {
        std::string output;
        CPPUNIT_ASSERT_EQUAL(0, ocs::test::runProgram({"/bin/sh", "-c", "echo 'SUMMARY: 3 files'"}, "", &output));
        CPPUNIT_ASSERT_EQUAL(std::string("SUMMARY: 3 files\n"), output);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TestSupportTest);
