#include "daemon/xml_scan.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using ocs::daemon::XmlScan;
using Verdict = XmlScan::Verdict;

namespace {

constexpr std::size_t kDepth = 8;

Verdict scan(const std::string& body)
{
    XmlScan scanner(kDepth);
    return scanner.feed(body);
}

// The same body fed one byte at a time: the verdict cannot depend on where
// the reads happen to split it.
Verdict scanBytewise(const std::string& body)
{
    XmlScan scanner(kDepth);
    Verdict verdict = Verdict::Acceptable;
    for (char c : body)
        verdict = scanner.feed(std::string(1, c));
    return verdict;
}

std::string nested(std::size_t depth)
{
    std::string open, close;
    for (std::size_t i = 0; i < depth; ++i) {
        open += "<a x=\"1\">";
        close = "</a>" + close;
    }
    return open + close;
}

} // namespace

class XmlScanTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(XmlScanTest);
    CPPUNIT_TEST(testOrdinaryEnvelopeIsAcceptable);
    CPPUNIT_TEST(testMalformedUtf8IsRefused);
    CPPUNIT_TEST(testNulIsRefusedLiteralOrReferenced);
    CPPUNIT_TEST(testOtherControlCharactersAreLeftToTheFieldChecks);
    CPPUNIT_TEST(testReferencesGsoapWouldMisreadAreRefused);
    CPPUNIT_TEST(testDtdIsRefusedButCommentsAndCDataAreNot);
    CPPUNIT_TEST(testDepthIsCountedAcrossEmptyElementsAndQuotes);
    CPPUNIT_TEST(testVerdictDoesNotDependOnHowTheBodyIsSplit);
    CPPUNIT_TEST(testResetStartsAFreshBody);
    CPPUNIT_TEST_SUITE_END();

  public:
    void testOrdinaryEnvelopeIsAcceptable()
    {
        const std::string body =
            "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:ocs=\"urn:x\">"
            "<soap:Header><ocs:Session>abc_-</ocs:Session></soap:Header><soap:Body><ocs:NewMail>"
            "<ocs:folder>J\xC3\xB6rg &amp; &lt;&#233;&#x20AC;\xF0\x9F\x98\x80</ocs:folder>"
            "<ocs:flags/></ocs:NewMail></soap:Body></soap:Envelope>";
        CPPUNIT_ASSERT(scan(body) == Verdict::Acceptable);
    }

    void testMalformedUtf8IsRefused()
    {
        for (const char* bad : {"\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xC3<", "\xE2\x82<", "\xFE",
                                "\xF5\x80\x80\x80", "\xF4\x90\x80\x80"})
            CPPUNIT_ASSERT_MESSAGE(bad, scan(std::string("<a>x") + bad + "</a>") == Verdict::NotUtf8);
    }

    void testNulIsRefusedLiteralOrReferenced()
    {
        CPPUNIT_ASSERT(scan(std::string("<a>x\0y</a>", 10)) == Verdict::Nul);
        for (const char* reference : {"&#0;", "&#x0;", "&#00000;", "&#X0;"}) {
            const Verdict verdict = scan(std::string("<a>x") + reference + "y</a>");
            CPPUNIT_ASSERT_MESSAGE(reference, verdict == Verdict::Nul || verdict == Verdict::BadReference);
        }
        CPPUNIT_ASSERT(scan("<a b=\"&#0;\"/>") == Verdict::Nul);
    }

    void testOtherControlCharactersAreLeftToTheFieldChecks()
    {
        CPPUNIT_ASSERT(scan("<a>\x01\x1F\x7F</a>") == Verdict::Acceptable);
        CPPUNIT_ASSERT(scan("<a>&#1;&#x1F;&#xD800;&#127;</a>") == Verdict::Acceptable);
    }

    void testReferencesGsoapWouldMisreadAreRefused()
    {
        for (const char* reference :
             {"&#;", "&#x;", "&#zz;", "&#-2;", "&#12a;", "&#123456;", "&#x10FFFF;", "&#4294967298;", "&#65"})
            CPPUNIT_ASSERT_MESSAGE(reference, scan(std::string("<a>x") + reference + "</a>") == Verdict::BadReference);
        // At most six characters after '&': the longest gSOAP reads whole.
        CPPUNIT_ASSERT(scan("<a>&#99999;&#xFFFD;</a>") == Verdict::Acceptable);
    }

    void testDtdIsRefusedButCommentsAndCDataAreNot()
    {
        CPPUNIT_ASSERT(scan("<!DOCTYPE a [<!ENTITY b \"c\">]><a>&b;</a>") == Verdict::Dtd);
        CPPUNIT_ASSERT(scan("<a><!ENTITY b \"c\"></a>") == Verdict::Dtd);
        CPPUNIT_ASSERT(scan("<a><!-x --></a>") == Verdict::Dtd);
        // Markup inside comments, CDATA and processing instructions is text:
        // it neither nests nor declares.
        const std::string deepText = "<b><b><b><b><b><b><b><b><b><b><!DOCTYPE &#0;";
        CPPUNIT_ASSERT(scan("<a><!--" + deepText + "--></a>") == Verdict::Acceptable);
        CPPUNIT_ASSERT(scan("<a><![CDATA[" + deepText + "]]></a>") == Verdict::Acceptable);
        CPPUNIT_ASSERT(scan("<?pi " + deepText + "?><a/>") == Verdict::Acceptable);
        // ... and each ends where XML says, not earlier.
        CPPUNIT_ASSERT(scan("<a><!-- -> --><!DOCTYPE x></a>") == Verdict::Dtd);
        CPPUNIT_ASSERT(scan("<a><![CDATA[ ]> ]]><!DOCTYPE x></a>") == Verdict::Dtd);
    }

    void testDepthIsCountedAcrossEmptyElementsAndQuotes()
    {
        CPPUNIT_ASSERT(scan(nested(kDepth)) == Verdict::Acceptable);
        CPPUNIT_ASSERT(scan(nested(kDepth + 1)) == Verdict::TooDeep);
        // Siblings and empty elements do not add up.
        std::string wide = "<a>";
        for (int i = 0; i < 100; ++i)
            wide += "<b/><c></c><d q='/>' r=\"a>b\"/>";
        CPPUNIT_ASSERT(scan(wide + "</a>") == Verdict::Acceptable);
        // Never closed: 100000 levels are refused at the first one too many.
        std::string deep;
        for (int i = 0; i < 100000; ++i)
            deep += "<a>";
        CPPUNIT_ASSERT(scan(deep) == Verdict::TooDeep);
    }

    void testVerdictDoesNotDependOnHowTheBodyIsSplit()
    {
        CPPUNIT_ASSERT(scanBytewise("<a>J\xC3\xB6rg &#x20AC; <!-- <b> --></a>") == Verdict::Acceptable);
        CPPUNIT_ASSERT(scanBytewise("<a>\xE2\x82\x28</a>") == Verdict::NotUtf8);
        CPPUNIT_ASSERT(scanBytewise("<a>&#x0;</a>") == Verdict::Nul);
        CPPUNIT_ASSERT(scanBytewise("<a><!DOC") == Verdict::Dtd);
        CPPUNIT_ASSERT(scanBytewise(nested(kDepth + 1)) == Verdict::TooDeep);
    }

    void testResetStartsAFreshBody()
    {
        XmlScan scanner(kDepth);
        CPPUNIT_ASSERT(scanner.feed("<a>\x80") == Verdict::NotUtf8);
        CPPUNIT_ASSERT(scanner.feed("<b/>") == Verdict::NotUtf8); // refused stays refused
        scanner.reset();
        CPPUNIT_ASSERT(scanner.feed(nested(kDepth)) == Verdict::Acceptable);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(XmlScanTest);
